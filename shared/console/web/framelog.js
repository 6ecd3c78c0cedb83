// The frame log of one box, newest first: each row is an exchange (a CALL with the answer to
// it) or a connection event, one line each that opens to the frames pretty-printed. New rows
// arrive by polling and are highlighted.
import { useRef } from 'preact/hooks';
import { get, enc } from './api.js';
import { html, usePoll, ErrorBox, Time, Refreshed } from './ui.js';

const TYPES = { 2: 'CALL', 3: 'CALLRESULT', 4: 'CALLERROR' };
const FROM_BOX = 'from-box';

// pair folds the rows of the system's own CALLs and the box's later answers (logged apart)
// into one row each, CALL first, so every CALL shows beside its answer.
export function pair(rows) {
  const calls = new Map();
  for (const r of rows) {
    const f = r.frames || [];
    if (f.length === 1 && f[0].messageType === 2) calls.set(f[0].uniqueId, r);
  }
  const answered = new Map();
  const out = [];
  for (const r of rows) {
    const f = r.frames || [];
    if (f.length === 1 && f[0].messageType !== 2 && calls.has(f[0].uniqueId)) {
      answered.set(f[0].uniqueId, f[0]);
      continue;
    }
    out.push(r);
  }
  return out.map((r) => {
    const f = r.frames || [];
    const a = f.length === 1 && answered.get(f[0].uniqueId);
    return a ? { ...r, frames: [f[0], a] } : r;
  });
}

function pretty(raw) {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

// rowTitle names an exchange: its action and who called whom.
function rowTitle(row) {
  if (row.eventType) return `${row.eventType}${row.status ? ' (' + row.status + ')' : ''}${row.ip ? ' from ' + row.ip : ''}`;
  const frames = row.frames || [];
  const call = frames.find((f) => f.messageType === 2);
  const answer = frames.find((f) => f.messageType !== 2);
  const action = (call && call.action) || (answer && answer.responseTo) || '';
  const dir = call ? (call.direction === FROM_BOX ? 'box → system' : 'system → box') : answer ? (answer.direction === FROM_BOX ? 'box answered' : 'system answered') : '';
  const outcome = answer ? TYPES[answer.messageType] : call ? 'no answer yet' : '';
  return `${action} · ${dir} · ${outcome}`;
}

export function FrameLog({ id }) {
  const seen = useRef(null);
  const [data, error, at] = usePoll(() => get(`/charge-boxes/${enc(id)}/messages?limit=40`), 2000, [id]);
  const rows = data ? pair(data.items) : [];
  const known = seen.current;
  const fresh = new Set(known ? rows.map((r) => r.seq).filter((s) => !known.has(s)) : []);
  if (data) seen.current = new Set([...(known || []), ...rows.map((r) => r.seq)]);
  return html`<section aria-labelledby="frames"><h2 id="frames">Frame log</h2>
    <${Refreshed} at=${at} error=${error} />
    ${!data && html`<${ErrorBox} error=${error} />`}
    ${data && rows.length === 0 && html`<p class="muted">No frame yet.</p>`}
    <ol class="frames" aria-live="polite">${rows.map((r) => html`<li key=${r.seq} class=${fresh.has(r.seq) ? 'fresh' : ''}>
      <details><summary class="frame-head"><${Time} at=${r.occurredAt} /> <strong>${rowTitle(r)}</strong></summary>
      ${(r.frames || []).map((f) => html`<div class=${'frame t' + f.messageType}>
        <span class="frame-meta">${TYPES[f.messageType] || f.messageType} ${f.direction === FROM_BOX ? 'from box' : 'to box'} ${f.uniqueId}</span>
        <pre class="json">${pretty(f.raw)}</pre></div>`)}
      </details>
    </li>`)}</ol>
  </section>`;
}
