/* The playground page: the editor (its draft kept in this tab), Run/Stop, the live run status,
   this visitor's active runs each with its Stop, history and examples. */
import { EVENT, STATUS } from "/protocol.js";
import { el } from "./dom.js";
import { gettext, interpolate, ngettext } from "./i18n.js";
import { OutputView } from "./render.js";
import { RunSocket, showConnection } from "./socket.js";
import { isFinal, runStateText, showStatus, statusLabel } from "./status.js";

const $ = (id) => document.getElementById(id);
const examples = JSON.parse($("examples-data").textContent);
const statusEl = $("run-status"), timerEl = $("timer"), runBtn = $("run"), stopBtn = $("stop");
const permalink = $("permalink");
const maxRunning = Number(document.querySelector(".playground").dataset.maxRunning) || 2;
let current = null;        // id of the run the page shows
let active = false;        // it is queued or running
let startedAt = null, timerHandle = null, errorMark = null;
let activeRuns = [];       // this visitor's queued and running runs (all tabs), newest first
let pendingRun = null;     // code to run once the shown run has stopped ("Stop and run")
let queuePosition = null;  // of the shown run, while it waits

const editor = CodeMirror.fromTextArea($("code"), {
  mode: "python", lineNumbers: true, indentUnit: 4, matchBrackets: true,
  screenReaderLabel: gettext("Python code editor"),
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

/* -- the draft: what is typed is kept in this tab (localStorage, keyed by a per-tab id that
   sessionStorage holds across reloads and Back), so a reload, Back or a crash loses nothing.
   A new tab starts from the newest draft of any tab. "Unsaved" means edited since the last
   run or load: leaving the page then asks first. */
const DRAFTS = "playground.drafts";       // {tabId: {code, dirty, at}}, at most MAX_DRAFTS
const MAX_DRAFTS = 20;
const tabId = sessionStorage.getItem("playground.tab") || Math.random().toString(36).slice(2);
sessionStorage.setItem("playground.tab", tabId);

function readDrafts() {
  try { return JSON.parse(localStorage.getItem(DRAFTS)) || {}; } catch (err) { return {}; }
}

function saveDraft() {
  const drafts = readDrafts();
  drafts[tabId] = { code: editor.getValue(), dirty: !editor.isClean(), at: Date.now() };
  const newest = Object.entries(drafts).sort((a, b) => b[1].at - a[1].at).slice(0, MAX_DRAFTS);
  try { localStorage.setItem(DRAFTS, JSON.stringify(Object.fromEntries(newest))); } catch (err) { /* full: keep going */ }
}

function ownDraft() {
  const drafts = readDrafts();
  if (drafts[tabId]) return drafts[tabId];
  const newest = Object.values(drafts).sort((a, b) => b.at - a.at)[0];
  return newest ? { ...newest } : null;
}

let draftTimer = null;
editor.on("change", () => { clearTimeout(draftTimer); draftTimer = setTimeout(saveDraft, 300); });
window.addEventListener("pagehide", saveDraft);
window.addEventListener("beforeunload", (e) => {
  saveDraft();
  if (!editor.isClean()) { e.preventDefault(); e.returnValue = ""; }
});

/* Put code in the editor as loaded (not an edit), asking first if that would replace edits. */
function loadCode(code, question) {
  if (!editor.isClean() && editor.getValue() !== code && !confirm(question)) return false;
  editor.setValue(code);
  editor.markClean();
  saveDraft();
  return true;
}

/* -- runs ------------------------------------------------------------------------------------ */
const view = new OutputView($("output"), { onErrorLine: markErrorLine });
const socket = new RunSocket({
  onMessage: handle,
  onState: (state) => {
    showConnection(state);
    if (state === "reconnecting" && active) showStatus(statusEl, "reconnecting", gettext("reconnecting…"));
  },
  onReconnect: () => { if (current && active) watch(current); },
});
window.playgroundSocket = socket;   // (the same)

function run() {
  const code = editor.getValue();
  if (!code.trim()) { showStatus(statusEl, "idle", gettext("nothing to run")); return; }
  if (active && current) {          // "Stop and run": the shown run stops first, then this one starts
    pendingRun = code;
    stop();
    return;
  }
  submit(code);
}

function submit(code) {
  pendingRun = null;
  clearErrorMark();
  editor.markClean();
  saveDraft();
  view.reset();
  current = null;
  active = true;
  showStatus(statusEl, "submitting", gettext("submitting…"));
  stopTimer(null);
  runBtn.disabled = true;
  const example = examples.find((x) => x.code === code);
  // The kind picks the run's limits: the "Limits" control says which (an example sets it).
  socket.send({ type: "run", code, device: $("device").value, kind: $("kind").value, ...(example ? { name: example.title } : {}) });
}

function stop() {
  if (current) socket.send({ type: "cancel", run_id: current });
  showStatus(statusEl, "stopping", gettext("stopping…"));
}

function watch(runId) {
  view.reset();
  socket.send({ type: "watch", run_id: runId });
}

function setActive(on) {
  active = on;
  stopBtn.disabled = !on;
  runBtn.textContent = on ? gettext("Stop and run") : gettext("Run");
  runBtn.title = on ? gettext("Stop the run shown, then run the code") : gettext("Run (Ctrl+Enter or Shift+Enter)");
}

/* "queued" with what the run waits behind: this visitor's own running runs (each visitor runs
   a few at once), or other people's runs ahead of it. */
function queuedText(position) {
  const mine = activeRuns.filter((r) => r.status === STATUS.RUNNING && r.id !== current).length;
  if (mine >= maxRunning) {
    return interpolate(ngettext(
      "queued: your other run is still running (you may run %(max)s at once); stop it to start this one",
      "queued: your %(n)s other runs are still running (you may run %(max)s at once); stop one to start this one", mine),
    { n: mine, max: maxRunning });
  }
  if (!position) return statusLabel(STATUS.QUEUED);
  return interpolate(gettext("queued (position %(n)s): every worker is busy with other runs"), { n: position });
}

function handle(msg) {
  if (msg.type === "invalid") {
    view.notice(msg.message);
    if (!current) { setActive(false); showStatus(statusEl, STATUS.REJECTED, gettext("not started")); runBtn.disabled = false; }
    return;
  }
  if (msg.type === EVENT.ACCEPTED) {
    current = msg.run_id;
    permalink.href = `/runs/${current}/`;
    permalink.hidden = false;
    setActive(true);
    runBtn.disabled = false;
    history.replaceState(null, "", `?run=${current}`);
    loadHistory();
    // On a phone the output is below the editor: bring it into view as the run starts.
    if (matchMedia("(max-width: 800px)").matches) $("output-pane").scrollIntoView({ block: "start" });
    return;
  }
  if (msg.run_id && msg.run_id !== current) {
    if (msg.type === EVENT.FINISHED) loadHistory();    // one of the other active runs ended
    return;
  }
  view.handle(msg);
  if (msg.type === EVENT.STATUS) {
    setActive(true);
    if (msg.status === STATUS.QUEUED) {
      queuePosition = msg.queue_position;
      showStatus(statusEl, msg.status, queuedText(queuePosition));
      loadHistory();   // what it waits behind: the text is said again once that is known
    } else if (msg.status === STATUS.RUNNING) {
      showStatus(statusEl, msg.status);
      if (!timerHandle) startTimer(Date.now());   // a re-attach keeps the timer it had
    }
  } else if (msg.type === EVENT.RUN_STATE) {   // paused or paced from the train page or the API
    showStatus(statusEl, STATUS.RUNNING, runStateText(msg));
  } else if (msg.type === EVENT.FINISHED) {
    setActive(false);
    stopTimer(msg.duration_ms);
    showStatus(statusEl, msg.status);
    runBtn.disabled = false;
    loadHistory();
    if (pendingRun !== null) submit(pendingRun);
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
  editor.setGutterMarker(i, "error-gutter", el("span", { class: "error-marker", title: gettext("error here") }, "!"));
  errorMark = i;
  editor.scrollIntoView({ line: i, ch: 0 }, 80);
}

function clearErrorMark() {
  if (errorMark === null) return;
  editor.removeLineClass(errorMark, "background", "cm-error-line");
  editor.clearGutter("error-gutter");
  errorMark = null;
}

/* -- history and the active runs (GET /api/runs/: this visitor's runs, from every tab) ------- */
let activePoll = null;
async function loadHistory() {
  const list = $("history");
  let runs;
  try {
    const res = await fetch("/api/runs/", { credentials: "same-origin" });
    if (!res.ok) return;
    ({ runs } = await res.json());
  } catch (err) { return; /* offline: the lists stay as they were */ }
  list.replaceChildren(...runs.map((r) => el("li", { "aria-current": r.id === current ? "true" : null },
    el("span", { class: "run-state", "data-tone": "" }, statusLabel(r.status)),
    el("a", { href: r.url, title: r.name, "data-run-id": r.id, onclick: (e) => openFromHistory(e, r) }, r.name || r.id))));
  if (!runs.length) list.append(el("li", {}, gettext("No runs yet.")));
  showActive(runs.filter((r) => !isFinal(r.status)));
}

function showActive(runs) {
  activeRuns = runs;
  if (statusEl.dataset.status === STATUS.QUEUED) showStatus(statusEl, STATUS.QUEUED, queuedText(queuePosition));
  $("active-box").hidden = !runs.length;
  $("active-runs").replaceChildren(...runs.map((r) => {
    const state = el("span", { class: "run-state" });
    showStatus(state, r.status);
    return el("li", { "data-run-id": r.id, "aria-current": r.id === current ? "true" : null }, state,
      el("a", { href: r.url, title: r.name }, r.name || r.id),
      el("button", { type: "button", class: "stop-one", "aria-label": interpolate(gettext("Stop %(name)s"), { name: r.name || r.id }),
        onclick: (e) => { e.target.disabled = true; socket.send({ type: "cancel", run_id: r.id }); setTimeout(loadHistory, 800); } },
      gettext("Stop")));
  }));
  // Runs of other tabs end without this page hearing of it: look again while any is active.
  clearTimeout(activePoll);
  if (runs.length) activePoll = setTimeout(loadHistory, 3000);
}

/* A history entry opens in this editor (a new tab or window still opens its permalink). */
function openFromHistory(e, r) {
  if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  openRun(r.id, { follow: true, ask: true });
}

async function openRun(runId, { follow, ask = false, keepEditor = false }) {
  const res = await fetch(`/api/runs/${runId}/`, { credentials: "same-origin" });
  if (!res.ok) { view.notice(interpolate(gettext("Could not open run %(id)s."), { id: runId })); return; }
  const run = await res.json();
  if (ask) {
    if (!loadCode(run.code, interpolate(gettext('Replace your code with the code of "%(name)s"?'), { name: run.name || run.id }))) return;
  } else if (!keepEditor) {
    editor.setValue(run.code);
    editor.markClean();
    saveDraft();
  }
  $("device").value = run.device === "cuda" && !$("device").options[1].disabled ? "cuda" : "cpu";
  $("kind").value = run.kind === "training" ? "training" : "snippet";
  if (follow) {
    current = run.id;
    setActive(!isFinal(run.status));
    permalink.href = run.url; permalink.hidden = false;
    history.replaceState(null, "", `?run=${run.id}`);
    stopTimer(null);
    showStatus(statusEl, run.status);
    if (active && run.started_at) startTimer(Date.parse(run.started_at));
    watch(run.id);
    loadHistory();
  }
}

$("examples").addEventListener("change", (e) => {
  const ex = examples.find((x) => x.slug === e.target.value);
  if (!ex) return;
  // Code typed since the last run or load is work: ask before replacing it.
  if (!loadCode(ex.code, interpolate(gettext('Replace your code with the example "%(title)s"?'), { title: ex.title }))) {
    e.target.value = "";
    return;
  }
  $("kind").value = ex.kind;
  editor.focus();
});
runBtn.addEventListener("click", run);
stopBtn.addEventListener("click", stop);

// What the editor starts with: an explicit ?from= or ?example=, else this tab's draft, else
// the code of the run the URL names (?run=, whose output is shown either way).
const params = new URLSearchParams(location.search);
const draft = ownDraft();
const restoreDraft = () => {
  editor.setValue(draft.code);
  if (!draft.dirty) editor.markClean();
};
if (params.get("from")) openRun(params.get("from"), { follow: false });
else if (params.get("example")) {
  const ex = examples.find((x) => x.slug === params.get("example"));
  if (ex) { editor.setValue(ex.code); editor.markClean(); $("examples").value = ex.slug; $("kind").value = ex.kind; }
} else if (params.get("run")) {
  if (draft) restoreDraft();
  openRun(params.get("run"), { follow: true, keepEditor: Boolean(draft) });
} else if (draft) restoreDraft();
loadHistory();
