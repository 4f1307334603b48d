/* A run's permalink: the code read-only, and the whole run replayed (then followed live). Its
   owner gets a Stop button while it is active. */
import { EVENT, STATUS } from "/protocol.js";
import { OutputView } from "./render.js";
import { gettext } from "./i18n.js";
import { RunSocket, showConnection } from "./socket.js";
import { isFinal, runStateText, showStatus } from "./status.js";

const page = document.querySelector(".permalink-page");
const runId = page.dataset.runId;
const statusEl = document.getElementById("run-status");
const stopBtn = document.getElementById("stop");   // only for the run's owner
const editor = CodeMirror.fromTextArea(document.getElementById("code"), {
  mode: "python", lineNumbers: true, readOnly: true, viewportMargin: Infinity,
  screenReaderLabel: gettext("Code of this run (read-only)"),
});
const view = new OutputView(document.getElementById("output"), {
  onErrorLine: (line) => { if (line >= 1 && line <= editor.lineCount()) editor.addLineClass(line - 1, "background", "cm-error-line"); },
});
showStatus(statusEl, statusEl.textContent.trim());   // the server wrote the raw status
let first = true;
const socket = new RunSocket({
  onMessage: (msg) => {
    if (msg.type === "invalid") { view.notice(msg.message); if (stopBtn) stopBtn.disabled = false; return; }
    if (msg.run_id !== runId) return;
    if (first) {   // the replay replaces the server-rendered copy
      view.reset(); first = false;
      page.dataset.replayed = "";   // from here the output shown is the replay's
    }
    view.handle(msg);
    if (msg.type === EVENT.STATUS || msg.type === EVENT.FINISHED) {
      showStatus(statusEl, msg.status);
      if (stopBtn) stopBtn.hidden = isFinal(msg.status);
    }
    if (msg.type === EVENT.RUN_STATE) showStatus(statusEl, STATUS.RUNNING, runStateText(msg));
  },
  onState: showConnection,
  onReconnect: () => { first = true; socket.send({ type: "watch", run_id: runId }); },
});
if (stopBtn) {
  stopBtn.addEventListener("click", () => {
    stopBtn.disabled = true;
    showStatus(statusEl, "stopping", gettext("stopping…"));
    socket.send({ type: "cancel", run_id: runId });
  });
}
socket.send({ type: "watch", run_id: runId });

/* The owner renames the run (PATCH /api/runs/<id>/): the history and the dashboard's legends
   show the new name. */
const renameBtn = document.getElementById("rename");
if (renameBtn) {
  const form = document.getElementById("rename-form"), input = document.getElementById("rename-input");
  const title = document.getElementById("run-title"), error = document.getElementById("rename-error");
  const editing = (on) => { form.hidden = !on; renameBtn.hidden = on; title.hidden = on; if (on) input.focus(); };
  renameBtn.addEventListener("click", () => editing(true));
  document.getElementById("rename-cancel").addEventListener("click", () => editing(false));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const res = await fetch(`/api/runs/${runId}/`, { method: "PATCH", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: input.value }) });
    const body = await res.json().catch(() => ({ detail: `HTTP ${res.status}` }));
    if (!res.ok) { error.textContent = body.detail; input.setAttribute("aria-invalid", "true"); return; }
    input.removeAttribute("aria-invalid");
    title.textContent = body.name;
    document.title = document.title.replace(/^[^·]*·/, `${body.name} ·`);
    editing(false);
    renameBtn.focus();
  });
}
