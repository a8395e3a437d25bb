'use strict';
/*
 * An OTLP/HTTP receiver for otelc's exporter tests. It decodes every
 * request strictly with the official OTLP schema (see otlp_schema.js) and
 * logs what it received.
 *
 *   node otlp_receiver.js <port-file> <out-file> [options]
 *
 * Listens on 127.0.0.1 on an ephemeral port, written to <port-file> (whole,
 * then renamed into place) once it accepts connections; plain HTTP, or
 * HTTPS with --tls. Accepts
 * POST /v1/traces, /v1/metrics and /v1/logs with Content-Type
 * application/x-protobuf or application/json (parameters such as charset
 * ignored) and Content-Encoding gzip, identity or none. Other paths get
 * 404, other methods 405, other content types 415, other encodings 415,
 * bodies over 64 MiB after decompression 413.
 *
 * Every request, whatever the answer, appends one JSON line to <out-file>:
 *   {"attempt": n (1-based, over all requests), "pathAttempt": n (per
 *    path), "time": ISO time, "method", "path", "contentType",
 *    "contentEncoding", "headers": {user-agent, content-length,
 *    content-type, content-encoding, accept-encoding, and every --log-header
 *    name; lowercase names}, "bodyBytes": bytes received,
 *    "decodedBytes": bytes after decompression, "signal": traces|metrics|
 *    logs, "ok": true when the body decoded cleanly, "errors": [..],
 *    "request": the canonical request (as otlp_decode.js prints it, when it
 *    decoded), "answer": {"status", "retryAfter", "partialSuccess",
 *    "delayMs"}, and with --tls only, "tls": {"protocol" (e.g. TLSv1.3),
 *    "clientSubject": the client certificate's subject CN, or null}}
 * The line is written before the answer is sent. A TLS handshake that
 * fails is no request: it is not recorded, only reported on stderr
 * ("otlp_receiver.js: TLS handshake failed: ...").
 *
 * Answers, in this order of precedence:
 *   --fail CODE:N        the first N requests get CODE (e.g. 503:2), with
 *                        "Retry-After: 1" for 429 and 503
 *   --retry-after VALUE  the Retry-After value sent with --fail (default 1)
 *   a body that does not decode: 400
 *   --status CODE        every other request gets CODE
 *   --partial N:MESSAGE  200 with partial_success {rejected N, MESSAGE}
 *   otherwise            200 with an empty Export*ServiceResponse
 * Error answers carry a google.rpc.Status body. Every answer has the
 * request's content type (application/x-protobuf when it was not
 * recognised) and is sent after --delay-ms MS.
 *
 * Other options:
 *   --tls CERT KEY       serve HTTPS with this certificate (chain) and key,
 *                        both PEM files
 *   --client-ca CA       with --tls: mutual TLS, a client certificate
 *                        issued by a CA of this PEM file is required (a
 *                        handshake without one fails)
 *   --log-header NAME    also log this request header (repeatable)
 *   --idle-s S           exit after S seconds without a request (120)
 *
 * Exits on SIGTERM or SIGINT, or when idle.
 */

const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const zlib = require('zlib');
const schema = require('./otlp_schema');

const MAX_BODY = 64 * 1024 * 1024;

function die(msg) {
  process.stderr.write(`otlp_receiver.js: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    portFile: null,
    outFile: null,
    fail: null,
    retryAfter: '1',
    status: null,
    partial: null,
    delayMs: 0,
    logHeaders: [],
    idleS: 120,
    tlsCert: null,
    tlsKey: null,
    clientCa: null,
  };
  const pos = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) die(`${a} wants a value`);
      return argv[++i];
    };
    switch (a) {
      case '--fail': {
        const m = /^(\d{3}):(\d+)$/.exec(val());
        if (!m) die('--fail wants CODE:N, e.g. 503:2');
        o.fail = { status: Number(m[1]), count: Number(m[2]) };
        break;
      }
      case '--retry-after': o.retryAfter = val(); break;
      case '--status': {
        const v = val();
        if (!/^\d{3}$/.test(v)) die('--status wants an HTTP status code');
        o.status = Number(v);
        break;
      }
      case '--partial': {
        const m = /^(\d+):(.*)$/s.exec(val());
        if (!m) die('--partial wants N:MESSAGE');
        o.partial = { rejected: Number(m[1]), message: m[2] };
        break;
      }
      case '--delay-ms': o.delayMs = Number(val()); break;
      case '--log-header': o.logHeaders.push(val().toLowerCase()); break;
      case '--idle-s': o.idleS = Number(val()); break;
      case '--tls':
        o.tlsCert = val();
        o.tlsKey = val();
        break;
      case '--client-ca': o.clientCa = val(); break;
      default:
        if (a.startsWith('--')) die(`unknown option ${a}`);
        pos.push(a);
    }
  }
  if (pos.length !== 2) {
    die('usage: otlp_receiver.js <port-file> <out-file> [--fail CODE:N] ' +
        '[--retry-after V] [--status CODE] [--partial N:MESSAGE] ' +
        '[--delay-ms MS] [--log-header NAME]... [--idle-s S] ' +
        '[--tls CERT KEY [--client-ca CA]]');
  }
  [o.portFile, o.outFile] = pos;
  if (o.clientCa && !o.tlsCert) die('--client-ca wants --tls');
  if (!Number.isFinite(o.delayMs) || o.delayMs < 0) die('bad --delay-ms');
  if (!Number.isFinite(o.idleS) || o.idleS <= 0) die('bad --idle-s');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const SIGNAL_OF_PATH = {};
for (const [name, s] of Object.entries(schema.SIGNALS)) {
  SIGNAL_OF_PATH[s.path] = name;
}
const LOGGED_HEADERS = ['user-agent', 'content-type', 'content-encoding',
                        'content-length', 'accept-encoding',
                        ...opts.logHeaders];

let attempts = 0;
const pathAttempts = {};

function mediaType(h) {
  return String(h || '').split(';')[0].trim().toLowerCase();
}

/* The TLS side of a request (--tls only). */
function tlsInfo(req) {
  const sock = req.socket;
  const peer = sock.getPeerCertificate ? sock.getPeerCertificate() : null;
  return {
    protocol: sock.getProtocol ? sock.getProtocol() : null,
    clientSubject: peer && peer.subject ? peer.subject.CN || null : null,
  };
}

function record(entry) {
  fs.appendFileSync(opts.outFile, `${JSON.stringify(entry)}\n`);
}

function handle(req, body) {
  attempts++;
  const url = new URL(req.url, 'http://127.0.0.1');
  const signal = SIGNAL_OF_PATH[url.pathname] || null;
  if (signal) pathAttempts[url.pathname] = (pathAttempts[url.pathname] || 0) + 1;
  const ctype = mediaType(req.headers['content-type']);
  const encoding = String(req.headers['content-encoding'] || '')
    .trim().toLowerCase();
  const json = ctype === 'application/json';
  const headers = {};
  for (const h of LOGGED_HEADERS) {
    if (req.headers[h] !== undefined) headers[h] = req.headers[h];
  }
  const entry = {
    attempt: attempts,
    pathAttempt: signal ? pathAttempts[url.pathname] : 0,
    time: new Date().toISOString(),
    method: req.method,
    path: url.pathname,
    contentType: req.headers['content-type'] || null,
    contentEncoding: req.headers['content-encoding'] || null,
    headers,
    bodyBytes: body.length,
    decodedBytes: null,
    signal,
    ok: false,
    errors: [],
  };
  if (opts.tlsCert) entry.tls = tlsInfo(req);

  let status = 200;
  let message = '';
  if (!signal) {
    status = 404;
    message = `unknown path ${url.pathname}`;
  } else if (req.method !== 'POST') {
    status = 405;
    message = `method ${req.method} not allowed`;
  } else if (ctype !== 'application/x-protobuf' && !json) {
    status = 415;
    message = `unsupported content type ${JSON.stringify(ctype)}`;
  } else if (!['', 'identity', 'none', 'gzip'].includes(encoding)) {
    status = 415;
    message = `unsupported content encoding ${JSON.stringify(encoding)}`;
  } else {
    let raw = body;
    if (encoding === 'gzip') {
      try {
        raw = zlib.gunzipSync(body, { maxOutputLength: MAX_BODY });
      } catch (e) {
        raw = null;
        const big = e.code === 'ERR_BUFFER_TOO_LARGE';
        status = big ? 413 : 400;
        message = big ? 'body too large after decompression'
                      : `bad gzip body: ${e.message}`;
      }
    }
    if (raw) {
      entry.decodedBytes = raw.length;
      if (raw.length > MAX_BODY) {
        status = 413;
        message = 'body too large';
      } else {
        const Type = schema.SIGNALS[signal].request;
        const r = json ? schema.decodeJson(Type, raw)
                       : schema.decodeProtobuf(Type, raw);
        r.errors.push(...schema.semanticErrors(signal, r.object));
        entry.errors = r.errors;
        if (r.object) entry.request = r.object;
        if (r.errors.length === 0) {
          entry.ok = true;
        } else {
          status = 400;
          message = r.errors.slice(0, 5).join('; ');
        }
      }
    }
  }
  if (message && status !== 200) entry.errors.push(message);

  /* The scripted behaviour. */
  const answer = { status, delayMs: opts.delayMs };
  let partial = null;
  if (opts.fail && attempts <= opts.fail.count) {
    answer.status = opts.fail.status;
    message = `scripted failure ${attempts} of ${opts.fail.count}`;
    if (answer.status === 429 || answer.status === 503) {
      answer.retryAfter = opts.retryAfter;
    }
  } else if (answer.status === 200 && opts.status) {
    answer.status = opts.status;
    message = `scripted status ${opts.status}`;
  } else if (answer.status === 200 && opts.partial) {
    partial = opts.partial;
    answer.partialSuccess = partial;
  }
  entry.answer = answer;
  record(entry);

  let out;
  if (answer.status === 200) {
    out = schema.encodeResponse(signal, partial, json);
  } else {
    out = schema.encodeRpcStatus(schema.grpcCodeFor(answer.status), message,
                                 json);
  }
  const resHeaders = {
    'content-type': json ? 'application/json' : 'application/x-protobuf',
    'content-length': out.length,
  };
  if (answer.retryAfter !== undefined) {
    resHeaders['retry-after'] = answer.retryAfter;
  }
  return { status: answer.status, headers: resHeaders, body: out };
}

let idle = null;
let server = null;
function stop(code) {
  if (idle) clearTimeout(idle);
  if (server) {
    server.close(() => process.exit(code));
    if (server.closeAllConnections) server.closeAllConnections();
  }
  setTimeout(() => process.exit(code), 2000).unref();
}
function touch() {
  if (idle) clearTimeout(idle);
  idle = setTimeout(() => {
    process.stderr.write(
      `otlp_receiver.js: idle for ${opts.idleS} s, exiting\n`);
    stop(0);
  }, opts.idleS * 1000);
}

function readPem(what, file) {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    return die(`${what}: ${e.message}`);
  }
}

function createServer(handler) {
  if (!opts.tlsCert) return http.createServer(handler);
  const tlsOpts = {
    cert: readPem('--tls certificate', opts.tlsCert),
    key: readPem('--tls key', opts.tlsKey),
  };
  if (opts.clientCa) {
    tlsOpts.ca = readPem('--client-ca', opts.clientCa);
    tlsOpts.requestCert = true;
    tlsOpts.rejectUnauthorized = true;
  }
  const s = https.createServer(tlsOpts, handler);
  s.on('tlsClientError', (e) => {
    process.stderr.write(
      `otlp_receiver.js: TLS handshake failed: ${e.code || ''} ` +
      `${e.message}\n`);
  });
  return s;
}

server = createServer((req, res) => {
  touch();
  const chunks = [];
  let size = 0;
  let tooBig = false;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) {
      tooBig = true;
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    let reply;
    if (tooBig) {
      attempts++;
      record({ attempt: attempts, time: new Date().toISOString(),
               method: req.method, path: req.url, bodyBytes: size,
               ok: false, errors: ['body too large'],
               answer: { status: 413 } });
      reply = { status: 413, headers: { 'content-type': 'text/plain' },
                body: Buffer.from('body too large') };
    } else {
      try {
        reply = handle(req, Buffer.concat(chunks));
      } catch (e) {
        process.stderr.write(`otlp_receiver.js: ${e.stack}\n`);
        reply = { status: 500, headers: { 'content-type': 'text/plain' },
                  body: Buffer.from(String(e.message)) };
      }
    }
    const send = () => {
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
      touch();
    };
    if (opts.delayMs > 0) setTimeout(send, opts.delayMs); else send();
  });
  req.on('error', () => {});
});
/* A slow answer (--delay-ms) must not be cut by the server's own timers. */
server.requestTimeout = 0;
server.headersTimeout = 60000;
server.keepAliveTimeout = 30000;
server.on('error', (e) => die(`server: ${e.message}`));
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const tmp = path.join(path.dirname(opts.portFile),
                        `.${path.basename(opts.portFile)}.${process.pid}`);
  fs.writeFileSync(tmp, `${port}\n`);
  fs.renameSync(tmp, opts.portFile);
  process.stderr.write(`otlp_receiver.js: listening on 127.0.0.1:${port}` +
                       `${opts.tlsCert ? ' (HTTPS)' : ''}\n`);
  touch();
});
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
