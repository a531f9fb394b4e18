'use strict';
// Baseline for bench/run: socket.io (engine.io v4, WebSocket transport) serving Echo / SendToAll / JoinGroup /
// SendToGroup as events with acknowledgements: "42<ack>[\"Echo\",payload]" -> "43<ack>[payload]",
// broadcast as "42[\"Send\",payload]". Usage: node socketio-server.js --port PORT [--host 127.0.0.1]
const http = require('http');
const { Server } = require('socket.io');
const { parseArgs, listenAndAnnounce } = require('./common');

const args = parseArgs(process.argv.slice(2));
const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 32768,
  pingInterval: 25000,
  pingTimeout: 20000,
});

io.on('connection', (socket) => {
  socket.on('Echo', (payload, ack) => { if (typeof ack === 'function') ack(payload); });
  socket.on('SendToAll', (payload, ack) => { io.emit('Send', payload); if (typeof ack === 'function') ack(); });
  socket.on('JoinGroup', (group, ack) => { socket.join(String(group)); if (typeof ack === 'function') ack(); });
  socket.on('SendToGroup', (group, payload, ack) => {
    io.to(String(group)).emit('Send', payload);
    if (typeof ack === 'function') ack();
  });
});

listenAndAnnounce(server, args, 'socketio');
