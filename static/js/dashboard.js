/* Training charts shared by the dashboard, the train page and a run's permalink: a run's
   series (downsampled on the server, live points appended), TensorBoard's debiased EMA
   smoothing, one Plotly chart per tag redrawn at most ~10 times a second, progress bars,
   histograms over time and heatmaps. The dashboard page itself is at the bottom. */
"use strict";

const PROGRESS = "__progress__";
const HISTOGRAM_MIME = "application/vnd.playground.histogram+json";
const HEATMAP_MIME = "application/vnd.playground.heatmap+json";
const FINAL_STATUSES = ["succeeded", "failed", "timeout", "cpu_limit", "memory_limit",
  "output_limit", "killed", "cancelled", "rejected"];
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
  "#17becf", "#bcbd22", "#7f7f7f"];
const REDRAW_MS = 100;          // at most ~10 redraws a second
const REFETCH_MS = 3000;        // a live run's downsampled series is refreshed this often
const TAIL_LIMIT = 500;         // ...or sooner (at most once a second) once this many
                                // live points piled up: a trace stays near 2,000 points

function dEl(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/* TensorBoard's smoothing: an exponential moving average debiased like Adam's moments, so
   the first points are not pulled towards zero. Null (NaN/inf) points stay null. */
function smoothEMA(values, weight) {
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

function isProgress(name) { return name === PROGRESS || name.startsWith(PROGRESS + "/"); }

function fmtNumber(v) {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4).replace(/\.?0+$/, "");
}

function fmtDuration(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return "–";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

/* One run's data: the server's downsampled series plus live points that came after. */
class RunData {
  constructor(id, summary) {
    this.id = id;
    this.summary = summary || { id };
    this.base = {};          // name -> {step, value, wall_time, count}
    this.tail = {};          // name -> {step, value, wall_time} newer than base
    this.tailCount = 0;
    this.histograms = [];
    this.heatmaps = [];
    this.progress = {};      // name -> {last: point, start: point}
    this.loaded = false;
    this.fetchedAt = 0;
    this.fetching = null;
    this.refetchTimer = null;
    this.dirty = false;
    this.onChange = () => {};
  }

  get finished() { return FINAL_STATUSES.includes(this.summary.status); }

  async load(maxPoints = 2000) {
    if (this.fetching) return this.fetching;
    const fetching = this.fetching = (async () => {
      try {
        const res = await fetch(`/dashboard/api/runs/${this.id}/series/?max_points=${maxPoints}`,
          { credentials: "same-origin" });
        if (!res.ok) throw new Error(`series of run ${this.id}: HTTP ${res.status}`);
        const data = await res.json();
        this.summary = { ...this.summary, ...data.run };
        this.base = data.series;
        for (const [name, s] of Object.entries(this.base)) this.trimTail(name, s);
        this.histograms = data.histograms;
        this.heatmaps = data.heatmaps;
        for (const [name, s] of Object.entries(this.base)) {
          if (isProgress(name)) this.rememberProgress(name, s.step, s.value, s.wall_time);
        }
        this.loaded = true;
        this.fetchedAt = performance.now();
        if (this.fetching === fetching) this.fetching = null;   // done: onChange may refresh again
        this.onChange(this);
      } finally {
        if (this.fetching === fetching) this.fetching = null;
      }
    })();
    return fetching;
  }

  trimTail(name, base) {
    const t = this.tail[name];
    if (!t) return;
    const last = base.step.length ? base.step[base.step.length - 1] : -Infinity;
    const keep = t.step.map((s, i) => (s > last ? i : -1)).filter((i) => i >= 0);
    this.tailCount -= t.step.length - keep.length;
    this.tail[name] = { step: keep.map((i) => t.step[i]), value: keep.map((i) => t.value[i]),
      wall_time: keep.map((i) => t.wall_time[i]) };
  }

  lastStep(name) {
    const t = this.tail[name], b = this.base[name];
    if (t && t.step.length) return t.step[t.step.length - 1];
    if (b && b.step.length) return b.step[b.step.length - 1];
    return -Infinity;
  }

  /* Points from a "metrics" event (live, or the replay a "watch" starts with). */
  addPoints(points) {
    const groups = {};
    for (const p of points) {   // what user code sent: skip anything malformed
      if (!p || typeof p.name !== "string" || typeof p.step !== "number") continue;
      (groups[p.name] = groups[p.name] || []).push(p);
    }
    for (const [name, pts] of Object.entries(groups)) {
      if (isProgress(name)) {
        this.rememberProgress(name, pts.map((p) => p.step), pts.map((p) => p.value), pts.map((p) => p.wall_time));
        continue;
      }
      let last = this.lastStep(name);
      const t = this.tail[name] = this.tail[name] || { step: [], value: [], wall_time: [] };
      for (const p of pts) {
        if (p.step <= last) continue;   // already in the downsampled series
        t.step.push(p.step); t.value.push(p.value); t.wall_time.push(p.wall_time);
        last = p.step;
        this.tailCount += 1;
      }
      this.updateLoss(name, pts);
    }
    this.dirty = true;
    this.onChange(this);
  }

  updateLoss(name, pts) {
    const s = this.summary;
    if (!s.loss_tag && /loss/i.test(name)) s.loss_tag = name;
    if (s.loss_tag !== name) return;
    for (const p of pts) {
      if (p.value === null) continue;
      s.best_loss = s.best_loss === null || s.best_loss === undefined ? p.value : Math.min(s.best_loss, p.value);
    }
    const last = pts.reduce((a, p) => (a === null || p.step >= a.step ? p : a), null);
    if (last) s.last_loss = last.value;
  }

  rememberProgress(name, steps, values, walls) {
    const bar = this.progress[name] = this.progress[name] || { last: null, start: null };
    for (let i = 0; i < steps.length; i++) {
      const p = { n: steps[i], total: values[i], wall: walls[i] };
      if (!bar.last || p.wall >= bar.last.wall) bar.last = p;
      if (p.n === 0 && (!bar.start || p.wall >= bar.start.wall) && p.wall <= bar.last.wall) bar.start = p;
    }
  }

  /* {label, n, total, rate, eta_s} of the run's first progress bar, or null. */
  progressInfo() {
    const names = Object.keys(this.progress).sort();
    if (!names.length) return this.summary.progress || null;
    const bar = this.progress[names[0]];
    const last = bar.last, start = bar.start || bar.last;
    const elapsed = last.wall - start.wall;
    const rate = elapsed > 0 ? (last.n - start.n) / elapsed : null;
    const total = last.total === null ? null : Math.round(last.total);
    const eta = total !== null && rate ? Math.max(0, (total - last.n) / rate) : null;
    return { label: names[0].slice(PROGRESS.length + 1), n: last.n, total, rate, eta_s: eta };
  }

  addHistograms(list) {
    if (Array.isArray(list)) this.histograms.push(...list);
    this.dirty = true; this.onChange(this);
  }
  addHeatmap(h) { this.heatmaps.push(h); this.dirty = true; this.onChange(this); }

  /* name -> {step, value, wall_time} to draw (base + tail), progress bars left out. */
  series() {
    const out = {};
    const names = new Set([...Object.keys(this.base), ...Object.keys(this.tail)]);
    for (const name of names) {
      if (isProgress(name)) continue;
      const b = this.base[name] || { step: [], value: [], wall_time: [] };
      const t = this.tail[name] || { step: [], value: [], wall_time: [] };
      out[name] = { step: b.step.concat(t.step), value: b.value.concat(t.value),
        wall_time: b.wall_time.concat(t.wall_time) };
    }
    return out;
  }

  firstWallTime() {
    let first = Infinity;
    for (const s of Object.values(this.base)) if (s.wall_time.length) first = Math.min(first, s.wall_time[0]);
    for (const s of Object.values(this.tail)) if (s.wall_time.length) first = Math.min(first, s.wall_time[0]);
    return Number.isFinite(first) ? first : 0;
  }

  /* A live run refreshes its downsampled series now and then (the tail stays small). */
  maybeRefetch() {
    if (!this.loaded || this.fetching || this.tailCount === 0) return;
    const since = performance.now() - this.fetchedAt;
    const wait = (this.tailCount > TAIL_LIMIT ? 1000 : REFETCH_MS) - since;
    if (wait <= 0) this.load().catch((e) => console.error(e));
    else if (!this.refetchTimer) {   // the points may stop coming: refresh then anyway
      this.refetchTimer = setTimeout(() => { this.refetchTimer = null; this.maybeRefetch(); }, wait);
    }
  }
}

/* One Plotly chart per tag for a set of runs. */
class ChartGrid {
  constructor(container, { groupByPrefix = false, emptyText = "No metrics yet.", plotClass = "" } = {}) {
    this.container = container;
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
        this.container.replaceChildren(dEl("p", { class: "charts-empty" }, this.emptyText));
      }
      return;
    }
    const empty = this.container.querySelector(".charts-empty");
    if (empty) empty.remove();
    for (const key of keys) {
      let div = this.charts[key];
      if (!div) {
        div = dEl("div", { class: `plot ${this.plotClass}` });
        const box = dEl("figure", { class: "metric-chart", "data-tag": key },
          dEl("figcaption", {}, key), div);
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
        legendgroup: label, showlegend: false, hoverinfo: smoothed ? "skip" : undefined,
        line: { color: colour, width: 1, dash }, opacity: smoothed ? 0.25 : 1,
        meta: { raw: true },
      });
      if (smoothed) {
        traces.push({ type: "scatter", mode: "lines", x, y: smoothEMA(s.value, smoothing),
          name: label, legendgroup: label, line: { color: colour, width: 2, dash } });
      } else {
        traces[traces.length - 1].showlegend = true;
      }
      const bad = s.value.map((v, j) => (v === null ? j : -1)).filter((j) => j >= 0);
      if (bad.length) {   // NaN or infinity: marked where they happened
        const finite = s.value.filter((v) => v !== null);
        const y = finite.length ? Math.max(...finite) : 0;
        traces.push({ type: "scatter", mode: "markers", x: bad.map((j) => x[j]), y: bad.map(() => y),
          name: `${label}: NaN/inf`, legendgroup: label, showlegend: false,
          marker: { symbol: "x", color: "#b42318", size: 9 }, hovertemplate: "NaN or inf at %{x}<extra></extra>" });
      }
    });
    const layout = {
      uirevision: key,       // zoom and pan survive live updates
      margin: { t: 24, r: 12, b: 40, l: 52 }, height: 270,
      hovermode: "x unified", showlegend: true,
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", font: { size: 11 } },
      xaxis: { title: { text: { step: "step", relative: "seconds since start", wall: "wall time" }[xAxis] },
        type: xAxis === "wall" ? "date" : "linear" },
      yaxis: { type: logY ? "log" : "linear", exponentformat: "e" },
    };
    Plotly.react(div, traces, layout, { responsive: true, displaylogo: false });
    div.dataset.points = String(traces.filter((t) => t.meta && t.meta.raw).reduce((a, t) => a + t.y.length, 0));
  }
}

function whenPlotlyReady(fn) {
  if (window.Plotly) fn();
  else window.addEventListener("load", fn, { once: true });
}

/* Coordinates from a display (which hostile code can forge) as numbers, anything else null. */
function numbers(values) {
  return values.map((v) => (typeof v === "number" ? v : null));
}

/* Histograms over time: one heatmap per tag (x: step, y: value, colour: count). */
function drawHistograms(container, histograms) {
  const byTag = {};
  for (const h of histograms) {   // what user code sent: skip anything malformed
    if (!h || typeof h.tag !== "string" || !Array.isArray(h.edges) || !Array.isArray(h.counts)
        || h.edges.length !== h.counts.length + 1) continue;
    (byTag[h.tag] = byTag[h.tag] || []).push(h);
  }
  const tags = Object.keys(byTag).sort();
  container.hidden = !tags.length;
  if (!tags.length) return;
  for (const tag of tags) {
    const list = byTag[tag].slice().sort((a, b) => a.step - b.step);
    const lo = Math.min(...list.map((h) => h.edges[0]));
    const hi = Math.max(...list.map((h) => h.edges[h.edges.length - 1]));
    const bins = 40, width = (hi - lo) / bins || 1;
    const centres = Array.from({ length: bins }, (_, i) => lo + (i + 0.5) * width);
    const z = centres.map(() => list.map(() => 0));
    list.forEach((h, col) => {
      for (let i = 0; i < h.counts.length; i++) {
        const mid = (h.edges[i] + h.edges[i + 1]) / 2;
        const row = Math.min(bins - 1, Math.max(0, Math.floor((mid - lo) / width)));
        z[row][col] += h.counts[i];
      }
    });
    let box = container.querySelector(`[data-histogram="${CSS.escape(tag)}"]`);
    if (!box) {
      box = dEl("figure", { class: "metric-chart histogram-chart", "data-histogram": tag },
        dEl("figcaption", {}, `${tag} (histogram over steps)`), dEl("div", { class: "plot" }));
      container.append(box);
    }
    Plotly.react(box.querySelector(".plot"), [{
      type: "heatmap", x: numbers(list.map((h) => h.step)), y: centres, z, colorscale: "Blues", reversescale: false,
      hovertemplate: "step %{x}<br>value %{y:.3g}<br>count %{z}<extra></extra>",
    }], { uirevision: tag, height: 260, margin: { t: 8, r: 12, b: 36, l: 52 },
      xaxis: { title: { text: "step" } }, yaxis: { title: { text: "value" } } },
    { responsive: true, displaylogo: false });
  }
}

/* The newest heatmap of each tag (e.g. a decision boundary) with its points on top. */
function drawHeatmaps(container, heatmaps) {
  const latest = {};
  for (const h of heatmaps) {
    if (!h || typeof h.tag !== "string" || !Array.isArray(h.z) || !Array.isArray(h.x) || !Array.isArray(h.y)) continue;
    if (!latest[h.tag] || h.step >= latest[h.tag].step) latest[h.tag] = h;
  }
  const tags = Object.keys(latest).sort();
  container.hidden = !tags.length;
  for (const tag of tags) {
    // Numbers only: Plotly renders string coordinates as tick labels, with their HTML.
    const h = { ...latest[tag], x: numbers(latest[tag].x), y: numbers(latest[tag].y) };
    if (h.points) h.points = { ...h.points, x: numbers(h.points.x || []), y: numbers(h.points.y || []) };
    let box = container.querySelector(`[data-heatmap="${CSS.escape(tag)}"]`);
    if (!box) {
      box = dEl("figure", { class: "metric-chart heatmap-chart", "data-heatmap": tag },
        dEl("figcaption", {}), dEl("div", { class: "plot square" }));
      container.append(box);
    }
    box.dataset.step = h.step;
    box.querySelector("figcaption").textContent = `${tag} at step ${h.step}`;
    const traces = [{ type: "heatmap", x: h.x, y: h.y, z: h.z, zmin: 0, zmax: 1, colorscale: "RdBu",
      opacity: 0.75, hovertemplate: "(%{x:.2f}, %{y:.2f}): %{z:.2f}<extra></extra>" }];
    if (h.points) {
      traces.push({ type: "scatter", mode: "markers", x: h.points.x, y: h.points.y, hoverinfo: "skip",
        marker: { size: 6, line: { width: 1, color: "#fff" },
          color: (h.points.label || h.points.x.map(() => 0)).map((l) => (l >= 0.5 ? "#b2182b" : "#1f4e9c")) } });
    }
    Plotly.react(box.querySelector(".plot"), traces, { uirevision: tag, height: 340, showlegend: false,
      margin: { t: 8, r: 8, b: 30, l: 36 }, xaxis: { range: [h.x[0], h.x[h.x.length - 1]] },
      yaxis: { range: [h.y[0], h.y[h.y.length - 1]], scaleanchor: "x" } },
    { responsive: true, displaylogo: false });
  }
}

/* A progress bar with an ETA for a run's first declared bar. */
function progressNode(info, finished) {
  if (!info) return dEl("span", { class: "meta" }, "–");
  const pct = info.total ? Math.min(100, (100 * info.n) / info.total) : null;
  const text = info.total ? `${info.n}/${info.total}` : `${info.n}`;
  const eta = !finished && info.eta_s !== null && info.eta_s !== undefined ? ` · ETA ${fmtDuration(info.eta_s)}` : "";
  const bar = dEl("progress", { max: info.total || 1, value: info.total ? Math.min(info.n, info.total) : 0,
    "aria-label": `${info.label || "progress"} ${pct === null ? text : pct.toFixed(0) + "%"}` });
  if (!info.total) bar.removeAttribute("value");
  return dEl("span", { class: "progress-cell" }, bar,
    dEl("span", { class: "meta progress-text" }, `${info.label ? info.label + " " : ""}${text}${eta}`));
}

/* Route a run's websocket events into its RunData. */
function feedRunEvent(data, msg) {
  if (msg.type === "metrics") data.addPoints(Array.isArray(msg.points) ? msg.points : []);
  else if (msg.type === "display" && msg.mime === HISTOGRAM_MIME) data.addHistograms((msg.data || {}).histograms);
  else if (msg.type === "display" && msg.mime === HEATMAP_MIME) data.addHeatmap(msg.data);
  else if (msg.type === "status") { data.summary.status = msg.status; data.onChange(data); }
  else if (msg.type === "finished") {
    Object.assign(data.summary, { status: msg.status, duration_ms: msg.duration_ms, message: msg.message });
    data.load().catch((e) => console.error(e));   // the complete, downsampled series
  }
}

/* ----------------------------------------------------------------------------------------- */
/* The dashboard page. */
function startDashboard(root) {
  const $ = (sel) => root.querySelector(sel);
  const runs = new Map();          // id -> RunData
  const selected = [];             // ids, in the order picked (colour = position)
  const grid = new ChartGrid($("#charts"), { emptyText: "Pick runs on the left to chart them." });
  const watched = new Set();
  let filter = null;

  const socket = new RunSocket({
    onMessage: (msg) => {
      if (msg.type === "invalid") { console.warn(msg.message); return; }
      const data = runs.get(msg.run_id);
      if (!data) return;
      feedRunEvent(data, msg);
      if (msg.type === "finished") watched.delete(msg.run_id);
    },
    onState: showConnection,
    onReconnect: () => { const ids = [...watched]; watched.clear(); ids.forEach(watch); },
  });

  function watch(id) {
    if (watched.has(id)) return;
    watched.add(id);
    socket.send({ type: "watch", run_id: id });
  }

  function colourOf(id) {
    const i = selected.indexOf(id);
    return i < 0 ? null : PALETTE[i % PALETTE.length];
  }

  function dataFor(summary) {
    let data = runs.get(summary.id);
    if (!data) {
      data = new RunData(summary.id, summary);
      data.onChange = () => { updateRow(data); if (selected.includes(data.id)) { grid.schedule(); drawExtras(); data.maybeRefetch(); } };
      runs.set(summary.id, data);
    } else if (!data.loaded || data.finished) {
      data.summary = { ...data.summary, ...summary };
    }
    return data;
  }

  async function loadList() {
    const res = await fetch("/dashboard/api/runs/", { credentials: "same-origin" });
    if (!res.ok) { $("#runs-note").textContent = `Could not load runs (HTTP ${res.status}).`; return; }
    const { runs: list } = await res.json();
    const body = $("#runs-body");
    body.replaceChildren();
    for (const summary of list) {
      const data = dataFor(summary);
      body.append(row(data));
      if (!data.finished) watch(data.id);
    }
    $("#runs-note").textContent = list.length ? "" : "No runs yet: run some code that logs metrics, or train a preset.";
    applyFilter();
  }

  function row(data) {
    const s = data.summary;
    const box = dEl("input", { type: "checkbox", class: "pick", "aria-label": `chart ${s.name || s.id}` });
    box.checked = selected.includes(data.id);
    box.addEventListener("change", () => toggle(data.id, box.checked));
    const tr = dEl("tr", { "data-run-id": data.id, "data-name": s.name || "" },
      dEl("td", {}, box, dEl("span", { class: "swatch" })),
      dEl("td", { class: "name" }, dEl("a", { href: s.url, title: s.name }, s.name || s.id)),
      dEl("td", { class: "status" }), dEl("td", { class: "device" }, s.device),
      dEl("td", { class: "started" }, s.started_at ? new Date(s.started_at).toLocaleString() : "–"),
      dEl("td", { class: "duration" }), dEl("td", { class: "last-loss num" }), dEl("td", { class: "best-loss num" }),
      dEl("td", { class: "progress" }),
      dEl("td", { class: "export" },
        dEl("a", { href: `/api/runs/${data.id}/metrics.csv`, download: "", class: "csv" }, "CSV"), " ",
        dEl("a", { href: `/api/runs/${data.id}/metrics.json`, download: "", class: "json" }, "JSON")));
    fillRow(tr, data);
    return tr;
  }

  function fillRow(tr, data) {
    const s = data.summary;
    tr.querySelector(".status").textContent = s.status;
    tr.querySelector(".status").dataset.status = s.status;
    const running = s.status === "running" && s.started_at;
    tr.querySelector(".duration").textContent = s.duration_ms !== null && s.duration_ms !== undefined
      ? fmtDuration(s.duration_ms / 1000) : running ? fmtDuration((Date.now() - Date.parse(s.started_at)) / 1000) : "–";
    tr.querySelector(".last-loss").textContent = fmtNumber(s.last_loss);
    tr.querySelector(".best-loss").textContent = fmtNumber(s.best_loss);
    tr.querySelector(".progress").replaceChildren(progressNode(data.progressInfo(), data.finished));
    const colour = colourOf(data.id);
    tr.querySelector(".swatch").style.background = colour || "transparent";
    tr.classList.toggle("selected", Boolean(colour));
  }

  function updateRow(data) {
    const tr = $(`#runs-body tr[data-run-id="${data.id}"]`);
    if (tr) fillRow(tr, data);
  }

  async function toggle(id, on) {
    const i = selected.indexOf(id);
    if (on && i < 0) selected.push(id);
    if (!on && i >= 0) selected.splice(i, 1);
    const data = runs.get(id);
    if (on) {
      if (!data.finished) watch(id);   // a finished run is complete in its series
      if (!data.loaded) await data.load().catch((e) => { $("#runs-note").textContent = e.message; });
    }
    for (const d of runs.values()) updateRow(d);
    refreshCharts();
    history.replaceState(null, "", selected.length ? `?runs=${selected.join(",")}` : location.pathname);
  }

  function refreshCharts() {
    grid.setRuns(selected.map((id) => {
      const d = runs.get(id);
      return { data: d, colour: colourOf(id), label: d.summary.name || id.slice(0, 8) };
    }));
    drawExtras();
  }

  let extrasTimer = null;
  function drawExtras() {
    if (extrasTimer) return;
    extrasTimer = setTimeout(() => {
      extrasTimer = null;
      whenPlotlyReady(() => {
        const focus = selected.length ? runs.get(selected[selected.length - 1]) : null;
        const hist = $("#histograms"), heat = $("#heatmaps");
        if (!focus || hist.dataset.runId !== focus.id) {   // another run: start over
          hist.querySelectorAll("figure").forEach((f) => f.remove());
          heat.querySelectorAll("figure").forEach((f) => f.remove());
          hist.dataset.runId = focus ? focus.id : "";
        }
        drawHistograms(hist, focus ? focus.histograms : []);
        drawHeatmaps(heat, focus ? focus.heatmaps : []);
      });
    }, 1000);
  }

  function applyFilter() {
    const text = $("#filter").value;
    const note = $("#filter-error");
    try {
      filter = text ? new RegExp(text, "i") : null;
      note.textContent = "";
      $("#filter").removeAttribute("aria-invalid");
    } catch (err) {
      note.textContent = `Not a regular expression: ${err.message}`;
      $("#filter").setAttribute("aria-invalid", "true");
      return;
    }
    let shown = 0;
    for (const tr of root.querySelectorAll("#runs-body tr")) {
      const show = !filter || filter.test(tr.dataset.name);
      tr.hidden = !show;
      shown += show;
    }
    $("#runs-count").textContent = `${shown} run${shown === 1 ? "" : "s"}`;
  }

  $("#filter").addEventListener("input", applyFilter);
  $("#smoothing").addEventListener("input", (e) => {
    $("#smoothing-value").textContent = Number(e.target.value).toFixed(2);
    grid.setOptions({ smoothing: Number(e.target.value) });
  });
  $("#log-y").addEventListener("change", (e) => grid.setOptions({ logY: e.target.checked }));
  $("#x-axis").addEventListener("change", (e) => grid.setOptions({ xAxis: e.target.value }));
  $("#group-prefix").addEventListener("change", (e) => {
    grid.groupByPrefix = e.target.checked;
    grid.container.replaceChildren(); grid.charts = {};
    grid.schedule(true);
  });
  $("#refresh").addEventListener("click", () => loadList());
  setInterval(() => {   // running rows: duration ticks, and a new run shows up
    for (const d of runs.values()) if (!d.finished) updateRow(d);
  }, 1000);
  setInterval(() => { if (!document.hidden) loadList(); }, 15000);

  window.dashboard = { runs, selected, grid, toggle };
  loadList().then(() => {
    const initial = (new URLSearchParams(location.search).get("runs") || "").split(",").filter(Boolean);
    for (const id of initial) {
      const box = $(`#runs-body tr[data-run-id="${id}"] .pick`);
      if (box) { box.checked = true; toggle(id, true); }
    }
  });
}

/* The playground's output and a run's permalink: render.js hands a run's metrics and
   dashboard displays here, so they get the same downsampled, throttled charts. */
function outputCharts(view, msg) {
  let oc = view.dashboardCharts;
  if (!oc || !view.container.contains(oc.root) || oc.data.id !== msg.run_id) {
    const charts = dEl("div", { class: "charts" });
    const heatmaps = dEl("div", { class: "charts heatmaps", hidden: true });
    const histograms = dEl("div", { class: "charts histograms", hidden: true });
    const bar = dEl("div", { class: "progress-slot" });
    const root = dEl("div", { class: "output-charts" }, bar, heatmaps, charts, histograms);
    view.container.append(root);
    const data = new RunData(msg.run_id);
    const grid = new ChartGrid(charts, { emptyText: "", plotClass: "chart" });
    grid.options.smoothing = 0;
    grid.setRuns([{ data, colour: PALETTE[0], label: "" }]);
    let extras = null;
    data.onChange = () => {
      grid.schedule();
      data.maybeRefetch();
      const info = data.progressInfo();
      if (info) bar.replaceChildren(progressNode(info, data.finished || info.n === info.total));
      if (extras) return;
      extras = setTimeout(() => {
        extras = null;
        whenPlotlyReady(() => { drawHeatmaps(heatmaps, data.heatmaps); drawHistograms(histograms, data.histograms); });
      }, 250);
    };
    data.load().catch((e) => console.error(e));   // what is stored so far, downsampled
    oc = view.dashboardCharts = { root, data, grid };
  }
  feedRunEvent(oc.data, msg);
  return true;
}

if (typeof document !== "undefined") {
  document.addEventListener("DOMContentLoaded", () => {
    const dash = document.querySelector(".dashboard-page");
    if (dash) startDashboard(dash);
  });
}
