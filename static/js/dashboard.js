/* The dashboard page: every run of this browser in a table (status, loss, progress, export),
   and the picked runs' curves compared in one chart grid, with the newest pick's histograms
   and heatmaps below. */
import { EVENT, STATUS } from "/protocol.js";
import { ChartGrid, PALETTE, fmtNumber } from "./chart-grid.js";
import { el, whenPlotlyReady } from "./dom.js";
import { drawHeatmaps, drawHistograms } from "./histograms.js";
import { LANG, gettext, interpolate, ngettext } from "./i18n.js";
import { fmtDuration, progressNode } from "./progress.js";
import { RunData, feedRunEvent } from "./run-data.js";
import { RunSocket, showConnection } from "./socket.js";
import { showStatus } from "./status.js";

function startDashboard(root) {
  const $ = (sel) => root.querySelector(sel);
  const runs = new Map();          // id -> RunData
  const selected = [];             // ids, in the order picked (colour = position)
  const grid = new ChartGrid($("#charts"), { emptyText: gettext("Pick runs in the list to chart them.") });
  const watched = new Set();
  let filter = null;
  // A dashboard link (?runs=a,b) names runs that may be someone else's: they are listed
  // under "Shared with me", read-only, for whoever opens the link.
  const linked = (new URLSearchParams(location.search).get("runs") || "").split(",").filter(Boolean).slice(0, 20);
  let scope = null;   // "mine" or "shared": which rows the table shows

  const socket = new RunSocket({
    onMessage: (msg) => {
      if (msg.type === "invalid") { console.warn(msg.message); return; }
      const data = runs.get(msg.run_id);
      if (!data) return;
      feedRunEvent(data, msg);
      if (msg.type === EVENT.FINISHED) watched.delete(msg.run_id);
    },
    onState: showConnection,
    onReconnect: () => { const ids = [...watched]; watched.clear(); ids.forEach(watch); },
  });

  function watch(id) {
    if (watched.has(id)) return;
    watched.add(id);
    socket.send({ type: "watch", run_id: id });
  }

  function colourOf(id) {
    const i = selected.indexOf(id);
    return i < 0 ? null : PALETTE[i % PALETTE.length];
  }

  function dataFor(summary) {
    let data = runs.get(summary.id);
    if (!data) {
      data = new RunData(summary.id, summary);
      data.onChange = () => { updateRow(data); if (selected.includes(data.id)) { grid.schedule(); drawExtras(); data.maybeRefetch(); } };
      runs.set(summary.id, data);
    } else if (!data.loaded || data.finished) {
      data.summary = { ...data.summary, ...summary };
    }
    return data;
  }

  async function loadList() {
    const res = await fetch(`/dashboard/api/runs/?ids=${linked.join(",")}`, { credentials: "same-origin" });
    if (!res.ok) { $("#runs-note").textContent = interpolate(gettext("Could not load runs (HTTP %(status)s)."), { status: res.status }); return; }
    const { runs: list } = await res.json();
    const body = $("#runs-body");
    body.replaceChildren();
    for (const summary of list) {
      const data = dataFor(summary);
      body.append(row(data));
      if (!data.finished) watch(data.id);
    }
    const shared = list.filter((r) => !r.mine).length;
    $("#mine-count").textContent = `(${list.length - shared})`;
    $("#shared-count").textContent = `(${shared})`;
    $("#shared-scope").hidden = shared === 0;
    if (scope === null || (scope === "shared" && !shared)) setScope(shared ? "shared" : "mine");
    $("#runs-note").textContent = list.length ? "" : gettext("No runs yet: run some code that logs metrics, or train a preset.");
    applyFilter();
  }

  function row(data) {
    const s = data.summary;
    const box = el("input", { type: "checkbox", class: "pick", "aria-label": interpolate(gettext("chart %(name)s"), { name: s.name || s.id }) });
    box.checked = selected.includes(data.id);
    box.addEventListener("change", () => toggle(data.id, box.checked));
    // data-label: the column's name, shown beside each value when the table is a list of
    // cards (narrow screens, dashboard.css).
    const cell = (cls, label, ...content) => el("td", { class: cls, "data-label": label }, ...content);
    const tr = el("tr", { "data-run-id": data.id, "data-name": s.name || "", "data-mine": s.mine === false ? "false" : "true" },
      el("td", { class: "pick-cell" }, box, el("span", { class: "swatch" })),
      cell("name", gettext("Name"), el("a", { href: s.url, title: s.name }, s.name || s.id)),
      cell("run-state", gettext("Status")), cell("device", gettext("Device"), s.device),
      cell("started", gettext("Started"), s.started_at ? new Date(s.started_at).toLocaleString(LANG) : "–"),
      cell("duration", gettext("Duration")), cell("last-loss num", gettext("Last loss")), cell("best-loss num", gettext("Best loss")),
      cell("progress", gettext("Progress")),
      cell("export", gettext("Export"),
        el("a", { href: `/api/runs/${data.id}/metrics.csv`, download: "", class: "csv" }, "CSV"), " ",
        el("a", { href: `/api/runs/${data.id}/metrics.json`, download: "", class: "json" }, "JSON")));
    fillRow(tr, data);
    return tr;
  }

  function fillRow(tr, data) {
    const s = data.summary;
    showStatus(tr.querySelector(".run-state"), s.status);
    const running = s.status === STATUS.RUNNING && s.started_at;
    tr.querySelector(".duration").textContent = s.duration_ms !== null && s.duration_ms !== undefined
      ? fmtDuration(s.duration_ms / 1000) : running ? fmtDuration((Date.now() - Date.parse(s.started_at)) / 1000) : "–";
    tr.querySelector(".last-loss").textContent = fmtNumber(s.last_loss);
    tr.querySelector(".best-loss").textContent = fmtNumber(s.best_loss);
    tr.querySelector(".progress").replaceChildren(progressNode(data.progressInfo(), data.finished));
    const colour = colourOf(data.id);
    tr.querySelector(".swatch").style.background = colour || "transparent";
    tr.classList.toggle("selected", Boolean(colour));
  }

  function updateRow(data) {
    const tr = $(`#runs-body tr[data-run-id="${data.id}"]`);
    if (tr) fillRow(tr, data);
  }

  async function toggle(id, on) {
    const i = selected.indexOf(id);
    if (on && i < 0) selected.push(id);
    if (!on && i >= 0) selected.splice(i, 1);
    const data = runs.get(id);
    if (on) {
      if (!data.finished) watch(id);   // a finished run is complete in its series
      if (!data.loaded) await data.load().catch((e) => { $("#runs-note").textContent = e.message; });
    }
    for (const d of runs.values()) updateRow(d);
    refreshCharts();
    history.replaceState(null, "", selected.length ? `?runs=${selected.join(",")}` : location.pathname);
  }

  function refreshCharts() {
    grid.setRuns(selected.map((id) => {
      const d = runs.get(id);
      return { data: d, colour: colourOf(id), label: d.summary.name || id.slice(0, 8) };
    }));
    drawExtras();
    showHyperparameters();
  }

  /* The picked runs that the train page made, their settings side by side; a setting that
     differs between them is marked. */
  function showHyperparameters() {
    const box = $("#hyperparameters");
    const picked = selected.map((id) => runs.get(id)).filter((d) => d.summary.preset);
    box.hidden = picked.length === 0;
    if (!picked.length) { box.replaceChildren(); return; }
    const keys = [...new Set(picked.flatMap((d) => Object.keys(d.summary.preset)))];
    const show = (v) => (v === undefined ? "–" : Array.isArray(v) ? v.join(", ") || "–" : String(v));
    box.replaceChildren(el("table", {},
      el("caption", { class: "sr-only" }, gettext("Settings of the picked runs")),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, gettext("Setting")),
        ...picked.map((d) => el("th", { scope: "col" }, el("span", { class: "swatch", style: `background:${colourOf(d.id)}` }),
          " ", d.summary.name || d.id.slice(0, 8))))),
      el("tbody", {}, ...keys.map((k) => {
        const values = picked.map((d) => show(d.summary.preset[k]));
        const differs = new Set(values).size > 1;
        return el("tr", { "data-key": k }, el("th", { scope: "row" }, k),
          ...values.map((v) => el("td", { class: differs ? "differs" : null }, v)));
      }))));
  }

  let extrasTimer = null;
  function drawExtras() {
    if (extrasTimer) return;
    extrasTimer = setTimeout(() => {
      extrasTimer = null;
      whenPlotlyReady(() => {
        const focus = selected.length ? runs.get(selected[selected.length - 1]) : null;
        const hist = $("#histograms"), heat = $("#heatmaps");
        if (!focus || hist.dataset.runId !== focus.id) {   // another run: start over
          hist.querySelectorAll("figure").forEach((f) => f.remove());
          heat.querySelectorAll("figure").forEach((f) => f.remove());
          hist.dataset.runId = focus ? focus.id : "";
        }
        drawHistograms(hist, focus ? focus.histograms : []);
        drawHeatmaps(heat, focus ? focus.heatmaps : []);
      });
    }, 1000);
  }

  function applyFilter() {
    const text = $("#filter").value;
    const note = $("#filter-error");
    try {
      filter = text ? new RegExp(text, "i") : null;
      note.textContent = "";
      $("#filter").removeAttribute("aria-invalid");
    } catch (err) {
      note.textContent = interpolate(gettext("Not a regular expression: %(error)s"), { error: err.message });
      $("#filter").setAttribute("aria-invalid", "true");
      return;
    }
    let shown = 0;
    for (const tr of root.querySelectorAll("#runs-body tr")) {
      const show = (tr.dataset.mine === "true") === (scope === "mine") && (!filter || filter.test(tr.dataset.name));
      tr.hidden = !show;
      shown += show;
    }
    $("#runs-count").textContent = interpolate(ngettext("%(n)s run", "%(n)s runs", shown), { n: shown });
  }

  function setScope(value) {
    scope = value;
    root.querySelector(`input[name=scope][value=${value}]`).checked = true;
  }

  $("#filter").addEventListener("input", applyFilter);
  $("#scope").addEventListener("change", (e) => { setScope(e.target.value); applyFilter(); });
  $("#smoothing").addEventListener("input", (e) => {
    $("#smoothing-value").textContent = Number(e.target.value).toFixed(2);
    grid.setOptions({ smoothing: Number(e.target.value) });
  });
  $("#log-y").addEventListener("change", (e) => grid.setOptions({ logY: e.target.checked }));
  $("#x-axis").addEventListener("change", (e) => grid.setOptions({ xAxis: e.target.value }));
  $("#group-prefix").addEventListener("change", (e) => {
    grid.groupByPrefix = e.target.checked;
    grid.container.replaceChildren(); grid.charts = {};
    grid.schedule(true);
  });
  $("#refresh").addEventListener("click", () => loadList());
  setInterval(() => {   // running rows: duration ticks, and a new run shows up
    for (const d of runs.values()) if (!d.finished) updateRow(d);
  }, 1000);
  setInterval(() => { if (!document.hidden) loadList(); }, 15000);

  loadList().then(() => {
    for (const id of linked) {
      const box = $(`#runs-body tr[data-run-id="${id}"] .pick`);
      if (box) { box.checked = true; toggle(id, true); }
    }
  });
}

startDashboard(document.querySelector(".dashboard-page"));
