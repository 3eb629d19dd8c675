// Uses node-influx (npm `influx`, the v1 API): ping, createDatabase,
// getDatabaseNames, writePoints.
// Usage: node v1_write.js PORT DATABASE MEASUREMENT
// Writes the points that influx_clients_test.cc expects; exits non-zero on
// any failure.
'use strict';
const Influx = require('influx');

async function main() {
  const [port, db, m] = process.argv.slice(2);
  const influx = new Influx.InfluxDB({
    host: '127.0.0.1',
    port: Number(port),
    database: db,
    schema: [{
      measurement: m,
      fields: {
        temp: Influx.FieldType.FLOAT,
        n: Influx.FieldType.INTEGER,
        ok: Influx.FieldType.BOOLEAN,
        note: Influx.FieldType.STRING,
      },
      tags: ['zone', 'host'],
    }],
  });
  const hosts = await influx.ping(5000);
  if (hosts.length !== 1 || !hosts[0].online || !hosts[0].version) {
    throw new Error(`ping: ${JSON.stringify(hosts.map((h) => [h.online, h.version]))}`);
  }
  console.log(`version=${hosts[0].version}`);
  await influx.createDatabase(db);
  const names = await influx.getDatabaseNames();
  if (!names.includes(db)) throw new Error(`getDatabaseNames: ${JSON.stringify(names)}`);
  await influx.writePoints([
    {
      measurement: m,
      tags: {zone: 'a b', host: 'h,1=2'},
      fields: {temp: 21.5, n: 7, ok: true, note: 'say "hi" \\'},
      timestamp: '1767225600000000001',
    },
    {measurement: m, tags: {zone: 'b'}, fields: {temp: 0.1, n: -2}, timestamp: '1767225600000000002'},
  ]);
  await influx.writePoints(
      [{measurement: m, tags: {zone: 'c'}, fields: {temp: -3, ok: false}, timestamp: 1767225601}],
      {precision: 's'});
}

main().catch((e) => {
  console.error(`v1_write failed: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
