// Charts: a thin layer over Apache ECharts (vendor/echarts.min.js, the global `echarts`).
// ECharts was chosen over uPlot because heatmaps, custom (timeline) series, stacked bars,
// tooltips and PNG export come built in: no hand-drawn SVG. Each chart mounted here gets a
// title, a legend, tooltips, PNG export (toolbox), an SVG button (the same option drawn by
// ECharts' SVG renderer) and a CSV button that downloads exactly the series the chart draws.
// Dark mode follows prefers-color-scheme.
import { downloadCsv, downloadSvg } from './export.js';
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

function base(option) {
  const small = narrow();
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    legend: { top: small ? 4 : 4, left: small ? 0 : 'center', right: small ? 40 : 'auto', type: 'scroll', textStyle: { fontSize: small ? 10 : 12 } },
    grid: { left: 8, right: small ? 12 : 28, top: small ? 56 : 48, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', confine: true },
    toolbox: {
      right: 4,
      top: small ? 0 : 4,
      feature: { saveAsImage: { title: 'PNG', pixelRatio: 2, backgroundColor: dark.matches ? '#16181d' : '#fff' } },
    },
    ...option,
    yAxis: leftAxisNames(option.yAxis),
    legend: { ...legendDefaults(small), ...(option.legend ?? {}) },
    grid: { ...gridDefaults(small), ...(option.grid ?? {}) },
  };
}
// A y-axis name is centred over its axis by default, and a long one ("chunk size (items)")
// then runs off the left edge: start it at the axis line instead. A second axis sits on the
// right, so its name ends at its line.
function leftAxisNames(yAxis) {
  const aligned = (axis, i) => (axis?.name ? { ...axis, nameTextStyle: { align: i === 0 ? 'left' : 'right', ...(axis.nameTextStyle ?? {}) } } : axis);
  return Array.isArray(yAxis) ? yAxis.map(aligned) : aligned(yAxis, 0);
}
const legendDefaults = (small) => ({ top: 4, left: small ? 0 : 'center', right: small ? 40 : 'auto', type: 'scroll', textStyle: { fontSize: small ? 10 : 12 } });
const gridDefaults = (small) => ({ left: 8, right: small ? 12 : 28, top: small ? 56 : 48, bottom: 8, containLabel: true });

function init(box) {
  box.chart?.dispose();
  box.chart = echarts.init(box.canvas, dark.matches ? 'dark' : null, { renderer: 'canvas' });
  box.chart.setOption(base(box.option), true);
}

/** The chart as an SVG document, drawn off-screen at its on-screen size. */
function svgOf(box) {
  const { width, height } = box.canvas.getBoundingClientRect();
  const svg = echarts.init(null, dark.matches ? 'dark' : null, { renderer: 'svg', ssr: true, width: Math.max(320, Math.round(width)), height: Math.max(200, Math.round(height)) });
  try {
    svg.setOption({ ...base(box.option), toolbox: { show: false } }, true);
    return svg.renderToSVGString();
  } finally {
    svg.dispose();
  }
}

/**
 * Mounts a chart into `parent`. `spec` = {title, name, option, csv: {columns, rows}, note, height}.
 * Returns the figure element.
 */
export function chart(parent, spec) {
  const canvas = el('div', { class: 'chart', role: 'img', 'aria-label': spec.title, style: `height:${spec.height ?? 320}px` });
  const csvButton = el('button', { type: 'button', class: 'small', title: 'Download the data this chart draws', onclick: () => downloadCsv(spec.name, spec.csv) }, 'CSV');
  const svgButton = el('button', { type: 'button', class: 'small', title: 'Download this chart as SVG', onclick: () => downloadSvg(spec.name, svgOf(box)) }, 'SVG');
  const figure = el('figure', { class: 'figure' },
    el('figcaption', {}, el('span', {}, spec.title), el('span', { class: 'exports' }, svgButton, csvButton)),
    canvas,
    spec.note ? el('p', { class: 'note' }, spec.note) : null);
  parent.append(figure);
  const box = { canvas, option: spec.option, chart: null };
  init(box);
  box.resizing = new ResizeObserver(() => box.chart && !box.chart.isDisposed() && box.chart.resize());
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
    }
  }
}

dark.addEventListener('change', () => {
  for (const box of mounted) if (box.canvas.isConnected) init(box);
});
matchMedia('(max-width: 600px)').addEventListener('change', () => {
  for (const box of mounted) if (box.canvas.isConnected) box.chart.setOption(base(box.option), true);
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
