// Shared pieces of the pages: html (htm bound to preact), times in the operator's zone with
// UTC on hover, form fields that show the API's error beside them, sortable tables, polling.
import { h, createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

// Session is {role, who, signOut}; canWrite tells whether to show controls that change things.
export const Session = createContext(null);
export const useCanWrite = () => useContext(Session).role === 'operator';

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// Time shows an RFC 3339 instant in the operator's time zone; the title holds it in UTC.
export function Time({ at }) {
  if (!at) return html`<span class="muted">—</span>`;
  const d = new Date(at);
  if (isNaN(d)) return html`<span>${at}</span>`;
  return html`<time datetime=${d.toISOString()} title=${'UTC ' + d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}>${local.format(d)}</time>`;
}

export function ago(at) {
  if (!at) return '';
  const s = Math.round((Date.now() - new Date(at)) / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function duration(ms) {
  if (ms == null || isNaN(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return hh ? `${hh} h ${mm} min` : mm ? `${mm} min ${ss} s` : `${ss} s`;
}

// usePoll calls load now and every ms while the page shows (and the tab is visible); it
// returns [data, error, refreshedAt, reload].
export function usePoll(load, ms, deps = []) {
  const [state, setState] = useState({ data: null, error: null, at: null });
  const alive = useRef(true);
  const run = useCallback(async () => {
    try {
      const data = await load();
      if (alive.current) setState({ data, error: null, at: new Date() });
    } catch (error) {
      if (alive.current) setState((s) => ({ ...s, error, at: s.at }));
    }
  }, deps);
  useEffect(() => {
    alive.current = true;
    run();
    if (!ms) return () => (alive.current = false);
    const t = setInterval(() => document.visibilityState === 'visible' && run(), ms);
    return () => {
      alive.current = false;
      clearInterval(t);
    };
  }, [run, ms]);
  return [state.data, state.error, state.at, run];
}

// ErrorBox shows an error as the API worded it; nothing fails silently.
export function ErrorBox({ error }) {
  if (!error) return null;
  const where = error.status ? ` (${error.method} ${error.path}: ${error.status}${error.field ? `, field ${error.field}` : ''})` : '';
  return html`<p class="error" role="alert">${error.message}${where}</p>`;
}

// FieldError is the API's error for one field, shown next to it.
export function FieldError({ id, error, field }) {
  if (!error || !matchesField(error.field, field)) return null;
  return html`<span class="field-error" id=${id + '-error'} role="alert">${error.message}</span>`;
}

function matchesField(got, field) {
  if (!got) return false;
  const fields = Array.isArray(field) ? field : [field];
  return fields.some((f) => got === f || got.startsWith(f + '.') || got.startsWith(f + '['));
}

// FormError shows an error no field of the form took.
export function FormError({ error, fields }) {
  if (!error || fields.some((f) => matchesField(error.field, f))) return null;
  return html`<${ErrorBox} error=${error} />`;
}

let ids = 0;
// Field is a labelled input; error is the last ApiError, shown beside it when it names this field.
export function Field({ label, name, error, value, onInput, type = 'text', options, hint, ...rest }) {
  const [id] = useState(() => `f${++ids}-${name}`);
  const invalid = error && matchesField(error.field, name);
  const common = { id, name, 'aria-invalid': invalid ? 'true' : undefined, 'aria-describedby': invalid ? id + '-error' : undefined, ...rest };
  let input;
  if (options) {
    input = html`<select ...${common} value=${value} onChange=${(e) => onInput(e.target.value)}>
      ${options.map((o) => (Array.isArray(o) ? html`<option value=${o[0]}>${o[1]}</option>` : html`<option value=${o}>${o || '—'}</option>`))}
    </select>`;
  } else if (type === 'textarea') {
    input = html`<textarea ...${common} value=${value} onInput=${(e) => onInput(e.target.value)}></textarea>`;
  } else if (type === 'checkbox') {
    input = html`<input ...${common} type="checkbox" checked=${value} onChange=${(e) => onInput(e.target.checked)} />`;
  } else {
    input = html`<input ...${common} type=${type} value=${value} onInput=${(e) => onInput(e.target.value)} />`;
  }
  return html`<div class=${'field' + (invalid ? ' invalid' : '')}>
    <label for=${id}>${label}</label>${input}
    ${hint && html`<small class="muted">${hint}</small>`}
    <${FieldError} id=${id} error=${error} field=${name} />
  </div>`;
}

// useForm keeps a form's values, its busy flag and the last error.
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const set = (k) => (v) => setValues((s) => ({ ...s, [k]: v }));
  async function submit(action) {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { values, setValues, set, busy, error, setError, submit };
}

// Table is a sortable table; columns are {key, label, get?(row), render?(row), sort?(row)}.
export function Table({ columns, rows, empty = 'Nothing here yet.', initialSort, caption, rowKey }) {
  const [sort, setSort] = useState(initialSort || { key: null, dir: 1 });
  const col = columns.find((c) => c.key === sort.key);
  let shown = rows;
  if (col) {
    const v = col.sort || col.get || ((r) => r[col.key]);
    shown = [...rows].sort((a, b) => {
      const x = v(a);
      const y = v(b);
      return (x == null ? -Infinity : x) > (y == null ? -Infinity : y) ? sort.dir : (x == null ? -Infinity : x) < (y == null ? -Infinity : y) ? -sort.dir : 0;
    });
  }
  return html`<div class="table-wrap"><table>
    ${caption && html`<caption>${caption}</caption>`}
    <thead><tr>${columns.map((c) => {
      const active = sort.key === c.key;
      const ariaSort = active ? (sort.dir > 0 ? 'ascending' : 'descending') : undefined;
      return c.nosort
        ? html`<th scope="col">${c.label}</th>`
        : html`<th scope="col" aria-sort=${ariaSort}><button type="button" class="sort" onClick=${() => setSort({ key: c.key, dir: active ? -sort.dir : 1 })}>${c.label}${active ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''}</button></th>`;
    })}</tr></thead>
    <tbody>${shown.length === 0
      ? html`<tr><td colspan=${columns.length} class="muted">${empty}</td></tr>`
      : shown.map((r, i) => html`<tr key=${rowKey ? rowKey(r) : i}>${columns.map((c) => html`<td data-label=${c.label}>${c.render ? c.render(r) : c.get ? c.get(r) : r[c.key]}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

export function Refreshed({ at, error }) {
  return html`<p class="refreshed" aria-live="polite">${at ? html`Last refreshed <${Time} at=${at.toISOString()} />` : 'Loading…'}
    ${error && html` — <span class="error">refresh failed: ${error.message}</span>`}</p>`;
}

export const kWh = (wh) => (wh == null || isNaN(wh) ? '' : `${(wh / 1000).toFixed(2)} kWh`);

export function Json({ value }) {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

export const link = (path) => '#' + path;
