/* The train page: a form becomes generated engine code, run as an ordinary sandboxed run;
   its loss/accuracy curves, decision boundary and progress stream in over the websocket.
   Play/pause, step, reset and speed drive the run as it goes (the websocket's "control"
   message; the run answers with run_state events, docs/api.md). */
import { EVENT, RUN_STATE, STATUS } from "/protocol.js";
import { ChartGrid, PALETTE } from "./chart-grid.js";
import { PLOT_CONFIG, whenPlotly, whenPlotlyReady } from "./dom.js";
import { drawHeatmaps } from "./histograms.js";
import { gettext, interpolate } from "./i18n.js";
import { progressNode } from "./progress.js";
import { RunData, feedRunEvent } from "./run-data.js";
import { RunSocket, showConnection } from "./socket.js";
import { isFinal, runStateText, showStatus, statusLabel } from "./status.js";

const $ = (id) => document.getElementById(id);
const form = $("train-form");
const statusEl = $("train-status"), startBtn = $("start"), stopBtn = $("stop");
// The presets log one point per epoch: the x axis says so.
const grid = new ChartGrid($("charts"), { groupByPrefix: true, emptyText: gettext("Start a run to see its curves."),
  stepLabel: gettext("epoch") });
grid.options.smoothing = 0;
let current = null;      // RunData of the run shown
let active = false;
let runState = null;     // the last run_state of the run shown
let stepFirst = false;   // Step pressed with no run: start one and stop after a step
let resetting = false;   // Reset pressed during a run: start afresh once it has ended
const playBtn = $("play"), stepBtn = $("step"), counter = $("step-counter");
const playback = document.querySelector(".playback");
const PACES = playback.dataset.paces.split(" ").map(Number);   // s per epoch, slowest first
const controlUnavailable = playback.dataset.controlUnavailable;

const socket = new RunSocket({
  onMessage: (msg) => {
    if (msg.type === "invalid") { showError(msg.message); return; }
    if (!current || msg.run_id !== current.id) return;
    feedRunEvent(current, msg);
    if (msg.type === EVENT.STDOUT || msg.type === EVENT.STDERR) $("train-output").append(msg.text);
    if (msg.type === EVENT.ERROR) $("train-output").append(`${msg.ename}: ${msg.evalue}\n`);
    if (msg.type === EVENT.STATUS) setStatus(msg.status === STATUS.QUEUED && msg.queue_position
      ? interpolate(gettext("queued (position %(n)s)"), { n: msg.queue_position }) : statusLabel(msg.status), msg.status);
    if (msg.type === EVENT.RUN_STATE) showRunState(msg);
    if (msg.type === EVENT.FINISHED) {
      active = false;
      setStatus(`${statusLabel(msg.status)}${msg.message ? " — " + msg.message : ""}`, msg.status);
      stopBtn.disabled = true; startBtn.disabled = false;
      syncPlayback();
      if (resetting) { resetting = false; form.requestSubmit(); }
    }
  },
  onState: showConnection,
  onReconnect: () => { if (current && active) socket.send({ type: "watch", run_id: current.id }); },
});

function setStatus(text, status) { showStatus(statusEl, status, text); }

function csrf() { return form.querySelector("[name=csrfmiddlewaretoken]").value; }

/* A form value the page or the server refused: the message, and its input marked and focused. */
class FieldError extends Error {
  constructor(message, field) { super(message); this.field = field; }
}

function showError(message, field = null) {
  clearError();
  $("form-error").textContent = message;
  const input = field && form.elements[field];
  if (input && input.setAttribute) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function clearError() {
  $("form-error").textContent = "";
  form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
}

/* The form as the preset the server checks (it names any field that is wrong). */
function config() {
  const f = new FormData(form);
  const num = (k) => (f.get(k) === "" ? NaN : Number(f.get(k)));
  const hiddenText = String(f.get("hidden") || "").trim();
  const hidden = hiddenText ? hiddenText.split(/[\s,]+/).filter(Boolean).map(Number) : [];
  const cfg = {
    dataset: f.get("dataset"), model: f.get("model"), activation: f.get("activation"),
    optimizer: f.get("optimizer"), device: f.get("device"), hidden,
    lr: num("lr"), batch_size: num("batch_size"), epochs: num("epochs"),
    noise: num("noise"), train_fraction: num("train_fraction"), samples: num("samples"),
  };
  for (const [k, v] of Object.entries(cfg)) {
    if (typeof v === "number" && !Number.isFinite(v)) throw new FieldError(interpolate(gettext('"%(field)s" needs a number'), { field: k }), k);
  }
  if (hidden.some((h) => !Number.isInteger(h))) throw new FieldError(gettext('"hidden layers": whole numbers separated by commas'), "hidden");
  if (cfg.dataset === "digits") { delete cfg.noise; delete cfg.samples; }
  return cfg;
}

async function post(url, body) {
  const res = await fetch(url, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({ detail: `HTTP ${res.status}` }));
  if (!res.ok) throw new FieldError(data.detail || `HTTP ${res.status}`, data.field || null);
  return data;
}

async function start(e) {
  e.preventDefault();
  const thenPause = stepFirst;
  stepFirst = false;
  clearError();
  clearResults();   // whatever happens next, the last run's results are not this form's
  let cfg;
  try { cfg = config(); } catch (err) { refused(err); return; }
  startBtn.disabled = true;
  setStatus(gettext("starting…"), "submitting");
  let run;
  try { run = await post("/dashboard/api/train/", cfg); } catch (err) {
    refused(err); startBtn.disabled = false; syncPlayback(); return;
  }
  show(run);
  active = true;
  stopBtn.disabled = false;
  socket.send({ type: "watch", run_id: run.id });
  // A run that has not started keeps these for when it does.
  if (pace() > 0) control("speed", { pace_s: pace(), unit: "epoch" });
  if (thenPause) control("step", { n: 1, unit: $("step-unit").value });
  syncPlayback();
}

/* -- play/pause, step, reset, speed (as TensorFlow Playground's) ----------------------------- */
function control(action, fields = {}) {
  if (!current || !active || controlUnavailable) return;
  socket.send({ type: "control", run_id: current.id, action, ...fields });
}

function pace() { return PACES[Number($("speed").value)] ?? 0; }

function showSpeed() {
  const p = pace();
  const perSecond = p ? 1 / p : 0;
  $("speed-value").textContent = p === 0 ? gettext("full speed")
    : interpolate(gettext("%(n)s epochs/s"), { n: perSecond >= 1 ? Math.round(perSecond) : perSecond.toFixed(1) });
}

const isPaused = () => runState !== null && [RUN_STATE.PAUSED, RUN_STATE.PAUSING].includes(runState.state);

function showRunState(msg) {
  runState = msg;
  setStatus(runStateText(msg), STATUS.RUNNING);
  statusEl.dataset.runState = msg.state;
  syncPlayback();
}

/* The buttons say what pressing them does now; the counter says where the run is. */
function syncPlayback() {
  const playing = active && !isPaused();
  playBtn.querySelector(".play-label").textContent = playing ? gettext("Pause") : gettext("Play");
  playBtn.querySelector(".play-icon").textContent = playing ? "❚❚" : "▶";
  playBtn.dataset.action = playing ? "pause" : active ? "resume" : "start";
  playBtn.disabled = Boolean(controlUnavailable) && active;
  stepBtn.disabled = Boolean(controlUnavailable);
  $("speed").disabled = Boolean(controlUnavailable);
  showCounter();
}

function showCounter() {
  const info = current && current.progressInfo();
  const pausedAt = runState && runState.state === RUN_STATE.PAUSED ? runState : null;
  const epoch = pausedAt && pausedAt.epoch !== null ? pausedAt.epoch : info ? info.n : null;
  if (epoch === null) { counter.textContent = ""; delete counter.dataset.epoch; return; }
  let text = info && info.total !== null ? interpolate(gettext("epoch %(n)s of %(total)s"), { n: epoch, total: info.total })
    : interpolate(gettext("epoch %(n)s"), { n: epoch });
  if (pausedAt && pausedAt.batch !== null) text += " · " + interpolate(gettext("batch %(n)s"), { n: pausedAt.batch });
  counter.textContent = text;
  counter.dataset.epoch = String(epoch);
}

function playOrPause() {
  if (!active) form.requestSubmit();
  else control(isPaused() ? "resume" : "pause");
}

function stepOnce() {
  if (active) { control("step", { n: 1, unit: $("step-unit").value }); return; }
  stepFirst = true;
  form.requestSubmit();
}

function reset() {   // this run stopped and forgotten, a fresh one from the form
  if (!(current && active)) { form.requestSubmit(); return; }
  // The fresh run starts once this one has ended: a visitor has one long run at a time, so
  // starting it before the cancel lands would be refused by the quota.
  resetting = true;
  stop();
}

let speedTimer = null;
function speedChanged() {
  showSpeed();
  clearTimeout(speedTimer);   // dragging the slider sends one message, not one per position
  speedTimer = setTimeout(() => control("speed", { pace_s: pace(), unit: "epoch" }), 150);
}

function refused(err) {
  showError(err.message, err.field);
  setStatus(gettext("not started"), STATUS.REJECTED);
}

/* No run shown: charts, boundary, output, progress and links of the last one cleared. */
function clearResults() {
  if (current) current.onChange = () => {};
  current = null;
  active = false;
  runState = null;
  delete statusEl.dataset.runState;
  stopBtn.disabled = true;
  grid.setRuns([]);
  $("heatmaps").querySelectorAll("figure").forEach((f) => f.remove());
  $("heatmaps").hidden = true;
  $("train-output").textContent = "";
  $("progress").replaceChildren();
  $("run-links").hidden = true;
  $("code-preview").hidden = true;
  history.replaceState(null, "", location.pathname);
}

function show(run) {
  current = new RunData(run.id, { id: run.id, name: run.name, status: STATUS.QUEUED });
  current.loaded = true;   // live from the start: the watch replays anything stored already
  current.onChange = () => {
    grid.schedule();
    drawLater();
    $("progress").replaceChildren(progressNode(current.progressInfo(), current.finished));
    showCounter();
  };
  grid.setRuns([{ data: current, colour: PALETTE[0], label: run.name }]);
  $("data-preview").hidden = true;   // the run's own boundary plot shows the data from now on
  $("heatmaps").querySelectorAll("figure").forEach((f) => f.remove());
  $("train-output").textContent = "";
  $("code-preview").textContent = run.code;
  $("open-editor").href = `/?from=${run.id}`;
  $("open-permalink").href = run.url;
  $("open-dashboard").href = `/dashboard/?runs=${run.id}`;
  $("run-links").hidden = false;
  history.replaceState(null, "", `?run=${run.id}`);
}

let heatTimer = null;
function drawLater() {      // heatmaps change every few epochs: no need to redraw faster
  if (heatTimer) return;
  heatTimer = setTimeout(() => {
    heatTimer = null;
    if (current) whenPlotlyReady(() => drawHeatmaps($("heatmaps"), current.heatmaps, gettext("%(tag)s at epoch %(step)s")));
  }, 250);
}

function stop() {
  if (current) socket.send({ type: "cancel", run_id: current.id });
  setStatus(gettext("stopping…"), "stopping");
}

async function showCode() {
  clearError();
  try {
    const { code } = await post("/dashboard/api/train/code/", config());
    $("code-preview").textContent = code;
    $("code-preview").hidden = false;
  } catch (err) { showError(err.message, err.field); }
}

/* The data set, drawn before Start (the server generates it as the run will: same seed). */
let previewTimer = null, previewSeq = 0;
function previewLater() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, 250);
}

async function preview() {
  if (current) return;   // a run is shown: its boundary plot has the data
  const seq = ++previewSeq;
  let points;
  try { ({ points } = await post("/dashboard/api/train/preview/", config())); } catch (err) { return; }
  const box = $("data-preview");
  if (seq !== previewSeq || current) return;
  box.hidden = !points;
  if (!points) return;
  const trace = (test, label) => {
    const idx = points.x.map((_, i) => i).filter((i) => points.test[i] === test && points.label[i] === label);
    return { type: "scatter", mode: "markers", x: idx.map((i) => points.x[i]), y: idx.map((i) => points.y[i]),
      name: `${gettext("class")} ${label} · ${test ? gettext("test") : gettext("train")}`, hoverinfo: "skip",
      marker: { size: 6, color: test ? "rgba(0,0,0,0)" : (label ? "#b2182b" : "#1f4e9c"),
        line: { width: 1.5, color: label ? "#b2182b" : "#1f4e9c" } } };
  };
  const plot = box.querySelector(".plot");
  plot.dataset.points = String(points.x.length);
  whenPlotly(() => Plotly.react(plot, [trace(false, 0), trace(false, 1), trace(true, 0), trace(true, 1)],
    { height: 340, margin: { t: 8, r: 8, b: 30, l: 36 }, showlegend: true,
      legend: { orientation: "h", x: 0, y: -0.12, yanchor: "top", font: { size: 11 } }, yaxis: { scaleanchor: "x" } },
    PLOT_CONFIG));
}

function syncFields() {
  const digits = $("dataset").value === "digits";
  const cnnOption = $("model").querySelector("option[value=cnn]");
  cnnOption.disabled = !digits;
  if (!digits && $("model").value === "cnn") $("model").value = "mlp";
  const cnn = $("model").value === "cnn";
  form.querySelectorAll(".two-d").forEach((n) => { n.hidden = digits; });
  form.querySelectorAll(".mlp-only").forEach((n) => { n.hidden = cnn; });
  $("noise-value").textContent = Number($("noise").value).toFixed(2);
  $("train-fraction-value").textContent = `${Math.round(Number($("train-fraction").value) * 100)}%`;
}

form.addEventListener("submit", start);
form.addEventListener("input", syncFields);
form.addEventListener("change", syncFields);
form.addEventListener("input", (e) => { e.target.removeAttribute("aria-invalid"); });
for (const name of ["dataset", "samples", "noise", "train_fraction"]) {
  form.elements[name].addEventListener("input", previewLater);
  form.elements[name].addEventListener("change", previewLater);
}
stopBtn.addEventListener("click", stop);
playBtn.addEventListener("click", playOrPause);
stepBtn.addEventListener("click", stepOnce);
$("reset").addEventListener("click", reset);
$("speed").addEventListener("input", speedChanged);
$("show-code").addEventListener("click", showCode);
$("smoothing").addEventListener("input", (e) => {
  $("smoothing-value").textContent = Number(e.target.value).toFixed(2);
  grid.setOptions({ smoothing: Number(e.target.value) });
});
$("log-y").addEventListener("change", (e) => grid.setOptions({ logY: e.target.checked }));
syncFields();
showSpeed();
syncPlayback();

// Reopened with ?run=<id>: show that run again, live if it still runs; else preview the data.
const again = new URLSearchParams(location.search).get("run");
if (!again) preview();
else {
  fetch(`/api/runs/${again}/`, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).then((run) => {
    if (!run) return;
    show({ id: run.id, name: run.name, url: run.url, code: run.code });
    active = !isFinal(run.status);
    stopBtn.disabled = !active;
    syncPlayback();
    setStatus(run.status, run.status);
    socket.send({ type: "watch", run_id: run.id });
  });
}
window.trainPage = { grid, get current() { return current; }, get runState() { return runState; } };   // for the browser tests
