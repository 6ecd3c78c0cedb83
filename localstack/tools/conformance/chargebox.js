// A charge box made of a third-party OCPP-J library, ocpp-rpc, in strict mode: every CALL it
// sends and every answer it receives is validated against the Open Charge Alliance's OCPP 1.6
// JSON schemas shipped with the library, and any violation fails the run.
//
//   node chargebox.js ws://127.0.0.1:8080/ocpp CHARGEBOX-ID
//
// It boots, reports status, authorizes, runs a transaction with meter values, stops it, sends a
// heartbeat and each remaining charge-box-initiated message (the security extension's too), answers any CALL from the central
// system with a valid response, and prints a JSON summary. Exit code 0 means no protocol error.
'use strict';
const { RPCClient } = require('ocpp-rpc');

const [endpoint = 'ws://127.0.0.1:8080/ocpp', identity = 'OCPP-RPC-1'] = process.argv.slice(2);

const answers = {
  Reset: { status: 'Accepted' },
  ClearCache: { status: 'Accepted' },
  ChangeAvailability: { status: 'Accepted' },
  ChangeConfiguration: { status: 'Accepted' },
  GetConfiguration: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: [] },
  UnlockConnector: { status: 'Unlocked' },
  RemoteStartTransaction: { status: 'Accepted' },
  RemoteStopTransaction: { status: 'Accepted' },
  TriggerMessage: { status: 'Accepted' },
  DataTransfer: { status: 'Accepted' },
  GetLocalListVersion: { listVersion: 0 },
  SendLocalList: { status: 'Accepted' },
  ReserveNow: { status: 'Accepted' },
  CancelReservation: { status: 'Accepted' },
  SetChargingProfile: { status: 'Accepted' },
  ClearChargingProfile: { status: 'Accepted' },
  GetCompositeSchedule: { status: 'Rejected' },
  GetDiagnostics: {},
  UpdateFirmware: {},
  // The security extension.
  InstallCertificate: { status: 'Accepted' },
  DeleteCertificate: { status: 'NotFound' },
  GetInstalledCertificateIds: { status: 'NotFound' },
  GetLog: { status: 'Accepted', filename: 'security.log' },
  SignedUpdateFirmware: { status: 'Accepted' },
  ExtendedTriggerMessage: { status: 'Accepted' },
};

async function main() {
  const cli = new RPCClient({ endpoint, identity, protocols: ['ocpp1.6'], strictMode: true, reconnect: false, callTimeoutMs: 15000 });
  const received = [];
  cli.handle(({ method, params }) => {
    received.push(method);
    if (!(method in answers)) throw new Error(`no scripted answer for ${method}`);
    return answers[method];
  });
  await cli.connect();
  if (cli.protocol !== 'ocpp1.6') throw new Error(`negotiated subprotocol ${cli.protocol}`);

  const now = () => new Date().toISOString();
  const results = {};
  const call = async (action, payload) => { results[action] = await cli.call(action, payload); return results[action]; };

  const boot = await call('BootNotification', { chargePointVendor: 'ocpp-rpc', chargePointModel: 'strict-1.6', firmwareVersion: '2.2.1' });
  if (boot.status !== 'Accepted') throw new Error(`boot ${boot.status}`);
  await call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: now() });
  await call('Authorize', { idTag: 'RPC-TAG' });
  const start = await call('StartTransaction', { connectorId: 1, idTag: 'RPC-TAG', meterStart: 1000, timestamp: now() });
  await call('MeterValues', {
    connectorId: 1, transactionId: start.transactionId,
    meterValue: [{ timestamp: now(), sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' }] }],
  });
  await call('StopTransaction', {
    transactionId: start.transactionId, idTag: 'RPC-TAG', meterStop: 2500, timestamp: now(), reason: 'Local',
    transactionData: [{ timestamp: now(), sampledValue: [{ value: '2500' }] }],
  });
  await call('Heartbeat', {});
  await call('DataTransfer', { vendorId: 'com.example', messageId: 'hello', data: 'x' });
  await call('DiagnosticsStatusNotification', { status: 'Idle' });
  await call('FirmwareStatusNotification', { status: 'Idle' });
  await call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: now(), techInfo: 'ocpp-rpc strict run' });
  await call('SignedFirmwareStatusNotification', { status: 'Idle' });
  await call('LogStatusNotification', { status: 'Idle' });
  await cli.close({ code: 1000 });
  console.log(JSON.stringify({ identity, transactionId: start.transactionId, results, received }));
}

main().catch((err) => {
  console.error(`ocpp-rpc charge box failed: ${err && (err.stack || err.message || err)}`);
  process.exit(1);
});
