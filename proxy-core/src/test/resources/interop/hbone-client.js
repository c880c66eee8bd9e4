// HBONE client on Node's built-in http2 module: an HTTP/2 stack independent of ours.
// Usage: node hbone-client.js <hbone host:port> <:method> <:authority> <pem dir> <payload bytes>
// Prints one JSON line: {"status":..., "reason":..., "sent":..., "received":..., "match":...}.
'use strict';
const http2 = require('node:http2');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const [hbone, method, authority, pemDir, sizeText] = process.argv.slice(2);
const size = Number(sizeText);
const read = (name) => fs.readFileSync(path.join(pemDir, name));

const session = http2.connect('https://' + hbone, {
  ca: read('ca.pem'),
  cert: read('cert.pem'),
  key: read('key.pem'),
  minVersion: 'TLSv1.3',
  // SPIFFE identity is the URI SAN; there is no host name to verify.
  checkServerIdentity: () => undefined,
});
session.on('error', (err) => finish({ error: String(err) }));

const headers = { ':method': method, ':authority': authority };
if (method !== 'CONNECT') {
  headers[':path'] = '/';
  headers[':scheme'] = 'https';
}
const stream = session.request(headers, { endStream: false });
const payload = crypto.randomBytes(size);
const chunks = [];
let status = 0;
let reason = null;

stream.on('response', (h) => {
  status = h[':status'];
  reason = h['trellis-reason'] || null;
  if (status === 200) {
    stream.end(payload);
  }
});
stream.on('data', (chunk) => chunks.push(chunk));
stream.on('end', () => {
  const received = Buffer.concat(chunks);
  finish({ status, reason, sent: status === 200 ? size : 0, received: received.length,
           match: status === 200 ? received.equals(payload) : false });
});
stream.on('error', (err) => finish({ status, reason, error: String(err) }));

let done = false;
function finish(result) {
  if (done) return;
  done = true;
  process.stdout.write(JSON.stringify(result) + '\n');
  session.close();
  setTimeout(() => process.exit(0), 100).unref();
}
setTimeout(() => finish({ status, reason, error: 'timeout' }), 60000).unref();
