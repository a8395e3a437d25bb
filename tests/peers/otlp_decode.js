'use strict';
/*
 * Decode what otelc wrote with the official OTLP schema (the protobufjs
 * code generated from opentelemetry-proto, shipped in
 * @opentelemetry/otlp-transformer 0.214.0) and print it in canonical JSON.
 *
 *   node otlp_decode.js pb    <file> [traces|metrics|logs]
 *       <file> holds one Export<Signal>ServiceRequest in protobuf.
 *   node otlp_decode.js json  <file> [traces|metrics|logs]
 *       <file> holds one Export<Signal>ServiceRequest in OTLP/JSON.
 *   node otlp_decode.js jsonl <file>
 *       <file> is JSON Lines as written by a file exporter: every
 *       "\n"-terminated line is one TracesData, MetricsData or LogsData
 *       (the signal is read from its top-level field).
 *
 * The signal defaults to traces. Validation is strict (see otlp_schema.js):
 * unknown or misspelled fields, values of the wrong type, enum names,
 * 64-bit integers written as JSON numbers, ids that are not lowercase hex
 * of the right length, invalid UTF-8 and bytes the schema does not account
 * for are all errors.
 *
 * Output: one canonical JSON line per request (toObject: 64-bit integers
 * as strings, enums as numbers, ids as hex, other bytes base64). Errors go
 * to stderr, each with the path of the offending field, and nothing is
 * printed to stdout for a request that has errors.
 *
 * Exit status: 0 when everything decoded cleanly, 1 on a validation
 * error, 2 on misuse.
 */

const fs = require('fs');
const schema = require('./otlp_schema');

function die(msg) {
  process.stderr.write(`otlp_decode.js: ${msg}\n`);
  process.exit(2);
}

function decodeOne(format, signal, bytes, where) {
  const s = schema.SIGNALS[signal];
  const r = format === 'pb' ? schema.decodeProtobuf(s.request, bytes)
                            : schema.decodeJson(s.request, bytes, `${where}:$`);
  if (format === 'pb') r.errors = r.errors.map((e) => `${where}: ${e}`);
  r.errors.push(...schema.semanticErrors(signal, r.object, `${where}:$`));
  return r;
}

function decodeLines(file, bytes) {
  const results = [];
  const errors = [];
  if (bytes.length === 0) {
    errors.push(`${file}: empty file (no lines)`);
    return { results, errors };
  }
  if (bytes[bytes.length - 1] !== 0x0a) {
    errors.push(`${file}: the last line is not terminated by "\\n"`);
  }
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    line++;
    const where = `${file}:${line}`;
    const chunk = bytes.subarray(start, end);
    start = end + 1;
    if (chunk.length > 0 && chunk[chunk.length - 1] === 0x0d) {
      errors.push(`${where}: line ends with "\\r\\n"`);
    }
    if (chunk.length === 0 || /^\s*$/.test(chunk.toString('latin1'))) {
      errors.push(`${where}: empty line`);
      continue;
    }
    let signal = null;
    try {
      signal = schema.signalOfJson(JSON.parse(chunk.toString('utf8')));
    } catch (e) {
      signal = null; /* reported by decodeJson below */
    }
    const Type = schema.SIGNALS[signal || 'traces'].data;
    if (!signal) {
      errors.push(`${where}: no resourceSpans, resourceMetrics or ` +
                  'resourceLogs at the top level');
    }
    const r = schema.decodeJson(Type, chunk, `${where}:$`);
    r.errors.push(...schema.semanticErrors(signal, r.object, `${where}:$`));
    errors.push(...r.errors);
    if (r.errors.length === 0) results.push(r.object);
  }
  return { results, errors };
}

function main(argv) {
  const [format, file, signalArg] = argv;
  if (!['pb', 'json', 'jsonl'].includes(format) || !file) {
    die('usage: otlp_decode.js pb|json <file> [traces|metrics|logs] ' +
        '| jsonl <file>');
  }
  const signal = signalArg || 'traces';
  if (!(signal in schema.SIGNALS)) die(`unknown signal ${signal}`);
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    die(`cannot read ${file}: ${e.message}`);
  }
  let results;
  let errors;
  if (format === 'jsonl') {
    ({ results, errors } = decodeLines(file, bytes));
  } else {
    const r = decodeOne(format, signal, bytes, file);
    errors = r.errors;
    results = errors.length === 0 ? [r.object] : [];
  }
  for (const e of errors) process.stderr.write(`${e}\n`);
  for (const o of results) process.stdout.write(`${JSON.stringify(o)}\n`);
  return errors.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
