/**
 * `emo serve`'s dashboard: one page, no build step. It connects to `/ws` on the same host, and
 * draws the live ECG/PPG and GSR traces, heart rate per window, the latest face crop and the
 * class probabilities over time with uPlot (a charting library made for live time series,
 * served from the npm package at `/uplot.js`). The page keeps a bounded history (the traces'
 * last 20 s, the last 200 windows). `window.emoDashboard` exposes its counters for tests.
 */
export function dashboardPage(): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>emo serve — live emotion recognition</title>
<link rel="stylesheet" href="/uplot.css">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 1.5rem; color: #222; }
  h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
  .muted { color: #666; }
  .banner { background: #fff3cd; border: 1px solid #e0c36c; padding: .3rem .6rem; margin: .5rem 0; display: none; }
  .grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem 2rem; }
  .panel h2 { font-size: 1rem; margin: .5rem 0 .25rem; }
  .now { display: flex; gap: 1.5rem; align-items: center; }
  #face { width: 144px; height: 144px; image-rendering: pixelated; background: #ddd; border: 1px solid #999; }
  .big { font-size: 2rem; font-weight: 600; }
  #errors { color: #a00; white-space: pre-wrap; }
  table.probs td { padding: 0 .5rem 0 0; }
  .bar { display: inline-block; height: .7rem; background: #4477aa; vertical-align: middle; }
</style>
</head>
<body>
<h1>Live emotion recognition</h1>
<div id="model" class="muted">connecting…</div>
<div id="synthetic" class="banner">This model was trained on SYNTHETIC data: its predictions on real people mean nothing.</div>
<div id="status" class="muted"></div>
<div class="grid">
  <div>
    <div class="panel"><h2 id="cardiac-title">Cardiac signal</h2><div id="cardiac"></div></div>
    <div class="panel"><h2>GSR</h2><div id="gsr"></div></div>
    <div class="panel"><h2>Class probabilities per window</h2><div id="probs"></div></div>
  </div>
  <div>
    <div class="panel now">
      <div><h2>Face</h2><canvas id="face" width="48" height="48"></canvas><div id="face-note" class="muted"></div></div>
      <div><h2>Heart rate</h2><div class="big" id="hr">–</div><div class="muted">beats/min, last window</div></div>
    </div>
    <div class="panel"><h2>Now: <span id="predicted">–</span></h2><table class="probs" id="current"></table><div id="flags" class="muted"></div></div>
    <div class="panel"><h2>Heart rate per window</h2><div id="hrchart"></div></div>
    <div id="errors"></div>
  </div>
</div>
<script src="/uplot.js"></script>
<script>
(() => {
  const COLORS = ['#4477aa', '#ee6677', '#228833', '#ccbb44', '#66ccee', '#aa3377', '#bbbbbb'];
  const state = { updates: 0, windows: 0, samples: 0, faces: 0, probPoints: 0, errors: [], ended: false, hello: null };
  window.emoDashboard = state;
  const $ = (id) => document.getElementById(id);
  const width = (el) => Math.max(300, el.clientWidth || 600);
  const plot = (el, series, height, extra = {}) =>
    new uPlot({
      width: width(el), height, legend: { show: series.length > 2 },
      scales: { x: { time: false } },
      axes: [{ label: 's' }, {}],
      series: [{ label: 't (s)' }, ...series],
      ...extra,
    }, Array.from({ length: series.length + 1 }, () => []), el);
  let cardiac, gsr, probs, hrChart;
  const trace = { t: [], c: [], g: [] };
  const wins = { t: [], hr: [], p: [] };
  const TRACE_S = 20, MAX_WINDOWS = 200;

  function onHello(h) {
    state.hello = h;
    const m = h.model;
    $('model').textContent = m.kind + ' model, task ' + m.task + ' (' + m.classes.join(', ') + '); ' +
      h.fs + ' Hz' + (h.replay ? '; replaying ' + h.replay : '; fed by WebSocket clients');
    $('synthetic').style.display = m.synthetic ? 'block' : 'none';
    $('cardiac-title').textContent = h.signals.cardiac ? h.signals.cardiac.toUpperCase() : 'Cardiac signal (none)';
    cardiac = plot($('cardiac'), [{ label: h.signals.cardiac || 'cardiac', stroke: COLORS[0] }], 160);
    gsr = plot($('gsr'), [{ label: 'GSR', stroke: COLORS[1] }], 120);
    probs = plot($('probs'), m.classes.map((c, i) => ({ label: c, stroke: COLORS[i % COLORS.length], width: 2 })), 200,
      { scales: { x: { time: false }, y: { range: [0, 1] } } });
    hrChart = plot($('hrchart'), [{ label: 'heart rate', stroke: COLORS[1], points: { show: true } }], 140);
    wins.p = m.classes.map(() => []);
  }

  function onSamples(s) {
    const dt = 1 / s.rate;
    for (let i = 0; i < s.cardiac.length; i++) {
      trace.t.push(s.t + i * dt); trace.c.push(s.cardiac[i]); trace.g.push(s.gsr[i]);
    }
    state.samples += s.cardiac.length;
    const keepFrom = trace.t[trace.t.length - 1] - TRACE_S;
    let k = 0; while (k < trace.t.length && trace.t[k] < keepFrom) k++;
    if (k > 0) { trace.t.splice(0, k); trace.c.splice(0, k); trace.g.splice(0, k); }
  }

  function onWindow(w) {
    state.windows++;
    wins.t.push(w.t1); wins.hr.push(w.heartRate);
    state.hello.model.classes.forEach((c, i) => wins.p[i].push(w.probs[c]));
    if (wins.t.length > MAX_WINDOWS) { wins.t.shift(); wins.hr.shift(); wins.p.forEach((p) => p.shift()); }
    $('predicted').textContent = w.predicted + (w.calibrating ? ' (calibrating)' : '');
    $('hr').textContent = w.heartRate === null ? '–' : w.heartRate.toFixed(0);
    $('current').innerHTML = '';
    for (const c of state.hello.model.classes) {
      const tr = document.createElement('tr');
      const p = w.probs[c];
      tr.innerHTML = '<td></td><td><span class="bar"></span></td><td></td>';
      tr.children[0].textContent = c;
      tr.children[1].firstChild.style.width = Math.round(160 * p) + 'px';
      tr.children[2].textContent = p.toFixed(2);
      $('current').appendChild(tr);
    }
    $('flags').textContent = (w.flags.length ? 'flags: ' + w.flags.join('; ') + '. ' : '') +
      'latency ' + w.latency_ms.toFixed(1) + ' ms';
    probs.setData([wins.t, ...wins.p]);
    hrChart.setData([wins.t, wins.hr]);
    state.probPoints = probs.data[0].length;
  }

  function onFace(f) {
    state.faces++;
    const bytes = Uint8Array.from(atob(f.data), (ch) => ch.charCodeAt(0));
    const canvas = $('face');
    canvas.width = f.size; canvas.height = f.size;
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(f.size, f.size);
    for (let i = 0; i < bytes.length; i++) {
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = bytes[i];
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    $('face-note').textContent = 't ' + f.t.toFixed(1) + ' s, ' + (f.found ? 'face found' : 'no face');
  }

  let dirty = false;
  function redraw() {
    if (dirty && cardiac) {
      cardiac.setData([trace.t, trace.c]);
      gsr.setData([trace.t, trace.g]);
      dirty = false;
    }
    requestAnimationFrame(redraw);
  }
  requestAnimationFrame(redraw);

  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    state.updates++;
    switch (m.type) {
      case 'hello': onHello(m); break;
      case 'samples': onSamples(m); dirty = true; break;
      case 'window': onWindow(m); break;
      case 'face': onFace(m); break;
      case 'end': state.ended = true; break;
      case 'error': state.errors.push(m.message); $('errors').textContent = m.message; break;
    }
    $('status').textContent = (state.ended ? 'replay ended; ' : 'live; ') + state.windows + ' windows, ' +
      state.faces + ' face frames, ' + state.updates + ' messages';
  };
  ws.onclose = () => { $('status').textContent += ' — disconnected'; };
})();
</script>
</body>
</html>
`;
}
