/* One Plotly chart per metric tag for a set of runs: TensorBoard's debiased EMA smoothing,
   NaN/inf marks, and redraws coalesced to at most ~10 a second. */
import { PLOT_CONFIG, el, plotlyText, whenPlotlyReady } from "./dom.js";
import { gettext } from "./i18n.js";

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
  "#17becf", "#bcbd22", "#7f7f7f"];
const REDRAW_MS = 100;          // at most ~10 redraws a second

/* TensorBoard's smoothing: an exponential moving average debiased like Adam's moments, so
   the first points are not pulled towards zero. Null (NaN/inf) points stay null. */
export function smoothEMA(values, weight) {
  const out = new Array(values.length);
  let last = 0, n = 0;
  const constant = values.every((v) => v === values[0]);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v) || constant || weight <= 0) { out[i] = v; continue; }
    last = last * weight + (1 - weight) * v;
    n += 1;
    out[i] = last / (1 - Math.pow(weight, n));
  }
  return out;
}

/* A number as the tables and charts show it: 4 significant digits, in exponent form below 0.01
   and from 100000 on, so one column never mixes 0.001125 with 8.131e-4. */
export function fmtNumber(v) {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-2 || a >= 1e5)) return v.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(4)));
}

export class ChartGrid {
  constructor(container, { groupByPrefix = false, emptyText = gettext("No metrics yet."), plotClass = "",
    stepLabel = gettext("step") } = {}) {
    this.container = container;
    this.stepLabel = stepLabel;     // what a step is on this page ("epoch" on the train page)
    this.plotClass = plotClass;
    this.groupByPrefix = groupByPrefix;
    this.emptyText = emptyText;
    this.options = { smoothing: 0.6, logY: false, xAxis: "step" };
    this.runs = [];                  // [{data: RunData, colour, label}]
    this.charts = {};                // tag -> div
    this.timer = null;
    this.lastDraw = 0;
    this.drawCount = 0;
  }

  setRuns(runs) { this.runs = runs; this.schedule(); }
  setOptions(opts) { Object.assign(this.options, opts); this.schedule(true); }

  /* Coalesce redraws: at most one every REDRAW_MS, whatever the message rate. */
  schedule(now = false) {
    if (this.timer) return;
    const wait = now ? 0 : Math.max(0, REDRAW_MS - (performance.now() - this.lastDraw));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastDraw = performance.now();
      whenPlotlyReady(() => this.draw());
    }, wait);
  }

  chartKey(name) {
    if (!this.groupByPrefix) return [name, null];
    const i = name.indexOf("/");
    return i < 0 ? [name, null] : [name.slice(0, i), name.slice(i + 1)];
  }

  xValues(run, s) {
    if (this.options.xAxis === "relative") {
      const t0 = run.data.firstWallTime();
      return s.wall_time.map((w) => w - t0);
    }
    if (this.options.xAxis === "wall") return s.wall_time.map((w) => new Date(w * 1000));
    return s.step;
  }

  draw() {
    this.drawCount += 1;
    const byChart = {};
    for (const run of this.runs) {
      for (const [name, s] of Object.entries(run.data.series())) {
        const [key, sub] = this.chartKey(name);
        (byChart[key] = byChart[key] || []).push({ run, name, sub, s });
      }
    }
    const keys = Object.keys(byChart).sort();
    for (const key of Object.keys(this.charts)) {
      if (!byChart[key]) { this.charts[key].closest(".metric-chart").remove(); delete this.charts[key]; }
    }
    if (!keys.length) {
      if (this.emptyText && !this.container.querySelector(".charts-empty")) {
        this.container.replaceChildren(el("p", { class: "charts-empty" }, this.emptyText));
      }
      return;
    }
    const empty = this.container.querySelector(".charts-empty");
    if (empty) empty.remove();
    for (const key of keys) {
      let div = this.charts[key];
      if (!div) {
        div = el("div", { class: `plot ${this.plotClass}` });
        const box = el("figure", { class: "metric-chart", "data-tag": key },
          el("figcaption", {}, key), div);
        this.container.append(box);
        this.charts[key] = div;
      }
      this.drawChart(key, div, byChart[key]);
    }
    // keep charts in tag order
    for (const key of keys) this.container.append(this.charts[key].closest(".metric-chart"));
  }

  drawChart(key, div, items) {
    const { smoothing, logY, xAxis } = this.options;
    const traces = [];
    const several = this.runs.length > 1;
    items.forEach(({ run, name, sub, s }, i) => {
      const x = this.xValues(run, s);
      const colour = sub && !several ? PALETTE[i % PALETTE.length] : run.colour;
      const dash = sub && several ? ["solid", "dot", "dash", "dashdot"][items.filter((it) => it.run === run).indexOf(items[i]) % 4] : "solid";
      // Plotly renders some HTML in trace names and hover text: user text goes in escaped.
      const label = plotlyText([several ? run.label : null, sub].filter(Boolean).join(" · ") || name);
      const smoothed = smoothing > 0;
      traces.push({
        type: "scatter", mode: "lines", x, y: s.value, name: label + (smoothed ? " (raw)" : ""),
        legendgroup: label, showlegend: false, hoverinfo: smoothed ? "skip" : undefined, hovertemplate: smoothed ? undefined : "%{y:.4~g}",
        line: { color: colour, width: 1, dash }, opacity: smoothed ? 0.25 : 1,
        meta: { raw: true },
      });
      if (smoothed) {
        traces.push({ type: "scatter", mode: "lines", x, y: smoothEMA(s.value, smoothing),
          name: label, legendgroup: label, line: { color: colour, width: 2, dash }, hovertemplate: "%{y:.4~g}" });
      } else {
        traces[traces.length - 1].showlegend = true;
      }
      const bad = s.value.map((v, j) => (v === null ? j : -1)).filter((j) => j >= 0);
      if (bad.length) {   // NaN or infinity: marked where they happened
        const finite = s.value.filter((v) => v !== null);
        const y = finite.length ? Math.max(...finite) : 0;
        traces.push({ type: "scatter", mode: "markers", x: bad.map((j) => x[j]), y: bad.map(() => y),
          name: `${label}: NaN/inf`, legendgroup: label, showlegend: false,
          marker: { symbol: "x", color: "#b42318", size: 9 }, hovertemplate: `${gettext("NaN or inf at")} %{x}<extra></extra>` });
      }
    });
    const layout = {
      uirevision: key,       // zoom and pan survive live updates
      margin: { t: 24, r: 12, b: 40, l: 52 }, height: 270,
      hovermode: "x unified", showlegend: true,
      // Left: Plotly's toolbar sits at the top right and would cover a legend there.
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom", font: { size: 11 } },
      xaxis: { title: { text: { step: this.stepLabel, relative: gettext("seconds since start"), wall: gettext("wall time") }[xAxis] },
        type: xAxis === "wall" ? "date" : "linear" },
      // Log scale: every label a whole number (Plotly's default labels the 2s and 5s between
      // powers of ten with a bare digit: "2, 5, 0.01, 2, 5, 0.1").
      yaxis: logY ? { type: "log", tickformat: ".2~g" } : { type: "linear", exponentformat: "e", tickformat: "~g" },
    };
    Plotly.react(div, traces, layout, PLOT_CONFIG);
    div.dataset.points = String(traces.filter((t) => t.meta && t.meta.raw).reduce((a, t) => a + t.y.length, 0));
  }
}
