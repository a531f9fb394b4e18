'use strict';
// Browser test of examples/cluster: `run` starts three nodes and nginx (round robin, no affinity); three
// Chromium tabs per transport chat through nginx, their connections held by different nodes (the footer names
// each tab's node), and every tab shows a message exactly once. Then `run` is stopped by its PID and every
// address it served must be closed. Skipped only when nginx is not installed.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { chromium } = require(path.resolve(__dirname, '../../chat/node_modules/playwright-core'));

const ROOT = path.resolve(__dirname, '../../..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const NGINX = ['/usr/sbin/nginx', ...(process.env.PATH || '').split(':').map((d) => path.join(d, 'nginx'))]
  .find((p) => { try { fs.accessSync(p, fs.constants.X_OK); return true; } catch { return false; } });
const skip = NGINX ? false : 'nginx is not installed (apt-get install nginx, or bash .ci/install-deps)';

let run;         // the run script
let runOut = '';
let ports;
let base;
let browser;

// A port free right now and not returned before: a probed port stays free until the server binds it, so two
// probes in a row may see the same one.
const handedOut = new Set();
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.on('error', reject);
      s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    });
    if (!handedOut.has(port)) { handedOut.add(port); return port; }
  }
}

const refused = (host, port) => new Promise((resolve) => {
  const s = net.connect(port, host);
  s.on('connect', () => { s.destroy(); resolve(false); });
  s.on('error', () => resolve(true));
});

before(async () => {
  if (!NGINX) return;
  ports = { PORT: await freePort(), NODE_HTTP: await freePort(), NODE_PORT: await freePort(), METRICS: await freePort() };
  const env = { ...process.env, NGINX, BIN: process.env.ACTORHUB_BIN || path.join(ROOT, 'build/bin') };
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  run = spawn(path.join(ROOT, 'examples/cluster/run'), [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => run.on('exit', (code, signal) => resolve({ code, signal })));
  run.exited = exited;
  run.stderr.on('data', (d) => { runOut += d; });
  base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run printed no URL within 30 s: ${runOut}`)), 30000);
    run.stdout.on('data', (d) => {
      runOut += d;
      const m = /cluster chat: (http:\/\/\S+\/)/.exec(runOut);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`run exited (${code}): ${runOut}`)); });
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 30000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'] });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (run && run.exitCode === null && run.signalCode === null) {
    run.kill('SIGTERM');
    const t = setTimeout(() => run.kill('SIGKILL'), 10000);
    await run.exited;
    clearTimeout(t);
  }
  // run keeps its directory (logs, nginx's files) for a person to read; a test leaves nothing behind.
  const dir = /logs in (\S*\/actorhub-cluster\.[A-Za-z0-9]+)/.exec(runOut);
  if (dir) fs.rmSync(dir[1], { recursive: true, force: true });
});

async function openTab(transport) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  await page.goto(`${base}/?transport=${transport}`);
  await page.locator('body[data-state="connected"]').waitFor({ timeout: 15000 }).catch(async (e) => {
    throw new Error(`page did not connect over ${transport}: ${e.message}\n${problems.join('\n')}\n` +
      `${await page.locator('#messages').innerText()}`);
  });
  await page.waitForFunction(() => document.getElementById('server').textContent.includes('served by'), null,
    { timeout: 5000 });
  return { page, context, problems };
}

for (const transport of ['ws', 'sse', 'lp']) {
  test(`[${transport}] three tabs on different nodes chat through nginx`, { skip, timeout: 60000 }, async () => {
    const tabs = [];
    try {
      for (let i = 0; i < 3; i++) tabs.push(await openTab(transport));
      const nodes = await Promise.all(tabs.map((t) => t.page.locator('#server').textContent()));
      for (const n of nodes) assert.match(n, /served by node-[123]$/);
      assert.ok(new Set(nodes).size >= 2, `the tabs' connections are spread over nodes: ${nodes}`);
      const text = `hello over ${transport} ${Date.now()}`;
      await tabs[0].page.fill('#name', 'ann');
      await tabs[0].page.fill('#message', text);
      await tabs[0].page.click('#send button[type="submit"]');
      for (const t of tabs) await t.page.locator('#messages li', { hasText: text }).first().waitFor({ timeout: 10000 });
      await tabs[0].page.waitForTimeout(200);  // room for a duplicate to show up
      for (const t of tabs) assert.equal(await t.page.locator('#messages li', { hasText: text }).count(), 1);
      assert.deepEqual(tabs.flatMap((t) => t.problems), []);
    } finally {
      for (const t of tabs) await t.context.close();
    }
  });
}

test('stopping run stops nginx and every node', { skip, timeout: 30000 }, async () => {
  run.kill('SIGTERM');
  const { code, signal } = await run.exited;
  assert.ok(code !== null || signal !== null, runOut);
  assert.match(runOut, /cluster: stopped/);
  assert.ok(await refused('127.0.0.1', ports.PORT), 'nginx is gone');
  for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
    assert.ok(await refused(host, ports.NODE_HTTP), `the node on ${host} is gone`);
    assert.ok(await refused(host, ports.NODE_PORT), `the node port on ${host} is closed`);
  }
});
