#!/usr/bin/env node
// node-smpp's client against aiosmpp-smsc-sim. Usage: node sim_client.js <simulator> <scenario>
// Starts the simulator on a free port (it prints "listening HOST:PORT"), runs one scenario,
// checks field by field what each side received, stops the simulator by its process id with
// SIGTERM and checks its exit code and final statistics line. Exit code 0 = pass.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const assert = require('assert/strict');
const smpp = require('smpp');

const [simPath, scenario] = process.argv.slice(2);
if (!simPath || !scenario) {
  console.error('usage: sim_client.js <aiosmpp-smsc-sim> <transceiver|tx_rx_mo|auth|tls|v50>');
  process.exit(2);
}

const children = new Set();
process.on('exit', () => {
  for (const pid of children) {
    try { process.kill(pid, 'SIGKILL'); } catch (e) { /* already gone */ }
  }
});

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function startSim(args) {
  const proc = spawn(simPath, ['--port', '0', '--stats-interval', '0', ...args],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc.pid);
  const lines = [];
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    children.delete(proc.pid);
    resolve({ code, signal });
  }));
  const listening = new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        const m = /^listening (\S+):(\d+)$/.exec(line);
        if (m) resolve({ host: m[1], port: Number(m[2]) });
      }
    });
    exited.then((e) => reject(new Error(`simulator exited early (${JSON.stringify(e)}): ${stderr}`)));
  });
  return { proc, lines, exited, listening, stderr: () => stderr };
}

async function stopSim(sim) {
  process.kill(sim.proc.pid, 'SIGTERM');
  const { code, signal } = await withTimeout(sim.exited, 5000, 'simulator exit after SIGTERM');
  assert.equal(signal, null, `simulator killed by ${signal}: ${sim.stderr()}`);
  assert.equal(code, 0, `simulator exit code: ${sim.stderr()}`);
  const last = sim.lines[sim.lines.length - 1] || '';
  assert.match(last, /^stats /, 'final statistics line');
  const stats = {};
  for (const kv of last.slice(6).split(' ')) {
    const [k, v] = kv.split('=');
    stats[k] = Number(v);
  }
  return stats;
}

function connect(at) {
  return withTimeout(new Promise((resolve, reject) => {
    const s = smpp.connect({ host: at.host, port: at.port }, () => resolve(s));
    s.on('error', reject);
  }), 5000, 'connect');
}

function call(session, command, params) {
  return withTimeout(new Promise((resolve) => session[command](params || {}, resolve)), 5000,
                     command);
}

// Collects PDUs of one command; answers deliver_sm and enquire_link as an ESME must.
function collector(session, command) {
  const got = [];
  const waiters = [];
  session.on(command, (pdu) => {
    if (command === 'deliver_sm' || command === 'enquire_link') session.send(pdu.response());
    got.push(pdu);
    for (const w of waiters.splice(0)) w();
  });
  return {
    got,
    async atLeast(n, ms, what) {
      while (got.length < n) {
        await withTimeout(new Promise((r) => waiters.push(r)), ms,
                          `${what}: have ${got.length} of ${n} ${command}`);
      }
      return got;
    },
  };
}

function closed(session) {
  return withTimeout(new Promise((resolve) => session.on('close', resolve)), 5000, 'close');
}

function checkReceipt(r, submitted) {
  assert.equal(r.esm_class & 0x3c, 0x04, 'esm_class message type = SMSC delivery receipt');
  assert.equal(r.receipted_message_id, submitted.id, 'receipted_message_id TLV');
  assert.equal(r.message_state, 2, 'message_state TLV = DELIVERED');
  assert.equal(r.source_addr, submitted.to, 'receipt source = original destination');
  assert.equal(r.destination_addr, submitted.from, 'receipt destination = original source');
  const text = r.short_message.message;
  assert.match(text, new RegExp(`^id:${submitted.id} sub:001 dlvrd:001 submit date:\\d{10} ` +
                                'done date:\\d{10} stat:DELIVRD err:000 text:'));
  if (submitted.receiptText !== undefined) {
    assert.ok(text.endsWith(`text:${submitted.receiptText}`), `receipt text: ${text}`);
  }
}

async function transceiver() {
  const sim = startSim(['--receipt-delay', '50ms', '--enquire-link', '400ms']);
  const at = await sim.listening;
  const s = await connect(at);
  const receipts = collector(s, 'deliver_sm');
  const serverLinks = collector(s, 'enquire_link');

  const bind = await call(s, 'bind_transceiver', { system_id: 'node', password: 'pw' });
  assert.equal(bind.command_status, 0);
  assert.equal(bind.system_id, 'aiosmpp-sim');
  assert.equal(bind.sc_interface_version, 0x34);

  const gsm = { from: '12345', to: '447700900123', text: 'Hello GSM', receiptText: 'Hello GSM' };
  const r1 = await call(s, 'submit_sm', {
    source_addr: gsm.from, destination_addr: gsm.to, short_message: gsm.text,
    registered_delivery: 1,
  });
  assert.equal(r1.command_status, 0);
  assert.match(r1.message_id, /^\d+$/);
  gsm.id = r1.message_id;

  // UCS2 (data_coding 8) with a character outside the BMP: node-smpp encodes UTF-16BE.
  const ucs2 = { from: '12345', to: '447700900124', text: 'Привет \u{1F600}', receiptText: '' };
  const r2 = await call(s, 'submit_sm', {
    source_addr: ucs2.from, destination_addr: ucs2.to, data_coding: 8,
    short_message: ucs2.text, registered_delivery: 1,
  });
  assert.equal(r2.command_status, 0);
  assert.match(r2.message_id, /^\d+$/);
  assert.notEqual(r2.message_id, r1.message_id, 'message ids are unique');
  ucs2.id = r2.message_id;

  // No receipt asked: none must come.
  const r3 = await call(s, 'submit_sm', {
    source_addr: '1', destination_addr: '2', short_message: 'no receipt', registered_delivery: 0,
  });
  assert.equal(r3.command_status, 0);

  await receipts.atLeast(2, 3000, 'receipts');
  const byId = Object.fromEntries(receipts.got.map((r) => [r.receipted_message_id, r]));
  checkReceipt(byId[gsm.id], gsm);
  checkReceipt(byId[ucs2.id], ucs2);

  // enquire_link from the client...
  const el = await call(s, 'enquire_link');
  assert.equal(el.command_status, 0);
  assert.equal(el.command, 'enquire_link_resp');
  // ...and from the simulator once the link has been idle for --enquire-link.
  await serverLinks.atLeast(1, 3000, 'enquire_link from the simulator');
  assert.equal(receipts.got.length, 2, 'exactly two receipts');

  const isClosed = closed(s);
  const u = await call(s, 'unbind');
  assert.equal(u.command_status, 0);
  await isClosed;

  const stats = await stopSim(sim);
  assert.equal(stats.binds, 1);
  assert.equal(stats.submits, 3);
  assert.equal(stats.receipts_sent, 2);
  assert.equal(stats.receipts_acked, 2);
  assert.equal(stats.sessions, 0);
}

function reassemble(mo) {
  // Groups segments by SAR reference or concatenation UDH (IE 0x00 / 0x08) and joins them.
  const singles = [];
  const groups = new Map();
  for (const p of mo) {
    const m = p.short_message;
    let key = null;
    let total = 1;
    let seq = 1;
    if (p.sar_msg_ref_num !== undefined) {
      key = `sar:${p.sar_msg_ref_num}`;
      total = p.sar_total_segments;
      seq = p.sar_segment_seqnum;
    } else if (m.udh && m.udh.length) {
      const ie = m.udh[0];
      assert.ok(ie[0] === 0x00 || ie[0] === 0x08, `concatenation IE, got ${ie.toString('hex')}`);
      const ref = ie[0] === 0x00 ? ie[2] : ie.readUInt16BE(2);
      key = `udh:${ref}`;
      total = ie[ie.length - 2];
      seq = ie[ie.length - 1];
    }
    if (key === null) {
      singles.push(m.message);
      continue;
    }
    if (!groups.has(key)) groups.set(key, { total, parts: new Map() });
    groups.get(key).parts.set(seq, m.message);
  }
  const out = [...singles];
  for (const [key, g] of groups) {
    assert.equal(g.parts.size, g.total, `${key}: all ${g.total} segments`);
    let text = '';
    for (let i = 1; i <= g.total; ++i) text += g.parts.get(i);
    out.push(text);
  }
  return out;
}

async function txRxMo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiosmpp-sim-'));
  const longGsm = 'GSM long message. '.repeat(12).trim();  // 215 septets: 2 UDH segments
  const longUcs2 = 'Длинное сообщение \u{1F600} '.repeat(8).trim();  // UCS2, 3 SAR segments
  const moFile = path.join(dir, 'mo.txt');
  fs.writeFileSync(moFile, [
    'Short MO',
    JSON.stringify({ from: '447700900555', to: '5555', text: longGsm, encoding: 'gsm7',
                     long: 'udh8' }),
    JSON.stringify({ text: longUcs2, encoding: 'ucs2', long: 'sar' }),
  ].join('\n') + '\n');
  const sim = startSim(['--receipt-delay', '20ms', '--mo-file', moFile, '--mo-rate', '50',
                        '--mo-from', '447700900999', '--mo-to', '7777']);
  const at = await sim.listening;
  try {
    const tx = await connect(at);
    const rx = await connect(at);
    const b1 = await call(tx, 'bind_transmitter', { system_id: 'shop', password: 'pw' });
    assert.equal(b1.command_status, 0);
    const delivered = collector(rx, 'deliver_sm');
    const b2 = await call(rx, 'bind_receiver', { system_id: 'shop', password: 'pw' });
    assert.equal(b2.command_status, 0);

    const sub = { from: '999', to: '447700900777', text: 'to receiver', receiptText: 'to receiver' };
    const r = await call(tx, 'submit_sm', {
      source_addr: sub.from, destination_addr: sub.to, short_message: sub.text,
      registered_delivery: 1,
    });
    assert.equal(r.command_status, 0);
    sub.id = r.message_id;

    // A transmitter cannot receive: the receipt goes to the receiver bound with the same
    // system_id. MO: 1 + 2 (UDH) + 3 (SAR) deliver_sm.
    await delivered.atLeast(7, 5000, 'receipt and MO');
    const receipts = delivered.got.filter((p) => (p.esm_class & 0x3c) === 0x04);
    const mo = delivered.got.filter((p) => (p.esm_class & 0x3c) === 0);
    assert.equal(receipts.length, 1);
    checkReceipt(receipts[0], sub);
    assert.equal(mo.length, 6, 'MO deliver_sm count');
    const short = mo.find((p) => p.short_message.message === 'Short MO');
    assert.ok(short, 'the short MO arrived');
    assert.equal(short.source_addr, '447700900999');
    assert.equal(short.destination_addr, '7777');
    assert.equal(short.data_coding, 0);
    const udhParts = mo.filter((p) => p.short_message.udh);
    assert.equal(udhParts.length, 2);
    for (const p of udhParts) {
      assert.equal(p.source_addr, '447700900555');
      assert.equal(p.destination_addr, '5555');
      assert.equal(p.esm_class & 0x40, 0x40, 'UDHI set');
    }
    const sarParts = mo.filter((p) => p.sar_msg_ref_num !== undefined);
    assert.equal(sarParts.length, 3);
    for (const p of sarParts) assert.equal(p.data_coding, 8);
    const texts = reassemble(mo).sort();
    assert.deepEqual(texts, ['Short MO', longGsm, longUcs2].sort());

    // submit_sm on a receiver session is in the wrong state: ESME_RINVBNDSTS.
    const wrong = await call(rx, 'submit_sm', { destination_addr: '1', short_message: 'x' });
    assert.equal(wrong.command_status, 0x04);

    for (const s of [tx, rx]) {
      const c = closed(s);
      const u = await call(s, 'unbind');
      assert.equal(u.command_status, 0);
      await c;
    }
    const stats = await stopSim(sim);
    assert.equal(stats.binds, 2);
    assert.equal(stats.mo_sent, 6);
    assert.equal(stats.mo_acked, 6);
    assert.equal(stats.receipts_acked, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function auth() {
  const sim = startSim(['--credentials', 'alice:secret,bob:hunter2']);
  const at = await sim.listening;
  const s = await connect(at);
  const wrongPw = await call(s, 'bind_transceiver', { system_id: 'alice', password: 'nope' });
  assert.equal(wrongPw.command_status, 0x0e, 'ESME_RINVPASWD');
  const unknown = await call(s, 'bind_transceiver', { system_id: 'carol', password: 'secret' });
  assert.equal(unknown.command_status, 0x0f, 'ESME_RINVSYSID');
  const early = await call(s, 'submit_sm', { destination_addr: '1', short_message: 'x' });
  assert.equal(early.command_status, 0x04, 'submit_sm before bind: ESME_RINVBNDSTS');
  const ok = await call(s, 'bind_transceiver', { system_id: 'alice', password: 'secret' });
  assert.equal(ok.command_status, 0);
  const again = await call(s, 'bind_transmitter', { system_id: 'bob', password: 'hunter2' });
  assert.equal(again.command_status, 0x05, 'ESME_RALYBND');
  const c = closed(s);
  assert.equal((await call(s, 'unbind')).command_status, 0);
  await c;
  const stats = await stopSim(sim);
  assert.equal(stats.binds, 1);
  assert.equal(stats.bind_failures, 2);
}

// node-smpp's TLS client (ssmpp://) against --tls-cert with --tls-port: a plain client on the
// plain port, a TLS client trusting the test CA (AIOSMPP_TLS_CA_DIR, made by the tls_ca fixture)
// submits and gets its receipt, one trusting nothing else is refused for the certificate, and a
// plain client at the TLS port gets no SMPP answer.
async function tlsPort() {
  const dir = process.env.AIOSMPP_TLS_CA_DIR;
  assert.ok(dir, 'AIOSMPP_TLS_CA_DIR');
  const sim = startSim(['--receipt-delay', '20ms', '--tls-cert', path.join(dir, 'server.pem'),
                        '--tls-key', path.join(dir, 'server.key'), '--tls-port', '0']);
  const at = await sim.listening;
  let tlsAt = null;
  for (let i = 0; i < 200 && !tlsAt; ++i) {
    const m = sim.lines.map((l) => /^listening tls (\S+):(\d+)$/.exec(l)).find(Boolean);
    if (m) tlsAt = { host: m[1], port: Number(m[2]) };
    else await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(tlsAt, `a "listening tls" line: ${sim.lines.join(' | ')}`);
  assert.notEqual(tlsAt.port, at.port);

  const plain = await connect(at);
  assert.equal((await call(plain, 'bind_transceiver', { system_id: 'p', password: 'pw' }))
    .command_status, 0);

  const ca = fs.readFileSync(path.join(dir, 'ca.pem'));
  const secure = await withTimeout(new Promise((resolve, reject) => {
    const s = smpp.connect({ url: `ssmpp://localhost:${tlsAt.port}`, ca }, () => resolve(s));
    s.on('error', reject);
  }), 5000, 'TLS connect');
  assert.equal(secure.socket.getProtocol().startsWith('TLSv1.'), true);
  const receipts = collector(secure, 'deliver_sm');
  const bind = await call(secure, 'bind_transceiver', { system_id: 'tls', password: 'pw' });
  assert.equal(bind.command_status, 0);
  const sub = { from: '100', to: '447700900321', text: 'over TLS', receiptText: 'over TLS' };
  const r = await call(secure, 'submit_sm', {
    source_addr: sub.from, destination_addr: sub.to, short_message: sub.text,
    registered_delivery: 1,
  });
  assert.equal(r.command_status, 0);
  sub.id = r.message_id;
  await receipts.atLeast(1, 3000, 'receipt over TLS');
  checkReceipt(receipts.got[0], sub);

  // Trusting only Node's own CA list: the simulator's certificate is refused by the client.
  const refused = await withTimeout(new Promise((resolve) => {
    const s = smpp.connect({ url: `ssmpp://localhost:${tlsAt.port}` }, () => resolve(null));
    s.on('error', (e) => resolve(e));
  }), 5000, 'untrusted TLS connect');
  assert.ok(refused, 'a certificate from an unknown CA must be refused');
  // Node's name for "the issuer of the only certificate sent is unknown".
  assert.equal(refused.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');

  // Plain SMPP at the TLS port: the handshake fails at the simulator, which closes at once.
  const wrong = await connect(tlsAt);
  const wrongClosed = closed(wrong);
  wrong.on('error', () => {});
  wrong.bind_transceiver({ system_id: 'x', password: 'pw' }, () => {
    assert.fail('a bind answered on the TLS port');
  });
  await wrongClosed;

  for (const s of [plain, secure]) {
    const c = closed(s);
    assert.equal((await call(s, 'unbind')).command_status, 0);
    await c;
  }
  const stats = await stopSim(sim);
  assert.equal(stats.binds, 2);
  assert.equal(stats.submits, 1);
  assert.equal(stats.receipts_acked, 1);
}

// SMPP 5.0: node-smpp binds with interface_version 0x50 to a 5.0 simulator, sends broadcast_sm,
// queries and cancels it, and reads congestion_state from the responses (--congestion 10: ten
// requests in a second read 100).
async function v50() {
  const sim = startSim(['--interface-version', '5.0', '--congestion', '10',
                        '--receipt-delay', '60m', '--receipts', 'off']);
  const at = await sim.listening;
  const s = await connect(at);
  const bind = await call(s, 'bind_transceiver',
                          { system_id: 'node', password: 'pw', interface_version: 0x50 });
  assert.equal(bind.command_status, 0);
  assert.equal(bind.sc_interface_version, 0x50, 'the simulator announces 5.0');

  const broadcast = {
    source_addr: '12345',
    broadcast_area_identifier: ['north', 'south'],  // node-smpp: format 0 (name) + the name
    broadcast_content_type: { network: 1, content_type: 2 },
    broadcast_rep_num: 3,
    broadcast_frequency_interval: { unit: 9, interval: 5 },
    message_payload: 'Cell broadcast from node-smpp',
  };
  const b = await call(s, 'broadcast_sm', broadcast);
  assert.equal(b.command, 'broadcast_sm_resp');
  assert.equal(b.command_status, 0);
  assert.match(b.message_id, /^\d+$/);
  assert.equal(b.congestion_state, 10, 'one request of ten in the last second');

  const q = await call(s, 'query_broadcast_sm', { message_id: b.message_id, source_addr: '12345' });
  assert.equal(q.command_status, 0);
  assert.equal(q.message_id, b.message_id);
  assert.equal(q.message_state, 1, 'ENROUTE while under way');
  assert.equal(q.broadcast_area_success, 0);
  assert.deepEqual(q.broadcast_area_identifier.map((a) => [a.format, a.data]),
                   [[0, 'north'], [0, 'south']]);
  assert.equal(q.congestion_state, 10, 'every 5.0 response with TLVs carries the last value');

  // submit_sm and broadcast_sm count alike: the rest of ten in the second reads 100.
  let last = b.congestion_state;
  for (let i = 0; i < 8; ++i) {
    const r = await call(s, 'submit_sm', { source_addr: '1', destination_addr: '2',
                                           short_message: `load ${i}` });
    assert.equal(r.command_status, 0);
    assert.ok(r.congestion_state >= 10 && r.congestion_state <= 100, `${r.congestion_state}`);
    last = r.congestion_state;
  }
  const b2 = await call(s, 'broadcast_sm', broadcast);
  assert.equal(b2.command_status, 0);
  // Ten in the last second unless the machine took more than a second for them.
  assert.ok(b2.congestion_state <= 100, `${b2.congestion_state}`);
  assert.ok(b2.congestion_state > 10 || last === 10, `rising: ${b2.congestion_state}`);

  const c = await call(s, 'cancel_broadcast_sm', { message_id: b.message_id, source_addr: '12345' });
  assert.equal(c.command, 'cancel_broadcast_sm_resp');
  assert.equal(c.command_status, 0);
  const q2 = await call(s, 'query_broadcast_sm', { message_id: b.message_id, source_addr: '12345' });
  assert.equal(q2.message_state, 4, 'DELETED once cancelled');
  const c2 = await call(s, 'cancel_broadcast_sm', { message_id: b.message_id, source_addr: '12345' });
  assert.equal(c2.command_status, 0x10F, 'ESME_RBCASTCANCELFAIL the second time');

  const isClosed = closed(s);
  assert.equal((await call(s, 'unbind')).command_status, 0);
  await isClosed;

  // The same client at a 3.4 simulator: 3.4 is spoken, and broadcast_sm is refused.
  const sim34 = startSim([]);
  const s34 = await connect(await sim34.listening);
  const bind34 = await call(s34, 'bind_transceiver',
                            { system_id: 'node', password: 'pw', interface_version: 0x50 });
  assert.equal(bind34.sc_interface_version, 0x34);
  const nack = await call(s34, 'broadcast_sm', broadcast);
  assert.equal(nack.command, 'generic_nack');
  assert.equal(nack.command_status, 0x03, 'ESME_RINVCMDID');
  const r34 = await call(s34, 'submit_sm', { source_addr: '1', destination_addr: '2',
                                             short_message: 'still bound' });
  assert.equal(r34.command_status, 0);
  assert.equal(r34.congestion_state, undefined, 'no 5.0 TLV to a 3.4 session');
  const closed34 = closed(s34);
  assert.equal((await call(s34, 'unbind')).command_status, 0);
  await closed34;

  const stats = await stopSim(sim);
  assert.equal(stats.binds, 1);
  assert.equal(stats.submits, 8);
  assert.equal(stats.sessions, 0);
  const stats34 = await stopSim(sim34);
  assert.equal(stats34.submits, 1);
}

const scenarios = { transceiver, tx_rx_mo: txRxMo, auth, tls: tlsPort, v50 };
if (!scenarios[scenario]) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
withTimeout(scenarios[scenario](), 30000, scenario).then(
  () => { console.log(`${scenario}: ok`); process.exit(0); },
  (e) => { console.error(`${scenario}: FAILED\n${e.stack || e}`); process.exit(1); });
