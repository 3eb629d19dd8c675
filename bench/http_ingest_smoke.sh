#!/usr/bin/env bash
# bench/http_ingest_smoke.sh LUXD HTTP_INGEST: the ingest benchmark runs
# against a real luxd on a free loopback port and every request of a small
# run is answered with success; prints http_ingest's JSON line (ctest
# matches it).
set -euo pipefail
LUXD=$1
HTTP_INGEST=$2
DIR=$(mktemp -d)
PID=
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$DIR"' EXIT
"$LUXD" --data-dir "$DIR/data" --http-addr 127.0.0.1:0 --grpc-addr 127.0.0.1:0 \
  --log-level warn > "$DIR/out" 2>&1 &
PID=$!
PORT=
for _ in $(seq 100); do
  PORT=$(sed -n 's|^luxd listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$DIR/out")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "luxd did not start:"; cat "$DIR/out"; exit 1; }
"$HTTP_INGEST" --port "$PORT" --connections 4 --points 20000 --batch 1000
