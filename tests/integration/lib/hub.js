'use strict';
// Helpers for process-level tests of build/bin/conformance-hub: start/stop it, HTTP, raw WebSocket hub
// connections (the `ws` package, so a test can also write raw bytes to the socket), and /metrics samples.
const net = require('node:net');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { spawn } = require('node:child_process');
let WebSocket;
try {
  WebSocket = require('ws');
} catch {
  throw new Error(`the 'ws' package is missing in ${path.dirname(__dirname)}: run 'bash .ci/install-deps' (or npm ci there)`);
}

const BIN = process.env.ACTORHUB_BIN || path.resolve(__dirname, '../../../build/bin');
const HUB_EXE = path.join(BIN, 'conformance-hub');
const RS = '\x1e';
const children = new Set();

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms); });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// Polls an observable condition (a value only visible over HTTP, e.g. a gauge) until it holds.
async function eventually(fn, ms, what) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timeout after ${ms} ms: ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Ports this test process has handed out. A port is free when probed but only taken when the server under test
// binds it, so two probes in a row can return the same one; no port is handed out twice.
const handedOut = new Set();

// True (and the port recorded as handed out) when `port` can be bound on 127.0.0.1 right now.
function claimPort(port) {
  if (port !== 0 && handedOut.has(port)) return Promise.resolve(0);
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(0));
    srv.listen(port, '127.0.0.1', () => {
      const got = srv.address().port;
      srv.close(() => {
        if (handedOut.has(got)) return resolve(0);
        handedOut.add(got);
        resolve(got);
      });
    });
  });
}

async function freePort() {
  for (let i = 0; i < 100; ++i) {
    const port = await claimPort(0);
    if (port) return port;
  }
  throw new Error('no free port');
}

// A port held open by this process (to provoke "port in use").
function occupiedPort() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => resolve({ port: srv.address().port, close: () => new Promise((r) => srv.close(r)) }));
  });
}

// `ca`: PEM of the certificate to trust for https URLs; `insecure`: accept any certificate (expired ones).
function request(method, url, { headers = {}, body, timeout = 5000, ca, insecure = false } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request({ method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers, agent: false,
      ...(ca ? { ca } : {}), ...(insecure ? { rejectUnauthorized: false } : {}) },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Runs the hub to completion; resolves {code, signal, stderr, stdout, ms, timedOut}.
function runHub(args, { timeout = 5000 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const proc = spawn(HUB_EXE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; proc.kill('SIGKILL'); }, timeout);
    proc.on('error', (e) => { clearTimeout(timer); resolve({ code: null, signal: null, stdout, stderr: String(e), timedOut, ms: Date.now() - t0 }); });
    proc.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - t0 }); });
  });
}

// Starts a hub on free ports and waits until /healthz answers 200. `wrap`: a command that execs the hub with
// the arguments it is given (e.g. bash -c 'ulimit -n 256 && exec "$0" "$@"'), so the PID is still the hub's.
// `tls`: {cert, key, ca, insecure} file names and the PEM to trust (insecure: accept any certificate while
// waiting for /healthz): the hub serves https/wss (hub.base is https://...).
async function startHub({ metrics = false, args = [], wrap = [], tls } = {}) {
  const port = await freePort();
  const metricsPort = metrics ? await freePort() : null;
  const all = ['--http', `127.0.0.1:${port}`, '--name', `it-${process.pid}-${port}`, ...args];
  if (metrics) all.push('--metrics', `127.0.0.1:${metricsPort}`);
  if (tls) all.push('--tls-cert', tls.cert, '--tls-key', tls.key);
  const proc = wrap.length ? spawn(wrap[0], [...wrap.slice(1), HUB_EXE, ...all], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(HUB_EXE, all, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const hub = { proc, port, metricsPort, base: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, exited, log: () => log,
    alive: () => proc.exitCode === null && proc.signalCode === null };
  children.add(hub);
  exited.then(() => children.delete(hub));
  await eventually(async () => {
    if (!hub.alive()) throw new Error(`conformance-hub exited early: ${log}`);
    return (await request('GET', `${hub.base}/healthz`, { timeout: 1000, ca: tls && tls.ca, insecure: !!(tls && tls.insecure) })).status === 200;
  }, 20000, 'conformance-hub /healthz');
  return hub;
}

async function stopAll() {
  await Promise.all([...children].map((h) => { h.proc.kill('SIGKILL'); return withTimeout(h.exited, 5000, 'kill').catch(() => {}); }));
}

// A raw hub connection over WebSocket: JSON messages in, parsed messages out.
class RawHub {
  constructor(ws) {
    this.ws = ws;
    this.messages = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      resolve(this.closeInfo);
      this.notify();
    }));
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        for (const part of data.toString().split(RS)) {
          if (part === '') continue;
          try { this.messages.push(JSON.parse(part)); } catch { this.messages.push({ unparsable: part }); }
        }
      }
      this.notify();
    });
  }

  static open(url, { timeout = 5000, ca } = {}) {
    return withTimeout(new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, ...(ca ? { ca } : {}) });
      const raw = new RawHub(ws);
      ws.once('open', () => resolve(raw));
      ws.once('unexpected-response', (req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    }), timeout, `open ${url}`);
  }

  // negotiate + WebSocket + handshake (unless handshake === null).
  static async connect(base, hubPath = '/testhub', { handshake = { protocol: 'json', version: 1 }, ca } = {}) {
    const n = await request('POST', `${base}${hubPath}/negotiate?negotiateVersion=1`, { body: '', ca });
    if (n.status !== 200) throw new Error(`negotiate: HTTP ${n.status} ${n.text}`);
    const { connectionToken } = JSON.parse(n.text);
    const raw = await RawHub.open(`${base.replace(/^http/, 'ws')}${hubPath}?id=${encodeURIComponent(connectionToken)}`, { ca });
    if (handshake) {
      raw.sendText(JSON.stringify(handshake) + RS);
      const reply = await raw.next();
      if (JSON.stringify(reply) !== '{}') throw new Error(`handshake answered ${JSON.stringify(reply)}`);
    }
    return raw;
  }

  notify() {
    for (const w of [...this.waiters]) {
      const found = this.messages.slice(w.from).find(w.pred);
      if (found) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(found); }
      else if (this.closeInfo) { this.waiters.splice(this.waiters.indexOf(w), 1); w.reject(new Error(`closed (${this.closeInfo.code}) before the expected message`)); }
    }
  }

  next(pred = () => true, ms = 5000, from = 0) {
    return withTimeout(new Promise((resolve, reject) => { this.waiters.push({ pred, resolve, reject, from }); this.notify(); }), ms, 'hub message');
  }

  sendText(s) { this.ws.send(s); }
  send(obj) { this.ws.send(JSON.stringify(obj) + RS); }
  // Bytes straight onto the TCP socket, bypassing WebSocket framing.
  writeRaw(buf) { this.ws._socket.write(buf); }

  async invoke(target, args, ms = 5000) {
    const invocationId = String(Math.floor(Math.random() * 1e9));
    const from = this.messages.length;
    this.send({ type: 1, invocationId, target, arguments: args });
    return this.next((m) => m.type === 3 && m.invocationId === invocationId, ms, from);
  }

  isOpen() { return this.ws.readyState === WebSocket.OPEN; }
  terminate() { try { this.ws.terminate(); } catch { /* gone */ } }
}

// Prometheus text: value of the first sample `name{...}` whose labels include all of `labels`.
function sample(text, name, labels = {}) {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = {};
    for (const l of (m[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have[l[1]] = l[2];
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function scrape(hub) {
  const r = await request('GET', `http://127.0.0.1:${hub.metricsPort}/metrics`);
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return r;
}

module.exports = { BIN, HUB_EXE, RS, withTimeout, eventually, freePort, claimPort, occupiedPort, request, runHub, startHub, stopAll,
  RawHub, sample, scrape };
