'use strict';
// Helpers for hosted-mode tests (CONTRACT §7): an actorhub-gateway and conformance-hub app servers linked to it
// (--service), on loopback; the official client through the negotiate redirect or straight to the gateway; tokens
// for clients and the REST API.
const crypto = require('node:crypto');
const path = require('node:path');
const { spawn } = require('node:child_process');
const signalR = require('@microsoft/signalr');
const msgpack = require('@microsoft/signalr-protocol-msgpack');
const h = require('./hub');

const KEY = 'hosted-test-access-key';
const GATEWAY_EXE = path.join(h.BIN, 'actorhub-gateway');
const procs = new Set();

function sign(claims, key = KEY, alg = 'HS256') {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${crypto.createHmac('sha256', key).update(body).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
// A user token for an app server's own negotiate.
const userToken = (user) => sign({ nameid: user, exp: now() + 3600 });
const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

function track(exe, args, name) {
  const proc = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const p = { proc, name, exited, log: () => log, alive: () => proc.exitCode === null && proc.signalCode === null };
  procs.add(p);
  exited.then(() => procs.delete(p));
  return p;
}

async function healthy(p, base, check = () => true) {
  await h.eventually(async () => {
    if (!p.alive()) throw new Error(`${p.name} exited early: ${p.log()}`);
    const r = await h.request('GET', `${base}/healthz`, { timeout: 1000 });
    return r.status === 200 && check(JSON.parse(r.text));
  }, 20000, `${p.name} /healthz`);
}

// `port`: how ports are chosen (h.freePort by default); `extra`: more flags; `name`: process label.
async function startGateway({ httpPort, serverPort, port = h.freePort, extra = [], name = 'gateway' } = {}) {
  httpPort = httpPort || await port();
  serverPort = serverPort || await port();
  const metricsPort = await port();
  const p = track(GATEWAY_EXE, ['--http', `127.0.0.1:${httpPort}`, '--server-port', String(serverPort),
    '--access-key', KEY, '--metrics', `127.0.0.1:${metricsPort}`, ...extra], name);
  Object.assign(p, { httpPort, serverPort, metricsPort, base: `http://127.0.0.1:${httpPort}` });
  await healthy(p, p.base);
  return p;
}

async function servers(gw) {
  return JSON.parse((await h.request('GET', `${gw.base}/healthz`, { timeout: 2000 })).text).servers;
}

async function waitServers(gw, n, ms = 15000) {
  await h.eventually(async () => (await servers(gw)) === n, ms, `${n} app servers on the gateway`);
}

// `wait`: resolve once linked (/healthz 200); otherwise at once (for app servers the gateway must refuse).
async function startApp(gw, name, { key = KEY, port = h.freePort, extra = [], wait = true } = {}) {
  const httpPort = await port();
  const p = track(h.HUB_EXE, ['--http', `127.0.0.1:${httpPort}`, '--name', name, '--access-key', key,
    '--service', `127.0.0.1:${gw.serverPort}`, ...extra], name);
  Object.assign(p, { port: httpPort, base: `http://127.0.0.1:${httpPort}` });
  if (wait) await healthy(p, p.base);
  return p;
}

// A port in [lo, hi] free right now and not handed out before by this process (test files that run in parallel
// are given disjoint ranges).
async function portIn(lo, hi) {
  const span = hi - lo + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; ++i) {
    const candidate = lo + ((start + i) % span);
    if (await h.claimPort(candidate)) return candidate;
  }
  throw new Error(`no free port in ${lo}-${hi}`);
}

const clients = [];
const transports = { ws: signalR.HttpTransportType.WebSockets, sse: signalR.HttpTransportType.ServerSentEvents,
  lp: signalR.HttpTransportType.LongPolling };

// A started official client. `app`: through that app server's negotiate redirect; `gateway` + `token`: straight to
// the gateway's client URL. Records every `Send`.
async function client({ app, gateway, token, hub = 'testhub', user, transport = 'ws', protocol = 'json',
  reconnect = false } = {}) {
  const options = { transport: transports[transport] };
  let url;
  if (app) {
    url = `${app.base}/${hub}`;
    if (user) options.accessTokenFactory = () => userToken(user);
  } else {
    url = `${gateway.base}/client/?hub=${hub}`;
    options.accessTokenFactory = () => token;
  }
  let b = new signalR.HubConnectionBuilder().withUrl(url, options).configureLogging(signalR.LogLevel.None);
  if (protocol === 'msgpack') b = b.withHubProtocol(new msgpack.MessagePackHubProtocol());
  if (reconnect) b = b.withAutomaticReconnect([0, 200, 500, 1000, 1000, 1000, 1000, 1000]);
  const c = b.build();
  c.received = [];
  c.events = [];
  c.on('Send', (m) => c.received.push(m));
  c.closed = new Promise((resolve) => c.onclose((e) => { c.events.push(['close', e]); resolve(e); }));
  c.onreconnecting((e) => c.events.push(['reconnecting', e, Date.now()]));
  c.onreconnected((id) => c.events.push(['reconnected', id, Date.now()]));
  clients.push(c);
  await c.start();
  return c;
}

// A token for the gateway's client URL of `hub`, optionally pinned to an app server by name.
function gatewayToken(gw, hub, { user, pin, aud } = {}) {
  const claims = { aud: aud || `${gw.base}/client/?hub=${hub}`, exp: now() + 3600 };
  if (user) claims.nameid = user;
  if (pin) claims['actorhub.server'] = pin;
  return sign(claims);
}

// A REST API call with a token for exactly its URL (unless `token` is given).
async function rest(gw, method, apiPath, { body, token, query = '' } = {}) {
  const url = `${gw.base}${apiPath}`;
  const t = token === undefined ? sign({ aud: url, exp: now() + 60 }) : token;
  const headers = { 'content-type': 'application/json' };
  if (t) headers.authorization = `Bearer ${t}`;
  return h.request(method, url + query, { headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function stopAll() {
  await Promise.all(clients.map((c) => c.stop().catch(() => {})));
  await Promise.all([...procs].map((p) => {
    try { p.proc.kill('SIGCONT'); } catch { /* gone */ }
    p.proc.kill('SIGKILL');
    return h.withTimeout(p.exited, 5000, 'kill').catch(() => {});
  }));
}

module.exports = { KEY, sign, now, userToken, decode, startGateway, servers, waitServers, startApp, client,
  gatewayToken, rest, stopAll, track, portIn, GATEWAY_EXE };
