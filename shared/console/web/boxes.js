// Charge boxes: the registry as a searchable, sortable table; add or edit a box (a password
// generated in the page and shown once), delete with confirmation.
import { useState } from 'preact/hooks';
import { call, enc } from './api.js';
import { fleet } from './fleet.js';
import { html, usePoll, Refreshed, ErrorBox, Table, Time, Field, FormError, useForm, useCanWrite, link } from './ui.js';

// newPassword makes a 24-character password (OCPP security profiles 1/2 take 16 to 40) from
// the browser's cryptographic random source.
export function newPassword() {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_';
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

const yes = (v) => (v ? 'yes' : 'no');

export function Boxes() {
  const canWrite = useCanWrite();
  const [q, setQ] = useState('');
  const [editing, setEditing] = useState(null);
  const [shown, setShown] = useState(null);
  const [data, error, at, reload] = usePoll(fleet, 15000);
  const rows = (data ? data.rows : []).filter((r) => {
    if (!q) return true;
    const s = q.toLowerCase();
    return [r.chargeBoxId, r.chargePointModel, r.chargePointVendor, r.firmwareVersion, r.registrationStatus].some((v) => v && v.toLowerCase().includes(s));
  });
  const columns = [
    { key: 'chargeBoxId', label: 'Id', render: (r) => html`<a href=${link('/boxes/' + encodeURIComponent(r.chargeBoxId))}>${r.chargeBoxId}</a>` },
    { key: 'online', label: 'Online', render: (r) => html`<span class=${'pill ' + (r.online ? 'on' : 'off')}>${r.online ? 'online' : 'offline'}</span>` },
    { key: 'lastSeen', label: 'Last seen', render: (r) => (r.online ? html`now <span class="muted">(since <${Time} at=${r.connectedAt} />)</span>` : html`<${Time} at=${r.lastSeen} />`), sort: (r) => (r.online ? '~' : r.lastSeen || '') },
    { key: 'chargePointModel', label: 'Model', get: (r) => [r.chargePointVendor, r.chargePointModel].filter(Boolean).join(' ') },
    { key: 'firmwareVersion', label: 'Firmware' },
    { key: 'registrationStatus', label: 'Registration' },
    { key: 'unsecured', label: 'Unsecured', render: (r) => (r.unsecured ? html`<span class="pill warn" title="connects on its id alone (security profile 0)">unsecured</span>` : 'no'), sort: (r) => yes(r.unsecured) },
  ];
  if (canWrite) {
    columns.push({ key: 'actions', label: 'Actions', nosort: true, render: (r) => html`<${RowActions} box=${r} onEdit=${() => setEditing(r)} onDeleted=${reload} />` });
  }
  return html`<h1>Charge boxes</h1>
    <${Refreshed} at=${at} error=${error} />
    <div class="toolbar">
      <div class="field inline"><label for="box-search">Search</label><input id="box-search" type="search" value=${q} onInput=${(e) => setQ(e.target.value)} placeholder="id, model, firmware" /></div>
      ${canWrite && html`<button type="button" onClick=${() => setEditing({})}>Add a charge box</button>`}
    </div>
    ${shown && html`<div class="notice" role="alert"><p>Password of <strong>${shown.id}</strong> (shown this once; the system keeps only its hash): <code class="secret" id="shown-password">${shown.password}</code></p><button type="button" onClick=${() => setShown(null)}>I have copied it</button></div>`}
    ${editing && html`<${BoxForm} box=${editing} onClose=${() => setEditing(null)} onSaved=${(id, password) => { setEditing(null); if (password) setShown({ id, password }); reload(); }} />`}
    ${!data && html`<${ErrorBox} error=${error} />`}
    <${Table} columns=${columns} rows=${rows} rowKey=${(r) => r.chargeBoxId} initialSort=${{ key: 'chargeBoxId', dir: 1 }} empty=${data ? 'No charge box matches.' : 'Loading…'} />`;
}

function RowActions({ box, onEdit, onDeleted }) {
  const [confirm, setConfirm] = useState(false);
  const f = useForm({});
  async function remove() {
    const ok = await f.submit(() => call('DELETE', `/charge-boxes/${enc(box.chargeBoxId)}`));
    if (ok) onDeleted();
  }
  if (confirm) {
    return html`<span class="confirm" role="group" aria-label=${'Confirm deleting ' + box.chargeBoxId}>Delete ${box.chargeBoxId}?
      <button type="button" class="danger" disabled=${f.busy} onClick=${remove}>Delete</button>
      <button type="button" onClick=${() => setConfirm(false)}>Cancel</button><${ErrorBox} error=${f.error} /></span>`;
  }
  return html`<span class="actions"><button type="button" onClick=${onEdit} aria-label=${'Edit ' + box.chargeBoxId}>Edit</button>
    <button type="button" class="danger" onClick=${() => setConfirm(true)} aria-label=${'Delete ' + box.chargeBoxId}>Delete</button></span>`;
}

function evsesText(evses) {
  return Object.entries(evses || {}).map(([k, v]) => `${k}=${v}`).join(', ');
}

function parseEvses(text) {
  const out = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, ...v] = part.split('=');
    out[k.trim()] = v.join('=').trim();
  }
  return out;
}

// BoxForm adds (box is {}) or edits a charge box with PUT /charge-boxes/{id}.
export function BoxForm({ box, onClose, onSaved }) {
  const isNew = !box.chargeBoxId;
  const f = useForm({
    id: box.chargeBoxId || '',
    registrationStatus: box.registrationStatus || 'Accepted',
    setPassword: isNew,
    password: isNew ? newPassword() : '',
    unsecured: false,
    tenantId: box.tenantId || '',
    evses: evsesText(box.evses),
  });
  const v = f.values;
  async function save(e) {
    e.preventDefault();
    const body = { registrationStatus: v.registrationStatus };
    if (v.unsecured) body.unsecured = true;
    else if (v.setPassword) body.password = v.password;
    if (v.tenantId) body.tenantId = v.tenantId;
    if (v.evses.trim() || box.evses) body.evses = parseEvses(v.evses);
    const res = await f.submit(() => {
      if (!v.id.trim()) {
        const err = new Error('a charge box needs an id');
        err.field = 'id';
        throw err;
      }
      return call('PUT', `/charge-boxes/${enc(v.id.trim())}`, body);
    });
    if (res) onSaved(v.id.trim(), body.password);
  }
  const fields = ['id', 'registrationStatus', 'password', 'unsecured', 'tenantId', 'evses'];
  return html`<form class="panel" onSubmit=${save} aria-label=${isNew ? 'Add a charge box' : 'Edit ' + box.chargeBoxId}>
    <h2>${isNew ? 'Add a charge box' : 'Edit ' + box.chargeBoxId}</h2>
    ${isNew && html`<${Field} label="Charge box id" name="id" value=${v.id} onInput=${f.set('id')} error=${f.error} required />`}
    <${Field} label="Registration status" name="registrationStatus" value=${v.registrationStatus} onInput=${f.set('registrationStatus')} error=${f.error} options=${['Accepted', 'Pending', 'Rejected']} />
    <${Field} label=${isNew ? 'Unsecured (no password: security profile 0)' : 'Make unsecured (remove the password: security profile 0)'} name="unsecured" type="checkbox" value=${v.unsecured} onInput=${f.set('unsecured')} error=${f.error} />
    ${!v.unsecured && !isNew && html`<${Field} label="Set a new password" name="setPassword" type="checkbox" value=${v.setPassword} onInput=${(x) => f.setValues((s) => ({ ...s, setPassword: x, password: x ? newPassword() : '' }))} />`}
    ${!v.unsecured && v.setPassword && html`<div class="row"><${Field} label="Password (generated here; shown once after saving)" name="password" value=${v.password} onInput=${f.set('password')} error=${f.error} autocomplete="off" hint="16 to 40 characters" />
      <button type="button" onClick=${() => f.set('password')(newPassword())}>Generate another</button></div>`}
    <${Field} label="Tenant id (optional)" name="tenantId" value=${v.tenantId} onInput=${f.set('tenantId')} error=${f.error} />
    <${Field} label="EVSE ids (optional: connector=EVSE id, comma separated)" name="evses" value=${v.evses} onInput=${f.set('evses')} error=${f.error} placeholder="1=DE*ACME*E0001" />
    <${FormError} error=${f.error} fields=${fields} />
    <div class="buttons"><button type="submit" disabled=${f.busy}>${f.busy ? 'Saving…' : 'Save'}</button> <button type="button" onClick=${onClose}>Cancel</button></div>
  </form>`;
}
