'use strict';
// No sticky sessions with the official client (CONTRACT §6): a load balancer sends every negotiate to endpoint A
// and every transport request (WebSocket upgrade, SSE stream, long poll, POST, DELETE) to endpoint B, which knows
// nothing of the connection and forwards it to A. Also: a stateful WebSocket cut at the balancer resumes through
// B, and a stateful connection exported from A and imported into B continues there without the client noticing.
// The endpoints are build/bin/net_forward_pair (the transport alone with echo hubs, tests/net/forward_pair_main.cpp).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const signalR = require('@microsoft/signalr');
const h = require('./lib/hub');

const BIN = process.env.ACTORHUB_NET_BIN || process.env.ACTORHUB_BIN || path.resolve(__dirname, '../../build/bin');
let pair;  // { proc, a, b }
let lb;
const clients = [];

function startPair() {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(BIN, 'net_forward_pair'), [], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.on('error', reject);
    proc.stderr.on('data', (d) => { out += d; });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^(\d+) (\d+)\n/.exec(out);
      if (m) resolve({ proc, a: Number(m[1]), b: Number(m[2]) });
    });
    proc.on('exit', (code) => reject(new Error(`net_forward_pair exited (${code}): ${out}`)));
  });
}

// A load balancer without affinity: negotiate -> A, everything else -> B. cut() drops every upgraded socket.
function balancer(aPort, bPort) {
  const upgraded = new Set();
  const counts = { a: 0, b: 0 };
  const server = http.createServer((req, res) => {
    const toA = req.url.split('?')[0].endsWith('/negotiate');
    counts[toA ? 'a' : 'b'] += 1;
    const up = http.request({ host: '127.0.0.1', port: toA ? aPort : bPort, method: req.method, path: req.url,
      headers: req.headers, agent: false }, (ures) => {
      res.writeHead(ures.statusCode, ures.headers);
      ures.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, socket, head) => {
    counts.b += 1;
    const up = net.connect(bPort, '127.0.0.1', () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(`${raw}\r\n`);
      if (head.length) up.write(head);
      socket.pipe(up);
      up.pipe(socket);
    });
    for (const s of [socket, up]) {
      upgraded.add(s);
      s.on('error', () => {});
      s.on('close', () => { upgraded.delete(s); socket.destroy(); up.destroy(); });
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    base: `http://127.0.0.1:${server.address().port}`,
    counts,
    cut() { for (const s of [...upgraded]) s.destroy(); },
    close: () => new Promise((r) => { for (const s of upgraded) s.destroy(); server.closeAllConnections(); server.close(r); }),
  })));
}

function client(transport, { stateful = false } = {}) {
  let b = new signalR.HubConnectionBuilder().withUrl(`${lb.base}/hub`, { transport })
    .configureLogging(signalR.LogLevel.None);
  if (stateful) b = b.withStatefulReconnect();
  const c = b.build();
  clients.push(c);
  c.received = [];
  c.reconnecting = 0;
  c.on('Send', (m) => c.received.push(m));
  c.onreconnecting(() => { c.reconnecting += 1; });
  c.closed = new Promise((resolve) => c.onclose(resolve));
  return c;
}

async function forwardedByB() {
  return Number((await h.request('GET', `http://127.0.0.1:${pair.b}/forwarded`)).text);
}

before(async () => {
  pair = await startPair();
  lb = await balancer(pair.a, pair.b);
});
after(async () => {
  await Promise.all(clients.map((c) => c.stop().catch(() => {})));
  if (lb) await lb.close();
  if (pair) pair.proc.kill('SIGTERM');
});

for (const [name, transport] of [['WebSockets', signalR.HttpTransportType.WebSockets],
  ['ServerSentEvents', signalR.HttpTransportType.ServerSentEvents],
  ['LongPolling', signalR.HttpTransportType.LongPolling]]) {
  test(`${name}: negotiated on A, every transport request served through B`, { timeout: 20000 }, async () => {
    const before = await forwardedByB();
    const c = client(transport);
    await c.start();
    assert.match(c.connectionId, /^a1\./, 'A hosts the connection');
    for (let i = 0; i < 5; i += 1) assert.equal(await c.invoke('Echo', `${name}-${i}`), `${name}-${i}`);
    const big = 'x'.repeat(20000);
    assert.equal(await c.invoke('Echo', big), big);
    await c.stop();
    assert.ok(await forwardedByB() > before, 'B forwarded the transport requests');
  });
}

test('a stateful WebSocket cut at the balancer resumes through B', { timeout: 20000 }, async () => {
  const c = client(signalR.HttpTransportType.WebSockets, { stateful: true });
  await c.start();
  const id = c.connectionId;
  assert.equal(await c.invoke('Echo', 'before'), 'before');
  lb.cut();
  assert.equal(await c.invoke('Echo', 'after'), 'after');
  assert.equal(c.connectionId, id);
  assert.equal(c.reconnecting, 0, 'stateful reconnect must not surface as onreconnecting');
});

test('a stateful connection exported from A and imported into B continues there', { timeout: 20000 }, async () => {
  const c = client(signalR.HttpTransportType.WebSockets, { stateful: true });
  await c.start();
  const id = c.connectionId;
  assert.equal(await c.invoke('Echo', 'on A'), 'on A');
  const moved = await h.request('POST', `http://127.0.0.1:${pair.a}/move?connectionId=${encodeURIComponent(id)}`);
  assert.equal(moved.status, 200, moved.text);
  // The pair sends Send("moved") from B while the client is away: it arrives once, after the resume.
  await h.eventually(() => c.received.includes('moved'), 10000, 'the message sent during the move');
  assert.equal(await c.invoke('Echo', 'on B'), 'on B');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(c.received, ['moved']);
  assert.equal(c.connectionId, id);
  assert.equal(c.reconnecting, 0);
});
