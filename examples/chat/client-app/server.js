'use strict';
// client-app: the chat web page, with no dependencies. The browser talks only
// to this app; /api/* is passed on to chat-api at http://$API_HOST:$API_PORT,
// which is reachable inside the cluster only.
//   GET  /               the chat page
//   GET  /api/messages   the messages (from chat-api)
//   POST /api/messages   send one (to chat-api)
//   GET  /health         200 while the process can serve

const http = require('node:http');
const os = require('node:os');

const port = Number(process.env.PORT || 8080);
const api = `http://${process.env.API_HOST || 'localhost'}:${process.env.API_PORT || 3001}`;

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>Chat</title>
<style>body{font-family:sans-serif;max-width:36em;margin:2em auto}#log{border:1px solid #ccc;height:20em;overflow-y:auto;padding:.5em}
b{color:#246}small{color:#888}</style></head>
<body><h1>Chat</h1><div id="log"></div>
<form id="f"><input id="user" placeholder="name" size="8"> <input id="text" placeholder="say something" size="30"> <button>Send</button></form>
<p><small>page served by ${os.hostname()}</small></p>
<script>
const log = document.getElementById('log');
async function refresh() {
  const r = await fetch('/api/messages');
  if (!r.ok) return;
  log.replaceChildren(...(await r.json()).map((m) => {
    const p = document.createElement('p');
    p.innerHTML = '<b></b>: <span></span>';
    p.children[0].textContent = m.user;
    p.children[1].textContent = m.text;
    return p;
  }));
  log.scrollTop = log.scrollHeight;
}
document.getElementById('f').onsubmit = async (e) => {
  e.preventDefault();
  const text = document.getElementById('text');
  await fetch('/api/messages', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: document.getElementById('user').value, text: text.value }) });
  text.value = '';
  refresh();
};
refresh();
setInterval(refresh, 2000);
</script></body></html>`;

async function proxy(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  try {
    const r = await fetch(api + '/messages', {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      signal: AbortSignal.timeout(3000),
    });
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(await r.text());
  } catch (err) {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `cannot reach chat-api at ${api}: ${err.message}` }) + '\n');
  }
}

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (pathname === '/health') return res.end('ok\n');
  if (pathname === '/api/messages') return proxy(req, res);
  if (pathname === '/' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(page);
  }
  res.writeHead(404).end('not found\n');
});

server.listen(port, () => console.log(`client-app listening on port ${port}, chat-api at ${api}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
