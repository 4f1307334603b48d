/* A run's training charts inside the playground's output and a run's permalink: its metrics,
   histograms and heatmaps get the dashboard's downsampled, throttled charts. */
import { ChartGrid, PALETTE } from "./chart-grid.js";
import { el, whenPlotlyReady } from "./dom.js";
import { drawHeatmaps, drawHistograms } from "./histograms.js";
import { progressNode } from "./progress.js";
import { RunData, feedRunEvent } from "./run-data.js";

export class RunCharts {
  constructor(runId) {
    const charts = el("div", { class: "charts" });
    const heatmaps = el("div", { class: "charts heatmaps", hidden: true });
    const histograms = el("div", { class: "charts histograms", hidden: true });
    const bar = el("div", { class: "progress-slot" });
    this.root = el("div", { class: "output-charts" }, bar, heatmaps, charts, histograms);
    const data = this.data = new RunData(runId);
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
  }

  feed(msg) { feedRunEvent(this.data, msg); }
}
