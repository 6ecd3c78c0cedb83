// Remote commands: send one, show progress while the box answers, and follow a 202 (the box
// did not answer within the wait) at GET /commands/{commandId} until it has an outcome. The
// commands this console sent are remembered in sessionStorage for the Commands page.
import { useState } from 'preact/hooks';
import { call, get, enc } from './api.js';
import { html, Json, Time, ErrorBox } from './ui.js';

const KEY = 'console.commands';

export function recent() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || '[]');
  } catch {
    return [];
  }
}

function remember(entry) {
  const list = [entry, ...recent().filter((c) => c.commandId !== entry.commandId)].slice(0, 200);
  sessionStorage.setItem(KEY, JSON.stringify(list));
}

// send posts the operation and returns the final outcome: {status, body} where body is the
// API's answer (answered) or the command read back (after a 202). onProgress(text) reports.
export async function send(box, operation, body, { wait = 10, onProgress = () => {} } = {}) {
  const started = Date.now();
  const tick = setInterval(() => onProgress(`waiting for ${box} to answer… ${Math.round((Date.now() - started) / 1000)} s`), 500);
  onProgress(`sending ${operation} to ${box}…`);
  try {
    const res = await call('POST', `/charge-boxes/${enc(box)}/remote/${operation}?wait=${wait}`, body);
    const id = res.body && res.body.commandId;
    if (id) remember({ commandId: id, chargeBoxId: box, action: res.body.action || operation, at: new Date().toISOString() });
    if (res.status !== 202) return res;
    // Pending: the box has not answered yet; follow the command until it has an outcome.
    for (let i = 0; i < 120; i++) {
      onProgress(`${box} has not answered yet (202, command ${id})… ${Math.round((Date.now() - started) / 1000)} s`);
      await new Promise((r) => setTimeout(r, 1000));
      const cmd = await get(`/commands/${enc(id)}`);
      if (cmd.status !== 'pending') return { status: 200, body: cmd, followed: true };
    }
    return res;
  } catch (e) {
    if (e.body && e.body.commandId) remember({ commandId: e.body.commandId, chargeBoxId: box, action: operation, at: new Date().toISOString() });
    throw e;
  } finally {
    clearInterval(tick);
    onProgress('');
  }
}

// useCommand runs commands one at a time for a component: {run, busy, progress, outcome, error}.
export function useCommand() {
  const [state, setState] = useState({ busy: false, progress: '', outcome: null, error: null });
  async function run(box, operation, body, opts = {}) {
    setState({ busy: true, progress: '', outcome: null, error: null });
    try {
      const outcome = await send(box, operation, body, { ...opts, onProgress: (p) => setState((s) => ({ ...s, progress: p })) });
      setState({ busy: false, progress: '', outcome, error: null });
      return outcome;
    } catch (error) {
      setState({ busy: false, progress: '', outcome: null, error });
      return null;
    }
  }
  return { ...state, run };
}

// Outcome shows what the box answered (or the command's state after a 202), or the API's error.
export function Outcome({ cmd, showError = true }) {
  if (cmd.busy) return html`<p class="progress" role="status"><span class="spinner" aria-hidden="true"></span> ${cmd.progress || 'working…'}</p>`;
  if (cmd.error && showError) return html`<${ErrorBox} error=${cmd.error} />`;
  if (!cmd.outcome) return null;
  const b = cmd.outcome.body || {};
  const answer = b.response || (b.errorCode ? { errorCode: b.errorCode, errorDescription: b.errorDescription } : null);
  const status = answer && answer.status ? answer.status : b.status;
  return html`<div class="outcome" role="status">
    <p><strong>${b.action || ''}</strong> ${cmd.outcome.status} ${b.status}${status && status !== b.status ? html` — box answered <strong class="answer">${status}</strong>` : ''}${cmd.outcome.followed ? ' (after 202, followed at /commands)' : ''}
    ${b.answeredAt && html` at <${Time} at=${b.answeredAt} />`}</p>
    ${answer && html`<details><summary>answer</summary><${Json} value=${answer} /></details>`}
  </div>`;
}
