'use strict';
// Helpers for cluster tests: conformance-hub nodes on loopback addresses standing for hosts (127.0.0.1, .2,
// .3, ...), each with its client endpoint and its node port on its own address; the official client; tokens.
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const signalR = require('@microsoft/signalr');
const msgpack = require('@microsoft/signalr-protocol-msgpack');
const h = require('./hub');

const KEY = 'cluster-test-access-key';
const nodes = new Set();

function token(user, key = KEY) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ nameid: user, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${body}.${crypto.createHmac('sha256', key).update(body).digest('base64url')}`;
}

// Starts a node on 127.0.0.<host>; `join` is a list of node addresses. Resolves once /healthz answers.
async function startNode(host, { join = [], name, extra = [] } = {}) {
  const ip = `127.0.0.${host}`;
  const httpPort = await h.freePort();
  const nodePort = await h.freePort();
  const args = ['--http', `${ip}:${httpPort}`, '--name', name || `node${host}-${process.pid}`, '--access-key', KEY,
    '--node', String(nodePort), '--node-bind', ip, ...join.flatMap((j) => ['--join', j]), ...extra];
  const proc = spawn(h.HUB_EXE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const node = { proc, ip, httpPort, nodePort, address: `${ip}:${nodePort}`, base: `http://${ip}:${httpPort}`, exited,
    log: () => log, alive: () => proc.exitCode === null && proc.signalCode === null };
  nodes.add(node);
  exited.then(() => nodes.delete(node));
  await h.eventually(async () => {
    if (!node.alive()) throw new Error(`node exited early: ${log}`);
    return (await h.request('GET', `${node.base}/healthz`, { timeout: 1000 })).status === 200;
  }, 20000, `node ${ip} /healthz`);
  return node;
}

async function members(node) {
  const r = await h.request('GET', `${node.base}/healthz`, { timeout: 2000 });
  return JSON.parse(r.text).members;
}

async function waitMembers(list, n, ms = 15000) {
  await h.eventually(async () => (await Promise.all(list.map(members))).every((m) => m === n), ms,
    `${n} members on ${list.map((x) => x.ip).join(', ')}`);
}

async function presence(node, path) {
  const r = await h.request('GET', `${node.base}/actorhub/presence/testhub/${path}`,
    { headers: { authorization: `Bearer ${token('ops')}` } });
  if (r.status !== 200) throw new Error(`presence ${path}: HTTP ${r.status} ${r.text}`);
  return JSON.parse(r.text);
}

const clients = [];

// A started official client on `node`, recording every `Send` it receives.
async function client(node, { user, transport = 'ws', protocol = 'json', hub = 'testhub', stateful = false } = {}) {
  const transports = { ws: signalR.HttpTransportType.WebSockets, sse: signalR.HttpTransportType.ServerSentEvents,
    lp: signalR.HttpTransportType.LongPolling };
  const options = { transport: transports[transport] };
  if (user) options.accessTokenFactory = () => token(user);
  let b = new signalR.HubConnectionBuilder().withUrl(`${node.base}/${hub}`, options)
    .configureLogging(signalR.LogLevel.None);
  if (protocol === 'msgpack') b = b.withHubProtocol(new msgpack.MessagePackHubProtocol());
  if (stateful) b = b.withStatefulReconnect();
  const c = b.build();
  c.received = [];
  c.on('Send', (m) => c.received.push(m));
  c.closed = new Promise((resolve) => c.onclose((e) => resolve(e)));
  clients.push(c);
  await c.start();
  return c;
}

const count = (c, msg) => c.received.filter((m) => m === msg).length;

// Waits until every client in `expect` got its count of `msg`, then a little longer for duplicates, and checks
// every listed client's count exactly (clients missing from `expect` must have 0).
async function settle(all, msg, expect, ms = 5000) {
  try {
    await h.eventually(() => Object.entries(expect).every(([k, n]) => count(all[k], msg) >= n), ms, `delivery of ${msg}`);
  } catch (e) {
    const counts = Object.fromEntries(Object.keys(all).map((k) => [k, count(all[k], msg)]));
    throw new Error(`${e.message}; received so far: ${JSON.stringify(counts)}`);
  }
  await new Promise((r) => setTimeout(r, 300));
  const got = Object.fromEntries(Object.keys(all).map((k) => [k, count(all[k], msg)]));
  const want = Object.fromEntries(Object.keys(all).map((k) => [k, expect[k] || 0]));
  return { got, want };
}

async function stopAll() {
  await Promise.all(clients.map((c) => c.stop().catch(() => {})));
  await Promise.all([...nodes].map((n) => {
    try { n.proc.kill('SIGCONT'); } catch { /* gone */ }
    n.proc.kill('SIGKILL');
    return h.withTimeout(n.exited, 5000, 'kill').catch(() => {});
  }));
}

module.exports = { KEY, token, startNode, members, waitMembers, presence, client, count, settle, stopAll };
