// Form fields for cells: render, read and validate. Workload parameter fields come from the
// engine's catalog (ParamSpec), so the front end hard-codes no parameter list.
import { el } from './format.js';

/** Fields for a workload's parameters, from its catalog entry. `overrides` sets values. */
export function paramFields(info, overrides = {}) {
  return info.params.map((p) => {
    const value = overrides[p.name] ?? p.value;
    if (p.kind.type === 'choice') {
      return { name: `p.${p.name}`, label: p.label, type: 'choice', options: p.kind.options, value, unit: p.unit };
    }
    return { name: `p.${p.name}`, label: p.label, type: 'number', min: p.kind.min, max: p.kind.max, integer: p.kind.integer, value, unit: p.unit };
  });
}

export const nField = (value, max = 10_000_000) => ({ name: 'n', label: 'items (N)', type: 'number', min: 1, max, integer: true, value });
export const repeatsField = (value = 3) => ({ name: 'repeats', label: 'repeats per point', type: 'number', min: 1, max: 15, integer: true, value, help: 'the median of these is reported' });
export const transferField = (value = 'shared') => ({ name: 'transfer', label: 'transfer', type: 'choice', options: ['shared', 'copy'], value, help: 'shared: threads read items in place; copy: items and results are serialized per chunk, like a process pool or postMessage' });
export const startField = (value = 'warm') => ({ name: 'start', label: 'start', type: 'choice', options: ['warm', 'cold'], value, help: 'cold pays pool start-up in every run, like `with Pool()`' });

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const clip = (s) => (s.length > 24 ? `${s.slice(0, 24)}…` : s);

/** Checks one raw string against a field; returns [value, error]. */
export function check(field, raw) {
  const text = String(raw ?? '').trim();
  if (field.type === 'choice') {
    return field.options.includes(text) ? [text, null] : [null, `"${clip(text)}" is not one of: ${field.options.join(', ')}`];
  }
  if (field.type === 'list') {
    const parts = text.split(/[\s,;]+/).filter(Boolean);
    if (parts.length === 0) return [null, 'give at least one number, separated by commas'];
    const out = [];
    for (const part of parts) {
      const [v, err] = check({ ...field, type: 'number' }, part);
      if (err) return [null, `"${part}": ${err}`];
      out.push(v);
    }
    if (field.maxItems && out.length > field.maxItems) return [null, `at most ${field.maxItems} values`];
    return [out, null];
  }
  if (text === '') return [null, 'required'];
  // Decimal only: Number() would also take hex (0x10), binary, octal, 'Infinity' and '1_000'.
  if (text.length > 40 || !DECIMAL.test(text)) return [null, `"${clip(text)}" is not a decimal number`];
  const v = Number(text);
  if (!Number.isFinite(v)) return [null, `"${clip(text)}" is too large`];
  if (field.integer && !Number.isInteger(v)) return [null, 'must be a whole number'];
  if (field.min !== undefined && v < field.min) return [null, `must be at least ${field.min}`];
  if (field.max !== undefined && v > field.max) return [null, `must be at most ${field.max}`];
  return [v, null];
}

const shareText = (value) => (Array.isArray(value) ? value.join(',') : String(value ?? ''));

function display(field, value) {
  return Array.isArray(value) ? value.join(', ') : String(value ?? '');
}

/** Renders `fields` into a form element; returns {form, read(), set(name, raw)}. */
export function renderForm(fields, onChange) {
  const form = el('div', { class: 'fields' });
  const inputs = new Map();
  for (const f of fields) {
    const id = `f-${Math.random().toString(36).slice(2, 9)}`;
    let input;
    if (f.type === 'choice') {
      input = el('select', { id, name: f.name }, f.options.map((o) => el('option', { value: o }, o)));
      input.value = f.value;
    } else {
      input = el('input', {
        id, name: f.name, type: 'text', inputmode: f.type === 'list' ? 'text' : 'decimal', autocomplete: 'off', spellcheck: 'false',
        value: display(f, f.value),
      });
    }
    const error = el('span', { class: 'field-error', role: 'alert', 'aria-live': 'polite' });
    const unit = f.unit ? ` (${f.unit})` : '';
    const range = f.type === 'number' && f.max !== undefined ? `${f.min}–${f.max}` : '';
    const label = el('label', { for: id, title: f.help ?? '' }, `${f.label}${unit}`);
    const wrap = el('div', { class: 'field', 'data-field': f.name }, label, input, error,
      f.help || range ? el('small', {}, [range && `range ${range}`, f.help].filter(Boolean).join('; ')) : null);
    // A refused link value stays named (entry.refused) until the visitor edits the field.
    const edited = () => { inputs.get(f.name).refused = null; validate(f); onChange?.(); };
    input.addEventListener('input', edited);
    input.addEventListener('change', edited);
    inputs.set(f.name, { f, input, error, wrap });
    form.append(wrap);
  }
  function validate(f) {
    const { input, error, wrap, refused } = inputs.get(f.name);
    const [, err] = check(f, input.value);
    error.textContent = err ?? refused ?? '';
    wrap.classList.toggle('invalid', Boolean(err ?? refused));
    input.setAttribute('aria-invalid', err ? 'true' : 'false');
    return err;
  }
  return {
    form,
    read() {
      const values = {};
      const errors = {};
      for (const { f, input } of inputs.values()) {
        const [v, err] = check(f, input.value);
        if (err) errors[f.name] = err;
        else values[f.name] = v;
        validate(f);
      }
      return { values, errors };
    },
    /** Sets a field from outside (URL prefill); an invalid value is shown with its error. */
    set(name, raw, origin = 'URL') {
      const entry = inputs.get(name);
      if (!entry) return false;
      const [value, err] = check(entry.f, raw);
      entry.refused = err ? `${origin} value ignored: ${err}` : null;
      if (!err) entry.input.value = display(entry.f, value);
      validate(entry.f);
      return !err;
    },
    has: (name) => inputs.has(name),
    /** The field a share key names: `n` -> `n`, `cost_us` -> `p.cost_us`; null if none. */
    fieldFor(key) {
      if (inputs.has(key)) return key;
      return inputs.has(`p.${key}`) ? `p.${key}` : null;
    },
    /** Valid values that differ from the defaults, as share keys and display strings. */
    changed() {
      const out = {};
      for (const { f, input } of inputs.values()) {
        const [v, err] = check(f, input.value);
        if (err) continue;
        // Lists without spaces: addresses encode a space as '+'.
        const text = shareText(v);
        if (text !== shareText(f.value)) out[f.name.replace(/^p\./, '')] = text;
      }
      return out;
    },
  };
}

/** The engine's JobSpec from validated values (`p.*` become workload params). */
export function jobFrom(values, workload, extra = {}) {
  const params = {};
  for (const [k, v] of Object.entries(values)) if (k.startsWith('p.')) params[k.slice(2)] = v;
  const job = { workload: values.workload ?? workload, params, ...extra };
  if (values.n !== undefined) job.n = values.n;
  if (values.transfer) job.transfer = values.transfer;
  if (values.start) job.start = values.start;
  return job;
}
