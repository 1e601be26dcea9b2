'use strict';
// guestbook: a page listing the latest entries with a form to add one.
// Entries live in Redis (a list, newest first), so any number of replicas
// serve the same book. No npm dependencies: Node's standard library and
// the small RESP client in redis.js.
//   GET  /         the page
//   POST /         adds an entry (form fields name, message), then back to /
//   GET  /healthz  200 while the process serves (liveness)
//   GET  /readyz   200 when Redis answers PING, else 503 (readiness)

const http = require('node:http');
const { Redis } = require('./redis');

const port = Number(process.env.PORT || 8080);
const key = 'guestbook:entries';
const keep = 100; // entries kept; older ones are trimmed
const redis = new Redis({ host: process.env.REDIS_HOST || 'localhost', port: Number(process.env.REDIS_PORT || 6379) });

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(entries, error) {
  const items = entries.map((e) => `<li><b>${escape(e.name)}</b> <small>${escape(e.at)}</small><br>${escape(e.message)}</li>`).join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Guestbook</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}li{margin:.6em 0}</style></head>
<body><h1>Guestbook</h1>
${error ? `<p style="color:#b00">${escape(error)}</p>` : ''}
<form method="post" action="/">
<input name="name" placeholder="Your name" maxlength="40" required>
<input name="message" placeholder="Message" maxlength="280" size="40" required>
<button>Sign</button>
</form>
<ul>
${items || '<li>No entries yet: be the first.</li>'}
</ul>
<p><small>served by ${escape(process.env.HOSTNAME || 'guestbook')}</small></p>
</body></html>
`;
}

function readForm(req, limit = 4096) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      data += chunk;
      if (data.length > limit) {
        // Answer 413 and discard the rest of the body.
        reject(new Error('entry too long'));
        req.removeAllListeners('data');
        req.resume();
      }
    });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

async function list() {
  const raw = await redis.command('LRANGE', key, 0, 49);
  return raw.map((s) => {
    try {
      return JSON.parse(s);
    } catch {
      return { name: '?', message: s, at: '' };
    }
  });
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

async function handle(req, res) {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (pathname === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
  if (pathname === '/readyz') {
    try {
      await redis.command('PING');
      return send(res, 200, 'text/plain', 'ok\n');
    } catch (err) {
      return send(res, 503, 'text/plain', `not ready: ${err.message}\n`);
    }
  }
  if (pathname !== '/') return send(res, 404, 'text/plain', 'not found\n');
  if (req.method === 'POST') {
    let form;
    try {
      form = await readForm(req);
    } catch (err) {
      return send(res, 413, 'text/plain', `${err.message}\n`);
    }
    const name = (form.get('name') || '').trim().slice(0, 40);
    const message = (form.get('message') || '').trim().slice(0, 280);
    if (!name || !message) return send(res, 400, 'text/html; charset=utf-8', page(await list(), 'Both a name and a message, please.'));
    await redis.command('LPUSH', key, JSON.stringify({ name, message, at: new Date().toISOString() }));
    await redis.command('LTRIM', key, 0, keep - 1);
    res.writeHead(303, { location: '/' });
    return res.end();
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET or POST\n');
  send(res, 200, 'text/html; charset=utf-8', page(await list()));
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(`${req.method} ${req.url}: ${err.message}`);
    if (!res.headersSent) send(res, 503, 'text/plain', `the guestbook cannot reach its storage: ${err.message}\n`);
    else res.end();
  });
});

server.listen(port, () => console.log(`guestbook listening on port ${port}, Redis at ${redis.host}:${redis.port}`));
process.on('SIGTERM', () => server.close(() => {
  redis.close();
  process.exit(0);
}));
