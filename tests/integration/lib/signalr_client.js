'use strict';
// The stock @microsoft/signalr client in its own process (so NODE_EXTRA_CA_CERTS, read at start-up, decides
// which certificate it trusts): connects to argv[2] over transport argv[3], invokes Echo and
// GetActiveTransportName, stops, and prints one JSON line: {ok, echo, transport} or {ok: false, error}.
const tls = require('node:tls');
const signalR = require('@microsoft/signalr');

// fetch() hides why TLS failed ("fetch failed"): ask the TLS layer directly, with the same trust.
function tlsReason(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port) }, () => { s.destroy(); resolve('tls ok'); });
    s.on('error', (e) => resolve(`${e.code || ''} ${e.message}`));
  });
}

async function main() {
  const [url, transportName] = process.argv.slice(2);
  const c = new signalR.HubConnectionBuilder()
    .withUrl(url, { transport: signalR.HttpTransportType[transportName] })
    .configureLogging(signalR.LogLevel.None).build();
  try {
    await c.start();
    const echo = await c.invoke('Echo', 'over tls');
    const transport = await c.invoke('GetActiveTransportName');
    await c.stop();
    console.log(JSON.stringify({ ok: true, echo, transport }));
  } catch (e) {
    const error = String(e && (e.message || e));
    const reason = url.startsWith('https') ? await tlsReason(url) : '';
    console.log(JSON.stringify({ ok: false, error: `${error} [${reason}]` }));
  }
}
main().then(() => process.exit(0));
