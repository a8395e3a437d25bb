'use strict';
/*
 * The OpenTelemetry JS side of otelc's propagation interop tests.
 *
 *   node propagation.js extract <w3c|b3|b3multi>   < headers.json
 *       Extracts with the JS propagators and prints one JSON line:
 *       {traceId, spanId, traceFlags, isRemote, traceState, baggage}.
 *
 *   node propagation.js inject <w3c|b3|b3multi>    < spec.json
 *       spec: {traceId, spanId, traceFlags, traceState,
 *              baggage: {name: {value, metadata}}}
 *       Prints the headers the JS propagators write, as a JSON object.
 *
 *   node propagation.js server <port-file>
 *       An HTTP server on 127.0.0.1 (ephemeral port, written to
 *       <port-file>) instrumented by the OpenTelemetry JS SDK. Each GET is
 *       answered with a JSON description of the server span the HTTP
 *       instrumentation created for it. Exits on SIGTERM or SIGINT, or
 *       after 60 s without a request.
 */

const fs = require('fs');
const path = require('path');

function die(msg) {
  process.stderr.write(`propagation.js: ${msg}\n`);
  process.exit(2);
}

function readStdinJson() {
  const text = fs.readFileSync(0, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    die(`stdin is not JSON (${e.message}): ${JSON.stringify(text)}`);
  }
  return undefined;
}

function makePropagator(format) {
  const core = require('@opentelemetry/core');
  if (format === 'w3c') {
    return new core.CompositePropagator({
      propagators: [
        new core.W3CTraceContextPropagator(),
        new core.W3CBaggagePropagator(),
      ],
    });
  }
  const b3 = require('@opentelemetry/propagator-b3');
  if (format === 'b3') {
    return new b3.B3Propagator();
  }
  if (format === 'b3multi') {
    return new b3.B3Propagator({
      injectEncoding: b3.B3InjectEncoding.MULTI_HEADER,
    });
  }
  return die(`unknown format "${format}" (w3c, b3, b3multi)`);
}

function baggageToJson(bag) {
  const out = {};
  if (!bag) return out;
  for (const [name, entry] of bag.getAllEntries()) {
    out[name] = {
      value: entry.value,
      metadata: entry.metadata === undefined ? null : entry.metadata.toString(),
    };
  }
  return out;
}

function extract(format) {
  const api = require('@opentelemetry/api');
  const headers = readStdinJson();
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) {
    die('extract wants a JSON object of headers on stdin');
  }
  /* HTTP header names are case-insensitive; Node hands them over in
   * lowercase, so do the same. */
  const carrier = {};
  for (const [k, v] of Object.entries(headers)) carrier[k.toLowerCase()] = v;
  const ctx = makePropagator(format).extract(
    api.ROOT_CONTEXT, carrier, api.defaultTextMapGetter);
  const sc = api.trace.getSpanContext(ctx);
  const valid = sc !== undefined && api.isSpanContextValid(sc);
  const result = {
    traceId: valid ? sc.traceId : null,
    spanId: valid ? sc.spanId : null,
    traceFlags: valid ? sc.traceFlags : null,
    isRemote: valid ? sc.isRemote === true : null,
    traceState: valid && sc.traceState ? sc.traceState.serialize() : null,
    baggage: baggageToJson(api.propagation.getBaggage(ctx)),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function inject(format) {
  const api = require('@opentelemetry/api');
  const { TraceState } = require('@opentelemetry/core');
  const spec = readStdinJson();
  let ctx = api.ROOT_CONTEXT;
  if (spec.traceId) {
    ctx = api.trace.setSpanContext(ctx, {
      traceId: spec.traceId,
      spanId: spec.spanId,
      traceFlags: spec.traceFlags ?? 0,
      isRemote: true,
      traceState: spec.traceState ? new TraceState(spec.traceState)
                                  : undefined,
    });
  }
  const entries = {};
  for (const [name, e] of Object.entries(spec.baggage || {})) {
    entries[name] = { value: e.value };
    if (e.metadata !== undefined && e.metadata !== null) {
      entries[name].metadata = api.baggageEntryMetadataFromString(e.metadata);
    }
  }
  if (Object.keys(entries).length > 0) {
    ctx = api.propagation.setBaggage(ctx,
                                     api.propagation.createBaggage(entries));
  }
  const carrier = {};
  makePropagator(format).inject(ctx, carrier, api.defaultTextMapSetter);
  process.stdout.write(JSON.stringify(carrier) + '\n');
}

function server(portFile) {
  if (!portFile) die('server wants a port file');
  const api = require('@opentelemetry/api');
  const core = require('@opentelemetry/core');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const {
    InMemorySpanExporter,
    SimpleSpanProcessor,
  } = require('@opentelemetry/sdk-trace-base');
  const {
    registerInstrumentations,
  } = require('@opentelemetry/instrumentation');
  const {
    HttpInstrumentation,
  } = require('@opentelemetry/instrumentation-http');

  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  provider.register({
    propagator: new core.CompositePropagator({
      propagators: [
        new core.W3CTraceContextPropagator(),
        new core.W3CBaggagePropagator(),
      ],
    }),
  });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new HttpInstrumentation()],
  });

  /* Only now: the instrumentation patches http when it is required. */
  const http = require('http');

  const IDLE_MS = 60 * 1000;
  let idle = null;
  let srv = null;
  const stop = (code) => {
    if (idle) clearTimeout(idle);
    const done = () => {
      provider.shutdown().finally(() => process.exit(code));
    };
    if (srv) srv.close(done); else done();
    if (srv && srv.closeAllConnections) srv.closeAllConnections();
    setTimeout(() => process.exit(code), 2000).unref();
  };
  const touch = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      process.stderr.write('propagation.js server: idle for 60 s, exiting\n');
      stop(0);
    }, IDLE_MS);
  };

  srv = http.createServer((req, res) => {
    touch();
    const active = api.context.active();
    const span = api.trace.getSpan(active);
    let body;
    if (!span) {
      body = { error: 'no active span: the HTTP instrumentation did not run' };
    } else {
      const sc = span.spanContext();
      const parent = span.parentSpanContext;
      body = {
        traceId: sc.traceId,
        spanId: sc.spanId,
        traceFlags: sc.traceFlags,
        parentSpanId: parent ? parent.spanId : null,
        parentIsRemote: parent ? parent.isRemote === true : null,
        kind: api.SpanKind[span.kind],
        name: span.name,
        method: req.method,
        baggage: baggageToJson(api.propagation.getBaggage(active)),
      };
    }
    const text = JSON.stringify(body);
    res.writeHead(req.method === 'GET' && span ? 200 : 500, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      connection: 'close',
    });
    res.end(text);
  });
  srv.on('error', (e) => die(`server: ${e.message}`));
  srv.listen(0, '127.0.0.1', () => {
    const port = srv.address().port;
    /* Written whole, then renamed: a reader never sees half a number. */
    const tmp = path.join(path.dirname(portFile),
                          `.${path.basename(portFile)}.${process.pid}`);
    fs.writeFileSync(tmp, `${port}\n`);
    fs.renameSync(tmp, portFile);
    process.stderr.write(
      `propagation.js server: listening on 127.0.0.1:${port}\n`);
    touch();
  });
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
}

const [cmd, arg] = process.argv.slice(2);
switch (cmd) {
  case 'extract': extract(arg); break;
  case 'inject': inject(arg); break;
  case 'server': server(arg); break;
  default:
    die('usage: propagation.js extract|inject <w3c|b3|b3multi> ' +
        '| server <port-file>');
}
