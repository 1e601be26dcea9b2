'use strict';
// web-api: the public face of the recipes app, with no dependencies. It asks
// recipe-api for a recipe and adds who served it.
//   GET /        recipe 42 fetched from http://$TARGET/recipes/42
//   GET /health  200 while the process can serve
// TARGET is the host (and optional :port) of recipe-api; in the cluster it is
// the Service name, reached through the Service's port 80.

const http = require('node:http');
const os = require('node:os');

const port = Number(process.env.PORT || 8080);
const target = process.env.TARGET || 'localhost:8081';

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET') return send(res, 405, { error: 'only GET' });
  if (pathname === '/health') return send(res, 200, { status: 'ok' });
  if (pathname !== '/') return send(res, 404, { error: 'not found' });
  try {
    const r = await fetch(`http://${target}/recipes/42`, { signal: AbortSignal.timeout(3000) });
    if (!r.ok) throw new Error(`recipe-api answered ${r.status}`);
    send(res, 200, { consumer: os.hostname(), producer_data: await r.json() });
  } catch (err) {
    send(res, 502, { error: `cannot reach recipe-api at ${target}: ${err.message}` });
  }
});

server.listen(port, () => console.log(`web-api listening on port ${port}, recipe-api at ${target}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
