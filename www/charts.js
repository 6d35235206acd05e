// Charts: a thin layer over Apache ECharts (vendor/echarts.js: a tree-shaken bundle built by
// www/build/bundle.mjs, loaded on the first chart so that a first visit does not pay for it).
// ECharts was chosen over uPlot because heatmaps, custom (timeline) series, stacked bars,
// tooltips and image export come built in: no hand-drawn SVG. Each chart mounted here gets a
// title, a legend, tooltips, a text alternative (a summary sentence and the data table behind
// it), and PNG, SVG and CSV buttons. The images are drawn off-screen with the title and a solid
// background; the CSV is exactly the series the chart draws.
// Dark mode follows prefers-color-scheme.
import { downloadCsv, downloadPng, downloadSvg, exportName } from './export.js';
import { el } from './format.js';

const dark = matchMedia('(prefers-color-scheme: dark)');
const mounted = new Set();

export const COLORS = {
  measured: '#2a6fdb',
  predicted: '#e8871e',
  ideal: '#8a8f98',
  serial: '#6b7280',
  bad: '#d23b3b',
  good: '#1f9d55',
  parts: ['#2a6fdb', '#9b59b6', '#e8871e', '#16a085', '#d23b3b'],
};

function narrow() {
  return matchMedia('(max-width: 600px)').matches;
}

function base(option, width) {
  const small = narrow();
  const legend = { ...legendDefaults(small), ...(option.legend ?? {}) };
  const grid = { ...gridDefaults(small), ...(option.grid ?? {}) };
  grid.top += (legendRows(option, legend, width) - 1) * LEGEND_ROW;
  return withRoomForReferenceLabels({
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    tooltip: { trigger: 'axis', confine: true },
    ...option,
    yAxis: leftAxisNames(option.yAxis),
    legend,
    grid,
  });
}

/** The height a wrapped legend row adds (ECharts: a 14 px item and its 10 px gap). */
const LEGEND_ROW = 24;
/**
 * How many rows the legend takes in a chart `width` px wide. It wraps rather than scrolls: a
 * scrolling legend on a phone showed its first entries and a pager, hiding the swatches of the
 * rest. Estimated a little wide, so that the plot rather makes room for a row it does not need.
 */
function legendRows(option, legend, width) {
  if (legend.show === false || !width) return 1;
  const font = `${legend.textStyle.fontSize}px sans-serif`;
  const names = [...new Set([option.series ?? []].flat().map((s) => s.name).filter(Boolean))];
  const room = width - (typeof legend.left === 'number' ? legend.left : 0) - 10;
  let rows = 1;
  let used = 0;
  for (const name of names) {
    const w = 25 + 5 + measureText(name, font).width * 1.08;
    if (used && used + 10 + w > room) {
      rows += 1;
      used = w;
    } else {
      used += (used ? 10 : 0) + w;
    }
  }
  return rows;
}

const REFERENCE_FONT = '11px sans-serif';
/** The row above the plot that vertical reference lines' labels take (px). */
const REFERENCE_ROW = 16;

/**
 * A reference line across the plot (serial's 1x, the serial time, the recommended k). Its label
 * sits outside the plot, where it cannot cover a bar or a point: a horizontal line's to the right
 * of the plot, a vertical line's in a row of its own above it (base() makes the room). `at` is
 * where a vertical line falls along its axis (0..1): its label runs toward the middle, so that
 * it stays inside the chart.
 */
export function referenceLine({ x, y, text, color, type = 'solid', width = 1.5, at = 0.5 }) {
  const vertical = x !== undefined;
  return {
    silent: true, symbol: 'none', lineStyle: { color, type, width },
    label: {
      formatter: text, position: 'end', color, fontSize: 11, lineHeight: 13,
      ...(vertical ? { distance: 3, align: at <= 0.5 ? 'left' : 'right' } : { distance: 6 }),
    },
    data: [vertical ? { xAxis: x } : { yAxis: y }],
  };
}

/** Widens the right margin and adds a row on top for the labels of referenceLine()s. */
function withRoomForReferenceLabels(option) {
  const lines = [option.series ?? []].flat().map((s) => s.markLine).filter((m) => m?.label?.position === 'end');
  if (!lines.length) return option;
  const horizontal = lines.filter((m) => m.data?.[0]?.yAxis !== undefined);
  const labelWidth = Math.max(0, ...horizontal.flatMap((m) => String(m.label.formatter).split('\n')).map((t) => measureText(t, REFERENCE_FONT).width));
  const vertical = lines.some((m) => m.data?.[0]?.xAxis !== undefined);
  const grid = { ...option.grid };
  if (horizontal.length) grid.right = Math.max(grid.right ?? 0, Math.ceil(labelWidth) + 10);
  const highest = Math.max(...horizontal.map((m) => Number(m.data[0].yAxis)).filter(Number.isFinite));
  option = { ...option, yAxis: reaching(option.yAxis, highest) };
  if (!vertical) return { ...option, grid };
  grid.top = (grid.top ?? 48) + REFERENCE_ROW;
  // The y-axis name moves up a row, over the labels' row.
  const lift = (axis) => (axis?.name ? { ...axis, nameGap: (axis.nameGap ?? 15) + REFERENCE_ROW } : axis);
  return { ...option, grid, yAxis: Array.isArray(option.yAxis) ? option.yAxis.map(lift) : lift(option.yAxis) };
}
/**
 * The (first) y axis, made to reach `value` when it has no maximum of its own: ECharts draws no
 * reference line above its axis, and serial's time over a worker curve whose every point ran
 * faster, or 1x over speedups that all fell short of it, went missing.
 */
function reaching(yAxis, value) {
  const first = Array.isArray(yAxis) ? yAxis[0] : yAxis;
  if (!Number.isFinite(value) || !first || first.max !== undefined || first.type === 'log' || first.type === 'category') return yAxis;
  const reached = { ...first, max: (extent) => niceCeil(Math.max(extent.max, value)) };
  return Array.isArray(yAxis) ? [reached, ...yAxis.slice(1)] : reached;
}
/** The least round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) at or above `v`. */
function niceCeil(v) {
  if (!(v > 0)) return v;
  const power = 10 ** Math.floor(Math.log10(v));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * power >= v * (1 - 1e-9));
  return step * power;
}
// A y-axis name is centred over its axis by default, and a long one ("chunk size (items)")
// then runs off the left edge: start it at the axis line instead. A second axis sits on the
// right, so its name ends at its line.
function leftAxisNames(yAxis) {
  const aligned = (axis, i) => (axis?.name ? { ...axis, nameTextStyle: { align: i === 0 ? 'left' : 'right', ...(axis.nameTextStyle ?? {}) } } : axis);
  return Array.isArray(yAxis) ? yAxis.map(aligned) : aligned(yAxis, 0);
}
const legendDefaults = (small) => ({ top: 4, left: small ? 0 : 'center', type: 'plain', textStyle: { fontSize: small ? 10 : 12 } });
const gridDefaults = (small) => ({ left: 8, right: small ? 12 : 28, top: small ? 56 : 48, bottom: 8, containLabel: true });

// ECharts measures every label on one hidden canvas of its own that it never draws on, and
// Chromium prunes a canvas's text-shaping cache only when that canvas finishes a frame: the
// cache kept every label ever measured, and a run's numbers are new labels (+0.9 MB of Blink
// heap per 100 Lab sweeps, up to Blink's 32768 entries). Measuring on our own canvas, dropped
// whenever charts are disposed, lets that cache go with it.
const DEFAULT_FONT = '12px sans-serif';
let measuring = null;
function measureText(text, font) {
  const wanted = font || DEFAULT_FONT;
  measuring ??= { context: document.createElement('canvas').getContext('2d'), font: null };
  if (measuring.font !== wanted) measuring.context.font = measuring.font = wanted;
  return measuring.context.measureText(text);
}

let echarts = null;
const library = () => import('../vendor/echarts.js').then((m) => {
  m.setPlatformAPI({ measureText });
  echarts = m;
  return m;
});
let loading = null;

async function init(box) {
  if (!echarts) {
    await (loading ??= library());
    // Swept (its cell re-ran) while the library loaded: drawing now would leak the chart.
    if (!mounted.has(box)) return;
  }
  box.chart?.dispose();
  box.chart = echarts.init(box.canvas, dark.matches ? 'dark' : null, { renderer: 'canvas' });
  box.width = box.canvas.clientWidth;
  box.chart.setOption(base(box.option, box.width), true);
}

// Page backgrounds of the two themes (style.css --bg): an export is drawn on a solid one, so a
// dark-mode SVG stays readable when opened on white.
const BACKGROUND = { light: '#ffffff', dark: '#16181d' };
const background = () => (dark.matches ? BACKGROUND.dark : BACKGROUND.light);
const TITLE_ROOM = 30;

/**
 * The option an export draws: the on-screen one plus the chart's title and a solid background in
 * the theme it was made in, with the legend moved below the title.
 */
function exportOption(box, width) {
  const option = base(box.option, width);
  return {
    ...option,
    backgroundColor: background(),
    title: { text: box.title, left: 8, top: 6, textStyle: { fontSize: 14, fontWeight: 600 } },
    legend: { ...option.legend, top: (option.legend.top ?? 4) + TITLE_ROOM },
    grid: { ...option.grid, top: (option.grid.top ?? 48) + TITLE_ROOM },
  };
}

/** Draws the export off-screen at the chart's on-screen size plus room for the title. */
function drawExport(box, renderer, use) {
  const { width, height } = box.canvas.getBoundingClientRect();
  const size = { width: Math.max(480, Math.round(width)), height: Math.max(240, Math.round(height)) + TITLE_ROOM };
  const host = renderer === 'svg' ? null
    : el('div', { 'aria-hidden': 'true', style: `position:fixed;left:-10000px;top:0;width:${size.width}px;height:${size.height}px` });
  if (host) document.body.append(host);
  const theme = dark.matches ? 'dark' : null;
  const chart = renderer === 'svg'
    ? echarts.init(null, theme, { renderer: 'svg', ssr: true, ...size })
    : echarts.init(host, theme, { renderer: 'canvas', ...size });
  try {
    chart.setOption(exportOption(box, size.width), true);
    return use(chart);
  } finally {
    chart.dispose();
    host?.remove();
  }
}
const svgOf = (box) => drawExport(box, 'svg', (c) => c.renderToSVGString());
const pngOf = (box) => drawExport(box, 'canvas', (c) => c.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background() }));

const rowCount = (n) => `${n} row${n === 1 ? '' : 's'}`;

/** The table behind a chart: its text alternative, and exactly what the CSV holds. */
function dataTable(spec) {
  const { columns, rows } = spec.csv;
  return el('details', { class: 'chart-data' },
    el('summary', {}, `Data table (${rowCount(rows.length)})`),
    el('table', { class: 'data', tabindex: '0' },
      el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col' }, c)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((v) => el('td', {}, v === null || v === undefined ? '' : String(v))))))));
}

/**
 * Mounts a chart into `parent`. `spec` = {title, name, option, csv: {columns, rows}, note,
 * height, summary, instead}. A spec with `instead` (a figure with nothing to draw, such as a
 * worker sweep on one thread) mounts that sentence rather than a chart. Returns the element.
 */
export function chart(parent, spec) {
  if (spec.instead) {
    const p = el('p', { class: 'note nothing-to-draw', 'data-no-chart': spec.name, html: spec.instead });
    // "#banner" is not a route: show the banner that says how to get threads instead.
    p.querySelector('a[data-show-banner]')?.addEventListener('click', (e) => {
      e.preventDefault();
      const banner = document.getElementById('banner');
      banner?.scrollIntoView({ block: 'start' });
      banner?.querySelector('button')?.focus();
    });
    parent.append(p);
    return p;
  }
  const summary = spec.summary ?? `${spec.title}. The data table under the chart lists its ${rowCount(spec.csv.rows.length)}.`;
  const canvas = el('div', { class: 'chart', role: 'img', 'aria-label': summary, style: `height:${spec.height ?? 320}px` });
  const name = () => exportName(figure, spec);
  // The visible label is the accessible name ("CSV"); the title says what it downloads.
  const button = (format, title, onclick) => el('button', { type: 'button', class: 'small', 'data-export': format.toLowerCase(), title, onclick }, format);
  const figure = el('figure', { class: 'figure', 'data-chart': spec.name },
    el('figcaption', {}, el('span', {}, spec.title), el('span', { class: 'exports' },
      button('PNG', 'Download this chart as PNG', () => downloadPng(name(), pngOf(box))),
      button('SVG', 'Download this chart as SVG', () => downloadSvg(name(), svgOf(box))),
      button('CSV', 'Download the data this chart draws as CSV', () => downloadCsv(name(), spec.csv)))),
    canvas,
    spec.note ? el('p', { class: 'note' }, spec.note) : null,
    dataTable(spec));
  parent.append(figure);
  const box = { canvas, option: spec.option, title: spec.title, chart: null };
  box.ready = init(box);
  box.resizing = new ResizeObserver(() => {
    if (!box.chart || box.chart.isDisposed()) return;
    // A new width that wraps the legend into more or fewer rows: lay the chart out again.
    const width = box.canvas.clientWidth;
    const rows = (w) => legendRows(box.option, { ...legendDefaults(narrow()), ...(box.option.legend ?? {}) }, w);
    if (rows(width) !== rows(box.width)) box.chart.setOption(base(box.option, width), true);
    box.width = width;
    box.chart.resize();
  });
  box.resizing.observe(canvas);
  mounted.add(box);
  figure.box = box;
  return figure;
}

/** Drops charts whose elements left the page (called after a page re-renders or a cell clears
 * its output: a cell re-run 100 times otherwise kept every old chart alive). */
export function sweepDetached() {
  for (const box of mounted) {
    if (!box.canvas.isConnected) {
      box.chart?.dispose();
      box.resizing?.disconnect();
      mounted.delete(box);
      measuring = null;
    }
  }
}

dark.addEventListener('change', () => {
  for (const box of mounted) if (box.canvas.isConnected) init(box);
});
matchMedia('(max-width: 600px)').addEventListener('change', () => {
  for (const box of mounted) if (box.canvas.isConnected) box.chart?.setOption(base(box.option, box.canvas.clientWidth), true);
});

// Styles that tell predicted from measured at a glance.
export const measuredLine = (name, data, extra = {}) => ({
  name, type: 'line', data, symbol: 'circle', symbolSize: 7, lineStyle: { width: 2.5 }, color: COLORS.measured, ...extra,
});
export const predictedLine = (name, data, extra = {}) => ({
  name, type: 'line', data, symbol: 'emptyCircle', symbolSize: 7, lineStyle: { type: 'dashed', width: 2 }, color: COLORS.predicted, ...extra,
});
export const measuredBar = (name, data, extra = {}) => ({ name, type: 'bar', data, color: COLORS.measured, barMaxWidth: 36, ...extra });
export const predictedBar = (name, data, extra = {}) => ({
  name, type: 'bar', data, color: COLORS.predicted, barMaxWidth: 36,
  itemStyle: { color: 'rgba(232,135,30,0.12)', borderColor: COLORS.predicted, borderWidth: 2, borderType: 'dashed' },
  ...extra,
});
/**
 * Measured speedup bars, those below 1x (slower than serial) red. The red ones are a series of
 * their own, named `slower`, so that the legend shows both colours the chart draws; the two share
 * a stack, so each category still holds one measured bar.
 */
export function speedupBars(name, slower, values, extra = {}) {
  const below = (v) => Number.isFinite(v) && v < 1;
  const { markLine, ...style } = extra;
  const bars = [measuredBar(name, values.map((v) => (below(v) ? null : v)), { id: `speedup:${name}`, stack: name, markLine, ...style })];
  if (values.some(below)) bars.push(measuredBar(slower, values.map((v) => (below(v) ? v : null)), { id: `speedup:${name}:slower`, stack: name, ...style, color: COLORS.bad }));
  return bars;
}
/** A tooltip's items without the empty half of each speedupBars() pair. */
export const tipItems = (items) => items.filter((i) => {
  if ((i.value !== null && i.value !== undefined) || !String(i.seriesId).startsWith('speedup:')) return true;
  const pair = String(i.seriesId).replace(/:slower$/, '');
  return !items.some((o) => o !== i && String(o.seriesId).replace(/:slower$/, '') === pair);
});
