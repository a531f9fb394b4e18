'use strict';
// No sticky sessions through a real balancer (issue 9): Debian's nginx with examples/cluster/nginx.conf (round
// robin, no affinity) in front of three conformance-hub nodes on 127.0.0.1/.2/.3, and the stock
// @microsoft/signalr client on every transport, with JSON and (where the client offers it) MessagePack.
// Negotiate is answered by the node that then holds the connection; the WebSocket upgrade, the SSE stream, the
// long polls and the POSTs land wherever nginx sends them. nginx's access log (per request: the upstream that
// served it and the connection token, whose first part is the holding node's tag) must show, for every
// transport, requests served by a node other than the holder, while every message arrives exactly once. Also:
// the chat page and its hub through nginx (examples/cluster), and the series the Grafana dashboard's Cluster row
// queries, on every node. Skipped only when nginx is not installed (.ci/install-deps installs it).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const h = require('./lib/hub');
const c = require('./lib/cluster');

const ROOT = path.resolve(__dirname, '../..');
const CONF = path.join(ROOT, 'examples/cluster/nginx.conf');
const DASHBOARD = path.join(ROOT, 'examples/monitoring/grafana-dashboard.json');

// $NGINX if set, else nginx on PATH or in the sbin directories (not always on a plain user's PATH).
function findNginx() {
  const candidates = process.env.NGINX ? [process.env.NGINX]
    : [...(process.env.PATH || '').split(':'), '/usr/sbin', '/usr/local/sbin'].map((d) => path.join(d || '.', 'nginx'));
  for (const p of candidates) {
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}
const NGINX = findNginx();
const skip = NGINX ? false
  : 'nginx is not installed (apt-get install nginx, or bash .ci/install-deps): this proof needs a real nginx';

const nodes = [];  // { ...startNode(), name, metricsPort }
let lb;            // the nginx process

// examples/cluster/nginx.conf with this run's addresses (the only change), in a fresh prefix directory with the
// chat page linked in as html/, run in the foreground as one process (nothing outlives a SIGKILL).
async function startNginx(upstreams) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actorhub-nginx-'));
  fs.symlinkSync(path.join(ROOT, 'examples/chat/web'), path.join(dir, 'html'));
  const port = await h.freePort();
  let conf = fs.readFileSync(CONF, 'utf8');
  assert.doesNotMatch(conf, /^\s*(ip_hash|hash|sticky)\b/m, 'the shipped configuration has no affinity');
  const once = (from, to) => {
    assert.equal(conf.split(from).length, 2, `examples/cluster/nginx.conf has '${from}' exactly once`);
    conf = conf.replace(from, to);
  };
  once('listen 127.0.0.1:5000;', `listen 127.0.0.1:${port};`);
  upstreams.forEach((n, i) => once(`server 127.0.0.${i + 1}:5001;`, `server ${n.ip}:${n.httpPort};`));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const proc = spawn(NGINX, ['-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf'), '-g',
    `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log notice;`],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
    proc.on('error', (e) => { out += String(e); resolve({ code: null, signal: null }); });
  });
  const accessLog = path.join(dir, 'access.log');
  const read = (file) => { try { return fs.readFileSync(file, 'utf8'); } catch { return ''; } };
  const self = { proc, dir, port, base: `http://127.0.0.1:${port}`, exited,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    errors: () => `${out}${read(path.join(dir, 'error.log'))}`,
    logSize: () => Buffer.byteLength(read(accessLog)),
    logSince: (offset) => Buffer.from(read(accessLog)).subarray(offset).toString() };
  await h.eventually(async () => {
    if (!self.alive()) throw new Error(`nginx exited: ${self.errors()}`);
    return (await h.request('GET', `${self.base}/healthz`, { timeout: 1000 })).status === 200;
  }, 10000, 'nginx proxying /healthz');
  return self;
}

async function stopNginx() {
  if (!lb) return;
  if (lb.alive()) lb.proc.kill('SIGKILL');
  await h.withTimeout(lb.exited, 5000, 'nginx exit').catch(() => {});
  fs.rmSync(lb.dir, { recursive: true, force: true });
}

// `1764670000.123 "GET /testhub" id=abc.def 101 upstream=127.0.0.2:41234 time=0.512` (examples/cluster/nginx.conf).
function parseLog(text) {
  return text.split('\n').filter(Boolean).map((line) => {
    const m = /^(\S+) "(\S+) (\S+)" id=(\S*) (\d{3}) upstream=(.*) time=\S+$/.exec(line);
    assert.ok(m, `access log line in the shipped format: ${line}`);
    const upstreams = m[6].split(', ');
    return { line, at: Number(m[1]), method: m[2], uri: m[3], id: m[4] === '-' ? '' : m[4], status: Number(m[5]),
      upstream: upstreams[upstreams.length - 1] };
  });
}

const tagOf = (idOrToken) => decodeURIComponent(idOrToken).split('.')[0];
const hostPort = (n) => `${n.ip}:${n.httpPort}`;

before(async () => {
  if (!NGINX) return;
  for (const host of [1, 2, 3]) {
    const metricsPort = await h.freePort();
    const name = `ngx-node${host}-${process.pid}`;
    const n = await c.startNode(host, { name, join: nodes.length ? [nodes[0].address] : [],
      extra: ['--metrics', `127.0.0.${host}:${metricsPort}`] });
    nodes.push(Object.assign(n, { name, metricsPort }));
  }
  await c.waitMembers(nodes, 3);
  lb = await startNginx(nodes);
});

after(async () => {
  await c.stopAll();  // clients, then the nodes (by PID)
  await stopNginx();
});

async function expectExactly(set, msg, expect) {
  const { got, want } = await c.settle(set, msg, expect);
  assert.deepEqual(got, want, msg);
}

// Several clients through nginx, one after the other; traffic between them; then, from nginx's log: which node
// answered each negotiate, and which requests of each connection another node served.
async function crossNodeRound(t, transport, protocol) {
  const offset = lb.logSize();
  // Connections of earlier rounds may still log a request or two (a Close message racing the end of a stream).
  const earlier = new Set(parseLog(lb.logSince(0)).map((l) => l.id).filter(Boolean));
  const label = `${transport}-${protocol}`;
  const keys = ['p', 'q', 'r', 's'];
  const set = {};
  const holder = {};
  const holderOfTag = new Map();
  for (const k of keys) {
    set[k] = await c.client(lb, { transport, protocol, user: `${label}-${k}` });
    const name = await set[k].invoke('GetServerName');  // answered by the node holding the connection
    holder[k] = nodes.find((n) => n.name === name);
    assert.ok(holder[k], `GetServerName answered '${name}', one of the three nodes`);
    const tag = tagOf(set[k].connectionId);
    assert.equal((holderOfTag.get(tag) || holder[k]).name, holder[k].name, `tag ${tag} names one node`);
    holderOfTag.set(tag, holder[k]);
  }

  for (const k of keys) assert.equal(await set[k].invoke('Echo', `echo-${label}-${k}`), `echo-${label}-${k}`);
  await set.p.invoke('SendToAll', `all-${label}`);
  await expectExactly(set, `all-${label}`, { p: 1, q: 1, r: 1, s: 1 });
  await set.q.invoke('JoinGroup', `g-${label}`);
  await set.s.invoke('JoinGroup', `g-${label}`);
  await set.r.invoke('SendToGroup', `g-${label}`, `group-${label}`);  // the sender is no member
  await expectExactly(set, `group-${label}`, { q: 1, s: 1 });
  await set.p.invoke('SendToConnection', set.r.connectionId, `conn-${label}`);
  await expectExactly(set, `conn-${label}`, { r: 1 });
  await set.q.invoke('SendToUser', `${label}-s`, `user-${label}`);
  await expectExactly(set, `user-${label}`, { s: 1 });
  await set.s.invoke('SendToOthers', `others-${label}`);
  await expectExactly(set, `others-${label}`, { p: 1, q: 1, r: 1 });

  // Stopping ends the WebSockets and SSE streams, whose log lines nginx writes only then.
  const stoppedAt = Date.now() / 1000;
  await Promise.all(keys.map((k) => set[k].stop()));
  const streamLine = (l) => l.uri === '/testhub' && l.method === 'GET' && l.id &&
    (transport === 'ws' ? l.status === 101 : transport === 'sse');
  const lines = await h.eventually(() => {
    const all = parseLog(lb.logSince(offset));
    const negotiates = all.filter((l) => l.uri === '/testhub/negotiate');
    const streams = all.filter(streamLine);
    const deletes = all.filter((l) => l.method === 'DELETE');
    const complete = negotiates.length >= keys.length &&
      (transport === 'lp' ? deletes.length >= keys.length : streams.length >= keys.length);
    return complete && all;
  }, 10000, `nginx log lines of the ${label} connections`);

  // The i-th negotiate is the i-th client's (each started after the previous one was connected), answered by
  // the node that holds that connection.
  const negotiates = lines.filter((l) => l.uri === '/testhub/negotiate');
  assert.equal(negotiates.length, keys.length, 'one negotiate per client');
  negotiates.forEach((l, i) => {
    assert.equal(l.status, 200, l.line);
    assert.equal(l.upstream, hostPort(holder[keys[i]]), `negotiate of client ${keys[i]} answered by its holder`);
  });

  // Every transport request names a connection of this round and succeeded, wherever it landed. While the
  // clients stop, the stock client aborts its pending long poll (nginx logs 499) and sends its Close message
  // and the DELETE concurrently: whichever comes second finds the connection gone (404), on one node as on
  // several, and the client ignores that.
  const transportLines = lines.filter((l) => l.uri === '/testhub' && !earlier.has(l.id));
  assert.ok(transportLines.length > 0);
  const crossed = { GET: 0, POST: 0, DELETE: 0 };
  let local = 0;
  for (const l of transportLines) {
    const owner = holderOfTag.get(tagOf(l.id));
    assert.ok(owner, `the token of '${l.line}' carries the tag of a node holding one of this round's connections`);
    if (l.at < stoppedAt) assert.ok(l.status < 400, `served: ${l.line}`);
    else assert.ok(l.status < 400 || l.status === 404 || l.status === 499, `served or gone at stop: ${l.line}`);
    if (l.upstream === hostPort(owner)) local += 1;
    else crossed[l.method] = (crossed[l.method] || 0) + 1;
  }
  t.diagnostic(`${label}: ${transportLines.length} transport requests, ${local} on the holding node, forwarded: ` +
    `${JSON.stringify(crossed)}`);
  if (transport === 'ws') {
    const upgrades = transportLines.filter((l) => l.status === 101);
    assert.equal(upgrades.length, keys.length, 'one WebSocket per client');
    assert.ok(upgrades.some((l) => l.upstream !== hostPort(holderOfTag.get(tagOf(l.id)))),
      'at least one WebSocket upgrade landed on a node other than the one that negotiated it');
  } else {
    assert.ok(crossed.GET >= 1, `at least one ${transport === 'sse' ? 'SSE stream' : 'long poll'} served by another node`);
    assert.ok(crossed.POST >= 1, 'at least one send (POST) served by another node');
  }
}

test('WebSockets, JSON: connect lands on another node than negotiate; every message once', { skip, timeout: 60000 },
  (t) => crossNodeRound(t, 'ws', 'json'));
test('WebSockets, MessagePack', { skip, timeout: 60000 }, (t) => crossNodeRound(t, 'ws', 'msgpack'));
test('Server-Sent Events, JSON: streams and sends forwarded', { skip, timeout: 60000 },
  (t) => crossNodeRound(t, 'sse', 'json'));
test('Long polling, JSON: polls and sends forwarded', { skip, timeout: 60000 }, (t) => crossNodeRound(t, 'lp', 'json'));
test('Long polling, MessagePack', { skip, timeout: 60000 }, (t) => crossNodeRound(t, 'lp', 'msgpack'));

test('all transports at once: sends across them arrive exactly once', { skip, timeout: 60000 }, async () => {
  const set = {};
  set.w = await c.client(lb, { transport: 'ws' });
  set.m = await c.client(lb, { transport: 'ws', protocol: 'msgpack' });
  set.e = await c.client(lb, { transport: 'sse' });
  set.l = await c.client(lb, { transport: 'lp' });
  set.k = await c.client(lb, { transport: 'lp', protocol: 'msgpack' });
  const where = await Promise.all(Object.values(set).map((x) => x.invoke('GetServerName')));
  assert.ok(new Set(where).size >= 2, `the connections are spread over nodes: ${where}`);
  await set.e.invoke('SendToAll', 'mixed-all');
  await expectExactly(set, 'mixed-all', { w: 1, m: 1, e: 1, l: 1, k: 1 });
  for (const k of ['m', 'e', 'k']) await set[k].invoke('JoinGroup', 'mixed');
  await set.l.invoke('SendToGroup', 'mixed', 'mixed-group');
  await expectExactly(set, 'mixed-group', { m: 1, e: 1, k: 1 });
  await set.w.invoke('SendToOthersInGroup', 'mixed', 'mixed-others');  // w is no member: all members get it
  await expectExactly(set, 'mixed-others', { m: 1, e: 1, k: 1 });
  await Promise.all(Object.values(set).map((x) => x.stop()));
});

test('the chat example through nginx: the page from nginx, the hub from the cluster', { skip, timeout: 30000 },
  async () => {
    const page = await h.request('GET', `${lb.base}/`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>actorhub chat<\/title>/);
    assert.match((await h.request('GET', `${lb.base}/chat.js`)).headers['content-type'], /javascript/);
    // The browser's negotiate carries the page's Origin, which a node accepts as same-origin only if nginx passed
    // the Host on as the browser sent it (port included).
    const negotiate = await h.request('POST', `${lb.base}/chat/negotiate?negotiateVersion=1`,
      { headers: { origin: lb.base } });
    assert.equal(negotiate.status, 200, `a same-origin browser negotiate through nginx: ${negotiate.text}`);
    const signalR = require('@microsoft/signalr');
    const chat = async (transport) => {
      const conn = new signalR.HubConnectionBuilder().withUrl(`${lb.base}/chat`, { transport })
        .configureLogging(signalR.LogLevel.None).build();
      conn.got = [];
      conn.on('ReceiveMessage', (name, message) => conn.got.push(`${name}: ${message}`));
      await conn.start();
      return conn;
    };
    const T = signalR.HttpTransportType;
    const tabs = [await chat(T.WebSockets), await chat(T.ServerSentEvents), await chat(T.LongPolling)];
    try {
      const served = await Promise.all(tabs.map((x) => x.invoke('WhereAmI')));
      for (const s of served) assert.ok(nodes.some((n) => n.name === s), `WhereAmI names a node: ${s}`);
      await tabs[1].invoke('Send', 'ann', 'hello from sse');
      await h.eventually(() => tabs.every((x) => x.got.length >= 1), 5000, 'chat message everywhere');
      await new Promise((r) => setTimeout(r, 200));  // room for a duplicate to show up
      for (const x of tabs) assert.deepEqual(x.got, ['ann: hello from sse']);
    } finally {
      await Promise.all(tabs.map((x) => x.stop()));
    }
  });

test('every node exports what the dashboard\'s Cluster row queries', { skip, timeout: 30000 }, async () => {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8'));
  const rowAt = dashboard.panels.findIndex((p) => p.type === 'row' && p.title === 'Cluster');
  assert.ok(rowAt >= 0, 'the dashboard has a Cluster row');
  const next = dashboard.panels.findIndex((p, i) => i > rowAt && p.type === 'row');
  const panels = dashboard.panels.slice(rowAt + 1, next < 0 ? undefined : next);
  const names = new Set(panels.flatMap((p) => p.targets.flatMap((x) => x.expr.match(/actorhub_[a-z_]+/g) || [])));
  assert.ok(names.size >= 5, `the Cluster row queries the cluster series: ${[...names]}`);
  let delivered = 0;
  let latencies = 0;
  for (const n of nodes) {
    const r = await h.request('GET', `http://${n.ip}:${n.metricsPort}/metrics`);
    assert.equal(r.status, 200);
    const present = new Set(r.text.split('\n').map((l) => /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(l)).filter(Boolean)
      .map((m) => m[1]));
    for (const name of names) assert.ok(present.has(name), `${n.name} exports ${name}`);
    assert.equal(h.sample(r.text, 'actorhub_cluster_members'), 3, `${n.name} sees 3 members`);
    assert.equal(h.sample(r.text, 'actorhub_backplane_malformed_total'), 0, `${n.name}: no malformed messages`);
    delivered += h.sample(r.text, 'actorhub_backplane_messages_total', { direction: 'out', kind: 'delivery' });
    latencies += h.sample(r.text, 'actorhub_backplane_delivery_latency_seconds_count');
  }
  assert.ok(delivered > 0, 'deliveries crossed nodes');
  assert.ok(latencies > 0, 'their latency was observed');
});
