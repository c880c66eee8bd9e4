// HBONE server on Node's built-in http2 module: mutual TLS 1.3, answers CONNECT by connecting to
// the :authority and piping bytes both ways (half-close included).
// Usage: node hbone-server.js <pem dir>   -> prints "LISTENING <port>" once ready.
'use strict';
const http2 = require('node:http2');
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');

const pemDir = process.argv[2];
const read = (name) => fs.readFileSync(path.join(pemDir, name));

const server = http2.createSecureServer({
  ca: read('ca.pem'),
  cert: read('cert.pem'),
  key: read('key.pem'),
  minVersion: 'TLSv1.3',
  requestCert: true,
  rejectUnauthorized: true,
  allowHTTP1: false,
});

server.on('stream', (stream, headers) => {
  const peer = stream.session.socket.getPeerCertificate();
  if (headers[':method'] !== 'CONNECT') {
    stream.respond({ ':status': 405 }, { endStream: true });
    return;
  }
  const authority = headers[':authority'] || '';
  const colon = authority.lastIndexOf(':');
  const host = authority.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(authority.slice(colon + 1));
  const upstream = net.connect({ host, port }, () => {
    stream.respond({ ':status': 200, 'x-peer-uri': String(peer.subjectaltname || '') });
    upstream.pipe(stream);
    stream.pipe(upstream);
  });
  upstream.on('error', () => {
    if (!stream.headersSent) {
      stream.respond({ ':status': 502 }, { endStream: true });
    } else {
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }
  });
  stream.on('error', () => upstream.destroy());
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write('LISTENING ' + server.address().port + '\n');
});
process.stdin.on('end', () => process.exit(0)); // the test closes our stdin to stop us
process.stdin.resume();
