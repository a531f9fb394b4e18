'use strict';
// Shared flag parsing and start-up for the baseline servers: loopback only, prints "listening PORT" once ready,
// exits on SIGTERM/SIGINT.
function parseArgs(argv) {
  const out = { host: '127.0.0.1', port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    if (k === '--port') { out.port = Number(v); i++; }
    else if (k === '--host') { out.host = v; i++; }
    else { console.error(`unknown flag ${k}`); process.exit(2); }
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) { console.error('bad --port'); process.exit(2); }
  if (!/^127\.|^localhost$|^::1$/.test(out.host)) { console.error('loopback hosts only'); process.exit(2); }
  return out;
}

function listenAndAnnounce(server, args, name) {
  server.on('error', (e) => { console.error(`${name}: ${e.message}`); process.exit(1); });
  server.listen(args.port, args.host, () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
  const stop = () => { server.close(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { parseArgs, listenAndAnnounce };
