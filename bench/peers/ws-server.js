'use strict';
// Baseline for bench/run: npm `ws` serving the test hub's Echo / SendToAll / JoinGroup / SendToGroup with the
// SignalR JSON message shapes (one message per WebSocket text frame, no negotiate, no handshake, no 0x1E), so a
// frame carries the same bytes as actorhub's JSON protocol. Usage: node ws-server.js --port PORT [--host 127.0.0.1]
const http = require('http');
const { WebSocketServer } = require('ws');
const { parseArgs, listenAndAnnounce } = require('./common');

const args = parseArgs(process.argv.slice(2));
const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({ server, maxPayload: 32768, perMessageDeflate: false });
const groups = new Map(); // group name -> Set<WebSocket>

function completion(id, result) {
  return JSON.stringify(result === undefined ? { type: 3, invocationId: id } : { type: 3, invocationId: id, result });
}
// Encode once, send the same bytes to every recipient (as actorhub does).
function sendMessage(payload) { return Buffer.from(JSON.stringify({ type: 1, target: 'Send', arguments: [payload] })); }
function sendTo(clients, data) { for (const c of clients) if (c.readyState === 1) c.send(data, { binary: false }); }

wss.on('connection', (ws) => {
  ws.groups = new Set();
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return ws.close(1003, 'text only');
    let m;
    try { m = JSON.parse(raw); } catch (e) { return ws.close(1007, 'bad json'); }
    if (m.type === 6) return; // ping
    if (m.type !== 1 || typeof m.target !== 'string' || !Array.isArray(m.arguments)) return ws.close(1008, 'bad message');
    const a = m.arguments;
    let result;
    switch (m.target) {
      case 'Echo': result = a[0]; break;
      case 'SendToAll': sendTo(wss.clients, sendMessage(a[0])); break;
      case 'JoinGroup': {
        let g = groups.get(a[0]);
        if (!g) groups.set(a[0], g = new Set());
        g.add(ws); ws.groups.add(a[0]);
        break;
      }
      case 'SendToGroup': {
        const g = groups.get(a[0]);
        if (g) sendTo(g, sendMessage(a[1]));
        break;
      }
      default:
        if (m.invocationId !== undefined) ws.send(JSON.stringify({ type: 3, invocationId: m.invocationId, error: `Unknown method ${m.target}` }));
        return;
    }
    if (m.invocationId !== undefined) ws.send(completion(m.invocationId, result === undefined ? null : result));
  });
  ws.on('close', () => {
    for (const name of ws.groups) { const g = groups.get(name); if (g) { g.delete(ws); if (!g.size) groups.delete(name); } }
  });
  ws.on('error', () => {});
});

listenAndAnnounce(server, args, 'ws');
