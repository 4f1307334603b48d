/* The websocket to /ws/runs/: reconnects with backoff and tells the page what it is doing.
   Every event of a run carries its "seq" (a watch's replay: the seq it is complete up to).
   A live event that skips numbers means events were lost on the way (a Redis outage): the
   page then watches its runs again, as after a reconnect, and the replay fills the hole. */
import { gettext } from "./i18n.js";
export class RunSocket {
  constructor({ onMessage, onState, onReconnect }) {
    this.onMessage = onMessage;
    this.onState = onState || (() => {});
    this.onReconnect = onReconnect || (() => {});
    this.lastSeq = new Map();   // run id -> seq of the last event received
    this.pending = [];
    this.delay = 500;
    this.everOpened = false;
    this.connect();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/ws/runs/`;
  }

  connect() {
    this.onState(this.everOpened ? "reconnecting" : "connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 500;
      this.onState("open");
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.lastSeq.clear();
      if (reconnected) this.onReconnect();
      for (const msg of this.pending.splice(0)) ws.send(JSON.stringify(msg));
    };
    ws.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { console.error("bad frame", e.data); return; }
      // Events were lost before this one: the page watches its runs again, and the replay
      // (this event included) replaces its copy.
      if (this.missedEvents(msg)) { this.onReconnect(); return; }
      this.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.onState("reconnecting");
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    };
  }

  /* Whether events of msg's run were lost before msg (its seq skips numbers). A run this
     socket started begins at seq 1; after a "watch", live events count from its replay. */
  missedEvents(msg) {
    if (typeof msg.seq !== "number" || typeof msg.run_id !== "string") return false;
    const last = this.lastSeq.get(msg.run_id);
    if (msg.replay) { this.lastSeq.set(msg.run_id, msg.seq); return false; }
    if (last === null) return false;   // sent before the replay the watch asked for
    this.lastSeq.set(msg.run_id, Math.max(msg.seq, last || 0));
    return msg.seq > (last || 0) + 1;
  }

  send(msg) {
    if (msg.type === "watch") this.lastSeq.set(msg.run_id, msg.after_seq ?? null);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
    else this.pending.push(msg);
  }
}

export function showConnection(state) {
  const badge = document.getElementById("connection");
  if (!badge) return;
  badge.dataset.state = state;
  badge.textContent = { connecting: gettext("connecting…"), open: gettext("connected"),
                        reconnecting: gettext("reconnecting…") }[state] || state;
}
