// A small SVG line chart: one polyline per series over a shared time axis, the largest value
// as the scale, a legend under it. Colours come from the stylesheet (classes s0…s5).
import { h } from './dom.js';

const W = 320;
const H = 120;
const PAD = 4;

export function lineChart(testid, title, series, format) {
  const all = series.flatMap((s) => s.points);
  const legend = h('ul', { class: 'legend' }, series.map((s, i) => {
    const last = s.points.length ? s.points[s.points.length - 1].v : null;
    return h('li', { class: 's' + (i % 6) }, h('span', { class: 'swatch' }), s.name + ' ', h('b', {}, last === null ? '–' : format(last) + '/s'));
  }));
  const svg = h('svg:svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, preserveAspectRatio: 'none' });
  if (all.length >= 2) {
    const t0 = Math.min(...all.map((p) => p.t));
    const t1 = Math.max(...all.map((p) => p.t));
    const max = Math.max(1e-9, ...all.map((p) => p.v));
    const x = (t) => PAD + ((t - t0) / Math.max(1, t1 - t0)) * (W - 2 * PAD);
    const y = (v) => H - PAD - (v / max) * (H - 2 * PAD);
    for (const f of [0.5, 1]) {
      svg.append(h('svg:line', { class: 'grid', x1: 0, x2: W, y1: y(max * f), y2: y(max * f) }));
    }
    series.forEach((s, i) => {
      if (s.points.length < 2) return;
      const points = s.points.map((p) => x(p.t).toFixed(1) + ',' + y(p.v).toFixed(1)).join(' ');
      svg.append(h('svg:polyline', { class: 'line s' + (i % 6), points }));
    });
    return h('figure', { class: 'chart', 'data-testid': testid },
      h('figcaption', {}, title, h('span', { class: 'scale' }, 'max ' + format(max) + '/s')), svg, legend);
  }
  return h('figure', { class: 'chart', 'data-testid': testid },
    h('figcaption', {}, title), svg, h('p', { class: 'empty' }, 'Collecting… (rates need two snapshots)'));
}
