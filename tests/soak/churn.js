#!/usr/bin/env node
'use strict';
// Soak and churn (not in CI; docs/operations.md "Soak test"): starts build/bin/conformance-hub, measures its
// RSS and open descriptors at rest, then for DURATION seconds keeps SLOTS stock @microsoft/signalr clients
// connecting and disconnecting over every transport (WebSockets, Server-Sent Events, long polling; JSON), each
// joining a group, sending to it and to everyone, while LISTENERS steady clients receive the broadcasts.
// Afterwards everything must return to rest: RSS within 5 % and descriptors within 5 % of the baseline,
// no TCP connection left (no half-open ones), and the gauges that count connections back at 0.
//
//   node tests/soak/churn.js [DURATION_S=600] [SLOTS=40] [LISTENERS=20]
// Exit code 0 when every check holds; one summary line per check either way. The hub is killed by its PID.
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const modules = path.resolve(__dirname, '../integration/node_modules');
const signalR = require(path.join(modules, '@microsoft/signalr'));
const h = require('../integration/lib/hub');

const DURATION = Number(process.argv[2] || 600);
const SLOTS = Number(process.argv[3] || 40);
const LISTENERS = Number(process.argv[4] || 20);
const TRANSPORTS = ['WebSockets', 'ServerSentEvents', 'LongPolling'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssKiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}
function fds(pid) { return fs.readdirSync(`/proc/${pid}/fd`).length; }
async function gauges(hub) {
  const m = (await h.scrape(hub)).text;
  return {
    connections: h.sample(m, 'actorhub_connections', { hub: 'testhub' }) || 0,
    tcp: h.sample(m, 'actorhub_tcp_connections') || 0,
    slow: h.sample(m, 'actorhub_connections_closed_total', { hub: 'testhub', reason: 'slow' }) || 0,
    errors: h.sample(m, 'actorhub_connections_closed_total', { hub: 'testhub', reason: 'protocol_error' }) || 0,
  };
}

function client(base, transport) {
  return new signalR.HubConnectionBuilder().withUrl(`${base}/testhub`, { transport: signalR.HttpTransportType[transport] })
    .configureLogging(signalR.LogLevel.None).build();
}

// One churn slot: connect, join a group, send to it and to all, leave, stop; again until `until`.
async function slot(base, i, until, stats) {
  for (let n = 0; Date.now() < until; n++) {
    const c = client(base, TRANSPORTS[(i + n) % TRANSPORTS.length]);
    c.on('Send', () => { stats.received++; });
    try {
      await c.start();
      const g = `g${(i + n) % 10}`;
      await c.invoke('JoinGroup', g);
      await c.invoke('SendToGroup', g, `hello ${i}/${n}`);
      if (n % 5 === 0) await c.invoke('SendToAll', `all ${i}/${n}`);
      await c.invoke('LeaveGroup', g);
      stats.cycles++;
    } catch (e) {
      stats.errors++;
      if (stats.errors <= 5) console.error(`slot ${i}: ${e.message}`);
    } finally {
      await c.stop().catch(() => {});
    }
  }
}

async function phase(base, seconds) {
  const stats = { cycles: 0, errors: 0, received: 0 };
  const listeners = [];
  for (let i = 0; i < LISTENERS; i++) {
    const c = client(base, TRANSPORTS[i % TRANSPORTS.length]);
    c.on('Send', () => { stats.received++; });
    await c.start();
    listeners.push(c);
  }
  const until = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: SLOTS }, (_, i) => slot(base, i, until, stats)));
  await Promise.all(listeners.map((c) => c.stop().catch(() => {})));
  return stats;
}

// Waits for the hub to be at rest: no connection counted, and RSS/fds stable for 2 s.
async function atRest(hub) {
  const end = Date.now() + 60000;
  for (;;) {
    const g = await gauges(hub);
    if (g.connections === 0 && g.tcp <= 1) break; // the scrape itself is on the metrics port, not counted
    if (Date.now() > end) break;
    await sleep(250);
  }
  await sleep(2000); // let freed memory settle before reading RSS
  return { rss: rssKiB(hub.proc.pid), fds: fds(hub.proc.pid), ...(await gauges(hub)) };
}

async function main() {
  const hub = await h.startHub({ metrics: true });
  let ok = true;
  const check = (cond, line) => { console.log(`${cond ? 'ok  ' : 'FAIL'} ${line}`); ok = ok && cond; };
  try {
    console.log(`soak: ${DURATION} s of churn, ${SLOTS} slots over ${TRANSPORTS.join('/')}, ${LISTENERS} listeners`);
    await phase(hub.base, Math.min(30, Math.max(5, DURATION / 20))); // warm-up: lazy allocations, caches
    const base = await atRest(hub);
    console.log(`baseline: RSS ${base.rss} KiB, ${base.fds} fds`);
    const t0 = Date.now();
    const stats = await phase(hub.base, DURATION);
    const rest = await atRest(hub);
    const secs = (Date.now() - t0) / 1000;
    console.log(`churn: ${stats.cycles} connect/join/send/leave/stop cycles (${(stats.cycles / secs).toFixed(1)}/s), ` +
      `${stats.errors} failed, ${stats.received} messages received`);
    console.log(`after: RSS ${rest.rss} KiB, ${rest.fds} fds`);
    check(stats.errors === 0, `no client cycle failed (${stats.errors})`);
    check(Math.abs(rest.rss - base.rss) <= 0.05 * base.rss, `RSS within 5 % of baseline (${base.rss} -> ${rest.rss} KiB, ${((rest.rss / base.rss - 1) * 100).toFixed(1)} %)`);
    check(Math.abs(rest.fds - base.fds) <= Math.max(1, 0.05 * base.fds), `open fds within 5 % of baseline (${base.fds} -> ${rest.fds})`);
    check(rest.connections === 0, `actorhub_connections back to 0 (${rest.connections})`);
    check(rest.tcp <= base.tcp, `actorhub_tcp_connections back to baseline (${base.tcp} -> ${rest.tcp}): no half-open connections`);
    check(rest.slow === 0, `no connection closed as slow (${rest.slow})`);
    check(hub.alive(), 'the hub is alive');
  } finally {
    await h.stopAll();
  }
  process.exit(ok ? 0 : 1);
}
main().catch((e) => { console.error(e); h.stopAll().then(() => process.exit(2)); });
