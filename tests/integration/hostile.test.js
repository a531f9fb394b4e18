'use strict';
// Hostile input (CONTRACT §1, §3): each kind of bad input closes only the offending connection; the process
// keeps running and another connection keeps working.
const { test, before, after } = require('node:test');
const net = require('node:net');
const crypto = require('node:crypto');
const assert = require('node:assert/strict');
const h = require('./lib/hub');

let hub;
let witness;
before(async () => {
  hub = await h.startHub();
  witness = await h.RawHub.connect(hub.base);
});
after(h.stopAll);

async function assertOthersUnaffected(label) {
  assert.ok(hub.alive(), `${label}: the hub process died\n${hub.log()}`);
  assert.ok(witness.isOpen(), `${label}: the witness connection was closed`);
  const word = `${label} ${crypto.randomBytes(3).toString('hex')}`;
  assert.equal((await witness.invoke('Echo', [word])).result, word, `${label}: witness echo`);
  const fresh = await h.RawHub.connect(hub.base);
  assert.equal((await fresh.invoke('Echo', ['fresh'])).result, 'fresh', `${label}: a new connection works`);
  fresh.terminate();
}

// A masked client frame (RFC 6455 §5.2) with any opcode/flags byte, for malformed frames `ws` would never send.
function frame(first, payload, { mask = true, claimedLength } = {}) {
  const len = claimedLength ?? payload.length;
  let header;
  if (len < 126) header = Buffer.from([first, (mask ? 0x80 : 0) | len]);
  else if (len < 65536) { header = Buffer.alloc(4); header[0] = first; header[1] = (mask ? 0x80 : 0) | 126; header.writeUInt16BE(len, 2); }
  else { header = Buffer.alloc(10); header[0] = first; header[1] = (mask ? 0x80 : 0) | 127; header.writeBigUInt64BE(BigInt(len), 2); }
  if (!mask) return Buffer.concat([header, payload]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([header, key, body]);
}

async function expectClosed(raw, label) {
  await h.withTimeout(raw.closed, 5000, `${label}: the server closing the offending connection`);
}

test('garbage bytes instead of a WebSocket frame close only that connection', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base);
  raw.writeRaw(crypto.randomBytes(64).fill(0xff, 0, 1)); // 0xff: FIN + reserved bits + reserved opcode
  await expectClosed(raw, 'garbage frame');
  await assertOthersUnaffected('garbage frame');
});

test('an unmasked client frame closes only that connection', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base);
  raw.writeRaw(frame(0x81, Buffer.from('{"type":6}\x1e'), { mask: false }));
  await expectClosed(raw, 'unmasked frame');
  await assertOthersUnaffected('unmasked frame');
});

test('a frame header claiming an enormous length closes the connection without allocating it', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base);
  raw.writeRaw(frame(0x81, Buffer.from('x'), { claimedLength: 2 ** 40 }));
  await expectClosed(raw, 'huge frame header');
  await assertOthersUnaffected('huge frame header');
});

test('a hub message larger than --max-message-size closes only that connection', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base);
  raw.send({ type: 1, invocationId: '1', target: 'Echo', arguments: ['x'.repeat(40000)] });
  await expectClosed(raw, 'oversize message');
  const completion = raw.messages.find((m) => m.type === 3 && m.invocationId === '1');
  assert.equal(completion, undefined, 'an oversize invocation must not be executed');
  await assertOthersUnaffected('oversize message');
});

test('text without a record separator cannot grow past the message limit', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base);
  for (let i = 0; i < 10 && raw.isOpen(); i++) raw.sendText('{"type":1,"target":"Echo","arguments":["' + 'y'.repeat(8000));
  await expectClosed(raw, 'unterminated record');
  await assertOthersUnaffected('unterminated record');
});

test('a handshake with an unknown protocol gets an error and a close', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base, '/testhub', { handshake: null });
  raw.sendText(JSON.stringify({ protocol: 'carrier-pigeon', version: 1 }) + h.RS);
  const reply = await raw.next();
  assert.equal(typeof reply.error, 'string', `handshake reply ${JSON.stringify(reply)}`);
  await expectClosed(raw, 'bad handshake');
  await assertOthersUnaffected('bad handshake');
});

test('a handshake that is not JSON closes only that connection', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base, '/testhub', { handshake: null });
  raw.sendText('hello, is this SignalR?' + h.RS);
  await expectClosed(raw, 'garbage handshake');
  await assertOthersUnaffected('garbage handshake');
});

test('malformed JSON after the handshake closes only that connection', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base);
  raw.sendText('{"type":1,"target":"Echo","arguments":[' + h.RS);
  await expectClosed(raw, 'malformed JSON');
  const close = raw.messages.find((m) => m.type === 7);
  if (close) assert.equal(typeof close.error, 'string', 'a Close message carries an error');
  await assertOthersUnaffected('malformed JSON');
});

test('binary garbage on a JSON connection closes only that connection', { timeout: 15000 }, async () => {
  const raw = await h.RawHub.connect(hub.base);
  raw.ws.send(Buffer.from([0x00, 0xc1, 0xff, 0xfe, 0x1e]), { binary: true });
  await expectClosed(raw, 'binary garbage');
  await assertOthersUnaffected('binary garbage');
});

function rawHttp(bytes) {
  return new Promise((resolve) => {
    const sock = net.connect(hub.port, '127.0.0.1');
    let reply = '';
    sock.on('data', (d) => { reply += d; });
    sock.on('error', () => {});
    sock.on('close', () => resolve(reply));
    sock.setTimeout(5000, () => sock.destroy());
    sock.write(bytes);
  });
}

test('garbage instead of an HTTP request gets a 4xx or a close, nothing else breaks', { timeout: 15000 }, async () => {
  const reply = await rawHttp('\x16\x03\x01 definitely not HTTP\r\n\r\n');
  assert.ok(reply === '' || /^HTTP\/1\.1 4\d\d/.test(reply), `reply: ${JSON.stringify(reply.slice(0, 80))}`);
  await assertOthersUnaffected('HTTP garbage');
});

test('an oversized HTTP header is refused, nothing else breaks', { timeout: 15000 }, async () => {
  const reply = await rawHttp(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'z'.repeat(256 * 1024)}\r\n\r\n`);
  assert.ok(!/^HTTP\/1\.1 2\d\d/.test(reply), `a 256 KiB header must not be accepted: ${reply.slice(0, 80)}`);
  await assertOthersUnaffected('HTTP header flood');
});

test('a WebSocket upgrade with a bad Sec-WebSocket-Version is refused', { timeout: 15000 }, async () => {
  const reply = await rawHttp('GET /testhub HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n');
  assert.ok(!/^HTTP\/1\.1 101/.test(reply), `upgrade must be refused: ${reply.slice(0, 80)}`);
  await assertOthersUnaffected('bad upgrade');
});

test('after all of that the process still serves /healthz', { timeout: 10000 }, async () => {
  assert.equal((await h.request('GET', `${hub.base}/healthz`)).status, 200);
});
