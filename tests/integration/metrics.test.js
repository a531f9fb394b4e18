'use strict';
// --metrics (CONTRACT §8): the families exist before traffic and move with it.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/hub');

let hub;
before(async () => { hub = await h.startHub({ metrics: true }); });
after(h.stopAll);

const FAMILIES = {
  actorhub_connections: 'gauge',
  actorhub_messages_received_total: 'counter',
  actorhub_messages_sent_total: 'counter',
  actorhub_received_bytes_total: 'counter',
  actorhub_sent_bytes_total: 'counter',
  actorhub_handshake_failures_total: 'counter',
  actorhub_connections_closed_slow_total: 'counter',
  actorhub_connections_closed_error_total: 'counter',
  actorhub_invocation_duration_seconds: 'histogram',
};
const testhub = { hub: 'testhub' };
const value = async (name, labels = testhub) => h.sample((await h.scrape(hub)).text, name, labels) || 0;

test('GET /metrics: 200, text format 0.0.4, a # TYPE line for every family', { timeout: 10000 }, async () => {
  const r = await h.scrape(hub);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  for (const [family, type] of Object.entries(FAMILIES)) {
    assert.ok(r.text.includes(`# TYPE ${family} ${type}\n`), `missing # TYPE ${family} ${type}`);
  }
});

test('connections, messages and bytes move with traffic on /testhub', { timeout: 20000 }, async () => {
  const received0 = await value('actorhub_messages_received_total');
  const sent0 = await value('actorhub_messages_sent_total');
  const bytesIn0 = await value('actorhub_received_bytes_total');
  const bytesOut0 = await value('actorhub_sent_bytes_total');
  const conns0 = await value('actorhub_connections');

  const a = await h.RawHub.connect(hub.base);
  const b = await h.RawHub.connect(hub.base);
  await h.eventually(async () => (await value('actorhub_connections')) === conns0 + 2, 5000, 'connections +2');

  for (let i = 0; i < 5; i++) assert.equal((await a.invoke('Echo', [`m${i}`])).result, `m${i}`);
  // One Invocation written per recipient: SendToAll reaches a and b.
  const from = b.messages.length;
  await a.invoke('SendToAll', ['hello all']);
  await b.next((m) => m.type === 1 && m.target === 'Send', 5000, from);

  await h.eventually(async () => (await value('actorhub_messages_received_total')) >= received0 + 6, 5000, 'received +6');
  await h.eventually(async () => (await value('actorhub_messages_sent_total')) >= sent0 + 2, 5000, 'sent +2');
  assert.ok((await value('actorhub_received_bytes_total')) > bytesIn0, 'received bytes grow');
  assert.ok((await value('actorhub_sent_bytes_total')) > bytesOut0, 'sent bytes grow');
  const text = (await h.scrape(hub)).text;
  assert.ok(h.sample(text, 'actorhub_invocation_duration_seconds_count', { hub: 'testhub', method: 'Echo' }) >= 5,
    'Echo invocations are timed');

  a.terminate();
  b.terminate();
  await h.eventually(async () => (await value('actorhub_connections')) === conns0, 5000, 'connections back down');
});

test('a rejected handshake is counted', { timeout: 10000 }, async () => {
  const before = await value('actorhub_handshake_failures_total');
  const raw = await h.RawHub.connect(hub.base, '/testhub', { handshake: null });
  raw.sendText(JSON.stringify({ protocol: 'no-such-protocol', version: 1 }) + h.RS);
  await h.withTimeout(raw.closed, 5000, 'close after a bad handshake');
  await h.eventually(async () => (await value('actorhub_handshake_failures_total')) === before + 1, 5000, 'handshake failures +1');
});

test('a connection closed for a protocol error is counted', { timeout: 10000 }, async () => {
  const before = await value('actorhub_connections_closed_error_total');
  const raw = await h.RawHub.connect(hub.base);
  raw.sendText('{"type":1,"target":' + h.RS);
  await h.withTimeout(raw.closed, 5000, 'close after malformed JSON');
  await h.eventually(async () => (await value('actorhub_connections_closed_error_total')) === before + 1, 5000, 'closed_error +1');
});
