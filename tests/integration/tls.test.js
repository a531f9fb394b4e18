'use strict';
// TLS on the client endpoint (--tls-cert/--tls-key): the stock @microsoft/signalr client works over every
// transport against a certificate this test makes with Debian's openssl; a client that does not trust the
// certificate, or a server whose certificate has expired, fails the TLS handshake; SIGHUP reloads the
// certificate without dropping open connections; bad files are refused at start with one line.
const { test, before, after } = require('node:test');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const assert = require('node:assert/strict');
const h = require('./lib/hub');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actorhub-tls-'));
const SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

// A self-signed certificate for 127.0.0.1 (EC P-256, valid for a day).
function makeCert(name) {
  const cert = path.join(dir, `${name}.crt`), key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=actorhub-test-${name}`, '-addext', SAN], { stdio: 'ignore' });
  return { cert, key, ca: fs.readFileSync(cert) };
}

// A self-signed certificate that expired in 2020 (openssl ca takes explicit dates; req -x509 does not).
function makeExpiredCert() {
  const d = path.join(dir, 'expired');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'index.txt'), '');
  fs.writeFileSync(path.join(d, 'serial'), '01\n');
  fs.writeFileSync(path.join(d, 'ca.cnf'), `[ca]\ndefault_ca = d\n[d]\ndatabase = ${d}/index.txt\nnew_certs_dir = ${d}\n` +
    `serial = ${d}/serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\n[p]\ncommonName = supplied\n`);
  const key = path.join(d, 'k.pem'), csr = path.join(d, 'r.csr'), cert = path.join(d, 'c.pem');
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', csr, '-subj', '/CN=actorhub-test-expired', '-addext', SAN], { stdio: 'ignore' });
  execFileSync('openssl', ['ca', '-batch', '-config', path.join(d, 'ca.cnf'), '-selfsign', '-keyfile', key, '-in', csr,
    '-out', cert, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z'], { stdio: 'ignore' });
  return { cert, key, ca: fs.readFileSync(cert) };
}

// Runs the stock client in a child process that trusts `caFile` (or nothing extra).
function signalrClient(url, transport, caFile) {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    if (caFile) env.NODE_EXTRA_CA_CERTS = caFile;
    const p = spawn(process.execPath, [path.join(__dirname, 'lib', 'signalr_client.js'), url, transport], { env });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 20000);
    p.on('close', () => {
      clearTimeout(timer);
      try { resolve(JSON.parse(out.trim().split('\n').pop())); } catch { resolve({ ok: false, error: `no result: ${out}` }); }
    });
  });
}

let good;
before(() => { good = makeCert('good'); });
after(async () => {
  await h.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the stock client works over https and wss on every transport', { timeout: 90000 }, async () => {
  const hub = await h.startHub({ tls: good });
  for (const transport of ['WebSockets', 'ServerSentEvents', 'LongPolling']) {
    const r = await signalrClient(`${hub.base}/testhub`, transport, good.cert);
    assert.deepEqual(r, { ok: true, echo: 'over tls', transport }, `${transport}: ${JSON.stringify(r)}`);
  }
  // Plain HTTP on the TLS port gets no answer but a closed connection, and the hub keeps serving.
  await assert.rejects(h.request('GET', `http://127.0.0.1:${hub.port}/healthz`, { timeout: 3000 }));
  assert.equal((await h.request('GET', `${hub.base}/healthz`, { ca: good.ca })).status, 200);
});

test('a client that does not trust the certificate refuses it', { timeout: 60000 }, async () => {
  const hub = await h.startHub({ tls: good });
  const r = await signalrClient(`${hub.base}/testhub`, 'WebSockets', null);
  assert.equal(r.ok, false);
  assert.match(r.error, /self[- ]signed|certificate/i, r.error);
  const other = makeCert('other');
  const r2 = await signalrClient(`${hub.base}/testhub`, 'LongPolling', other.cert);
  assert.equal(r2.ok, false, 'trusting another certificate');
  assert.ok(hub.alive());
});

test('an expired certificate is refused by the client, and the hub warns about it', { timeout: 60000 }, async () => {
  const expired = makeExpiredCert();
  const hub = await h.startHub({ tls: { ...expired, insecure: true } });
  assert.match(hub.log(), /has expired/);
  const r = await signalrClient(`${hub.base}/testhub`, 'WebSockets', expired.cert);
  assert.equal(r.ok, false);
  assert.match(r.error, /expired/i, r.error);
});

test('SIGHUP reloads the certificate; open connections stay', { timeout: 60000 }, async () => {
  const first = makeCert('first'), second = makeCert('second');
  const live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key'), ca: first.ca };
  fs.copyFileSync(first.cert, live.cert);
  fs.copyFileSync(first.key, live.key);
  const hub = await h.startHub({ tls: live });
  const raw = await h.RawHub.connect(hub.base, '/testhub', { ca: first.ca });
  assert.equal((await raw.invoke('Echo', ['before'])).result, 'before');
  fs.copyFileSync(second.cert, live.cert);
  fs.copyFileSync(second.key, live.key);
  hub.proc.kill('SIGHUP');
  await h.eventually(() => hub.log().includes('TLS certificate reloaded'), 5000, 'the reload log line');
  assert.equal((await h.request('GET', `${hub.base}/healthz`, { ca: second.ca })).status, 200);
  await assert.rejects(h.request('GET', `${hub.base}/healthz`, { ca: first.ca }));
  // The connection made with the first certificate is still open and working.
  assert.ok(raw.isOpen());
  assert.equal((await raw.invoke('Echo', ['after'])).result, 'after');
  // A reload that fails keeps the current certificate.
  fs.writeFileSync(live.key, 'not a key');
  hub.proc.kill('SIGHUP');
  await h.eventually(() => hub.log().includes('TLS reload failed'), 5000, 'the failed reload log line');
  assert.equal((await h.request('GET', `${hub.base}/healthz`, { ca: second.ca })).status, 200);
  raw.terminate();
});

test('unreadable or mismatched TLS files are refused at start with one line', { timeout: 30000 }, async () => {
  const other = makeCert('mismatch');
  for (const args of [['--tls-cert', path.join(dir, 'missing.crt'), '--tls-key', good.key],
    ['--tls-cert', good.cert, '--tls-key', other.key], ['--tls-cert', good.cert]]) {
    const r = await h.runHub(['--http', '127.0.0.1:0', ...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
