#!/usr/bin/env node
// node-smpp's client as a load generator with esme_bench's command line and RESULT line, for
// bench/compare.sh: binds a transceiver, keeps up to --window submit_sm outstanding until --count
// have been answered (any command_status), answers any deliver_sm, unbinds, and prints
//
//   RESULT node-smpp n=N seconds=S msgs_per_s=R
//
//   node client.js --host H --port P --count N --window W [--text T]
//
// The clock runs from the first submit_sm to the last response (bind and unbind excluded), as in
// esme_bench. The `smpp` package comes from tests/interop/node (NODE_PATH; see compare.sh).
'use strict';
const smpp = require('smpp');

function usage(why) {
  process.stderr.write(`client.js: ${why}\n` +
    'usage: client.js --host H --port P --count N --window W [--text T]\n');
  process.exit(2);
}

const opts = { host: '127.0.0.1', port: 2775, count: 100000, window: 100,
               text: 'Hello from aiosmpp esme_bench' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [arg, value] = [argv[i], argv[i + 1]];
  if (value === undefined) usage('missing value');
  const n = Number(value);
  if (arg === '--host') opts.host = value;
  else if (arg === '--port') {
    if (!Number.isInteger(n) || n < 1 || n > 65535) usage('--port must be 1..65535');
    opts.port = n;
  } else if (arg === '--count') {
    if (!Number.isInteger(n) || n < 1) usage('--count must be >= 1');
    opts.count = n;
  } else if (arg === '--window') {
    if (!Number.isInteger(n) || n < 1 || n > 65536) usage('--window must be 1..65536');
    opts.window = n;
  } else if (arg === '--text') {
    if (Buffer.byteLength(value) > 254) usage('--text must be at most 254 octets');
    opts.text = value;
  } else usage(`unknown option ${arg}`);
}

const session = smpp.connect({ host: opts.host, port: opts.port });
let sent = 0;
let answered = 0;
let errors = 0;
let inFlight = 0;
let maxInFlight = 0;
let t0 = 0n;
let done = false;

session.on('error', (e) => {
  if (done) return;
  process.stderr.write(`client.js: ${e.message}\n`);
  process.exit(1);
});
session.on('close', () => {
  if (!done) {
    process.stderr.write(`client.js: connection closed after ${answered} of ${opts.count}\n`);
    process.exit(1);
  }
});
session.on('deliver_sm', (pdu) => session.send(pdu.response()));
session.on('enquire_link', (pdu) => session.send(pdu.response()));

function onResponse(pdu) {
  --inFlight;
  ++answered;
  if (pdu.command_status !== 0) ++errors;
  if (answered === opts.count) finish();
  else pump();
}

function pump() {
  while (sent < opts.count && inFlight < opts.window) {
    ++sent;
    ++inFlight;
    session.submit_sm({
      source_addr: '254722111111',
      destination_addr: '254722999999',
      short_message: opts.text,
    }, onResponse);
  }
  if (inFlight > maxInFlight) maxInFlight = inFlight;
}

function finish() {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  done = true;
  session.unbind(() => {
    session.close();
    process.stdout.write(`responses=${answered} errors=${errors} max_in_flight=${maxInFlight}\n`);
    process.stdout.write(`RESULT node-smpp n=${opts.count} seconds=${seconds.toFixed(3)} ` +
                         `msgs_per_s=${Math.round(opts.count / seconds)}\n`);
    process.exitCode = errors === 0 ? 0 : 1;
  });
}

session.on('connect', () => {
  session.bind_transceiver({ system_id: 'bench', password: 'bench' }, (pdu) => {
    if (pdu.command_status !== 0) {
      process.stderr.write(`client.js: bind refused, command_status ${pdu.command_status}\n`);
      process.exit(1);
    }
    t0 = process.hrtime.bigint();
    pump();
  });
});
