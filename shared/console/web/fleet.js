// Fleet: counts, connectors by status, boxes that went offline in the last hour; refreshed
// every few seconds.
import { all, get, enc } from './api.js';
import { html, usePoll, Refreshed, ErrorBox, Time, ago, link } from './ui.js';

// fleet reads the registry (each box with connected, and lastSeen when offline: no read per box), the live
// connections and the summary.
export async function fleet() {
  const [boxes, conns, summary] = await Promise.all([all('/charge-boxes?limit=1000', Infinity), all('/connections?limit=1000', Infinity), get('/summary')]);
  const rows = boxes.map((b) => ({ ...b, online: !!b.connected }));
  return { rows, summary, conns };
}

export function Fleet() {
  const [data, error, at] = usePoll(fleet, 5000);
  if (!data) return html`<h1>Fleet</h1><${ErrorBox} error=${error} /><${Refreshed} at=${at} error=${error} />`;
  const { rows, summary } = data;
  const by = summary.connectorsByStatus || {};
  const hourAgo = Date.now() - 3600_000;
  const wentOffline = rows.filter((r) => !r.online && r.lastSeen && new Date(r.lastSeen) >= hourAgo).sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1));
  const cards = [
    ['Online', summary.connectedChargeBoxes, 'online'],
    ['Offline', rows.filter((r) => !r.online).length, 'offline'],
    ['Charging', by.Charging || 0, 'charging'],
    ['Faulted', by.Faulted || 0, 'faulted'],
    ['Running sessions', summary.runningSessions, 'sessions'],
  ];
  return html`<h1>Fleet</h1>
    <${Refreshed} at=${at} error=${error} />
    <ul class="cards" aria-label="Counts">${cards.map(([label, n, k]) => html`<li class=${'card ' + k} data-count=${k}><span class="n">${n}</span> <span>${label}</span></li>`)}</ul>
    <section aria-labelledby="by-status"><h2 id="by-status">Connectors by status</h2>
      ${Object.keys(by).length === 0 ? html`<p class="muted">No connector has reported a status.</p>` : html`<ul class="bars">${Object.entries(by).sort().map(([s, n]) => html`<li><span class=${'status s-' + s}>${s}</span> <span class="n">${n}</span></li>`)}</ul>`}
    </section>
    <section aria-labelledby="offline"><h2 id="offline">Went offline in the last hour</h2>
      ${wentOffline.length === 0 ? html`<p class="muted">None.</p>` : html`<ul>${wentOffline.map((r) => html`<li><a href=${link('/boxes/' + encodeURIComponent(r.chargeBoxId))}>${r.chargeBoxId}</a> — last seen <${Time} at=${r.lastSeen} /> (${ago(r.lastSeen)})</li>`)}</ul>`}
    </section>
    <section aria-labelledby="online"><h2 id="online">Online now</h2>
      ${data.conns.length === 0 ? html`<p class="muted">No box is connected.</p>` : html`<ul class="online-list">${data.conns.map((c) => html`<li><a href=${link('/boxes/' + encodeURIComponent(c.chargeBoxId))}>${c.chargeBoxId}</a> since <${Time} at=${c.connectedAt} /></li>`)}</ul>`}
    </section>`;
}
