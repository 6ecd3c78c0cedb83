// Commands: the remote commands sent from this console (this browser tab's session) with their
// outcome read from GET /commands/{commandId}, and any command looked up by id.
import { useState } from 'preact/hooks';
import { get, enc } from './api.js';
import { recent } from './commands.js';
import { html, usePoll, Refreshed, ErrorBox, Table, Time, Field, useForm, Json, link } from './ui.js';

async function outcomes() {
  const list = recent().slice(0, 50);
  return Promise.all(list.map(async (c) => {
    try {
      return { ...c, ...(await get(`/commands/${enc(c.commandId)}`)) };
    } catch (error) {
      return { ...c, status: error.status === 404 ? 'expired (no longer kept)' : 'unreadable', error };
    }
  }));
}

function answerOf(c) {
  if (c.errorCode) return `${c.errorCode}${c.errorDescription ? ': ' + c.errorDescription : ''}`;
  try {
    const r = typeof c.response === 'string' ? JSON.parse(c.response) : c.response;
    return r && r.status ? r.status : r ? JSON.stringify(r) : '';
  } catch {
    return c.response || '';
  }
}

export function Commands() {
  const [data, error, at] = usePoll(outcomes, 5000);
  const f = useForm({ commandId: '' });
  const [found, setFound] = useState(null);
  async function lookup(e) {
    e.preventDefault();
    setFound(await f.submit(() => get(`/commands/${enc(f.values.commandId.trim())}`)));
  }
  return html`<h1>Commands</h1>
    <p class="muted">Remote commands sent from this console since you signed in, newest first, with their outcome. Every command is also in its box's frame log.</p>
    <${Refreshed} at=${at} error=${error} />
    <${Table} rowKey=${(c) => c.commandId} rows=${data || []} empty=${data ? 'No command sent from this console yet.' : 'Loading…'} columns=${[
      { key: 'createdAt', label: 'Sent', render: (c) => html`<${Time} at=${c.createdAt || c.at} />`, sort: (c) => c.createdAt || c.at },
      { key: 'chargeBoxId', label: 'Box', render: (c) => html`<a href=${link('/boxes/' + encodeURIComponent(c.chargeBoxId))}>${c.chargeBoxId}</a>` },
      { key: 'action', label: 'Action' },
      { key: 'status', label: 'Outcome', render: (c) => html`<span class=${'pill cmd-' + c.status}>${c.status}</span>` },
      { key: 'answer', label: 'Answer', get: answerOf },
      { key: 'answeredAt', label: 'Answered', render: (c) => html`<${Time} at=${c.answeredAt} />` },
      { key: 'commandId', label: 'Command id', render: (c) => html`<code>${c.commandId}</code>` },
    ]} initialSort=${{ key: 'createdAt', dir: -1 }} />
    <form class="panel" onSubmit=${lookup} aria-label="Look up a command">
      <h2>Look up a command</h2>
      <${Field} label="Command id" name="commandId" value=${f.values.commandId} onInput=${f.set('commandId')} error=${f.error} required />
      <button type="submit" disabled=${f.busy}>Look up</button>
      ${f.error && !f.error.field && html`<${ErrorBox} error=${f.error} />`}
      ${found && html`<${Json} value=${found} />`}
    </form>`;
}
