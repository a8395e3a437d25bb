'use strict';
/*
 * Compare what the official OTLP schema decoded from otelc's logs
 * requests with the records otelc was handed, field by field.
 *
 *   node otlp_logs_compare.js check <label> <expected.jsonl>
 *                                   <decoded.jsonl>
 *
 * <expected.jsonl> is written by the logs tools (ld_write in
 * tests/integration/otlp/otlp_logs_data.c), one line per request:
 *   {"records":[{"resource":{"attributes":[A],"schemaUrl"},
 *                "scope":{"name","version","attributes":[A],"schemaUrl"},
 *                "timeUnixNano","observedTimeUnixNano","severityNumber",
 *                "severityText","body":{type,value} (absent: no body),
 *                "attributes":[A],"droppedAttributesCount","flags",
 *                "traceId","spanId" ("" when zero),"eventName"}, ...]}
 * in the order the exporter was handed them; A is {key, type, value} as
 * in otlp_compare.js.
 *
 * <decoded.jsonl> holds canonical requests, one per line, as
 * otlp_decode.js or the receivers print them. Line n of each file must
 * describe the same request:
 *   - records are grouped: one resourceLogs per resource, in the order
 *     the resources first appear among the records, and in each one
 *     scopeLogs per scope, in order of first appearance; within a scope
 *     the records keep their order (so no record is lost, duplicated or
 *     moved to another resource or scope);
 *   - every field equals the expected one; a field absent on the wire
 *     equals its proto3 default, the body must be absent exactly when
 *     none was expected, and a severity outside 1..24 is expected to be
 *     left out (0);
 *   - fields the comparison does not know are reported.
 *
 * Exit status: 0 when everything matched, 1 on a difference, 2 on misuse.
 */

const {
  Problems, printProblems, anyValue, deepCompare, keyValue, compareAttrs,
  compareResource, compareScope, loadLines, dflt, show,
} = require('./otlp_compare');

function die(msg) {
  process.stderr.write(`otlp_logs_compare.js: ${msg}\n`);
  process.exit(2);
}

const RECORD_FIELDS = [
  'timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText',
  'body', 'attributes', 'droppedAttributesCount', 'flags', 'traceId',
  'spanId', 'eventName',
];

function compareRecord(p, where, exp, got) {
  p.field(`${where}.timeUnixNano`, exp.timeUnixNano,
          dflt(got.timeUnixNano, '0'));
  p.field(`${where}.observedTimeUnixNano`, exp.observedTimeUnixNano,
          dflt(got.observedTimeUnixNano, '0'));
  const sev = exp.severityNumber >= 1 && exp.severityNumber <= 24
    ? exp.severityNumber : 0;
  p.field(`${where}.severityNumber`, sev, dflt(got.severityNumber, 0));
  p.field(`${where}.severityText`, exp.severityText,
          dflt(got.severityText, ''));
  if (exp.body === undefined) {
    if (got.body !== undefined) {
      p.add(`${where}.body`, `expected no body, got ${show(got.body)}`);
    }
  } else if (got.body === undefined) {
    p.add(`${where}.body`, `missing (expected ${show(exp.body)})`);
  } else {
    deepCompare(p, `${where}.body`, anyValue(exp.body.type, exp.body.value),
                got.body);
  }
  compareAttrs(p, `${where}.attributes`, (exp.attributes || []).map(keyValue),
               got.attributes);
  p.field(`${where}.droppedAttributesCount`, exp.droppedAttributesCount,
          dflt(got.droppedAttributesCount, 0));
  p.field(`${where}.flags`, exp.flags, dflt(got.flags, 0));
  p.field(`${where}.traceId`, exp.traceId, dflt(got.traceId, ''));
  p.field(`${where}.spanId`, exp.spanId, dflt(got.spanId, ''));
  p.field(`${where}.eventName`, exp.eventName, dflt(got.eventName, ''));
  for (const k of Object.keys(got)) {
    if (!RECORD_FIELDS.includes(k)) {
      p.add(`${where}.${k}`, `field not compared: ${show(got[k])}`);
    }
  }
}

/* The expected records grouped as OTLP wants them: resources in order of
 * first appearance, scopes likewise within each, records in order. */
function groups(records) {
  const out = [];
  for (const r of records) {
    const rk = JSON.stringify(r.resource);
    let rg = out.find((g) => g.key === rk);
    if (!rg) {
      rg = { key: rk, resource: r.resource, scopes: [] };
      out.push(rg);
    }
    const sk = JSON.stringify(r.scope);
    let sg = rg.scopes.find((g) => g.key === sk);
    if (!sg) {
      sg = { key: sk, scope: r.scope, records: [] };
      rg.scopes.push(sg);
    }
    sg.records.push(r);
  }
  return out;
}

function compareRequest(p, where, exp, req) {
  const want = groups(exp.records || []);
  const rls = req.resourceLogs || [];
  if (rls.length !== want.length) {
    p.add(`${where}.resourceLogs`, `expected ${want.length} (one per ` +
          `resource), got ${rls.length}`);
  }
  for (let i = 0; i < Math.min(rls.length, want.length); i++) {
    const rw = `${where}.resourceLogs[${i}]`;
    compareResource(p, rw, want[i].resource, rls[i]);
    const sls = rls[i].scopeLogs || [];
    const ws = want[i].scopes;
    if (sls.length !== ws.length) {
      p.add(`${rw}.scopeLogs`, `expected ${ws.length} scopes ` +
            `(${show(ws.map((s) => s.scope.name))}), got ${sls.length} ` +
            `(${show(sls.map((s) => (s.scope || {}).name))})`);
    }
    for (let j = 0; j < Math.min(sls.length, ws.length); j++) {
      const sw = `${rw}.scopeLogs[${j}]`;
      compareScope(p, sw, ws[j].scope, sls[j]);
      const wr = ws[j].records;
      const gr = sls[j].logRecords || [];
      if (wr.length !== gr.length) {
        p.add(`${sw}.logRecords`, `expected ${wr.length} records, got ` +
              `${gr.length}`);
      }
      for (let k = 0; k < Math.min(wr.length, gr.length); k++) {
        compareRecord(p, `${sw}.logRecords[${k}]`, wr[k], gr[k]);
      }
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
  let records = 0;
  for (let i = 0; i < Math.min(expected.length, requests.length); i++) {
    const where = expected.length > 1 ? `request[${i}]` : 'request';
    compareRequest(p, where, expected[i], requests[i]);
    records += (expected[i].records || []).length;
  }
  if (p.list.length === 0) {
    process.stdout.write(`ok    ${label} (${records} records, ` +
                         `${requests.length} request(s))\n`);
    return 0;
  }
  process.stdout.write(`FAIL  ${label}\n`);
  printProblems(p.list);
  return 1;
}

function main(argv) {
  if (argv[0] !== 'check' || argv.length !== 4) {
    die('usage: otlp_logs_compare.js check <label> <expected.jsonl> ' +
        '<decoded.jsonl>');
  }
  return check(argv[1], argv[2], argv[3]);
}

process.exitCode = main(process.argv.slice(2));
