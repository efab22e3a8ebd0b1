#!/usr/bin/env node
// A node-smpp SERVER speaking SMPP 5.0 for aiosmpp's Esme interop tests (tests/interop/esme,
// esme_interop_v50_test.cpp). It listens on 127.0.0.1 at a free port and answers binds with
// sc_interface_version 0x50 when the ESME binds with 0x50 or above (0x34 otherwise), and every
// submit_sm with a message_id; on a 5.0 session each submit_sm_resp carries congestion_state: the
// session's submit_sm of the last second as a percentage of `capacity` (at most 100). It never
// throttles. It exits when stdin closes, so a test that dies leaves nothing.
//
// stdout, one JSON object per line:
//   {"event":"listening","port":N}                                      first line
//   {"event":"bound","interface_version":V,"sc_interface_version":W}   each bind
//   {"event":"stats","submits":N,"with_congestion":K,"max_congestion":M,"deliver_resps":[...]}
//       on the "stats" command; deliver_resps: the congestion_state of each deliver_sm_resp
//       (null when it had none)
//   {"event":"done","op":"..."} / {"event":"error","op":"...","error":"..."}
// stdin commands, one JSON object per line:
//   {"op":"set","capacity":N}     submit_sm per second that read 100 (default 200)
//   {"op":"deliver","count":N}    N deliver_sm to the newest session, at once
//   {"op":"stats"}
'use strict';
const { serve } = require('./command_loop');
const smpp = require('smpp');

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

let capacity = 200;
let submits = 0;
let withCongestion = 0;
let maxCongestion = 0;
let nextId = 1;
const deliverResps = [];
let newest = null;

const server = smpp.createServer((session) => {
  const s = { session, v50: false, times: [] };
  newest = s;
  session.on('error', () => {});
  session.on('pdu', (pdu) => {
    switch (pdu.command) {
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver': {
        s.v50 = pdu.interface_version >= 0x50;
        const sc = s.v50 ? 0x50 : 0x34;
        emit({ event: 'bound', interface_version: pdu.interface_version, sc_interface_version: sc });
        session.send(pdu.response({ system_id: 'node-smpp', sc_interface_version: sc }));
        return;
      }
      case 'submit_sm': {
        ++submits;
        const params = { message_id: String(nextId++) };
        if (s.v50) {
          // The last second's submit_sm, this one included.
          const now = Date.now();
          s.times.push(now);
          while (s.times.length && s.times[0] <= now - 1000) s.times.shift();
          const c = Math.min(100, Math.floor((100 * s.times.length) / capacity));
          params.congestion_state = c;
          ++withCongestion;
          maxCongestion = Math.max(maxCongestion, c);
        }
        session.send(pdu.response(params));
        return;
      }
      case 'deliver_sm_resp':
        deliverResps.push(pdu.congestion_state === undefined ? null : pdu.congestion_state);
        return;
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'unbind':
        session.send(pdu.response(), () => session.close());
        return;
      default:
        if (!pdu.isResponse()) session.send(pdu.response({ command_status: 0x03 }));
    }
  });
});

function handle(cmd) {
  switch (cmd.op) {
    case 'set':
      if (cmd.capacity !== undefined) capacity = cmd.capacity;
      return;
    case 'deliver':
      if (!newest) throw new Error('no session');
      for (let i = 0; i < cmd.count; ++i) {
        newest.session.deliver_sm({ source_addr: '447700900001', destination_addr: '1234',
                                    short_message: `mo ${i}` });
      }
      return;
    case 'stats':
      emit({ event: 'stats', submits, with_congestion: withCongestion,
             max_congestion: maxCongestion, deliver_resps: deliverResps });
      return;
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

serve(server, handle, emit);
