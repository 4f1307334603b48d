/* The notebook page: code and Markdown cells, a kernel on /ws/notebooks/ (docs/api.md),
   outputs under each cell through the playground's OutputView, input() and pdb prompts,
   the variables panel, and autosave. Someone else's notebook is shown read-only. */
import { EVENT, KERNEL_STATE, STATUS } from "/protocol.js";
import { el } from "./dom.js";
import { gettext, interpolate } from "./i18n.js";
import { OutputView } from "./render.js";
import { RunSocket, showConnection } from "./socket.js";
import { showStatus, statusLabel } from "./status.js";

const $ = (id) => document.getElementById(id);
const doc = JSON.parse($("notebook-data").textContent);
const editable = doc.editable;
const OUTPUTS = [EVENT.STDOUT, EVENT.STDERR, EVENT.DISPLAY, EVENT.METRICS, EVENT.ERROR];
const QUIET = [STATUS.SUCCEEDED, STATUS.FAILED];   // their outputs say it all
const SAVE_DELAY_MS = 1200;
const STATE_LABELS = {
  none: gettext("not started"), [KERNEL_STATE.STARTING]: gettext("starting"),
  [KERNEL_STATE.IDLE]: gettext("idle"), [KERNEL_STATE.BUSY]: gettext("busy"),
  [KERNEL_STATE.RESTARTING]: gettext("restarting"), [KERNEL_STATE.DEAD]: gettext("dead"),
};
const SAVE_LABELS = {
  saved: gettext("All changes saved"), unsaved: gettext("Unsaved changes"),
  saving: gettext("Saving…"), save_failed: gettext("Not saved: %(reason)s"),
};
const newId = () => Math.random().toString(36).slice(2, 14).padEnd(12, "0");

class KernelSocket extends RunSocket {
  url() { return super.url().replace("/ws/runs/", "/ws/notebooks/"); }
}

/* One cell: its editor (code, or Markdown while edited), its [n] prompt, its outputs. */
class Cell {
  constructor(data) {
    this.id = data.id || newId();
    this.type = data.cell_type === "markdown" ? "markdown" : "code";
    this.count = data.execution_count ?? null;
    this.outputs = [];
    this.prompt = el("span", { class: "prompt", "aria-hidden": "true" });
    this.status = el("p", { class: "cell-status", hidden: true });
    this.out = el("div", { class: "output cell-output" });
    this.rendered = el("div", { class: "markdown-body", ondblclick: () => this.edit() });
    this.editorHost = el("div", { class: "cell-editor" });
    this.root = el("section", { class: `cell ${this.type}`, "data-cell-id": this.id,
                                "data-type": this.type, onclick: () => select(this) },
      el("div", { class: "cell-gutter" }, this.prompt),
      el("div", { class: "cell-main" }, editable ? this.tools() : null, this.editorHost,
         this.rendered, this.status, this.out));
    this.editor = CodeMirror(this.editorHost, {
      value: data.source || "", mode: this.type === "code" ? "python" : "text/plain",
      lineNumbers: this.type === "code", indentUnit: 4, matchBrackets: true,
      autoCloseBrackets: this.type === "code", viewportMargin: Infinity, lineWrapping: true,
      readOnly: editable ? false : "nocursor",
      screenReaderLabel: interpolate(this.type === "code" ? gettext("Code cell %(id)s")
                                     : gettext("Markdown cell %(id)s"), { id: this.id }),
      extraKeys: {
        "Shift-Enter": () => runAndAdvance(this), "Ctrl-Enter": () => run(this),
        "Cmd-Enter": () => run(this), "Ctrl-/": "toggleComment", "Cmd-/": "toggleComment",
        Tab: (cm) => cm.somethingSelected() ? cm.indentSelection("add") : cm.replaceSelection("    "),
        "Shift-Tab": (cm) => cm.indentSelection("subtract"),
        Esc: () => this.root.focus(),
      },
    });
    this.root.tabIndex = -1;
    this.editor.on("change", () => markDirty());
    this.editor.on("focus", () => select(this));
    this.view = new OutputView(this.out);
    for (const output of data.outputs || []) this.output(output, { saved: true });
    if (this.type === "markdown") this.showRendered(data.html || "");
    this.showPrompt();
  }

  get source() { return this.editor.getValue(); }

  tools() {
    const button = (label, onclick, extra = {}) =>
      el("button", { type: "button", class: "cell-tool", onclick, ...extra }, label);
    return el("div", { class: "cell-tools" },
      button(gettext("Run"), () => runAndAdvance(this), { class: "cell-tool run-cell" }),
      button(gettext("Move up"), () => move(this, -1)),
      button(gettext("Move down"), () => move(this, 1)),
      button(this.type === "code" ? gettext("To Markdown") : gettext("To code"), () => retype(this)),
      button(gettext("Delete"), () => remove(this), { class: "cell-tool delete-cell" }));
  }

  showPrompt(text) {
    if (this.type !== "code") { this.prompt.textContent = ""; return; }
    this.prompt.textContent = `[${text ?? this.count ?? " "}]:`;
  }

  // -- running ---------------------------------------------------------------------------------
  queued() {
    this.view.reset();
    this.outputs = [];
    this.status.hidden = true;
    this.closeInput();
    this.waiting = true;
    this.showPrompt("*");
  }

  started(count) { this.count = count; this.showPrompt("*"); }

  finished(msg) {
    this.waiting = false;
    this.closeInput();
    if (msg.execution_count != null) this.count = msg.execution_count;
    this.showPrompt();
    if (!QUIET.includes(msg.status)) {
      showStatus(this.status, msg.status, `${statusLabel(msg.status)} — ${msg.message}`);
      this.status.hidden = false;
    }
  }

  abandon() {   // the kernel went away under it
    if (!this.waiting) return;
    this.waiting = false;
    this.closeInput();
    this.showPrompt();
  }

  output(msg, { saved = false } = {}) {
    const event = { type: msg.type };
    for (const [k, v] of Object.entries(msg)) if (!["kernel_id", "cell_id", "run_id"].includes(k)) event[k] = v;
    const last = this.outputs[this.outputs.length - 1];
    if (last && last.type === event.type && (event.type === EVENT.STDOUT || event.type === EVENT.STDERR)) {
      last.text += event.text;
    } else this.outputs.push(event);
    this.view.handle({ ...event, run_id: this.id });
    if (!saved) markDirty();
  }

  askInput(msg) {
    this.closeInput();
    const field = el("input", { type: msg.password ? "password" : "text", class: "input-field",
                                "aria-label": msg.prompt || gettext("Input for the cell"),
                                autocomplete: "off" });
    const form = el("form", { class: "input-request", onsubmit: (e) => {
      e.preventDefault();
      socket.send({ type: "input_reply", text: field.value });
      this.closeInput();
    } }, el("label", { class: "input-prompt" }, msg.prompt || "", field),
      el("button", { type: "submit" }, gettext("Send")));
    this.inputForm = form;
    this.out.after(form);
    field.focus();
  }

  closeInput() { if (this.inputForm) { this.inputForm.remove(); this.inputForm = null; } }

  // -- Markdown --------------------------------------------------------------------------------
  showRendered(html) {
    this.rendered.innerHTML = html;  // the server's Markdown: raw HTML escaped (markdown.py)
    if (!html.trim()) {
      this.rendered.append(el("p", { class: "hint" }, gettext("Empty Markdown cell: double-click to edit")));
    }
    this.rendered.hidden = false;
    this.editorHost.hidden = true;
  }

  edit() {
    if (!editable || this.type !== "markdown") return;
    this.rendered.hidden = true;
    this.editorHost.hidden = false;
    this.editor.refresh();
    this.editor.focus();
  }

  async render() {
    const res = await api("POST", "/api/notebooks/markdown/", { text: this.source });
    this.showRendered((await res.json()).html);
  }

  toJSON() {
    const cell = { id: this.id, cell_type: this.type, source: this.source };
    if (this.type === "code") Object.assign(cell, { execution_count: this.count, outputs: this.outputs });
    return cell;
  }
}

// -- the notebook ------------------------------------------------------------------------------
const cellsEl = $("cells");
let cells = [];
let selected = null;

function select(cell) {
  if (selected === cell) return;
  if (selected) selected.root.classList.remove("selected");
  selected = cell;
  cell.root.classList.add("selected");
}

function insert(cell, index = cells.length) {
  cells.splice(index, 0, cell);
  cellsEl.insertBefore(cell.root, cellsEl.children[index] || null);
  cell.editor.refresh();
  return cell;
}

function addCell(type) {
  const index = selected ? cells.indexOf(selected) + 1 : cells.length;
  const cell = insert(new Cell({ cell_type: type }), index);
  select(cell);
  if (type === "markdown") cell.edit(); else cell.editor.focus();
  markDirty();
}

function move(cell, step) {
  const from = cells.indexOf(cell), to = from + step;
  if (to < 0 || to >= cells.length) return;
  cells.splice(from, 1);
  cells.splice(to, 0, cell);
  cellsEl.insertBefore(cell.root, step < 0 ? cells[to + 1].root : cells[to - 1].root.nextSibling);
  markDirty();
}

function remove(cell) {
  const index = cells.indexOf(cell);
  cells.splice(index, 1);
  cell.root.remove();
  if (selected === cell) selected = null;
  markDirty();
}

function retype(cell) {
  const index = cells.indexOf(cell);
  const other = new Cell({ id: cell.id, source: cell.source,
                           cell_type: cell.type === "code" ? "markdown" : "code" });
  cell.root.replaceWith(other.root);
  cells[index] = other;
  select(other);
  if (other.type === "markdown") other.edit();
  markDirty();
}

// -- the kernel --------------------------------------------------------------------------------
const kernelState = $("kernel-state"), kernelNote = $("kernel-note");
let kernel = { id: null, state: "none" };

function showKernel(state, message) {
  kernel.state = state;
  if (kernelState) {
    kernelState.dataset.state = state;
    kernelState.textContent = STATE_LABELS[state] || state;
  }
  if (message) { kernelNote.textContent = message; kernelNote.hidden = false; }  // until the next run
  if (state === KERNEL_STATE.DEAD || state === KERNEL_STATE.RESTARTING) {
    for (const cell of cells) cell.abandon();
  }
}

function startKernel() {
  if (!doc.id || !editable) return;
  showKernel(KERNEL_STATE.STARTING);
  socket.send({ type: "kernel_start", notebook_id: doc.id });
}

const cellById = (id) => cells.find((c) => c.id === id);

function handle(msg) {
  if (msg.type === "invalid") {
    if (kernel.state !== KERNEL_STATE.DEAD) {   // else the note already says why
      kernelNote.textContent = msg.message;
      kernelNote.hidden = false;
    }
    if (kernel.state !== KERNEL_STATE.BUSY) for (const cell of cells) cell.abandon();
    return;
  }
  if (msg.type === EVENT.KERNEL_STATUS) {
    kernel.id = msg.kernel_id;
    showKernel(msg.state, msg.message);
    const busy = msg.cell_id && cellById(msg.cell_id);   // attached while a cell runs
    if (busy) { busy.waiting = true; busy.started(msg.execution_count); }
    return;
  }
  if (msg.kernel_id !== kernel.id) return;
  const cell = cellById(msg.cell_id);
  if (msg.type === EVENT.VARIABLES) showVariables(msg.variables);
  if (!cell) return;
  if (msg.type === EVENT.EXECUTE_INPUT) cell.started(msg.execution_count);
  else if (msg.type === EVENT.EXECUTE_RESULT) { cell.finished(msg); markDirty(); }
  else if (msg.type === EVENT.INPUT_REQUEST) cell.askInput(msg);
  else if (OUTPUTS.includes(msg.type)) cell.output(msg);
}

async function run(cell) {
  if (cell.type === "markdown") { await cell.render(); return; }
  if (!cell.source.trim()) return;
  if (!doc.id) await save();
  if (!doc.id) return;
  kernelNote.hidden = true;
  if (kernel.state === "none" || kernel.state === KERNEL_STATE.DEAD) startKernel();
  cell.queued();
  socket.send({ type: "execute", cell_id: cell.id, code: cell.source });
}

function runAndAdvance(cell) {
  run(cell);
  const next = cells[cells.indexOf(cell) + 1];
  if (next) { select(next); if (next.type === "code") next.editor.focus(); else next.root.focus(); }
  else addCell("code");
}

async function runAll(list = cells) { for (const cell of list) await run(cell); }

function showVariables(rows) {
  const body = document.querySelector("#variables tbody");
  if (!body) return;
  body.replaceChildren(...rows.map((v) => {
    let value = v.value ?? "";
    if (v.shape) value = `(${v.shape.join(", ")}) ${v.dtype} ${v.device}${v.requires_grad ? " requires_grad" : ""}`;
    else if (v.parameters != null) value = `${v.parameters} parameters`;
    else if (v.size != null) value = `${v.size} items`;
    return el("tr", { "data-name": v.name }, el("td", {}, v.name), el("td", {}, v.type),
              el("td", {}, String(value)));
  }));
}

// -- saving ------------------------------------------------------------------------------------
const saveState = $("save-state"), nameField = $("nb-name");
let dirty = false, saveTimer = null, saving = Promise.resolve();

function showSave(key, reason) {
  saveState.dataset.state = key;
  saveState.textContent = interpolate(SAVE_LABELS[key], { reason });
}

function markDirty() {
  if (!editable) return;
  dirty = true;
  showSave("unsaved");
  clearTimeout(saveTimer);
  saveTimer = setTimeout(save, SAVE_DELAY_MS);
}

function api(method, url, body) {
  return fetch(url, { method, credentials: "same-origin",
                      headers: { "Content-Type": "application/json" },
                      body: body === undefined ? undefined : JSON.stringify(body) });
}

/* Saves run one after another; each sends the notebook as it is when it starts. */
function save() {
  clearTimeout(saveTimer);
  saving = saving.then(async () => {
    if (!editable || (!dirty && doc.id)) return;
    dirty = false;
    showSave("saving");
    const body = { name: nameField.value, cells: cells.map((c) => c.toJSON()) };
    try {
      const res = doc.id ? await api("PUT", `/api/notebooks/${doc.id}/`, body)
                         : await api("POST", "/api/notebooks/", body);
      const data = await res.json();
      if (!res.ok) throw new Error(data.detail || res.statusText);
      if (!doc.id) {
        doc.id = data.id;
        history.replaceState(null, "", data.url);
        $("export").href = `/api/notebooks/${doc.id}/export.ipynb`;
        $("export").hidden = false;
      }
      showSave(dirty ? "unsaved" : "saved");
    } catch (err) {
      dirty = true;
      showSave("save_failed", err.message);
    }
  });
  return saving;
}

window.addEventListener("beforeunload", (e) => { if (dirty) e.preventDefault(); });

// -- wiring ------------------------------------------------------------------------------------
const socket = new KernelSocket({
  onMessage: handle, onState: showConnection,
  onReconnect: () => { if (kernel.id) startKernel(); },   // attaches to the kernel again
});

for (const data of doc.cells) insert(new Cell(data));
if (editable) {
  if (!cells.length) insert(new Cell({ cell_type: "code" }));
  nameField.addEventListener("input", markDirty);
  $("run-all").addEventListener("click", () => runAll());
  $("run-above").addEventListener("click", () => runAll(cells.slice(0, selected ? cells.indexOf(selected) : 0)));
  $("interrupt").addEventListener("click", () => socket.send({ type: "interrupt" }));
  $("restart").addEventListener("click", () => {
    if (kernel.state === "none" || kernel.state === KERNEL_STATE.DEAD) startKernel();
    else socket.send({ type: "restart" });
  });
  $("restart-run-all").addEventListener("click", () => {
    if (kernel.state === "none" || kernel.state === KERNEL_STATE.DEAD) startKernel();
    else socket.send({ type: "restart" });
    runAll();
  });
  $("shutdown").addEventListener("click", () => socket.send({ type: "shutdown" }));
  $("add-code").addEventListener("click", () => addCell("code"));
  $("add-markdown").addEventListener("click", () => addCell("markdown"));
  // No kernel until the first cell runs: opening a notebook to read it costs none. A page
  // opened again (a reload) attaches to the notebook's kernel if it is still alive: its
  // state, the cell it runs, the input that cell waits for (no answer when there is none).
  if (doc.id) socket.send({ type: "kernel_start", notebook_id: doc.id, attach: true });
  showSave(doc.id ? "saved" : "unsaved");
} else {
  $("copy").addEventListener("click", async () => {
    const res = await api("POST", `/api/notebooks/${doc.id}/copy/`, {});
    if (res.ok) location.href = (await res.json()).url;
  });
}
if (cells.length) select(cells[0]);
window.notebookPage = { cells: () => cells, socket, save, kernel: () => kernel };   // for the browser tests
