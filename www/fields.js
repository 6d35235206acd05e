// Form fields for cells: render, read and validate. Workload parameter fields come from the
// engine's catalog (ParamSpec), so the front end hard-codes no parameter list.
import { el } from './format.js';

/** A catalog parameter's `used_when` (ParamSpec) as a field's `onlyWhen`, or undefined. */
const onlyWhen = (usedWhen) => (usedWhen ? { field: `p.${usedWhen.param}`, values: usedWhen.values } : undefined);

/** Fields for a workload's parameters, from its catalog entry. `overrides` sets values. */
export function paramFields(info, overrides = {}) {
  return info.params.map((p) => {
    const value = overrides[p.name] ?? p.value;
    const common = { name: `p.${p.name}`, label: p.label, value, unit: p.unit, onlyWhen: onlyWhen(p.used_when) };
    if (p.kind.type === 'choice') return { ...common, type: 'choice', options: p.kind.options };
    return { ...common, type: 'number', min: p.kind.min, max: p.kind.max, integer: p.kind.integer };
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

/** "a", "a or b", "a, b or c". */
const orList = (words) => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`);

const shareText = (value) => (Array.isArray(value) ? value.join(',') : String(value ?? ''));

function display(field, value) {
  return Array.isArray(value) ? value.join(', ') : String(value ?? '');
}

/**
 * Renders `fields` into a form element; returns {form, read(), peek(), set(name, raw), ...}.
 * A field with `onlyWhen: {field, values}` matters only while that other field holds one of
 * `values`: otherwise it is disabled, says why, and is left out of read() and peek().
 */
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
    const unused = f.onlyWhen ? el('small', { class: 'field-unused', id: `${id}-unused`, hidden: true }) : null;
    if (unused) input.setAttribute('aria-describedby', unused.id);
    const wrap = el('div', { class: 'field', 'data-field': f.name }, label, input, error, unused,
      f.help || range ? el('small', {}, [range && `range ${range}`, f.help].filter(Boolean).join('; ')) : null);
    // A refused link value stays named (entry.refused) until the visitor edits the field.
    const edited = () => { inputs.get(f.name).refused = null; validate(f); showUse(); onChange?.(); };
    input.addEventListener('input', edited);
    input.addEventListener('change', edited);
    inputs.set(f.name, { f, input, error, wrap, unused });
    form.append(wrap);
  }
  /** Whether `f` matters with the values the form holds now. */
  function used(f) {
    if (!f.onlyWhen) return true;
    const other = inputs.get(f.onlyWhen.field);
    return !other || f.onlyWhen.values.includes(other.input.value.trim());
  }
  /** Disables the fields the other fields' values make irrelevant, and says why on each. */
  function showUse() {
    for (const entry of inputs.values()) {
      const { f, input, wrap, unused } = entry;
      if (!unused) continue;
      const on = used(f);
      if (on !== !input.disabled) {
        input.disabled = !on;
        wrap.classList.toggle('unused', !on);
        unused.hidden = on;
        validate(f);
      }
      if (!on) {
        const other = inputs.get(f.onlyWhen.field);
        unused.textContent = `Not used while “${other.f.label}” is ${other.input.value}; used with ${orList(f.onlyWhen.values)}.`;
      }
    }
  }
  function validate(f) {
    const { input, error, wrap, refused } = inputs.get(f.name);
    // A field out of use is not sent, so its value cannot be wrong.
    const [, err] = used(f) ? check(f, input.value) : [null, null];
    error.textContent = err ?? refused ?? '';
    wrap.classList.toggle('invalid', Boolean(err ?? refused));
    input.setAttribute('aria-invalid', err ? 'true' : 'false');
    return err;
  }
  showUse();
  /** The values and errors of the fields in use, showing each field's error when `show`. */
  function collect(show) {
    const values = {};
    const errors = {};
    for (const { f, input } of inputs.values()) {
      if (!used(f)) continue;
      const [v, err] = check(f, input.value);
      if (err) errors[f.name] = err;
      else values[f.name] = v;
      if (show) validate(f);
    }
    return { values, errors };
  }
  return {
    form,
    read: () => collect(true),
    /** As read(), without touching what the form shows. */
    peek: () => collect(false),
    /** Sets a field from outside (URL prefill); an invalid value is shown with its error. */
    set(name, raw, origin = 'URL') {
      const entry = inputs.get(name);
      if (!entry) return false;
      const [value, err] = check(entry.f, raw);
      entry.refused = err ? `${origin} value ignored: ${err}` : null;
      if (!err) entry.input.value = display(entry.f, value);
      validate(entry.f);
      showUse();
      return !err;
    },
    has: (name) => inputs.has(name),
    /** Every key a link may use for these fields (`n`, `cost_us`, ...). */
    shareKeys: () => [...inputs.keys()].map((name) => name.replace(/^p\./, '')),
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
