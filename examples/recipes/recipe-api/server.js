'use strict';
// recipe-api: a tiny recipe service with no dependencies.
//   GET /recipes/:id  the recipe with that id, and which pod answered
//   GET /health       200 while the process can serve (the liveness probe)

const http = require('node:http');
const os = require('node:os');

const port = Number(process.env.PORT || 8080);

const recipes = [
  { name: 'Buttermilk pancakes', ingredients: ['flour', 'buttermilk', 'egg', 'butter'], minutes: 20 },
  { name: 'Tomato soup', ingredients: ['tomatoes', 'onion', 'garlic', 'stock'], minutes: 35 },
  { name: 'Egg fried rice', ingredients: ['rice', 'egg', 'spring onion', 'soy sauce'], minutes: 15 },
];

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET') return send(res, 405, { error: 'only GET' });
  if (pathname === '/health') return send(res, 200, { status: 'ok' });
  const m = pathname.match(/^\/recipes\/(\d+)$/);
  if (!m || Number(m[1]) < 1) return send(res, 404, { error: 'no such recipe' });
  const id = Number(m[1]);
  send(res, 200, { producer: os.hostname(), recipe: { id, ...recipes[(id - 1) % recipes.length] } });
});

server.listen(port, () => console.log(`recipe-api listening on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
