/* A run's permalink: the code read-only, and the whole run replayed (then followed live). */
import { EVENT } from "/protocol.js";
import { OutputView } from "./render.js";
import { RunSocket, showConnection } from "./socket.js";
import { showStatus } from "./status.js";

const page = document.querySelector(".permalink-page");
const runId = page.dataset.runId;
const statusEl = document.getElementById("run-status");
const editor = CodeMirror.fromTextArea(document.getElementById("code"), {
  mode: "python", lineNumbers: true, readOnly: true, viewportMargin: Infinity,
  screenReaderLabel: "Code of this run (read-only)",
});
const view = new OutputView(document.getElementById("output"), {
  onErrorLine: (line) => { if (line >= 1 && line <= editor.lineCount()) editor.addLineClass(line - 1, "background", "cm-error-line"); },
});
let first = true;
const socket = new RunSocket({
  onMessage: (msg) => {
    if (msg.type === "invalid") { view.notice(msg.message); return; }
    if (msg.run_id !== runId) return;
    if (first) { view.reset(); first = false; }   // the replay replaces the server-rendered copy
    view.handle(msg);
    if (msg.type === EVENT.STATUS || msg.type === EVENT.FINISHED) showStatus(statusEl, msg.status);
  },
  onState: showConnection,
  onReconnect: () => { first = true; socket.send({ type: "watch", run_id: runId }); },
});
socket.send({ type: "watch", run_id: runId });
