/* Renders a run's event stream (live or replayed) into an output element. Shared by the
   playground and the permalink page. */
import { EVENT, MIME } from "/protocol.js";
import { el, plotlyText, whenPlotly } from "./dom.js";
import { RunCharts } from "./output-charts.js";
import { showStatus } from "./status.js";

const HEATMAP_MAX_CELLS = 10000;

export class OutputView {
  constructor(container, { onErrorLine } = {}) {
    this.container = container;
    this.onErrorLine = onErrorLine || (() => {});
    this.reset();
  }

  reset() {
    this.container.textContent = "";
    this.lastStream = null;
    this.charts = null;      // the run's RunCharts, made by its first metrics or chart display
  }

  handle(msg) {
    switch (msg.type) {
      case EVENT.STDOUT: case EVENT.STDERR: return this.appendStream(msg.type, msg.text);
      case EVENT.DISPLAY: return this.display(msg);
      case EVENT.METRICS: return this.feedCharts(msg);
      case EVENT.ERROR: return this.error(msg);
      case EVENT.FINISHED: return this.finished(msg);
    }
  }

  appendStream(kind, text) {
    if (!this.lastStream || this.lastStream.dataset.kind !== kind
        || this.lastStream !== this.container.lastElementChild) {
      this.lastStream = el("pre", { class: `stream ${kind}`, "data-kind": kind });
      this.container.append(this.lastStream);
    }
    this.lastStream.append(text);
    this.scroll();
  }

  display(msg) {
    if (msg.mime === MIME.HISTOGRAM || msg.mime === MIME.HEATMAP) { this.feedCharts(msg); return; }
    let node;
    if (msg.mime === MIME.TENSOR) node = this.tensorCard(msg.data);
    else if (msg.mime === MIME.GRAPH) node = this.graphCard(msg.data);
    else if (typeof msg.data === "string") node = el("pre", { class: "stream display" }, msg.data);
    else node = el("pre", { class: "stream display", "data-mime": msg.mime }, JSON.stringify(msg.data, null, 2));
    this.container.append(node);
    this.scroll();
  }

  feedCharts(msg) {
    if (!this.charts || !this.container.contains(this.charts.root) || this.charts.data.id !== msg.run_id) {
      this.charts = new RunCharts(msg.run_id);
      this.container.append(this.charts.root);
    }
    this.charts.feed(msg);
  }

  tensorCard(t) {
    const tag = (text) => el("span", { class: "tag" }, text);
    const head = el("div", { class: "tensor-head" },
      tag(`shape (${(t.shape || []).join(", ")})`), tag(t.dtype), tag(t.device),
      t.requires_grad ? tag("requires_grad") : null,
      t.grad_fn ? tag(`grad_fn=${t.grad_fn}`) : null,
      t.truncated ? tag("values truncated") : null);
    const body = el("pre", {}, t.repr || "");
    const card = el("div", { class: "tensor", "data-shape": JSON.stringify(t.shape || []) }, head, body);
    const cells = (t.shape || []).reduce((a, b) => a * b, 1);
    if ((t.shape || []).length === 2 && Array.isArray(t.values) && !t.truncated && cells <= HEATMAP_MAX_CELLS) {
      let plot = null;
      head.append(el("button", { type: "button", class: "heatmap-toggle", onclick: () => {
        if (plot) { plot.remove(); plot = null; return; }
        plot = el("div", { class: "heatmap" });
        card.append(plot);
        whenPlotly(() => Plotly.newPlot(plot, [{ z: t.values, type: "heatmap", colorscale: "Viridis" }],
          { margin: { t: 10, r: 10, b: 30, l: 30 }, yaxis: { autorange: "reversed" } },
          { responsive: true, displaylogo: false }));
      } }, "Heatmap"));
    }
    if (t.graph) {
      let graph = null;
      head.append(el("button", { type: "button", class: "graph-toggle", onclick: () => {
        if (graph) { graph.remove(); graph = null; return; }
        graph = this.graphCard(t.graph);
        card.append(graph);
      } }, "Graph"));
    }
    return card;
  }

  graphCard(g) {
    const box = el("div", { class: "graph", role: "img",
      "aria-label": `autograd graph with ${g.nodes.length} nodes` });
    whenPlotly(() => drawGraph(box, g));
    return box;
  }

  error(msg) {
    this.container.append(el("div", { class: "error-block", "data-line": msg.line ?? "" },
      el("span", { class: "ename" }, `${msg.ename}: `), String(msg.evalue),
      msg.traceback ? el("pre", { class: "stream" }, msg.traceback) : null));
    if (msg.line) this.onErrorLine(msg.line);
    this.scroll();
  }

  finished(msg) {
    const ms = msg.duration_ms == null ? "" : ` in ${(msg.duration_ms / 1000).toFixed(2)} s`;
    const line = el("p", { class: msg.type });   // classed by its event, as the streams are
    showStatus(line, msg.status, `${msg.status}${ms}${msg.message ? " — " + msg.message : ""}`);
    this.container.append(line);
    this.scroll();
  }

  notice(text) {
    this.container.append(el("p", { class: "notice" }, text));
    this.scroll();
  }

  scroll() { this.container.scrollTop = this.container.scrollHeight; }
}

/* Lay the autograd graph out in layers (the tensor on top, each input below what it feeds) and draw it
   with plotly, which gives pan, zoom and hover. */
function drawGraph(box, g) {
  const children = {};
  for (const e of g.edges) (children[e.to] = children[e.to] || []).push(e.from);
  const depth = {};
  const root = g.root || (g.nodes[0] && g.nodes[0].id);
  const visit = (id, d) => {
    if (depth[id] !== undefined && depth[id] >= d) return;
    depth[id] = d;
    for (const c of children[id] || []) visit(c, d + 1);
  };
  if (root !== undefined) visit(root, 0);
  const maxDepth = Math.max(0, ...Object.values(depth));
  const layers = {};
  for (const n of g.nodes) {
    const d = depth[n.id] ?? maxDepth;
    (layers[d] = layers[d] || []).push(n);
  }
  const pos = {};
  for (const [d, nodes] of Object.entries(layers)) {
    // Odd layers shift a little sideways, so an edge that skips a layer does not run
    // hidden behind the nodes in between.
    const shift = (Number(d) % 2) * 0.4;
    nodes.forEach((n, i) => { pos[n.id] = [i - (nodes.length - 1) / 2 + shift, Number(d)]; });
  }
  const colour = { tensor: "#2357c6", leaf: "#1f7a3a", function: "#9a6700" };
  const nodeTrace = {
    type: "scatter", mode: "markers+text", textposition: "middle right",
    x: g.nodes.map((n) => pos[n.id][0]), y: g.nodes.map((n) => pos[n.id][1]),
    text: g.nodes.map((n) => plotlyText(n.shape ? `${n.name} (${n.shape.join("×") || "scalar"})` : n.name)),
    hovertext: g.nodes.map((n) => [n.name, n.kind, n.shape ? `shape (${n.shape.join(", ")})` : null]
      .filter(Boolean).map(plotlyText).join("<br>")),
    hoverinfo: "text",
    marker: { size: 16, symbol: g.nodes.map((n) => (n.kind === "function" ? "circle" : "square")),
              color: g.nodes.map((n) => colour[n.kind] || "#555") },
  };
  const arrows = g.edges.filter((e) => pos[e.from] && pos[e.to]).map((e) => ({
    x: pos[e.to][0], y: pos[e.to][1], ax: pos[e.from][0], ay: pos[e.from][1],
    xref: "x", yref: "y", axref: "x", ayref: "y", showarrow: true, arrowhead: 2,
    arrowwidth: 1.2, arrowcolor: "#888", standoff: 9, startstandoff: 9, text: "",
  }));
  Plotly.newPlot(box, [nodeTrace], {
    showlegend: false, dragmode: "pan", hovermode: "closest", annotations: arrows,
    margin: { t: 10, r: 10, b: 10, l: 10 },
    xaxis: { visible: false, range: [-3, 4] }, yaxis: { visible: false, autorange: "reversed" },
  }, { responsive: true, scrollZoom: true, displaylogo: false });
}
