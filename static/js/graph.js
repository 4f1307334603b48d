/* An autograd graph (show_graph(t), a tensor's Graph button) laid out in layers by dagre
   (static/vendor/dagre, loaded the first time a graph is drawn) and drawn as SVG: no label
   covers another. Long chains of one-in, one-out functions and big groups of leaves feeding
   one node are folded into a single node that a click (or Enter) opens. Drag pans, the wheel
   and the +/- buttons zoom, "Fit" shows the whole graph again. */
import { el } from "./dom.js";
import { gettext, interpolate, ngettext } from "./i18n.js";

const CHAIN_MIN = 4;        // this many one-in, one-out functions in a row fold into one node
const LEAF_GROUP_MIN = 4;   // ...and this many leaves feeding the same node
const FONT = "12px system-ui, sans-serif";
const NODE_H = 26, PAD_X = 10;
const SVG_NS = "http://www.w3.org/2000/svg";
const COLOUR = { tensor: "#2357c6", leaf: "#1f7a3a", function: "#8a5a00", chain: "#6b4fa3", leaves: "#1f7a3a" };

let dagre = null;
const loadDagre = () => (dagre ? Promise.resolve(dagre)
  : import("../vendor/dagre/dagre.esm.js").then((m) => (dagre = m)));

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

let measureCtx = null;
function textWidth(text) {
  measureCtx = measureCtx || document.createElement("canvas").getContext("2d");
  measureCtx.font = FONT;
  return measureCtx.measureText(text).width;
}

const label = (n) => (n.shape ? `${n.name} (${n.shape.join("×") || gettext("scalar")})` : n.name);

/* The graph to draw: g's nodes and edges with chains and leaf groups folded, except those whose
   id is in `open`. Folded nodes have kind "chain" or "leaves" and list what they hold. */
export function foldGraph(g, open = new Set()) {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const inputs = new Map(), outputs = new Map();
  for (const n of g.nodes) { inputs.set(n.id, []); outputs.set(n.id, []); }
  for (const e of g.edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    if (!inputs.get(e.to).includes(e.from)) inputs.get(e.to).push(e.from);   // x * x: one input
    if (!outputs.get(e.from).includes(e.to)) outputs.get(e.from).push(e.to);
  }
  const folded = new Map();   // node id -> id of the folded node that holds it
  const extra = [];

  // Leaves that feed only one node, grouped by that node.
  for (const n of g.nodes) {
    const leaves = inputs.get(n.id).filter((id) => byId.get(id).kind === "leaf" && outputs.get(id).length === 1);
    const id = `leaves:${n.id}`;
    if (leaves.length < LEAF_GROUP_MIN || open.has(id)) continue;
    leaves.forEach((l) => folded.set(l, id));
    extra.push({ id, kind: "leaves", members: leaves.map((l) => byId.get(l)), into: n.id,
      name: interpolate(ngettext("%(n)s leaf", "%(n)s leaves", leaves.length), { n: leaves.length }) });
  }
  // Chains: runs of functions with one input and one output each.
  const single = (id) => byId.get(id).kind === "function" && inputs.get(id).length === 1
    && outputs.get(id).length === 1 && !folded.has(id);
  const seen = new Set();
  for (const n of g.nodes) {
    if (!single(n.id) || seen.has(n.id)) continue;
    // Walk to the chain's output end, then collect it from there towards its input end.
    let top = n.id;
    while (single(outputs.get(top)[0]) && !seen.has(outputs.get(top)[0])) top = outputs.get(top)[0];
    const chain = [];
    for (let id = top; single(id) && !seen.has(id); id = inputs.get(id)[0]) { chain.push(id); seen.add(id); }
    const id = `chain:${chain[0]}`;
    if (chain.length < CHAIN_MIN || open.has(id)) continue;
    chain.forEach((c) => folded.set(c, id));
    const names = chain.map((c) => byId.get(c).name);
    extra.push({ id, kind: "chain", members: chain.map((c) => byId.get(c)),
      name: interpolate(gettext("%(n)s ops: %(first)s … %(last)s"),
        { n: chain.length, first: names[names.length - 1], last: names[0] }) });
  }
  const rep = (id) => folded.get(id) || id;
  const nodes = g.nodes.filter((n) => !folded.has(n.id)).concat(extra);
  const edges = [], keys = new Set();
  for (const e of g.edges) {
    const from = rep(e.from), to = rep(e.to);
    if (from === to || keys.has(`${from}>${to}`) || !byId.has(e.from) || !byId.has(e.to)) continue;
    keys.add(`${from}>${to}`);
    edges.push({ from, to });
  }
  return { nodes, edges };
}

/* Draw g into box (an empty element); resolves once drawn. */
export async function drawGraph(box, g) {
  const { graphlib, layout } = await loadDagre();
  const open = new Set();
  const view = { x: 0, y: 0, k: 1 };
  const canvas = svg("svg", { class: "graph-svg", width: "100%", height: "100%" });
  const stage = svg("g", { class: "graph-stage" });
  canvas.append(svg("defs", {}, svg("marker", { id: "graph-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#888" }))), stage);
  const zoomBy = (f) => { view.k = Math.min(4, Math.max(0.1, view.k * f)); apply(); };
  const tools = el("div", { class: "graph-tools" },
    el("button", { type: "button", class: "graph-zoom-in", "aria-label": gettext("Zoom in"), onclick: () => zoomBy(1.25) }, "+"),
    el("button", { type: "button", class: "graph-zoom-out", "aria-label": gettext("Zoom out"), onclick: () => zoomBy(0.8) }, "−"),
    el("button", { type: "button", class: "graph-fit", title: gettext("Show the whole graph"), onclick: () => fit() }, gettext("Fit")),
    g.truncated ? el("span", { class: "meta" }, gettext("(graph cut at 300 nodes)")) : null);
  box.replaceChildren(tools, canvas);
  let size = { width: 1, height: 1 };

  function apply() { stage.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`); }
  /* The whole graph in view; `readable` keeps labels at a legible size instead, the tensor
     (the top) in view and the rest a drag away. */
  function fit(readable = false) {
    const w = canvas.clientWidth || 600, h = canvas.clientHeight || 400;
    const whole = Math.min(1.5, (w - 20) / size.width, (h - 20) / size.height);
    view.k = readable ? Math.max(whole, 0.85) : whole;
    view.x = (w - size.width * view.k) / 2;
    view.y = view.k === whole ? (h - size.height * view.k) / 2 : 10;
    apply();
  }

  function render() {
    const shown = foldGraph(g, open);
    const lg = new graphlib.Graph();
    lg.setGraph({ rankdir: "BT", nodesep: 18, ranksep: 36, marginx: 8, marginy: 8 });
    lg.setDefaultEdgeLabel(() => ({}));
    for (const n of shown.nodes) lg.setNode(n.id, { width: textWidth(label(n)) + 2 * PAD_X, height: NODE_H, node: n });
    for (const e of shown.edges) lg.setEdge(e.from, e.to);
    layout(lg);
    size = { width: lg.graph().width || 1, height: lg.graph().height || 1 };
    stage.replaceChildren();
    for (const e of lg.edges()) {
      const d = lg.edge(e).points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
      stage.append(svg("path", { d, class: "graph-edge", "marker-end": "url(#graph-arrow)" }));
    }
    for (const id of lg.nodes()) {
      const { x, y, width, height, node: n } = lg.node(id);
      const foldable = n.kind === "chain" || n.kind === "leaves";
      const details = foldable ? n.members.map(label).join("\n")
        : [n.name, n.kind, n.shape ? `shape (${n.shape.join(", ")})` : null].filter(Boolean).join("\n");
      const group = svg("g", { class: `graph-node kind-${n.kind}`, "data-id": id, transform: `translate(${x - width / 2},${y - height / 2})`,
        role: foldable ? "button" : null, tabindex: foldable ? "0" : null,
        "aria-label": foldable ? interpolate(gettext("%(name)s: open"), { name: n.name }) : null },
      svg("title", {}, details),
      svg("rect", { width, height, rx: n.kind === "function" || n.kind === "chain" ? 13 : 4,
        fill: "#fff", stroke: COLOUR[n.kind] || "#555", "stroke-width": foldable ? 2 : 1.5,
        "stroke-dasharray": foldable ? "4 2" : null }),
      svg("text", { x: PAD_X, y: NODE_H / 2 + 4, fill: COLOUR[n.kind] || "#333" }, label(n)));
      if (foldable) {
        const unfold = () => { open.add(id); render(); };
        group.addEventListener("click", unfold);
        group.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); unfold(); } });
      }
      stage.append(group);
    }
    box.dataset.nodes = String(shown.nodes.length);
    fit(true);
  }

  // Pan by dragging, zoom with the wheel around the pointer.
  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {
    if (e.target.closest("[role=button]")) return;
    drag = { x: e.clientX - view.x, y: e.clientY - view.y };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) return;
    view.x = e.clientX - drag.x; view.y = e.clientY - drag.y; apply();
  });
  canvas.addEventListener("pointerup", () => { drag = null; });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect(), px = e.clientX - r.left, py = e.clientY - r.top;
    const f = e.deltaY < 0 ? 1.15 : 1 / 1.15;
    const k = Math.min(4, Math.max(0.1, view.k * f));
    view.x = px - ((px - view.x) * k) / view.k; view.y = py - ((py - view.y) * k) / view.k; view.k = k;
    apply();
  }, { passive: false });
  render();
}
