'use strict';
// backend: a small search API over Elasticsearch, with no dependencies.
// It listens on two ports, as the reference backend does:
//   api  (8080)  POST /documents {"title", "body"}  index a document
//                GET  /search?q=words               find documents
//                GET  /health                       200 while the process can serve
//   docs (8100)  GET  /                             this API's documentation

const http = require('node:http');

const apiPort = Number(process.env.PORT || 8080);
const docsPort = Number(process.env.DOCS_PORT || 8100);
const es = (process.env.ELASTICSEARCH_URL || 'http://localhost:9200').replace(/\/$/, '');
const index = process.env.INDEX || 'documents';

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

async function readJSON(req, limit = 64 * 1024) {
  let data = '';
  for await (const chunk of req) {
    data += chunk;
    if (data.length > limit) throw new Error('document too large');
  }
  return JSON.parse(data);
}

// elastic sends one request to Elasticsearch and returns its status and JSON answer.
async function elastic(method, path, body) {
  const r = await fetch(es + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: r.status, json: await r.json() };
}

const api = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  try {
    if (url.pathname === '/health') return send(res, 200, { status: 'ok' });
    if (url.pathname === '/documents' && req.method === 'POST') {
      const { title, body } = await readJSON(req);
      if (typeof title !== 'string' || !title) return send(res, 400, { error: 'title is required' });
      const r = await elastic('POST', `/${index}/_doc?refresh=wait_for`, { title, body: String(body || '') });
      return send(res, r.status < 300 ? 201 : 502, r.status < 300 ? { id: r.json._id } : { error: r.json.error });
    }
    if (url.pathname === '/search' && req.method === 'GET') {
      const q = url.searchParams.get('q') || '';
      const query = q ? { multi_match: { query: q, fields: ['title^2', 'body'] } } : { match_all: {} };
      const r = await elastic('POST', `/${index}/_search`, { query, size: 20 });
      if (r.status === 404) return send(res, 200, []); // nothing indexed yet
      if (r.status >= 300) return send(res, 502, { error: r.json.error });
      return send(res, 200, r.json.hits.hits.map((h) => ({ id: h._id, score: h._score, ...h._source })));
    }
    send(res, 404, { error: 'not found' });
  } catch (err) {
    send(res, err instanceof SyntaxError ? 400 : 502, { error: err.message });
  }
});

const docsPage = `<!doctype html><html><head><meta charset="utf-8"><title>backend API</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>backend API</h1>
<p>Served on the <code>api</code> port (${apiPort}); documents are stored in Elasticsearch index <code>${index}</code>.</p>
<dl>
<dt><code>POST /documents</code></dt><dd>Body <code>{"title": "…", "body": "…"}</code>. Indexes a document; answers <code>{"id": "…"}</code>.</dd>
<dt><code>GET /search?q=words</code></dt><dd>The 20 best matches, title weighted double; without <code>q</code>, any 20 documents.</dd>
<dt><code>GET /health</code></dt><dd>200 while the process can serve.</dd>
</dl></body></html>`;

const docs = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(docsPage);
});

api.listen(apiPort, () => console.log(`backend api on port ${apiPort}, Elasticsearch at ${es}`));
docs.listen(docsPort, () => console.log(`backend docs on port ${docsPort}`));
process.on('SIGTERM', () => {
  docs.close();
  api.close(() => process.exit(0));
});
