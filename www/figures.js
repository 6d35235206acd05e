// Figures: turn engine results into chart specs ({title, name, option, csv}). Only drawing:
// every number (times, speedups, predictions, breakdowns) comes from the engine.
import { COLORS, measuredBar, measuredLine, predictedBar, predictedLine, referenceLine, speedupBars, tipItems } from './charts.js';
import { count, ms, seconds, shapeLabel, x } from './format.js';

const num = (v) => (Number.isFinite(v) ? v : null);
const round = (v, digits = 4) => (Number.isFinite(v) ? +v.toPrecision(digits) : null);
const timeAxis = (name = 'time (ms)') => ({ type: 'value', name, nameTextStyle: { align: 'left' }, min: 0 });
const speedupAxis = { type: 'value', name: 'speedup (x serial)', nameTextStyle: { align: 'left' }, min: 0 };
/** The line a speedup must clear to beat serial. */
export const serialSpeedupLine = () => referenceLine({ y: 1, text: '1x =\nserial', color: COLORS.bad });
/**
 * What a worker chart says when it has fewer than two worker counts to draw: one thread (the
 * single-threaded build) leaves nothing to sweep. The link shows the banner that says how to
 * get threads.
 */
export function nothingToSweep(threads) {
  const why = threads <= 1
    ? 'This page runs on one thread (it is not cross-origin isolated), so every worker count is the same single thread and there is nothing to sweep.'
    : 'Only one worker count was asked for, so there is nothing to sweep.';
  return `${why} <a href="#banner" data-show-banner>Get threads</a> to see how time changes with the number of workers.`;
}

const fmtTip = (unit) => (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${v}${unit}`);

/** Serial / blind / optimized / best measured, from a `compare` result. */
export function compareBars(cmp, name) {
  const best = cmp.best;
  const labels = ['serial', `blind (${shapeLabel(cmp.blind_workers, 1)})`, `optimized (${cmp.plan.strategy === 'serial' ? 'serial' : shapeLabel(cmp.plan.workers, cmp.plan.chunk_size)})`, `best measured (${best.plan.strategy === 'serial' ? 'serial' : shapeLabel(best.plan.workers, best.plan.chunk_size)})`];
  const short = ['serial', 'blind', 'optimized', 'best'];
  const mt = [cmp.serial.median_s, cmp.blind.median_s, cmp.recommended.median_s, best.time_s].map(ms);
  const pt = [cmp.measured_plan.predicted_serial_s, cmp.blind_plan.predicted_time_s, cmp.measured_plan.predicted_time_s, best.predicted_s].map(ms);
  const ms_ = [1, cmp.speedup_blind, cmp.speedup_recommended, best.speedup].map((v) => round(v, 3));
  const ps = [1, cmp.blind_plan.predicted_speedup, cmp.measured_plan.predicted_speedup, best.predicted_speedup].map((v) => round(v, 3));
  const cat = { type: 'category', data: short, axisLabel: { interval: 0 } };
  const tip = { trigger: 'axis', confine: true, formatter: (items) => `${labels[items[0].dataIndex]}<br>` + tipItems(items).map((i) => `${i.marker}${i.seriesName}: ${i.value ?? '–'}`).join('<br>') };
  const time = {
    title: 'Time: serial, blind, optimized, best measured', name: `${name}-time`, workload: cmp.plan.profile?.workload,
    summary: `Measured median time: ${labels.map((l, i) => `${l} ${mt[i] ?? '–'} ms`).join(', ')}.`,
    option: {
      tooltip: { ...tip, valueFormatter: fmtTip(' ms') }, xAxis: cat, yAxis: timeAxis(),
      series: [measuredBar('measured median (ms)', mt), predictedBar('predicted (ms)', pt)],
    },
    csv: { columns: ['run', 'measured_median_ms', 'predicted_ms'], rows: labels.map((l, i) => [l, mt[i], pt[i]]) },
  };
  const speed = {
    title: 'Speedup over serial (red line: 1x, below it parallel is slower)', name: `${name}-speedup`,
    summary: `Measured speedup over serial: ${labels.map((l, i) => `${l} ${x(ms_[i])}`).join(', ')}.`,
    option: {
      tooltip: { ...tip, valueFormatter: fmtTip('x') }, xAxis: cat, yAxis: speedupAxis,
      series: [
        ...speedupBars('measured speedup', 'measured, slower than serial', ms_, { markLine: serialSpeedupLine() }),
        predictedBar('predicted speedup', ps),
      ],
    },
    csv: { columns: ['run', 'measured_speedup', 'predicted_speedup'], rows: labels.map((l, i) => [l, ms_[i], ps[i]]) },
  };
  return [time, speed];
}

/** The recommended worker count on a k axis; `ks` are the worker counts the axis shows. */
function recommendedMark(plan, ks, axisIsCategory = false) {
  const k = plan.strategy === 'serial' ? 1 : plan.workers;
  const lo = Math.min(...ks);
  const hi = Math.max(...ks);
  const at = axisIsCategory ? ks.indexOf(k) / Math.max(1, ks.length - 1) : (k - lo) / Math.max(1, hi - lo);
  return referenceLine({
    x: axisIsCategory ? String(k) : k, at, color: COLORS.good, width: 2,
    text: plan.strategy === 'serial' ? 'recommended: serial' : `recommended k=${k}`,
  });
}

/** Time and speedup against the worker count, from a `worker_curve` result. */
export function workerCurve(curve, name, threads = Infinity) {
  const pts = curve.points;
  if (new Set(pts.map((p) => p.workers)).size < 2) {
    const instead = nothingToSweep(Math.min(threads, Math.max(1, ...pts.map((p) => p.workers))));
    return [{ name: `${name}-workers`, instead }];
  }
  const best = curve.fastest;
  const ks = pts.map((p) => p.workers);
  const kAxis = { type: 'value', name: 'workers (k)', nameLocation: 'middle', nameGap: 26, minInterval: 1, min: 1, max: Math.max(...pts.map((p) => p.workers)) };
  const mt = pts.map((p) => [p.workers, ms(p.measured.median_s)]);
  const pt = pts.map((p) => [p.workers, ms(p.predicted_s)]);
  const msu = pts.map((p) => [p.workers, round(p.speedup, 3)]);
  const psu = pts.map((p) => [p.workers, round(p.predicted_speedup, 3)]);
  const ideal = pts.map((p) => [p.workers, p.workers]);
  const grid = { bottom: 30 };
  const time = {
    title: 'Time against worker count', name: `${name}-time-vs-k`,
    summary: `Measured median time for ${count(pts.length, 'worker count')} from k=${pts[0].workers} to k=${pts.at(-1).workers}, against ${seconds(curve.serial.median_s)} serial; fastest at k=${best.workers}.`,
    option: {
      grid, tooltip: { trigger: 'axis', confine: true, valueFormatter: fmtTip(' ms') }, xAxis: kAxis, yAxis: timeAxis(),
      series: [
        measuredLine('measured median (ms)', mt, {
          markLine: referenceLine({ y: ms(curve.serial.median_s), text: `serial\n${seconds(curve.serial.median_s)}`, color: COLORS.serial, type: 'dotted', width: 1 }),
        }),
        predictedLine('predicted (ms)', pt, { markLine: recommendedMark(curve.plan, ks) }),
      ],
    },
    csv: {
      columns: ['workers', 'chunk_size', 'measured_median_ms', 'measured_min_ms', 'measured_max_ms', 'predicted_ms', 'serial_median_ms'],
      rows: pts.map((p) => [p.workers, p.chunk_size, ms(p.measured.median_s), ms(p.measured.min_s), ms(p.measured.max_s), ms(p.predicted_s), ms(curve.serial.median_s)]),
    },
  };
  const speed = {
    title: 'Speedup against worker count', name: `${name}-speedup-vs-k`,
    summary: `Measured speedup from k=${pts[0].workers} to k=${pts.at(-1).workers}: best ${x(best.speedup)} at k=${best.workers} (predicted ${x(best.predicted_speedup)}).`,
    option: {
      grid, tooltip: { trigger: 'axis', confine: true, valueFormatter: fmtTip('x') }, xAxis: kAxis, yAxis: speedupAxis,
      series: [
        measuredLine('measured speedup', msu, { markLine: serialSpeedupLine() }),
        predictedLine('predicted speedup', psu, { markLine: recommendedMark(curve.plan, ks) }),
        { name: 'ideal (linear, kx)', type: 'line', data: ideal, symbol: 'none', color: COLORS.ideal, lineStyle: { type: 'dotted', width: 1.5 } },
      ],
    },
    csv: {
      columns: ['workers', 'chunk_size', 'measured_speedup', 'predicted_speedup', 'ideal_speedup'],
      rows: pts.map((p) => [p.workers, p.chunk_size, round(p.speedup, 4), round(p.predicted_speedup, 4), p.workers]),
    },
  };
  return [time, speed];
}

const PARTS = [['compute_s', 'compute'], ['startup_s', 'start-up'], ['dispatch_s', 'dispatch'], ['transfer_s', 'transfer'], ['imbalance_s', 'imbalance']];

/**
 * Predicted time per worker count, split into compute and overheads, on a log axis: overheads
 * of a few microseconds beside a compute time of milliseconds still show as bars (a linear
 * stack drew them sub-pixel: two blue bars that said nothing). Absolute figures in the tooltip.
 */
export function breakdown(plan, name, threads = Infinity) {
  const rows = plan.per_workers;
  if (rows.length < 2) return { name: `${name}-breakdown`, instead: nothingToSweep(Math.min(threads, rows[0]?.workers ?? 1)) };
  const cats = rows.map((p) => String(p.workers));
  // Drawn in nanoseconds: on a log axis ECharts grows bars from 1, so every part must be 1 or
  // more (nothing here is faster than a nanosecond). A log axis has no zero: a part that costs
  // nothing is left out of its group and named in the tooltip.
  const positive = (v) => (Number.isFinite(v) && v > 0 ? Math.max(1, +(v * 1e9).toPrecision(4)) : null);
  const series = PARTS.map(([key, label], i) => ({
    name: label, type: 'bar', color: COLORS.parts[i], barMaxWidth: 14, barGap: '10%',
    data: rows.map((p) => positive(p.breakdown[key])),
  }));
  series.push({
    name: 'total (predicted)', type: 'line', color: COLORS.predicted, symbol: 'emptyCircle', symbolSize: 7, lineStyle: { type: 'dashed', width: 2 },
    data: rows.map((p) => positive(p.time_s)), markLine: recommendedMark(plan, rows.map((p) => p.workers), true),
  });
  // The shape a trial ran (src/trial.rs), at its measured median, beside the model's total.
  const tried = plan.trial && rows.find((p) => p.workers === plan.trial.workers && p.chunk_size === plan.trial.chunk_size);
  if (tried) {
    series.push({
      name: "measured in the decision's trial", type: 'scatter', color: COLORS.measured, symbol: 'diamond', symbolSize: 13,
      itemStyle: { borderColor: '#fff', borderWidth: 1.5 },
      data: rows.map((p) => (p === tried ? positive(plan.trial.parallel_s) : null)),
    });
  }
  const all = rows.flatMap((p) => [p.time_s, ...PARTS.map(([k]) => p.breakdown[k])]).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.max(1, 10 ** Math.floor(Math.log10(Math.min(...all) * 1e9)));
  const biggest = (p) => PARTS.filter(([k]) => k !== 'compute_s').reduce((a, b) => (p.breakdown[b[0]] > p.breakdown[a[0]] ? b : a), PARTS[1]);
  const rec = rows.find((p) => p.workers === plan.workers) ?? rows[0];
  // A short job decided by a trial (src/trial.rs) predicts the trial's medians, not these bars.
  const serialNote = plan.trial
    ? `The decision's trial measured serial at ${seconds(plan.trial.serial_s)} and k=${plan.trial.workers} (chunks of ${plan.trial.chunk_size}) at ${seconds(plan.trial.parallel_s)}; the bars are the model's predictions.`
    : `Serial is predicted at ${seconds(plan.predicted_serial_s)}.`;
  return {
    title: 'Predicted time per worker count: compute and each overhead (log scale)', name: `${name}-breakdown`,
    summary: `Predicted for k=${rows[0].workers} to k=${rows.at(-1).workers}. At k=${rec.workers}: ${seconds(rec.time_s)} in total, compute ${seconds(rec.breakdown.compute_s)}, the largest overhead ${biggest(rec)[1]} at ${seconds(rec.breakdown[biggest(rec)[0]])}. ${serialNote}`,
    note: `Each group is the model's best chunk size for that k (in the tooltip). The axis is logarithmic, so overheads far smaller than the compute time stay visible; a part missing from a group costs nothing there. ${serialNote}`,
    option: {
      grid: { bottom: 30 },
      tooltip: {
        trigger: 'axis', confine: true,
        formatter: (items) => {
          const p = rows[items[0].dataIndex];
          const share = (v) => (p.time_s > 0 ? ` (${(100 * v / p.time_s).toPrecision(2)} % of the total)` : '');
          const measured = p === tried ? `<br>measured in the decision's trial: ${seconds(plan.trial.parallel_s)} (median of ${plan.trial.runs})` : '';
          return `k=${p.workers}, chunks of ${count(p.chunk_size, 'item')}: ${seconds(p.time_s)} predicted<br>`
            + PARTS.map(([k, l], i) => `<span style="color:${COLORS.parts[i]}">■</span> ${l}: ${seconds(p.breakdown[k])}${share(p.breakdown[k])}`).join('<br>') + measured;
        },
      },
      xAxis: { type: 'category', data: cats, name: 'workers (k)', nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'log', name: 'predicted time (log scale)', min: lo, logBase: 10, axisLabel: { formatter: (ns) => seconds(ns * 1e-9) } },
      series,
    },
    csv: {
      columns: ['workers', 'chunk_size_items', 'predicted_total_ms', ...PARTS.map(([, l]) => `${l}_ms`)],
      rows: rows.map((p) => [p.workers, p.chunk_size, ms(p.time_s), ...PARTS.map(([k]) => ms(p.breakdown[k]))]),
    },
  };
}

/** Speedup against a swept axis (per-item cost or N), from a `scaling` result. */
export function scaling(points, { name, axisName, log }) {
  const msu = points.map((p) => [p.x, round(p.speedup, 3)]);
  const psu = points.map((p) => [p.x, round(p.predicted_speedup, 3)]);
  return {
    title: `Speedup of the recommended plan against ${axisName}`, name,
    summary: `Measured speedup of the recommended plan at ${axisName} ${points.map((p, i) => `${p.x}: ${x(msu[i][1])}`).join(', ')}.`,
    option: {
      grid: { bottom: 30 },
      tooltip: {
        trigger: 'axis', confine: true,
        formatter: (items) => {
          const p = points[items[0].dataIndex];
          return `${axisName} = ${p.x} (N = ${p.items})<br>plan: ${p.plan.strategy === 'serial' ? 'serial' : shapeLabel(p.plan.workers, p.plan.chunk_size)}<br>serial ${seconds(p.serial.median_s)}, plan ${seconds(p.recommended.median_s)}<br>`
            + items.map((i) => `${i.marker}${i.seriesName}: ${i.value[1]}x`).join('<br>');
        },
      },
      xAxis: { type: log ? 'log' : 'value', name: axisName, nameLocation: 'middle', nameGap: 26, logBase: 10 },
      yAxis: speedupAxis,
      series: [measuredLine('measured speedup', msu, { markLine: serialSpeedupLine() }), predictedLine('predicted speedup', psu)],
    },
    csv: {
      columns: ['x', 'items', 'plan_workers', 'plan_chunk_size', 'strategy', 'serial_median_ms', 'plan_median_ms', 'measured_speedup', 'predicted_speedup'],
      rows: points.map((p) => [p.x, p.items, p.plan.workers, p.plan.strategy === 'serial' ? '' : p.plan.chunk_size, p.plan.strategy, ms(p.serial.median_s), ms(p.plan.strategy === 'serial' ? p.serial.median_s : p.recommended.median_s), msu[points.indexOf(p)][1], psu[points.indexOf(p)][1]]),
    },
  };
}

/** Per-worker chunk timeline, from an `execute` result's run.chunks. */
export function timeline(run, name) {
  const chunks = run.chunks;
  const t0 = Math.min(...chunks.map((c) => c.start));
  const workers = Math.max(...chunks.map((c) => c.worker)) + 1;
  const data = chunks.map((c) => [c.worker, ms(c.start - t0), ms(c.end - t0), c.first, c.count]);
  return {
    title: `Chunks per worker over time (${count(chunks.length, 'chunk')}${run.timeline_truncated ? ', truncated' : ''})`, name,
    height: Math.max(180, 60 + workers * 34),
    option: {
      legend: { show: false },
      grid: { bottom: 30, top: 40 },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: (p) => `worker ${p.value[0]}: items ${p.value[3]}–${p.value[3] + p.value[4] - 1}<br>${p.value[1]} ms → ${p.value[2]} ms (${+(p.value[2] - p.value[1]).toPrecision(3)} ms)`,
      },
      xAxis: { type: 'value', name: 'time since first chunk (ms)', nameLocation: 'middle', nameGap: 26, min: 0 },
      yAxis: { type: 'category', data: Array.from({ length: workers }, (_, i) => `worker ${i}`), inverse: true },
      series: [{
        name: 'chunk (measured)', type: 'custom', encode: { x: [1, 2], y: 0 }, data,
        renderItem: (params, api) => {
          const start = api.coord([api.value(1), api.value(0)]);
          const end = api.coord([api.value(2), api.value(0)]);
          const h = api.size([0, 1])[1] * 0.6;
          return {
            type: 'rect',
            shape: { x: start[0], y: start[1] - h / 2, width: Math.max(1, end[0] - start[0]), height: h },
            style: { fill: COLORS.parts[api.value(0) % COLORS.parts.length], stroke: 'rgba(0,0,0,0.35)', lineWidth: 0.5 },
          };
        },
      }],
    },
    csv: { columns: ['worker', 'start_ms', 'end_ms', 'first_item', 'items'], rows: data },
  };
}

/**
 * Heatmap of median time over k × c, from a `sweep` result. The fastest cell's border is blue:
 * the colour scale runs green (fast) to red, so a green border vanished on the fastest cell.
 */
export function heatmap(sweep, name) {
  const ks = [...new Set(sweep.points.map((p) => p.workers))].sort((a, b) => a - b);
  const cs = [...new Set(sweep.points.map((p) => p.chunk_size))].sort((a, b) => a - b);
  const best = sweep.best;
  const data = sweep.points.map((p) => {
    const item = { value: [ks.indexOf(p.workers), cs.indexOf(p.chunk_size), ms(p.time.median_s)], point: p };
    if (p.workers === best.workers && p.chunk_size === best.chunk_size) item.itemStyle = { borderColor: COLORS.measured, borderWidth: 3 };
    return item;
  });
  const values = data.map((d) => d.value[2]).filter(Number.isFinite);
  return {
    title: 'Measured median time over workers × chunk size (blue border: fastest)', name,
    height: Math.max(260, 110 + cs.length * 30),
    option: {
      legend: { show: false },
      grid: { bottom: 86, top: 36 },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: (p) => {
          const pt = p.data.point;
          return `k=${pt.workers}, chunk ${pt.chunk_size}<br>measured median ${seconds(pt.time.median_s)} (min ${seconds(pt.time.min_s)}, max ${seconds(pt.time.max_s)}, ${pt.time.runs_s.length} runs)<br>predicted ${seconds(pt.predicted_s)}`;
        },
      },
      xAxis: { type: 'category', data: ks.map(String), name: 'workers (k)', nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'category', data: cs.map(String), name: 'chunk size (items)' },
      visualMap: { min: Math.min(...values), max: Math.max(...values), calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, text: ['slow (ms)', 'fast'], inRange: { color: ['#1a9850', '#fee08b', '#d73027'] } },
      series: [{ name: 'measured median (ms)', type: 'heatmap', data, label: { show: ks.length <= 8, fontSize: 10, formatter: (p) => `${p.value[2]}` } }],
    },
    csv: {
      columns: ['workers', 'chunk_size', 'measured_median_ms', 'measured_min_ms', 'measured_max_ms', 'predicted_ms'],
      rows: sweep.points.map((p) => [p.workers, p.chunk_size, ms(p.time.median_s), ms(p.time.min_s), ms(p.time.max_s), ms(p.predicted_s)]),
    },
  };
}

/** Predicted against measured for every sweep point, with the y = x line. */
export function predictedVsMeasured(sweep, name) {
  const pts = sweep.points.filter((p) => Number.isFinite(p.predicted_s));
  const data = pts.map((p) => ({ value: [ms(p.predicted_s), ms(p.time.median_s)], point: p }));
  const hi = Math.max(1e-9, ...data.flatMap((d) => d.value).filter(Number.isFinite)) * 1.1;
  return {
    title: 'Predicted against measured time (on the dotted line the model is exact)', name,
    option: {
      grid: { bottom: 30 },
      tooltip: { trigger: 'item', confine: true, formatter: (p) => p.data.point ? `k=${p.data.point.workers}, chunk ${p.data.point.chunk_size}<br>predicted ${p.value[0]} ms, measured ${p.value[1]} ms` : '' },
      xAxis: { type: 'value', name: 'predicted (ms)', nameLocation: 'middle', nameGap: 26, min: 0, max: +hi.toPrecision(2) },
      yAxis: { type: 'value', name: 'measured median (ms)', min: 0, max: +hi.toPrecision(2) },
      series: [
        { name: 'sweep point', type: 'scatter', data, color: COLORS.measured, symbolSize: 9 },
        { name: 'y = x', type: 'line', data: [[0, 0], [+hi.toPrecision(2), +hi.toPrecision(2)]], symbol: 'none', color: COLORS.ideal, lineStyle: { type: 'dotted' } },
      ],
    },
    csv: { columns: ['workers', 'chunk_size', 'predicted_ms', 'measured_median_ms'], rows: pts.map((p) => [p.workers, p.chunk_size, ms(p.predicted_s), ms(p.time.median_s)]) },
  };
}

/** Model recommendation vs adaptive tuner vs full grid: the shape's time and the cost of finding it. */
export function searchCost(rows, name) {
  // rows: [{label, time_s, predicted_s, cost_s, runs}]
  const cats = rows.map((r) => r.label);
  return {
    title: 'Time of the chosen shape, and what finding it cost', name,
    option: {
      grid: { bottom: 8 },
      tooltip: {
        trigger: 'axis', confine: true,
        formatter: (items) => {
          const r = rows[items[0].dataIndex];
          return `${r.label}: ${r.shape}<br>` + items.map((i) => `${i.marker}${i.seriesName}: ${i.value ?? '–'} ms`).join('<br>') + `<br>${r.runs} runs to search`;
        },
      },
      xAxis: { type: 'category', data: cats, axisLabel: { interval: 0 } },
      yAxis: [timeAxis('shape time (ms)'), { type: 'value', name: 'search cost (ms)', min: 0, splitLine: { show: false } }],
      series: [
        measuredBar('shape time, measured (ms)', rows.map((r) => ms(r.time_s))),
        predictedBar('shape time, predicted (ms)', rows.map((r) => ms(r.predicted_s))),
        { name: 'search cost (ms)', type: 'bar', yAxisIndex: 1, color: COLORS.ideal, barMaxWidth: 36, data: rows.map((r) => ms(r.cost_s)) },
      ],
    },
    csv: { columns: ['method', 'shape', 'time_ms', 'predicted_ms', 'search_cost_ms', 'search_runs'], rows: rows.map((r) => [r.label, r.shape, ms(r.time_s), ms(r.predicted_s), ms(r.cost_s), r.runs]) },
  };
}

/** Grouped bars: serial vs recommended for several variants (e.g. transfer copy vs shared). */
export function variants(rows, name, title) {
  // rows: [{label, serial_s, plan_s, predicted_s, shape}]
  const cats = rows.map((r) => r.label);
  return {
    title, name,
    option: {
      tooltip: {
        trigger: 'axis', confine: true,
        formatter: (items) => `${rows[items[0].dataIndex].label}: ${rows[items[0].dataIndex].shape}<br>` + items.map((i) => `${i.marker}${i.seriesName}: ${i.value ?? '–'} ms`).join('<br>'),
      },
      xAxis: { type: 'category', data: cats, axisLabel: { interval: 0 } },
      yAxis: timeAxis(),
      series: [
        { name: 'serial, measured (ms)', type: 'bar', color: COLORS.serial, barMaxWidth: 36, data: rows.map((r) => ms(r.serial_s)) },
        measuredBar('recommended, measured (ms)', rows.map((r) => ms(r.plan_s))),
        predictedBar('recommended, predicted (ms)', rows.map((r) => ms(r.predicted_s))),
      ],
    },
    csv: { columns: ['variant', 'shape', 'serial_median_ms', 'plan_median_ms', 'plan_predicted_ms'], rows: rows.map((r) => [r.label, r.shape, ms(r.serial_s), ms(r.plan_s), ms(r.predicted_s)]) },
  };
}

export { num };
