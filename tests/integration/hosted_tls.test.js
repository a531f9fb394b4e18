'use strict';
// The gateway <-> app server link on TLS (docs/hosted.md "TLS on the link"): actorhub-gateway --server-tls-cert/
// --server-tls-key publishes its gateway actor through CAF's openssl module, an app server with
// --service-tls-cert/--service-tls-key links to it and its clients' echo works; an app server dialing in plain
// text, or with a certificate the gateway does not trust, is refused while the gateway keeps serving; bad files
// are refused at start with one line; two gateways clustered use the same files for their own links. And the
// client side: --tls-cert/--tls-key serve HTTPS/WSS, and the stock client follows an https:// redirect.
// Certificates are made here with Debian's openssl. Ports 30000-30999.
const { test, before, after } = require('node:test');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const assert = require('node:assert/strict');
const h = require('./lib/hub');
const g = require('./lib/hosted');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actorhub-link-tls-'));
const port = () => g.portIn(30000, 30499);

// A self-signed certificate (EC P-256, a day): the link certificate every side presents and trusts.
function makeCert(name) {
  const cert = path.join(dir, `${name}.crt`), key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=actorhub-link-${name}`], { stdio: 'ignore' });
  return { cert, key };
}

let link, stranger, gw, app;

before(async () => {
  link = makeCert('link');
  stranger = makeCert('stranger');
  gw = await g.startGateway({ port, extra: ['--server-tls-cert', link.cert, '--server-tls-key', link.key] });
  app = await g.startApp(gw, `tls-app-${process.pid}`,
    { port, extra: ['--service-tls-cert', link.cert, '--service-tls-key', link.key] });
  await g.waitServers(gw, 1);
});
after(async () => {
  await g.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function echoWorks(label) {
  const c = await g.client({ app, user: 'tls-user' });
  assert.equal(await c.invoke('Echo', label), label);
  assert.equal(await c.invoke('GetServerName'), app.name);
  return c;
}

// Resolves once the process has logged that it could not link (the refusal is an event in its log).
async function refused(p) {
  await h.eventually(async () => /cannot link to the gateway/.test(p.log()), 15000, `${p.name} refused`);
  const r = await h.request('GET', `${p.base}/healthz`);
  assert.equal(r.status, 503, `${p.name} is not linked`);
}

test('an app server links over TLS and its clients echo through the gateway', async () => {
  const c = await echoWorks('over-tls');
  await c.stop();
});

test('an app server dialing the TLS port in plain text is refused; the gateway keeps serving', async () => {
  const open = await echoWorks('before');
  const plain = await g.startApp(gw, `plain-app-${process.pid}`, { port, wait: false });
  await refused(plain);
  assert.equal(await g.servers(gw), 1);
  assert.ok(gw.alive());
  // The client connected before still works, and a new one too.
  assert.equal(await open.invoke('Echo', 'after'), 'after');
  await (await echoWorks('new-after')).stop();
  plain.proc.kill('SIGKILL');
  await plain.exited;
  await open.stop();
});

test('an app server whose certificate the gateway does not trust is refused', async () => {
  const other = await g.startApp(gw, `stranger-app-${process.pid}`,
    { port, wait: false, extra: ['--service-tls-cert', stranger.cert, '--service-tls-key', stranger.key] });
  await refused(other);
  assert.equal(await g.servers(gw), 1);
  await (await echoWorks('still')).stop();
  other.proc.kill('SIGKILL');
  await other.exited;
});

test('two gateways clustered over TLS (the --server-tls-* files) forward sends to each other', async () => {
  const tls = ['--server-tls-cert', link.cert, '--server-tls-key', link.key];
  const n1 = await port(), n2 = await port();
  const ga = await g.startGateway({ port, name: 'tls-ga', extra: [...tls, '--name', `tls-ga-${process.pid}`,
    '--node', String(n1), '--cluster-key', 'ck'] });
  const gb = await g.startGateway({ port, name: 'tls-gb', extra: [...tls, '--name', `tls-gb-${process.pid}`,
    '--node', String(n2), '--cluster-key', 'ck', '--join', `127.0.0.1:${n1}`] });
  const members = async (x) => JSON.parse((await h.request('GET', `${x.base}/healthz`)).text).members;
  await h.eventually(async () => (await members(ga)) === 2 && (await members(gb)) === 2, 15000, 'two TLS gateways');
  const onB = await g.startApp(gb, `tls-app-b-${process.pid}`,
    { port, extra: ['--service-tls-cert', link.cert, '--service-tls-key', link.key] });
  const c = await g.client({ app: onB, user: 'across' });
  const r = await g.rest(ga, 'POST', '/api/v1/hubs/testhub/users/across', { body: { target: 'Send', arguments: ['via-ga'] } });
  assert.equal(r.status, 202);
  await h.eventually(() => c.received.includes('via-ga'), 5000, 'REST send at the other gateway');
  await c.stop();
  for (const p of [onB, gb, ga]) { p.proc.kill('SIGKILL'); await p.exited; }
});

test('bad TLS files are refused at start with one line', async () => {
  const missing = path.join(dir, 'missing.crt');
  const p = g.track(g.GATEWAY_EXE, ['--http', `127.0.0.1:${await port()}`, '--server-port', String(await port()),
    '--access-key', g.KEY, '--server-tls-cert', missing, '--server-tls-key', link.key], 'bad-gateway');
  const { code } = await h.withTimeout(p.exited, 10000, 'bad gateway exits');
  assert.notEqual(code, 0);
  assert.match(p.log(), /cannot load the link TLS certificate/);
  const a = g.track(h.HUB_EXE, ['--http', `127.0.0.1:${await port()}`, '--access-key', g.KEY,
    '--service', `127.0.0.1:${gw.serverPort}`, '--service-tls-cert', link.cert, '--service-tls-key', stranger.key],
  'bad-app');
  const r = await h.withTimeout(a.exited, 10000, 'bad app server exits');
  assert.notEqual(r.code, 0);
  assert.match(a.log(), /cannot load the link TLS key|does not match the certificate/);
  // A flag without its partner is a usage error.
  const u = g.track(g.GATEWAY_EXE, ['--http', '127.0.0.1:0', '--server-port', '0', '--access-key', g.KEY,
    '--server-tls-cert', link.cert], 'usage');
  assert.equal((await h.withTimeout(u.exited, 10000, 'usage exits')).code, 2);
});

// The client side: actorhub-gateway --tls-cert/--tls-key serves HTTPS and WSS; the app server's negotiate
// redirects to its https:// URL and the stock client (trusting the certificate) echoes over WebSockets, SSE and
// long polling through it.
test('a gateway with --tls-cert serves its clients over HTTPS/WSS; negotiate redirects to https', async () => {
  const SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
  const cert = path.join(dir, 'client.crt'), key = path.join(dir, 'client.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=actorhub-gateway-client', '-addext', SAN],
  { stdio: 'ignore' });
  const ca = fs.readFileSync(cert);
  const httpPort = await port(), serverPort = await port();
  const p = g.track(g.GATEWAY_EXE, ['--http', `127.0.0.1:${httpPort}`, '--server-port', String(serverPort),
    '--access-key', g.KEY, '--tls-cert', cert, '--tls-key', key], 'tls-gateway');
  const base = `https://127.0.0.1:${httpPort}`;
  await h.eventually(async () => {
    if (!p.alive()) throw new Error(`gateway exited: ${p.log()}`);
    return (await h.request('GET', `${base}/healthz`, { ca, timeout: 1000 })).status === 200;
  }, 20000, 'TLS gateway /healthz');
  const tlsApp = await g.startApp({ serverPort }, `tls-client-app-${process.pid}`, { port });
  const n = await h.request('POST', `${tlsApp.base}/testhub/negotiate?negotiateVersion=1`);
  assert.equal(n.status, 200);
  assert.match(JSON.parse(n.text).url, new RegExp(`^https://127\\.0\\.0\\.1:${httpPort}/client/`));
  for (const transport of ['WebSockets', 'ServerSentEvents', 'LongPolling']) {
    const r = await new Promise((resolve) => {
      const env = { ...process.env, NODE_EXTRA_CA_CERTS: cert };
      const c = require('node:child_process').spawn(process.execPath,
        [path.join(__dirname, 'lib', 'signalr_client.js'), `${tlsApp.base}/testhub`, transport], { env });
      let out = '';
      c.stdout.on('data', (d) => { out += d; });
      const timer = setTimeout(() => c.kill('SIGKILL'), 20000);
      c.on('close', () => {
        clearTimeout(timer);
        try { resolve(JSON.parse(out.trim().split('\n').pop())); } catch { resolve({ ok: false, error: out }); }
      });
    });
    assert.deepEqual(r, { ok: true, echo: 'over tls', transport }, `${transport}: ${JSON.stringify(r)}`);
  }
  // Plain HTTP to the TLS port gets no answer that a client could take for a hub.
  await assert.rejects(h.request('GET', `http://127.0.0.1:${httpPort}/healthz`, { timeout: 2000 }));
});
