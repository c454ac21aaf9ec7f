// In-page renderer for the Chromium + Chart.js peer (bench/peers/chromium-render.mjs inlines this file after the
// Chart.js UMD bundle and a <script type="application/json" id="layout"> block). Lays the widgets out on the CSS grid,
// draws line/area/bar with Chart.js (no animation, fixed canvas size, devicePixelRatio 1, linear x axis in epoch ms
// with HH:mm UTC labels), stat as a big number, table as an HTML table, text as a tiny Markdown subset; then sets
// window.__ready = true (or window.__error on failure, also shown on the page so a CLI screenshot reveals it).
(function () {
  'use strict';
  const layout = JSON.parse(document.getElementById('layout').textContent);
  const bench = window.__benchOptions || {};
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  const theme = { fg: color('--fg'), muted: color('--muted'), grid: color('--gridline') };
  // Grafana's classic palette.
  const palette = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0', '#508642', '#cca300'];
  const MIN = 60000;
  const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * MIN);
  const pad2 = (n) => String(n).padStart(2, '0');

  function esc(s) {
    return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  }
  function fmt(v, unit) {
    if (v == null || !Number.isFinite(v)) return '–';
    const a = Math.abs(v);
    const s = a >= 1e9 ? (v / 1e9).toFixed(1) + 'G' : a >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : a >= 1e4 ? (v / 1e3).toFixed(1) + 'k'
      : a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
    return unit ? (unit === '%' ? s + '%' : s + ' ' + unit) : s;
  }

  // Ticks on round UTC minutes/hours, as many as fit at ~70 px each.
  function timeTicks(scale) {
    const { min, max } = scale;
    const room = Math.max(2, Math.floor((scale.width || scale.maxWidth || 400) / 70));
    const span = max - min;
    const step = STEPS.find((s) => span / s <= room) ?? STEPS[STEPS.length - 1] * Math.ceil(span / room / STEPS[STEPS.length - 1]);
    const ticks = [];
    for (let v = Math.ceil(min / step) * step; v <= max; v += step) ticks.push({ value: v });
    scale.ticks = ticks;
    scale._benchDays = span > 86400000;
  }
  function timeLabel(value) {
    const d = new Date(value);
    if (this._benchDays && d.getUTCHours() === 0 && d.getUTCMinutes() === 0) return `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  }

  function chart(w, body) {
    const series = w.series || [];
    const bar = w.type === 'bar';
    const stacked = w.stacked ?? bar;
    let min = Infinity, max = -Infinity;
    const datasets = series.map((s, i) => {
      const c = palette[i % palette.length];
      const pts = s.points || [];
      const data = new Array(pts.length);
      for (let k = 0; k < pts.length; k++) data[k] = { x: pts[k][0], y: pts[k][1] };
      if (pts.length) { min = Math.min(min, pts[0][0]); max = Math.max(max, pts[pts.length - 1][0]); }
      return bar
        ? { label: s.name, data, backgroundColor: c, borderWidth: 0, barPercentage: 1, categoryPercentage: 1 }
        : { label: s.name, data, borderColor: c, borderWidth: 1, pointRadius: 0, tension: 0,
            fill: w.type === 'area' ? (stacked && i > 0 ? '-1' : 'origin') : false, backgroundColor: w.type === 'area' ? c + '33' : c };
    });
    const canvas = document.createElement('canvas');
    const width = body.clientWidth - 16, height = body.clientHeight - 8; // minus the .body padding
    canvas.width = width; canvas.height = height;
    canvas.style.width = width + 'px'; canvas.style.height = height + 'px';
    body.appendChild(canvas);
    const tickFont = { size: 11 };
    return new Chart(canvas, {
      type: bar ? 'bar' : 'line',
      data: { datasets },
      options: {
        animation: false, responsive: false, devicePixelRatio: 1, events: [],
        parsing: false, normalized: true,
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, padding: 6, color: theme.fg, font: tickFont } },
          tooltip: { enabled: false }, title: { display: false },
          // Off by default: Chart.js then draws every point. --decimate: min/max per pixel column (line/area only).
          decimation: { enabled: !!bench.decimate && !bar, algorithm: 'min-max' },
        },
        scales: {
          x: {
            type: 'linear', min: Number.isFinite(min) ? min : undefined, max: Number.isFinite(max) ? max : undefined,
            stacked, offset: false, afterBuildTicks: timeTicks,
            ticks: { color: theme.muted, font: tickFont, maxRotation: 0, autoSkip: false, callback: timeLabel },
            grid: { color: theme.grid, offset: false },
          },
          y: {
            stacked, beginAtZero: w.type !== 'line',
            ticks: { color: theme.muted, font: tickFont, maxTicksLimit: Math.max(3, Math.floor(height / 40)), callback(v, i, ticks) {
              const s = Chart.Ticks.formatters.numeric.call(this, v, i, ticks);
              return w.unit ? (w.unit === '%' ? s + '%' : `${s} ${w.unit}`) : s;
            } },
            grid: { color: theme.grid },
          },
        },
      },
    });
  }

  function stat(w, body) {
    let v = w.value;
    if (v == null && w.series?.[0]?.points?.length) v = w.series[0].points.at(-1)[1];
    const el = document.createElement('div');
    el.className = 'value';
    const size = Math.min(body.clientHeight * 0.6, body.clientWidth / 4.5);
    el.style.fontSize = Math.max(12, Math.floor(size)) + 'px';
    const num = fmt(v, '');
    el.innerHTML = esc(num) + (w.unit ? `<span class="unit">${esc(w.unit === '%' ? '%' : ' ' + w.unit)}</span>` : '');
    body.appendChild(el);
  }

  // A gauge as Chart.js draws one: a 270° doughnut of the last value against 0..100 (or min/max), value in the middle.
  function gauge(w, body) {
    let v = w.value;
    if (v == null && w.series?.[0]?.points?.length) v = w.series[0].points.filter((p) => p[1] != null).at(-1)?.[1];
    const min = w.min ?? 0, max = w.max ?? 100;
    const canvas = document.createElement('canvas');
    canvas.width = body.clientWidth; canvas.height = body.clientHeight;
    body.appendChild(canvas);
    new Chart(canvas, {
      type: 'doughnut',
      data: { datasets: [{ data: [Math.max(0, (v ?? min) - min), Math.max(0, max - (v ?? min))], backgroundColor: ['#3274d9', '#e9edf1'], borderWidth: 0 }] },
      options: { animation: false, responsive: false, devicePixelRatio: 1, rotation: -135, circumference: 270, cutout: '78%', plugins: { legend: { display: false }, tooltip: { enabled: false } } },
    });
    const label = document.createElement('div');
    label.className = 'value';
    label.style.cssText = 'position:relative;margin-top:-55%;text-align:center;font-size:28px';
    label.textContent = fmt(v, w.unit);
    body.appendChild(label);
  }

  function table(w, body) {
    let head, rows;
    if (w.columns && w.rows) {
      head = w.columns;
      rows = w.rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c, w.unit) : c)));
    } else {
      head = ['Series', 'Last', 'Min', 'Max', 'Mean'];
      rows = (w.series || []).map((s) => {
        let lo = Infinity, hi = -Infinity, sum = 0, n = 0, last = null;
        for (const [, y] of s.points || []) {
          if (y == null) continue;
          if (y < lo) lo = y; if (y > hi) hi = y; sum += y; n++; last = y;
        }
        return [s.name, fmt(last, w.unit), fmt(n ? lo : null, w.unit), fmt(n ? hi : null, w.unit), fmt(n ? sum / n : null, w.unit)];
      });
    }
    body.innerHTML = `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
      rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  }

  // Headings, paragraphs, "-"/"*" lists, **bold**, *italic*, `code`, [links](url).
  function markdown(src) {
    const inline = (s) => esc(s)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/\*([^*]+)\*/g, '<em>$1</em>')
      .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
    const out = [];
    let list = false, para = [];
    const flush = () => { if (para.length) out.push(`<p>${inline(para.join(' '))}</p>`); para = []; };
    for (const raw of String(src || '').split('\n')) {
      const line = raw.trim();
      const h = /^(#{1,3})\s+(.*)$/.exec(line);
      const li = /^[-*]\s+(.*)$/.exec(line);
      if (!li && list) { out.push('</ul>'); list = false; }
      if (!line) { flush(); continue; }
      if (h) { flush(); out.push(`<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`); }
      else if (li) { flush(); if (!list) { out.push('<ul>'); list = true; } out.push(`<li>${inline(li[1])}</li>`); }
      else para.push(line);
    }
    flush();
    if (list) out.push('</ul>');
    return out.join('');
  }

  try {
    const t0 = performance.now();
    window.__timings = {};
    Chart.defaults.font.family = 'sans-serif';
    Chart.defaults.color = theme.fg;
    const grid = document.querySelector('.grid');
    const panels = layout.widgets.map((w) => {
      const el = document.createElement('section');
      el.className = `panel ${w.type}`;
      el.style.gridColumn = `${w.x + 1} / span ${w.w}`;
      el.style.gridRow = `${w.y + 1} / span ${w.h}`;
      el.innerHTML = `${w.title ? `<h2>${esc(w.title)}</h2>` : ''}<div class="body"></div>`;
      grid.appendChild(el);
      return [w, el.querySelector('.body')];
    });
    for (const [w, body] of panels) {
      const t = performance.now();
      if (w.type === 'line' || w.type === 'area' || w.type === 'bar') chart(w, body);
      else if (w.type === 'stat') stat(w, body);
      else if (w.type === 'gauge') gauge(w, body);
      else if (w.type === 'table') table(w, body);
      else if (w.type === 'text') body.innerHTML = markdown(w.text);
      else throw new Error(`unknown widget type ${w.type} (${w.id})`);
      window.__timings[w.id] = Math.round(performance.now() - t);
    }
    window.__timings.total = Math.round(performance.now() - t0);
    window.__ready = true;
  } catch (e) {
    window.__error = String(e && e.stack || e);
    document.body.innerHTML = `<div class="error">${esc(window.__error)}</div>`;
  }
})();
