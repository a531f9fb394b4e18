'use strict';
// Broadcast to C receivers over one SignalR transport (WebSockets, ServerSentEvents or LongPolling), JSON
// protocol, and report the server's CPU time per delivered message (read from /proc/PID/stat).
// actorhub-bench covers WebSockets in depth; this small client exists to compare the three transports.
//   node bench/transports/broadcast.js --url http://127.0.0.1:5000/testhub --pid PID \
//        --transport sse|lp|ws -c 1000 -m 100 --rate 100
// Receivers are plain HTTP (SSE stream / poll loop) or `ws` clients; the sender is a WebSocket invoking
// SendToAll. Prints one JSON line.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const WebSocket = require(path.join(__dirname, '..', 'peers', 'node_modules', 'ws'));

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('-') ? acc.concat([[a.replace(/^-+/, ''), all[i + 1]]]) : acc), []));
const url = new URL(args.url || 'http://127.0.0.1:5000/testhub');
const transport = args.transport || 'sse';
const C = Number(args.c || 1000);
const M = Number(args.m || 100);
const rate = Number(args.rate || 100);
const pid = Number(args.pid);
const RS = '\x1e';
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function req(method, p, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request({ method, host: url.hostname, port: url.port, path: p, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    r.on('error', reject);
    if (body !== undefined) r.write(body);
    r.end();
  });
}
const cpu = () => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };

let delivered = 0;
const count = (text) => { for (const rec of text.split(RS)) if (rec.includes('"target":"Send"')) delivered += 1; };

async function negotiate() {
  const n = JSON.parse((await req('POST', `${url.pathname}/negotiate?negotiateVersion=1`, { body: '' })).text);
  return n.connectionToken;
}
const handshake = JSON.stringify({ protocol: 'json', version: 1 }) + RS;

async function sseReceiver() {
  const id = await negotiate();
  await new Promise((resolve, reject) => {
    const r = http.get({ host: url.hostname, port: url.port, path: `${url.pathname}?id=${id}`, headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d) => count(d));
      resolve();
    });
    r.on('error', reject);
  });
  await req('POST', `${url.pathname}?id=${id}`, { body: handshake });
}

async function lpReceiver() {
  const id = await negotiate();
  await req('GET', `${url.pathname}?id=${id}`);  // first poll returns at once
  await req('POST', `${url.pathname}?id=${id}`, { body: handshake });
  (async function poll() {
    for (;;) {
      const r = await req('GET', `${url.pathname}?id=${id}`).catch(() => ({ status: 0 }));
      if (r.status !== 200) return;
      count(r.text);
    }
  })();
}

function wsConnect() {
  return negotiate().then((id) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${url.host}${url.pathname}?id=${id}`);
    ws.on('open', () => { ws.send(handshake); resolve(ws); });
    ws.on('message', (d) => count(d.toString()));
    ws.on('error', reject);
  }));
}

(async () => {
  const make = { sse: sseReceiver, lp: lpReceiver, ws: wsConnect }[transport];
  for (let i = 0; i < C; i += 50) await Promise.all(Array.from({ length: Math.min(50, C - i) }, () => make()));
  const sender = await wsConnect();
  await new Promise((r) => setTimeout(r, 1000));
  delivered = 0;
  const payload = 'x'.repeat(64);
  const c0 = cpu();
  const t0 = Date.now();
  for (let i = 0; i < M; i++) {
    sender.send(JSON.stringify({ type: 1, target: 'SendToAll', arguments: [payload] }) + RS);
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  const expected = M * (C + 1);  // the sender receives its own broadcast too
  const end = Date.now() + 20000;
  while (delivered < expected && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  const c1 = cpu();
  const seconds = (Date.now() - t0) / 1000;
  console.log(JSON.stringify({ transport, connections: C, messages: M, expected, delivered, lost: expected - delivered,
    seconds, server_cpu_s: +(c1 - c0).toFixed(2), cpu_us_per_delivery: +(((c1 - c0) * 1e6) / Math.max(1, delivered)).toFixed(2) }));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
