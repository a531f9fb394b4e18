'use strict';
// Who may join a cluster, and TLS around it (docs/cluster.md): only nodes that prove the same --cluster-key are
// admitted (a wrong key or none is refused and logged); a non-loopback --node-bind without a key is refused at
// start; node links over TLS (--node-tls-cert/--node-tls-key) form a cluster that a plaintext node cannot join;
// a client endpoint on TLS answers 502 to a transport request for a connection another node hosts.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('./lib/hub');
const c = require('./lib/cluster');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actorhub-cluster-tls-'));

// One self-signed EC certificate for every node (it is also the CA each node trusts), valid for a day.
function makeCert() {
  const cert = path.join(dir, 'cluster.crt'), key = path.join(dir, 'cluster.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=actorhub-test-cluster',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key, ca: fs.readFileSync(cert) };
}

const stopNodes = async () => { await c.stopAll(); await h.stopAll(); };
after(async () => {
  await stopNodes();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('only nodes proving the same cluster key are admitted', { timeout: 40000 }, async () => {
  const a = await c.startNode(1, { extra: ['--cluster-key', 'key-one'] });
  const right = await c.startNode(2, { join: [a.address], extra: ['--cluster-key', 'key-one'] });
  const wrong = await c.startNode(3, { join: [a.address], extra: ['--cluster-key', 'key-two'] });
  const none = await c.startNode(4, { join: [a.address] });
  await c.waitMembers([a, right], 2);
  // The refused ones have dialled (and been refused) by the time they log it; they stay alone.
  await h.eventually(() => /could not prove the cluster key/.test(wrong.log()), 10000, 'wrong key refused');
  await h.eventually(() => /could not prove the cluster key/.test(none.log()), 10000, 'missing key refused');
  assert.deepEqual(await Promise.all([a, right, wrong, none].map(c.members)), [2, 2, 1, 1]);
  await stopNodes();
});

test('a non-loopback --node-bind without --cluster-key is refused at start', async () => {
  const port = await h.freePort();
  const r = await h.runHub(['--http', `127.0.0.1:${port}`, '--node', '0', '--node-bind', '0.0.0.0']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /non-loopback --node-bind needs --cluster-key/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('node links over TLS form a cluster; a plaintext node cannot join it', { timeout: 40000 }, async () => {
  const { cert, key } = makeCert();
  const tls = ['--node-tls-cert', cert, '--node-tls-key', key];
  const a = await c.startNode(1, { extra: tls });
  const b = await c.startNode(2, { join: [a.address], extra: tls });
  const d = await c.startNode(3, { join: [b.address], extra: tls });  // learns a through b
  await c.waitMembers([a, b, d], 3);
  // Every send still reaches each target once over the TLS links.
  const ca = await c.client(a), cd = await c.client(d);
  await ca.invoke('SendToAll', 'over-tls');
  const { got, want } = await c.settle({ ca, cd }, 'over-tls', { ca: 1, cd: 1 });
  assert.deepEqual(got, want);
  await c.stopAll();
  // A plaintext node dialling a TLS member is not admitted. (While it keeps re-dialling, that member loses its
  // other TLS links now and then: a known limitation, docs/cluster.md; not asserted here.)
  const a2 = await c.startNode(1, { extra: tls });
  const plain = await c.startNode(2, { join: [a2.address] });
  await new Promise((r) => setTimeout(r, 3000));  // three re-dials (every second); no event marks a refusal here
  assert.deepEqual(await Promise.all([a2, plain].map(c.members)), [1, 1]);
  await stopNodes();
});

test('a TLS client endpoint answers 502 for a connection hosted by another node', { timeout: 40000 }, async () => {
  const { cert, key, ca } = makeCert();
  const nodeA = await h.freePort(), nodeB = await h.freePort();
  const a = await h.startHub({ tls: { cert, key, ca }, args: ['--node', String(nodeA)] });
  const b = await h.startHub({ tls: { cert, key, ca }, args: ['--node', String(nodeB), '--join', `127.0.0.1:${nodeA}`] });
  await h.eventually(async () => JSON.parse((await h.request('GET', `${b.base}/healthz`, { ca })).text).members === 2,
    15000, 'two members');
  const neg = await h.request('POST', `${b.base}/testhub/negotiate?negotiateVersion=1`, { ca });
  const token = JSON.parse(neg.text).connectionToken;
  const r = await h.request('POST', `${a.base}/testhub?id=${encodeURIComponent(token)}`,
    { ca, body: '{"protocol":"json","version":1}\x1e' });
  assert.equal(r.status, 502);
  assert.match(r.text, /hosted by another node, and requests over TLS are not forwarded/);
  await stopNodes();
});
