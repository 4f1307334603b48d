/* The run model of the training views: a run's series (downsampled on the server, live points
   appended), its progress bars, histograms and heatmaps, fed by the websocket's events. */
import { EVENT, MIME, PROGRESS_METRIC } from "/protocol.js";
import { isFinal } from "./status.js";

const REFETCH_MS = 3000;        // a live run's downsampled series is refreshed this often
const TAIL_LIMIT = 500;         // ...or sooner (at most once a second) once this many
                                // live points piled up: a trace stays near 2,000 points

const isProgress = (name) => name === PROGRESS_METRIC || name.startsWith(PROGRESS_METRIC + "/");

/* One run's data: the server's downsampled series plus live points that came after. */
export class RunData {
  constructor(id, summary) {
    this.id = id;
    this.summary = summary || { id };
    this.base = {};          // name -> {step, value, wall_time, count}
    this.tail = {};          // name -> {step, value, wall_time} newer than base
    this.tailCount = 0;
    this.histograms = [];
    this.heatmaps = [];
    this.progress = {};      // name -> {last: point, start: point}
    this.loaded = false;
    this.fetchedAt = 0;
    this.fetching = null;
    this.refetchTimer = null;
    this.dirty = false;
    this.onChange = () => {};
  }

  get finished() { return isFinal(this.summary.status); }

  async load(maxPoints = 2000) {
    if (this.fetching) return this.fetching;
    const fetching = this.fetching = (async () => {
      try {
        const res = await fetch(`/dashboard/api/runs/${this.id}/series/?max_points=${maxPoints}`,
          { credentials: "same-origin" });
        if (!res.ok) throw new Error(`series of run ${this.id}: HTTP ${res.status}`);
        const data = await res.json();
        this.summary = { ...this.summary, ...data.run };
        this.base = data.series;
        for (const [name, s] of Object.entries(this.base)) this.trimTail(name, s);
        this.histograms = data.histograms;
        this.heatmaps = data.heatmaps;
        for (const [name, s] of Object.entries(this.base)) {
          if (isProgress(name)) this.rememberProgress(name, s.step, s.value, s.wall_time);
        }
        this.loaded = true;
        this.fetchedAt = performance.now();
        if (this.fetching === fetching) this.fetching = null;   // done: onChange may refresh again
        this.onChange(this);
      } finally {
        if (this.fetching === fetching) this.fetching = null;
      }
    })();
    return fetching;
  }

  trimTail(name, base) {
    const t = this.tail[name];
    if (!t) return;
    const last = base.step.length ? base.step[base.step.length - 1] : -Infinity;
    const keep = t.step.map((s, i) => (s > last ? i : -1)).filter((i) => i >= 0);
    this.tailCount -= t.step.length - keep.length;
    this.tail[name] = { step: keep.map((i) => t.step[i]), value: keep.map((i) => t.value[i]),
      wall_time: keep.map((i) => t.wall_time[i]) };
  }

  lastStep(name) {
    const t = this.tail[name], b = this.base[name];
    if (t && t.step.length) return t.step[t.step.length - 1];
    if (b && b.step.length) return b.step[b.step.length - 1];
    return -Infinity;
  }

  /* Points from a "metrics" event (live, or the replay a "watch" starts with). */
  addPoints(points) {
    const groups = {};
    for (const p of points) {   // what user code sent: skip anything malformed
      if (!p || typeof p.name !== "string" || typeof p.step !== "number") continue;
      (groups[p.name] = groups[p.name] || []).push(p);
    }
    for (const [name, pts] of Object.entries(groups)) {
      if (isProgress(name)) {
        this.rememberProgress(name, pts.map((p) => p.step), pts.map((p) => p.value), pts.map((p) => p.wall_time));
        continue;
      }
      let last = this.lastStep(name);
      const t = this.tail[name] = this.tail[name] || { step: [], value: [], wall_time: [] };
      for (const p of pts) {
        if (p.step <= last) continue;   // already in the downsampled series
        t.step.push(p.step); t.value.push(p.value); t.wall_time.push(p.wall_time);
        last = p.step;
        this.tailCount += 1;
      }
      this.updateLoss(name, pts);
    }
    this.dirty = true;
    this.onChange(this);
  }

  updateLoss(name, pts) {
    const s = this.summary;
    if (!s.loss_tag && /loss/i.test(name)) s.loss_tag = name;
    if (s.loss_tag !== name) return;
    for (const p of pts) {
      if (p.value === null) continue;
      s.best_loss = s.best_loss === null || s.best_loss === undefined ? p.value : Math.min(s.best_loss, p.value);
    }
    const last = pts.reduce((a, p) => (a === null || p.step >= a.step ? p : a), null);
    if (last) s.last_loss = last.value;
  }

  rememberProgress(name, steps, values, walls) {
    const bar = this.progress[name] = this.progress[name] || { last: null, start: null };
    for (let i = 0; i < steps.length; i++) {
      const p = { n: steps[i], total: values[i], wall: walls[i] };
      if (!bar.last || p.wall >= bar.last.wall) bar.last = p;
      if (p.n === 0 && (!bar.start || p.wall >= bar.start.wall) && p.wall <= bar.last.wall) bar.start = p;
    }
  }

  /* {label, n, total, rate, eta_s} of the run's first progress bar, or null. */
  progressInfo() {
    const names = Object.keys(this.progress).sort();
    if (!names.length) return this.summary.progress || null;
    const bar = this.progress[names[0]];
    const last = bar.last, start = bar.start || bar.last;
    const elapsed = last.wall - start.wall;
    const rate = elapsed > 0 ? (last.n - start.n) / elapsed : null;
    const total = last.total === null ? null : Math.round(last.total);
    const eta = total !== null && rate ? Math.max(0, (total - last.n) / rate) : null;
    return { label: names[0].slice(PROGRESS_METRIC.length + 1), n: last.n, total, rate, eta_s: eta };
  }

  addHistograms(list) {
    if (Array.isArray(list)) this.histograms.push(...list);
    this.dirty = true; this.onChange(this);
  }
  addHeatmap(h) { this.heatmaps.push(h); this.dirty = true; this.onChange(this); }

  /* name -> {step, value, wall_time} to draw (base + tail), progress bars left out. */
  series() {
    const out = {};
    const names = new Set([...Object.keys(this.base), ...Object.keys(this.tail)]);
    for (const name of names) {
      if (isProgress(name)) continue;
      const b = this.base[name] || { step: [], value: [], wall_time: [] };
      const t = this.tail[name] || { step: [], value: [], wall_time: [] };
      out[name] = { step: b.step.concat(t.step), value: b.value.concat(t.value),
        wall_time: b.wall_time.concat(t.wall_time) };
    }
    return out;
  }

  firstWallTime() {
    let first = Infinity;
    for (const s of Object.values(this.base)) if (s.wall_time.length) first = Math.min(first, s.wall_time[0]);
    for (const s of Object.values(this.tail)) if (s.wall_time.length) first = Math.min(first, s.wall_time[0]);
    return Number.isFinite(first) ? first : 0;
  }

  /* A live run refreshes its downsampled series now and then (the tail stays small). */
  maybeRefetch() {
    if (!this.loaded || this.fetching || this.tailCount === 0) return;
    const since = performance.now() - this.fetchedAt;
    const wait = (this.tailCount > TAIL_LIMIT ? 1000 : REFETCH_MS) - since;
    if (wait <= 0) this.load().catch((e) => console.error(e));
    else if (!this.refetchTimer) {   // the points may stop coming: refresh then anyway
      this.refetchTimer = setTimeout(() => { this.refetchTimer = null; this.maybeRefetch(); }, wait);
    }
  }
}

/* Route a run's websocket events into its RunData. */
export function feedRunEvent(data, msg) {
  if (msg.type === EVENT.METRICS) data.addPoints(Array.isArray(msg.points) ? msg.points : []);
  else if (msg.type === EVENT.DISPLAY && msg.mime === MIME.HISTOGRAM) data.addHistograms((msg.data || {}).histograms);
  else if (msg.type === EVENT.DISPLAY && msg.mime === MIME.HEATMAP) data.addHeatmap(msg.data);
  else if (msg.type === EVENT.STATUS) { data.summary.status = msg.status; data.onChange(data); }
  else if (msg.type === EVENT.FINISHED) {
    Object.assign(data.summary, { status: msg.status, duration_ms: msg.duration_ms, message: msg.message });
    data.load().catch((e) => console.error(e));   // the complete, downsampled series
  }
}
