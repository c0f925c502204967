// Bytes per day as a bar chart in inline SVG, built here (no library, no CDN): one bar per day, the
// highest day's figure on the top line, the first and last days under the axis, each bar's exact
// figure in its tooltip, and the same figures as a table for whoever does not read the picture.
import { el } from './dom.js';
import { sizeText } from './format.js';

/** @typedef {{ day: string, bytes: number }} DayTotal */

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 180;
const LEFT = 64;
const TOP = 12;
const BOTTOM = 24;
const PLOT_WIDTH = WIDTH - LEFT - 4;
const PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;
/** A day with some traffic is never drawn as nothing, however small it is next to the highest. */
const MIN_BAR = 1.5;

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {...(Node | string)} children
 */
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** "20 Nov" in the reader's language; the day is the server's calendar day. @param {string} day */
function dayLabel(day) {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(date);
}

/** @param {DayTotal[]} days */
function summary(days) {
  const total = days.reduce((sum, d) => sum + d.bytes, 0);
  if (total === 0) return `nothing in the last ${days.length} days`;
  const top = days.reduce((best, d) => (d.bytes > best.bytes ? d : best));
  return `${sizeText(total)} in the last ${days.length} days, most on ${dayLabel(top.day)} (${sizeText(top.bytes)})`;
}

/**
 * A figure with the chart and its table. `title` names what is counted ("alice's downloads").
 * @param {DayTotal[]} days oldest first
 * @param {string} title
 */
export function barChart(days, title) {
  const max = Math.max(0, ...days.map((d) => d.bytes));
  const slot = PLOT_WIDTH / Math.max(days.length, 1);
  const text = `${title}: ${summary(days)}`;
  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': text,
    class: 'bar-chart',
    'data-max': max,
  });
  const baseline = TOP + PLOT_HEIGHT;
  chart.append(
    svg('line', { x1: LEFT, x2: WIDTH - 4, y1: TOP, y2: TOP, class: 'grid' }),
    svg('line', { x1: LEFT, x2: WIDTH - 4, y1: baseline, y2: baseline, class: 'axis' }),
    svg('text', { x: LEFT - 6, y: TOP + 4, 'text-anchor': 'end', class: 'label' }, sizeText(max)),
    svg('text', { x: LEFT - 6, y: baseline + 4, 'text-anchor': 'end', class: 'label' }, '0'),
  );
  days.forEach((d, i) => {
    const height = max === 0 || d.bytes === 0 ? 0 : Math.max(MIN_BAR, (d.bytes / max) * PLOT_HEIGHT);
    const bar = svg(
      'rect',
      {
        x: (LEFT + i * slot + slot * 0.15).toFixed(2),
        y: (baseline - height).toFixed(2),
        width: (slot * 0.7).toFixed(2),
        height: height.toFixed(2),
        class: i === days.length - 1 ? 'bar today' : 'bar',
        'data-day': d.day,
        'data-bytes': d.bytes,
      },
      svg('title', {}, `${dayLabel(d.day)}: ${sizeText(d.bytes)}`),
    );
    chart.append(bar);
  });
  const first = days[0];
  const last = days.at(-1);
  if (first !== undefined && last !== undefined) {
    chart.append(
      svg('text', { x: LEFT, y: HEIGHT - 6, class: 'label' }, dayLabel(first.day)),
      svg(
        'text',
        { x: WIDTH - 4, y: HEIGHT - 6, 'text-anchor': 'end', class: 'label' },
        `${dayLabel(last.day)} (today)`,
      ),
    );
  }
  const table = el(
    'table',
    {},
    el(
      'thead',
      {},
      el('tr', {}, el('th', { scope: 'col' }, 'Day'), el('th', { scope: 'col' }, 'Downloaded')),
    ),
    el(
      'tbody',
      {},
      ...days
        .filter((d) => d.bytes > 0)
        .reverse()
        .map((d) => el('tr', {}, el('td', {}, dayLabel(d.day)), el('td', {}, sizeText(d.bytes)))),
    ),
  );
  return el(
    'figure',
    { class: 'chart' },
    el('figcaption', {}, el('strong', {}, title), ' ', el('span', { class: 'muted' }, summary(days))),
    chart,
    el('details', {}, el('summary', {}, 'As a table'), el('div', { class: 'table-scroll' }, table)),
  );
}
