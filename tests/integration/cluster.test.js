'use strict';
// The cluster end to end (CONTRACT §6) with real conformance-hub processes on 127.0.0.1/.2/.3 standing for
// three hosts, and the official client: every send kind exactly once across nodes, membership changes of a
// connection on another node, client results and presence across nodes, a node killed under traffic, a late
// joiner, and a node frozen (SIGSTOP) and thawed.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/hub');
const c = require('./lib/cluster');

let n1, n2, n3;
const all = {};

before(async () => {
  n1 = await c.startNode(1);
  n2 = await c.startNode(2, { join: [n1.address] });
  n3 = await c.startNode(3, { join: [n2.address] });  // learns n1 through n2
  await c.waitMembers([n1, n2, n3], 3);
  all.a = await c.client(n1, { user: 'alice' });
  all.b = await c.client(n2, { user: 'alice', transport: 'sse' });
  all.c = await c.client(n3, { user: 'bob', protocol: 'msgpack' });
  all.d = await c.client(n3, { transport: 'lp' });
});
after(c.stopAll);

async function expectExactly(msg, expect) {
  const { got, want } = await c.settle(all, msg, expect);
  assert.deepEqual(got, want, msg);
}

test('membership is transitive and every node reports it', async () => {
  assert.deepEqual(await Promise.all([n1, n2, n3].map(c.members)), [3, 3, 3]);
});

test('All, Others, Client, User: each target exactly once across nodes', { timeout: 30000 }, async () => {
  await all.a.invoke('SendToAll', 'x-all');
  await expectExactly('x-all', { a: 1, b: 1, c: 1, d: 1 });
  await all.b.invoke('SendToOthers', 'x-others');
  await expectExactly('x-others', { a: 1, c: 1, d: 1 });
  await all.a.invoke('SendToConnection', all.c.connectionId, 'x-conn');
  await expectExactly('x-conn', { c: 1 });
  await all.d.invoke('SendToUser', 'alice', 'x-user');
  await expectExactly('x-user', { a: 1, b: 1 });
  await all.c.invoke('SendToCaller', 'x-caller');
  await expectExactly('x-caller', { c: 1 });
});

test('groups span nodes; a connection on another node is added and removed', { timeout: 30000 }, async () => {
  await all.b.invoke('JoinGroup', 'room');
  await all.c.invoke('JoinGroup', 'room');
  await all.a.invoke('SendToGroup', 'room', 'x-group');  // the sender is no member, on a third node
  await expectExactly('x-group', { b: 1, c: 1 });
  await all.b.invoke('SendToOthersInGroup', 'room', 'x-others-in-group');
  await expectExactly('x-others-in-group', { c: 1 });
  // AddToGroup of a connection that lives on another node completes once it is in effect everywhere.
  await all.a.invoke('AddToGroup', all.d.connectionId, 'room2');
  await all.b.invoke('SendToGroup', 'room2', 'x-added');
  await expectExactly('x-added', { d: 1 });
  await all.a.invoke('RemoveFromGroup', all.d.connectionId, 'room2');
  await all.b.invoke('SendToGroup', 'room2', 'x-removed');
  await expectExactly('x-removed', {});
  const p = await c.presence(n1, 'groups/room');
  assert.deepEqual(p.connections, [all.b.connectionId, all.c.connectionId].sort());
  assert.deepEqual(p.users, ['alice', 'bob']);
  assert.equal((await c.presence(n2, 'connections')).count, 4);
  assert.equal((await c.presence(n3, 'users/alice')).online, true);
});

test('a client result asked on one node is answered by a client on another', { timeout: 20000 }, async () => {
  all.c.on('Result', () => 42);
  const r = await h.request('GET', `${n1.base}/clientresult/${all.c.connectionId}`);
  assert.equal(r.status, 200);
  assert.equal(r.text, '42');
});

test('a late joiner receives later group sends', { timeout: 30000 }, async () => {
  const n4 = await c.startNode(4, { join: [n1.address] });
  await c.waitMembers([n1, n2, n3, n4], 4);
  all.e = await c.client(n4);
  await all.e.invoke('JoinGroup', 'room');
  await all.a.invoke('SendToGroup', 'room', 'x-late');
  await expectExactly('x-late', { b: 1, c: 1, e: 1 });
  await all.e.stop();
  delete all.e;
  n4.proc.kill('SIGTERM');
  await n4.exited;
  await c.waitMembers([n1, n2, n3], 3);
});

test('a node killed under traffic leaves within 10 s; the others keep serving', { timeout: 40000 }, async () => {
  let sent = 0;
  let stop = false;
  const traffic = (async () => {
    while (!stop) { await all.a.invoke('SendToAll', `x-traffic-${sent++}`).catch(() => {}); }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  n3.proc.kill('SIGKILL');
  await c.waitMembers([n1, n2], 2, 10000);
  const took = Date.now() - t0;
  stop = true;
  await traffic;
  assert.ok(took <= 10000, `dropped after ${took} ms`);
  delete all.c;
  delete all.d;
  // Its connections vanished from groups and users.
  assert.deepEqual((await c.presence(n1, 'groups/room')).connections, [all.b.connectionId]);
  assert.equal((await c.presence(n2, 'users/bob')).online, false);
  await all.b.invoke('SendToAll', 'x-after-kill');
  await expectExactly('x-after-kill', { a: 1, b: 1 });
});

test('a node frozen for 15 s is dropped, then rejoins cleanly', { timeout: 60000 }, async () => {
  n3 = await c.startNode(3, { join: [n1.address] });
  await c.waitMembers([n1, n2, n3], 3);
  all.c = await c.client(n3, { user: 'bob' });
  await all.c.invoke('JoinGroup', 'room');
  const frozenAt = Date.now();
  n3.proc.kill('SIGSTOP');
  await c.waitMembers([n1, n2], 2, 10000);
  // While it is frozen, its member is gone from the others' view.
  assert.deepEqual((await c.presence(n1, 'groups/room')).connections, [all.b.connectionId]);
  await new Promise((r) => setTimeout(r, Math.max(0, frozenAt + 15000 - Date.now())));
  n3.proc.kill('SIGCONT');
  await c.waitMembers([n1, n2, n3], 3, 20000);
  // Rejoined: its client (still connected: 15 s is inside the client timeout) is reachable again, once.
  await h.eventually(async () => (await c.presence(n1, 'groups/room')).connections.length === 2, 10000, 'group back');
  await all.a.invoke('SendToGroup', 'room', 'x-thawed');
  await expectExactly('x-thawed', { b: 1, c: 1 });
  await all.a.invoke('SendToAll', 'x-thawed-all');
  await expectExactly('x-thawed-all', { a: 1, b: 1, c: 1 });
});
