#!/usr/bin/env node
// Tests only: a fake S3 (s3rver) on 127.0.0.1, for the S3 lake's unit tests.
//
//   node tests/s3/server.js [BUCKET...]
//
// Listens on a free port of 127.0.0.1 only, keeps its objects in a fresh temporary directory,
// creates the buckets (default: dunya-test), prints one line "http://127.0.0.1:PORT" on stdout
// when ready, and runs until stdin closes or SIGTERM/SIGINT arrives; then it stops and removes
// its directory. Credentials: access key S3RVER, secret S3RVER (s3rver's fixed pair); request
// signatures are checked, so a wrong secret is refused as by AWS.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

let S3rver;
try {
  S3rver = require('s3rver');
} catch (e) {
  process.stderr.write(
    's3-server: the s3rver package is not installed; run scripts/install-deps ' +
      '(or npm ci --prefix tests/s3)\n',
  );
  process.exit(1);
}

const buckets = process.argv.slice(2);
if (buckets.length === 0) buckets.push('dunya-test');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dunya-s3rver-'));
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: buckets.map((name) => ({ name })),
});

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  const done = () => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  server.close().then(done, done);
  setTimeout(done, 3000).unref();
}

server.run().then(
  (addr) => {
    process.stdout.write(`http://127.0.0.1:${addr.port}\n`);
    process.stdin.on('end', () => stop(0));
    process.stdin.on('error', () => stop(0));
    process.stdin.resume();
  },
  (err) => {
    process.stderr.write(`s3-server: cannot start s3rver: ${err.message}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  },
);
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
