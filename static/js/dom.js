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

/* Run fn once plotly.js has loaded and the new element is in the page (a plot drawn into a
   detached element gets plotly's default size instead of its box's). */
export function whenPlotly(fn) {
  if (window.Plotly && document.readyState === "complete") requestAnimationFrame(() => fn());
  else window.addEventListener("load", () => requestAnimationFrame(() => fn()), { once: true });
}

/* Run fn now if plotly.js is there, else once the page has loaded it. */
export function whenPlotlyReady(fn) {
  if (window.Plotly) fn();
  else window.addEventListener("load", fn, { once: true });
}
