/* DOM and Plotly plumbing that every view shares. */

/* An element with attributes ("on…" ones become listeners; null, undefined and false are left
   out, true is an empty attribute) and children. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/* Text for Plotly from user code (metric tags, run names, graph node names). Plotly renders a
   subset of HTML in trace names, hover text and tick labels (links, styled spans), so a
   hostile run could plant links or restyle another visitor's page: escape it, and Plotly
   shows it literally (it decodes &amp; &lt; &gt; back for display). */
export function plotlyText(value) {
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/* Every chart's Plotly config: no logo, no "share"/cloud buttons (nothing leaves the site),
   download as PNG kept. */
export const PLOT_CONFIG = Object.freeze({
  responsive: true, displaylogo: false, showSendToCloud: false, showEditInChartStudio: false,
  showLink: false, modeBarButtonsToRemove: ["sendDataToCloud", "editInChartStudio"],
});

/* plotly.js (1.5 MB) is fetched the first time a page draws a chart, not with every page:
   base.html names its (hashed) URL on <body data-plotly-src>. */
let plotlyLoading = null;
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = el("script", { src: document.body.dataset.plotlySrc });
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { plotlyLoading = null; reject(new Error("plotly.js did not load")); };
      document.head.append(script);
    });
  }
  return plotlyLoading;
}

/* Run fn once plotly.js has loaded and the new element is in the page (a plot drawn into a
   detached element gets plotly's default size instead of its box's). */
export function whenPlotly(fn) {
  loadPlotly().then(() => requestAnimationFrame(() => fn()), (err) => console.error(err));
}

/* Run fn as soon as plotly.js is there. */
export function whenPlotlyReady(fn) {
  if (window.Plotly) fn();
  else loadPlotly().then(() => fn(), (err) => console.error(err));
}
