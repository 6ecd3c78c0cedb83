// Every remote operation the API offers (POST /charge-boxes/{id}/remote/{operation}), each
// with an editable OCPP request body to start from; the outcome is the box's answer, or the
// command followed after a 202.
import { useState } from 'preact/hooks';
import { useCommand, Outcome } from './commands.js';
import { html, Field, FieldError } from './ui.js';

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

// operations: the API's operation names (docs/api.md) and a request body to start from.
export const operations = {
  'cancel-reservation': () => ({ reservationId: 1 }),
  'change-availability': () => ({ connectorId: 1, type: 'Inoperative' }),
  'change-configuration': () => ({ key: 'HeartbeatInterval', value: '300' }),
  'clear-cache': () => ({}),
  'clear-charging-profile': () => ({ connectorId: 1 }),
  'data-transfer': () => ({ vendorId: 'com.example', messageId: 'hello', data: '' }),
  'get-composite-schedule': () => ({ connectorId: 1, duration: 3600, chargingRateUnit: 'W' }),
  'get-configuration': () => ({}),
  'get-diagnostics': () => ({ location: 'ftp://logs.example.com/' }),
  'get-local-list-version': () => ({}),
  'remote-start-transaction': () => ({ connectorId: 1, idTag: '' }),
  'remote-stop-transaction': () => ({ transactionId: 1 }),
  'reserve-now': () => ({ connectorId: 1, expiryDate: inAnHour(), idTag: '', reservationId: 1 }),
  reset: () => ({ type: 'Soft' }),
  'send-local-list': () => ({ listVersion: 1, updateType: 'Full', localAuthorizationList: [] }),
  'set-charging-profile': () => ({
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
      chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
    },
  }),
  'trigger-message': () => ({ requestedMessage: 'StatusNotification', connectorId: 1 }),
  'unlock-connector': () => ({ connectorId: 1 }),
  'update-firmware': () => ({ location: 'https://firmware.example.com/fw.bin', retrieveDate: now() }),
};

export function Operations({ box, onDone }) {
  const [op, setOp] = useState('reset');
  const [body, setBody] = useState(() => JSON.stringify(operations.reset(), null, 2));
  const [wait, setWait] = useState('10');
  const [parseError, setParseError] = useState(null);
  const cmd = useCommand();
  function choose(name) {
    setOp(name);
    setBody(JSON.stringify(operations[name](), null, 2));
    setParseError(null);
  }
  async function send(e) {
    e.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      setParseError({ message: `the body is not JSON: ${err.message}`, field: 'body' });
      return;
    }
    setParseError(null);
    await cmd.run(box.chargeBoxId, op, parsed, { wait: wait === '' ? 10 : Number(wait) });
    onDone();
  }
  // The API names the body field that is wrong; the body box shows it.
  const bodyError = parseError || (cmd.error && cmd.error.field && !['wait'].includes(cmd.error.field) ? { ...cmd.error, message: `${cmd.error.message} (field ${cmd.error.field})`, field: 'body' } : null);
  const waitError = cmd.error && cmd.error.field === 'wait' ? cmd.error : null;
  return html`<section aria-labelledby="operations"><h2 id="operations">Remote operations</h2>
    <form class="panel ops" onSubmit=${send} aria-label="Send a remote operation">
      <${Field} label="Operation" name="operation" value=${op} onInput=${choose} options=${Object.keys(operations)} />
      <div class=${'field' + (bodyError ? ' invalid' : '')}>
        <label for="op-body">Request body (OCPP 1.6 ${op})</label>
        <textarea id="op-body" name="body" rows="8" spellcheck="false" value=${body} onInput=${(e) => setBody(e.target.value)} aria-invalid=${bodyError ? 'true' : undefined} aria-describedby=${bodyError ? 'op-body-error' : undefined}></textarea>
        <${FieldError} id="op-body" error=${bodyError} field="body" />
      </div>
      <${Field} label="Wait for the answer (s, 0–25)" name="wait" type="number" min="0" max="25" value=${wait} onInput=${setWait} error=${waitError} />
      <div class="buttons"><button type="submit" disabled=${cmd.busy || !box.connected}>Send ${op}</button>${!box.connected && html` <span class="muted">the box is offline</span>`}</div>
      <${Outcome} cmd=${cmd} showError=${!bodyError && !waitError} />
    </form></section>`;
}
