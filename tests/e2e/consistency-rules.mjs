// The consistency rules every page must keep after Run all (issue 10, item 8), checked inside the
// page. Shared by the Chromium suite (a11y.test.mjs) and the Firefox leg (firefox.mjs), so both
// browsers hold the pages to the same rules. Returns a list of violations (empty when all hold).
//
// - every table row that shows a speedup with its time and the serial time: speedup = serial /
//   time within rounding;
// - a serial plan shows 1.00x;
// - "best measured" is the fastest of what its table shows;
// - no NaN, Infinity or 0.00x anywhere on the page;
// - a speedup is written as the engine writes its verdicts ("1.84x", "28x slower"), never "1.84×".
export function checkConsistency() {
  const out = [];
  const where = (node) => `${node.closest('[data-cell]')?.id ?? 'page'}: ${node.textContent.replace(/\s+/g, ' ').trim().slice(0, 120)}`;
  const text = document.querySelector('main').innerText;
  for (const bad of [/NaN/, /Infinity/, /(^|[^0-9.])0\.00\s*[x×]/, /\d×/]) {
    const m = text.match(new RegExp(`.{0,60}${bad.source}.{0,40}`));
    if (m) out.push(`"${bad.source}" shown: …${m[0].replace(/\s+/g, ' ')}…`);
  }
  // The times and speedups are displayed rounded (3 significant figures, 2 decimals); the rows
  // carry the engine's unrounded figures, which must agree to well within that rounding.
  const agrees = (speedup, serial, time) => Math.abs(speedup - serial / time) <= 0.01 * speedup + 0.006;
  for (const table of document.querySelectorAll('table[data-consistency]')) {
    const rows = [...table.querySelectorAll('tbody tr[data-speedup]')];
    const tableSerial = Number(table.dataset.serial);
    for (const row of rows) {
      const speedup = Number(row.dataset.speedup);
      const time = Number(row.dataset.time);
      const serial = Number(row.dataset.serial ?? tableSerial);
      if (!Number.isFinite(speedup) || !Number.isFinite(time) || !Number.isFinite(serial)) {
        out.push(`not a finite figure in ${where(row)}`);
        continue;
      }
      if (!agrees(speedup, serial, time)) out.push(`speedup ${speedup.toFixed(3)} ≠ serial / time = ${(serial / time).toFixed(3)} in ${where(row)}`);
      const cells = [...row.children].map((c) => c.textContent.trim());
      if (cells.includes('serial') || row.dataset.serialPlan === 'true') {
        if (!cells.some((c) => /^1\.00x/.test(c))) out.push(`a serial plan not shown as 1.00x in ${where(row)}`);
      }
    }
    const best = rows.find((r) => r.dataset.row === 'best measured');
    if (best) {
      const fastest = Math.min(...rows.map((r) => Number(r.dataset.time)));
      if (Number(best.dataset.time) > fastest * 1.005) out.push(`"best measured" (${best.dataset.time} s) is slower than another row (${fastest} s) in ${where(best)}`);
    }
  }
  // A sweep's "Best measured" is the fastest of its grid and of the serial run it is shown with.
  for (const p of document.querySelectorAll('p[data-sweep][data-best]')) {
    const best = Number(p.dataset.best);
    const others = [Number(p.dataset.fastest), p.dataset.serial === '' ? Infinity : Number(p.dataset.serial)];
    if (best > Math.min(...others) * 1.005) out.push(`"Best measured" (${best} s) is slower than ${Math.min(...others)} s shown beside it in ${where(p)}`);
  }
  // The worker sweep's "Fastest measured" line names the point with the highest speedup.
  for (const p of document.querySelectorAll('[data-curve]')) {
    if (p.tagName !== 'P') continue;
    const points = JSON.parse(p.closest('.out').dataset.curve ?? '[]');
    const top = points.reduce((a, b) => (b.speedup > a.speedup ? b : a), points[0]);
    if (top && !p.textContent.includes(`k=${top.k} `)) out.push(`"Fastest measured" is not k=${top.k} in ${where(p)}`);
  }
  return out;
}

/** Wording that the single-threaded build must never show, and one-point line charts. */
export function checkSingleThreadWording() {
  const out = [];
  const text = document.querySelector('main').innerText;
  for (const bad of [/\b1 workers\b/, /\ball 1 cores\b/, /\b1 threads\b/, /\b1 cores\b/, /\b1 items\b/, /\b1 chunks\b/]) {
    const m = text.match(new RegExp(`.{0,60}${bad.source}.{0,40}`));
    if (m) out.push(`"${bad.source}" shown: …${m[0].replace(/\s+/g, ' ')}…`);
  }
  for (const el of document.querySelectorAll('.chart')) {
    const chart = globalThis.echarts?.getInstanceByDom(el);
    for (const s of chart?.getOption().series ?? []) {
      const n = (s.data ?? []).filter((d) => d !== null && d !== undefined).length;
      if (s.type === 'line' && n === 1) out.push(`one-point chart: ${el.getAttribute('aria-label')}`);
    }
  }
  return out;
}
