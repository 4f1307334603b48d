/* A run's status on the page. The names and tones come from /protocol.js (playground/events.py):
   CSS colours a status by its data-tone, so a new status needs no script or style change. */
import { FINAL_STATUSES, STATUS_TONE } from "/protocol.js";

export const isFinal = (status) => FINAL_STATUSES.includes(status);

/* Show a status, or a page's own step such as "submitting" (no tone), on a node. */
export function showStatus(node, status, text = status) {
  node.textContent = text;
  node.dataset.status = status;
  node.dataset.tone = STATUS_TONE[status] || "";
}
