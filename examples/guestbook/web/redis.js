'use strict';
// A tiny Redis client: one connection, commands sent as RESP arrays and
// answered in order (RESP2, https://redis.io/docs/reference/protocol-spec/).
// Enough for a guestbook; use a full client (e.g. the `redis` package) for
// more. The connection is made on the first command and again after an
// error, so the app starts and answers /healthz while Redis is down.

const net = require('node:net');

// parse reads one reply from buf at offset i. It returns [value, next
// offset], or null when the reply is not complete yet.
function parse(buf, i) {
  const eol = buf.indexOf('\r\n', i);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[i]);
  const line = buf.toString('utf8', i + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+': return [line, next];
    case '-': return [new Error(line), next];
    case ':': return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('utf8', next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const items = [];
      let at = next;
      for (let k = 0; k < n; k++) {
        const r = parse(buf, at);
        if (!r) return null;
        items.push(r[0]);
        at = r[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`redis: unexpected reply type ${JSON.stringify(type)}`);
  }
}

// encode writes a command as a RESP array of bulk strings.
function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) {
    const s = String(a);
    out += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  }
  return out;
}

class Redis {
  constructor({ host = 'localhost', port = 6379, timeout = 2000 } = {}) {
    Object.assign(this, { host, port, timeout });
    this.socket = null;
    this.pending = [];
    this.buf = Buffer.alloc(0);
  }

  // command sends one command, e.g. command('LPUSH', 'key', 'value'), and
  // resolves with its reply; an error reply or a lost connection rejects.
  command(...args) {
    if (!this.socket) this.connect();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`redis ${this.host}:${this.port}: no reply in ${this.timeout} ms`)), this.timeout);
      this.pending.push({ resolve, reject, timer });
      this.socket.write(encode(args));
    });
  }

  connect() {
    this.buf = Buffer.alloc(0);
    const socket = net.createConnection({ host: this.host, port: this.port });
    // Events of a socket already given up (after a timeout) are ignored.
    const mine = (f) => (arg) => this.socket === socket && f(arg);
    socket.on('data', mine((chunk) => this.receive(chunk)));
    socket.on('error', mine((err) => this.fail(new Error(`redis ${this.host}:${this.port}: ${err.message}`))));
    socket.on('close', mine(() => this.fail(new Error(`redis ${this.host}:${this.port}: connection closed`))));
    this.socket = socket;
  }

  receive(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      let r;
      try {
        r = parse(this.buf, 0);
      } catch (err) {
        return this.fail(err);
      }
      if (!r) return;
      this.buf = this.buf.subarray(r[1]);
      const p = this.pending.shift();
      if (!p) continue;
      clearTimeout(p.timer);
      if (r[0] instanceof Error) p.reject(r[0]);
      else p.resolve(r[0]);
    }
  }

  // fail drops the connection and rejects every command waiting on it;
  // the next command connects again.
  fail(err) {
    if (this.socket) this.socket.destroy();
    this.socket = null;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  close() {
    if (this.socket) this.socket.end();
    this.socket = null;
  }
}

module.exports = { Redis, parse, encode };
