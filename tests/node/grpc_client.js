// A lux.v1 client no one here wrote: npm @grpc/grpc-js with
// @grpc/proto-loader reading server/proto/lux/v1/lux.proto as it is (no code
// generation), calling a real luxd.
// Usage: node grpc_client.js 127.0.0.1:PORT path/to/lux.proto
// Writes the points tests/grpc_node_client_test.cc reads back through the C++
// stub, checks every answer it gets, prints a one-line JSON summary of what it
// read on stdout and exits non-zero with the first mismatch on stderr.
//
// int64 and uint64 travel as decimal strings both ways (longs: String), so
// values past 2^53 survive; enums as their names (enums: String).
'use strict';
const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const DB = 'nodedb';
const SEC = 1000000000n;
const T0 = 1767225600n * SEC;  // 2026-01-01T00:00:00Z
const ts = (s) => String(T0 + BigInt(s) * SEC);
const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const PAST_2_53 = '-9007199254740993';  // not a JS Number: only a string keeps it

function column(name, kind, values) {
  return {name, values: {[kind]: {values}}};
}
function tags(obj) {
  return Object.entries(obj).map(([key, value]) => ({key, value}));
}
function tagText(list) {
  return list.map((t) => `${t.key}=${t.value}`).sort().join(',');
}
// The values of a Values message (oneofs: true names the set member).
function valuesOf(v) {
  assert.ok(v && v.values, `a Values message without a member: ${JSON.stringify(v)}`);
  return v[v.values].values;
}

async function main() {
  const [target, protoPath] = process.argv.slice(2);
  if (!target || !protoPath) throw new Error('usage: node grpc_client.js HOST:PORT LUX_PROTO');
  const def = protoLoader.loadSync(protoPath, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const lux = grpc.loadPackageDefinition(def).lux.v1;
  const client = new lux.Lux(target, grpc.credentials.createInsecure());
  const opts = () => ({deadline: Date.now() + 10000});

  const unary = (method, req) =>
    new Promise((resolve, reject) =>
      client[method](req, opts(), (err, resp) => (err ? reject(err) : resolve(resp))));
  // All messages of a server stream once its status is in; rejects with the
  // status (code, details) when it is not OK.
  const serverStream = (call) =>
    new Promise((resolve, reject) => {
      const msgs = [];
      let status = null;
      let ended = false;
      const settle = () => {
        if (status === null || (status.code === grpc.status.OK && !ended)) return;
        if (status.code === grpc.status.OK) resolve(msgs);
        else reject(Object.assign(new Error(status.details), status));
      };
      call.on('data', (m) => msgs.push(m));
      call.on('error', () => {});  // the status event carries it
      call.on('end', () => { ended = true; settle(); });
      call.on('status', (s) => { status = s; settle(); });
    });
  const query = async (req) => {
    const msgs = await serverStream(client.Query(req, opts()));
    const frames = msgs.flatMap((m) => m.frames);
    const last = msgs[msgs.length - 1];
    assert.ok(last && last.metadata, 'the last QueryResponse carries the metadata');
    msgs.slice(0, -1).forEach((m) => assert.equal(m.metadata, null, 'metadata only at the end'));
    return {frames, metadata: last.metadata};
  };
  const expectError = async (promise, code, details, what) => {
    let err = null;
    try {
      await promise;
    } catch (e) {
      err = e;
    }
    assert.ok(err, `${what}: succeeded, expected ${grpc.status[code]} (${code})`);
    assert.equal(err.code, code, `${what}: code ${err.code} (${err.details}), expected ${code}`);
    if (details !== undefined) assert.equal(err.details, details, `${what}: details`);
    return {code: grpc.status[err.code], details: err.details};
  };

  return (async () => {
    const summary = {};
    await unary('CreateDatabase', {name: DB});
    const dbs = await unary('ListDatabases', {});
    assert.ok(dbs.databases.includes(DB), `ListDatabases: ${JSON.stringify(dbs.databases)}`);

    // ---- Write: two good series with four types, one bad series ----
    const write = await unary('Write', {
      database: DB,
      series: [
        {
          measurement: 'env',
          tags: tags({zone: 'a', host: 'h1'}),  // any order
          timestamps_ns: [ts(0), ts(1), ts(2)],
          fields: [
            column('temp', 'doubles', [21.5, 22.25, -3.5]),
            column('n', 'int64s', ['7', PAST_2_53, '0']),
            column('note', 'strings', ['hi', 'say "x"', 'ünïcode ✓']),
            column('ok', 'bools', [true, false, true]),
          ],
        },
        {
          measurement: 'env',
          tags: tags({zone: 'b'}),
          timestamps_ns: [ts(0), ts(1)],
          fields: [column('temp', 'doubles', [1.5, 2.5]), column('n', 'int64s', [INT64_MAX, INT64_MIN])],
        },
        {
          // Bad: `n` is one value short; none of its points is stored.
          measurement: 'env',
          tags: tags({zone: 'c'}),
          timestamps_ns: [ts(0), ts(1)],
          fields: [column('temp', 'doubles', [5, 6]), column('n', 'int64s', ['1'])],
        },
      ],
    });
    assert.equal(write.points_written, '5', 'Write.points_written (uint64 as a string)');
    assert.equal(write.duplicate, false);
    const badMessage = 'series[2].fields[1] ("n") has 1 values for 2 timestamps';
    assert.deepEqual(write.errors, [
      {series_index: 2, point_index: 0, message: badMessage},
      {series_index: 2, point_index: 1, message: badMessage},
    ], 'Write.errors');
    summary.write = {points_written: write.points_written, errors: write.errors};

    // ---- WriteStream: five requests, the third with a short column ----
    const streamSummary = await new Promise((resolve, reject) => {
      const call = client.WriteStream(opts(), (err, resp) => (err ? reject(err) : resolve(resp)));
      for (let i = 0; i < 5; ++i) {
        const series = [{
          measurement: 'stream',
          tags: tags({src: 'node'}),
          timestamps_ns: [ts(10 + 2 * i), ts(11 + 2 * i)],
          fields: [column('v', 'doubles', [i, i + 0.5]), column('c', 'int64s', [String(i), String(-i)])],
        }];
        if (i === 2) {
          series.push({
            measurement: 'stream',
            tags: tags({src: 'bad'}),
            timestamps_ns: [ts(0), ts(1), ts(2)],
            fields: [column('v', 'doubles', [1, 2])],
          });
        }
        call.write({database: DB, series});
      }
      call.end();
    });
    const streamBad = 'series[1].fields[0] ("v") has 2 values for 3 timestamps';
    assert.deepEqual(streamSummary, {
      requests: '5',
      points_written: '10',
      points_rejected: '3',
      errors: [0, 1, 2].map((p) => ({series_index: 1, point_index: p, message: streamBad})),
      error_request_index: [2, 2, 2],
    }, 'WriteSummary');
    summary.write_stream = streamSummary;

    // ---- batch_id: the retry is not applied again ----
    const batch = (v) => unary('Write', {
      database: DB,
      batch_id: 'node-batch-1',
      series: [{measurement: 'batch', timestamps_ns: [ts(0)], fields: [column('v', 'doubles', [v])]}],
    });
    const first = await batch(1);
    assert.deepEqual([first.points_written, first.duplicate], ['1', false], 'first batch');
    const retry = await batch(2);  // same id, other content: still the first answer
    assert.deepEqual([retry.points_written, retry.duplicate, retry.errors], ['1', true, []], 'retry');
    summary.batch = {first: first.duplicate, retry: retry.duplicate};

    // ---- Query, raw: one frame per series and field ----
    const raw = await query({selector: {database: DB, measurement: 'env'}});
    const rawFrames = raw.frames.map((f) => ({
      series: `${f.measurement},${tagText(f.tags)}`,
      field: f.field,
      type: f.type,
      ts: f.timestamps_ns,
      values: valuesOf(f.values),
    })).sort((a, b) => (a.series + a.field).localeCompare(b.series + b.field));
    assert.deepEqual(rawFrames, [
      {series: 'env,host=h1,zone=a', field: 'n', type: 'FIELD_TYPE_INTEGER',
       ts: [ts(0), ts(1), ts(2)], values: ['7', PAST_2_53, '0']},
      {series: 'env,host=h1,zone=a', field: 'note', type: 'FIELD_TYPE_STRING',
       ts: [ts(0), ts(1), ts(2)], values: ['hi', 'say "x"', 'ünïcode ✓']},
      {series: 'env,host=h1,zone=a', field: 'ok', type: 'FIELD_TYPE_BOOLEAN',
       ts: [ts(0), ts(1), ts(2)], values: [true, false, true]},
      {series: 'env,host=h1,zone=a', field: 'temp', type: 'FIELD_TYPE_FLOAT',
       ts: [ts(0), ts(1), ts(2)], values: [21.5, 22.25, -3.5]},
      {series: 'env,zone=b', field: 'n', type: 'FIELD_TYPE_INTEGER',
       ts: [ts(0), ts(1)], values: [INT64_MAX, INT64_MIN]},
      {series: 'env,zone=b', field: 'temp', type: 'FIELD_TYPE_FLOAT',
       ts: [ts(0), ts(1)], values: [1.5, 2.5]},
    ], 'raw frames of env');
    raw.frames.forEach((f) => assert.deepEqual(f.valid, [], 'raw frames have no nulls'));
    assert.equal(raw.metadata.frames, '6', 'QueryMetadata.frames');
    assert.equal(raw.metadata.points, '16', 'QueryMetadata.points');
    assert.equal(raw.metadata.resolution, 'raw');
    summary.raw = {frames: rawFrames.length, points: raw.metadata.points,
                   series: [...new Set(rawFrames.map((f) => f.series))]};

    // ---- Query, MEAN per 2 s window grouped by zone ----
    const mean = await query({
      selector: {database: DB, measurement: 'env', fields: ['temp']},
      start_ns: ts(0),
      end_ns: ts(4),
      aggregate: 'AGGREGATE_MEAN',
      interval_ns: String(2n * SEC),
      group_by_tags: ['zone'],
    });
    const meanFrames = mean.frames.map((f) => ({
      zone: tagText(f.tags), field: f.field, type: f.type, ts: f.timestamps_ns, values: valuesOf(f.values),
    }));
    assert.deepEqual(meanFrames, [
      {zone: 'zone=a', field: 'temp', type: 'FIELD_TYPE_FLOAT', ts: [ts(0), ts(2)], values: [21.875, -3.5]},
      {zone: 'zone=b', field: 'temp', type: 'FIELD_TYPE_FLOAT', ts: [ts(0)], values: [2]},
    ], 'MEAN frames');
    summary.mean = meanFrames.map((f) => ({zone: f.zone, values: f.values}));

    // ---- Last: the latest point of each series and field ----
    const last = await unary('Last', {selector: {database: DB, measurement: 'env'}});
    const lastPoints = last.points.map((p) => ({
      key: `${p.measurement},${tagText(p.tags)} ${p.field}`,
      ts: p.timestamp_ns,
      type: p.type,
      value: valuesOf(p.value),
    })).sort((a, b) => a.key.localeCompare(b.key));
    assert.deepEqual(lastPoints, [
      {key: 'env,host=h1,zone=a n', ts: ts(2), type: 'FIELD_TYPE_INTEGER', value: ['0']},
      {key: 'env,host=h1,zone=a note', ts: ts(2), type: 'FIELD_TYPE_STRING', value: ['ünïcode ✓']},
      {key: 'env,host=h1,zone=a ok', ts: ts(2), type: 'FIELD_TYPE_BOOLEAN', value: [true]},
      {key: 'env,host=h1,zone=a temp', ts: ts(2), type: 'FIELD_TYPE_FLOAT', value: [-3.5]},
      {key: 'env,zone=b n', ts: ts(1), type: 'FIELD_TYPE_INTEGER', value: [INT64_MIN]},
      {key: 'env,zone=b temp', ts: ts(1), type: 'FIELD_TYPE_FLOAT', value: [2.5]},
    ], 'Last');
    summary.last = lastPoints.length;

    // ---- schema ----
    const ms = await unary('ListMeasurements', {database: DB});
    assert.deepEqual(ms.measurements, ['batch', 'env', 'stream'], 'ListMeasurements');
    summary.measurements = ms.measurements;
    const fk = await unary('FieldKeys', {database: DB, measurement: 'env'});
    const fields = Object.fromEntries(fk.fields.map((f) => [f.name, f.type]));
    assert.deepEqual(fields, {
      n: 'FIELD_TYPE_INTEGER', note: 'FIELD_TYPE_STRING', ok: 'FIELD_TYPE_BOOLEAN', temp: 'FIELD_TYPE_FLOAT',
    }, 'FieldKeys');
    assert.equal(fk.fields.length, 4, 'FieldKeys lists each field once');
    summary.field_keys = fields;

    // ---- errors ----
    summary.errors = {
      empty_measurement: await expectError(
          query({selector: {database: DB, measurement: ''}}), grpc.status.INVALID_ARGUMENT,
          'selector.measurement is required', 'Query with an empty measurement'),
      // Subscribe from a resume point: the stored points from it, then a
      // live one, each once.
      subscribe: await (async () => {
        const live = (s, v) => ({
          database: DB,
          series: [{measurement: 'live', timestamps_ns: [ts(s)], fields: [column('v', 'doubles', [v])]}],
        });
        await unary('Write', live(0, 1));
        await unary('Write', live(1, 2));
        const call = client.Subscribe({selector: {database: DB, measurement: 'live'}, resume_from_ns: ts(1)});
        const got = [];
        const three = new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`Subscribe: got ${JSON.stringify(got)}`)), 10000);
          call.on('data', (m) => {
            for (const sp of m.points) {
              sp.timestamps_ns.forEach((t, i) => got.push(`${valuesOf(sp.fields[0].values)[i]}@${(BigInt(t) - T0) / SEC}`));
            }
            if (got.length >= 2) {
              clearTimeout(timer);
              resolve();
            }
          });
          call.on('error', (e) => {
            if (e.code !== grpc.status.CANCELLED) reject(e);
          });
        });
        // Live writes until the stream has the stored point and a live one.
        for (let s = 2; got.length < 2 && s < 100; ++s) {
          await unary('Write', live(s, 3));
          await new Promise((r) => setTimeout(r, 50));
        }
        await three;
        call.cancel();
        assert.deepEqual(got.slice(0, 2), ['2@1', '3@2'], 'Subscribe: stored then live, once each');
        return got.slice(0, 2);
      })(),
    };

    client.close();
    process.stdout.write(JSON.stringify(summary) + '\n');
  })();
}

main().catch((e) => {
  process.stderr.write(`grpc_client.js: FAILED: ${e.stack || e}\n`);
  process.exit(1);
});
