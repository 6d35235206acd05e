// A cell's "Embed" button: shows the snippet that puts this cell, with its current parameters,
// into another page (see www/embed.js), with a Copy button.
import { pageSlug } from './cell-id.js';
import { el } from './format.js';

/** Parameters the visitor changed from the cell's defaults, as data-* attributes. */
function changedParams(cell) {
  const out = [];
  for (const f of cell.querySelectorAll('input[name], select[name]')) {
    const changed = f.tagName === 'SELECT'
      ? [...f.options].some((o) => o.selected !== o.defaultSelected)
      : f.value !== f.defaultValue;
    const name = f.name.replace(/^p\./, '');
    if (changed && /^[a-z][a-z0-9_-]*$/i.test(name)) out.push([name, f.value]);
  }
  return out;
}

const attr = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function snippet(cell) {
  const route = document.getElementById('main')?.dataset.page ?? '';
  const id = `${pageSlug(route === 'getting-started' ? '' : route)}/${cell.dataset.cell}`;
  const script = new URL('www/embed.js', new URL('./', location.href)).href;
  const data = changedParams(cell).map(([k, v]) => ` data-${k}="${attr(v)}"`).join('');
  return `<script src="${script}" defer></script>\n<div data-amorsize="${id}"${data}></div>`;
}

/** The Embed button and its (initially hidden) snippet box, for the cell's actions row. */
export function embedButton(cell) {
  const text = el('textarea', { class: 'embed-code', readonly: true, rows: 4, 'aria-label': 'Embed snippet', spellcheck: 'false' });
  const copy = el('button', { type: 'button', class: 'small' }, 'Copy');
  const box = el('div', { class: 'embed-box', hidden: true },
    el('p', { class: 'note' }, 'Paste this into any page to run this cell there, with the parameters set here:'), text, copy);
  const button = el('button', { type: 'button', class: 'small embed-toggle', 'aria-expanded': 'false' }, 'Embed');
  button.addEventListener('click', () => {
    box.hidden = !box.hidden;
    button.setAttribute('aria-expanded', String(!box.hidden));
    if (!box.hidden) {
      text.value = snippet(cell);
      text.select();
    }
  });
  copy.addEventListener('click', async () => {
    text.value = snippet(cell);
    try {
      await navigator.clipboard.writeText(text.value);
      copy.textContent = 'Copied';
    } catch {
      text.select();
      copy.textContent = 'Press Ctrl/⌘+C';
    }
    setTimeout(() => { copy.textContent = 'Copy'; }, 2000);
  });
  return { button, box };
}
