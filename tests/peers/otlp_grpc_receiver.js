'use strict';
/*
 * An OTLP/gRPC receiver for otelc's exporter tests: a @grpc/grpc-js
 * server (cleartext HTTP/2, h2c, or TLS with --tls) serving the Export
 * methods of TraceService, MetricsService and LogsService
 * (/opentelemetry.proto.collector.{trace,metrics,logs}.v1.*Service/Export),
 * which decodes every request strictly with the official OTLP schema (see
 * otlp_schema.js) and logs what it received.
 *
 *   node otlp_grpc_receiver.js <port-file> <out-file> [options]
 *
 * Listens on 127.0.0.1 on an ephemeral port, written to <port-file> (whole,
 * then renamed into place) once it accepts connections. The service is
 * described by hand, as grpc-js's makeGenericClientConstructor takes it:
 * path, unary, and (de)serializers built on the generated
 * Export*ServiceRequest and Export*ServiceResponse of each signal.
 *
 * Every call appends one JSON line to <out-file>, in the layout
 * otlp_receiver.js writes (so that the same checks and otlp_compare.js
 * apply), before the answer is sent:
 *   {"attempt": n (1-based), "pathAttempt": n, "time": ISO time,
 *    (per method), "method": "POST", "path": the gRPC method, "contentType",
 *    "contentEncoding": the grpc-encoding header or null, "headers":
 *    {user-agent, content-type, te, grpc-timeout, grpc-encoding,
 *    grpc-accept-encoding, and every --log-header name, as they came on
 *    the wire}, "compressedFlag": the message's flag byte, "bodyBytes":
 *    bytes of the HTTP/2 body, "decodedBytes": bytes of the message after
 *    decompression, "signal": traces|metrics|logs, "ok", "errors": [..],
 *    "request":
 *    the canonical request (when it decoded), "answer": {"code" (gRPC
 *    status code), "codeName", "message", "partialSuccess",
 *    "retryDelayMs", "delayMs"}}
 * The wire-level fields come from the HTTP/2 stream under the gRPC server
 * (grpc-js keeps them from its handlers); calls are assumed to come one at
 * a time, as an otelc exporter makes them.
 *
 * Answers, in this order of precedence:
 *   --fail NAME:N        the first N calls get status NAME (a gRPC code
 *                        name in lowercase, e.g. unavailable:2)
 *   a request that does not decode: invalid_argument
 *   --status NAME        every other call gets status NAME
 *   --partial N:MESSAGE  OK with partial_success {rejected N, MESSAGE}
 *   otherwise            OK with an empty Export*ServiceResponse
 * (--fail counts calls of every method together.)
 * Error statuses carry a message; with --retry-delay-ms MS they also carry
 * a google.rpc.Status with a google.rpc.RetryInfo{retry_delay MS} in
 * grpc-status-details-bin. Every answer is sent after --delay-ms MS.
 *
 * Other options:
 *   --tls CERT KEY       serve HTTP/2 over TLS with this PEM certificate
 *                        (chain) and key instead of cleartext
 *   --log-header NAME    also log this request header (repeatable)
 *   --idle-s S           exit after S seconds without a call (120)
 *
 * Exits on SIGTERM or SIGINT, or when idle.
 */

const fs = require('fs');
const http2 = require('http2');
const path = require('path');
const schema = require('./otlp_schema');

const METHODS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};
const MAX_MESSAGE = 64 * 1024 * 1024;

function die(msg) {
  process.stderr.write(`otlp_grpc_receiver.js: ${msg}\n`);
  process.exit(2);
}

/* The HTTP/2 streams under grpc-js, seen before its handlers: their
 * headers and first body bytes, in arrival order. Installed before
 * grpc-js creates its server (cleartext or TLS). */
const wire = [];
function watchStreams(server) {
  server.prependListener('stream', (stream, headers) => {
    const w = { headers: {}, bytes: 0, flag: null };
    for (const [k, v] of Object.entries(headers)) {
      if (!k.startsWith(':')) w.headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    wire.push(w);
    stream.prependListener('data', (chunk) => {
      if (w.flag === null && chunk.length > 0) w.flag = chunk[0];
      w.bytes += chunk.length;
    });
  });
  return server;
}
for (const make of ['createServer', 'createSecureServer']) {
  const original = http2[make];
  http2[make] = function patched(...args) {
    return watchStreams(original.apply(this, args));
  };
}

const grpc = require('@grpc/grpc-js');

const CODES = {};
for (const [name, code] of Object.entries(grpc.status)) {
  if (typeof code === 'number') CODES[name.toLowerCase()] = code;
}
function codeNamed(v, opt) {
  const code = CODES[String(v).toLowerCase()];
  if (code === undefined || code === 0) {
    die(`${opt}: unknown gRPC status '${v}' (e.g. unavailable, ` +
        'invalid_argument)');
  }
  return code;
}
function nameOf(code) {
  for (const [name, c] of Object.entries(CODES)) if (c === code) return name;
  return String(code);
}

function parseArgs(argv) {
  const o = {
    portFile: null,
    outFile: null,
    fail: null,
    status: null,
    partial: null,
    retryDelayMs: null,
    tls: null,
    delayMs: 0,
    logHeaders: [],
    idleS: 120,
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
        const m = /^([a-z_]+):(\d+)$/i.exec(val());
        if (!m) die('--fail wants NAME:N, e.g. unavailable:2');
        o.fail = { code: codeNamed(m[1], a), count: Number(m[2]) };
        break;
      }
      case '--status': o.status = codeNamed(val(), a); break;
      case '--partial': {
        const m = /^(\d+):(.*)$/s.exec(val());
        if (!m) die('--partial wants N:MESSAGE');
        o.partial = { rejected: Number(m[1]), message: m[2] };
        break;
      }
      case '--retry-delay-ms': o.retryDelayMs = Number(val()); break;
      case '--tls': o.tls = { cert: val(), key: val() }; break;
      case '--delay-ms': o.delayMs = Number(val()); break;
      case '--log-header': o.logHeaders.push(val().toLowerCase()); break;
      case '--idle-s': o.idleS = Number(val()); break;
      default:
        if (a.startsWith('--')) die(`unknown option ${a}`);
        pos.push(a);
    }
  }
  if (pos.length !== 2) {
    die('usage: otlp_grpc_receiver.js <port-file> <out-file> ' +
        '[--fail NAME:N] [--status NAME] [--partial N:MESSAGE] ' +
        '[--retry-delay-ms MS] [--delay-ms MS] [--tls CERT KEY] ' +
        '[--log-header NAME]... ' +
        '[--idle-s S]');
  }
  [o.portFile, o.outFile] = pos;
  if (!Number.isFinite(o.delayMs) || o.delayMs < 0) die('bad --delay-ms');
  if (!Number.isFinite(o.idleS) || o.idleS <= 0) die('bad --idle-s');
  if (o.retryDelayMs !== null &&
      (!Number.isFinite(o.retryDelayMs) || o.retryDelayMs < 0)) {
    die('bad --retry-delay-ms');
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const LOGGED_HEADERS = ['user-agent', 'content-type', 'te', 'grpc-timeout',
                        'grpc-encoding', 'grpc-accept-encoding',
                        ...opts.logHeaders];

/* google.rpc.Status {1 code, 2 message, 3 details: [google.protobuf.Any
 * {1 type_url, 2 value: google.rpc.RetryInfo {1 retry_delay:
 * google.protobuf.Duration {1 seconds, 2 nanos}}}]}; not among the OTLP
 * protos, so written with the protobufjs writer. */
function statusWithRetryInfo(code, message, delayMs) {
  const W = schema.protobuf.Writer;
  const duration = W.create();
  const seconds = Math.floor(delayMs / 1000);
  const nanos = (delayMs % 1000) * 1e6;
  if (seconds) duration.uint32(8).int64(seconds);
  if (nanos) duration.uint32(16).int32(nanos);
  const retryInfo = W.create();
  retryInfo.uint32(10).bytes(duration.finish());
  const any = W.create();
  any.uint32(10).string('type.googleapis.com/google.rpc.RetryInfo');
  any.uint32(18).bytes(retryInfo.finish());
  const st = W.create();
  if (code) st.uint32(8).int32(code);
  if (message) st.uint32(18).string(message);
  st.uint32(26).bytes(any.finish());
  return Buffer.from(st.finish());
}

/* The service of one signal's Export method. */
function serviceFor(signal) {
  const sig = schema.SIGNALS[signal];
  return {
    Export: {
      path: METHODS[signal],
      requestStream: false,
      responseStream: false,
      originalName: 'export',
      requestSerialize: (m) => Buffer.from(sig.request.encode(m).finish()),
      /* Strict decoding; the raw bytes are kept for the log. */
      requestDeserialize: (buf) => {
        const r = schema.decodeProtobuf(sig.request, buf);
        r.errors.push(...schema.semanticErrors(signal, r.object));
        return { bytes: buf.length, object: r.object, errors: r.errors };
      },
      responseSerialize: (m) => Buffer.from(sig.response.encode(m).finish()),
      responseDeserialize: (buf) => sig.response.decode(buf),
    },
  };
}

let attempts = 0;
const pathAttempts = {};
let idle = null;
let server = null;

function stop(code) {
  if (idle) clearTimeout(idle);
  if (server) server.forceShutdown();
  setTimeout(() => process.exit(code), 200).unref();
}
function touch() {
  if (idle) clearTimeout(idle);
  idle = setTimeout(() => {
    process.stderr.write(
      `otlp_grpc_receiver.js: idle for ${opts.idleS} s, exiting\n`);
    stop(0);
  }, opts.idleS * 1000);
}

function exportCall(signal, call, callback) {
  const sig = schema.SIGNALS[signal];
  const method = METHODS[signal];
  touch();
  attempts++;
  pathAttempts[method] = (pathAttempts[method] || 0) + 1;
  const w = wire.shift() || { headers: {}, bytes: null, flag: null };
  const req = call.request;
  const headers = {};
  for (const h of LOGGED_HEADERS) {
    if (w.headers[h] !== undefined) headers[h] = w.headers[h];
  }
  const entry = {
    attempt: attempts,
    pathAttempt: pathAttempts[method],
    time: new Date().toISOString(),
    method: 'POST',
    path: method,
    contentType: w.headers['content-type'] || null,
    contentEncoding: w.headers['grpc-encoding'] || null,
    headers,
    compressedFlag: w.flag,
    bodyBytes: w.bytes,
    decodedBytes: req.bytes,
    signal,
    ok: req.errors.length === 0 && req.object !== undefined,
    errors: req.errors.slice(),
  };
  if (req.object) entry.request = req.object;

  let code = entry.ok ? grpc.status.OK : grpc.status.INVALID_ARGUMENT;
  let message = entry.ok ? '' : entry.errors.slice(0, 5).join('; ');
  let partial = null;
  if (opts.fail && attempts <= opts.fail.count) {
    code = opts.fail.code;
    message = `scripted failure ${attempts} of ${opts.fail.count}`;
  } else if (code === grpc.status.OK && opts.status) {
    code = opts.status;
    message = `scripted status ${nameOf(code)}: 100% "wrong"`;
  } else if (code === grpc.status.OK && opts.partial) {
    partial = opts.partial;
  }
  const answer = { code, codeName: nameOf(code), delayMs: opts.delayMs };
  if (code !== grpc.status.OK) answer.message = message;
  if (partial) answer.partialSuccess = partial;
  if (code !== grpc.status.OK && opts.retryDelayMs !== null) {
    answer.retryDelayMs = opts.retryDelayMs;
  }
  entry.answer = answer;
  fs.appendFileSync(opts.outFile, `${JSON.stringify(entry)}\n`);

  const send = () => {
    touch();
    if (code === grpc.status.OK) {
      const body = {};
      if (partial) {
        body.partialSuccess = {
          [sig.rejected]: String(partial.rejected),
          errorMessage: partial.message,
        };
      }
      callback(null, sig.response.fromObject(body));
      return;
    }
    const metadata = new grpc.Metadata();
    if (answer.retryDelayMs !== undefined) {
      metadata.set('grpc-status-details-bin',
                   statusWithRetryInfo(code, message, answer.retryDelayMs));
    }
    callback({ code, details: message, metadata });
  };
  if (opts.delayMs > 0) setTimeout(send, opts.delayMs); else send();
}

server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE });
for (const signal of Object.keys(METHODS)) {
  server.addService(serviceFor(signal), {
    Export: (call, callback) => exportCall(signal, call, callback),
  });
}
let credentials;
if (opts.tls) {
  credentials = grpc.ServerCredentials.createSsl(null, [{
    cert_chain: fs.readFileSync(opts.tls.cert),
    private_key: fs.readFileSync(opts.tls.key),
  }], false);
} else {
  credentials = grpc.ServerCredentials.createInsecure();
}
server.bindAsync('127.0.0.1:0', credentials, (err, port) => {
  if (err) die(`bind: ${err.message}`);
  const tmp = path.join(path.dirname(opts.portFile),
                        `.${path.basename(opts.portFile)}.${process.pid}`);
  fs.writeFileSync(tmp, `${port}\n`);
  fs.renameSync(tmp, opts.portFile);
  process.stderr.write(
    `otlp_grpc_receiver.js: listening on 127.0.0.1:${port}\n`);
  touch();
});
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
