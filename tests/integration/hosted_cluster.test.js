'use strict';
// Several gateways in one cluster (docs/hosted.md "Several gateways"): two actorhub-gateway processes joined
// through the cluster's membership (--node/--join/--cluster-key), an app server linked to each. Clients of
// both echo; SendToAll, groups, users and REST sends reach every client exactly once whichever gateway holds
// it; a gateway killed: its clients are told to reconnect and land, through their app server now linked to the
// surviving gateway, on it; the other gateway's clients notice nothing. Presence and REST existence checks span
// both gateways. Ports 30000-30999.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/hub');
const g = require('./lib/hosted');
const { settle } = require('./lib/cluster');

const port = () => g.portIn(30500, 30999);
const CLUSTER_KEY = 'gateway-cluster-test-key';
let g1, g2, s1, s2;
const all = {};

async function startClusteredGateway(name, join) {
  const nodePort = await port();
  const gw = await g.startGateway({ port, name, extra: ['--name', name, '--node', String(nodePort),
    '--cluster-key', CLUSTER_KEY, ...(join ? ['--join', `127.0.0.1:${join.nodePort}`] : [])] });
  gw.nodePort = nodePort;
  return gw;
}

async function members(gw) {
  return JSON.parse((await h.request('GET', `${gw.base}/healthz`, { timeout: 2000 })).text).members;
}

async function expectExactly(msg, expect) {
  const { got, want } = await settle(all, msg, expect);
  assert.deepEqual(got, want, msg);
}

before(async () => {
  g1 = await startClusteredGateway(`gw1-${process.pid}`);
  g2 = await startClusteredGateway(`gw2-${process.pid}`, g1);
  await h.eventually(async () => (await members(g1)) === 2 && (await members(g2)) === 2, 15000, 'two gateways');
  // Each app server knows both gateways: its home first, the other for failover.
  s1 = await g.startApp(g1, `s1-${process.pid}`, { port, extra: ['--service', `127.0.0.1:${g2.serverPort}`] });
  s2 = await g.startApp(g2, `s2-${process.pid}`, { port, extra: ['--service', `127.0.0.1:${g1.serverPort}`] });
  await g.waitServers(g1, 1);
  await g.waitServers(g2, 1);
  all.a = await g.client({ app: s1, user: 'alice', reconnect: true });
  all.b = await g.client({ app: s2, user: 'bob', reconnect: true });
  all.c = await g.client({ app: s2, user: 'alice', protocol: 'msgpack', reconnect: true });
  all.d = await g.client({ app: s1, transport: 'sse', reconnect: true });
});
after(g.stopAll);

test('clients of both gateways echo on their app servers', async () => {
  for (const [k, app] of [['a', s1], ['b', s2], ['c', s2], ['d', s1]]) {
    assert.equal(await all[k].invoke('Echo', `e-${k}`), `e-${k}`);
    assert.equal(await all[k].invoke('GetServerName'), app.name);
  }
});

test('sends reach every matching client exactly once, whichever gateway holds it', { timeout: 30000 }, async () => {
  await all.a.invoke('SendToAll', 'x-all-1');
  await expectExactly('x-all-1', { a: 1, b: 1, c: 1, d: 1 });
  await all.b.invoke('SendToAll', 'x-all-2');
  await expectExactly('x-all-2', { a: 1, b: 1, c: 1, d: 1 });
  await all.c.invoke('SendToOthers', 'x-others');
  await expectExactly('x-others', { a: 1, b: 1, d: 1 });
  await all.b.invoke('SendToUser', 'alice', 'x-user');
  await expectExactly('x-user', { a: 1, c: 1 });
  await all.b.invoke('JoinGroup', 'room');
  await all.d.invoke('JoinGroup', 'room');
  await all.a.invoke('SendToGroup', 'room', 'x-group');
  await expectExactly('x-group', { b: 1, d: 1 });
  await all.b.invoke('SendToOthersInGroup', 'room', 'x-others-in-group');
  await expectExactly('x-others-in-group', { d: 1 });
  await all.a.invoke('SendToConnection', all.c.connectionId, 'x-conn');
  await expectExactly('x-conn', { c: 1 });
  // The REST API of either gateway reaches the clients of both.
  const send = (gw, p, msg) => g.rest(gw, 'POST', `/api/v1/hubs/testhub${p}`, { body: { target: 'Send', arguments: [msg] } });
  assert.equal((await send(g2, '', 'r-all')).status, 202);
  await expectExactly('r-all', { a: 1, b: 1, c: 1, d: 1 });
  assert.equal((await send(g1, '/groups/room', 'r-group')).status, 202);
  await expectExactly('r-group', { b: 1, d: 1 });
  assert.equal((await send(g1, '/users/bob', 'r-user')).status, 202);
  await expectExactly('r-user', { b: 1 });
});

test('a burst of sends crosses the bounded channel between gateways whole and in order', { timeout: 30000 },
  async () => {
    // More than the 32 deliveries after which the receiving gateway credits the sender: the window moves on.
    const before = all.a.received.length;
    for (let i = 0; i < 100; ++i) await all.b.invoke('SendToAll', `burst-${i}`);
    const want = Array.from({ length: 100 }, (_, i) => `burst-${i}`);
    await h.eventually(() => all.a.received.slice(before).filter((m) => m.startsWith('burst-')).length >= 100,
      10000, 'the burst at the other gateway');
    assert.deepEqual(all.a.received.slice(before).filter((m) => m.startsWith('burst-')), want);
  });

async function presence(app, what) {
  const r = await h.request('GET', `${app.base}/actorhub/presence/testhub/${what}`,
    { headers: { authorization: `Bearer ${g.userToken('ops')}` } });
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text);
}

test('presence and REST existence are answered for every gateway of the cluster', async () => {
  await all.c.invoke('JoinGroup', 'seen');
  await all.a.invoke('JoinGroup', 'seen');
  const p = await presence(s1, 'groups/seen');
  assert.deepEqual(p.connections, [all.a.connectionId, all.c.connectionId].sort());
  assert.equal((await presence(s2, 'connections')).count, 4);
  assert.equal((await presence(s1, 'users/bob')).online, true);
  assert.equal((await presence(s1, 'users/nobody')).online, false);
  assert.equal((await g.rest(g1, 'GET', '/api/v1/hubs/testhub/users/bob')).status, 200);
  assert.equal((await g.rest(g2, 'GET', '/api/v1/hubs/testhub/groups/seen')).status, 200);
  assert.equal((await g.rest(g2, 'GET', '/api/v1/hubs/testhub/groups/empty')).status, 404);
});

test('REST operations on one connection work at any gateway, whichever holds the connection', async () => {
  // b is held by g2; every call below goes to g1.
  const conn = `/api/v1/hubs/testhub/connections/${all.b.connectionId}`;
  const grp = `/api/v1/hubs/testhub/groups/far-room/connections/${all.b.connectionId}`;
  assert.equal((await g.rest(g1, 'HEAD', conn)).status, 200);
  assert.equal((await g.rest(g1, 'GET', '/api/v1/hubs/testhub/connections/nope')).status, 404);
  assert.equal((await g.rest(g1, 'PUT', grp)).status, 200);
  const send = (msg) => g.rest(g1, 'POST', '/api/v1/hubs/testhub/groups/far-room',
    { body: { target: 'Send', arguments: [msg] } });
  assert.equal((await send('r-far-group')).status, 202);
  await expectExactly('r-far-group', { b: 1 });
  assert.equal((await g.rest(g1, 'DELETE', grp)).status, 200);
  assert.equal((await send('r-far-group-2')).status, 202);
  await expectExactly('r-far-group-2', {});
  assert.equal((await g.rest(g1, 'PUT', '/api/v1/hubs/testhub/groups/far-room/connections/nope')).status, 404);
  // Close a connection held by the other gateway: it gets the Close.
  const victim = await g.client({ app: s2 });
  assert.equal(await victim.invoke('GetServerName'), s2.name);
  const at = `/api/v1/hubs/testhub/connections/${victim.connectionId}`;
  assert.equal((await g.rest(g1, 'DELETE', at)).status, 200);
  await h.withTimeout(victim.closed, 5000, 'closed by REST at the other gateway');
  await h.eventually(async () => (await g.rest(g1, 'HEAD', at)).status === 404, 5000, 'gone everywhere');
});

test('a client result for a client of the other gateway goes through both gateways', async () => {
  // a and d are on s1 (g1), b and c on s2 (g2).
  all.b.on('Result', () => 'from-b');
  const r = await h.request('GET', `${s1.base}/clientresult/${all.b.connectionId}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, 'from-b');
  all.d.on('Result', () => 7);
  const back = await h.request('GET', `${s2.base}/clientresult/${all.d.connectionId}`);
  assert.equal(back.status, 200, back.text);
  assert.equal(back.text, '7');
  assert.equal((await h.request('GET', `${s1.base}/clientresult/nope`)).status, 404);
});

test('a gateway killed: its clients reconnect through the other one; the other gateway\'s clients notice nothing',
  { timeout: 60000 }, async () => {
    for (const c of Object.values(all)) c.events.length = 0;
    g2.proc.kill('SIGKILL');
    await g2.exited;
    for (const k of ['b', 'c']) {
      await h.eventually(() => all[k].events.some((e) => e[0] === 'reconnecting'), 5000, `${k} told to reconnect`);
      await h.eventually(() => all[k].events.some((e) => e[0] === 'reconnected'), 30000, `${k} reconnected`);
      assert.equal(await all[k].invoke('GetServerName'), s2.name);  // s2 linked to g1 in the meantime
    }
    await h.eventually(async () => (await members(g1)) === 1, 15000, 'g1 alone');
    assert.equal(await g.servers(g1), 2);
    for (const k of ['a', 'd']) {
      assert.deepEqual(all[k].events, [], `${k} untouched`);
      assert.equal(await all[k].invoke('Echo', `still-${k}`), `still-${k}`);
    }
    await all.a.invoke('SendToAll', 'x-after');
    await expectExactly('x-after', { a: 1, b: 1, c: 1, d: 1 });
  });
