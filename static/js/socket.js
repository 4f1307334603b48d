/* The websocket to /ws/runs/: reconnects with backoff and tells the page what it is doing. */
import { gettext } from "./i18n.js";
export class RunSocket {
  constructor({ onMessage, onState, onReconnect }) {
    this.onMessage = onMessage;
    this.onState = onState || (() => {});
    this.onReconnect = onReconnect || (() => {});
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
      if (reconnected) this.onReconnect();
      for (const msg of this.pending.splice(0)) ws.send(JSON.stringify(msg));
    };
    ws.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { console.error("bad frame", e.data); return; }
      this.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.onState("reconnecting");
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    };
  }

  send(msg) {
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
