'use strict';
// Limits and resource exhaustion at the process level (docs/operations.md "Limits"): out of file
// descriptors the hub pauses accepting, says so once, does not spin and recovers; the connection limit
// answers 503 before descriptors run out; a negotiation flood is refused with 503 and logged once. Every
// refusal is counted in actorhub_limit_rejections_total, and connected clients keep working throughout.
const { test, after } = require('node:test');
const net = require('node:net');
const fs = require('node:fs');
const assert = require('node:assert/strict');
const h = require('./lib/hub');

after(h.stopAll);

const LOW_FD_LIMIT = ['bash', '-c', 'ulimit -n 256 && exec "$0" "$@"'];

// CPU ticks (user + system) the process has used so far.
function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
}

function openSockets(port, n) {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => resolve(s));
    s.on('error', () => resolve(s));
  })));
}

const countOf = (text, what) => text.split(what).length - 1;

test('out of file descriptors: accepting pauses, one log line, no busy loop, recovery', { timeout: 60000 }, async () => {
  // An explicit --max-connections above the descriptor limit, so that accept() itself runs out.
  const hub = await h.startHub({ metrics: true, args: ['--max-connections', '100000'], wrap: LOW_FD_LIMIT });
  const witness = await h.RawHub.connect(hub.base);
  const sockets = await openSockets(hub.port, 400);
  await h.eventually(() => hub.log().includes('accepting connections failed'), 10000, 'the exhaustion log line');
  // While exhausted: the process stays nearly idle (a spinning accept loop would use a whole core).
  const t0 = cpuTicks(hub.proc.pid);
  await new Promise((r) => setTimeout(r, 1000)); // measuring CPU use over one second
  const used = cpuTicks(hub.proc.pid) - t0;
  assert.ok(used < 30, `the hub used ${used} ticks of CPU in 1 s while out of descriptors`);
  assert.equal(countOf(hub.log(), 'accepting connections failed'), 1, hub.log());
  // The connected client is untouched.
  assert.equal((await witness.invoke('Echo', ['still here'])).result, 'still here');
  for (const s of sockets) s.destroy();
  await h.eventually(async () => (await h.request('GET', `${hub.base}/healthz`, { timeout: 1000 })).status === 200,
    15000, '/healthz after the descriptors came back');
  await h.eventually(() => hub.log().includes('accepting connections again'), 10000, 'the recovery log line');
  const m = (await h.scrape(hub)).text;
  assert.ok(h.sample(m, 'actorhub_limit_rejections_total', { limit: 'accept_exhausted' }) >= 1, m);
  assert.ok(hub.alive());
  const fresh = await h.RawHub.connect(hub.base);
  assert.equal((await fresh.invoke('Echo', ['fresh'])).result, 'fresh');
});

test('the default connection limit answers 503 before descriptors run out', { timeout: 60000 }, async () => {
  // Without --max-connections the limit is derived from the descriptor limit: half of 256 here.
  const hub = await h.startHub({ metrics: true, wrap: LOW_FD_LIMIT });
  const witness = await h.RawHub.connect(hub.base);
  const sockets = await openSockets(hub.port, 150);
  await h.eventually(async () => (await h.request('GET', `${hub.base}/healthz`, { timeout: 2000 })).status === 503,
    10000, 'a 503 at the connection limit');
  assert.ok(!hub.log().includes('accepting connections failed'), hub.log());
  assert.equal(countOf(hub.log(), 'connection limit reached'), 1, hub.log());
  assert.equal((await witness.invoke('Echo', ['ok'])).result, 'ok');
  for (const s of sockets) s.destroy();
  await h.eventually(async () => (await h.request('GET', `${hub.base}/healthz`, { timeout: 1000 })).status === 200,
    15000, '/healthz below the limit again');
  const m = (await h.scrape(hub)).text;
  assert.ok(h.sample(m, 'actorhub_limit_rejections_total', { limit: 'connections' }) >= 1, m);
});

test('a negotiation flood is refused with 503, logged once, and expires', { timeout: 60000 }, async () => {
  const hub = await h.startHub({ metrics: true, args: ['--max-pending-negotiations', '50', '--negotiate-timeout', '1'] });
  const witness = await h.RawHub.connect(hub.base);
  const statuses = [];
  for (let i = 0; i < 200; i++) {
    statuses.push((await h.request('POST', `${hub.base}/testhub/negotiate?negotiateVersion=1`, { body: '' })).status);
  }
  assert.ok(statuses.filter((s) => s === 200).length <= 51, `${statuses.filter((s) => s === 200).length} accepted`);
  assert.ok(statuses.filter((s) => s === 503).length >= 149);
  assert.equal(countOf(hub.log(), 'negotiate refused'), 1, hub.log());
  assert.equal((await witness.invoke('Echo', ['ok'])).result, 'ok');
  const m = (await h.scrape(hub)).text;
  assert.ok(h.sample(m, 'actorhub_limit_rejections_total', { limit: 'pending_negotiations' }) >= 149, m);
  // The unused negotiations are forgotten after --negotiate-timeout: negotiate works again.
  await h.eventually(async () => (await h.request('POST', `${hub.base}/testhub/negotiate?negotiateVersion=1`, { body: '' })).status === 200,
    10000, 'negotiate after the flood expired');
});
