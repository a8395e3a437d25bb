'use strict';
/*
 * Compare what the official OTLP schema decoded from otelc's output with
 * what otelc recorded, field by field.
 *
 *   node otlp_compare.js check <label> <expected.json> <decoded.jsonl>
 *                              [--requests N] [--min-requests N]
 *
 * <expected.json> is written by otlp_tool:
 *   {"spans":[{"resource":{"attributes":[A...],"droppedAttributesCount":n,
 *                          "schemaUrl":s},
 *              "scope":{"name","version","attributes":[A...],
 *                       "droppedAttributesCount","schemaUrl"},
 *              "traceId","spanId","parentSpanId","traceState","name",
 *              "kind","startTimeUnixNano","endTimeUnixNano","flags",
 *              "attributes":[A...],"droppedAttributesCount",
 *              "events":[{"name","timeUnixNano","attributes",
 *                         "droppedAttributesCount"}],"droppedEventsCount",
 *              "links":[{"traceId","spanId","traceState","flags",
 *                        "attributes","droppedAttributesCount"}],
 *              "droppedLinksCount","status":{"code","message"}}, ...]}
 * where an attribute A is {"key", "type", "value"} and type is one of
 * string, bool, int (value a decimal string), double (a number, or "NaN",
 * "Infinity", "-Infinity"), bytes (value in hex), string_array,
 * bool_array, int_array, double_array, array (value: [{type, value}]),
 * map (value: [A...]) and empty (no value).
 *
 * <decoded.jsonl> holds canonical requests, one per line, as printed by
 * otlp_decode.js. The spans may be spread over several requests (a file
 * exporter writes one per batch). Checked:
 *   - every request groups spans by resource and scope: no two
 *     resourceSpans with the same resource, no two scopeSpans with the
 *     same scope in one resourceSpans;
 *   - every recorded span arrives exactly once (matched by trace and span
 *     id), under its own resource and scope, and no other span arrives;
 *   - every field of the span, its resource and its scope equals the
 *     recorded one; attributes are matched by key (each key once), events
 *     and links by position, values by type and value.
 *
 *   node otlp_compare.js same <label> <a.jsonl> <b.jsonl>
 *       The two files hold the same canonical requests (e.g. the protobuf
 *       and the JSON encoding of one request, both decoded).
 *
 * Each difference is printed with its path. Exit status: 0 when everything
 * matched, 1 on a difference, 2 on misuse. Required as a module, it runs
 * nothing and exports the functions otlp_metrics_compare.js and
 * otlp_logs_compare.js use.
 */

const fs = require('fs');

function die(msg) {
  process.stderr.write(`otlp_compare.js: ${msg}\n`);
  process.exit(2);
}

function show(v) {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}

function loadJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return die(`cannot read ${file}: ${e.message}`);
  }
}

function loadLines(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return die(`cannot read ${file}: ${e.message}`);
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l, i) => {
    try {
      return JSON.parse(l);
    } catch (e) {
      return die(`${file}:${i + 1}: not JSON: ${e.message}`);
    }
  });
}

/* ------------------------------------------- expected values as OTLP -- */

function hexToBase64(hex) {
  return Buffer.from(hex, 'hex').toString('base64');
}

/* The AnyValue that an expected typed value must decode to. */
function anyValue(t, v) {
  const arr = (values) => ({ arrayValue: values.length ? { values } : {} });
  switch (t) {
    case 'empty': return {};
    case 'string': return { stringValue: v };
    case 'bool': return { boolValue: v };
    case 'int': return { intValue: String(v) };
    case 'double': return { doubleValue: v };
    case 'bytes': return { bytesValue: hexToBase64(v) };
    case 'string_array': return arr(v.map((x) => ({ stringValue: x })));
    case 'bool_array': return arr(v.map((x) => ({ boolValue: x })));
    case 'int_array': return arr(v.map((x) => ({ intValue: String(x) })));
    case 'double_array': return arr(v.map((x) => ({ doubleValue: x })));
    case 'array': return arr(v.map((e) => anyValue(e.type, e.value)));
    case 'map':
      return {
        kvlistValue: v.length ? { values: v.map(keyValue) } : {},
      };
    default:
      throw new Error(`unknown attribute type ${show(t)} in the expected file`);
  }
}

function keyValue(a) {
  return { key: a.key, value: anyValue(a.type, a.value) };
}

/* --------------------------------------------------------- comparison -- */

class Problems {
  constructor() {
    this.list = [];
  }

  add(where, msg) {
    this.list.push(`${where}: ${msg}`);
  }

  field(where, want, got) {
    if (!Object.is(want, got)) {
      this.add(where, `expected ${show(want)}, got ${show(got)}`);
    }
  }
}

/* At most 200 lines: a systematic difference repeats in every span. */
function printProblems(list) {
  const MAX = 200;
  for (const line of list.slice(0, MAX)) {
    process.stdout.write(`        ${line}\n`);
  }
  if (list.length > MAX) {
    process.stdout.write(`        ... and ${list.length - MAX} more\n`);
  }
}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/* Deep comparison of decoded values; an absent list equals an empty one,
 * an absent object an empty one. Key/value lists are matched by key. */
function deepCompare(p, where, want, got) {
  if (Array.isArray(want) || Array.isArray(got)) {
    const w = want || [];
    const g = got || [];
    if (!Array.isArray(w) || !Array.isArray(g)) {
      p.add(where, `expected ${show(want)}, got ${show(got)}`);
      return;
    }
    if (w.length !== g.length) {
      p.add(where, `expected ${w.length} elements, got ${g.length}: ` +
                   `expected ${show(w)}, got ${show(g)}`);
      return;
    }
    w.forEach((x, i) => deepCompare(p, `${where}[${i}]`, x, g[i]));
    return;
  }
  if (isObj(want) || isObj(got)) {
    const w = want || {};
    const g = got || {};
    if (!isObj(w) || !isObj(g)) {
      p.add(where, `expected ${show(want)}, got ${show(got)}`);
      return;
    }
    if ('kvlistValue' in w || 'kvlistValue' in g) {
      /* A map: same keys, compared by key. */
      const wk = Object.keys(w);
      const gk = Object.keys(g);
      if (wk.join() !== gk.join()) {
        p.add(where, `expected ${show(w)}, got ${show(g)}`);
        return;
      }
      compareAttrs(p, `${where}.kvlistValue.values`,
                   (w.kvlistValue || {}).values, (g.kvlistValue || {}).values);
      return;
    }
    const keys = new Set([...Object.keys(w), ...Object.keys(g)]);
    for (const k of keys) {
      if (!(k in w) && !(k in g)) continue;
      if (!(k in g) && Array.isArray(w[k]) && w[k].length === 0) continue;
      if (!(k in w) && Array.isArray(g[k]) && g[k].length === 0) continue;
      if (!(k in w) || !(k in g)) {
        /* A different AnyValue kind, or a missing member. */
        p.add(`${where}`, `expected ${show(w)}, got ${show(g)}`);
        return;
      }
      deepCompare(p, `${where}.${k}`, w[k], g[k]);
    }
    return;
  }
  p.field(where, want, got);
}

/* Attribute lists: each key once, compared by key. @p want holds
 * KeyValue objects. */
function compareAttrs(p, where, want, got) {
  const w = want || [];
  const g = got || [];
  const gByKey = new Map();
  for (const kv of g) {
    if (gByKey.has(kv.key)) {
      p.add(`${where}[${show(kv.key)}]`, 'key appears more than once');
    }
    gByKey.set(kv.key, kv);
  }
  const seen = new Set();
  for (const kv of w) {
    seen.add(kv.key);
    const at = `${where}[${show(kv.key)}]`;
    if (!gByKey.has(kv.key)) {
      p.add(at, `missing (expected ${show(kv.value)})`);
      continue;
    }
    deepCompare(p, `${at}.value`, kv.value, gByKey.get(kv.key).value || {});
  }
  for (const kv of g) {
    if (!seen.has(kv.key)) {
      p.add(`${where}[${show(kv.key)}]`, `unexpected attribute ${show(kv)}`);
    }
  }
}

const dflt = (v, d) => (v === undefined ? d : v);

function compareResource(p, where, exp, rs) {
  const r = rs.resource || {};
  compareAttrs(p, `${where}.resource.attributes`,
               (exp.attributes || []).map(keyValue), r.attributes);
  p.field(`${where}.resource.droppedAttributesCount`,
          dflt(exp.droppedAttributesCount, 0), dflt(r.droppedAttributesCount, 0));
  p.field(`${where}.schemaUrl`, dflt(exp.schemaUrl, ''), dflt(rs.schemaUrl, ''));
  for (const k of Object.keys(r)) {
    if (!['attributes', 'droppedAttributesCount'].includes(k) &&
        !(Array.isArray(r[k]) && r[k].length === 0)) {
      p.add(`${where}.resource.${k}`, `unexpected ${show(r[k])}`);
    }
  }
}

function compareScope(p, where, exp, ss) {
  const s = ss.scope || {};
  p.field(`${where}.scope.name`, dflt(exp.name, ''), dflt(s.name, ''));
  p.field(`${where}.scope.version`, dflt(exp.version, ''), dflt(s.version, ''));
  compareAttrs(p, `${where}.scope.attributes`,
               (exp.attributes || []).map(keyValue), s.attributes);
  p.field(`${where}.scope.droppedAttributesCount`,
          dflt(exp.droppedAttributesCount, 0), dflt(s.droppedAttributesCount, 0));
  p.field(`${where}.schemaUrl`, dflt(exp.schemaUrl, ''), dflt(ss.schemaUrl, ''));
}

const SPAN_FIELDS = [
  'traceId', 'spanId', 'traceState', 'parentSpanId', 'flags', 'name', 'kind',
  'startTimeUnixNano', 'endTimeUnixNano', 'attributes',
  'droppedAttributesCount', 'events', 'droppedEventsCount', 'links',
  'droppedLinksCount', 'status',
];

function compareSpan(p, where, exp, got) {
  p.field(`${where}.traceId`, exp.traceId, got.traceId);
  p.field(`${where}.spanId`, exp.spanId, got.spanId);
  p.field(`${where}.parentSpanId`, dflt(exp.parentSpanId, ''),
          dflt(got.parentSpanId, ''));
  p.field(`${where}.traceState`, dflt(exp.traceState, ''),
          dflt(got.traceState, ''));
  p.field(`${where}.name`, exp.name, dflt(got.name, ''));
  p.field(`${where}.kind`, exp.kind, dflt(got.kind, 0));
  p.field(`${where}.startTimeUnixNano`, exp.startTimeUnixNano,
          dflt(got.startTimeUnixNano, '0'));
  p.field(`${where}.endTimeUnixNano`, exp.endTimeUnixNano,
          dflt(got.endTimeUnixNano, '0'));
  p.field(`${where}.flags`, dflt(exp.flags, 0), dflt(got.flags, 0));
  compareAttrs(p, `${where}.attributes`, (exp.attributes || []).map(keyValue),
               got.attributes);
  p.field(`${where}.droppedAttributesCount`, dflt(exp.droppedAttributesCount, 0),
          dflt(got.droppedAttributesCount, 0));

  const we = exp.events || [];
  const ge = got.events || [];
  if (we.length !== ge.length) {
    p.add(`${where}.events`, `expected ${we.length} events ` +
          `(${show(we.map((e) => e.name))}), got ${ge.length} ` +
          `(${show(ge.map((e) => e.name))})`);
  }
  for (let i = 0; i < Math.min(we.length, ge.length); i++) {
    const at = `${where}.events[${i}]`;
    p.field(`${at}.name`, we[i].name, dflt(ge[i].name, ''));
    p.field(`${at}.timeUnixNano`, we[i].timeUnixNano,
            dflt(ge[i].timeUnixNano, '0'));
    compareAttrs(p, `${at}.attributes`,
                 (we[i].attributes || []).map(keyValue), ge[i].attributes);
    p.field(`${at}.droppedAttributesCount`,
            dflt(we[i].droppedAttributesCount, 0),
            dflt(ge[i].droppedAttributesCount, 0));
  }
  p.field(`${where}.droppedEventsCount`, dflt(exp.droppedEventsCount, 0),
          dflt(got.droppedEventsCount, 0));

  const wl = exp.links || [];
  const gl = got.links || [];
  if (wl.length !== gl.length) {
    p.add(`${where}.links`, `expected ${wl.length} links, got ${gl.length}`);
  }
  for (let i = 0; i < Math.min(wl.length, gl.length); i++) {
    const at = `${where}.links[${i}]`;
    p.field(`${at}.traceId`, wl[i].traceId, dflt(gl[i].traceId, ''));
    p.field(`${at}.spanId`, wl[i].spanId, dflt(gl[i].spanId, ''));
    p.field(`${at}.traceState`, dflt(wl[i].traceState, ''),
            dflt(gl[i].traceState, ''));
    p.field(`${at}.flags`, dflt(wl[i].flags, 0), dflt(gl[i].flags, 0));
    compareAttrs(p, `${at}.attributes`,
                 (wl[i].attributes || []).map(keyValue), gl[i].attributes);
    p.field(`${at}.droppedAttributesCount`,
            dflt(wl[i].droppedAttributesCount, 0),
            dflt(gl[i].droppedAttributesCount, 0));
  }
  p.field(`${where}.droppedLinksCount`, dflt(exp.droppedLinksCount, 0),
          dflt(got.droppedLinksCount, 0));

  const ws = exp.status || {};
  const gs = got.status || {};
  p.field(`${where}.status.code`, dflt(ws.code, 0), dflt(gs.code, 0));
  p.field(`${where}.status.message`, dflt(ws.message, ''),
          dflt(gs.message, ''));

  for (const k of Object.keys(got)) {
    if (!SPAN_FIELDS.includes(k)) {
      p.add(`${where}.${k}`, `field not compared: ${show(got[k])}`);
    }
  }
}

/* A stable description of a resource or scope, for grouping checks. */
function resourceKey(rs) {
  return JSON.stringify([rs.resource || {}, rs.schemaUrl || '']);
}

function scopeKey(ss) {
  return JSON.stringify([ss.scope || {}, ss.schemaUrl || '']);
}

function check(label, expectedFile, decodedFile, opts) {
  const expected = loadJson(expectedFile);
  const requests = loadLines(decodedFile);
  const p = new Problems();

  if (opts.requests !== undefined && requests.length !== opts.requests) {
    p.add('requests', `expected ${opts.requests}, got ${requests.length}`);
  }
  if (opts.minRequests !== undefined && requests.length < opts.minRequests) {
    p.add('requests', `expected at least ${opts.minRequests}, ` +
          `got ${requests.length}`);
  }

  /* Every decoded span, where it was found. */
  const found = new Map();
  requests.forEach((req, r) => {
    const rw = requests.length > 1 ? `request[${r}]` : 'request';
    const rkeys = new Map();
    (req.resourceSpans || []).forEach((rs, i) => {
      const rsw = `${rw}.resourceSpans[${i}]`;
      const rk = resourceKey(rs);
      if (rkeys.has(rk)) {
        p.add(rsw, `same resource as resourceSpans[${rkeys.get(rk)}] ` +
              '(spans of one resource must be grouped)');
      }
      rkeys.set(rk, i);
      const skeys = new Map();
      (rs.scopeSpans || []).forEach((ss, j) => {
        const ssw = `${rsw}.scopeSpans[${j}]`;
        const sk = scopeKey(ss);
        if (skeys.has(sk)) {
          p.add(ssw, `same scope as scopeSpans[${skeys.get(sk)}] ` +
                '(spans of one scope must be grouped)');
        }
        skeys.set(sk, j);
        (ss.spans || []).forEach((s, k) => {
          const id = `${s.traceId}/${s.spanId}`;
          const at = { where: `${ssw}.spans[${k}]`, rsw, ssw, rs, ss,
                       span: s };
          if (found.has(id)) {
            p.add(at.where, `span ${id} (${show(s.name)}) also at ` +
                  `${found.get(id).where}`);
          } else {
            found.set(id, at);
          }
        });
      });
    });
  });

  const wanted = new Set();
  for (const exp of expected.spans || []) {
    const id = `${exp.traceId}/${exp.spanId}`;
    wanted.add(id);
    const at = found.get(id);
    const name = `span ${show(exp.name)}`;
    if (!at) {
      p.add(name, `missing (trace ${exp.traceId}, span ${exp.spanId})`);
      continue;
    }
    /* Paths into the decoded request, with the span's name in front. */
    compareResource(p, `[${name}] ${at.rsw}`, exp.resource || {}, at.rs);
    compareScope(p, `[${name}] ${at.ssw}`, exp.scope || {}, at.ss);
    compareSpan(p, `[${name}] ${at.where}`, exp, at.span);
  }
  for (const [id, at] of found) {
    if (!wanted.has(id)) {
      p.add(at.where, `unexpected span ${id} (${show(at.span.name)})`);
    }
  }

  const n = (expected.spans || []).length;
  if (p.list.length === 0) {
    process.stdout.write(`ok    ${label} (${n} spans, ` +
                         `${requests.length} request(s))\n`);
    return 0;
  }
  process.stdout.write(`FAIL  ${label}\n`);
  printProblems(p.list);
  return 1;
}

/* AnyValue members: present with a default value is not absent. */
const ONEOF = new Set(['stringValue', 'boolValue', 'intValue', 'doubleValue',
                       'arrayValue', 'kvlistValue', 'bytesValue']);

/* A proto3 default, which the wire does not distinguish from absence. */
function isDefault(v) {
  if (v === undefined || v === 0 || v === '' || v === '0' || v === false) {
    return true;
  }
  if (Array.isArray(v)) return v.length === 0;
  if (isObj(v)) {
    return Object.entries(v).every(([k, x]) => !ONEOF.has(k) && isDefault(x));
  }
  return false;
}

/* Every path where @p a and @p b differ; a field holding its default
 * equals an absent one. */
function diffPaths(p, where, a, b) {
  if ((a === undefined || b === undefined) && !ONEOF.has(where.replace(/.*\./, ''))) {
    if (isDefault(a) && isDefault(b)) return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      p.add(where, `${a.length} elements against ${b.length}`);
    }
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      diffPaths(p, `${where}[${i}]`, a[i], b[i]);
    }
    return;
  }
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      diffPaths(p, `${where}.${k}`, a[k], b[k]);
    }
    return;
  }
  if (!Object.is(a, b)) p.add(where, `${show(a)} against ${show(b)}`);
}

function same(label, fileA, fileB) {
  const a = loadLines(fileA);
  const b = loadLines(fileB);
  const p = new Problems();
  diffPaths(p, '$', a, b);
  if (p.list.length === 0) {
    process.stdout.write(`ok    ${label}\n`);
    return 0;
  }
  process.stdout.write(`FAIL  ${label}\n        (${fileA} against ${fileB})\n`);
  printProblems(p.list);
  return 1;
}

function main(argv) {
  const [cmd, ...rest] = argv;
  if (cmd === 'same') {
    if (rest.length !== 3) die('usage: same <label> <a.jsonl> <b.jsonl>');
    return same(...rest);
  }
  if (cmd !== 'check') die('usage: otlp_compare.js check <label> ' +
                           '<expected.json> <decoded.jsonl> [--requests N] ' +
                           '[--min-requests N]');
  const pos = [];
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--requests') opts.requests = Number(rest[++i]);
    else if (rest[i] === '--min-requests') opts.minRequests = Number(rest[++i]);
    else pos.push(rest[i]);
  }
  if (pos.length !== 3) die('check wants <label> <expected> <decoded>');
  return check(pos[0], pos[1], pos[2], opts);
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

/* The pieces otlp_metrics_compare.js and otlp_logs_compare.js share. */
module.exports = {
  Problems,
  printProblems,
  anyValue,
  deepCompare,
  keyValue,
  compareAttrs,
  compareResource,
  compareScope,
  loadJson,
  loadLines,
  dflt,
  show,
};
