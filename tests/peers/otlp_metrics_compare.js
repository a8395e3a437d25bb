'use strict';
/*
 * Compare what the official OTLP schema decoded from otelc's metrics
 * requests with what otelc was handed, field by field.
 *
 *   node otlp_metrics_compare.js check <label> <expected.jsonl>
 *                                      <decoded.jsonl>
 *
 * <expected.jsonl> is written by otlp_metrics_tool (md_write in
 * tests/integration/otlp/otlp_metrics_data.c), one line per request:
 *   {"resource":{"attributes":[A],"schemaUrl"},
 *    "scopes":[{"scope":{"name","version","attributes":[A]},"schemaUrl",
 *               "metrics":[{"name","description","unit","type",
 *                           "aggregationTemporality","isMonotonic",
 *                           "points":[P]}]}]}
 * where A is {key, type, value} as in otlp_compare.js and P has the
 * OTLP/JSON names of its point kind (optional sum, min, max null when
 * absent; exemplar ids "" when absent).
 *
 * <decoded.jsonl> holds canonical requests, one per line, as
 * otlp_decode.js or the receivers print them. Line n of each file must
 * describe the same request: one resourceMetrics (none when nothing was
 * expected), its scopes, metrics and points in order, every field equal;
 * a field absent on the wire equals its proto3 default, except the value
 * oneof (asInt/asDouble, of points and exemplars), which must be there
 * with the expected member, and sum, min and max, which must be there
 * exactly when expected. Fields the comparison does not know are
 * reported.
 *
 * Exit status: 0 when everything matched, 1 on a difference, 2 on misuse.
 */

const {
  Problems, printProblems, keyValue, compareAttrs, compareResource,
  compareScope, loadLines, dflt, show,
} = require('./otlp_compare');

function die(msg) {
  process.stderr.write(`otlp_metrics_compare.js: ${msg}\n`);
  process.exit(2);
}

const DATA = ['gauge', 'sum', 'histogram', 'exponentialHistogram',
              'summary'];

/* A value; a zero equals a zero of the other sign, as the canonical form
 * is printed with JSON.stringify, which writes -0 as 0. */
function same(p, where, exp, got) {
  if (exp === 0 && got === 0) return;
  p.field(where, exp, got);
}

/* Fields nobody compared. */
function leftovers(p, where, got, known) {
  for (const k of Object.keys(got || {})) {
    if (!known.includes(k)) {
      p.add(`${where}.${k}`, `field not compared: ${show(got[k])}`);
    }
  }
}

/* The value oneof: the expected member, present even when zero, and not
 * the other one. */
function compareValue(p, where, exp, got) {
  const member = exp.asInt !== undefined ? 'asInt' : 'asDouble';
  const other = member === 'asInt' ? 'asDouble' : 'asInt';
  if (got[member] === undefined) {
    p.add(`${where}.${member}`, `missing (expected ${show(exp[member])}` +
          `${got[other] !== undefined ? `, got ${other} ${show(got[other])}`
                                      : ''})`);
  } else {
    same(p, `${where}.${member}`, exp[member], got[member]);
  }
  if (got[other] !== undefined && got[member] !== undefined) {
    p.add(`${where}.${other}`, `unexpected ${show(got[other])}`);
  }
}

/* sum, min, max: present exactly when expected (null means absent). */
function compareOptional(p, where, exp, got) {
  if (exp === null || exp === undefined) {
    if (got !== undefined) p.add(where, `expected absent, got ${show(got)}`);
  } else if (got === undefined) {
    p.add(where, `missing (expected ${show(exp)})`);
  } else {
    same(p, where, exp, got);
  }
}

function compareList(p, where, exp, got) {
  const w = exp || [];
  const g = got || [];
  if (w.length !== g.length) {
    p.add(where, `expected ${show(w)}, got ${show(g)}`);
    return;
  }
  w.forEach((x, i) => same(p, `${where}[${i}]`, x, g[i]));
}

function compareExemplars(p, where, exp, got) {
  const w = exp || [];
  const g = got || [];
  if (w.length !== g.length) {
    p.add(where, `expected ${w.length} exemplars, got ${g.length}`);
  }
  for (let i = 0; i < Math.min(w.length, g.length); i++) {
    const at = `${where}[${i}]`;
    compareAttrs(p, `${at}.filteredAttributes`,
                 (w[i].filteredAttributes || []).map(keyValue),
                 g[i].filteredAttributes);
    p.field(`${at}.timeUnixNano`, w[i].timeUnixNano,
            dflt(g[i].timeUnixNano, '0'));
    compareValue(p, at, w[i], g[i]);
    p.field(`${at}.spanId`, w[i].spanId, dflt(g[i].spanId, ''));
    p.field(`${at}.traceId`, w[i].traceId, dflt(g[i].traceId, ''));
    leftovers(p, at, g[i], ['filteredAttributes', 'timeUnixNano', 'asInt',
                            'asDouble', 'spanId', 'traceId']);
  }
}

function compareBuckets(p, where, exp, got) {
  const g = got || {};
  p.field(`${where}.offset`, exp.offset, dflt(g.offset, 0));
  compareList(p, `${where}.bucketCounts`, exp.bucketCounts, g.bucketCounts);
  leftovers(p, where, g, ['offset', 'bucketCounts']);
}

const COMMON = ['attributes', 'startTimeUnixNano', 'timeUnixNano',
                'exemplars', 'flags'];

function comparePoint(p, where, type, exp, got) {
  compareAttrs(p, `${where}.attributes`,
               (exp.attributes || []).map(keyValue), got.attributes);
  p.field(`${where}.startTimeUnixNano`, exp.startTimeUnixNano,
          dflt(got.startTimeUnixNano, '0'));
  p.field(`${where}.timeUnixNano`, exp.timeUnixNano,
          dflt(got.timeUnixNano, '0'));
  compareExemplars(p, `${where}.exemplars`, exp.exemplars, got.exemplars);
  p.field(`${where}.flags`, exp.flags, dflt(got.flags, 0));
  if (type === 'gauge' || type === 'sum') {
    compareValue(p, where, exp, got);
    leftovers(p, where, got, [...COMMON, 'asInt', 'asDouble']);
    return;
  }
  p.field(`${where}.count`, exp.count, dflt(got.count, '0'));
  for (const k of ['sum', 'min', 'max']) {
    compareOptional(p, `${where}.${k}`, exp[k], got[k]);
  }
  if (type === 'histogram') {
    compareList(p, `${where}.bucketCounts`, exp.bucketCounts,
                got.bucketCounts);
    compareList(p, `${where}.explicitBounds`, exp.explicitBounds,
                got.explicitBounds);
    leftovers(p, where, got, [...COMMON, 'count', 'sum', 'min', 'max',
                              'bucketCounts', 'explicitBounds']);
    return;
  }
  p.field(`${where}.scale`, exp.scale, dflt(got.scale, 0));
  p.field(`${where}.zeroCount`, exp.zeroCount, dflt(got.zeroCount, '0'));
  same(p, `${where}.zeroThreshold`, exp.zeroThreshold,
       dflt(got.zeroThreshold, 0));
  compareBuckets(p, `${where}.positive`, exp.positive, got.positive);
  compareBuckets(p, `${where}.negative`, exp.negative, got.negative);
  leftovers(p, where, got, [...COMMON, 'count', 'sum', 'min', 'max', 'scale',
                            'zeroCount', 'zeroThreshold', 'positive',
                            'negative']);
}

function compareMetric(p, where, exp, got) {
  p.field(`${where}.name`, exp.name, dflt(got.name, ''));
  p.field(`${where}.description`, exp.description,
          dflt(got.description, ''));
  p.field(`${where}.unit`, exp.unit, dflt(got.unit, ''));
  const kinds = DATA.filter((d) => got[d] !== undefined);
  if (kinds.length !== 1 || kinds[0] !== exp.type) {
    p.add(where, `expected ${exp.type} data, got ${show(kinds)}`);
    return;
  }
  leftovers(p, where, got, ['name', 'description', 'unit', exp.type]);
  const data = got[exp.type];
  const at = `${where}.${exp.type}`;
  if (exp.type !== 'gauge') {
    p.field(`${at}.aggregationTemporality`, exp.aggregationTemporality,
            dflt(data.aggregationTemporality, 0));
  }
  if (exp.type === 'sum') {
    p.field(`${at}.isMonotonic`, exp.isMonotonic,
            dflt(data.isMonotonic, false));
  }
  leftovers(p, at, data, ['dataPoints', 'aggregationTemporality',
                          'isMonotonic']);
  const w = exp.points || [];
  const g = data.dataPoints || [];
  if (w.length !== g.length) {
    p.add(`${at}.dataPoints`, `expected ${w.length} points, got ${g.length}`);
  }
  for (let i = 0; i < Math.min(w.length, g.length); i++) {
    comparePoint(p, `${at}.dataPoints[${i}]`, exp.type, w[i], g[i]);
  }
}

function compareRequest(p, where, exp, req) {
  const rms = req.resourceMetrics || [];
  const scopes = exp.scopes || [];
  if (scopes.length === 0) {
    if (rms.length !== 0) p.add(where, `expected an empty request`);
    return;
  }
  if (rms.length !== 1) {
    p.add(`${where}.resourceMetrics`, `expected 1, got ${rms.length}`);
    if (rms.length === 0) return;
  }
  const rm = rms[0];
  const rw = `${where}.resourceMetrics[0]`;
  compareResource(p, rw, exp.resource || {}, rm);
  const sms = rm.scopeMetrics || [];
  if (sms.length !== scopes.length) {
    p.add(`${rw}.scopeMetrics`, `expected ${scopes.length} scopes ` +
          `(${show(scopes.map((s) => s.scope.name))}), got ${sms.length} ` +
          `(${show(sms.map((s) => (s.scope || {}).name))})`);
  }
  for (let j = 0; j < Math.min(sms.length, scopes.length); j++) {
    const sw = `${rw}.scopeMetrics[${j}]`;
    const es = scopes[j];
    compareScope(p, sw, { ...es.scope, schemaUrl: es.schemaUrl }, sms[j]);
    const wm = es.metrics || [];
    const gm = sms[j].metrics || [];
    if (wm.length !== gm.length) {
      p.add(`${sw}.metrics`, `expected ${wm.length} metrics ` +
            `(${show(wm.map((m) => m.name))}), got ${gm.length} ` +
            `(${show(gm.map((m) => m.name))})`);
    }
    for (let k = 0; k < Math.min(wm.length, gm.length); k++) {
      compareMetric(p, `${sw}.metrics[${k}]`, wm[k], gm[k]);
    }
  }
}

function check(label, expectedFile, decodedFile) {
  const expected = loadLines(expectedFile);
  const requests = loadLines(decodedFile);
  const p = new Problems();
  if (requests.length !== expected.length) {
    p.add('requests', `expected ${expected.length}, got ${requests.length}`);
  }
  let points = 0;
  for (let i = 0; i < Math.min(expected.length, requests.length); i++) {
    const where = expected.length > 1 ? `request[${i}]` : 'request';
    compareRequest(p, where, expected[i], requests[i]);
    for (const s of expected[i].scopes || []) {
      for (const m of s.metrics || []) points += (m.points || []).length;
    }
  }
  if (p.list.length === 0) {
    process.stdout.write(`ok    ${label} (${points} points, ` +
                         `${requests.length} request(s))\n`);
    return 0;
  }
  process.stdout.write(`FAIL  ${label}\n`);
  printProblems(p.list);
  return 1;
}

function main(argv) {
  if (argv[0] !== 'check' || argv.length !== 4) {
    die('usage: otlp_metrics_compare.js check <label> <expected.jsonl> ' +
        '<decoded.jsonl>');
  }
  return check(argv[1], argv[2], argv[3]);
}

process.exitCode = main(process.argv.slice(2));
