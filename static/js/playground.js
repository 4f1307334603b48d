/* The playground page: the editor, Run/Stop, the live run status, history and examples. */
import { EVENT, STATUS } from "/protocol.js";
import { el } from "./dom.js";
import { OutputView } from "./render.js";
import { RunSocket, showConnection } from "./socket.js";
import { isFinal, showStatus } from "./status.js";

const $ = (id) => document.getElementById(id);
const examples = JSON.parse($("examples-data").textContent);
const statusEl = $("run-status"), timerEl = $("timer"), runBtn = $("run"), stopBtn = $("stop");
const permalink = $("permalink");
let current = null;        // id of the run the page shows
let active = false;        // it is queued or running
let startedAt = null, timerHandle = null, errorMark = null;

const editor = CodeMirror.fromTextArea($("code"), {
  mode: "python", lineNumbers: true, indentUnit: 4, matchBrackets: true,
  screenReaderLabel: "Python code editor",
  autoCloseBrackets: true, styleActiveLine: true, gutters: ["error-gutter", "CodeMirror-linenumbers"],
  extraKeys: {
    "Ctrl-Enter": () => run(), "Cmd-Enter": () => run(), "Shift-Enter": () => run(),
    "Ctrl-/": "toggleComment", "Cmd-/": "toggleComment",
    Tab: (cm) => cm.somethingSelected() ? cm.indentSelection("add") : cm.replaceSelection("    "),
    "Shift-Tab": (cm) => cm.indentSelection("subtract"),
    Esc: () => runBtn.focus(),   // a way out of the editor for keyboard users
  },
});
editor.on("change", clearErrorMark);
window.playgroundEditor = editor;   // for the browser tests: nothing here reads it

const view = new OutputView($("output"), { onErrorLine: markErrorLine });
const socket = new RunSocket({
  onMessage: handle,
  onState: (state) => {
    showConnection(state);
    if (state === "reconnecting" && active) showStatus(statusEl, "reconnecting", "reconnecting…");
  },
  onReconnect: () => { if (current && active) watch(current); },
});
window.playgroundSocket = socket;   // (the same)

function run() {
  const code = editor.getValue();
  if (!code.trim()) { showStatus(statusEl, "idle", "nothing to run"); return; }
  clearErrorMark();
  editor.markClean();
  view.reset();
  current = null;
  active = true;
  showStatus(statusEl, "submitting", "submitting…");
  stopTimer(null);
  runBtn.disabled = true;
  socket.send({ type: "run", code, device: $("device").value });
}

function stop() {
  if (current) socket.send({ type: "cancel", run_id: current });
  showStatus(statusEl, "stopping", "stopping…");
}

function watch(runId) {
  view.reset();
  socket.send({ type: "watch", run_id: runId });
}

function handle(msg) {
  if (msg.type === "invalid") {
    view.notice(msg.message);
    if (!current) { active = false; showStatus(statusEl, STATUS.REJECTED, "not started"); runBtn.disabled = false; }
    return;
  }
  if (msg.type === EVENT.ACCEPTED) {
    current = msg.run_id;
    permalink.href = `/runs/${current}/`;
    permalink.hidden = false;
    stopBtn.disabled = false;
    runBtn.disabled = false;
    history.replaceState(null, "", `?run=${current}`);
    loadHistory();
    return;
  }
  if (msg.run_id && msg.run_id !== current) return;
  view.handle(msg);
  if (msg.type === EVENT.STATUS) {
    active = true;
    stopBtn.disabled = false;
    if (msg.status === STATUS.QUEUED) {
      showStatus(statusEl, msg.status, msg.queue_position ? `${msg.status} (position ${msg.queue_position})` : msg.status);
    } else if (msg.status === STATUS.RUNNING) {
      showStatus(statusEl, msg.status);
      if (!timerHandle) startTimer(Date.now());   // a re-attach keeps the timer it had
    }
  } else if (msg.type === EVENT.FINISHED) {
    active = false;
    stopTimer(msg.duration_ms);
    showStatus(statusEl, msg.status);
    stopBtn.disabled = true;
    runBtn.disabled = false;
    loadHistory();
  }
}

function startTimer(since) {
  startedAt = since;
  clearInterval(timerHandle);
  timerHandle = setInterval(() => {
    timerEl.textContent = `${(Math.max(0, Date.now() - startedAt) / 1000).toFixed(1)} s`;
  }, 100);
}

function stopTimer(ms) {
  clearInterval(timerHandle);
  timerHandle = null;
  timerEl.textContent = ms == null ? "" : `${(ms / 1000).toFixed(2)} s`;
}

function markErrorLine(line) {
  clearErrorMark();
  const i = line - 1;
  if (i < 0 || i >= editor.lineCount()) return;
  editor.addLineClass(i, "background", "cm-error-line");
  editor.setGutterMarker(i, "error-gutter", el("span", { class: "error-marker", title: "error here" }, "!"));
  errorMark = i;
  editor.scrollIntoView({ line: i, ch: 0 }, 80);
}

function clearErrorMark() {
  if (errorMark === null) return;
  editor.removeLineClass(errorMark, "background", "cm-error-line");
  editor.clearGutter("error-gutter");
  errorMark = null;
}

async function loadHistory() {
  const list = $("history");
  try {
    const res = await fetch("/api/runs/", { credentials: "same-origin" });
    if (!res.ok) return;
    const { runs } = await res.json();
    list.replaceChildren(...runs.map((r) => el("li", { "aria-current": r.id === current ? "true" : null },
      el("span", { class: "run-state" }, r.status),
      el("a", { href: r.url, title: r.name }, r.name || r.id))));
    if (!runs.length) list.append(el("li", {}, "No runs yet."));
  } catch (err) { /* offline: the list stays as it was */ }
}

async function openRun(runId, { follow }) {
  const res = await fetch(`/api/runs/${runId}/`, { credentials: "same-origin" });
  if (!res.ok) { view.notice(`Could not open run ${runId}.`); return; }
  const run = await res.json();
  editor.setValue(run.code);
  editor.markClean();
  $("device").value = run.device === "cuda" && !$("device").options[1].disabled ? "cuda" : "cpu";
  if (follow) {
    current = run.id;
    active = !isFinal(run.status);
    permalink.href = run.url; permalink.hidden = false;
    stopBtn.disabled = !active;
    if (active && run.started_at) startTimer(Date.parse(run.started_at));
    watch(run.id);
  }
}

$("examples").addEventListener("change", (e) => {
  const ex = examples.find((x) => x.slug === e.target.value);
  if (!ex) return;
  // Code typed since the last run or load is work: ask before replacing it.
  if (!editor.isClean() && !confirm(`Replace your code with the example "${ex.title}"?`)) {
    e.target.value = "";
    return;
  }
  editor.setValue(ex.code);
  editor.markClean();
  editor.focus();
});
runBtn.addEventListener("click", run);
stopBtn.addEventListener("click", stop);

const params = new URLSearchParams(location.search);
if (params.get("from")) openRun(params.get("from"), { follow: false });
else if (params.get("run")) openRun(params.get("run"), { follow: true });
else if (params.get("example")) {
  const ex = examples.find((x) => x.slug === params.get("example"));
  if (ex) { editor.setValue(ex.code); $("examples").value = ex.slug; }
}
loadHistory();
