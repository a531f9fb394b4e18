'use strict';
// Hosted mode end to end (CONTRACT §7, docs/hosted.md): an actorhub-gateway and conformance-hub app servers
// linked to it, with the official client: the negotiate redirect, echo over every transport and both protocols,
// fan-out across app servers exactly once, client results and streams, serverless clients, the REST API with
// valid and invalid tokens, an app server killed under traffic, a SIGTERM drain, and a link cut and restored.
// appA holds three links to the gateway (--service-links 3) and appB one, so every test here runs across
// several links as well as across app servers; the killed and the drained app servers hold two.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/hub');
const g = require('./lib/hosted');
const { settle } = require('./lib/cluster');

let gw, appA, appB;
const all = {};

before(async () => {
  gw = await g.startGateway();
  appA = await g.startApp(gw, `appA-${process.pid}`, { extra: ['--service-links', '3'] });
  appB = await g.startApp(gw, `appB-${process.pid}`);
  await g.waitServers(gw, 2);
  all.a = await g.client({ app: appA, user: 'alice' });
  all.b = await g.client({ app: appB, user: 'alice', transport: 'sse' });
  all.c = await g.client({ app: appB, user: 'bob', protocol: 'msgpack' });
  all.d = await g.client({ app: appA, transport: 'lp' });
});
after(g.stopAll);

async function expectExactly(msg, expect) {
  const { got, want } = await settle(all, msg, expect);
  assert.deepEqual(got, want, msg);
}

test('an app server answers negotiate with a redirect and a token for exactly that URL', async () => {
  const r = await h.request('POST', `${appA.base}/testhub/negotiate?negotiateVersion=1`,
    { headers: { authorization: `Bearer ${g.userToken('carol')}` } });
  assert.equal(r.status, 200);
  const body = JSON.parse(r.text);
  assert.equal(body.url, `${gw.base}/client/?hub=testhub`);
  const claims = g.decode(body.accessToken);
  assert.equal(claims.aud, body.url);
  assert.equal(claims.nameid, 'carol');
  assert.equal(claims['actorhub.server'], appA.name);
  assert.ok(claims.exp > g.now() && claims.exp <= g.now() + 3600);
  assert.equal(JSON.parse(Buffer.from(body.accessToken.split('.')[0], 'base64url')).alg, 'HS256');
  // A bad caller token is refused at the app server.
  const bad = await h.request('POST', `${appA.base}/testhub/negotiate?negotiateVersion=1`,
    { headers: { authorization: `Bearer ${g.sign({ nameid: 'x', exp: g.now() + 60 }, 'wrong-key')}` } });
  assert.equal(bad.status, 401);
  // The gateway refuses a token meant for another hub, and no token at all.
  const other = await h.request('POST', `${gw.base}/client/negotiate?hub=chat&negotiateVersion=1`,
    { headers: { authorization: `Bearer ${body.accessToken}` } });
  assert.equal(other.status, 401);
  assert.equal((await h.request('POST', `${gw.base}/client/negotiate?hub=testhub&negotiateVersion=1`)).status, 401);
});

test('gateway metrics: app servers, clients per app server, link messages, REST calls', async () => {
  const r = await h.request('GET', `http://127.0.0.1:${gw.metricsPort}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.text, /^# TYPE actorhub_app_servers gauge$/m);
  assert.match(r.text, /^actorhub_app_servers 2$/m);
  assert.match(r.text, new RegExp(`^actorhub_gateway_clients\\{server="${appA.name}"\\} 2$`, 'm'));
  assert.match(r.text, /^actorhub_gateway_messages_total\{direction="to_server"\} [1-9]/m);
  assert.match(r.text, /^actorhub_connections\{hub="testhub"\} 4$/m);
});

test('an app server with three links counts once; each link is admitted on its own', async () => {
  await h.eventually(async () => JSON.parse((await h.request('GET', `${appA.base}/healthz`)).text).links === 3,
    10000, 'appA: 3 links up');
  assert.equal(JSON.parse((await h.request('GET', `${appB.base}/healthz`)).text).links, 1);
  assert.equal(await g.servers(gw), 2);
  for (const i of [1, 2]) assert.match(gw.log(), new RegExp(`app server '${appA.name}' \\(link ${i}\\) linked`));
  // Clients pinned to appA are hosted by appA, whichever of its links the gateway placed them on.
  assert.equal(await all.a.invoke('GetServerName'), appA.name);
  assert.equal(await all.d.invoke('GetServerName'), appA.name);
});

test('echo over every transport and both protocols, on the pinned app server', { timeout: 60000 }, async () => {
  const names = { ws: 'WebSockets', sse: 'ServerSentEvents', lp: 'LongPolling' };
  for (const transport of ['ws', 'sse', 'lp']) {
    for (const protocol of ['json', 'msgpack']) {
      if (transport === 'sse' && protocol === 'msgpack') continue;
      for (const app of [appA, appB]) {
        const c = await g.client({ app, transport, protocol, user: 'echo' });
        assert.equal(await c.invoke('Echo', `hi-${transport}-${protocol}`), `hi-${transport}-${protocol}`);
        assert.equal(await c.invoke('GetServerName'), app.name);
        assert.equal(await c.invoke('GetActiveTransportName'), names[transport]);
        assert.equal(await c.invoke('GetUserNameIdentifier'), 'echo');
        assert.deepEqual(await c.invoke('EchoComplexObject', { Name: 'n', Value: [1, 2] }), { Name: 'n', Value: [1, 2] });
        await assert.rejects(c.invoke('ThrowException', 'boom'), /InvalidOperationException: boom/);
        await c.stop();
      }
    }
  }
});

test('every send kind reaches each target exactly once across app servers', { timeout: 30000 }, async () => {
  assert.equal(await all.a.invoke('GetServerName'), appA.name);
  assert.equal(await all.c.invoke('GetServerName'), appB.name);
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
  await all.b.invoke('JoinGroup', 'room');
  await all.c.invoke('JoinGroup', 'room');
  await all.a.invoke('SendToGroup', 'room', 'x-group');
  await expectExactly('x-group', { b: 1, c: 1 });
  await all.b.invoke('SendToOthersInGroup', 'room', 'x-others-in-group');
  await expectExactly('x-others-in-group', { c: 1 });
  await all.a.invoke('AddToGroup', all.d.connectionId, 'room2');  // d is on appA too, a on appA; c on appB sends
  await all.c.invoke('SendToGroup', 'room2', 'x-added');
  await expectExactly('x-added', { d: 1 });
  await all.c.invoke('AddToGroup', all.a.connectionId, 'room3');  // across app servers
  await all.a.invoke('SendToGroup', 'room3', 'x-added-across');
  await expectExactly('x-added-across', { a: 1 });
  await all.a.invoke('RemoveFromGroup', all.d.connectionId, 'room2');
  await all.b.invoke('SendToGroup', 'room2', 'x-removed');
  await expectExactly('x-removed', {});
});

test('a sender sees its own broadcast before the Completion of the method that sent it', async () => {
  // c on appB's one link; a and d on two of appA's three links (the delivery travels over the sender's link).
  for (const [name, c] of [['c', all.c], ['a', all.a], ['d', all.d]]) {
    const before = c.received.length;
    await c.invoke('SendToAll', `x-order-${name}`);
    assert.ok(c.received.slice(before).includes(`x-order-${name}`), name);
  }
});

test('client results across app servers, and streams both ways', { timeout: 20000 }, async () => {
  all.c.on('Result', () => 42);
  const r = await h.request('GET', `${appA.base}/clientresult/${all.c.connectionId}`);
  assert.equal(r.status, 200);
  assert.equal(r.text, '42');
  assert.equal((await h.request('GET', `${appA.base}/clientresult/nope`)).status, 404);
  const items = [];
  await new Promise((resolve, reject) => all.a.stream('Counter', 3, 10).subscribe({
    next: (i) => items.push(i), complete: resolve, error: reject }));
  assert.deepEqual(items, [0, 1, 2]);
  const subject = new (require('@microsoft/signalr').Subject)();
  const concat = all.c.invoke('StreamingConcat', subject);
  subject.next('a');
  subject.next('b');
  subject.complete();
  assert.equal(await concat, 'ab');
});

test('serverless: a hub no app server runs accepts signed clients; the REST API publishes to them', async () => {
  const s = await g.client({ gateway: gw, hub: 'lonely', token: g.gatewayToken(gw, 'lonely', { user: 'sam' }) });
  await assert.rejects(s.invoke('Echo', 'x'), /serverless/);
  const r = await g.rest(gw, 'POST', '/api/v1/hubs/lonely', { body: { target: 'Send', arguments: ['x-serverless'] } });
  assert.equal(r.status, 202);
  await h.eventually(() => s.received.includes('x-serverless'), 5000, 'serverless delivery');
  assert.equal((await g.rest(gw, 'GET', `/api/v1/hubs/lonely/users/sam`)).status, 200);
  // A token signed with another key is refused.
  await assert.rejects(g.client({ gateway: gw, hub: 'lonely', token: g.sign({ aud: `${gw.base}/client/?hub=lonely`,
    exp: g.now() + 60 }, 'wrong') }));
  await s.stop();
});

test('REST API: sends, groups, existence and close with valid tokens', { timeout: 30000 }, async () => {
  const send = (p, msg, query) => g.rest(gw, 'POST', `/api/v1/hubs/testhub${p}`, { body: { target: 'Send', arguments: [msg] }, query });
  assert.equal((await send('', 'r-all')).status, 202);
  await expectExactly('r-all', { a: 1, b: 1, c: 1, d: 1 });
  assert.equal((await send('', 'r-all-but', `?excluded=${all.a.connectionId}&excluded=${all.b.connectionId}`)).status, 202);
  await expectExactly('r-all-but', { c: 1, d: 1 });
  assert.equal((await send('/users/alice', 'r-user')).status, 202);
  await expectExactly('r-user', { a: 1, b: 1 });
  assert.equal((await send(`/connections/${all.d.connectionId}`, 'r-conn')).status, 202);
  await expectExactly('r-conn', { d: 1 });
  const grp = `/api/v1/hubs/testhub/groups/rest-room/connections`;
  assert.equal((await g.rest(gw, 'PUT', `${grp}/${all.a.connectionId}`)).status, 200);
  assert.equal((await g.rest(gw, 'PUT', `${grp}/${all.c.connectionId}`)).status, 200);
  assert.equal((await g.rest(gw, 'PUT', `${grp}/no-such-connection`)).status, 404);
  assert.equal((await send('/groups/rest-room', 'r-group')).status, 202);
  await expectExactly('r-group', { a: 1, c: 1 });
  assert.equal((await send('/groups/rest-room', 'r-group-but', `?excluded=${all.c.connectionId}`)).status, 202);
  await expectExactly('r-group-but', { a: 1 });
  assert.equal((await g.rest(gw, 'DELETE', `${grp}/${all.c.connectionId}`)).status, 200);
  assert.equal((await send('/groups/rest-room', 'r-group2')).status, 202);
  await expectExactly('r-group2', { a: 1 });
  assert.equal((await g.rest(gw, 'HEAD', `/api/v1/hubs/testhub/connections/${all.a.connectionId}`)).status, 200);
  assert.equal((await g.rest(gw, 'GET', `/api/v1/hubs/testhub/connections/nope`)).status, 404);
  assert.equal((await g.rest(gw, 'GET', `/api/v1/hubs/testhub/users/alice`)).status, 200);
  assert.equal((await g.rest(gw, 'GET', `/api/v1/hubs/testhub/users/nobody`)).status, 404);
  assert.equal((await g.rest(gw, 'GET', `/api/v1/hubs/testhub/groups/rest-room`)).status, 200);
  assert.equal((await g.rest(gw, 'GET', `/api/v1/hubs/testhub/groups/empty-room`)).status, 404);
  // Close a connection: it gets a Close and its app server runs OnDisconnected.
  const victim = await g.client({ app: appB });
  assert.equal((await g.rest(gw, 'DELETE', `/api/v1/hubs/testhub/connections/${victim.connectionId}`)).status, 200);
  await h.withTimeout(victim.closed, 5000, 'closed by REST');
  assert.equal((await g.rest(gw, 'DELETE', `/api/v1/hubs/testhub/connections/${victim.connectionId}`)).status, 404);
});

test('REST API: 401 on any bad token, 400 on a malformed body', async () => {
  const p = '/api/v1/hubs/testhub';
  const url = `${gw.base}${p}`;
  const body = { target: 'Send', arguments: ['never'] };
  for (const token of [null, 'garbage', g.sign({ aud: url, exp: g.now() + 60 }, 'wrong-key'),
    g.sign({ aud: `${gw.base}/api/v1/hubs/other`, exp: g.now() + 60 }), g.sign({ aud: url }),
    g.sign({ aud: url, exp: g.now() - 3600 }), g.sign({ aud: url, exp: g.now() + 60 }, g.KEY, 'HS384')]) {
    assert.equal((await g.rest(gw, 'POST', p, { body, token })).status, 401, String(token));
  }
  for (const bad of ['{', '[]', '{"arguments":[]}', '{"target":5}', '{"target":"Send","arguments":{}}']) {
    const r = await h.request('POST', url, { body: bad, headers: { authorization: `Bearer ${g.sign({ aud: url, exp: g.now() + 60 })}` } });
    assert.equal(r.status, 400, bad);
  }
  assert.deepEqual(Object.values(all).map((c) => c.received.filter((m) => m === 'never').length), [0, 0, 0, 0]);
});

test('an app server killed under traffic: its clients are told to reconnect and land on another; others untouched',
  { timeout: 40000 }, async () => {
    const appC = await g.startApp(gw, `appC-${process.pid}`, { extra: ['--service-links', '2'] });
    await g.waitServers(gw, 3);
    const pinned = () => g.gatewayToken(gw, 'testhub', { pin: appC.name, user: 'mover' });
    const movers = [await g.client({ gateway: gw, token: pinned(), reconnect: true }),
      await g.client({ gateway: gw, token: pinned(), reconnect: true, transport: 'sse' })];
    for (const m of movers) assert.equal(await m.invoke('GetServerName'), appC.name);
    const watched = await g.client({ app: appA, reconnect: true });
    let running = true;
    let echoes = 0;
    const traffic = (async () => {
      while (running) { await watched.invoke('Echo', 'tick'); echoes += 1; }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const killedAt = Date.now();
    appC.proc.kill('SIGKILL');
    for (const m of movers) {
      await h.eventually(() => m.events.some((e) => e[0] === 'reconnecting'), 5000, 'Close with allowReconnect');
      const at = m.events.find((e) => e[0] === 'reconnecting')[2];
      assert.ok(at - killedAt < 5000, `told after ${at - killedAt} ms`);
      await h.eventually(() => m.events.some((e) => e[0] === 'reconnected'), 15000, 'reconnected');
      assert.notEqual(await m.invoke('GetServerName'), appC.name);
    }
    running = false;
    await traffic;
    assert.ok(echoes > 10, `${echoes} echoes`);
    assert.deepEqual(watched.events, []);
    await g.waitServers(gw, 2);
  });

test('SIGTERM drains an app server: in-flight invocations finish, then its clients move', { timeout: 40000 }, async () => {
  const appD = await g.startApp(gw, `appD-${process.pid}`, { extra: ['--service-links', '2'] });
  await g.waitServers(gw, 3);
  const c = await g.client({ gateway: gw, token: g.gatewayToken(gw, 'testhub', { pin: appD.name }), reconnect: true });
  assert.equal(await c.invoke('GetServerName'), appD.name);
  const items = [];
  const stream = new Promise((resolve, reject) => c.stream('Counter', 5, 150).subscribe({
    next: (i) => items.push(i), complete: resolve, error: reject }));
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  appD.proc.kill('SIGTERM');
  await stream;
  assert.deepEqual(items, [0, 1, 2, 3, 4]);
  const exit = await h.withTimeout(appD.exited, 5000, 'app server exit');
  assert.equal(exit.code, 0);
  assert.ok(Date.now() - t0 < 5000);
  await h.eventually(() => c.events.some((e) => e[0] === 'reconnected'), 15000, 'reconnected elsewhere');
  assert.notEqual(await c.invoke('GetServerName'), appD.name);
  await g.waitServers(gw, 2);
});

test('the link cut (app server frozen) and restored', { timeout: 40000 }, async () => {
  const appE = await g.startApp(gw, `appE-${process.pid}`);
  await g.waitServers(gw, 3);
  const c = await g.client({ gateway: gw, token: g.gatewayToken(gw, 'testhub', { pin: appE.name }), reconnect: true });
  assert.equal(await c.invoke('GetServerName'), appE.name);
  appE.proc.kill('SIGSTOP');
  await g.waitServers(gw, 2, 10000);  // the heartbeat timeout drops it
  await h.eventually(() => c.events.some((e) => e[0] === 'reconnecting'), 5000, 'told to reconnect');
  await h.eventually(() => c.events.some((e) => e[0] === 'reconnected'), 15000, 'reconnected');
  assert.notEqual(await c.invoke('GetServerName'), appE.name);
  appE.proc.kill('SIGCONT');
  await g.waitServers(gw, 3, 15000);  // it re-dials
  const r = await h.request('GET', `${appE.base}/healthz`);
  assert.equal(r.status, 200);
  const fresh = await g.client({ app: appE });
  assert.equal(await fresh.invoke('GetServerName'), appE.name);
  assert.equal(await fresh.invoke('Echo', 'back'), 'back');
});

test('the gateway restarted: app servers link again', { timeout: 40000 }, async () => {
  const { httpPort, serverPort } = gw;
  gw.proc.kill('SIGKILL');
  await gw.exited;
  await h.eventually(async () => (await h.request('GET', `${appA.base}/healthz`)).status === 503, 10000, 'app server 503');
  gw = await g.startGateway({ httpPort, serverPort });
  await g.waitServers(gw, 3, 15000);
  const c = await g.client({ app: appB, user: 'again' });
  assert.equal(await c.invoke('Echo', 'again'), 'again');
});

test('flags: the gateway refuses a missing --access-key and a port in use with one line', async () => {
  const { spawnSync } = require('node:child_process');
  const exe = require('node:path').join(h.BIN, 'actorhub-gateway');
  const r = spawnSync(exe, ['--http', '127.0.0.1:0', '--server-port', '0'], { timeout: 5000 });
  assert.notEqual(r.status, 0);
  assert.equal(r.stderr.toString().trim().split('\n').length, 1);
  const held = await h.occupiedPort();
  const r2 = spawnSync(exe, ['--http', `127.0.0.1:${held.port}`, '--server-port', '0', '--access-key', 'k'], { timeout: 5000 });
  await held.close();
  assert.notEqual(r2.status, 0);
  assert.equal(r2.stderr.toString().trim().split('\n').length, 1);
});
