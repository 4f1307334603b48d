/* Histograms over time and heatmaps (e.g. a decision boundary) of a run, from the displays
   its code sent (which hostile code can forge: anything malformed is skipped). */
import { PLOT_CONFIG, el } from "./dom.js";
import { gettext, interpolate } from "./i18n.js";

/* Coordinates from a display (which hostile code can forge) as numbers, anything else null. */
function numbers(values) {
  return values.map((v) => (typeof v === "number" ? v : null));
}

/* Histograms over time: one heatmap per tag (x: step, y: value, colour: count). */
export function drawHistograms(container, histograms) {
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
      box = el("figure", { class: "metric-chart histogram-chart", "data-histogram": tag },
        el("figcaption", {}, interpolate(gettext("%(tag)s (histogram over steps)"), { tag })), el("div", { class: "plot" }));
      container.append(box);
    }
    Plotly.react(box.querySelector(".plot"), [{
      type: "heatmap", x: numbers(list.map((h) => h.step)), y: centres, z, colorscale: "Blues", reversescale: false,
      hovertemplate: `${gettext("step")} %{x}<br>${gettext("value")} %{y:.3g}<br>${gettext("count")} %{z}<extra></extra>`,
    }], { uirevision: tag, height: 260, margin: { t: 8, r: 12, b: 36, l: 52 },
      xaxis: { title: { text: gettext("step") } }, yaxis: { title: { text: gettext("value") } } },
    PLOT_CONFIG);
  }
}

/* The newest heatmap of each tag (e.g. a decision boundary) with its points on top; `at` says
   what its step is ("%(tag)s at epoch %(step)s" on the train page). */
export function drawHeatmaps(container, heatmaps, at = gettext("%(tag)s at step %(step)s")) {
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
      box = el("figure", { class: "metric-chart heatmap-chart", "data-heatmap": tag },
        el("figcaption", {}), el("div", { class: "plot square" }));
      container.append(box);
    }
    box.dataset.step = h.step;
    box.querySelector("figcaption").textContent = interpolate(at, { tag, step: h.step });
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
    PLOT_CONFIG);
  }
}
