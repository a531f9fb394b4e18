'use strict';
// Bad input end to end: attackers throw every kind of malformed input at a running conformance-hub (truncated
// and oversize frames, bad UTF-8, invalid JSON and MessagePack, wrong argument types, unknown methods and
// stream ids, bad handshakes, expired and forged tokens, HTTP smuggling attempts, random bytes) while 100
// well-behaved clients keep a broadcast running. The well-behaved clients lose nothing and see every message
// in order; the hub keeps serving.
//
// Quick (CI): BAD_INPUT_SECONDS=8 (the default). Long: BAD_INPUT_SECONDS=600 node --test tests/integration/bad_input.test.js
const { test, after } = require('node:test');
const net = require('node:net');
const crypto = require('node:crypto');
const assert = require('node:assert/strict');
const h = require('./lib/hub');

const SECONDS = Number(process.env.BAD_INPUT_SECONDS || 8);
const KEY = 'bad-input-key-0123456789';
const GOOD = 100;

after(h.stopAll);

const b64url = (b) => Buffer.from(b).toString('base64url');
function jwt(claims, key = KEY, alg = 'HS256') {
  const head = b64url(JSON.stringify({ alg, typ: 'JWT' })) + '.' + b64url(JSON.stringify(claims));
  return head + '.' + b64url(crypto.createHmac('sha256', key).update(head).digest());
}
const now = () => Math.floor(Date.now() / 1000);

// A masked client frame with any first byte (opcode/flags) and optionally a false length.
function frame(first, payload, { claimedLength, mask = true } = {}) {
  const len = claimedLength ?? payload.length;
  let header;
  if (len < 126) header = Buffer.from([first, (mask ? 0x80 : 0) | len]);
  else if (len < 65536) { header = Buffer.alloc(4); header[0] = first; header[1] = (mask ? 0x80 : 0) | 126; header.writeUInt16BE(len, 2); }
  else { header = Buffer.alloc(10); header[0] = first; header[1] = (mask ? 0x80 : 0) | 127; header.writeBigUInt64BE(BigInt(len), 2); }
  if (!mask) return Buffer.concat([header, payload]);
  const key = crypto.randomBytes(4);
  return Buffer.concat([header, key, Buffer.from(payload.map((b, i) => b ^ key[i % 4]))]);
}

function rawTcp(port, bytes, ms = 2000) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let reply = '';
    sock.on('data', (d) => { reply += d; });
    sock.on('error', () => {});
    sock.on('close', () => resolve(reply));
    sock.setTimeout(ms, () => sock.destroy());
    sock.write(bytes);
  });
}

// Each attack does its damage and resolves; it must never make the hub misbehave for anyone else.
function attacks(hub) {
  const ws = async (fn, handshake) => {
    let raw;
    try {
      raw = await h.RawHub.connect(hub.base, '/testhub', handshake === undefined ? {} : { handshake });
      await fn(raw);
      await Promise.race([raw.closed, new Promise((r) => setTimeout(r, 300))]);
    } catch { /* refused or closed: fine */ } finally { if (raw) raw.terminate(); }
  };
  const msgpackHandshake = { protocol: 'messagepack', version: 1 };
  return {
    truncatedFrame: () => ws(async (r) => { r.writeRaw(frame(0x81, Buffer.from('{"ty'), { claimedLength: 100 })); r.ws._socket.end(); }),
    oversizeFrame: () => ws(async (r) => r.writeRaw(frame(0x82, Buffer.from('x'), { claimedLength: 2 ** 40 }))),
    unmaskedFrame: () => ws(async (r) => r.writeRaw(frame(0x81, Buffer.from('{"type":6}\x1e'), { mask: false }))),
    reservedOpcode: () => ws(async (r) => r.writeRaw(frame(0x83, Buffer.from('x')))),
    badUtf8: () => ws(async (r) => r.writeRaw(frame(0x81, Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x1e])))),
    invalidJson: () => ws(async (r) => r.sendText('{"type":1,"target":"Echo","arguments":[' + h.RS)),
    deepJson: () => ws(async (r) => r.sendText('{"type":1,"target":"Echo","arguments":[' + '['.repeat(5000) + ']'.repeat(5000) + ']}' + h.RS)),
    hugeMessage: () => ws(async (r) => r.send({ type: 1, invocationId: '1', target: 'Echo', arguments: ['x'.repeat(40000)] })),
    invalidMsgpack: () => ws(async (r) => r.ws.send(Buffer.from([0x05, 0x95, 0xc1, 0xff, 0xfe, 0x00]), { binary: true }), msgpackHandshake),
    msgpackLengthBomb: () => ws(async (r) => r.ws.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x91]), { binary: true }), msgpackHandshake),
    wrongArgumentTypes: () => ws(async (r) => {
      await r.invoke('Echo', [1, 2, 3]).catch(() => {});
      await r.invoke('Counter', ['ten', { x: 1 }]).catch(() => {});
      await r.invoke('AddToGroup', [null, [1]]).catch(() => {});
    }),
    unknownMethodAndStream: () => ws(async (r) => {
      await r.invoke('NoSuchMethod', []).catch(() => {});
      r.send({ type: 2, invocationId: 'no-such-stream', item: 1 });
      r.send({ type: 3, invocationId: 'no-such-stream' });
      r.send({ type: 5, invocationId: 'no-such-invocation' });
      r.send({ type: 99 });
      await r.invoke('Echo', ['still']).catch(() => {});
    }),
    unknownProtocol: () => ws(async (r) => r.sendText(JSON.stringify({ protocol: 'xml', version: 1 }) + h.RS), null),
    garbageHandshake: () => ws(async (r) => r.sendText('\x00\x01garbage' + h.RS), null),
    oversizeHandshake: () => ws(async (r) => r.sendText('{"protocol":"' + 'j'.repeat(64 * 1024)), null),
    expiredToken: async () => {
      const t = jwt({ sub: 'x', exp: now() - 3600 });
      const r = await h.request('POST', `${hub.base}/testhub/negotiate?negotiateVersion=1`, { headers: { Authorization: `Bearer ${t}` }, body: '' });
      assert.equal(r.status, 401, 'an expired token');
    },
    forgedToken: async () => {
      const t = jwt({ sub: 'admin', exp: now() + 3600 }, 'not-the-key');
      const r = await h.request('POST', `${hub.base}/authorizedhub/negotiate?negotiateVersion=1&access_token=${t}`, { body: '' });
      assert.equal(r.status, 401, 'a forged token');
      const none = b64url('{"alg":"none"}') + '.' + b64url(JSON.stringify({ sub: 'admin', exp: now() + 3600 })) + '.';
      const r2 = await h.request('POST', `${hub.base}/authorizedhub/negotiate?negotiateVersion=1`, { headers: { Authorization: `Bearer ${none}` }, body: '' });
      assert.equal(r2.status, 401, 'alg none');
    },
    smugglingTeCl: async () => {
      const reply = await rawTcp(hub.port, 'POST /testhub/negotiate?negotiateVersion=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.ok(!/HTTP\/1\.1 200[^]*HTTP\/1\.1 200/.test(reply) || reply.split('HTTP/1.1').length <= 3, reply.slice(0, 200));
    },
    smugglingDoubleLength: async () => {
      const reply = await rawTcp(hub.port, 'POST /testhub/negotiate HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n' +
        'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.ok(!/^HTTP\/1\.1 2/.test(reply), `conflicting Content-Length must be refused: ${reply.slice(0, 80)}`);
    },
    bareLfAndObsFold: () => rawTcp(hub.port, 'GET /healthz HTTP/1.1\nHost: x\n X-Folded: y\n\n'),
    headerFlood: () => rawTcp(hub.port, 'GET /healthz HTTP/1.1\r\n' + 'X-A: b\r\n'.repeat(500) + '\r\n'),
    randomBytes: () => rawTcp(hub.port, crypto.randomBytes(2048), 500),
    slowloris: () => rawTcp(hub.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', 300),
    badUpgrade: () => rawTcp(hub.port, 'GET /testhub HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n'),
    unknownId: async () => {
      const r = await h.request('GET', `${hub.base}/testhub?id=${'A'.repeat(5000)}`);
      assert.ok(r.status === 404 || r.status === 400 || r.status === 431, `unknown id: ${r.status}`);
    },
  };
}

test(`${GOOD} well-behaved clients lose nothing while attackers run for ${SECONDS} s`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  const hub = await h.startHub({ metrics: true, args: ['--access-key', KEY] });
  const good = [];
  for (let i = 0; i < GOOD; i++) good.push(await h.RawHub.connect(hub.base));
  const broadcaster = good[0];

  // The broadcast: SendToAll(k) for k = 0, 1, ... until the attackers stop; every client must see them all, in order.
  let sent = 0;
  let stop = false;
  const broadcasting = (async () => {
    while (!stop) {
      await broadcaster.invoke('SendToAll', [`m${sent}`], 10000);
      sent++;
      await new Promise((r) => setTimeout(r, 10)); // pacing of the broadcast
    }
  })();

  const list = Object.entries(attacks(hub));
  const counts = {};
  const end = Date.now() + SECONDS * 1000;
  const failures = [];
  let next = 0;
  const attacker = async () => {
    while (Date.now() < end) {
      const [name, fn] = list[next++ % list.length]; // round robin: every kind runs, over and over
      counts[name] = (counts[name] || 0) + 1;
      try { await fn(); } catch (e) { failures.push(`${name}: ${e.message}`); }
    }
  };
  await Promise.all([attacker(), attacker(), attacker(), attacker()]);
  stop = true;
  await broadcasting;
  assert.deepEqual(failures, [], 'attacks answered wrongly');
  assert.ok(hub.alive(), `the hub died\n${hub.log()}`);
  assert.equal(Object.keys(counts).length, list.length, `every kind of attack ran: ${JSON.stringify(counts)}`);

  // Every well-behaved client got every message once, in order, and is still connected.
  await h.eventually(() => good.every((c) => c.messages.filter((m) => m.type === 1 && m.target === 'Send').length >= sent), 15000,
    'every client has every broadcast');
  for (const [i, c] of good.entries()) {
    const got = c.messages.filter((m) => m.type === 1 && m.target === 'Send').map((m) => m.arguments[0]);
    assert.deepEqual(got, Array.from({ length: sent }, (_, k) => `m${k}`), `client ${i}`);
    assert.ok(c.isOpen(), `client ${i} was closed`);
  }
  const m = (await h.scrape(hub)).text;
  assert.ok(h.sample(m, 'actorhub_connections_closed_total', { hub: 'testhub', reason: 'protocol_error' }) > 0, m);
  assert.equal(h.sample(m, 'actorhub_connections_closed_total', { hub: 'testhub', reason: 'slow' }), 0);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`# ${total} attacks of ${list.length} kinds in ${SECONDS} s; ${sent} broadcasts to ${GOOD} clients, none lost`);
  for (const c of good) c.terminate();
});
