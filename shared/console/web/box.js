// One charge box: live connectors, running and recent sessions, configuration read and changed
// key by key, every remote operation of the API, reservations, charging profiles, local list
// version, diagnostics and firmware status, and the frame log with new frames as they come.
import { useState } from 'preact/hooks';
import { get, enc } from './api.js';
import { useCommand, Outcome } from './commands.js';
import { BoxForm } from './boxes.js';
import { FrameLog } from './framelog.js';
import { Operations } from './operations.js';
import { BoxCommands } from './commandspage.js';
import { html, usePoll, Refreshed, ErrorBox, Table, Time, Json, useCanWrite, link, kWh, ago } from './ui.js';

export function Box({ id }) {
  const canWrite = useCanWrite();
  const [editing, setEditing] = useState(false);
  const [box, error, at, reload] = usePoll(() => get(`/charge-boxes/${enc(id)}`), 3000, [id]);
  if (!box) return html`<h1>${id}</h1><${ErrorBox} error=${error} /><${Refreshed} at=${at} error=${error} />`;
  const connectors = (box.connectors || []).filter((c) => c.connectorId > 0);
  const box0 = (box.connectors || []).find((c) => c.connectorId === 0);
  return html`<h1>${id} <span class=${'pill ' + (box.connected ? 'on' : 'off')} id="box-online">${box.connected ? 'online' : 'offline'}</span></h1>
    <${Refreshed} at=${at} error=${error} />
    <dl class="facts">
      <div><dt>Last seen</dt><dd><${Time} at=${box.lastSeen} /> ${box.lastSeen && html`<span class="muted">(${ago(box.lastSeen)})</span>`}</dd></div>
      <div><dt>Model</dt><dd>${[box.chargePointVendor, box.chargePointModel].filter(Boolean).join(' ') || '—'}</dd></div>
      <div><dt>Firmware</dt><dd>${box.firmwareVersion || '—'}</dd></div>
      <div><dt>Registration</dt><dd>${box.registrationStatus}${box.unsecured ? html` <span class="pill warn">unsecured</span>` : ''}</dd></div>
      <div><dt>Booted</dt><dd><${Time} at=${box.bootedAt} /></dd></div>
      <div><dt>Box status</dt><dd>${box0 ? html`<span class=${'status s-' + box0.status}>${box0.status}</span>` : '—'}</dd></div>
      <div><dt>Firmware status</dt><dd>${box.firmwareStatus || '—'} ${box.firmwareStatusAt && html`<${Time} at=${box.firmwareStatusAt} />`}</dd></div>
      <div><dt>Diagnostics status</dt><dd>${box.diagnosticsStatus || '—'} ${box.diagnosticsStatusAt && html`<${Time} at=${box.diagnosticsStatusAt} />`}</dd></div>
      <div><dt>Local list version</dt><dd id="local-list-version">${box.localListVersion ?? '—'} ${box.localListVersionAt && html`<${Time} at=${box.localListVersionAt} />`}</dd></div>
      <div><dt>Serial</dt><dd>${box.chargePointSerialNumber || box.chargeBoxSerialNumber || '—'}</dd></div>
    </dl>
    ${canWrite && !editing && html`<p><button type="button" onClick=${() => setEditing(true)}>Edit registration</button></p>`}
    ${editing && html`<${BoxForm} box=${box} onClose=${() => setEditing(false)} onSaved=${() => { setEditing(false); reload(); }} />`}
    <${Connectors} box=${box} connectors=${connectors} onChange=${reload} />
    <${BoxSessions} id=${id} />
    <${Configuration} box=${box} onChange=${reload} />
    ${canWrite && html`<${Operations} box=${box} onDone=${reload} />`}
    <${BoxCommands} id=${id} />
    <${Reservations} id=${id} />
    <section aria-labelledby="profiles"><h2 id="profiles">Charging profiles</h2>
      ${(box.chargingProfiles || []).length === 0 ? html`<p class="muted">None installed (as far as the system knows).</p>` : html`<${Table} rowKey=${(p) => p.profileKey} columns=${[
        { key: 'connectorId', label: 'Connector' },
        { key: 'chargingProfileId', label: 'Profile id' },
        { key: 'chargingProfilePurpose', label: 'Purpose' },
        { key: 'stackLevel', label: 'Stack level' },
        { key: 'setAt', label: 'Set', render: (p) => html`<${Time} at=${p.setAt} />` },
        { key: 'profile', label: 'Profile', nosort: true, render: (p) => html`<details><summary>show</summary><${Json} value=${tryJSON(p.profile)} /></details>` },
      ]} rows=${box.chargingProfiles} />`}
    </section>
    ${box.availability && html`<section aria-labelledby="availability"><h2 id="availability">Availability changes</h2><ul>${Object.entries(box.availability).map(([c, a]) => html`<li>connector ${c}: ${a.type} (${a.status}) <${Time} at=${a.at} /></li>`)}</ul></section>`}
    <${FrameLog} id=${id} />`;
}

const tryJSON = (s) => {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

function Connectors({ box, connectors, onChange }) {
  const canWrite = useCanWrite();
  const columns = [
    { key: 'connectorId', label: 'Connector' },
    { key: 'evseId', label: 'EVSE id' },
    { key: 'status', label: 'Status', render: (c) => html`<span class=${'status s-' + c.status} data-connector=${c.connectorId}>${c.status || '—'}</span>${c.timestampAhead ? html` <span class="pill warn" title="the box's timestamp was ahead of its receipt">clock ahead</span>` : ''}` },
    { key: 'errorCode', label: 'Error', get: (c) => [c.errorCode !== 'NoError' ? c.errorCode : '', c.info, c.vendorErrorCode].filter(Boolean).join(' · ') },
    { key: 'statusAt', label: 'Since', render: (c) => html`<${Time} at=${c.statusAt || c.receivedAt} />` },
    { key: 'runningTransactionId', label: 'Session', render: (c) => (c.runningTransactionId ? html`<a href=${link('/sessions/' + c.runningTransactionId)}>#${c.runningTransactionId}</a>` : '') },
  ];
  if (canWrite) columns.push({ key: 'actions', label: 'Actions', nosort: true, render: (c) => html`<${ConnectorActions} box=${box} c=${c} onChange=${onChange} />` });
  return html`<section aria-labelledby="connectors"><h2 id="connectors">Connectors</h2>
    <${Table} columns=${columns} rows=${connectors} rowKey=${(c) => c.connectorId} empty="No connector has reported yet." /></section>`;
}

function ConnectorActions({ box, c, onChange }) {
  const cmd = useCommand();
  const [idTag, setIdTag] = useState('');
  const id = box.chargeBoxId;
  const run = async (op, body) => {
    await cmd.run(id, op, body);
    onChange();
  };
  return html`<div class="connector-actions">
    ${c.runningTransactionId
      ? html`<button type="button" disabled=${cmd.busy} onClick=${() => run('remote-stop-transaction', { transactionId: c.runningTransactionId })} aria-label=${`Stop session ${c.runningTransactionId} on connector ${c.connectorId}`}>Stop session</button>`
      : html`<form class="inline" onSubmit=${(e) => { e.preventDefault(); run('remote-start-transaction', { connectorId: c.connectorId, idTag }); }}>
          <label for=${`idtag-${c.connectorId}`}>Id tag</label>
          <input id=${`idtag-${c.connectorId}`} name="idTag" value=${idTag} onInput=${(e) => setIdTag(e.target.value)} size="10" aria-invalid=${cmd.error && cmd.error.field === 'idTag' ? 'true' : undefined} />
          <button type="submit" disabled=${cmd.busy} aria-label=${`Start a session on connector ${c.connectorId}`}>Start</button></form>`}
    <button type="button" disabled=${cmd.busy} onClick=${() => run('unlock-connector', { connectorId: c.connectorId })} aria-label=${`Unlock connector ${c.connectorId}`}>Unlock</button>
    <${Outcome} cmd=${cmd} />
  </div>`;
}

function BoxSessions({ id }) {
  const [data, error] = usePoll(() => get(`/charge-boxes/${enc(id)}/sessions?limit=20`), 5000, [id]);
  const rows = data ? data.items : [];
  return html`<section aria-labelledby="box-sessions"><h2 id="box-sessions">Sessions (running and recent)</h2>
    <${ErrorBox} error=${error} />
    <${Table} rowKey=${(s) => s.transactionId} rows=${rows} empty=${data ? 'No session yet.' : 'Loading…'} columns=${[
      { key: 'transactionId', label: 'Session', render: (s) => html`<a href=${link('/sessions/' + s.transactionId)}>#${s.transactionId}</a>` },
      { key: 'status', label: 'Status', render: (s) => html`<span class=${'pill ' + s.status}>${s.status}</span>` },
      { key: 'connectorId', label: 'Connector' },
      { key: 'idTag', label: 'Id tag' },
      { key: 'startedAt', label: 'Started', render: (s) => html`<${Time} at=${s.startedAt} />` },
      { key: 'stoppedAt', label: 'Stopped', render: (s) => html`<${Time} at=${s.stoppedAt} />` },
      { key: 'energy', label: 'Energy', get: (s) => (s.meterStop != null ? kWh(s.meterStop - s.meterStart) : '') },
      { key: 'stopReason', label: 'Stop reason' },
    ]} /></section>`;
}

// Configuration shows the cached keys; Read asks the box for all of them, Change sets one key
// and reads it back.
function Configuration({ box, onChange }) {
  const canWrite = useCanWrite();
  const read = useCommand();
  const keys = Object.entries(box.configuration || {}).sort(([a], [b]) => a.localeCompare(b));
  async function readAll() {
    await read.run(box.chargeBoxId, 'get-configuration', {});
    onChange();
  }
  return html`<section aria-labelledby="configuration"><h2 id="configuration">Configuration</h2>
    <p class="muted">As last read from the box${box.configurationAt ? html` (<${Time} at=${box.configurationAt} />)` : ''}.</p>
    ${canWrite && html`<p><button type="button" disabled=${read.busy || !box.connected} onClick=${readAll}>Read all keys from the box</button></p><${Outcome} cmd=${read} />`}
    <${Table} rowKey=${([k]) => k} rows=${keys} empty="Not read yet." columns=${[
      { key: 'key', label: 'Key', get: ([k]) => k, sort: ([k]) => k },
      { key: 'value', label: 'Value', render: ([k, v]) => html`<span class="config-value" data-key=${k}>${v.value ?? ''}</span>`, sort: ([, v]) => v.value },
      { key: 'readonly', label: 'Read-only', get: ([, v]) => (v.readonly ? 'yes' : 'no') },
      ...(canWrite ? [{ key: 'change', label: 'Change', nosort: true, render: ([k, v]) => (v.readonly ? '' : html`<${ConfigChange} box=${box} k=${k} value=${v.value ?? ''} onChange=${onChange} />`) }] : []),
    ]} /></section>`;
}

function ConfigChange({ box, k, value, onChange }) {
  const [open, setOpen] = useState(false);
  const [v, setV] = useState(value);
  const cmd = useCommand();
  async function save(e) {
    e.preventDefault();
    const res = await cmd.run(box.chargeBoxId, 'change-configuration', { key: k, value: v });
    if (res && res.body && res.body.response && ['Accepted', 'RebootRequired'].includes(res.body.response.status)) {
      // Read it back from the box, so the table shows what the box now holds.
      await cmd.run(box.chargeBoxId, 'get-configuration', { key: [k] });
      setOpen(false);
    }
    onChange();
  }
  if (!open) return html`<button type="button" onClick=${() => { setV(value); setOpen(true); }} aria-label=${'Change ' + k}>Change</button><${Outcome} cmd=${cmd} />`;
  return html`<form class="inline" onSubmit=${save} aria-label=${'Change ' + k}>
    <label for=${'cfg-' + k}>New value of ${k}</label>
    <input id=${'cfg-' + k} name="value" value=${v} onInput=${(e) => setV(e.target.value)} />
    <button type="submit" disabled=${cmd.busy}>Save</button> <button type="button" onClick=${() => setOpen(false)}>Cancel</button>
    <${Outcome} cmd=${cmd} /></form>`;
}

function Reservations({ id }) {
  const [data, error] = usePoll(() => get(`/reservations?chargeBoxId=${enc(id)}`), 10000, [id]);
  return html`<section aria-labelledby="reservations"><h2 id="reservations">Reservations</h2><${ErrorBox} error=${error} />
    <${Table} rowKey=${(r) => r.reservationId} rows=${data ? data.items : []} empty=${data ? 'None.' : 'Loading…'} columns=${[
      { key: 'reservationId', label: 'Id' },
      { key: 'status', label: 'Status' },
      { key: 'connectorId', label: 'Connector' },
      { key: 'idTag', label: 'Id tag' },
      { key: 'expiryDate', label: 'Expires', render: (r) => html`<${Time} at=${r.expiryDate} />` },
      { key: 'transactionId', label: 'Session', render: (r) => (r.transactionId ? html`<a href=${link('/sessions/' + r.transactionId)}>#${r.transactionId}</a>` : '') },
    ]} /></section>`;
}


