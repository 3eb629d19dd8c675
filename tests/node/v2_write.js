// Writes through @influxdata/influxdb-client (the v2 API: POST /api/v2/write).
// Usage: node v2_write.js PORT BUCKET MEASUREMENT [bad]
// Writes the points that influx_clients_test.cc expects and exits 0; with
// `bad`, writes one bad and one good line and exits 0 only if the client
// reports the server's 400 (printed as `status=400 body=...`).
'use strict';
const {InfluxDB, Point} = require('@influxdata/influxdb-client');

async function main() {
  const [port, bucket, m, mode] = process.argv.slice(2);
  const influx = new InfluxDB({url: `http://127.0.0.1:${port}`, token: 'x'});
  // maxRetries 0: a failure is reported at once instead of after backoffs.
  const api = influx.getWriteApi('lux', bucket, 'ns', {maxRetries: 0});
  if (mode === 'bad') {
    api.writeRecords([`${m} v= 1767225600000000000`, `${m} v=1 1767225600000000000`]);
    try {
      await api.close();
    } catch (e) {
      console.log(`status=${e.statusCode} body=${e.body}`);
      process.exit(e.statusCode === 400 ? 0 : 1);
    }
    console.log('the bad line was accepted');
    process.exit(1);
  }
  api.writePoint(new Point(m)
                     .tag('zone', 'a b')
                     .tag('host', 'h,1=2')
                     .floatField('temp', 21.5)
                     .intField('n', -7)
                     .uintField('u', 3)
                     .booleanField('ok', true)
                     .stringField('note', 'say "hi" \\')
                     .timestamp('1767225600000000001'));
  // 50 more points: the batch passes the client's 1,000-byte gzip threshold.
  for (let i = 0; i < 50; i++) {
    const ts = (1767225600n + BigInt(i)) * 1000000000n;
    api.writePoint(new Point(m).tag('zone', 'z').floatField('temp', 20 + i / 4)
                       .timestamp(ts.toString()));
  }
  api.writeRecords([`${m},zone=c temp=-1.5 1767225700000000000`,
                    `${m},zone=c temp=2e-7 1767225800000000000`]);
  await api.close();
}

main().catch((e) => {
  console.error(`v2_write failed: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
