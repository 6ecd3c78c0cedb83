// Id tags: the authorization list; add, block, expire, set a parent and a concurrent-session
// limit, delete.
import { useState } from 'preact/hooks';
import { all, call, enc } from './api.js';
import { html, usePoll, Refreshed, ErrorBox, Table, Time, Field, FormError, useForm, useCanWrite } from './ui.js';

const toRFC3339 = (v) => (v ? new Date(v).toISOString().replace(/\.\d+Z$/, 'Z') : undefined);
const toLocalInput = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};

// body is what PUT /id-tags/{idTag} takes, from a tag as listed plus changes.
function body(tag, changes = {}) {
  const t = { ...tag, ...changes };
  const b = { status: t.status };
  if (t.expiryDate) b.expiryDate = t.expiryDate;
  if (t.parentIdTag) b.parentIdTag = t.parentIdTag;
  if (t.maxActiveTransactions) b.maxActiveTransactions = Number(t.maxActiveTransactions);
  return b;
}

export function IdTags() {
  const canWrite = useCanWrite();
  const [editing, setEditing] = useState(null);
  const [q, setQ] = useState('');
  const [data, error, at, reload] = usePoll(() => all('/id-tags'), 15000);
  const rows = (data || []).filter((t) => !q || t.idTag.toLowerCase().includes(q.toLowerCase()) || (t.parentIdTag || '').toLowerCase().includes(q.toLowerCase()));
  const columns = [
    { key: 'idTag', label: 'Id tag' },
    { key: 'status', label: 'Status', render: (t) => html`<span class=${'pill ' + t.status}>${t.status}</span>` },
    { key: 'expiryDate', label: 'Expires', render: (t) => html`<${Time} at=${t.expiryDate} />` },
    { key: 'parentIdTag', label: 'Parent' },
    { key: 'maxActiveTransactions', label: 'Concurrent limit', get: (t) => t.maxActiveTransactions || 'none' },
    { key: 'updatedAt', label: 'Updated', render: (t) => html`<${Time} at=${t.updatedAt} />` },
  ];
  if (canWrite) columns.push({ key: 'actions', label: 'Actions', nosort: true, render: (t) => html`<${TagActions} tag=${t} onEdit=${() => setEditing(t)} onChange=${reload} />` });
  return html`<h1>Id tags</h1>
    <${Refreshed} at=${at} error=${error} />
    <div class="toolbar">
      <div class="field inline"><label for="tag-search">Search</label><input id="tag-search" type="search" value=${q} onInput=${(e) => setQ(e.target.value)} /></div>
      ${canWrite && html`<button type="button" onClick=${() => setEditing({})}>Add an id tag</button>`}
    </div>
    ${editing && html`<${TagForm} tag=${editing} onClose=${() => setEditing(null)} onSaved=${() => { setEditing(null); reload(); }} />`}
    ${!data && html`<${ErrorBox} error=${error} />`}
    <${Table} rowKey=${(t) => t.idTag} columns=${columns} rows=${rows} initialSort=${{ key: 'idTag', dir: 1 }} empty=${data ? 'No id tag.' : 'Loading…'} />`;
}

function TagActions({ tag, onEdit, onChange }) {
  const f = useForm({});
  const [confirm, setConfirm] = useState(false);
  const put = async (changes) => {
    if (await f.submit(() => call('PUT', `/id-tags/${enc(tag.idTag)}`, body(tag, changes)))) onChange();
  };
  const del = async () => {
    if (await f.submit(() => call('DELETE', `/id-tags/${enc(tag.idTag)}`))) onChange();
  };
  return html`<span class="actions">
    <button type="button" onClick=${onEdit} aria-label=${'Edit ' + tag.idTag}>Edit</button>
    ${tag.status !== 'Blocked' ? html`<button type="button" disabled=${f.busy} onClick=${() => put({ status: 'Blocked' })} aria-label=${'Block ' + tag.idTag}>Block</button>` : html`<button type="button" disabled=${f.busy} onClick=${() => put({ status: 'Accepted' })} aria-label=${'Unblock ' + tag.idTag}>Unblock</button>`}
    ${tag.status !== 'Expired' && html`<button type="button" disabled=${f.busy} onClick=${() => put({ status: 'Expired', expiryDate: new Date().toISOString().replace(/\.\d+Z$/, 'Z') })} aria-label=${'Expire ' + tag.idTag}>Expire</button>`}
    ${confirm
      ? html`<span class="confirm">Delete ${tag.idTag}? <button type="button" class="danger" onClick=${del}>Delete</button> <button type="button" onClick=${() => setConfirm(false)}>Cancel</button></span>`
      : html`<button type="button" class="danger" onClick=${() => setConfirm(true)} aria-label=${'Delete ' + tag.idTag}>Delete</button>`}
    <${ErrorBox} error=${f.error} /></span>`;
}

function TagForm({ tag, onClose, onSaved }) {
  const isNew = !tag.idTag;
  const f = useForm({
    idTag: tag.idTag || '',
    status: tag.status || 'Accepted',
    expiryDate: toLocalInput(tag.expiryDate),
    parentIdTag: tag.parentIdTag || '',
    maxActiveTransactions: tag.maxActiveTransactions ? String(tag.maxActiveTransactions) : '',
  });
  const v = f.values;
  async function save(e) {
    e.preventDefault();
    const b = { status: v.status };
    if (v.expiryDate) b.expiryDate = toRFC3339(v.expiryDate);
    if (v.parentIdTag) b.parentIdTag = v.parentIdTag;
    if (v.maxActiveTransactions !== '') b.maxActiveTransactions = Number(v.maxActiveTransactions);
    const res = await f.submit(() => call('PUT', `/id-tags/${enc(v.idTag.trim())}`, b));
    if (res) onSaved();
  }
  return html`<form class="panel" onSubmit=${save} aria-label=${isNew ? 'Add an id tag' : 'Edit ' + tag.idTag}>
    <h2>${isNew ? 'Add an id tag' : 'Edit ' + tag.idTag}</h2>
    ${isNew && html`<${Field} label="Id tag" name="idTag" value=${v.idTag} onInput=${f.set('idTag')} error=${f.error} required />`}
    <${Field} label="Status" name="status" value=${v.status} onInput=${f.set('status')} error=${f.error} options=${['Accepted', 'Blocked', 'Expired', 'Invalid']} />
    <${Field} label="Expires (your time zone)" name="expiryDate" type="datetime-local" value=${v.expiryDate} onInput=${f.set('expiryDate')} error=${f.error} />
    <${Field} label="Parent id tag" name="parentIdTag" value=${v.parentIdTag} onInput=${f.set('parentIdTag')} error=${f.error} />
    <${Field} label="Concurrent-session limit (empty: none)" name="maxActiveTransactions" type="number" value=${v.maxActiveTransactions} onInput=${f.set('maxActiveTransactions')} error=${f.error} />
    <${FormError} error=${f.error} fields=${['idTag', 'status', 'expiryDate', 'parentIdTag', 'maxActiveTransactions']} />
    <div class="buttons"><button type="submit" disabled=${f.busy}>${f.busy ? 'Saving…' : 'Save'}</button> <button type="button" onClick=${onClose}>Cancel</button></div>
  </form>`;
}
