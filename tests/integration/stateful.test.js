'use strict';
// Stateful reconnect end to end with the official client (CONTRACT §3): the WebSocket under a connection is cut
// (a TCP proxy drops both sides); the client reattaches with the same id, keeps its connection id, groups and
// user, and every message sent during the gap arrives exactly once and in order, without onreconnecting.
const { test, before, after } = require('node:test');
const net = require('node:net');
const assert = require('node:assert/strict');
const signalR = require('@microsoft/signalr');
const h = require('./lib/hub');

let hub;
const clients = [];
before(async () => { hub = await h.startHub(); });
after(async () => {
  await Promise.all(clients.map((c) => c.stop().catch(() => {})));
  await h.stopAll();
});

// Forwards 127.0.0.1:<port> to the hub; cut() destroys every forwarded socket but keeps listening.
function proxy(target) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); }
    client.pipe(upstream); upstream.pipe(client);
    client.on('close', () => upstream.destroy()); upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    base: `http://127.0.0.1:${server.address().port}`,
    get open() { return sockets.size; },
    cut() { for (const s of [...sockets]) s.destroy(); },
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  })));
}

function client(url, { stateful = true } = {}) {
  let b = new signalR.HubConnectionBuilder().withUrl(url, { transport: signalR.HttpTransportType.WebSockets })
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

test('a dropped WebSocket is resumed: same id, groups kept, gap messages once and in order', { timeout: 30000 }, async () => {
  const p = await proxy(hub.port);
  try {
    const a = client(`${p.base}/testhub`);
    await a.start();
    const id = a.connectionId;
    await a.invoke('JoinGroup', 'stateful-room');
    const sender = client(`${hub.base}/testhub`, { stateful: false });
    await sender.start();

    await sender.invoke('SendToConnection', id, 'before');
    await h.eventually(() => a.received.includes('before'), 5000, 'the first message');

    p.cut();
    const gap = Array.from({ length: 20 }, (_, i) => `gap-${i}`);
    for (const m of gap) await sender.invoke(m.endsWith('5') ? 'SendToGroup' : 'SendToConnection', ...(m.endsWith('5') ? ['stateful-room', m] : [id, m]));

    await h.eventually(() => a.received.length >= 1 + gap.length, 15000, `${gap.length} gap messages (got ${a.received.length - 1})`);
    await new Promise((r) => setTimeout(r, 300));  // room for duplicates, if any
    assert.deepEqual(a.received, ['before', ...gap]);
    assert.equal(a.connectionId, id);
    assert.equal(a.reconnecting, 0, 'stateful reconnect must not surface as onreconnecting');
    assert.equal(await a.invoke('GetCallerConnectionId'), id);

    await sender.invoke('SendToGroup', 'stateful-room', 'after');
    await h.eventually(() => a.received.includes('after'), 5000, 'a group send after the resume');
  } finally {
    await p.close();
  }
});

test('without stateful reconnect a dropped WebSocket ends the connection', { timeout: 20000 }, async () => {
  const p = await proxy(hub.port);
  try {
    const a = client(`${p.base}/testhub`, { stateful: false });
    await a.start();
    p.cut();
    const err = await h.withTimeout(a.closed, 10000, 'onclose after the cut');
    assert.ok(err, 'the client reports the lost transport as an error');
  } finally {
    await p.close();
  }
});
