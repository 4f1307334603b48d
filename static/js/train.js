/* The train page: a form becomes generated engine code, run as an ordinary sandboxed run;
   its loss/accuracy curves, decision boundary and progress stream in over the websocket. */
import { EVENT, STATUS } from "/protocol.js";
import { ChartGrid, PALETTE } from "./chart-grid.js";
import { whenPlotlyReady } from "./dom.js";
import { drawHeatmaps } from "./histograms.js";
import { progressNode } from "./progress.js";
import { RunData, feedRunEvent } from "./run-data.js";
import { RunSocket, showConnection } from "./socket.js";
import { isFinal, showStatus } from "./status.js";

const $ = (id) => document.getElementById(id);
const form = $("train-form");
const statusEl = $("train-status"), startBtn = $("start"), stopBtn = $("stop");
const grid = new ChartGrid($("charts"), { groupByPrefix: true, emptyText: "Start a run to see its curves." });
grid.options.smoothing = 0;
let current = null;      // RunData of the run shown
let active = false;

const socket = new RunSocket({
  onMessage: (msg) => {
    if (msg.type === "invalid") { $("form-error").textContent = msg.message; return; }
    if (!current || msg.run_id !== current.id) return;
    feedRunEvent(current, msg);
    if (msg.type === EVENT.STDOUT || msg.type === EVENT.STDERR) $("train-output").append(msg.text);
    if (msg.type === EVENT.ERROR) $("train-output").append(`${msg.ename}: ${msg.evalue}\n`);
    if (msg.type === EVENT.STATUS) setStatus(msg.status === STATUS.QUEUED && msg.queue_position
      ? `${msg.status} (position ${msg.queue_position})` : msg.status, msg.status);
    if (msg.type === EVENT.FINISHED) {
      active = false;
      setStatus(`${msg.status}${msg.message ? " — " + msg.message : ""}`, msg.status);
      stopBtn.disabled = true; startBtn.disabled = false;
    }
  },
  onState: showConnection,
  onReconnect: () => { if (current && active) socket.send({ type: "watch", run_id: current.id }); },
});

function setStatus(text, status) { showStatus(statusEl, status, text); }

function csrf() { return form.querySelector("[name=csrfmiddlewaretoken]").value; }

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
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`"${k}" needs a number`);
  }
  if (hidden.some((h) => !Number.isInteger(h))) throw new Error('"hidden layers": whole numbers separated by commas');
  if (cfg.dataset === "digits") { delete cfg.noise; delete cfg.samples; }
  return cfg;
}

async function post(url, body) {
  const res = await fetch(url, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({ detail: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(data.detail || `HTTP ${res.status}`);
  return data;
}

async function start(e) {
  e.preventDefault();
  $("form-error").textContent = "";
  let cfg;
  try { cfg = config(); } catch (err) { $("form-error").textContent = err.message; return; }
  startBtn.disabled = true;
  setStatus("starting…", "submitting");
  let run;
  try { run = await post("/dashboard/api/train/", cfg); } catch (err) {
    $("form-error").textContent = err.message; setStatus("not started", STATUS.REJECTED); startBtn.disabled = false; return;
  }
  show(run);
  active = true;
  stopBtn.disabled = false;
  socket.send({ type: "watch", run_id: run.id });
}

function show(run) {
  current = new RunData(run.id, { id: run.id, name: run.name, status: STATUS.QUEUED });
  current.loaded = true;   // live from the start: the watch replays anything stored already
  current.onChange = () => {
    grid.schedule();
    drawLater();
    $("progress").replaceChildren(progressNode(current.progressInfo(), current.finished));
  };
  grid.setRuns([{ data: current, colour: PALETTE[0], label: run.name }]);
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
    whenPlotlyReady(() => drawHeatmaps($("heatmaps"), current.heatmaps));
  }, 250);
}

function stop() {
  if (current) socket.send({ type: "cancel", run_id: current.id });
  setStatus("stopping…", "stopping");
}

async function showCode() {
  $("form-error").textContent = "";
  try {
    const { code } = await post("/dashboard/api/train/code/", config());
    $("code-preview").textContent = code;
    $("code-preview").hidden = false;
  } catch (err) { $("form-error").textContent = err.message; }
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
stopBtn.addEventListener("click", stop);
$("show-code").addEventListener("click", showCode);
$("smoothing").addEventListener("input", (e) => {
  $("smoothing-value").textContent = Number(e.target.value).toFixed(2);
  grid.setOptions({ smoothing: Number(e.target.value) });
});
$("log-y").addEventListener("change", (e) => grid.setOptions({ logY: e.target.checked }));
syncFields();

// Reopened with ?run=<id>: show that run again, live if it still runs.
const again = new URLSearchParams(location.search).get("run");
if (again) {
  fetch(`/api/runs/${again}/`, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).then((run) => {
    if (!run) return;
    show({ id: run.id, name: run.name, url: run.url, code: run.code });
    active = !isFinal(run.status);
    stopBtn.disabled = !active;
    setStatus(run.status, run.status);
    socket.send({ type: "watch", run_id: run.id });
  });
}
window.trainPage = { grid, get current() { return current; } };   // for the browser tests
