'use strict';
// NOT a baseline: a minimal SignalR JSON endpoint (negotiate, WebSocket, handshake, Echo / SendToAll / JoinGroup /
// SendToGroup, Ping) for checking actorhub-bench's SignalR code path without building actorhub.
// Usage: node signalr-stub.js --port PORT [--host 127.0.0.1]; hub path /testhub.
const http = require('http');
const crypto = require('crypto');
const { WebSocketServer } = require('ws');
const { parseArgs, listenAndAnnounce } = require('./common');

const args = parseArgs(process.argv.slice(2));
const tokens = new Set();
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/testhub/negotiate')) {
    const token = crypto.randomBytes(12).toString('base64url');
    tokens.add(token);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ negotiateVersion: 1, connectionId: 'c' + token, connectionToken: token,
      availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }] }));
  }
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 32768 });
server.on('upgrade', (req, socket, head) => {
  const u = new URL(req.url, 'http://x');
  const id = u.searchParams.get('id');
  if (u.pathname !== '/testhub' || (id !== null && !tokens.delete(id))) {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
});
const groups = new Map();
const all = new Set();
const rec = (m) => JSON.stringify(m) + '\x1e';
function sendTo(set, payload) {
  const data = Buffer.from(rec({ type: 1, target: 'Send', arguments: [payload] }));
  for (const c of set) c.send(data, { binary: false });
}
wss.on('connection', (ws) => {
  let handshaken = false;
  ws.groups = new Set();
  const ping = setInterval(() => ws.send(rec({ type: 6 })), 15000);
  ws.on('message', (raw) => {
    for (const part of raw.toString().split('\x1e')) {
      if (!part) continue;
      const m = JSON.parse(part);
      if (!handshaken) { handshaken = true; all.add(ws); ws.send('{}\x1e'); continue; }
      if (m.type !== 1) continue;
      const a = m.arguments;
      let result = null;
      if (m.target === 'Echo') result = a[0];
      else if (m.target === 'SendToAll') sendTo(all, a[0]);
      else if (m.target === 'JoinGroup') { if (!groups.has(a[0])) groups.set(a[0], new Set()); groups.get(a[0]).add(ws); ws.groups.add(a[0]); }
      else if (m.target === 'SendToGroup') { const g = groups.get(a[0]); if (g) sendTo(g, a[1]); }
      if (m.invocationId !== undefined) ws.send(rec({ type: 3, invocationId: m.invocationId, result }));
    }
  });
  ws.on('close', () => { clearInterval(ping); all.delete(ws); for (const g of ws.groups) groups.get(g)?.delete(ws); });
  ws.on('error', () => {});
});
listenAndAnnounce(server, args, 'signalr-stub');
