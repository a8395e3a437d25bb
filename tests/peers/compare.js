'use strict';
/*
 * Comparisons for otelc's propagation interop tests. Every failure names
 * the case and the field, with both values and the headers that carried
 * them.
 *
 *   node compare.js spec <traceFlags>
 *       Prints a fresh input for `propagation.js inject`: random ids, the
 *       given flags, a tracestate and baggage with awkward values.
 *
 *   node compare.js get <file> <key>
 *       Prints the JSON of one top-level member of <file>.
 *
 *   node compare.js check <label> <format> <expected-file> <actual-file>
 *                         [<headers-file>]
 *       <expected-file> holds what was injected ({expect, headers} as
 *       printed by prop_tool inject, or an inject spec); <actual-file> what
 *       the other side extracted from the headers. Compares what <format>
 *       carries: for b3 and b3multi only the ids and the sampled bit (B3
 *       has neither the random flag, nor tracestate, nor baggage).
 *
 *   node compare.js http <label> <file>
 *       Checks the output of `prop_tool http`: the server span continues
 *       the client's trace, its parent is the client span, it is a SERVER
 *       span, and the baggage arrived.
 *
 * Exit status: 0 when everything matched, 1 on a mismatch, 2 on misuse.
 */

const crypto = require('crypto');
const fs = require('fs');

/* What the tests put into baggage: a plain value, and one with spaces, a
 * comma, an equals sign, a percent sign and non-ASCII UTF-8, with
 * properties. The C tool uses the same names and values. */
const BAGGAGE = {
  'user.id': { value: '42', metadata: null },
  'query': { value: 'a b,c=d 100% é€ 日本', metadata: 'p1;p2=v' },
};

function die(msg) {
  process.stderr.write(`compare.js: ${msg}\n`);
  process.exit(2);
}

function load(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    die(`cannot read ${file}: ${e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    die(`${file} is not JSON (${e.message}): ${JSON.stringify(text)}`);
  }
  return undefined;
}

function randomHex(bytes) {
  for (;;) {
    const hex = crypto.randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(hex)) return hex;
  }
}

/* Properties compared the W3C way: optional whitespace around ';' and '='
 * is not significant; an absent metadata equals an empty one. */
function normMetadata(m) {
  if (m === undefined || m === null) return '';
  return String(m).split(';')
    .map((p) => p.split('=').map((s) => s.trim()).join('='))
    .filter((p) => p !== '')
    .join(';');
}

function show(v) {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

function checkCase(format, expectedDoc, actual) {
  const exp = expectedDoc.expect || expectedDoc;
  const b3 = format === 'b3' || format === 'b3multi';
  const problems = [];
  const field = (name, want, got) => {
    if (want !== got) {
      problems.push(`${name}: expected ${show(want)}, got ${show(got)}`);
    }
  };

  field('traceId', exp.traceId, actual.traceId);
  field('spanId', exp.spanId, actual.spanId);
  const flags = Number(exp.traceFlags) & (b3 ? 0x01 : 0x03);
  field(b3 ? 'traceFlags (sampled bit; B3 has no random flag)' : 'traceFlags',
        flags, actual.traceFlags);
  field('isRemote', true, actual.isRemote);
  field('traceState', b3 ? null : (exp.traceState || null),
        actual.traceState || null);

  const want = b3 ? {} : (exp.baggage || {});
  const got = actual.baggage || {};
  for (const name of Object.keys(want)) {
    if (!(name in got)) {
      problems.push(`baggage[${show(name)}]: missing (expected value ` +
                    `${show(want[name].value)})`);
      continue;
    }
    field(`baggage[${show(name)}].value`, want[name].value, got[name].value);
    const wm = normMetadata(want[name].metadata);
    const gm = normMetadata(got[name].metadata);
    if (wm !== gm) {
      problems.push(`baggage[${show(name)}].metadata: expected ` +
                    `${show(want[name].metadata)}, got ` +
                    `${show(got[name].metadata)}`);
    }
  }
  for (const name of Object.keys(got)) {
    if (!(name in want)) {
      problems.push(`baggage[${show(name)}]: unexpected entry ` +
                    `${show(got[name])}`);
    }
  }
  return problems;
}

function report(label, problems, extra) {
  if (problems.length === 0) {
    process.stdout.write(`ok    ${label}\n`);
    return 0;
  }
  process.stdout.write(`FAIL  ${label}\n`);
  for (const p of problems) process.stdout.write(`        ${p}\n`);
  for (const [what, v] of extra) {
    if (v !== undefined) process.stdout.write(`        ${what}: ${show(v)}\n`);
  }
  return 1;
}

function cmdCheck(label, format, expectedFile, actualFile, headersFile) {
  if (!['w3c', 'b3', 'b3multi'].includes(format)) {
    die(`unknown format ${show(format)}`);
  }
  const expected = load(expectedFile);
  const actual = load(actualFile);
  const headers = headersFile ? load(headersFile) : expected.headers;
  const problems = checkCase(format, expected, actual);
  return report(label, problems, [
    ['headers', headers],
    ['injected', expected.expect || expected],
    ['extracted', actual],
  ]);
}

function cmdHttp(label, file) {
  const doc = load(file);
  const client = doc.client || {};
  const server = doc.server || {};
  const problems = [];
  const field = (name, want, got) => {
    if (want !== got) {
      problems.push(`${name}: expected ${show(want)}, got ${show(got)}`);
    }
  };
  if (server.error) problems.push(`server: ${server.error}`);
  if (!client.traceId || !client.spanId) {
    problems.push('client span has no ids');
  }
  field('server span traceId (= client traceId)', client.traceId,
        server.traceId);
  field('server span parentSpanId (= client spanId)', client.spanId,
        server.parentSpanId);
  field('server span parent isRemote', true, server.parentIsRemote);
  field('server span kind', 'SERVER', server.kind);
  if (server.spanId === client.spanId) {
    problems.push('server span reuses the client span id');
  }
  const want = doc.expectBaggage || BAGGAGE;
  const got = server.baggage || {};
  for (const name of Object.keys(want)) {
    if (!(name in got)) {
      problems.push(`baggage[${show(name)}]: did not reach the server`);
      continue;
    }
    field(`baggage[${show(name)}].value`, want[name].value, got[name].value);
    if (normMetadata(want[name].metadata) !==
        normMetadata(got[name].metadata)) {
      problems.push(`baggage[${show(name)}].metadata: expected ` +
                    `${show(want[name].metadata)}, got ` +
                    `${show(got[name].metadata)}`);
    }
  }
  return report(label, problems, [
    ['request headers', doc.headers],
    ['client', client],
    ['server', server],
  ]);
}

function cmdSpec(flagsArg) {
  const flags = Number(flagsArg);
  if (!Number.isInteger(flags) || flags < 0 || flags > 255) {
    die(`bad traceFlags ${show(flagsArg)}`);
  }
  const spec = {
    traceId: randomHex(16),
    spanId: randomHex(8),
    traceFlags: flags,
    traceState: 'vendor=a,other=b',
    baggage: BAGGAGE,
  };
  process.stdout.write(JSON.stringify(spec) + '\n');
  return 0;
}

function main(argv) {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'spec':
      return cmdSpec(rest[0]);
    case 'get': {
      if (rest.length !== 2) die('usage: get <file> <key>');
      const v = load(rest[0])[rest[1]];
      process.stdout.write(JSON.stringify(v === undefined ? null : v) + '\n');
      return 0;
    }
    case 'check':
      if (rest.length < 4) {
        die('usage: check <label> <format> <expected> <actual> [headers]');
      }
      return cmdCheck(...rest);
    case 'http':
      if (rest.length !== 2) die('usage: http <label> <file>');
      return cmdHttp(...rest);
    default:
      return die('usage: compare.js spec|get|check|http ...');
  }
}

process.exitCode = main(process.argv.slice(2));
