'use strict';
// Baseline for bench/run: uWebSockets.js (npm `uwebsockets`, a prebuilt repackaging, see package.json) serving the
// test hub's Echo / SendToAll / JoinGroup / SendToGroup with exactly the wire of ws-server.js: the SignalR JSON
// shapes, one message per WebSocket text frame, no negotiate, no handshake, no 0x1E. Broadcast and groups use
// uWS's own pub/sub (topic "all", topic "g/<name>"), which encodes a message once and writes it to every
// subscriber in C++. Usage: node uws-server.js --port PORT [--host 127.0.0.1]
const uWS = require('uwebsockets');
const { parseArgs } = require('./common');

const args = parseArgs(process.argv.slice(2));
const decoder = new TextDecoder();

function completion(id, result) {
  return JSON.stringify(result === undefined ? { type: 3, invocationId: id } : { type: 3, invocationId: id, result });
}
// Encoded once per send; uWS copies it into each subscriber's socket (as ws-server.js and actorhub share it).
function sendMessage(payload) { return JSON.stringify({ type: 1, target: 'Send', arguments: [payload] }); }

const app = uWS.App();
app.ws('/*', {
  compression: uWS.DISABLED,
  maxPayloadLength: 32768,
  // ws and socket.io queue without limit for a slow reader; uWS's default (64 KiB) would skip such a receiver
  // in publish() and show up as loss under an unpaced broadcast. 256 MiB keeps the comparison about CPU.
  maxBackpressure: 256 * 1024 * 1024,
  closeOnBackpressureLimit: false,
  // Like ws-server.js: no server pings and no idle timeout (the bench sends its own keep-alives).
  idleTimeout: 0,
  sendPingsAutomatically: false,
  open: (ws) => { ws.subscribe('all'); },
  message: (ws, raw, isBinary) => {
    if (isBinary) return ws.end(1003, 'text only');
    let m;
    try { m = JSON.parse(decoder.decode(raw)); } catch (e) { return ws.end(1007, 'bad json'); }
    if (m.type === 6) return; // ping
    if (m.type !== 1 || typeof m.target !== 'string' || !Array.isArray(m.arguments)) return ws.end(1008, 'bad message');
    const a = m.arguments;
    let result;
    switch (m.target) {
      case 'Echo': result = a[0]; break;
      case 'SendToAll': app.publish('all', sendMessage(a[0]), false); break;
      case 'JoinGroup': ws.subscribe('g/' + a[0]); break;
      case 'SendToGroup': app.publish('g/' + a[0], sendMessage(a[1]), false); break;
      default:
        if (m.invocationId !== undefined) ws.send(JSON.stringify({ type: 3, invocationId: m.invocationId, error: `Unknown method ${m.target}` }), false);
        return;
    }
    if (m.invocationId !== undefined) ws.send(completion(m.invocationId, result === undefined ? null : result), false);
  },
  // Topics are left on close by uWS itself.
});
// Anything else (bench/run's readiness probe GET /healthz included) gets a 404, as from the other peers.
app.any('/*', (res) => { res.writeStatus('404 Not Found').end(); });

let listenSocket = null;
app.listen(args.host, args.port, (s) => {
  if (!s) { console.error(`uws: cannot listen on ${args.host}:${args.port}`); process.exit(1); }
  listenSocket = s;
  process.stdout.write(`listening ${uWS.us_socket_local_port(s)}\n`);
});
const stop = () => { if (listenSocket) uWS.us_listen_socket_close(listenSocket); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
