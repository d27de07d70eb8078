/// The page's script: keeps the runs the server sends (`snapshot`, then `update` events on
/// `/api/events`) and draws every chart as hand-written SVG (no chart library).
///
/// Curves: one chart per scalar metric found in any run (x: epoch, fractional for iteration-based
/// runs), one line per shown run, so a new task's metrics appear on their own; many / medium / few
/// in one chart (line style = group). Per class, for the focused run at the chosen epoch (following
/// the latest by default): accuracy against training count on a log axis with the previous epoch's
/// points and the move from them, every other per-class vector (pseudo-label precision / recall ...)
/// as bars in training-count order, and the confusion matrix, read on demand from
/// `/api/runs/ID/periods/N`. Below, the shown runs' settings side by side, differences marked.
///
/// Test hooks: `svg.chart[data-metric=NAME] path.series[data-run=ID][data-points=N]`,
/// `svg#longtail circle.class-point`, `svg#confusion rect.cell`, `#status` ("live"), and
/// `#focus=ID` in the address picks the per-class run;
/// `document.body.dataset.firstRenderMs` (time from navigation to the first drawn state).
enum DashboardScript {
    static let text = #"""
"use strict";
const SVGNS = "http://www.w3.org/2000/svg";
const COLORS = ["#1f77b4","#d62728","#2ca02c","#ff7f0e","#9467bd","#8c564b","#e377c2","#17becf","#bcbd22","#7f7f7f",
  "#aec7e8","#ff9896","#98df8a","#ffbb78","#c5b0d5","#c49c94","#f7b6d2","#9edae5","#dbdb8d","#393b79"];
const GROUPS = [["many", ""], ["medium", "6 3"], ["few", "2 3"]];
const state = { runs: new Map(), order: [], shown: new Set(), hidden: new Set(), focus: null, epoch: null, matrixKey: "", matrix: null };
let renderQueued = false, firstRender = true;

function el(tag, attrs, ...children) {
  const svg = ["svg","g","path","line","circle","rect","text","title","polyline"].includes(tag);
  const e = svg ? document.createElementNS(SVGNS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}
const fmt = v => v === null || v === undefined ? "–" : Math.abs(v) >= 1000 || v === Math.round(v) ? String(Math.round(v * 100) / 100) : String(+v.toPrecision(4));
const colorOf = id => COLORS[state.order.indexOf(id) % COLORS.length];

// ---- data ----
function applySnapshot(snap) {
  state.runs.clear(); state.order = [];
  for (const r of snap.runs) { const run = addRun(r); run.periods = r.periods; delete r.periods; state.runs.set(r.id, run); }
  queueRender();
}
function addRun(meta) {
  const known = state.runs.get(meta.id);
  if (!known) { state.order.push(meta.id); if (!state.hidden.has(meta.id)) state.shown.add(meta.id); }
  const run = known || { periods: [] };
  run.meta = meta;
  return run;
}
function applyUpdate(u) {
  const run = addRun(u.run);
  if (u.from > run.periods.length) { source.close(); connect(); return; }  // a gap: start again from a snapshot
  run.periods.length = u.from;
  for (const p of u.periods) run.periods.push(p);
  state.runs.set(u.run.id, run);
  queueRender();
}
function xOf(run, p) {
  const spe = run.meta.start && run.meta.start.steps_per_epoch;
  return spe > 0 && p.step !== null && p.step !== undefined ? p.step / spe : p.epoch + 1;
}
const shownRuns = () => state.order.filter(id => state.shown.has(id)).map(id => state.runs.get(id));
const vectorOf = (p, suffixes) => { for (const [k, v] of Object.entries(p.v || {})) if (suffixes.some(s => k === s || k.endsWith("/" + s))) return v; return null; };
const isGroupKey = k => GROUPS.some(([g]) => k === g || k.endsWith("/" + g));
function countsOf(run) {
  if (run.meta.counts) return run.meta.counts;
  const last = run.periods[run.periods.length - 1];
  return last ? vectorOf(last, ["train_counts", "trainCounts"]) : null;
}

// ---- charts ----
function ticks(lo, hi, n) {
  if (!(hi > lo)) { hi = lo + 1; }
  const step0 = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= step0) || step0;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(12));
  return out;
}
function frame(title, attrs, xs, ys, opts) {
  const W = 380, H = 230, L = 48, R = 10, T = 24, B = 30;
  const svg = el("svg", Object.assign({ class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img" }, attrs));
  svg.append(el("text", { x: 8, y: 15, class: "title" }, title));
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (opts && opts.yZero) y0 = Math.min(0, y0);
  if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const logX = opts && opts.logX;
  const fx = logX ? v => Math.log10(Math.max(v, 1e-9)) : v => v;
  const [a0, a1] = logX ? [Math.floor(fx(x0)), Math.ceil(fx(x1))] : [x0, x1];
  const sx = v => L + (fx(v) - a0) / ((a1 - a0) || 1) * (W - L - R);
  const sy = v => H - B - (v - y0) / (y1 - y0) * (H - T - B);
  const g = el("g", { class: "axes" });
  for (const t of ticks(y0, y1, 4)) {
    g.append(el("line", { x1: L, x2: W - R, y1: sy(t), y2: sy(t), class: "grid" }), el("text", { x: L - 4, y: sy(t) + 3, class: "ylabel" }, fmt(t)));
  }
  const xt = logX ? Array.from({ length: a1 - a0 + 1 }, (_, i) => Math.pow(10, a0 + i)) : ticks(x0, x1, 5);
  for (const t of xt) g.append(el("text", { x: sx(t), y: H - B + 14, class: "xlabel" }, fmt(t)));
  g.append(el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }), el("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  if (opts && opts.xTitle) g.append(el("text", { x: W - R, y: H - 3, class: "xtitle" }, opts.xTitle));
  svg.append(g);
  return { svg, sx, sy };
}
function pathOf(points, sx, sy) {
  let d = "", pen = false;
  for (const [x, y] of points) {
    if (y === null || y === undefined || !isFinite(y)) { pen = false; continue; }
    d += (pen ? "L" : "M") + sx(x).toFixed(1) + "," + sy(y).toFixed(1);
    pen = true;
  }
  return d;
}
function lineChart(title, metric, series, opts) {
  const xs = [], ys = [];
  for (const s of series) for (const [x, y] of s.points) { xs.push(x); if (y !== null && isFinite(y)) ys.push(y); }
  const { svg, sx, sy } = frame(title, { "data-metric": metric }, xs, ys, Object.assign({ xTitle: "epoch" }, opts));
  for (const s of series) {
    const p = el("path", { class: "series", d: pathOf(s.points, sx, sy), stroke: s.color, "stroke-dasharray": s.dash || null,
      "data-run": s.run, "data-points": s.points.length });
    p.append(el("title", {}, s.label));
    svg.append(p);
    const last = s.points[s.points.length - 1];
    if (last && last[1] !== null && isFinite(last[1])) svg.append(el("circle", { class: "end", cx: sx(last[0]), cy: sy(last[1]), r: 2.5, fill: s.color }));
  }
  if (opts && opts.legend) {
    opts.legend.forEach(([name, dash], i) => svg.append(
      el("line", { x1: 230 + i * 50, x2: 250 + i * 50, y1: 11, y2: 11, stroke: "#555", "stroke-dasharray": dash || null, class: "legend" }),
      el("text", { x: 253 + i * 50, y: 15, class: "legend" }, name)));
  }
  return svg;
}
function metricOrder(k) {
  const rank = [/loss$/, /top1$/, /accuracy$/, /balanced$/, /top5$/];
  const i = rank.findIndex(r => r.test(k));
  return (i < 0 ? rank.length : i) + (k.startsWith("train") ? 0.5 : 0);
}
function drawCurves(runs) {
  const box = document.getElementById("curves");
  box.replaceChildren();
  const keys = new Set();
  for (const r of runs) for (const p of r.periods) for (const k of Object.keys(p.s || {})) keys.add(k);
  const groupKeys = [...keys].filter(isGroupKey);
  const rest = [...keys].filter(k => !isGroupKey(k)).sort((a, b) => metricOrder(a) - metricOrder(b) || a.localeCompare(b));
  for (const k of rest) {
    box.append(lineChart(k, k, runs.map(r => ({ run: r.meta.id, color: colorOf(r.meta.id), label: r.meta.name,
      points: r.periods.map(p => [xOf(r, p), k in p.s ? p.s[k] : null]) }))));
  }
  if (groupKeys.length) {
    const series = [];
    for (const r of runs) for (const [g, dash] of GROUPS) {
      const key = groupKeys.find(k => k === g || k.endsWith("/" + g));
      if (key) series.push({ run: r.meta.id, color: colorOf(r.meta.id), dash, label: `${r.meta.name} ${g}`,
        points: r.periods.map(p => [xOf(r, p), key in p.s ? p.s[key] : null]) });
    }
    box.prepend(lineChart("many / medium / few", "groups", series, { legend: GROUPS }));
  }
  if (!keys.size) box.append(el("p", { class: "empty" }, "No periods logged yet."));
}
function classOrder(counts, n) {
  const idx = Array.from({ length: n }, (_, i) => i);
  return counts ? idx.sort((a, b) => (counts[b] || 0) - (counts[a] || 0) || a - b) : idx;
}
function longTail(run, k) {
  const p = run.periods[k], prev = k > 0 ? run.periods[k - 1] : null;
  const acc = p && vectorOf(p, ["per_class", "perClass"]), before = prev && vectorOf(prev, ["per_class", "perClass"]);
  const counts = countsOf(run);
  if (!acc) return el("p", { class: "empty" }, "This period has no per-class accuracy.");
  const xs = acc.map((_, c) => counts ? Math.max(1, counts[c]) : c + 1);
  const { svg, sx, sy } = frame(`per-class accuracy vs training count (epoch ${p.epoch + 1})`, { id: "longtail", "data-metric": "per_class" },
    xs, [0, 100], { logX: !!counts, xTitle: counts ? "training images (log)" : "class", yZero: true });
  const color = colorOf(run.meta.id), names = run.meta.classes || [];
  acc.forEach((a, c) => {
    if (a === null) return;
    const b = before && before[c];
    if (b !== null && b !== undefined) {
      svg.append(el("circle", { class: "prev-point", cx: sx(xs[c]), cy: sy(b), r: 2.5 }));
      svg.append(el("line", { class: "move", x1: sx(xs[c]), y1: sy(b), x2: sx(xs[c]), y2: sy(a), stroke: a >= b ? "#2ca02c" : "#d62728" }));
    }
    const dot = el("circle", { class: "class-point", cx: sx(xs[c]), cy: sy(a), r: 3.5, fill: color, "data-class": c });
    dot.append(el("title", {}, `${names[c] || "class " + c}: ${fmt(a)}% (${counts ? counts[c] + " training images" : ""})${b !== null && b !== undefined ? ", was " + fmt(b) : ""}`));
    svg.append(dot);
  });
  return svg;
}
function vectorBars(run, k) {
  const p = run.periods[k];
  const out = [];
  if (!p) return out;
  const counts = countsOf(run), names = run.meta.classes || [];
  for (const [key, vec] of Object.entries(p.v || {})) {
    if (/(^|\/)(per_class|perClass|train_counts|trainCounts)$/.test(key)) continue;
    const order = classOrder(counts, vec.length);
    const W = 380, H = 230, L = 48, T = 24, B = 30, bw = (W - L - 10) / Math.max(1, vec.length);
    const finite = vec.filter(v => v !== null && isFinite(v));
    const top = Math.max(1e-9, ...finite), bottom = Math.min(0, ...finite);
    const { svg, sy } = frame(`${key} (epoch ${p.epoch + 1})`, { "data-metric": key, class: "chart bars" }, [0, 1], [bottom, top],
      { xTitle: counts ? "classes, most training images first" : "classes", yZero: true });
    order.forEach((c, i) => {
      const v = vec[c];
      if (v === null || !isFinite(v)) return;
      const r = el("rect", { class: "bar", x: L + i * bw + 0.5, width: Math.max(1, bw - 1), y: Math.min(sy(v), sy(0)), height: Math.abs(sy(0) - sy(v)), fill: colorOf(run.meta.id) });
      r.append(el("title", {}, `${names[c] || "class " + c}: ${fmt(v)}`));
      svg.append(r);
    });
    out.push(svg);
  }
  return out;
}
function findMatrix(obj, name) {
  if (!obj || typeof obj !== "object") return null;
  for (const [k, v] of Object.entries(obj)) {
    if (k === name && Array.isArray(v) && Array.isArray(v[0])) return v;
    if (!Array.isArray(v)) { const m = findMatrix(v, name); if (m) return m; }
  }
  return null;
}
function confusion(run, k) {
  const p = run.periods[k];
  if (!p || !(p.m || []).length) return el("p", { class: "empty" }, "This period has no confusion matrix.");
  const key = `${run.meta.id}/${k}/${run.periods.length}`;
  if (state.matrixKey !== key) {
    state.matrixKey = key; state.matrix = null;
    fetch(`/api/runs/${encodeURIComponent(run.meta.id)}/periods/${k}`).then(r => r.ok ? r.json() : null).then(line => {
      if (state.matrixKey !== key || !line) return;
      state.matrix = findMatrix(line, p.m[0].split("/").pop());
      queueRender();
    }).catch(() => {});
  }
  const m = state.matrix;
  if (!m) return el("p", { class: "empty" }, "Loading the confusion matrix…");
  const n = m.length, W = 380, H = 230, side = H - 34, L = (W - side) / 2, cell = side / n;
  const svg = el("svg", { class: "chart", id: "confusion", viewBox: `0 0 ${W} ${H}`, "data-metric": p.m[0], "data-classes": n });
  svg.append(el("text", { x: 8, y: 15, class: "title" }, `confusion (epoch ${p.epoch + 1}; row: true class, in % of row)`));
  const names = run.meta.classes || [];
  m.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((v, j) => {
      const share = v / total;
      const r = el("rect", { class: "cell", x: L + j * cell, y: 26 + i * cell, width: cell, height: cell,
        fill: i === j ? `rgba(44,160,44,${0.1 + 0.9 * share})` : `rgba(214,39,40,${share === 0 ? 0.03 : 0.15 + 0.85 * share})` });
      r.append(el("title", {}, `${names[i] || "class " + i} → ${names[j] || "class " + j}: ${v} (${(share * 100).toFixed(1)}%)`));
      svg.append(r);
    });
  });
  return svg;
}
function drawPerClass() {
  const box = document.getElementById("perclass");
  const select = document.getElementById("focus"), slider = document.getElementById("epoch");
  if (!state.runs.has(state.focus)) state.focus = state.order[0] || null;
  select.replaceChildren(...state.order.map(id => el("option", { value: id, selected: id === state.focus ? "" : null }, state.runs.get(id).meta.name)));
  box.replaceChildren();
  const run = state.runs.get(state.focus);
  if (!run || !run.periods.length) { box.append(el("p", { class: "empty" }, "No periods logged yet.")); slider.max = 0; return; }
  const last = run.periods.length - 1;
  const follow = document.getElementById("follow").checked;
  const k = follow || state.epoch === null ? last : Math.min(state.epoch, last);
  slider.max = last; slider.value = k;
  document.getElementById("epochLabel").textContent = `${run.periods[k].epoch + 1} (${k + 1} of ${run.periods.length} periods)`;
  box.append(longTail(run, k), ...vectorBars(run, k), confusion(run, k));
}
function drawConfigs(runs) {
  const box = document.getElementById("configs");
  const only = document.getElementById("onlyDiff").checked;
  const keys = [];
  for (const r of runs) for (const k of Object.keys(r.meta.settings || {})) if (!keys.includes(k)) keys.push(k);
  const head = el("tr", {}, el("th", {}, "setting"), runs.map(r => el("th", {}, el("span", { class: "swatch", style: `background:${colorOf(r.meta.id)}` }), r.meta.name)));
  const rows = [];
  for (const k of keys) {
    const vals = runs.map(r => (r.meta.settings || {})[k]);
    const differs = new Set(vals.map(v => v === undefined ? "\u0000" : v)).size > 1;
    if (only && !differs && runs.length > 1) continue;
    rows.push(el("tr", { class: differs ? "diff" : null }, el("td", {}, k), vals.map(v => el("td", {}, v === undefined ? "–" : v))));
  }
  box.replaceChildren(el("div", { class: "scroll" }, el("table", { class: "config" }, el("thead", {}, head), el("tbody", {}, rows))));
  if (!rows.length) box.append(el("p", { class: "empty" }, runs.length > 1 ? "The shown runs have the same settings." : "No settings."));
}
function drawRuns() {
  const box = document.getElementById("runs");
  box.replaceChildren(...state.order.map(id => {
    const r = state.runs.get(id), m = r.meta, last = r.periods[r.periods.length - 1];
    const box = el("input", { type: "checkbox", checked: state.shown.has(id) ? "" : null, "data-run": id });
    box.addEventListener("change", () => { if (box.checked) { state.shown.add(id); state.hidden.delete(id); } else { state.shown.delete(id); state.hidden.add(id); } queueRender(); });
    const total = m.start && m.start.total_steps && m.start.steps_per_epoch ? Math.round(m.start.total_steps / m.start.steps_per_epoch) : null;
    const top1 = last && Object.entries(last.s).find(([k]) => /(^|\/)top1$/.test(k));
    return el("div", { class: "run", "data-run": id },
      el("label", {}, box, el("span", { class: "swatch", style: `background:${colorOf(id)}` }), el("b", {}, m.name)),
      el("div", { class: "progress" }, last ? `epoch ${last.epoch + 1}${total ? " / " + total : ""}` : "no periods yet",
        top1 ? ` · top-1 ${fmt(top1[1])}` : "", m.last_step && last && m.last_step.step > (last.step || 0) ? ` · step ${m.last_step.step}` : ""),
      (m.notes || []).map(n => el("div", { class: "note" }, "⚠ " + n)),
      el("a", { href: `/files/${encodeURIComponent(id)}/config.yaml`, target: "_blank" }, "config"), " ",
      el("a", { href: `/files/${encodeURIComponent(id)}/report.html`, target: "_blank" }, "report"));
  }));
  if (!state.order.length) box.append(el("p", { class: "empty" }, "No run folders found yet; new ones appear here."));
}
function render() {
  renderQueued = false;
  const runs = shownRuns();
  drawRuns();
  drawCurves(runs);
  drawPerClass();
  drawConfigs(runs);
  let periods = 0;
  for (const r of state.runs.values()) periods += r.periods.length;
  document.body.dataset.periods = periods;
  if (firstRender) { firstRender = false; document.body.dataset.firstRenderMs = Math.round(performance.now()); }
}
function queueRender() { if (!renderQueued) { renderQueued = true; setTimeout(render, 30); } }

// ---- live connection ----
let source;
function setStatus(text, cls) { const s = document.getElementById("status"); s.textContent = text; s.className = "status " + cls; }
function connect() {
  source = new EventSource("/api/events");
  source.addEventListener("snapshot", e => { setStatus("live", "live"); applySnapshot(JSON.parse(e.data)); });
  source.addEventListener("update", e => { applyUpdate(JSON.parse(e.data)); document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString(); });
  source.onerror = () => setStatus("reconnecting…", "down");
}
document.addEventListener("DOMContentLoaded", () => {
  // `#focus=ID` in the address picks the run of the per-class views (a link to one run's view).
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("focus")) state.focus = hash.get("focus");
  document.getElementById("focus").addEventListener("change", e => {
    state.focus = e.target.value; state.epoch = null; history.replaceState(null, "", "#focus=" + encodeURIComponent(state.focus)); queueRender();
  });
  document.getElementById("epoch").addEventListener("input", e => { state.epoch = +e.target.value; document.getElementById("follow").checked = false; queueRender(); });
  for (const id of ["follow", "onlyDiff"]) document.getElementById(id).addEventListener("change", queueRender);
  connect();
});
"""#
}
