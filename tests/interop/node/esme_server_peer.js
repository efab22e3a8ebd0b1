#!/usr/bin/env node
// A node-smpp SERVER for aiosmpp's Esme interop tests (tests/interop/esme). It listens on
// 127.0.0.1 at a free port, reports everything it receives as JSON lines on stdout, and takes
// commands as JSON lines on stdin. It exits when stdin closes, so a test that dies leaves nothing.
//
// stdout, one JSON object per line:
//   {"event":"listening","port":N}                                  first line
//   {"event":"connect","session":S} / {"event":"close","session":S}
//   {"event":"pdu","session":S,"pdu":{...},"text":"...","action":"...","message_id":"..."}
//       every PDU received, as node-smpp reads it with its text filters off: header fields, every
//       mandatory field, TLVs by node-smpp's name (numeric tag when unknown), octet strings as
//       lower-case hex strings. "text" (submit_sm / deliver_sm / data_sm): the user data decoded
//       by node-smpp's own encodings, UDH stripped. "action": what the server did (answered,
//       withheld, dropped); "message_id": what it answered a submit_sm with.
//   {"event":"message","session":S,"kind":"single|payload|udh8|udh16|sar","ref":R,"total":T,
//    "seqnums":[...arrival order...],"data_coding":D,"text":"...","hex":"...","message_ids":[...]}
//       a whole submitted message: segments reassembled by the server from their concatenation
//       UDH or SAR TLVs (user data joined, then decoded), or a single submit_sm.
//   {"event":"sent","session":S,"command":"...","sequence_number":N} a request the server sent
//   {"event":"done","id":I} / {"event":"error","id":I,"error":"..."}  answer to each command
//
// With AIOSMPP_TLS_CERT and AIOSMPP_TLS_KEY (PEM files) in the environment the server speaks TLS,
// node-smpp's smpp.createServer({key, cert}) (tests/interop/tls).
//
// stdin commands (each may carry "id", echoed in "done"/"error"; "session" defaults to the
// newest open session):
//   {"op":"set", "bind_status":N, "submit_statuses":[N...], "withhold_after":N, "drop_after":N,
//    "throttle_every":N, "auto_receipt":bool, "receipt_first_every":N, "receipts_on_unbind":bool}
//       bind_status: command_status for binds (0: accept). submit_statuses: command_status for
//       the next submit_sm, one each, in order (0: answer; others: a header-only error
//       response; {"generic_nack":N}: a generic_nack with status N and the submit_sm's
//       sequence_number instead of a submit_sm_resp); once used up, submits are answered. Per session, reset on each connect:
//       withhold_after: answer only the first N submit_sm, hold the rest unanswered (until an
//       unbind with "release"); drop_after: destroy the connection when the Nth submit_sm
//       arrives (not answered). For the whole run: throttle_every: every Nth submit_sm received
//       (counting every session and every resend) is answered ESME_RTHROTTLED (0: never);
//       auto_receipt: a DELIVRD receipt follows the response of every answered submit_sm that
//       asks for one; receipt_first_every: every Nth answered submit_sm that asks for a receipt
//       gets it written BEFORE its submit_sm_resp (1: all, 2: every other; 0: never);
//       receipts_on_unbind: when the Esme's unbind arrives, a receipt for every message this
//       session answered without one yet is written before the unbind_resp.
//   {"op":"enquire_link"}
//   {"op":"unbind","release":bool}  closes the session once unbind_resp comes; with "release",
//       the responses held by withhold_after are written right after the unbind (before the
//       close), each answered as usual and reported as {"event":"released",...}
//   {"op":"outbind","port":P,"system_id":"...","password":"..."}
//       node-smpp as a client (smpp.connect) connects to 127.0.0.1:P (tried again every 20 ms
//       while refused, up to 2 s) and sends outbind; the connection then is a session like the
//       server's (it answers the Esme's bind_receiver, takes "deliver" commands, ...)
//   {"op":"stats"}  answered by {"event":"stats","submits":N,"statuses":{status:N},
//       "accepted":{text:N},"requests":{command:{"sent":N,"answered":N}},"unanswered":[...]}:
//       the peer's own tally of every submit_sm it received, how each was answered, how often
//       each text was accepted, and which of the requests it sent got no response
//   {"op":"drop"}                                         destroys the connection at once
//   {"op":"deliver","params":{...},"command":"..."}       a deliver_sm (or the request named
//                                                         by "command": data_sm,
//                                                         alert_notification) with these fields
//                                                         (octet strings as {"hex":"..."})
//   {"op":"mo","text":"...","coding":"gsm|ucs2","split":"none|payload|udh8|udh16|sar",
//    "chunk":N,"units":"utf16","ref":R,"reverse":bool,"source":"...","destination":"..."}
//       an MO message encoded by node-smpp, split into parts of `chunk` characters (code points;
//       UTF-16 code units with "units":"utf16")
//   {"op":"receipt","message_id":"...","stat":"DELIVRD","tlvs":bool,"payload":bool}
//       a text delivery receipt (Appendix B) for a submit_sm this server answered; with "tlvs"
//       also receipted_message_id and message_state; with "payload" the text goes in
//       message_payload
//   {"op":"exit"}
'use strict';
const fs = require('fs');
const { serve } = require('./command_loop');
const smpp = require('smpp');
const { fromPlain } = require('./plain');

// Keep every field as the wire reader/writer sees it: this peer compares bytes and decodes text
// itself with node-smpp's encodings.
smpp.PDU.prototype._filter = function () {};

const started = Date.now();
function emit(event) {
  event.ms = Date.now() - started;  // for reading a failed test's transcript
  process.stdout.write(JSON.stringify(event) + '\n');
}

function plain(value) {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}


function fieldsOf(pdu) {
  const out = {};
  for (const [k, v] of Object.entries(pdu)) {
    if (typeof v !== 'function') out[k] = plain(v);
  }
  return out;
}

// node-smpp's decoding of user data for a data_coding (its message filter, UDH already removed).
function decodeText(bytes, dataCoding) {
  return smpp.filters.message.decode.call({ data_coding: dataCoding, esm_class: 0 }, bytes, true)
    .message;
}

function encodeText(text, coding) {
  if (coding === 'ucs2') return { dc: 8, bytes: smpp.encodings.UCS2.encode(text) };
  if (coding === 'gsm') {
    if (!smpp.encodings.ASCII.match(text)) throw new Error('text is not GSM 03.38');
    return { dc: 0, bytes: smpp.encodings.ASCII.encode(text) };
  }
  throw new Error(`unknown coding ${coding}`);
}

// The concatenation information element of a UDH (3GPP TS 23.040 §9.2.3.24.1/.8), walking every
// IE; null when there is none or the header is malformed.
function concatOf(userData) {
  if (userData.length < 1) return null;
  const udhl = userData[0];
  if (udhl + 1 > userData.length) return null;
  let at = 1;
  let found = null;
  while (at + 2 <= udhl + 1) {
    const iei = userData[at];
    const len = userData[at + 1];
    const body = userData.slice(at + 2, at + 2 + len);
    if (at + 2 + len > udhl + 1) return null;
    if (iei === 0x00 && len === 3) {
      found = { kind: 'udh8', ref: body[0], total: body[1], seq: body[2] };
    } else if (iei === 0x08 && len === 4) {
      found = { kind: 'udh16', ref: body.readUInt16BE(0), total: body[2], seq: body[3] };
    }
    at += 2 + len;
  }
  if (found) found.payload = userData.slice(udhl + 1);
  return found;
}

let nextSession = 1;
let nextMessageId = 1;
const sessions = new Map();  // id -> {session, state}
const answered = new Map();  // message_id -> the submit_sm it answered
const pending = new Map();   // "session/kind/ref" -> {parts: Map(seq -> part), ...}
let bindStatus = 0;
let submitStatuses = [];  // command_status for the next submit_sm, in order (0: answer)
let sessionDefaults = { withholdAfter: -1, dropAfter: -1 };
let throttleEvery = 0;       // every Nth submit_sm is answered ESME_RTHROTTLED
let autoReceipt = false;     // a receipt after the response of each submit_sm asking for one
let receiptFirstEvery = 0;   // every Nth of those gets its receipt before its response
let receiptsOnUnbind = false;
// The peer's own tally, reported by {"op":"stats"}.
const tally = { submits: 0, receiptsAsked: 0, statuses: {}, accepted: {}, requests: {} };
const outstanding = new Map();  // "session/sequence_number" -> request sent, not yet answered

function newestSession() {
  let newest = null;
  for (const [id, s] of sessions) if (!s.closed) newest = id;
  return newest;
}

function onSubmit(s, pdu, event) {
  s.submits += 1;
  tally.submits += 1;
  if (s.dropAfter > 0 && s.submits >= s.dropAfter) {
    event.action = 'dropped';
    emit(event);
    s.session.destroy();
    return;
  }
  if (s.withholdAfter >= 0 && s.submits > s.withholdAfter) {
    event.action = 'withheld';
    emit(event);
    s.withheld.push({ pdu, text: event.text });
    return;
  }
  let status = submitStatuses.length ? submitStatuses.shift() : 0;
  if (status && typeof status === 'object' && status.generic_nack !== undefined) {
    event.action = 'nacked';
    event.command_status = status.generic_nack;
    emit(event);
    s.session.send(new smpp.PDU('generic_nack', { command_status: status.generic_nack,
                                                  sequence_number: pdu.sequence_number }));
    return;
  }
  if (!status && throttleEvery > 0 && tally.submits % throttleEvery === 0) status = 0x58;
  tally.statuses[status] = (tally.statuses[status] || 0) + 1;
  if (status) {
    event.action = 'rejected';
    event.command_status = status;
    emit(event);
    s.session.send(pdu.response({ command_status: status }));  // header only, as 3.4 says
    return;
  }
  answer(s, pdu, event);
}

// Accepts a submit_sm: its response with a new message_id, and its receipt when asked for (before
// the response for every receiptFirstEvery-th, after it with autoReceipt, else on request).
function answer(s, pdu, event) {
  const messageId = `nid-${nextMessageId++}`;
  answered.set(messageId, { pdu, text: event.text, session: s.id });
  const key = event.text === undefined ? '' : event.text;
  tally.accepted[key] = (tally.accepted[key] || 0) + 1;
  const wantsReceipt = (pdu.registered_delivery & 0x03) !== 0;
  if (wantsReceipt) tally.receiptsAsked += 1;
  const early = wantsReceipt && receiptFirstEvery > 0 &&
                tally.receiptsAsked % receiptFirstEvery === 0;
  event.action = 'answered';
  event.message_id = messageId;
  if (early) event.receipt = 'before_response';
  emit(event);
  // The "message" event goes out before the response, so a test that saw the response finds
  // it (stdout is a pipe: synchronous on Linux).
  reassemble(s, pdu, messageId);
  if (early) sendRequest(s, 'deliver_sm', receiptParams(messageId, {}));
  s.session.send(pdu.response({ message_id: messageId }));
  if (wantsReceipt && !early) {
    if (autoReceipt) {
      sendRequest(s, 'deliver_sm', receiptParams(messageId, {}));
    } else {
      s.unreceipted.push(messageId);
    }
  }
}

function reassemble(s, pdu, messageId) {
  const short = pdu.short_message || Buffer.alloc(0);
  if (pdu.message_payload && pdu.message_payload.length) {
    emit({ event: 'message', session: s.id, kind: 'payload', ref: null, total: 1, seqnums: [1],
           data_coding: pdu.data_coding, text: decodeText(pdu.message_payload, pdu.data_coding),
           hex: pdu.message_payload.toString('hex'), message_ids: [messageId] });
    return;
  }
  let part = null;
  if (pdu.esm_class & 0x40) {
    part = concatOf(short);
  } else if (pdu.sar_msg_ref_num !== undefined) {
    part = { kind: 'sar', ref: pdu.sar_msg_ref_num, total: pdu.sar_total_segments,
             seq: pdu.sar_segment_seqnum, payload: short };
  }
  if (!part) {
    const body = (pdu.esm_class & 0x40) ? short.slice(short[0] + 1) : short;
    emit({ event: 'message', session: s.id, kind: 'single', ref: null, total: 1, seqnums: [1],
           data_coding: pdu.data_coding, text: decodeText(body, pdu.data_coding),
           hex: body.toString('hex'), message_ids: [messageId] });
    return;
  }
  const key = `${s.id}/${part.kind}/${part.ref}`;
  if (!pending.has(key)) {
    pending.set(key, { parts: new Map(), order: [], codings: new Set(), ids: [] });
  }
  const p = pending.get(key);
  p.parts.set(part.seq, part);
  p.order.push(part.seq);
  p.codings.add(pdu.data_coding);
  p.ids.push(messageId);
  if (p.parts.size < part.total) return;
  pending.delete(key);
  const joined = [];
  for (let seq = 1; seq <= part.total; ++seq) {
    if (!p.parts.has(seq)) {
      emit({ event: 'error', error: `message ${key}: segment ${seq} of ${part.total} missing` });
      return;
    }
    joined.push(p.parts.get(seq).payload);
  }
  const bytes = Buffer.concat(joined);
  const codings = [...p.codings];
  emit({ event: 'message', session: s.id, kind: part.kind, ref: part.ref, total: part.total,
         seqnums: p.order, data_coding: codings.length === 1 ? codings[0] : codings,
         text: decodeText(bytes, codings[0]), hex: bytes.toString('hex'), message_ids: p.ids });
}

// Runs a connection as an SMSC session: the server's, or the one node-smpp opened for outbind.
function attach(session) {
  const s = { id: nextSession++, session, closed: false, submits: 0, unbinding: 0, withheld: [],
              unreceipted: [], withholdAfter: sessionDefaults.withholdAfter,
              dropAfter: sessionDefaults.dropAfter };
  sessions.set(s.id, s);
  emit({ event: 'connect', session: s.id });
  session.on('error', () => {});  // a reset by the peer ends in 'close' all the same
  session.on('close', () => {
    s.closed = true;
    emit({ event: 'close', session: s.id });
  });
  session.on('pdu', (pdu) => onPdu(s, pdu));
  return s;
}

function onPdu(s, pdu) {
  const session = s.session;
  const event = { event: 'pdu', session: s.id, pdu: fieldsOf(pdu) };
  if (['submit_sm', 'deliver_sm', 'data_sm'].includes(pdu.command)) {
    let data = pdu.short_message && pdu.short_message.length ? pdu.short_message
                                                              : pdu.message_payload;
    if (data && (pdu.esm_class & 0x40) && data.length) data = data.slice(data[0] + 1);
    if (data) event.text = decodeText(data, pdu.data_coding);
  }
  if (pdu.isResponse()) {
    const key = `${s.id}/${pdu.sequence_number}`;
    const request = outstanding.get(key);
    if (request !== undefined && `${request}_resp` === pdu.command) {
      outstanding.delete(key);
      tally.requests[request].answered += 1;
    }
  }
  switch (pdu.command) {
    case 'bind_transmitter':
    case 'bind_receiver':
    case 'bind_transceiver':
      event.action = bindStatus ? 'rejected' : 'answered';
      emit(event);
      session.send(bindStatus ? pdu.response({ command_status: bindStatus })
                              : pdu.response({ system_id: 'node-smpp',
                                               sc_interface_version: 0x34 }));
      return;
    case 'submit_sm':
      onSubmit(s, pdu, event);
      return;
    case 'data_sm': {
      const messageId = `nid-${nextMessageId++}`;
      event.action = 'answered';
      event.message_id = messageId;
      emit(event);
      session.send(pdu.response({ message_id: messageId }));
      return;
    }
    case 'enquire_link':
      event.action = 'answered';
      emit(event);
      session.send(pdu.response());
      return;
    case 'unbind':
      event.action = 'answered';
      emit(event);
      if (receiptsOnUnbind) {
        for (const messageId of s.unreceipted.splice(0)) {
          sendRequest(s, 'deliver_sm', receiptParams(messageId, {}));
        }
      }
      session.send(pdu.response(), () => session.close());
      return;
    case 'unbind_resp':
      emit(event);
      if (pdu.sequence_number === s.unbinding) session.close();
      return;
    default:
      if (!pdu.isResponse()) {
        event.action = 'answered';
        emit(event);
        session.send(pdu.response());
        return;
      }
      emit(event);
  }
}

const tlsOptions = process.env.AIOSMPP_TLS_CERT
  ? { cert: fs.readFileSync(process.env.AIOSMPP_TLS_CERT),
      key: fs.readFileSync(process.env.AIOSMPP_TLS_KEY) }
  : {};
const server = smpp.createServer(tlsOptions, attach);

// node-smpp has outbind in its command table, so its client Session sends it like any request.
function outbind(cmd, attempt) {
  const session = smpp.connect({ host: '127.0.0.1', port: cmd.port });
  let connected = false;
  session.on('connect', () => {
    connected = true;
    const s = attach(session);
    sendRequest(s, 'outbind', { system_id: cmd.system_id || '', password: cmd.password || '' });
  });
  session.on('error', (e) => {
    if (connected) return;
    session.destroy();
    if (attempt < 100) {
      setTimeout(() => outbind(cmd, attempt + 1), 20);  // the Esme is not listening yet
    } else {
      emit({ event: 'error', op: 'outbind', error: String(e && e.message ? e.message : e) });
    }
  });
}

function sendRequest(s, command, params) {
  const pdu = new smpp.PDU(command, params);
  if (!s.session.send(pdu)) throw new Error(`session ${s.id} is not writable`);
  emit({ event: 'sent', session: s.id, command, sequence_number: pdu.sequence_number });
  if (!['outbind', 'alert_notification'].includes(command)) {  // those have no response
    if (!tally.requests[command]) tally.requests[command] = { sent: 0, answered: 0 };
    tally.requests[command].sent += 1;
    outstanding.set(`${s.id}/${pdu.sequence_number}`, command);
  }
  return pdu;
}

function yymmddhhmm(d) {
  const two = (n) => String(n).padStart(2, '0');
  return two(d.getUTCFullYear() % 100) + two(d.getUTCMonth() + 1) + two(d.getUTCDate()) +
         two(d.getUTCHours()) + two(d.getUTCMinutes());
}

const messageStates = { ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6,
                        UNKNOWN: 7, REJECTD: 8 };

// A text delivery receipt (Appendix B) for the submit_sm answered with messageId; opts: "stat"
// (DELIVRD), "tlvs" (receipted_message_id and message_state too), "payload" (the text in
// message_payload).
function receiptParams(messageId, opts) {
  const submit = answered.get(messageId);
  if (!submit) throw new Error(`no submit_sm was answered with ${messageId}`);
  const stat = opts.stat || 'DELIVRD';
  const now = new Date();
  const text = `id:${messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} ` +
               `submit date:${yymmddhhmm(now)} done date:${yymmddhhmm(now)} stat:${stat} ` +
               `err:000 text:${Array.from(submit.text || '').slice(0, 20).join('')
                 .replace(/[^\x20-\x7e]/g, '?')}`;
  const p = submit.pdu;
  const params = { source_addr_ton: p.dest_addr_ton, source_addr_npi: p.dest_addr_npi,
                   source_addr: p.destination_addr, dest_addr_ton: p.source_addr_ton,
                   dest_addr_npi: p.source_addr_npi, destination_addr: p.source_addr,
                   esm_class: 0x04, data_coding: 0, short_message: Buffer.from(text, 'ascii') };
  if (opts.payload) {
    params.message_payload = params.short_message;
    params.short_message = Buffer.alloc(0);
  }
  if (opts.tlvs) {
    params.receipted_message_id = messageId;
    params.message_state = messageStates[stat] || 7;
  }
  return params;
}

function moParts(cmd) {
  const split = cmd.split || 'none';
  if (split === 'none' || split === 'payload') return [cmd.text];
  const chunk = cmd.chunk || 10;
  const parts = [];
  if (cmd.units === 'utf16') {
    // By UTF-16 code unit, as some handsets split UCS2: a surrogate pair may span two parts.
    for (let i = 0; i < cmd.text.length; i += chunk) parts.push(cmd.text.slice(i, i + chunk));
    return parts;
  }
  const chars = Array.from(cmd.text);  // by code point: a part never splits a surrogate pair
  for (let i = 0; i < chars.length; i += chunk) parts.push(chars.slice(i, i + chunk).join(''));
  return parts;
}

function handle(cmd) {
  if (cmd.op === 'exit') {
    for (const s of sessions.values()) if (!s.closed) s.session.destroy();
    server.close();
    process.exit(0);
  }
  if (cmd.op === 'set') {
    if (cmd.bind_status !== undefined) bindStatus = cmd.bind_status;
    if (cmd.submit_statuses !== undefined) submitStatuses = cmd.submit_statuses.slice();
    if (cmd.withhold_after !== undefined) sessionDefaults.withholdAfter = cmd.withhold_after;
    if (cmd.drop_after !== undefined) sessionDefaults.dropAfter = cmd.drop_after;
    if (cmd.throttle_every !== undefined) throttleEvery = cmd.throttle_every;
    if (cmd.auto_receipt !== undefined) autoReceipt = cmd.auto_receipt;
    if (cmd.receipt_first_every !== undefined) receiptFirstEvery = cmd.receipt_first_every;
    if (cmd.receipts_on_unbind !== undefined) receiptsOnUnbind = cmd.receipts_on_unbind;
    const id = newestSession();
    if (id !== null) {
      sessions.get(id).withholdAfter = sessionDefaults.withholdAfter;
      sessions.get(id).dropAfter = sessionDefaults.dropAfter;
    }
    return;
  }
  if (cmd.op === 'stats') {
    const unanswered = [...outstanding].map(([key, command]) => ({ key, command }));
    emit({ event: 'stats', submits: tally.submits, statuses: tally.statuses,
           accepted: tally.accepted, requests: tally.requests, unanswered });
    return;
  }
  if (cmd.op === 'outbind') {
    outbind(cmd, 0);
    return;
  }
  const id = cmd.session !== undefined ? cmd.session : newestSession();
  const s = sessions.get(id);
  if (!s || s.closed) throw new Error('no open session');
  switch (cmd.op) {
    case 'drop':
      s.session.destroy();
      return;
    case 'enquire_link':
      sendRequest(s, 'enquire_link', {});
      return;
    case 'unbind':
      s.unbinding = sendRequest(s, 'unbind', {}).sequence_number;
      if (cmd.release) {
        for (const held of s.withheld.splice(0)) {
          const event = { event: 'released', session: s.id,
                          sequence_number: held.pdu.sequence_number, text: held.text };
          answer(s, held.pdu, event);
        }
      }
      return;
    case 'deliver':
      sendRequest(s, cmd.command || 'deliver_sm', fromPlain(cmd.params || {}));
      return;
    case 'mo': {
      const parts = moParts(cmd);
      const split = cmd.split || 'none';
      const ref = cmd.ref || 1;
      const pdus = parts.map((text, i) => {
        const { dc, bytes } = encodeText(text, cmd.coding);
        const params = { source_addr_ton: 1, source_addr_npi: 1, source_addr: cmd.source,
                         dest_addr_ton: 0, dest_addr_npi: 1, destination_addr: cmd.destination,
                         data_coding: dc, short_message: bytes };
        if (split === 'payload') {
          params.short_message = Buffer.alloc(0);
          params.message_payload = bytes;
        } else if (split === 'udh8') {
          params.esm_class = 0x40;
          params.short_message =
            Buffer.concat([Buffer.from([5, 0, 3, ref & 0xff, parts.length, i + 1]), bytes]);
        } else if (split === 'udh16') {
          params.esm_class = 0x40;
          params.short_message = Buffer.concat(
            [Buffer.from([6, 8, 4, (ref >> 8) & 0xff, ref & 0xff, parts.length, i + 1]), bytes]);
        } else if (split === 'sar') {
          params.sar_msg_ref_num = ref;
          params.sar_total_segments = parts.length;
          params.sar_segment_seqnum = i + 1;
        }
        return params;
      });
      if (cmd.reverse) pdus.reverse();
      for (const params of pdus) sendRequest(s, 'deliver_sm', params);
      return;
    }
    case 'receipt': {
      sendRequest(s, 'deliver_sm', receiptParams(cmd.message_id, cmd));
      const at = s.unreceipted.indexOf(cmd.message_id);
      if (at >= 0) s.unreceipted.splice(at, 1);  // receipts_on_unbind: this one is written
      return;
    }
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

serve(server, handle, emit);
