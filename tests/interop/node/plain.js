'use strict';
// How the interop peers carry octets in JSON lines: a Buffer is {"hex": "..."}, everything else as
// it is. Shared by codec_peer.js and esme_server_peer.js, whose C++ tests write this form.

function fromPlain(value) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if (Object.keys(value).length === 1 && typeof value.hex === 'string') {
      return Buffer.from(value.hex, 'hex');
    }
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromPlain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(fromPlain);
  return value;
}

module.exports = { fromPlain };
