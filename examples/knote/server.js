'use strict';
// Knote: a notes app with Markdown and pictures.
//
// The app keeps no state of its own: note text goes to MongoDB and pictures
// go to MinIO, so every replica can serve every request and the Deployment
// scales to any number of pods.

const crypto = require('node:crypto');
const express = require('express');
const multer = require('multer');
const { marked } = require('marked');
const { MongoClient } = require('mongodb');
const Minio = require('minio');

const port = Number(process.env.PORT || 3000);
const mongoURL = process.env.MONGO_URL || 'mongodb://localhost:27017/dev';
const bucket = process.env.MINIO_BUCKET || 'images';
const minio = new Minio.Client({
  endPoint: process.env.MINIO_HOST || 'localhost',
  port: Number(process.env.MINIO_PORT || 9000),
  useSSL: false,
  accessKey: process.env.MINIO_ACCESS_KEY || 'minio',
  secretKey: process.env.MINIO_SECRET_KEY || 'minio123',
});

// Pictures we accept, by content type, and the file extension we store them under.
const imageTypes = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/gif': '.gif', 'image/webp': '.webp' };
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 5 * 1024 * 1024 } });

// Raw HTML in notes is shown as text and links may only go to http(s) or this site.
marked.use({
  walkTokens(t) {
    if ((t.type === 'link' || t.type === 'image') && !/^(https?:\/\/|\/)/i.test(t.href)) t.href = '#';
  },
});
const render = (md) => marked.parse(md.replace(/</g, '&lt;'));
const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

let notes = null; // the MongoDB collection, once MongoDB and MinIO answer

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function retry(what, fn) {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      console.log(`waiting for ${what}: ${err.message}`);
      await sleep(2000);
    }
  }
}

// MongoDB and MinIO may start after us; keep serving /healthz meanwhile.
async function connect() {
  const client = await retry('MongoDB', () => MongoClient.connect(mongoURL, { serverSelectionTimeoutMS: 3000 }));
  await retry('MinIO', async () => {
    if (!(await minio.bucketExists(bucket))) await minio.makeBucket(bucket);
  });
  notes = client.db().collection('notes');
  console.log('connected to MongoDB and MinIO');
}

function page(list) {
  const items = list
    .map((n) => `<li>${render(n.description)}<small>${esc(n.created.toISOString())}</small></li>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Knote</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}textarea{width:100%;height:8em}
li{border-bottom:1px solid #ddd;padding:.5em 0;list-style:none}img{max-width:100%}small{color:#888}</style></head>
<body><h1>Knote</h1>
<form method="post" action="/note" enctype="multipart/form-data">
<textarea name="description" placeholder="Write a note in Markdown"></textarea>
<p><input type="file" name="image" accept="image/*"> <button>Publish</button></p>
</form>
<ul>${items}</ul>
<p><small>served by ${esc(require('node:os').hostname())}</small></p>
</body></html>`;
}

const app = express();
app.get('/healthz', (req, res) => res.send('ok'));
app.get('/readyz', (req, res) => res.status(notes ? 200 : 503).send(notes ? 'ready' : 'waiting for MongoDB and MinIO'));
app.use((req, res, next) => (notes ? next() : res.status(503).send('Knote is starting: waiting for MongoDB and MinIO')));

app.get('/', async (req, res) => {
  const list = await notes.find().sort({ created: -1 }).limit(100).toArray();
  res.send(page(list));
});

app.post('/note', upload.single('image'), async (req, res) => {
  let text = String(req.body.description || '').trim();
  if (req.file) {
    const ext = imageTypes[req.file.mimetype];
    if (!ext) return res.status(415).send('pictures must be PNG, JPEG, GIF or WebP');
    const name = crypto.randomUUID() + ext;
    await minio.putObject(bucket, name, req.file.buffer, req.file.size, { 'Content-Type': req.file.mimetype });
    text += `\n\n![picture](/img/${name})`;
  }
  if (text) await notes.insertOne({ description: text, created: new Date() });
  res.redirect(303, '/');
});

app.get('/img/:name', async (req, res) => {
  const type = Object.keys(imageTypes).find((t) => req.params.name.endsWith(imageTypes[t]));
  if (!type) return res.sendStatus(404);
  try {
    const stream = await minio.getObject(bucket, req.params.name);
    res.type(type);
    stream.pipe(res);
  } catch {
    res.sendStatus(404);
  }
});

const server = app.listen(port, () => console.log(`Knote listening on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
connect();
