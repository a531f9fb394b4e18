'use strict';
// conformance-hub as a process (CONTRACT §1): bad flags and busy ports fail fast with one stderr line;
// SIGTERM/SIGINT close clients and exit 0 within 5 s.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/hub');

after(h.stopAll);

function assertOneLineFailure(res, what) {
  assert.ok(!res.timedOut, `${what}: still running after 5 s`);
  assert.notEqual(res.code, 0, `${what}: exit status must be non-zero (got ${res.code}, signal ${res.signal})`);
  assert.equal(res.signal, null, `${what}: must exit, not die of ${res.signal}`);
  const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `${what}: stderr must be exactly one line, got ${JSON.stringify(res.stderr)}`);
}

const failures = [
  ['unknown flag', async () => ['--http', `127.0.0.1:${await h.freePort()}`, '--no-such-flag']],
  ['malformed --http', async () => ['--http', 'not-an-address']],
  ['--http port out of range', async () => ['--http', '127.0.0.1:70000']],
  ['--http without a value', async () => ['--http']],
  ['missing --http', async () => ['--name', 'x']],
  ['malformed --metrics', async () => ['--http', `127.0.0.1:${await h.freePort()}`, '--metrics', 'nope']],
  ['non-numeric --keep-alive-interval', async () => ['--http', `127.0.0.1:${await h.freePort()}`, '--keep-alive-interval', 'soon']],
  ['non-numeric --max-message-size', async () => ['--http', `127.0.0.1:${await h.freePort()}`, '--max-message-size', 'big']],
];
for (const [what, args] of failures) {
  test(`${what}: one stderr line, non-zero exit within 5 s`, { timeout: 15000 }, async () => {
    assertOneLineFailure(await h.runHub(await args()), what);
  });
}

test('--http port in use: one stderr line, non-zero exit within 5 s', { timeout: 15000 }, async () => {
  const busy = await h.occupiedPort();
  try {
    assertOneLineFailure(await h.runHub(['--http', `127.0.0.1:${busy.port}`]), 'port in use');
  } finally { await busy.close(); }
});

test('--metrics port in use: one stderr line, non-zero exit within 5 s', { timeout: 15000 }, async () => {
  const busy = await h.occupiedPort();
  try {
    const res = await h.runHub(['--http', `127.0.0.1:${await h.freePort()}`, '--metrics', `127.0.0.1:${busy.port}`]);
    assertOneLineFailure(res, 'metrics port in use');
  } finally { await busy.close(); }
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal}: open clients get a Close message, the process exits 0 within 5 s`, { timeout: 20000 }, async () => {
    const hub = await h.startHub({ metrics: true });
    const raw = await h.RawHub.connect(hub.base);
    assert.equal((await raw.invoke('Echo', ['before'])).result, 'before');
    // A scraped metrics endpoint must not hold shutdown up either.
    await h.scrape(hub);
    const t0 = Date.now();
    hub.proc.kill(signal);
    const exit = await h.withTimeout(hub.exited, 5000, `exit after ${signal}`);
    assert.equal(exit.code, 0, `exit after ${signal}: ${JSON.stringify(exit)}\n${hub.log()}`);
    assert.ok(Date.now() - t0 < 5000);
    await h.withTimeout(raw.closed, 2000, 'client transport closed');
    assert.ok(raw.messages.some((m) => m.type === 7), `expected a Close message, got ${JSON.stringify(raw.messages)}`);
  });
}
