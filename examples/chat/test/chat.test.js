'use strict';
// Browser test of the chat example: build/bin/chat-server serves web/, two Chromium pages (Debian's
// /usr/bin/chromium driven by playwright-core) chat both ways, once per transport in ACTORHUB_CHAT_TRANSPORTS.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { chromium } = require('playwright-core');

const BIN = process.env.ACTORHUB_BIN || path.resolve(__dirname, '../../../build/bin');
const WEB = process.env.ACTORHUB_CHAT_WEB || path.resolve(__dirname, '../web');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TRANSPORTS = (process.env.ACTORHUB_CHAT_TRANSPORTS || 'ws').split(/[\s,;]+/).filter(Boolean);
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server;
let serverLog = '';
let base;
let browser;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB, 'vendor/signalr.min.js')),
    `${WEB}/vendor/signalr.min.js is missing: build the chat-web target (it copies the npm bundle)`);
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (bash .ci/install-deps)`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(path.join(BIN, 'chat-server'), ['--http', `127.0.0.1:${port}`, '--web', WEB], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  const deadline = Date.now() + 20000;
  while (await get(`${base}/`) !== 200) {
    assert.equal(server.exitCode, null, `chat-server exited: ${serverLog}`);
    assert.ok(Date.now() < deadline, `chat-server did not serve / within 20 s: ${serverLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 30000 });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => { server.once('exit', r); setTimeout(r, 5000).unref(); });
    if (server.exitCode === null) server.kill('SIGKILL');
  }
});

// A fresh browser context per user: separate storage, like two people.
async function openChat(transport, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  await page.goto(`${base}/?transport=${transport}`);
  await page.locator('body[data-state="connected"]').waitFor({ timeout: 15000 }).catch(async (e) => {
    throw new Error(`${name}: page did not connect over ${transport}: ${e.message}\n` +
      `status: ${await page.locator('#status').textContent()}\n${problems.join('\n')}\n${await page.locator('#messages').innerText()}`);
  });
  assert.equal(await page.locator('body').getAttribute('data-transport'), transport);
  await page.fill('#name', name);
  return { page, context, problems };
}

async function say(user, text) {
  await user.page.fill('#message', text);
  await user.page.click('#send button[type="submit"]');
}

async function sees(user, name, text) {
  await user.page.locator('#messages li', { hasText: text }).filter({ hasText: name }).first().waitFor({ timeout: 10000 });
}

for (const transport of TRANSPORTS) {
  test(`[${transport}] two pages chat both ways`, { timeout: 60000 }, async () => {
    const alice = await openChat(transport, 'alice');
    const bob = await openChat(transport, 'bob');
    try {
      const hello = `hello bob over ${transport} ${Date.now()}`;
      await say(alice, hello);
      await sees(bob, 'alice', hello);
      await sees(alice, 'alice', hello);  // the sender gets its own message too (ReceiveMessage goes to all)

      const reply = `hi alice <b>not bold</b> ${Date.now()}`;
      await say(bob, reply);
      await sees(alice, 'bob', reply);
      // Messages are shown as text, never as HTML.
      assert.equal(await alice.page.locator('#messages li b').count(), 0);
      assert.deepEqual([...alice.problems, ...bob.problems], []);
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });
}
