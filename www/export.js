// Downloads: CSV of what a chart draws, SVG of the chart, JSON of what the engine returned.
function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
function cell(v) {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export function toCsv({ columns, rows }) {
  return [columns.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}
export function downloadCsv(name, table) {
  download(`${name}.csv`, 'text/csv', toCsv(table));
}
export function downloadSvg(name, text) {
  download(`${name}.svg`, 'image/svg+xml', text);
}
export function downloadJson(name, value) {
  download(`${name}.json`, 'application/json', JSON.stringify(value, null, 2));
}
