// Downloads: PNG and SVG of a chart, CSV of what it draws, JSON of what the engine returned.
// Files are named after the page, the cell, the chart and the job's parameters, for example
// amorsize-getting-started-curve-time-vs-k-cpu-loop-n2439.png.
function download(name, type, body) {
  const url = typeof body === 'string' && body.startsWith('data:') ? body : URL.createObjectURL(new Blob([body], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  if (url.startsWith('blob:')) setTimeout(() => URL.revokeObjectURL(url), 1000);
}
function cell(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export function toCsv({ columns, rows }) {
  return [columns.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}

/** Lower-case words joined by dashes: "Getting started" -> "getting-started". */
export function slug(text) {
  return String(text).toLowerCase().normalize('NFKD').replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '');
}

// Parameters worth a place in a file name, in this order; the others stay in the CSV's rows.
const NAMED = [['n', 'n'], ['n_tiny', 'tiny-n'], ['n_cpu', 'cpu-n'], ['n_tx', 'tx-n'], ['p.cost_us', 'cost'], ['p.distribution', ''], ['transfer', '']];

/**
 * The base name (no extension) of an export of the chart in `figure`: page, cell, chart, then
 * the cell's parameters as they stand. Parts already present are not repeated.
 */
export function exportName(figure, spec) {
  const page = figure.closest('main')?.dataset.page ?? 'page';
  const cellRoot = figure.closest('[data-cell]');
  const cellId = cellRoot?.dataset.cell;
  const value = (field) => cellRoot?.querySelector(`[data-field="${field}"] input, [data-field="${field}"] select`)?.value;
  const workload = value('workload') ?? spec.workload;
  // A chart's own name may repeat the page, the cell or the workload ("getting-started-time").
  let chartPart = `-${slug(spec.name)}-`;
  for (const known of [page, cellId, workload]) if (known) chartPart = chartPart.replace(`-${slug(known)}-`, '-');
  const parts = ['amorsize', page, cellId !== page ? cellId : null, chartPart.replace(/^-|-$/g, ''), workload && slug(workload)];
  for (const [field, prefix] of NAMED) {
    const v = field === 'workload' ? null : value(field);
    if (v) parts.push(`${prefix}${slug(v)}`);
  }
  return parts.filter(Boolean).join('-');
}
export function downloadCsv(name, table) {
  download(`${name}.csv`, 'text/csv', toCsv(table));
}
export function downloadSvg(name, text) {
  download(`${name}.svg`, 'image/svg+xml', text);
}
/** `dataUrl` is the PNG as ECharts returns it (a data: URL). */
export function downloadPng(name, dataUrl) {
  download(`${name}.png`, 'image/png', dataUrl);
}
export function downloadJson(name, value) {
  download(`${name}.json`, 'application/json', JSON.stringify(value, null, 2));
}
