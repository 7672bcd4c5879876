#!/usr/bin/env node
// Tests only: a fake S3 (s3rver) on 127.0.0.1, for the S3 lake's unit tests.
//
//   node tests/s3/server.js [BUCKET...]
//
// Listens on a free port of 127.0.0.1 only, keeps its objects in a fresh temporary directory,
// creates the buckets (default: dunya-test), prints one line "http://127.0.0.1:PORT" on stdout
// when ready, and runs until stdin closes or SIGTERM/SIGINT arrives; then it stops and removes
// its directory. Credentials: access key S3RVER, secret S3RVER (s3rver's fixed pair).
//
// s3rver checks the access key id of a Signature V4 request but not the signature, so a
// middleware here verifies it as S3 does (its own canonical request, built with node's crypto:
// a second, independent implementation of the one in src/store/lake_s3.c) and answers 403
// SignatureDoesNotMatch when it differs. The payload hash is taken from x-amz-content-sha256
// as sent, not recomputed from the body.
'use strict';

const crypto = require('crypto');
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

// s3rver's filesystem store answers a PUT once the bytes are handed to the file's write stream,
// not once they are written, so a GET right after the answer can read a file still empty. The
// store's putObject is replaced by one that waits for the file to be closed.
const FilesystemStore = require('s3rver/lib/stores/filesystem');
FilesystemStore.prototype.putObject = async function putObject(object) {
  const file = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const md5 = crypto.createHash('md5');
  let size = 0;
  await new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file).on('error', reject).on('close', resolve);
    if (Buffer.isBuffer(object.content)) {
      md5.update(object.content);
      size = object.content.length;
      out.end(object.content);
      return;
    }
    object.content
      .on('error', reject)
      .on('data', (chunk) => {
        md5.update(chunk);
        size += chunk.length;
      })
      .pipe(out);
  });
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

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

const SECRETS = { S3RVER: 'S3RVER' };

// Percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~
function awsEncode(s) {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

// 'ok', 'mismatch', or null when s3rver should decide (no V4 header, unknown key id).
function verifyV4(req) {
  const auth = req.headers.authorization;
  if (!auth || !auth.startsWith('AWS4-HMAC-SHA256 ')) return null;
  const m =
    /Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return 'mismatch';
  const [, keyId, date8, region, signedHeaders, signature] = m;
  const secret = SECRETS[keyId];
  if (!secret) return null;
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
  let path, query;
  try {
    path = rawPath
      .split('/')
      .map((seg) => awsEncode(decodeURIComponent(seg)))
      .join('/');
    query = rawQuery
      .split('&')
      .filter((kv) => kv !== '')
      .map((kv) => {
        const i = kv.indexOf('=');
        const k = i < 0 ? kv : kv.slice(0, i);
        const v = i < 0 ? '' : kv.slice(i + 1);
        return [awsEncode(decodeURIComponent(k)), awsEncode(decodeURIComponent(v))];
      })
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
  } catch (e) {
    return 'mismatch';
  }
  const names = signedHeaders.split(';');
  const headers = names
    .map((n) => `${n}:${String(req.headers[n] || '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonical = [
    req.method,
    path,
    query,
    headers,
    signedHeaders,
    req.headers['x-amz-content-sha256'] || '',
  ].join('\n');
  const toSign = [
    'AWS4-HMAC-SHA256',
    req.headers['x-amz-date'] || '',
    `${date8}/${region}/s3/aws4_request`,
    crypto.createHash('sha256').update(canonical, 'utf8').digest('hex'),
  ].join('\n');
  let key = hmac(`AWS4${secret}`, date8);
  key = hmac(key, region);
  key = hmac(key, 's3');
  key = hmac(key, 'aws4_request');
  return hmac(key, toSign).toString('hex') === signature ? 'ok' : 'mismatch';
}

server.middleware.unshift(async (ctx, next) => {
  if (verifyV4(ctx.req) === 'mismatch') {
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
      '<Message>The request signature we calculated does not match the signature you ' +
      'provided. Check your key and signing method.</Message></Error>';
    return;
  }
  await next();
});

// Fault injection for the retry tests: a request whose path holds "/flaky-N-STATUS" (STATUS
// 500, 503 or 429) is answered STATUS the first N times it is made (per method and path), with
// Retry-After: 0 on 503 and 429, as a busy S3 does.
const flaky = new Map();
server.middleware.unshift(async (ctx, next) => {
  const m = /\/flaky-(\d+)-(500|503|429)(?:\/|$)/.exec(ctx.path);
  if (m) {
    const id = `${ctx.method} ${ctx.path}`;
    const seen = flaky.get(id) || 0;
    if (seen < Number(m[1])) {
      flaky.set(id, seen + 1);
      ctx.status = Number(m[2]);
      if (m[2] !== '500') ctx.set('Retry-After', '0');
      ctx.type = 'application/xml';
      ctx.body =
        m[2] === '500'
          ? '<Error><Code>InternalError</Code><Message>We encountered an internal error.' +
            '</Message></Error>'
          : '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.' +
            '</Message></Error>';
      return;
    }
  }
  await next();
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
