#!/usr/bin/env node
// node-smpp's server as a minimal SMSC for bench/compare.sh: accepts every bind, answers every
// submit_sm with ESME_ROK and a unique decimal message_id, answers enquire_link and unbind, and
// sends no receipts (like aiosmpp-smsc-sim --receipts off). Prints "listening HOST:PORT" once
// listening (--port 0 picks a free port, as the simulator does); SIGTERM/SIGINT close it and print
// "stats sessions=... submits=..." before exiting 0.
//
//   node server.js [--host H] [--port P]
'use strict';
const smpp = require('smpp');

const opts = { host: '127.0.0.1', port: 2775 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [arg, value] = [argv[i], argv[i + 1]];
  if (value === undefined) {
    process.stderr.write(`server.js: ${arg}: missing value\n`);
    process.exit(2);
  }
  if (arg === '--host') opts.host = value;
  else if (arg === '--port') {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      process.stderr.write('server.js: --port must be 0..65535\n');
      process.exit(2);
    }
    opts.port = n;
  } else {
    process.stderr.write(`server.js: unknown option ${arg}\n`);
    process.exit(2);
  }
}

let nextId = 1;
let submits = 0;
let sessions = 0;
const server = smpp.createServer((session) => {
  ++sessions;
  session.on('error', () => session.destroy());
  const bind = (pdu) => session.send(pdu.response({ system_id: 'node-smpp' }));
  session.on('bind_transceiver', bind);
  session.on('bind_transmitter', bind);
  session.on('bind_receiver', bind);
  session.on('submit_sm', (pdu) => {
    ++submits;
    session.send(pdu.response({ message_id: String(nextId++) }));
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    session.close();
  });
});

server.listen(opts.port, opts.host, () => {
  const a = server.address();
  process.stdout.write(`listening ${a.address}:${a.port}\n`);
});

function stop() {
  process.stdout.write(`stats sessions=${sessions} submits=${submits}\n`);
  for (const s of server.sessions.slice()) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
