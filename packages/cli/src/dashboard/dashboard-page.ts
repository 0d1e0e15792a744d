/**
 * The dashboard's page: one self-contained HTML document (no CDN, no external script or font). Its
 * inline script lists the studies and runs, starts a study (POST /api/runs), subscribes to the
 * selected run's events (EventSource) and draws the loss (log y) and η·λ (with the catapult lines
 * 2 and 4) as SVG polylines, redrawn at most every 100 ms as records arrive. η·λ is the
 * `normalized_lr` metric, or `ntk_lambda` × the step's learning rate. In a study with arms, the
 * model arm is drawn. A curve keeps at most 2000 points on screen (every k-th point, and the last).
 */
export const dashboardPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tdlab dashboard</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 16px 24px; color: #222; background: #fff; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  form { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 12px; }
  select, input { font: inherit; padding: 3px 6px; }
  input#study-path { width: 28em; }
  button { font: inherit; padding: 3px 12px; cursor: pointer; }
  table { border-collapse: collapse; margin-bottom: 12px; }
  th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #ddd; }
  tr.selected { background: #eef4ff; }
  tr[data-id] { cursor: pointer; }
  .status-running { color: #0a6; } .status-failed { color: #c22; } .status-cancelled { color: #a60; }
  #figures { display: flex; gap: 16px; flex-wrap: wrap; }
  figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
  svg text { font: 11px system-ui, sans-serif; fill: #444; }
  #message { color: #c22; }
</style>
</head>
<body>
<h1>tdlab dashboard</h1>
<form id="start-form">
  <label>study <select id="study-select"><option value="">(pick an example study)</option></select></label>
  <label>or path <input id="study-path" placeholder="/path/to/study.yaml"></label>
  <button id="start" type="submit">Start</button>
  <span id="message"></span>
</form>
<table id="runs"><thead><tr><th>run</th><th>name</th><th>status</th><th>outcome</th><th>step</th><th></th></tr></thead><tbody></tbody></table>
<div id="selected-run">no run selected</div>
<div id="figures">
  <figure><figcaption>loss (log scale)</figcaption><svg id="loss-figure" width="560" height="280"></svg></figure>
  <figure><figcaption>η·λ (catapult thresholds 2 and 4)</figcaption><svg id="eta-lambda-figure" width="560" height="280"></svg></figure>
</div>
<script>
'use strict';
const $ = (id) => document.getElementById(id);
const NS = 'http://www.w3.org/2000/svg';
const num = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
let selected = null, source = null, data = null, drawTimer = null;

async function loadStudies() {
  const studies = await (await fetch('/api/studies')).json();
  for (const s of studies) {
    const o = document.createElement('option'); o.value = s.path; o.textContent = s.label; $('study-select').append(o);
  }
}

async function refreshRuns() {
  const runs = await (await fetch('/api/runs')).json();
  const body = $('runs').tBodies[0];
  body.replaceChildren(...runs.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id; tr.dataset.status = r.status;
    if (r.id === selected) tr.className = 'selected';
    const cells = [r.id, r.name, r.status, r.outcome ?? (r.error ? 'error: ' + r.error : ''), r.step + ' / ' + r.totalSteps];
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    tr.children[2].className = 'status-' + r.status;
    const td = document.createElement('td');
    if (r.status === 'running') {
      const b = document.createElement('button'); b.textContent = 'cancel'; b.className = 'cancel';
      b.onclick = (e) => { e.stopPropagation(); fetch('/api/runs/' + encodeURIComponent(r.id) + '/cancel', { method: 'POST' }); };
      td.append(b);
    }
    tr.append(td);
    tr.onclick = () => select(r.id);
    return tr;
  }));
}

function select(id) {
  if (source) source.close();
  selected = id;
  data = { info: null, loss: [], eta: [], ntk: [], lr: NaN, hasNormalized: false, step: 0, status: 'running' };
  $('selected-run').textContent = 'run ' + id;
  draw(); // clear the previous run's curves at once
  for (const tr of $('runs').tBodies[0].rows) tr.className = tr.dataset.id === id ? 'selected' : '';
  source = new EventSource('/api/runs/' + encodeURIComponent(id) + '/events');
  const d = data;
  const isModel = (r) => r.arm === undefined || r.arm === 'model';
  source.addEventListener('info', (e) => { d.info = JSON.parse(e.data); if (d.info.lr !== undefined) d.lr = d.info.lr; schedule(); });
  source.addEventListener('metric', (e) => {
    const r = JSON.parse(e.data); if (!isModel(r) || r.index !== undefined) return;
    const v = num(r.value);
    if (r.name === 'loss') d.loss.push([r.step, v]);
    else if (r.name === 'normalized_lr') { d.hasNormalized = true; d.eta.push([r.step, v]); }
    else if (r.name === 'ntk_lambda') d.ntk.push([r.step, v]);
    schedule();
  });
  source.addEventListener('step', (e) => { const s = JSON.parse(e.data); if (isModel(s)) { d.lr = s.lr; d.step = s.step; } schedule(); });
  const finish = (status, text) => () => { source.close(); d.status = status; $('selected-run').textContent = 'run ' + id + ': ' + text(); schedule(); refreshRuns(); };
  source.addEventListener('end', (e) => finish('finished', () => JSON.parse(e.data).outcome)());
  source.addEventListener('failed', (e) => finish('failed', () => 'failed: ' + JSON.parse(e.data).message)());
}

function schedule() { if (drawTimer === null) drawTimer = setTimeout(() => { drawTimer = null; draw(); }, 100); }

function draw() {
  const d = data; if (!d) return;
  const total = d.info ? d.info.totalSteps : 1;
  const eta = d.hasNormalized ? d.eta : d.ntk.map(([s, v]) => [s, v * d.lr]);
  plot($('loss-figure'), d.loss, total, true, []);
  plot($('eta-lambda-figure'), eta, total, false, [2, 4]);
}

/** Draws [step, value] points as a polyline into an SVG: axes, ticks, reference lines. */
function plot(svg, points, total, logY, lines) {
  const W = +svg.getAttribute('width'), H = +svg.getAttribute('height'), L = 56, R = 24, T = 10, B = 30;
  const ok = points.filter(([, v]) => Number.isFinite(v) && (!logY || v > 0));
  const k = Math.max(1, Math.ceil(ok.length / 2000));
  const shown = ok.filter((_, i) => i % k === 0 || i === ok.length - 1);
  const f = logY ? Math.log10 : (v) => v;
  let lo = Infinity, hi = -Infinity;
  for (const [, v] of shown) { lo = Math.min(lo, f(v)); hi = Math.max(hi, f(v)); }
  for (const l of lines) { lo = Math.min(lo, l); hi = Math.max(hi, l * 1.1); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (logY) { lo = Math.floor(lo); hi = Math.ceil(hi); } else { lo = Math.min(0, lo); }
  if (hi - lo < 1e-12) hi = lo + 1;
  // x runs to the last step seen, so a live curve fills the figure as it grows.
  const xmax = Math.max(1, Math.min(total, points.length ? points[points.length - 1][0] : 1));
  const x = (s) => L + (s / xmax) * (W - L - R), y = (v) => T + (1 - (f(v) - lo) / (hi - lo)) * (H - T - B);
  const el = (name, attrs, text) => { const e = document.createElementNS(NS, name); for (const a in attrs) e.setAttribute(a, attrs[a]); if (text !== undefined) e.textContent = text; return e; };
  const kids = [el('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: '#fafafa', stroke: '#999' })];
  const yticks = logY ? rangeTicks(lo, hi, Math.max(1, Math.ceil((hi - lo) / 8))) : niceTicks(lo, hi);
  for (const t of yticks) {
    const yy = logY ? T + (1 - (t - lo) / (hi - lo)) * (H - T - B) : y(t);
    kids.push(el('line', { x1: L, x2: W - R, y1: yy, y2: yy, stroke: '#e4e4e4' }));
    kids.push(el('text', { x: L - 4, y: yy + 4, 'text-anchor': 'end' }, logY ? '1e' + t : fmt(t)));
  }
  for (const t of niceTicks(0, xmax)) kids.push(el('text', { x: x(t), y: H - B + 14, 'text-anchor': 'middle' }, fmt(t)));
  kids.push(el('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' }, 'step'));
  for (const l of lines) kids.push(el('line', { class: 'threshold', x1: L, x2: W - R, y1: y(l), y2: y(l), stroke: '#c44', 'stroke-dasharray': '5 4' }));
  kids.push(el('polyline', { class: 'curve', fill: 'none', stroke: '#1f5fbf', 'stroke-width': 1.5, points: shown.map(([s, v]) => x(s).toFixed(1) + ',' + y(v).toFixed(1)).join(' ') }));
  svg.dataset.points = String(ok.length);
  svg.replaceChildren(...kids);
}
function rangeTicks(lo, hi, step) { const out = []; for (let t = lo; t <= hi; t += step) out.push(t); return out; }
function niceTicks(lo, hi) {
  const span = hi - lo, raw = span / 5, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
  const step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
  return rangeTicks(Math.ceil(lo / step) * step, hi + step * 1e-9, step);
}
function fmt(v) { return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(0) : String(+v.toFixed(2)); }

$('start-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const study = $('study-path').value.trim() || $('study-select').value;
  $('message').textContent = '';
  if (!study) { $('message').textContent = 'pick a study or type its path'; return; }
  const res = await fetch('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ study }) });
  const body = await res.json();
  if (!res.ok) { $('message').textContent = body.error; return; }
  await refreshRuns();
  select(body.id);
});

loadStudies();
refreshRuns();
setInterval(refreshRuns, 1000);
</script>
</body>
</html>
`;
