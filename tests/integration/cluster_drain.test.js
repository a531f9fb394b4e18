'use strict';
// Drain with session hand-off (CONTRACT §6, issue 9) with three real conformance-hub nodes on 127.0.0.1/.2/.3,
// the official client and a TCP load balancer in front of them that sends each new connection to the first
// node that accepts it, in the order A, C, B (so a client starts on A, and once A stopped accepting its
// reconnect lands on C, which must forward it to wherever the session went).
//
// X (stateful reconnect, user 'xuser', group 'xg') and Y (no stateful reconnect, automatic reconnect) are on A.
// Senders on B and C, and Y on A itself, send X numbered messages without pause (direct, group and user sends
// in turn) while A gets SIGTERM. Then: A exited with 0 and its PID is gone; X is the same connection (the server
// still knows it by its id) on another node, never saw onreconnecting, received every number of every sender
// exactly once and in order, and is still in its group and user; Y got a Close that allowed reconnecting.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const signalR = require('@microsoft/signalr');
const h = require('./lib/hub');
const c = require('./lib/cluster');

let nA, nB, nC, lb;

// First-that-accepts TCP balancer over `backends` ({ip, httpPort}); counts connections per backend.
function balancer(backends) {
  const counts = new Map();
  const sockets = new Set();
  const server = net.createServer((client) => {
    client.pause();
    sockets.add(client);
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    const attempt = (i) => {
      if (i >= backends.length) return client.destroy();
      const b = backends[i];
      const up = net.connect(b.httpPort, b.ip);
      up.once('error', () => { up.destroy(); attempt(i + 1); });
      up.once('connect', () => {
        up.removeAllListeners('error');
        up.on('error', () => {});
        counts.set(b.ip, (counts.get(b.ip) || 0) + 1);
        sockets.add(up);
        up.on('close', () => { sockets.delete(up); client.destroy(); });
        client.on('close', () => up.destroy());
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    base: `http://127.0.0.1:${server.address().port}`,
    counts,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  })));
}

before(async () => {
  nA = await c.startNode(1, { name: `drainA-${process.pid}` });
  nB = await c.startNode(2, { join: [nA.address], name: `drainB-${process.pid}` });
  nC = await c.startNode(3, { join: [nA.address], name: `drainC-${process.pid}` });
  await c.waitMembers([nA, nB, nC], 3);
  lb = await balancer([nA, nC, nB]);
});

after(async () => {
  await c.stopAll();
  if (lb) await lb.close();
});

function numbersFrom(received, sender) {
  return received.filter((m) => m.startsWith(`${sender}:`)).map((m) => Number(m.slice(sender.length + 1)));
}

test('SIGTERM on a node hands its stateful session to another node; the others get a Close allowing reconnect',
  { timeout: 60000 }, async (t) => {
    const viaLb = { base: lb.base };
    const x = await c.client(viaLb, { user: 'xuser', stateful: true });
    x.reconnecting = 0;
    x.onreconnecting(() => { x.reconnecting += 1; });
    await x.invoke('JoinGroup', 'xg');
    const xId = x.connectionId;
    assert.equal(await x.invoke('GetServerName'), `drainA-${process.pid}`, 'X starts on A');
    assert.equal(await x.invoke('GetCallerConnectionId'), xId);

    // Y: no stateful reconnect; automatic reconnect, so a Close with allowReconnect shows as onreconnecting.
    const y = new signalR.HubConnectionBuilder()
      .withUrl(`${lb.base}/testhub`, { transport: signalR.HttpTransportType.WebSockets })
      .withAutomaticReconnect([0, 200, 500, 1000, 2000])
      .configureLogging(signalR.LogLevel.None).build();
    y.reconnectingErrors = [];
    y.onreconnecting((e) => y.reconnectingErrors.push(e));
    y.closedWith = null;
    y.onclose((e) => { y.closedWith = e || 'closed'; });
    y.reconnected = new Promise((resolve) => y.onreconnected(resolve));
    await y.start();
    assert.equal(await y.invoke('GetServerName'), `drainA-${process.pid}`, 'Y starts on A');

    const sB = await c.client(nB);
    const sC = await c.client(nC);
    const senders = { b: sB, c: sC, y };
    const acked = { b: 0, c: 0, y: 0 };
    let running = true;
    const kinds = ['direct', 'group', 'user'];
    const loop = async (name, s) => {
      for (let n = 1; running; n += 1) {
        const text = `${name}:${n}`;
        const kind = kinds[n % 3];
        try {
          if (kind === 'direct') await s.invoke('SendToConnection', xId, text);
          else if (kind === 'group') await s.invoke('SendToGroup', 'xg', text);
          else await s.invoke('SendToUser', 'xuser', text);
          acked[name] = n;
        } catch {
          return;  // Y's connection closed under it: the numbers it sent so far are checked below
        }
      }
    };
    const loops = Object.entries(senders).map(([name, s]) => loop(name, s));
    await h.eventually(() => acked.b > 20 && acked.c > 20 && acked.y > 20, 10000, 'traffic before the drain');

    const pidA = nA.proc.pid;
    nA.proc.kill('SIGTERM');
    const exit = await h.withTimeout(nA.exited, 15000, 'A exits after SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, `A exit status; log:\n${nA.log()}`);
    assert.throws(() => process.kill(pidA, 0), { code: 'ESRCH' }, 'A\'s PID is gone');

    // Traffic goes on a little after A is gone, then stops.
    const atExit = { ...acked };
    await h.eventually(() => acked.b > atExit.b + 20 && acked.c > atExit.c + 20, 10000, 'traffic after the drain');
    running = false;
    await Promise.all(loops);

    // Y was told to reconnect (allowReconnect) and did, to another node.
    await h.withTimeout(y.reconnected, 10000, 'Y reconnects').catch((e) => {
      throw new Error(`${e.message}; onreconnecting: ${y.reconnectingErrors.length} (${y.reconnectingErrors[0]}), ` +
        `onclose: ${y.closedWith}, state ${y.state}`);
    });
    assert.equal(y.reconnectingErrors.length, 1, 'Y: one onreconnecting');
    assert.equal(y.closedWith, null, 'Y did not close for good');
    assert.notEqual(await y.invoke('GetServerName'), `drainA-${process.pid}`);

    // X: the same connection, on B or C, and nothing surfaced to the application.
    await h.eventually(() => numbersFrom(x.received, 'b').length >= acked.b &&
      numbersFrom(x.received, 'c').length >= acked.c, 15000, 'X receives everything B and C sent');
    await new Promise((r) => setTimeout(r, 300));  // duplicates would show up by now
    assert.equal(x.reconnecting, 0, 'stateful reconnect must not surface as onreconnecting');
    assert.equal(x.state, signalR.HubConnectionState.Connected);
    assert.equal(await x.invoke('GetCallerConnectionId'), xId, 'same connection id on the server');
    const xNode = await x.invoke('GetServerName');
    t.diagnostic(`X moved to ${xNode}; sends acknowledged: ${JSON.stringify(acked)} (at A's exit: ` +
      `${JSON.stringify(atExit)}); balancer connections: ${JSON.stringify([...lb.counts])}`);
    assert.ok([`drainB-${process.pid}`, `drainC-${process.pid}`].includes(xNode), `X lives on ${xNode}`);

    for (const name of ['b', 'c']) {
      const got = numbersFrom(x.received, name);
      assert.deepEqual(got, Array.from({ length: acked[name] }, (_, i) => i + 1),
        `sender ${name}: every number once, in order`);
    }
    // Y's last send may have been cut off with its connection: X got a prefix of Y's numbers that includes every
    // send Y saw acknowledged, each once and in order.
    const fromY = numbersFrom(x.received, 'y');
    assert.ok(fromY.length >= acked.y, `X got ${fromY.length} of Y's ${acked.y} acknowledged sends`);
    assert.deepEqual(fromY, Array.from({ length: fromY.length }, (_, i) => i + 1), 'sender y: each once, in order');

    // Still in its group and user: sends from C reach it once each.
    await sC.invoke('SendToGroup', 'xg', 'after-group');
    await sC.invoke('SendToUser', 'xuser', 'after-user');
    await h.eventually(() => c.count(x, 'after-group') >= 1 && c.count(x, 'after-user') >= 1, 5000, 'after-drain sends');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(c.count(x, 'after-group'), 1);
    assert.equal(c.count(x, 'after-user'), 1);
    const group = await c.presence(nC, 'groups/xg');
    assert.deepEqual(group.connections, [xId]);
    assert.deepEqual(group.users, ['xuser']);
    assert.equal((await c.presence(nB, 'users/xuser')).online, true);

    await y.stop();
  });
