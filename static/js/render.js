/* Renders a run's event stream (live or replayed) into an output element. Shared by the
   playground and the permalink page. */
"use strict";

const TENSOR_MIME = "application/vnd.playground.tensor+json";
const GRAPH_MIME = "application/vnd.playground.graph+json";
const HEATMAP_MAX_CELLS = 10000;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/* Text for Plotly from user code (metric tags, run names, graph node names). Plotly renders a
   subset of HTML in trace names, hover text and tick labels (links, styled spans), so a
   hostile run could plant links or restyle another visitor's page: escape it, and Plotly
   shows it literally (it decodes &amp; &lt; &gt; back for display). */
function plotlyText(value) {
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/* Run fn once plotly.js has loaded and the new element is in the page (a plot drawn into a
   detached element gets plotly's default size instead of its box's). */
function whenPlotly(fn) {
  if (window.Plotly && document.readyState === "complete") requestAnimationFrame(() => fn());
  else window.addEventListener("load", () => requestAnimationFrame(() => fn()), { once: true });
}

class OutputView {
  constructor(container, { onErrorLine } = {}) {
    this.container = container;
    this.onErrorLine = onErrorLine || (() => {});
    this.reset();
  }

  reset() {
    this.container.textContent = "";
    this.lastStream = null;
    this.chart = null;
    this.series = {};
  }

  handle(msg) {
    const fn = this["on_" + msg.type];
    if (fn) fn.call(this, msg);
  }

  on_stdout(msg) { this.appendStream("stdout", msg.text); }
  on_stderr(msg) { this.appendStream("stderr", msg.text); }

  appendStream(kind, text) {
    if (!this.lastStream || this.lastStream.dataset.kind !== kind
        || this.lastStream !== this.container.lastElementChild) {
      this.lastStream = el("pre", { class: `stream ${kind}`, "data-kind": kind });
      this.container.append(this.lastStream);
    }
    this.lastStream.append(text);
    this.scroll();
  }

  on_display(msg) {
    if (window.outputCharts && /playground\.(histogram|heatmap)\+json$/.test(msg.mime) && outputCharts(this, msg)) return;
    let node;
    if (msg.mime === TENSOR_MIME) node = this.tensorCard(msg.data);
    else if (msg.mime === GRAPH_MIME) node = this.graphCard(msg.data);
    else if (typeof msg.data === "string") node = el("pre", { class: "stream display" }, msg.data);
    else node = el("pre", { class: "stream display", "data-mime": msg.mime }, JSON.stringify(msg.data, null, 2));
    this.container.append(node);
    this.scroll();
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

  on_metrics(msg) {
    if (window.outputCharts && outputCharts(this, msg)) return;   // dashboard.js: downsampled charts
    const add = {};
    // Names starting with "__" are the service's own (e.g. progress), not the user's curves.
    for (const p of msg.points) if (!p.name.startsWith("__")) (add[p.name] = add[p.name] || []).push(p);
    if (!Object.keys(add).length) return;
    if (!this.chart) {
      this.chart = el("div", { class: "chart", "aria-label": "metrics chart" });
      this.container.append(this.chart);
      this.traces = [];
    }
    const chart = this.chart;
    whenPlotly(() => {
      for (const [name, pts] of Object.entries(add)) {
        const xs = pts.map((p) => p.step), ys = pts.map((p) => p.value);
        let i = this.traces.indexOf(name);
        if (i < 0) {
          this.traces.push(name);
          const trace = { x: xs, y: ys, name: plotlyText(name), mode: "lines", type: "scatter" };
          if (this.traces.length === 1) Plotly.newPlot(chart, [trace], { margin: { t: 20, r: 10, b: 35, l: 45 },
            xaxis: { title: { text: "step" } }, legend: { orientation: "h" } }, { responsive: true, displaylogo: false });
          else Plotly.addTraces(chart, trace);
        } else {
          Plotly.extendTraces(chart, { x: [xs], y: [ys] }, [i]);
        }
      }
    });
  }

  on_error(msg) {
    this.container.append(el("div", { class: "error-block", "data-line": msg.line ?? "" },
      el("span", { class: "ename" }, `${msg.ename}: `), String(msg.evalue),
      msg.traceback ? el("pre", { class: "stream" }, msg.traceback) : null));
    if (msg.line) this.onErrorLine(msg.line);
    this.scroll();
  }

  on_finished(msg) {
    const ms = msg.duration_ms == null ? "" : ` in ${(msg.duration_ms / 1000).toFixed(2)} s`;
    this.container.append(el("p", { class: "finished", "data-status": msg.status },
      `${msg.status}${ms}${msg.message ? " — " + msg.message : ""}`));
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
