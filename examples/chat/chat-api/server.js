'use strict';
// chat-api: the chat backend, with no dependencies. It keeps the last 100
// messages in memory, so it runs as a single replica.
//   GET  /messages  the messages, oldest first
//   POST /messages  {"user": "...", "text": "..."} adds one
//   GET  /health    200 while the process can serve

const http = require('node:http');

const port = Number(process.env.PORT || 3001);
const messages = [];

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

function readJSON(req, limit = 4096) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      data += chunk;
      if (data.length > limit) {
        reject(new Error('message too long'));
        req.destroy();
      }
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(data));
      } catch {
        reject(new Error('body is not JSON'));
      }
    });
  });
}

const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (pathname === '/health') return send(res, 200, { status: 'ok' });
  if (pathname !== '/messages') return send(res, 404, { error: 'not found' });
  if (req.method === 'GET') return send(res, 200, messages);
  if (req.method !== 'POST') return send(res, 405, { error: 'GET or POST' });
  try {
    const { user, text } = await readJSON(req);
    if (typeof text !== 'string' || !text.trim()) return send(res, 400, { error: 'text is required' });
    const msg = { user: String(user || 'anonymous').slice(0, 32), text: text.trim().slice(0, 500), at: new Date().toISOString() };
    messages.push(msg);
    if (messages.length > 100) messages.shift();
    send(res, 201, msg);
  } catch (err) {
    send(res, 400, { error: err.message });
  }
});

server.listen(port, () => console.log(`chat-api listening on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
