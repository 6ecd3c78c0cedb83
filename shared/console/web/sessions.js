// Sessions: a filtered list (status, box, start time) with energy, duration, stop reason and
// flags, exported as CSV; one session with its meter values plotted (energy and power).
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { get, enc } from './api.js';
import { html, usePoll, Refreshed, ErrorBox, Table, Time, Field, FormError, useForm, link, kWh, duration, Json } from './ui.js';

const energy = (s) => (s.meterStop != null ? s.meterStop - s.meterStart : null);
const took = (s) => (s.startedAt ? (s.stoppedAt ? new Date(s.stoppedAt) : s.status === 'running' ? new Date() : null) - new Date(s.startedAt) : null);
const flags = (s) => (s.flags || []).join(' ');

// toRFC3339 turns a datetime-local value (the operator's zone) into UTC RFC 3339.
const toRFC3339 = (v) => (v ? new Date(v).toISOString() : '');

function query(f, next) {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.chargeBoxId) p.set('chargeBoxId', f.chargeBoxId);
  if (f.from) p.set('from', toRFC3339(f.from));
  if (f.to) p.set('to', toRFC3339(f.to));
  p.set('limit', '100');
  if (next) p.set('next', next);
  return '/sessions?' + p;
}

export function Sessions() {
  const f = useForm({ status: '', chargeBoxId: '', from: '', to: '' });
  const [list, setList] = useState({ items: [], next: '', loaded: false, at: null });
  const [exporting, setExporting] = useState('');
  async function load(e, next) {
    if (e) e.preventDefault();
    const page = await f.submit(() => get(query(f.values, next)));
    if (page) setList((l) => ({ items: next ? [...l.items, ...page.items] : page.items, next: page.next || '', loaded: true, at: new Date() }));
  }
  useEffect(() => {
    load();
  }, []);
  async function exportCSV() {
    // Every page of the filtered list, not only the loaded ones.
    let items = [];
    let next = '';
    try {
      do {
        setExporting(`reading sessions… ${items.length}`);
        const page = await get(query(f.values, next));
        items = items.concat(page.items);
        next = page.next || '';
      } while (next && items.length < 100000);
      download(`sessions-${new Date().toISOString().slice(0, 19)}.csv`, csv(items));
      setExporting('');
    } catch (err) {
      f.setError(err);
      setExporting('');
    }
  }
  const v = f.values;
  return html`<h1>Sessions</h1>
    <form class="filters" onSubmit=${(e) => load(e)} aria-label="Filter sessions">
      <${Field} label="Status" name="status" value=${v.status} onInput=${f.set('status')} options=${[['', 'any'], 'running', 'finished', 'abandoned']} error=${f.error} />
      <${Field} label="Charge box" name="chargeBoxId" value=${v.chargeBoxId} onInput=${f.set('chargeBoxId')} error=${f.error} />
      <${Field} label="Started from" name="from" type="datetime-local" value=${v.from} onInput=${f.set('from')} error=${f.error} />
      <${Field} label="Started before" name="to" type="datetime-local" value=${v.to} onInput=${f.set('to')} error=${f.error} />
      <div class="buttons"><button type="submit" disabled=${f.busy}>Apply</button>
        <button type="button" onClick=${exportCSV} disabled=${!!exporting}>Export CSV</button> <span role="status">${exporting}</span></div>
    </form>
    <${FormError} error=${f.error} fields=${['status', 'chargeBoxId', 'from', 'to']} />
    ${list.at && html`<${Refreshed} at=${list.at} />`}
    <${Table} rowKey=${(s) => s.transactionId} rows=${list.items} empty=${list.loaded ? 'No session matches.' : 'Loading…'} columns=${[
      { key: 'transactionId', label: 'Session', render: (s) => html`<a href=${link('/sessions/' + s.transactionId)}>#${s.transactionId}</a>` },
      { key: 'status', label: 'Status', render: (s) => html`<span class=${'pill ' + s.status}>${s.status}</span>` },
      { key: 'chargeBoxId', label: 'Box', render: (s) => html`<a href=${link('/boxes/' + encodeURIComponent(s.chargeBoxId))}>${s.chargeBoxId}</a>` },
      { key: 'connectorId', label: 'Connector' },
      { key: 'idTag', label: 'Id tag' },
      { key: 'startedAt', label: 'Started', render: (s) => html`<${Time} at=${s.startedAt} />` },
      { key: 'energy', label: 'Energy', get: (s) => kWh(energy(s)), sort: energy },
      { key: 'duration', label: 'Duration', get: (s) => duration(took(s)), sort: took },
      { key: 'stopReason', label: 'Stop reason' },
      { key: 'flags', label: 'Flags', render: (s) => (s.flags || []).map((x) => html`<span class="pill warn">${x}</span> `), sort: flags },
    ]} />
    ${list.next && html`<p><button type="button" onClick=${() => load(null, list.next)} disabled=${f.busy}>Load more</button></p>`}`;
}

const CSV_COLUMNS = ['transactionId', 'status', 'chargeBoxId', 'connectorId', 'idTag', 'startedAt', 'stoppedAt', 'meterStart', 'meterStop', 'energyWh', 'durationSeconds', 'stopReason', 'flags'];

export function csv(items) {
  const cell = (v) => {
    const s = v == null ? '' : String(v);
    return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = items.map((s) => {
    const t = took(s);
    const r = { ...s, energyWh: energy(s), durationSeconds: t == null ? '' : Math.round(t / 1000), flags: flags(s) };
    return CSV_COLUMNS.map((c) => cell(r[c])).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

function download(name, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// series turns the session's readings into [times (s), energy (kWh), power (kW)] for uPlot.
export function series(meterValues) {
  const t = [];
  const e = [];
  const p = [];
  for (const r of meterValues || []) {
    let wh = null;
    let w = null;
    for (const sv of r.sampledValues || []) {
      const n = Number(sv.value);
      if (isNaN(n) || (sv.phase && sv.phase !== '')) continue;
      const m = sv.measurand || 'Energy.Active.Import.Register';
      const k = sv.unit === 'kWh' || sv.unit === 'kW' ? 1000 : 1;
      if (m === 'Energy.Active.Import.Register') wh = n * k;
      if (m === 'Power.Active.Import') w = n * k;
    }
    if (wh == null && w == null) continue;
    t.push(new Date(r.timestamp).getTime() / 1000);
    e.push(wh == null ? null : wh / 1000);
    p.push(w == null ? null : w / 1000);
  }
  return [t, e, p];
}

function Plot({ data }) {
  const el = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const width = () => Math.max(280, Math.min(el.current.clientWidth || 800, 1100));
    plot.current = new uPlot({
      width: width(),
      height: 300,
      series: [{}, { label: 'Energy (kWh)', stroke: '#1f6f43', width: 2, scale: 'kWh', spanGaps: true }, { label: 'Power (kW)', stroke: '#b04a00', width: 2, scale: 'kW', spanGaps: true }],
      axes: [{}, { scale: 'kWh', label: 'Energy (kWh)', size: 80 }, { scale: 'kW', label: 'Power (kW)', side: 1, size: 60, grid: { show: false } }],
    }, data, el.current);
    const resize = () => plot.current.setSize({ width: width(), height: 300 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current.destroy();
    };
  }, []);
  useEffect(() => {
    if (plot.current) plot.current.setData(data);
  }, [data]);
  return html`<div class="plot" ref=${el} role="img" aria-label=${`Energy and power over time, ${data[0].length} readings`} data-points=${data[0].length}></div>`;
}

export function SessionPage({ id }) {
  const [s, error, at] = usePoll(() => get(`/sessions/${enc(id)}`), 3000, [id]);
  if (!s) return html`<h1>Session #${id}</h1><${ErrorBox} error=${error} /><${Refreshed} at=${at} error=${error} />`;
  const data = series(s.meterValues);
  const last = data[1].filter((x) => x != null).pop();
  const so = s.meterStop != null ? energy(s) : last != null ? last * 1000 - s.meterStart : null;
  return html`<h1>Session #${s.transactionId} <span class=${'pill ' + s.status} id="session-status">${s.status}</span></h1>
    <${Refreshed} at=${at} error=${error} />
    <dl class="facts">
      <div><dt>Charge box</dt><dd><a href=${link('/boxes/' + encodeURIComponent(s.chargeBoxId))}>${s.chargeBoxId}</a> connector ${s.connectorId}</dd></div>
      <div><dt>Id tag</dt><dd>${s.idTag} ${s.idTagStatus && html`<span class="muted">(${s.idTagStatus})</span>`}</dd></div>
      <div><dt>Started</dt><dd><${Time} at=${s.startedAt} /></dd></div>
      <div><dt>Stopped</dt><dd><${Time} at=${s.stoppedAt} /></dd></div>
      <div><dt>Duration</dt><dd>${duration(took(s))}</dd></div>
      <div><dt>Energy</dt><dd>${kWh(so)}${s.meterStop == null && so != null ? ' so far' : ''}</dd></div>
      <div><dt>Meter start / stop</dt><dd>${s.meterStart} Wh / ${s.meterStop ?? '—'} Wh</dd></div>
      <div><dt>Stop reason</dt><dd>${s.stopReason || '—'}</dd></div>
      <div><dt>Flags</dt><dd>${(s.flags || []).length ? s.flags.map((x) => html`<span class="pill warn">${x}</span> `) : 'none'}</dd></div>
      ${s.reservationId != null && html`<div><dt>Reservation</dt><dd>${s.reservationId}${s.reservationConsumed ? ' (consumed)' : ''}</dd></div>`}
    </dl>
    <section aria-labelledby="meter"><h2 id="meter">Meter values</h2>
      ${data[0].length === 0 ? html`<p class="muted" id="no-readings">No meter values yet.</p>` : ''}
      <${Plot} data=${data} />
      <details><summary>Readings (${(s.meterValues || []).length})</summary><${Json} value=${s.meterValues} /></details>
    </section>`;
}
