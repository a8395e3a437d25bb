'use strict';
/*
 * Strict OTLP decoding with the official schema, shared by otlp_decode.js,
 * otlp_receiver.js and otlp_compare.js.
 *
 * The schema is the protobufjs static code that @opentelemetry/otlp-transformer
 * 0.214.0 generates from the opentelemetry-proto .proto files
 * (build/src/generated/root.js). Nothing here restates a message layout:
 * field names, nesting and types all come from the generated types.
 *
 * Protobuf input is decoded with Type.decode and must
 *   - parse completely,
 *   - hold only valid UTF-8 in string fields (proto3 requires it; strict
 *     receivers such as the Go collector reject anything else),
 *   - re-encode to the same number of bytes: unknown fields and repeated
 *     occurrences of a singular field are dropped by decode, so bytes that
 *     do not survive the round trip mean the writer sent something the
 *     schema does not have.
 *
 * OTLP/JSON input (the proto3 JSON mapping with OTLP's changes: hex ids,
 * integer enums, lowerCamelCase names) must
 *   - be valid UTF-8 and one JSON value, with no duplicate object keys and
 *     no unpaired surrogates in strings,
 *   - use only field names of the schema, in lowerCamelCase, with no null
 *     values; traceId, spanId and parentSpanId as lowercase hex,
 *   - survive fromObject -> verify -> toObject unchanged: a value of the
 *     wrong JSON type (a number for a string, an enum name, a 64-bit
 *     integer written as a JSON number, padding-less base64, ...) comes
 *     back different and is reported with its path.
 *
 * Canonical form (what the tools print): toObject with 64-bit integers as
 * decimal strings, enums as numbers, non-finite doubles as "NaN" /
 * "Infinity" / "-Infinity", bytes as base64 except the ids, which are
 * lowercase hex. Fields absent on the wire are absent here.
 */

const path = require('path');

const transformerDir = path.dirname(
  require.resolve('@opentelemetry/otlp-transformer/package.json'));
const root = require(path.join(transformerDir, 'build', 'src', 'generated',
                               'root.js'));
/* The protobufjs runtime the generated code uses, not whichever copy a
 * plain require would find. */
const protobuf = require(require.resolve('protobufjs/minimal',
                                         { paths: [transformerDir] }));

const P = root.opentelemetry.proto;

const SIGNALS = {
  traces: {
    path: '/v1/traces',
    request: P.collector.trace.v1.ExportTraceServiceRequest,
    response: P.collector.trace.v1.ExportTraceServiceResponse,
    data: P.trace.v1.TracesData,
    top: 'resourceSpans',
    rejected: 'rejectedSpans',
  },
  metrics: {
    path: '/v1/metrics',
    request: P.collector.metrics.v1.ExportMetricsServiceRequest,
    response: P.collector.metrics.v1.ExportMetricsServiceResponse,
    data: P.metrics.v1.MetricsData,
    top: 'resourceMetrics',
    rejected: 'rejectedDataPoints',
  },
  logs: {
    path: '/v1/logs',
    request: P.collector.logs.v1.ExportLogsServiceRequest,
    response: P.collector.logs.v1.ExportLogsServiceResponse,
    data: P.logs.v1.LogsData,
    top: 'resourceLogs',
    rejected: 'rejectedLogRecords',
  },
};

/* Fields that OTLP/JSON writes as hex instead of base64. */
const HEX_IDS = { traceId: 16, spanId: 8, parentSpanId: 8 };

const CANONICAL = {
  longs: String,
  enums: Number,
  bytes: String,
  json: true,
};

function typeName(Ctor) {
  return typeof Ctor.getTypeUrl === 'function'
    ? Ctor.getTypeUrl('').replace(/^\//, '') : Ctor.name;
}

function show(v) {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string' && v.length > 120) {
    return JSON.stringify(`${v.slice(0, 117)}...`);
  }
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

/* ----------------------------------------------------- protobuf strings -- */

/* Strings read by the generated decoders are checked for valid UTF-8; the
 * bad ones are collected here while a decode runs. */
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
let badStrings = null;

function strictString() {
  const bytes = this.bytes();
  try {
    return fatalUtf8.decode(bytes);
  } catch (e) {
    const text = lenientUtf8.decode(bytes);
    if (badStrings) {
      badStrings.push(`a string field is not valid UTF-8: bytes ` +
                      `${Buffer.from(bytes).toString('hex')} ` +
                      `(read leniently as ${JSON.stringify(text)})`);
    }
    return text;
  }
}
protobuf.Reader.prototype.string = strictString;
if (protobuf.BufferReader) protobuf.BufferReader.prototype.string = strictString;

/* ------------------------------------------------------- canonical form -- */

function base64ToHex(s) {
  return Buffer.from(s, 'base64').toString('hex');
}

/* Ids to hex, everywhere they occur. */
function hexIds(v) {
  if (Array.isArray(v)) return v.map(hexIds);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = (k in HEX_IDS && typeof x === 'string') ? base64ToHex(x)
                                                       : hexIds(x);
    }
    return out;
  }
  return v;
}

function canonical(Type, message) {
  return hexIds(Type.toObject(message, CANONICAL));
}

/* ------------------------------------------------------------ protobuf -- */

/**
 * Decode protobuf bytes as @p Type. Returns {message, object, errors}:
 * object is the canonical form (undefined when the bytes do not parse).
 */
function decodeProtobuf(Type, bytes) {
  const errors = [];
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let message;
  let nbad = 0;
  badStrings = [];
  try {
    message = Type.decode(buf);
  } catch (e) {
    errors.push(`not a valid ${typeName(Type)}: ${e.message}`);
  } finally {
    nbad = badStrings.length;
    errors.push(...badStrings);
    badStrings = null;
  }
  if (!message) return { message, object: undefined, errors };
  const why = Type.verify(message);
  if (why) errors.push(`${typeName(Type)}: ${why}`);
  /* Re-encoding writes every field the schema knows, in field-number
   * order (as the protobuf encoding guide says writers should), with the
   * wire type the schema gives it. Anything else shows up as a
   * difference. (Strings read leniently change length; then this says
   * nothing.) */
  const again = Buffer.from(Type.encode(message).finish());
  const input = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  if (nbad === 0 && again.length < input.length) {
    errors.push(`${input.length - again.length} of ${input.length} bytes ` +
                `are not fields of ${typeName(Type)} (unknown fields, a ` +
                'singular field written more than once, or over-long ' +
                'varints)');
  } else if (nbad === 0 && !again.equals(input)) {
    let at = 0;
    while (at < input.length && at < again.length &&
           input[at] === again[at]) at++;
    const around = (b) => b.subarray(Math.max(0, at - 8), at + 8)
      .toString('hex');
    errors.push(`the bytes differ from the schema's encoding of the same ` +
                `message from offset ${at} (fields out of field-number ` +
                `order, or written with another wire type): input ` +
                `...${around(input)}..., schema ...${around(again)}...`);
  }
  return { message, object: canonical(Type, message), errors };
}

/* ---------------------------------------------------------------- JSON -- */

/* Object keys that occur twice: JSON.parse keeps the last silently. The
 * text is known to be valid JSON when this runs. */
function duplicateKeys(text) {
  const found = [];
  const stack = []; /* {keys:Set|null, path, expectKey, index} */
  let i = 0;
  const top = () => stack[stack.length - 1];
  const readString = () => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  let pendingKey = null;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const t = top();
      const s = readString();
      if (t && t.keys && t.expectKey) {
        if (t.keys.has(s)) found.push(`${t.path}: key ${show(s)} appears twice`);
        t.keys.add(s);
        t.expectKey = false;
        pendingKey = s;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      const t = top();
      let p = '$';
      if (t) {
        p = t.keys ? `${t.path}.${pendingKey}` : `${t.path}[${t.index}]`;
      }
      stack.push({ keys: c === '{' ? new Set() : null, path: p,
                   expectKey: c === '{', index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const t = top();
      if (t.keys) t.expectKey = true; else t.index++;
    }
    i++;
  }
  return found;
}

function ownFields(Ctor) {
  if (!Ctor.__otelcFields) {
    const proto = Ctor.prototype;
    const fields = Object.keys(proto).filter(
      (k) => typeof proto[k] !== 'function');
    const fresh = new Ctor();
    const info = {};
    for (const k of fields) {
      const repeated = Array.isArray(fresh[k]);
      let type = null;
      try {
        const m = Ctor.fromObject({ [k]: repeated ? [{}] : {} });
        const v = repeated ? m[k] && m[k][0] : m[k];
        if (v && typeof v === 'object' && typeof v.constructor.encode ===
            'function' && typeof v.constructor.fromObject === 'function') {
          type = v.constructor;
        }
      } catch (e) {
        type = null;
      }
      info[k] = { repeated, type };
    }
    Object.defineProperty(Ctor, '__otelcFields', { value: info });
  }
  return Ctor.__otelcFields;
}

function snakeToCamel(s) {
  return s.replace(/_([a-z0-9])/g, (m, c) => c.toUpperCase());
}

/*
 * Check the JSON value @p v against message type @p Ctor. Returns
 * [input, clean]: a copy that fromObject can take (ids as bytes), and the
 * same without what was already reported (unknown fields, nulls, bad ids),
 * ids in lowercase, to compare the round trip with. Problems go to
 * @p errors.
 */
function prepare(Ctor, v, where, errors) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    errors.push(`${where}: expected a ${typeName(Ctor)} object, ` +
                `found ${show(v)}`);
    return [{}, {}];
  }
  const fields = ownFields(Ctor);
  const out = {};
  const clean = {};
  for (const [k, x] of Object.entries(v)) {
    const at = `${where}.${k}`;
    if (!(k in fields)) {
      const camel = snakeToCamel(k);
      const hint = camel !== k && camel in fields
        ? ` (OTLP/JSON names are lowerCamelCase: "${camel}")`
        : ` (fields: ${Object.keys(fields).join(', ')})`;
      errors.push(`${at}: unknown field of ${typeName(Ctor)}${hint}`);
      continue;
    }
    if (x === null) {
      errors.push(`${at}: null (omit a field instead of writing null)`);
      continue;
    }
    const f = fields[k];
    if (k in HEX_IDS && !f.type) {
      if (typeof x !== 'string') {
        errors.push(`${at}: ids are hex strings in OTLP/JSON, found ${show(x)}`);
        continue;
      }
      if (!/^[0-9a-fA-F]*$/.test(x) || x.length % 2 !== 0) {
        errors.push(`${at}: not hex: ${show(x)}` +
                    (/^[A-Za-z0-9+/]+=*$/.test(x) ? ' (base64? OTLP/JSON ' +
                     'writes trace and span ids as hex)' : ''));
        continue;
      }
      if (/[A-F]/.test(x)) {
        errors.push(`${at}: uppercase hex ${show(x)} (write lowercase)`);
      }
      if (x === '') {
        errors.push(`${at}: empty id (omit the field instead)`);
      }
      out[k] = Buffer.from(x, 'hex');
      clean[k] = x.toLowerCase();
      continue;
    }
    if (f.type && f.repeated) {
      if (!Array.isArray(x)) {
        errors.push(`${at}: expected an array of ${typeName(f.type)}, ` +
                    `found ${show(x)}`);
        continue;
      }
      const pairs = x.map((e, i) => prepare(f.type, e, `${at}[${i}]`,
                                            errors));
      out[k] = pairs.map((p) => p[0]);
      clean[k] = pairs.map((p) => p[1]);
    } else if (f.type) {
      [out[k], clean[k]] = prepare(f.type, x, at, errors);
    } else {
      out[k] = x;
      clean[k] = x;
    }
  }
  return [out, clean];
}

function isEmpty(v) {
  return v === undefined || (Array.isArray(v) && v.length === 0);
}

/* Report where the round trip changed the input. */
function roundTripDiff(original, again, where, errors) {
  if (Array.isArray(original) && Array.isArray(again)) {
    const n = Math.max(original.length, again.length);
    for (let i = 0; i < n; i++) {
      roundTripDiff(original[i], again[i], `${where}[${i}]`, errors);
    }
    return;
  }
  if (original && again && typeof original === 'object' &&
      typeof again === 'object' && !Array.isArray(original) &&
      !Array.isArray(again)) {
    const keys = new Set([...Object.keys(original), ...Object.keys(again)]);
    for (const k of keys) {
      if (isEmpty(original[k]) && isEmpty(again[k])) continue;
      roundTripDiff(original[k], again[k], `${where}.${k}`, errors);
    }
    return;
  }
  if (Object.is(original, again)) return;
  let why = '';
  if (typeof original === 'number' && typeof again === 'string' &&
      /^-?\d+$/.test(again)) {
    why = ' (64-bit integers are decimal strings in OTLP/JSON)';
  } else if (typeof original === 'string' && typeof again === 'number') {
    why = /^[A-Z_]+$/.test(original)
      ? ' (enums are integers in OTLP/JSON, never names)'
      : ` (the schema has a number here, not a string)`;
  } else if (typeof original !== typeof again) {
    why = ` (the schema wants a ${typeof again}, not a ${typeof original})`;
  }
  errors.push(`${where}: written as ${show(original)}, the schema reads ` +
              `${show(again)}${why}`);
}

/* Strings with unpaired surrogates (from \ud800-style escapes). */
function badUnicode(v, where, errors) {
  if (typeof v === 'string') {
    if (!v.isWellFormed()) {
      errors.push(`${where}: string with an unpaired surrogate ${show(v)}`);
    }
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => badUnicode(x, `${where}[${i}]`, errors));
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!k.isWellFormed()) {
        errors.push(`${where}: key with an unpaired surrogate ${show(k)}`);
      }
      badUnicode(x, `${where}.${k}`, errors);
    }
  }
}

/**
 * Decode OTLP/JSON (a Buffer, Uint8Array or already-decoded string) as
 * @p Type. Returns {message, object, errors} like decodeProtobuf.
 */
function decodeJson(Type, input, where = '$') {
  const errors = [];
  let text = input;
  if (typeof input !== 'string') {
    try {
      text = fatalUtf8.decode(input);
    } catch (e) {
      errors.push(`${where}: the JSON text is not valid UTF-8`);
      text = lenientUtf8.decode(input);
    }
  }
  if (text.charCodeAt(0) === 0xfeff) {
    errors.push(`${where}: starts with a byte-order mark`);
    text = text.slice(1);
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    errors.push(`${where}: not JSON: ${e.message}`);
    return { message: undefined, object: undefined, errors };
  }
  for (const d of duplicateKeys(text)) errors.push(d.replace(/^\$/, where));
  badUnicode(parsed, where, errors);
  const [prepared, clean] = prepare(Type, parsed, where, errors);
  let message;
  try {
    message = Type.fromObject(prepared);
  } catch (e) {
    errors.push(`${where}: ${typeName(Type)}.fromObject: ${e.message}`);
    return { message: undefined, object: undefined, errors };
  }
  const why = Type.verify(message);
  if (why) errors.push(`${where}: ${typeName(Type)}: ${why}`);
  const object = canonical(Type, message);
  roundTripDiff(clean, object, where, errors);
  return { message, object, errors };
}

/* ------------------------------------------------------ semantic checks -- */

function checkId(errors, where, hex, bytes, optional) {
  if (hex === undefined || hex === '') {
    if (!optional) errors.push(`${where}: missing (${bytes} bytes required)`);
    return;
  }
  if (hex.length !== bytes * 2) {
    errors.push(`${where}: ${hex.length / 2} bytes, ${bytes} required ` +
                `(${show(hex)})`);
  } else if (/^0+$/.test(hex) && !optional) {
    errors.push(`${where}: all zeros (an invalid id)`);
  }
}

const U64 = (s) => BigInt(s === undefined ? '0' : s);

/* Rules of trace.proto that the schema alone cannot express. */
function traceErrors(req, where = '$') {
  const errors = [];
  (req.resourceSpans || []).forEach((rs, i) => {
    const rw = `${where}.resourceSpans[${i}]`;
    if (!rs.scopeSpans || rs.scopeSpans.length === 0) {
      errors.push(`${rw}: no scopeSpans (empty envelopes should not be sent)`);
    }
    (rs.scopeSpans || []).forEach((ss, j) => {
      const sw = `${rw}.scopeSpans[${j}]`;
      if (!ss.spans || ss.spans.length === 0) {
        errors.push(`${sw}: no spans (empty envelopes should not be sent)`);
      }
      (ss.spans || []).forEach((s, k) => {
        const w = `${sw}.spans[${k}]`;
        checkId(errors, `${w}.traceId`, s.traceId, 16, false);
        checkId(errors, `${w}.spanId`, s.spanId, 8, false);
        checkId(errors, `${w}.parentSpanId`, s.parentSpanId, 8, true);
        if (s.parentSpanId && /^0+$/.test(s.parentSpanId)) {
          errors.push(`${w}.parentSpanId: all zeros (omit it for a root span)`);
        }
        if ((s.kind || 0) < 0 || (s.kind || 0) > 5) {
          errors.push(`${w}.kind: ${s.kind} is not a SpanKind`);
        }
        if (s.status && ((s.status.code || 0) < 0 || (s.status.code || 0) > 2)) {
          errors.push(`${w}.status.code: ${s.status.code} is not a StatusCode`);
        }
        if (((s.flags || 0) & ~0x3ff) !== 0) {
          errors.push(`${w}.flags: reserved bits set (0x${(s.flags >>> 0)
            .toString(16)})`);
        }
        if (U64(s.startTimeUnixNano) === 0n) {
          errors.push(`${w}.startTimeUnixNano: missing`);
        }
        if (U64(s.endTimeUnixNano) < U64(s.startTimeUnixNano)) {
          errors.push(`${w}: ends (${s.endTimeUnixNano}) before it starts ` +
                      `(${s.startTimeUnixNano})`);
        }
        (s.events || []).forEach((e, n) => {
          if (U64(e.timeUnixNano) === 0n) {
            errors.push(`${w}.events[${n}].timeUnixNano: missing`);
          }
        });
        (s.links || []).forEach((l, n) => {
          checkId(errors, `${w}.links[${n}].traceId`, l.traceId, 16, true);
          checkId(errors, `${w}.links[${n}].spanId`, l.spanId, 8, true);
          if (((l.flags || 0) & ~0x3ff) !== 0) {
            errors.push(`${w}.links[${n}].flags: reserved bits set`);
          }
        });
      });
    });
  });
  return errors;
}

/* Rules of logs.proto and the log data model that the schema alone
 * cannot express. */
function logErrors(req, where = '$') {
  const errors = [];
  (req.resourceLogs || []).forEach((rl, i) => {
    const rw = `${where}.resourceLogs[${i}]`;
    if (!rl.scopeLogs || rl.scopeLogs.length === 0) {
      errors.push(`${rw}: no scopeLogs (empty envelopes should not be sent)`);
    }
    (rl.scopeLogs || []).forEach((sl, j) => {
      const sw = `${rw}.scopeLogs[${j}]`;
      if (!sl.logRecords || sl.logRecords.length === 0) {
        errors.push(`${sw}: no logRecords (empty envelopes should not be ` +
                    'sent)');
      }
      (sl.logRecords || []).forEach((r, k) => {
        const w = `${sw}.logRecords[${k}]`;
        checkId(errors, `${w}.traceId`, r.traceId, 16, true);
        checkId(errors, `${w}.spanId`, r.spanId, 8, true);
        for (const id of ['traceId', 'spanId']) {
          if (r[id] && /^0+$/.test(r[id])) {
            errors.push(`${w}.${id}: all zeros (omit it when no span was ` +
                        'current)');
          }
        }
        if (r.spanId && !r.traceId) {
          errors.push(`${w}: a span id without a trace id`);
        }
        /* LogRecordFlags: bits 0-7 are the trace flags, the rest is
         * reserved. */
        if (((r.flags || 0) & ~0xff) !== 0) {
          errors.push(`${w}.flags: reserved bits set (0x${(r.flags >>> 0)
            .toString(16)})`);
        }
        const sev = r.severityNumber || 0;
        if (sev < 0 || sev > 24) {
          errors.push(`${w}.severityNumber: ${sev} is not a SeverityNumber`);
        }
      });
    });
  });
  return errors;
}

const METRIC_DATA = ['gauge', 'sum', 'histogram', 'exponentialHistogram',
                     'summary'];
const sumU64 = (a) => (a || []).reduce((t, x) => t + U64(x), 0n);

function exemplarErrors(errors, where, exemplars) {
  (exemplars || []).forEach((e, n) => {
    const w = `${where}.exemplars[${n}]`;
    checkId(errors, `${w}.traceId`, e.traceId, 16, true);
    checkId(errors, `${w}.spanId`, e.spanId, 8, true);
    if (!e.traceId !== !e.spanId) {
      errors.push(`${w}: a trace id without a span id, or the other way`);
    }
    if (e.asInt === undefined && e.asDouble === undefined) {
      errors.push(`${w}: no value (asInt or asDouble)`);
    }
  });
}

/* Rules of metrics.proto that the schema alone cannot express. */
function metricPointErrors(errors, w, kind, pt) {
  if (U64(pt.timeUnixNano) === 0n) errors.push(`${w}.timeUnixNano: missing`);
  if (U64(pt.startTimeUnixNano) > U64(pt.timeUnixNano)) {
    errors.push(`${w}: starts (${pt.startTimeUnixNano}) after its time ` +
                `(${pt.timeUnixNano})`);
  }
  if (((pt.flags || 0) & ~1) !== 0) {
    errors.push(`${w}.flags: reserved bits set (${pt.flags})`);
  }
  exemplarErrors(errors, w, pt.exemplars);
  if (kind === 'gauge' || kind === 'sum') {
    if (pt.asInt === undefined && pt.asDouble === undefined) {
      errors.push(`${w}: no value (asInt or asDouble)`);
    }
  } else if (kind === 'histogram') {
    const nc = (pt.bucketCounts || []).length;
    const nb = (pt.explicitBounds || []).length;
    if (nc !== 0 && nc !== nb + 1) {
      errors.push(`${w}: ${nc} bucket counts for ${nb} explicit bounds ` +
                  '(want bounds + 1, or none)');
    } else if (nc === 0 && nb !== 0) {
      errors.push(`${w}: explicit bounds without bucket counts`);
    }
    const b = pt.explicitBounds || [];
    for (let i = 1; i < b.length; i++) {
      if (!(b[i] > b[i - 1])) {
        errors.push(`${w}.explicitBounds: not strictly increasing`);
        break;
      }
    }
    if (nc && sumU64(pt.bucketCounts) !== U64(pt.count)) {
      errors.push(`${w}: count ${pt.count || 0} is not the sum of its ` +
                  'bucket counts');
    }
  } else if (kind === 'exponentialHistogram') {
    const total = U64(pt.zeroCount) +
      sumU64((pt.positive || {}).bucketCounts) +
      sumU64((pt.negative || {}).bucketCounts);
    if (total !== U64(pt.count)) {
      errors.push(`${w}: count ${pt.count || 0} is not zeroCount plus the ` +
                  `bucket counts (${total})`);
    }
    if ((pt.scale || 0) < -10 || (pt.scale || 0) > 20) {
      errors.push(`${w}.scale: ${pt.scale} is outside [-10, 20]`);
    }
  }
}

function metricErrors(req, where = '$') {
  const errors = [];
  (req.resourceMetrics || []).forEach((rm, i) => {
    const rw = `${where}.resourceMetrics[${i}]`;
    if (!rm.scopeMetrics || rm.scopeMetrics.length === 0) {
      errors.push(`${rw}: no scopeMetrics (empty envelopes should not be ` +
                  'sent)');
    }
    (rm.scopeMetrics || []).forEach((sm, j) => {
      const sw = `${rw}.scopeMetrics[${j}]`;
      if (!sm.metrics || sm.metrics.length === 0) {
        errors.push(`${sw}: no metrics (empty envelopes should not be sent)`);
      }
      (sm.metrics || []).forEach((m, k) => {
        const w = `${sw}.metrics[${k}]`;
        if (!m.name) errors.push(`${w}.name: missing`);
        const kinds = METRIC_DATA.filter((d) => m[d] !== undefined);
        if (kinds.length !== 1) {
          errors.push(`${w}: ${kinds.length} data fields ` +
                      `(${kinds.join(', ') || 'none'}), want one`);
          return;
        }
        const kind = kinds[0];
        const data = m[kind];
        if (kind !== 'gauge' && kind !== 'summary' &&
            ![1, 2].includes(data.aggregationTemporality)) {
          errors.push(`${w}.${kind}.aggregationTemporality: ` +
                      `${data.aggregationTemporality || 0} (want 1 or 2)`);
        }
        if (!data.dataPoints || data.dataPoints.length === 0) {
          errors.push(`${w}.${kind}: no data points`);
        }
        (data.dataPoints || []).forEach((pt, n) => {
          metricPointErrors(errors, `${w}.${kind}.dataPoints[${n}]`, kind, pt);
        });
      });
    });
  });
  return errors;
}

function semanticErrors(signal, object, where) {
  if (!object) return [];
  if (signal === 'traces') return traceErrors(object, where);
  if (signal === 'metrics') return metricErrors(object, where);
  if (signal === 'logs') return logErrors(object, where);
  return [];
}

/** The signal of a decoded JSON value, from its one top-level field. */
function signalOfJson(parsed) {
  if (parsed && typeof parsed === 'object') {
    for (const [name, s] of Object.entries(SIGNALS)) {
      if (s.top in parsed) return name;
    }
  }
  return null;
}

/* ------------------------------------------------------------- replies -- */

/* gRPC codes for the google.rpc.Status an HTTP error carries. */
function grpcCodeFor(httpStatus) {
  switch (httpStatus) {
    case 400: return 3; /* INVALID_ARGUMENT */
    case 401: return 16; /* UNAUTHENTICATED */
    case 403: return 7; /* PERMISSION_DENIED */
    case 404: return 5; /* NOT_FOUND */
    case 413: return 8; /* RESOURCE_EXHAUSTED */
    case 429: return 8; /* RESOURCE_EXHAUSTED */
    case 500: return 13; /* INTERNAL */
    case 501: return 12; /* UNIMPLEMENTED */
    case 502: case 503: case 504: return 14; /* UNAVAILABLE */
    default: return 2; /* UNKNOWN */
  }
}

/* google.rpc.Status {1 code int32, 2 message string}; not part of the
 * OTLP protos, so written with the protobufjs writer. */
function encodeRpcStatus(code, message, json) {
  if (json) return Buffer.from(JSON.stringify({ code, message }));
  const w = protobuf.Writer.create();
  if (code) w.uint32(8).int32(code);
  if (message) w.uint32(18).string(message);
  return Buffer.from(w.finish());
}

function encodeResponse(signal, partial, json) {
  const s = SIGNALS[signal];
  const body = {};
  if (partial) {
    body.partialSuccess = {
      [s.rejected]: String(partial.rejected),
      errorMessage: partial.message,
    };
  }
  const msg = s.response.fromObject(body);
  if (json) {
    return Buffer.from(JSON.stringify(s.response.toObject(msg, CANONICAL)));
  }
  return Buffer.from(s.response.encode(msg).finish());
}

module.exports = {
  root,
  protobuf,
  SIGNALS,
  HEX_IDS,
  canonical,
  decodeProtobuf,
  decodeJson,
  semanticErrors,
  signalOfJson,
  grpcCodeFor,
  encodeRpcStatus,
  encodeResponse,
  show,
  typeName,
};
