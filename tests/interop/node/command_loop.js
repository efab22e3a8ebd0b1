// What the node-smpp server peers share (esme_server_peer.js, congestion_peer.js): the test
// drives a peer with one JSON command per line on stdin and reads one JSON event per line on
// stdout. serve() listens on a free loopback port (announced as {"event":"listening","port":N}),
// runs each command through `handle`, answers {"event":"done"} or {"event":"error"} with the
// command's id and op, and exits when stdin closes (the test ended or died).
'use strict';
const readline = require('readline');

function serve(server, handle, emit) {
  server.listen(0, '127.0.0.1', () => {
    emit({ event: 'listening', port: server.address().port });
  });
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let cmd = {};
    try {
      cmd = JSON.parse(line);
      handle(cmd);
      emit({ event: 'done', id: cmd.id === undefined ? null : cmd.id, op: cmd.op });
    } catch (e) {
      emit({ event: 'error', id: cmd.id === undefined ? null : cmd.id, op: cmd.op,
             error: String(e && e.message ? e.message : e) });
    }
  });
  rl.on('close', () => process.exit(0));
}

module.exports = { serve };
