// Commands: the fleet's recent remote commands and their outcomes (GET /commands, newest first,
// the last 24 hours), or one box's (GET /charge-boxes/{id}/commands); more pages on demand; any
// command looked up by id.
import { useState } from 'preact/hooks';
import { get, enc } from './api.js';
import { html, usePoll, Refreshed, ErrorBox, Table, Time, Field, useForm, Json, link } from './ui.js';

function answerOf(c) {
  if (c.errorCode) return `${c.errorCode}${c.errorDescription ? ': ' + c.errorDescription : ''}`;
  const r = c.response;
  if (typeof r === 'string') return r;
  return r && r.status ? r.status : r ? JSON.stringify(r) : '';
}

const columns = (withBox) => [
  { key: 'createdAt', label: 'Sent', render: (c) => html`<${Time} at=${c.createdAt} />` },
  ...(withBox ? [{ key: 'chargeBoxId', label: 'Box', render: (c) => html`<a href=${link('/boxes/' + encodeURIComponent(c.chargeBoxId))}>${c.chargeBoxId}</a>` }] : []),
  { key: 'action', label: 'Action' },
  { key: 'status', label: 'Outcome', render: (c) => html`<span class=${'pill cmd-' + c.status}>${c.status}</span>` },
  { key: 'answer', label: 'Answer', get: answerOf },
  { key: 'answeredAt', label: 'Answered', render: (c) => html`<${Time} at=${c.answeredAt} />` },
  { key: 'commandId', label: 'Command id', render: (c) => html`<code>${c.commandId}</code>` },
];

// listPath is the first page's path: one box's commands, or the fleet's of the last 24 hours.
const listPath = (box) => (box ? `/charge-boxes/${enc(box)}/commands?limit=50` : '/commands?limit=50');

// useCommandList polls the first page of a listing and keeps the pages loaded after it
// (the fleet listing's later pages ask for the window the first page named).
function useCommandList(box, ms) {
  const [more, setMore] = useState({ key: null, items: [], next: null, error: null });
  const [first, error, at, reload] = usePoll(() => get(listPath(box)), ms, [box]);
  const extra = more.key === box ? more : { items: [], next: null, error: null };
  const next = extra.next ?? first?.next;
  async function loadMore() {
    const window = !box && first ? `&from=${enc(first.from)}&to=${enc(first.to)}` : '';
    try {
      const page = await get(`${listPath(box)}${window}&next=${enc(next)}`);
      setMore({ key: box, items: [...extra.items, ...(page.items || [])], next: page.next || '', error: null });
    } catch (e) {
      setMore({ ...extra, key: box, error: e });
    }
  }
  const seen = new Set((first?.items || []).map((c) => c.commandId));
  const rows = first ? [...first.items, ...extra.items.filter((c) => !seen.has(c.commandId))] : null;
  return { rows, error: error || extra.error, at, reload, loadMore: next ? loadMore : null };
}

function CommandTable({ list, withBox, empty }) {
  return html`<${Table} rowKey=${(c) => c.commandId} rows=${list.rows || []} empty=${list.rows ? empty : 'Loading…'} columns=${columns(withBox)} />
    ${list.loadMore && html`<p><button type="button" onClick=${list.loadMore}>Load more</button></p>`}`;
}

// BoxCommands is a box's recent commands, for its page.
export function BoxCommands({ id }) {
  const list = useCommandList(id, 5000);
  return html`<section aria-labelledby="box-commands"><h2 id="box-commands">Recent commands</h2>
    <${Refreshed} at=${list.at} error=${list.error} />
    <${CommandTable} list=${list} empty="No command sent to this box (commands are kept a week)." /></section>`;
}

export function Commands() {
  const [box, setBox] = useState('');
  const filter = useForm({ box: '' });
  const list = useCommandList(box, 5000);
  const f = useForm({ commandId: '' });
  const [found, setFound] = useState(null);
  async function lookup(e) {
    e.preventDefault();
    setFound(await f.submit(() => get(`/commands/${enc(f.values.commandId.trim())}`)));
  }
  function applyFilter(e) {
    e.preventDefault();
    setBox(filter.values.box.trim());
  }
  return html`<h1>Commands</h1>
    <p class="muted">${box ? html`Remote commands sent to <strong>${box}</strong>, newest first, with their outcome.` : 'Remote commands of the last 24 hours, newest first, with their outcome.'} Every command is also in its box's frame log.</p>
    <form class="toolbar" onSubmit=${applyFilter} aria-label="Filter commands by box">
      <${Field} label="Charge box (empty: every box)" name="box" value=${filter.values.box} onInput=${filter.set('box')} />
      <button type="submit">Show</button> <button type="button" onClick=${list.reload}>Refresh</button>
    </form>
    <${Refreshed} at=${list.at} error=${list.error} />
    ${!list.rows && html`<${ErrorBox} error=${list.error} />`}
    <${CommandTable} list=${list} withBox=${!box} empty=${box ? 'No command sent to this box.' : 'No command in the last 24 hours.'} />
    <form class="panel" onSubmit=${lookup} aria-label="Look up a command">
      <h2>Look up a command</h2>
      <${Field} label="Command id" name="commandId" value=${f.values.commandId} onInput=${f.set('commandId')} error=${f.error} required />
      <button type="submit" disabled=${f.busy}>Look up</button>
      ${f.error && !f.error.field && html`<${ErrorBox} error=${f.error} />`}
      ${found && html`<${Json} value=${found} />`}
    </form>`;
}
