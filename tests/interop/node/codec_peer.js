#!/usr/bin/env node
// node-smpp's PDU codec as a second opinion for aiosmpp's: reads one JSON request per line on
// stdin and answers one JSON line per request on stdout.
//   {"op":"decode","hex":"..."}                      -> {"ok":true,"pdu":{...node-smpp fields...}}
//   {"op":"encode","command":"submit_sm","params":{...}} -> {"ok":true,"hex":"..."}
// Octet-string fields and TLV values are given and returned as {"hex":"..."} so that no text
// encoding on either side can blur a byte-level comparison.
'use strict';
const readline = require('readline');
const { PDU } = require('smpp');
const { fromPlain } = require('./plain');

// node-smpp normally runs "filters" that turn short_message and some TLVs into text and back.
// This peer compares bytes, so it keeps every field as node-smpp's wire reader/writer sees it.
PDU.prototype._filter = function () {};

function toPlain(value) {
  if (Buffer.isBuffer(value)) return { hex: value.toString('hex') };
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}


function handle(request) {
  if (request.op === 'decode') {
    const pdu = PDU.fromBuffer(Buffer.from(request.hex, 'hex'));
    if (!pdu) return { ok: false, error: 'node-smpp could not read the PDU' };
    const fields = {};
    for (const [k, v] of Object.entries(pdu)) {
      if (typeof v !== 'function') fields[k] = toPlain(v);
    }
    return { ok: true, pdu: fields };
  }
  if (request.op === 'encode') {
    const pdu = new PDU(request.command, fromPlain(request.params || {}));
    return { ok: true, hex: pdu.toBuffer().toString('hex') };
  }
  return { ok: false, error: `unknown op ${request.op}` };
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let answer;
  try {
    answer = handle(JSON.parse(line));
  } catch (e) {
    answer = { ok: false, error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
