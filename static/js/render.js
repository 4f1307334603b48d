/* Renders a run's event stream (live or replayed) into an output element. Shared by the
   playground and the permalink page. */
import { EVENT, MIME } from "/protocol.js";
import { PLOT_CONFIG, el, whenPlotly } from "./dom.js";
import { drawGraph } from "./graph.js";
import { gettext, interpolate, ngettext } from "./i18n.js";
import { RunCharts } from "./output-charts.js";
import { showStatus, statusLabel } from "./status.js";

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
    this.figures = 0;        // matplotlib figures shown so far: "Figure 1", "Figure 2"... (alt)
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
    else if (msg.mime === MIME.PNG && typeof msg.data === "string") node = this.figure(msg.data);
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
    if (msg.downsampled && !this.charts.downsampledNote) {   // a replay: long series thinned
      const most = Math.max(...Object.values(msg.downsampled));
      this.charts.downsampledNote = el("p", { class: "note" },
        interpolate(gettext("The charts show a sample of long series (highs and lows kept) of up to %(count)s points. Every point: "), { count: most }),
        el("a", { href: `/api/runs/${msg.run_id}/metrics.csv` }, gettext("CSV")));
      this.charts.root.append(this.charts.downsampledNote);
    }
  }

  tensorCard(t) {
    const tag = (text) => el("span", { class: "tag" }, text);
    const head = el("div", { class: "tensor-head" },
      tag(`shape (${(t.shape || []).join(", ")})`), tag(t.dtype), tag(t.device),
      t.requires_grad ? tag("requires_grad") : null,
      t.grad_fn ? tag(`grad_fn=${t.grad_fn}`) : null,
      t.truncated ? tag(gettext("values truncated")) : null);
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
          PLOT_CONFIG));
      } }, gettext("Heatmap")));
    }
    if (t.graph) {
      let graph = null;
      head.append(el("button", { type: "button", class: "graph-toggle", onclick: () => {
        if (graph) { graph.remove(); graph = null; return; }
        graph = this.graphCard(t.graph);
        card.append(graph);
      } }, gettext("Graph")));
    }
    return card;
  }

  figure(png) {
    // A matplotlib figure (plt.show()): base64 PNG, shown as a data: URL (CSP img-src data:).
    this.figures += 1;
    const alt = interpolate(gettext("Figure %(n)s (matplotlib plot)"), { n: this.figures });
    return el("img", { class: "figure", src: `data:${MIME.PNG};base64,${png}`, alt });
  }

  graphCard(g) {
    const box = el("figure", { class: "graph", role: "group", "aria-label": interpolate(
      ngettext("autograd graph with %(n)s node", "autograd graph with %(n)s nodes", g.nodes.length), { n: g.nodes.length }) });
    requestAnimationFrame(() => drawGraph(box, g).catch((err) => {
      box.replaceChildren(el("p", { class: "notice" }, interpolate(gettext("The graph could not be drawn: %(error)s"), { error: err.message })));
    }));
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
    const status = statusLabel(msg.status);
    let text = msg.duration_ms == null ? status : interpolate(gettext("%(status)s in %(seconds)s s"),
      { status, seconds: (msg.duration_ms / 1000).toFixed(2) });
    if (msg.message) text += ` — ${msg.message}`;
    const line = el("p", { class: msg.type });   // classed by its event, as the streams are
    showStatus(line, msg.status, text);
    this.container.append(line);
    this.scroll();
  }

  notice(text) {
    this.container.append(el("p", { class: "notice" }, text));
    this.scroll();
  }

  scroll() { this.container.scrollTop = this.container.scrollHeight; }
}
