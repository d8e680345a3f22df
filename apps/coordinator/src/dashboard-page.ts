/**
 * The dashboard page (GET / of dashboard-server.ts): one self-contained HTML document with inline CSS,
 * inline JS and SVG charts drawn by that JS. It loads nothing from anywhere (no CDN, no font, no image;
 * the server's Content-Security-Policy forbids it), because clusters often have no internet access.
 *
 * How it stays live: it opens an EventSource on `events`; on every (re)connect it fetches `api/state` and
 * replays the events that arrived meanwhile whose id is above the snapshot's seq; then it folds each event
 * into its copy of the snapshot exactly as dashboard-state.ts does (same bounds, same thinning) and
 * redraws at most every RENDER_MS. Relative URLs keep it working behind a path-prefix proxy.
 *
 * Hooks the browser test reads: #status (data-status), #loss-chart polyline.loss-raw (one point per
 * step drawn), #ranks-table tbody tr (data-rank, data-health).
 */
import { noticeText } from './dashboard-state.js';

export const DASHBOARD_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>seqtrain dashboard</title>
<style>
:root { --bg:#f4f6f9; --card:#fff; --ink:#1f2933; --muted:#66768a; --line:#e3e8ee; --blue:#2563eb; --green:#16a34a; --red:#dc2626; --amber:#d97706; --grey:#94a3b8; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font:14px/1.4 system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif; font-variant-numeric: tabular-nums; }
header { display:flex; align-items:center; gap:14px; padding:14px 24px; background:#14213d; color:#fff; }
header h1 { margin:0; font-size:18px; font-weight:600; letter-spacing:.2px; }
header h1 span { color:#9fb3d1; font-weight:400; }
.pill { display:inline-flex; align-items:center; gap:6px; padding:3px 10px; border-radius:999px; font-size:12px; font-weight:600; text-transform:uppercase; letter-spacing:.5px; }
.pill::before { content:""; width:8px; height:8px; border-radius:50%; background:currentColor; }
.st-waiting { background:#fef3c7; color:#92400e; } .st-running { background:#dbeafe; color:#1d4ed8; }
.st-completed { background:#dcfce7; color:#15803d; } .st-failed { background:#fee2e2; color:#b91c1c; }
#conn { margin-left:auto; font-size:12px; color:#c7d2e3; }
#conn::before { content:"\\25CF  "; color:var(--grey); } #conn.live::before { color:#4ade80; } #conn.lost::before { color:#f87171; }
main { padding:16px 24px 24px; max-width:1500px; margin:0 auto; }
.progress { height:6px; background:var(--line); border-radius:3px; overflow:hidden; margin-bottom:14px; }
.progress > div { height:100%; width:0; background:var(--blue); transition:width .3s; }
.tiles { display:grid; grid-template-columns:repeat(6, 1fr); gap:12px; margin-bottom:14px; }
.tile, .card { background:var(--card); border:1px solid var(--line); border-radius:8px; }
.tile { padding:10px 14px; }
.tile .k { font-size:11px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted); }
.tile .v { font-size:22px; font-weight:600; margin-top:2px; white-space:nowrap; }
.tile .s { font-size:12px; color:var(--muted); white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.grid { display:grid; grid-template-columns:repeat(12, 1fr); gap:14px; }
.card { padding:12px 14px 10px; min-width:0; }
.card h2 { margin:0 0 6px; font-size:13px; font-weight:600; color:#334155; display:flex; gap:12px; align-items:baseline; flex-wrap:wrap; }
.card h2 small { font-weight:400; color:var(--muted); font-size:12px; }
.card .sub { font-size:11px; color:var(--muted); text-transform:uppercase; letter-spacing:.5px; margin:4px 0 2px; }
.span8 { grid-column:span 8; } .span4 { grid-column:span 4; } .span6 { grid-column:span 6; } .span12 { grid-column:span 12; }
@media (max-width: 1000px) { .span8, .span4, .span6 { grid-column:span 12; } .tiles { grid-template-columns:repeat(3, 1fr); } }
.legend { display:flex; gap:14px; flex-wrap:wrap; font-size:12px; color:var(--muted); font-weight:400; }
.legend i { display:inline-block; width:12px; height:3px; border-radius:2px; vertical-align:middle; margin-right:5px; }
.legend i.sq { height:10px; width:10px; }
svg text { font-family:inherit; }
.axis { fill:var(--muted); font-size:11px; } .gridline { stroke:#edf1f5; } .baseline { stroke:#cbd5e1; }
.empty { fill:var(--muted); font-size:13px; }
table { width:100%; border-collapse:collapse; font-size:13px; }
th { text-align:left; font-weight:600; color:var(--muted); font-size:11px; text-transform:uppercase; letter-spacing:.5px; padding:6px 8px; border-bottom:1px solid var(--line); }
td { padding:6px 8px; border-bottom:1px solid #f0f3f6; white-space:nowrap; }
td.mono { font-family:"DejaVu Sans Mono", ui-monospace, monospace; font-size:12px; }
.h { display:inline-flex; align-items:center; gap:6px; font-weight:600; }
.h::before { content:""; width:9px; height:9px; border-radius:50%; background:currentColor; }
.h-up { color:var(--green); } .h-down { color:var(--red); } .h-exited { color:var(--grey); }
#error { display:none; margin-bottom:14px; padding:10px 14px; border-radius:8px; background:#fee2e2; color:#7f1d1d; border:1px solid #fecaca; white-space:pre-wrap; }
#notices { color:var(--amber); font-size:12px; margin-top:6px; }
footer { margin-top:14px; font-size:12px; color:var(--muted); display:flex; gap:18px; flex-wrap:wrap; }
footer a { color:var(--blue); }
</style>
</head>
<body>
<header>
  <h1>seqtrain <span id="job-name"></span></h1>
  <span id="status" class="pill st-waiting" data-status="waiting">waiting</span>
  <span id="conn">connecting</span>
</header>
<main>
  <div id="error"></div>
  <div class="progress"><div id="progress"></div></div>
  <section class="tiles">
    <div class="tile"><div class="k">Step</div><div class="v" id="t-step">-</div><div class="s" id="t-step-s"></div></div>
    <div class="tile"><div class="k">Training loss</div><div class="v" id="t-loss">-</div><div class="s" id="t-loss-s"></div></div>
    <div class="tile"><div class="k">Validation</div><div class="v" id="t-val">-</div><div class="s" id="t-val-s"></div></div>
    <div class="tile"><div class="k">Samples / s</div><div class="v" id="t-sps">-</div><div class="s" id="t-sps-s"></div></div>
    <div class="tile"><div class="k">Communication</div><div class="v" id="t-comm">-</div><div class="s" id="t-comm-s"></div></div>
    <div class="tile"><div class="k">Time</div><div class="v" id="t-time">-</div><div class="s" id="t-time-s"></div></div>
  </section>
  <section class="grid">
    <div class="card span8"><h2>Loss <small>nats per token</small><span class="legend"><span><i style="background:#93c5fd"></i>training (each step)</span><span><i style="background:#1d4ed8"></i>training (smoothed)</span><span><i style="background:#ea580c"></i>validation</span></span></h2><div id="loss-chart"></div></div>
    <div class="card span4"><h2>Ring <small id="ring-sub"></small></h2><div id="ring"></div>
      <div class="legend"><span><i class="sq" style="background:var(--green)"></i>up</span><span><i class="sq" style="background:var(--grey)"></i>exited after shutdown</span><span><i class="sq" style="background:var(--red)"></i>down</span></div><div id="notices"></div></div>
    <div class="card span6"><h2>Samples / s per rank <small>local samples / the rank's own step time</small><span class="legend" id="sps-legend"></span></h2><div id="sps-chart"></div></div>
    <div class="card span6"><h2>Compute vs communication <span class="legend"><span><i class="sq" style="background:#f59e0b"></i>data</span><span><i class="sq" style="background:#3b82f6"></i>compute</span><span><i class="sq" style="background:#a855f7"></i>all-reduce</span></span></h2>
      <div class="sub">per rank, smoothed over ~20 steps</div><div id="time-chart"></div>
      <div class="sub">per step, mean over ranks (ms)</div><div id="steptime-chart"></div></div>
    <div class="card span12"><h2>Ring membership and health</h2>
      <table id="ranks-table"><thead><tr><th>Rank</th><th>Host</th><th>PID</th><th>Agent / local</th><th>Backend</th><th>Ring address</th><th>State</th><th>Last step</th><th>Samples/s</th><th>Compute</th><th>Comm</th></tr></thead><tbody></tbody></table></div>
  </section>
  <footer><span id="f-run"></span><span id="f-coord"></span><span id="f-model"></span><a href="api/state">api/state</a><a href="metrics">metrics</a></footer>
</main>
<script>
'use strict';
var MAX_POINTS = 5000, MAX_RANK_POINTS = 1000, ALPHA = 2 / 21, RENDER_MS = 150;
var PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
var S = null, queue = [], syncing = false, conn = 'connecting', skewMs = 0, timer = 0, es = null;

// The same figure as validation-metrics.ts validationFigure (accuracy, RMSE, chrF; null for text).
function validationFigure(v) {
  if (typeof v.accuracy === 'number') return 'accuracy ' + (100 * v.accuracy).toFixed(1) + '%';
  if (typeof v.rmse === 'number') return 'RMSE ' + v.rmse.toFixed(2);
  if (typeof v.chrf === 'number') return 'chrF ' + v.chrf.toFixed(1) + ' (copy ' + (typeof v.copyChrf === 'number' ? v.copyChrf.toFixed(1) : '-') + ')';
  return null;
}
function pushBounded(a, p, max) {
  a.push(p);
  if (a.length <= max) return;
  var last = a.length - 1, k = 0;
  for (var i = 0; i <= last; i++) if (i % 2 === 0 || i === last) a[k++] = a[i];
  a.length = k;
}
function freshRank(r) {
  return Object.assign({}, r, { health: 'up', lastStep: null, count: 0, samplesPerSecond: 0, computeSeconds: 0, commSeconds: 0, dataSeconds: 0,
    meanComputeSeconds: 0, meanCommSeconds: 0, meanDataSeconds: 0, throughput: [] });
}
${noticeText.toString()}
function now() { return Date.now() + skewMs; }
function num(v) { return typeof v === 'number' && isFinite(v); }

function applyEvent(seq, ev) {
  S.seq = seq;
  switch (ev.type) {
    case 'listening': S.coordinator = ev.address; break;
    case 'joined': S.joined = ev.joined; break;
    case 'refused': case 'stall': pushBounded(S.notices, noticeText(ev), 20); break;
    case 'ranks': S.ranks = ev.ranks.map(freshRank); break;
    case 'rankLost':
      if (S.ranks[ev.rank]) S.ranks[ev.rank].health = 'down';
      pushBounded(S.notices, noticeText(ev), 20);
      break;
    case 'membership':
      S.ranks = ev.ranks.map(freshRank); S.job.worldSize = ev.worldSize;
      pushBounded(S.notices, noticeText(ev), 20);
      break;
    case 'started':
      S.status = 'running'; S.startedAtMs = now(); S.startStep = ev.startStep; S.totalSteps = ev.totalSteps;
      S.stepsPerEpoch = ev.stepsPerEpoch; S.backend = ev.backend; S.parameterCount = ev.parameterCount;
      break;
    case 'step':
      var m = ev.metrics;
      S.latest = m; S.totalSteps = ev.totalSteps;
      pushBounded(S.loss, [m.step, m.loss], MAX_POINTS);
      pushBounded(S.throughput, [m.step, m.samplesPerSecond], MAX_POINTS);
      pushBounded(S.stepTimes, [m.step, m.dataSeconds, m.computeSeconds, m.commSeconds], MAX_POINTS);
      ev.ranks.forEach(function (r) {
        var v = S.ranks[r.rank];
        if (!v) return;
        var busy = r.dataSeconds + r.computeSeconds + r.commSeconds, first = v.lastStep === null;
        v.lastStep = m.step; v.count = r.count; v.samplesPerSecond = busy > 0 ? r.count / busy : 0;
        v.computeSeconds = r.computeSeconds; v.commSeconds = r.commSeconds; v.dataSeconds = r.dataSeconds;
        v.meanComputeSeconds = first ? r.computeSeconds : v.meanComputeSeconds + ALPHA * (r.computeSeconds - v.meanComputeSeconds);
        v.meanCommSeconds = first ? r.commSeconds : v.meanCommSeconds + ALPHA * (r.commSeconds - v.meanCommSeconds);
        v.meanDataSeconds = first ? r.dataSeconds : v.meanDataSeconds + ALPHA * (r.dataSeconds - v.meanDataSeconds);
        pushBounded(v.throughput, [m.step, v.samplesPerSecond], MAX_RANK_POINTS);
      });
      break;
    case 'validation': pushBounded(S.validation, { step: ev.step, loss: ev.loss, bitsPerToken: ev.bitsPerToken, samples: ev.samples, figure: ev.metrics ? validationFigure(ev.metrics) : null }, MAX_POINTS); break;
    case 'checkpoint': S.checkpoint = { step: ev.step, path: ev.path }; break;
    case 'rankClosed':
      var rv = S.ranks[ev.rank];
      if (rv && rv.health !== 'down') rv.health = ev.afterShutdown ? 'exited' : 'down';
      break;
    case 'finished': S.status = 'completed'; S.endedAtMs = now(); S.summary = ev.summary; break;
    case 'failed':
      S.status = 'failed'; S.endedAtMs = now(); S.error = { code: ev.code, message: ev.message, rank: ev.rank };
      if (ev.rank !== null && S.ranks[ev.rank]) S.ranks[ev.rank].health = 'down';
      break;
  }
}

function connect() {
  es = new EventSource('events');
  es.onopen = function () { conn = 'live'; resync(); };
  es.onmessage = function (msg) {
    var seq = Number(msg.lastEventId), ev;
    try { ev = JSON.parse(msg.data); } catch (e) { return; }
    if (S === null || syncing) { queue.push([seq, ev]); return; }
    if (seq <= S.seq) return;
    applyEvent(seq, ev);
    schedule();
  };
  es.onerror = function () {
    var over = S && (S.status === 'completed' || S.status === 'failed');
    conn = over ? 'ended' : 'lost';
    // After the run the coordinator closes the dashboard: stop retrying and keep the last picture.
    if (over) es.close();
    schedule();
  };
}
function resync() {
  syncing = true;
  fetch('api/state', { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (snap) {
    skewMs = snap.nowMs - Date.now();
    S = snap;
    queue.forEach(function (q) { if (q[0] > S.seq) applyEvent(q[0], q[1]); });
    queue = []; syncing = false; schedule();
  }, function () { setTimeout(resync, 1000); });
}
function schedule() { if (!timer) timer = setTimeout(function () { timer = 0; render(); }, RENDER_MS); }

function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
function fix(v, d) { return num(v) ? v.toFixed(d) : '-'; }
function dur(sec) {
  if (!num(sec) || sec < 0) return '-';
  var s = Math.round(sec), m = Math.floor(s / 60), h = Math.floor(m / 60);
  if (h > 0) return h + 'h' + String(m % 60).padStart(2, '0') + 'm';
  return m > 0 ? m + 'm' + String(s % 60).padStart(2, '0') + 's' : s + 's';
}
function ms(sec) { return num(sec) ? (sec * 1000 >= 100 ? (sec * 1000).toFixed(0) : (sec * 1000).toFixed(1)) + ' ms' : '-'; }
function compact(v) { return !num(v) ? '-' : v === 0 ? '0' : Math.abs(v) >= 1e4 ? (v / 1e3).toFixed(0) + 'k' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2); }
function setText(id, t) { var el = document.getElementById(id); if (el.textContent !== t) el.textContent = t; }
function valid(p) { return p[1] !== null && num(p[1]); }

function niceStep(range, count) {
  var raw = range / Math.max(1, count), p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}
function ticks(lo, hi, count) {
  var st = niceStep(hi - lo, count), out = [];
  for (var v = Math.ceil(lo / st) * st; v <= hi + st * 1e-9; v += st) out.push(Number(v.toFixed(10)));
  return out;
}
/** Bucket means (of every coordinate), so a long run draws at most one point per pixel column. */
function thin(points, max) {
  if (points.length <= max) return points;
  var out = [], size = points.length / max, dims = points[0].length;
  for (var b = 0; b < max; b++) {
    var lo = Math.floor(b * size), hi = Math.floor((b + 1) * size), sum = new Array(dims).fill(0), n = hi - lo;
    for (var i = lo; i < hi; i++) for (var d = 0; d < dims; d++) sum[d] += points[i][d];
    if (n) out.push(sum.map(function (v) { return v / n; }));
  }
  return out;
}
function smooth(points, alpha) {
  var out = [], e = null;
  points.forEach(function (p) { e = e === null ? p[1] : e + alpha * (p[1] - e); out.push([p[0], e]); });
  return out;
}

/** Axes, grid and labels of a chart; returns the svg so far and the scales. */
function frame(W, H, x0, x1, y0, y1, o) {
  var L = 52, R = 14, T = 10, B = 34, pw = W - L - R, ph = H - T - B;
  var X = function (v) { return L + ((v - x0) / (x1 - x0)) * pw; }, Y = function (v) { return T + (1 - (v - y0) / (y1 - y0)) * ph; };
  var svg = '<svg width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '" role="img">';
  // Tick labels carry as many decimals as the tick step needs (3.0, 3.5, 4.0; 0, 200, 400).
  var yDecimals = Math.max(0, -Math.floor(Math.log10(niceStep(y1 - y0, o.yTicks || 5)) + 1e-9));
  ticks(y0, y1, o.yTicks || 5).forEach(function (t) {
    svg += '<line class="gridline" x1="' + L + '" x2="' + (W - R) + '" y1="' + Y(t).toFixed(1) + '" y2="' + Y(t).toFixed(1) + '"/>';
    svg += '<text class="axis" x="' + (L - 6) + '" y="' + (Y(t) + 4).toFixed(1) + '" text-anchor="end">' + (Math.abs(t) >= 1e4 ? compact(t) : t.toFixed(yDecimals)) + '</text>';
  });
  ticks(x0, x1, Math.max(2, Math.floor(pw / 90))).forEach(function (t) {
    if (t !== Math.round(t)) return;
    svg += '<text class="axis" x="' + X(t).toFixed(1) + '" y="' + (H - B + 16) + '" text-anchor="middle">' + t + '</text>';
  });
  svg += '<line class="baseline" x1="' + L + '" x2="' + (W - R) + '" y1="' + (H - B) + '" y2="' + (H - B) + '"/>';
  svg += '<text class="axis" x="' + (L + pw / 2) + '" y="' + (H - 4) + '" text-anchor="middle">' + esc(o.xTitle) + '</text>';
  return { svg: svg, X: X, Y: Y, pw: pw };
}
function emptyChart(el, W, H, text) {
  el.innerHTML = '<svg width="' + W + '" height="' + H + '"><text class="empty" x="' + (W / 2) + '" y="' + (H / 2) + '" text-anchor="middle">' + esc(text) + '</text></svg>';
}

/** An SVG line chart: series [{points, color, width, cls, dots}], x domain [o.x0, o.x1]. */
function lineChart(el, series, o) {
  var W = Math.max(260, el.clientWidth || 600), H = o.height, ys = [];
  series.forEach(function (s) { s.points = s.points.filter(valid); s.points.forEach(function (p) { ys.push(p[1]); }); });
  if (!ys.length) return emptyChart(el, W, H, o.empty);
  var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
  if (o.zero) y0 = Math.min(0, y0);
  var pad = (y1 - y0) * 0.08 || Math.abs(y1) * 0.1 || 1;
  y0 = o.zero && y0 === 0 ? 0 : y0 - pad; y1 += pad;
  var f = frame(W, H, o.x0, Math.max(o.x1, o.x0 + 1), y0, y1, o), svg = f.svg;
  series.forEach(function (s) {
    var pts = thin(s.points, Math.max(50, Math.floor(f.pw)));
    if (!pts.length) return;
    var coords = pts.map(function (p) { return f.X(p[0]).toFixed(1) + ',' + f.Y(p[1]).toFixed(1); }).join(' ');
    svg += '<polyline class="' + (s.cls || '') + '" fill="none" stroke="' + s.color + '" stroke-width="' + (s.width || 1.6) + '" stroke-linejoin="round" points="' + coords + '"/>';
    if (s.dots) pts.forEach(function (p) { svg += '<circle cx="' + f.X(p[0]).toFixed(1) + '" cy="' + f.Y(p[1]).toFixed(1) + '" r="3.2" fill="#fff" stroke="' + s.color + '" stroke-width="2"/>'; });
  });
  el.innerHTML = svg + '</svg>';
}

/** A stacked area chart of rows [x, v1, v2, ...]: layer i is coloured colors[i], drawn from 0 up. */
function stackChart(el, rows, colors, o) {
  var W = Math.max(260, el.clientWidth || 600), H = o.height;
  rows = rows.filter(function (r) { return r.every(num); });
  if (!rows.length) return emptyChart(el, W, H, o.empty);
  var top = 0;
  rows.forEach(function (r) { var t = 0; for (var i = 1; i < r.length; i++) t += r[i]; top = Math.max(top, t); });
  var f = frame(W, H, o.x0, Math.max(o.x1, o.x0 + 1), 0, (top || 1) * 1.08, o), svg = f.svg;
  var pts = thin(rows, Math.max(50, Math.floor(f.pw / 2))), below = pts.map(function () { return 0; });
  colors.forEach(function (color, layer) {
    var upper = pts.map(function (p, k) { return below[k] + p[layer + 1]; });
    var line = pts.map(function (p, k) { return f.X(p[0]).toFixed(1) + ',' + f.Y(upper[k]).toFixed(1); });
    var base = pts.map(function (p, k) { return f.X(p[0]).toFixed(1) + ',' + f.Y(below[k]).toFixed(1); }).reverse();
    svg += '<polygon class="layer-' + layer + '" fill="' + color + '" fill-opacity="0.75" stroke="' + color + '" stroke-width="1" points="' + line.concat(base).join(' ') + '"/>';
    below = upper;
  });
  el.innerHTML = svg + '</svg>';
}

function ringDiagram(el) {
  var W = Math.max(240, el.clientWidth || 300), H = 230, ranks = S.ranks, n = ranks.length;
  var svg = '<svg width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '">';
  svg += '<defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker></defs>';
  if (!n) {
    el.innerHTML = svg + '<text class="empty" x="' + (W / 2) + '" y="' + (H / 2) + '" text-anchor="middle">waiting for ranks: ' + S.joined + ' of ' + S.job.worldSize + ' joined</text></svg>';
    return;
  }
  var label = function (rk) { return rk.hostname + ':' + rk.pid; };
  // Room for the longest label beside the ring (about 6.5 px per character at 11 px), else no labels.
  var labelPx = n <= 12 ? 6.5 * Math.max.apply(null, ranks.map(function (rk) { return label(rk).length; })) + 12 : 0;
  var cx = W / 2, cy = H / 2, r = Math.min(H / 2 - 42, W / 2 - 24 - labelPx);
  if (r < 55) { labelPx = 0; r = Math.min(H, W) / 2 - 30; }
  var nr = Math.min(19, Math.max(7, (Math.PI * r) / n / 1.6));
  var ang = function (i) { return -Math.PI / 2 + (2 * Math.PI * i) / n; };
  var colour = { up: 'var(--green)', down: 'var(--red)', exited: 'var(--grey)' };
  if (n > 1) {
    var gap = (nr + 5) / r;
    for (var i = 0; i < n; i++) {
      var a0 = ang(i) + gap, a1 = ang(i + 1) - gap;
      svg += '<path d="M' + (cx + r * Math.cos(a0)).toFixed(1) + ',' + (cy + r * Math.sin(a0)).toFixed(1) + ' A' + r + ',' + r + ' 0 0 1 ' +
        (cx + r * Math.cos(a1)).toFixed(1) + ',' + (cy + r * Math.sin(a1)).toFixed(1) + '" fill="none" stroke="#94a3b8" stroke-width="1.6" marker-end="url(#arrow)"/>';
    }
  }
  ranks.forEach(function (rk, i) {
    var x = cx + r * Math.cos(ang(i)), y = cy + r * Math.sin(ang(i));
    svg += '<g class="node" data-rank="' + rk.rank + '"><circle cx="' + x.toFixed(1) + '" cy="' + y.toFixed(1) + '" r="' + nr.toFixed(1) + '" fill="' + colour[rk.health] + '"/>';
    if (nr >= 12) svg += '<text x="' + x.toFixed(1) + '" y="' + (y + 4).toFixed(1) + '" text-anchor="middle" fill="#fff" font-size="12" font-weight="600">' + rk.rank + '</text>';
    if (labelPx > 0) {
      var lx = cx + (r + nr + 10) * Math.cos(ang(i)), ly = cy + (r + nr + 10) * Math.sin(ang(i)) + 4;
      var anchor = Math.abs(lx - cx) < 8 ? 'middle' : lx > cx ? 'start' : 'end';
      if (Math.abs(lx - cx) < 8) ly += Math.sin(ang(i)) > 0 ? 6 : -2;
      svg += '<text class="axis" x="' + lx.toFixed(1) + '" y="' + ly.toFixed(1) + '" text-anchor="' + anchor + '">' + esc(label(rk)) + '</text>';
    }
    svg += '</g>';
  });
  el.innerHTML = svg + '</svg>';
}

function timeBars(el) {
  var W = Math.max(260, el.clientWidth || 600), ranks = S.ranks, rowH = 24, L = 150, R = 150, T = 2;
  if (!ranks.length || ranks.every(function (r) { return r.lastStep === null; })) {
    el.innerHTML = '';
    return;
  }
  var H = T + ranks.length * rowH + 4, max = 0;
  ranks.forEach(function (r) { max = Math.max(max, r.meanDataSeconds + r.meanComputeSeconds + r.meanCommSeconds); });
  var scale = (W - L - R) / (max || 1), svg = '<svg width="' + W + '" height="' + H + '">';
  ranks.forEach(function (r, i) {
    var y = T + i * rowH, x = L, total = r.meanDataSeconds + r.meanComputeSeconds + r.meanCommSeconds;
    svg += '<text class="axis" x="' + (L - 8) + '" y="' + (y + 15) + '" text-anchor="end">rank ' + r.rank + ' \u00b7 ' + esc(r.hostname.slice(0, 14)) + '</text>';
    [[r.meanDataSeconds, '#f59e0b', 'data'], [r.meanComputeSeconds, '#3b82f6', 'compute'], [r.meanCommSeconds, '#a855f7', 'comm']].forEach(function (seg) {
      var w = Math.max(0, seg[0] * scale);
      svg += '<rect class="seg-' + seg[2] + '" x="' + x.toFixed(1) + '" y="' + (y + 3) + '" width="' + w.toFixed(1) + '" height="' + (rowH - 7) + '" fill="' + seg[1] + '"><title>' + seg[2] + ' ' + ms(seg[0]) + '</title></rect>';
      x += w;
    });
    var share = total > 0 ? (100 * r.meanCommSeconds) / total : 0;
    svg += '<text class="axis" x="' + (x + 8).toFixed(1) + '" y="' + (y + 15) + '">' + ms(total) + ' \u00b7 comm ' + share.toFixed(0) + '%</text>';
  });
  el.innerHTML = svg + '</svg>';
}

function render() {
  if (!S) return;
  var status = S.status, m = S.latest, total = S.totalSteps, done = m ? m.step + 1 : S.startStep;
  var st = document.getElementById('status');
  st.className = 'pill st-' + status; st.dataset.status = status;
  setText('status', status === 'waiting' ? 'waiting for workers ' + S.joined + '/' + S.job.worldSize : status);
  var c = document.getElementById('conn');
  c.className = conn === 'live' ? 'live' : conn === 'lost' ? 'lost' : '';
  setText('conn', conn === 'live' ? 'live' : conn === 'lost' ? 'reconnecting' : conn === 'ended' ? 'run over: dashboard closed' : 'connecting');
  setText('job-name', '\\u00b7 ' + S.job.name);
  document.title = (m ? 'step ' + done + ' \\u00b7 ' : '') + 'seqtrain ' + S.job.name;
  var err = document.getElementById('error');
  err.style.display = S.error ? 'block' : 'none';
  if (S.error) err.textContent = 'Run failed: ' + S.error.code + (S.error.rank !== null ? ' (rank ' + S.error.rank + ')' : '') + '\\n' + S.error.message;
  document.getElementById('progress').style.width = (total ? Math.min(100, (100 * done) / total) : 0).toFixed(1) + '%';

  setText('t-step', total ? done + ' / ' + total : '-');
  setText('t-step-s', m ? 'epoch ' + m.epoch + (S.stepsPerEpoch ? ' \\u00b7 ' + S.stepsPerEpoch + ' steps per epoch' : '') : status === 'waiting' ? 'waiting for workers' : 'starting');
  var first = S.loss.find(valid);
  setText('t-loss', m ? fix(m.loss, 3) : '-');
  setText('t-loss-s', first ? 'first step ' + fix(first[1], 3) : '');
  var lastVal = S.validation[S.validation.length - 1];
  setText('t-val', lastVal ? fix(lastVal.loss, 3) : '-');
  setText('t-val-s', lastVal ? (lastVal.figure || fix(lastVal.bitsPerToken, 3) + ' bits/token') + ' at step ' + lastVal.step : 'after the last step');
  var recent = S.throughput.slice(-20).filter(valid), sps = recent.length ? recent.reduce(function (a, p) { return a + p[1]; }, 0) / recent.length : NaN;
  setText('t-sps', compact(sps));
  setText('t-sps-s', 'global batch ' + S.job.globalBatch + ' \\u00b7 ' + S.job.worldSize + ' ranks');
  var cm = 0, cp = 0, dt = 0, n = 0;
  S.ranks.forEach(function (r) { if (r.lastStep !== null) { cm += r.meanCommSeconds; cp += r.meanComputeSeconds; dt += r.meanDataSeconds; n++; } });
  setText('t-comm', n && cm + cp + dt > 0 ? ((100 * cm) / (cm + cp + dt)).toFixed(1) + '%' : '-');
  setText('t-comm-s', n ? 'all-reduce ' + ms(cm / n) + ' \\u00b7 compute ' + ms(cp / n) : 'share of the ranks\\' step time');
  var end = S.endedAtMs || now(), elapsed = S.startedAtMs ? (end - S.startedAtMs) / 1000 : NaN;
  setText('t-time', dur(elapsed));
  var ran = done - S.startStep;
  setText('t-time-s', status === 'completed' ? 'completed' + (S.summary ? ' \\u00b7 ' + fix(S.summary.samplesPerSecond, 0) + ' samples/s overall' : '')
    : status === 'failed' ? 'failed' : ran > 0 && total ? 'ETA ' + dur((elapsed / ran) * (total - done)) : 'elapsed');

  var x0 = S.startStep, x1 = Math.max(total ? total - 1 : 0, m ? m.step : 0);
  var raw = S.loss.filter(valid);
  lineChart(document.getElementById('loss-chart'), [
    { points: raw, color: '#93c5fd', width: 1.2, cls: 'loss-raw' },
    { points: smooth(raw, Math.max(0.05, Math.min(1, 20 / Math.max(1, raw.length)))), color: '#1d4ed8', width: 2.2, cls: 'loss-smooth' },
    { points: S.validation.map(function (v) { return [v.step - 1, v.loss]; }), color: '#ea580c', width: 2, cls: 'validation', dots: true },
  ], { height: 300, x0: x0, x1: x1, xTitle: 'step', empty: status === 'waiting' ? 'waiting for workers to join' : 'waiting for the first step' });

  setText('ring-sub', S.ranks.length ? S.ranks.length + ' ranks \\u00b7 all-reduce neighbours' : '');
  ringDiagram(document.getElementById('ring'));
  document.getElementById('notices').textContent = S.notices.length ? S.notices[S.notices.length - 1] : '';

  document.getElementById('sps-legend').innerHTML = S.ranks.map(function (r) {
    return '<span><i style="background:' + PALETTE[r.rank % PALETTE.length] + '"></i>rank ' + r.rank + '</span>';
  }).join('');
  lineChart(document.getElementById('sps-chart'), S.ranks.map(function (r) {
    return { points: r.throughput, color: PALETTE[r.rank % PALETTE.length], width: 1.6, cls: 'rank-sps' };
  }), { height: 220, x0: x0, x1: x1, xTitle: 'step', zero: true, empty: 'waiting for the first step' });
  timeBars(document.getElementById('time-chart'));
  stackChart(document.getElementById('steptime-chart'), S.stepTimes.map(function (r) { return [r[0], r[1] * 1000, r[2] * 1000, r[3] * 1000]; }),
    ['#f59e0b', '#3b82f6', '#a855f7'], { height: 150, x0: x0, x1: x1, xTitle: 'step', yTicks: 3, empty: 'waiting for the first step' });

  document.querySelector('#ranks-table tbody').innerHTML = S.ranks.length ? S.ranks.map(function (r) {
    return '<tr data-rank="' + r.rank + '" data-health="' + r.health + '"><td>' + r.rank + '</td><td>' + esc(r.hostname) + '</td><td>' + r.pid + '</td><td class="mono">' +
      esc(r.agentId.slice(0, 12)) + ' / ' + r.localRank + '</td><td>' + esc(r.backend) + '</td><td class="mono">' + esc(r.ringAddress) + '</td><td><span class="h h-' + r.health + '">' + r.health +
      '</span></td><td>' + (r.lastStep === null ? '-' : r.lastStep) + '</td><td>' + compact(r.samplesPerSecond) + '</td><td>' + ms(r.computeSeconds) + '</td><td>' + ms(r.commSeconds) + '</td></tr>';
  }).join('') : '<tr><td colspan="11" style="color:var(--muted)">waiting for ranks: ' + S.joined + ' of ' + S.job.worldSize + ' joined</td></tr>';

  setText('f-run', 'run directory ' + S.job.runDir);
  setText('f-coord', 'coordinator ' + (S.coordinator || '-'));
  setText('f-model', S.job.model.name + (S.parameterCount ? ', ' + S.parameterCount.toLocaleString('en-US') + ' parameters' : '') + (S.backend ? ', backend ' + S.backend : '') + ', ' + S.job.optimizer + ' lr ' + S.job.learningRate);
}

window.addEventListener('resize', schedule);
setInterval(function () { if (S && S.status === 'running') schedule(); }, 1000);
connect();
</script>
</body>
</html>
`;
