/* A run's status on the page. The names and tones come from /protocol.js (playground/events.py):
   CSS colours a status by its data-tone, so a new status needs no script or style change. Its
   words come translated from the page (base.html's "status-labels", playground/i18n.py). */
import { FINAL_STATUSES, RUN_STATE, STATUS, STATUS_TONE } from "/protocol.js";
import { gettext } from "./i18n.js";

export const isFinal = (status) => FINAL_STATUSES.includes(status);

const labelsNode = document.getElementById("status-labels");
const LABELS = labelsNode ? JSON.parse(labelsNode.textContent) : {};

/* A status in the page's language (its name if the page has no word for it). */
export const statusLabel = (status) => LABELS[status] || status;

/* A run_state event (a run paused, stepped or paced by its page) in words. */
export function runStateText(msg) {
  const words = { [RUN_STATE.PAUSED]: gettext("paused"), [RUN_STATE.PAUSING]: gettext("pausing…"),
    [RUN_STATE.STEPPING]: gettext("stepping…"), [RUN_STATE.RUNNING]: statusLabel(STATUS.RUNNING) };
  return `${words[msg.state] || msg.state}${msg.message ? " — " + msg.message : ""}`;
}

/* Show a status, or a page's own step such as "submitting" (no tone), on a node. */
export function showStatus(node, status, text = statusLabel(status)) {
  node.textContent = text;
  node.dataset.status = status;
  node.dataset.tone = STATUS_TONE[status] || "";
}
