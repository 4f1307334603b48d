/* A progress bar with an ETA, for a run's first declared bar (RunData.progressInfo()). */
import { el } from "./dom.js";
import { gettext } from "./i18n.js";

export function fmtDuration(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return "–";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

export function progressNode(info, finished) {
  if (!info) return el("span", { class: "meta" }, "–");
  const pct = info.total ? Math.min(100, (100 * info.n) / info.total) : null;
  const text = info.total ? `${info.n}/${info.total}` : `${info.n}`;
  const eta = !finished && info.eta_s !== null && info.eta_s !== undefined ? ` · ${gettext("ETA")} ${fmtDuration(info.eta_s)}` : "";
  const bar = el("progress", { max: info.total || 1, value: info.total ? Math.min(info.n, info.total) : 0,
    "aria-label": `${info.label || gettext("progress")} ${pct === null ? text : pct.toFixed(0) + "%"}` });
  if (!info.total) bar.removeAttribute("value");
  return el("span", { class: "progress-cell" }, bar,
    el("span", { class: "meta progress-text" }, `${info.label ? info.label + " " : ""}${text}${eta}`));
}
