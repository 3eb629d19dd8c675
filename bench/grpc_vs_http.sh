#!/usr/bin/env bash
# bench/grpc_vs_http.sh [--build DIR] [--points N] [--connections N] [--rounds R] [--unary]
#
# Ingest over HTTP (bench/http_ingest, line protocol) and over gRPC
# (bench/grpc_load --mode ingest, WriteStream; --unary: Write) with the same
# points and connection count, one after the other, each against a fresh
# luxd on free loopback ports with its data in a new temp dir. Prints each
# tool's JSON line, then per round one line with both figures and the ratio
# gRPC / HTTP points/s, and at the end (with --rounds > 1) the medians and
# their ratio. Rounds alternate which goes first.
# Build dir: --build, else $LUX_BUILD, else build/release in the repo.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${LUX_BUILD:-$repo/build/release}
points=2000000
connections=8
rounds=1
unary=
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --points) points=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --unary) unary=--unary; shift ;;
    *) echo "usage: $0 [--build DIR] [--points N] [--connections N] [--rounds R] [--unary]" >&2
       exit 2 ;;
  esac
done
luxd=$build/server/luxd/luxd
http_ingest=$build/bench/http_ingest
grpc_load=$build/bench/grpc_load
for b in "$luxd" "$http_ingest" "$grpc_load"; do
  [ -x "$b" ] || { echo "grpc_vs_http: $b is missing (build luxd http_ingest grpc_load)" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/grpc_vs_http.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Starts luxd on free ports with a new data dir; sets pid, http_port, grpc_target.
start_luxd() {
  local dir=$tmp/$1
  mkdir -p "$dir"
  "$luxd" --data-dir "$dir/data" --http-addr 127.0.0.1:0 --grpc-addr 127.0.0.1:0 \
    --log-level warn >"$dir/stdout" 2>"$dir/stderr" &
  pid=$!
  for _ in $(seq 100); do
    if grep -q "luxd listening" "$dir/stdout" 2>/dev/null; then break; fi
    sleep 0.1
  done
  local line
  line=$(head -n1 "$dir/stdout")
  http_port=$(sed -E 's|.*http://[^:]+:([0-9]+).*|\1|' <<<"$line")
  grpc_target=$(sed -E 's|.*grpc=([^ ]+).*|\1|' <<<"$line")
  [ -n "$http_port" ] && [ -n "$grpc_target" ] || { echo "luxd did not start: $line" >&2; exit 1; }
}

stop_luxd() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
  rm -rf "$tmp/$1"
}

loadavg() { cut -d' ' -f1 /proc/loadavg; }
# Cores busy during one second (luxd and the load tools idle: other processes).
busy_cores() {
  local a b
  a=$(head -n1 /proc/stat)
  sleep 1
  b=$(head -n1 /proc/stat)
  awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN {
    split(a, x); split(b, y); t = 0; i = 0
    for (k = 2; k <= 9; k++) { t += y[k] - x[k] }
    i = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.2f", (t > 0 ? (t - i) / t * n : 0)
  }'
}
rate_of() { grep -o '"points_per_s":[0-9.]*' <<<"$1" | cut -d: -f2; }

run_http() {
  start_luxd http
  http_load=$(loadavg)
  http_busy=$(busy_cores)
  http_out=$("$http_ingest" --port "$http_port" --connections "$connections" --points "$points")
  echo "$http_out"
  stop_luxd http
}

run_grpc() {
  start_luxd grpc
  grpc_load_avg=$(loadavg)
  grpc_busy=$(busy_cores)
  grpc_out=$("$grpc_load" --mode ingest --target "$grpc_target" --streams "$connections" \
    --points "$points" --luxd-pid "$pid" $unary)
  echo "$grpc_out"
  stop_luxd grpc
}

all_h=
all_g=
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run_http; run_grpc; else run_grpc; run_http; fi
  h=$(rate_of "$http_out")
  g=$(rate_of "$grpc_out")
  all_h="$all_h $h"
  all_g="$all_g $g"
  awk -v r="$r" -v p="$points" -v c="$connections" -v h="$h" -v g="$g" -v lh="$http_load" \
      -v lg="$grpc_load_avg" -v bh="$http_busy" -v bg="$grpc_busy" -v api="${unary:+Write}" 'BEGIN {
    printf "{\"benchmark\":\"grpc_vs_http\",\"round\":%d,\"points\":%d,\"connections\":%d,", r, p, c
    printf "\"grpc_api\":\"%s\",\"http_points_per_s\":%.0f,\"grpc_points_per_s\":%.0f,", (api == "" ? "WriteStream" : api), h, g
    printf "\"ratio_grpc_over_http\":%.3f,\"loadavg_before_http\":%s,\"loadavg_before_grpc\":%s,", g / h, lh, lg
    printf "\"machine_busy_cores_before_http\":%s,\"machine_busy_cores_before_grpc\":%s}\n", bh, bg
  }'
done
if [ "$rounds" -gt 1 ]; then
  median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
  mh=$(median <<<"$all_h")
  mg=$(median <<<"$all_g")
  awk -v n="$rounds" -v p="$points" -v c="$connections" -v h="$mh" -v g="$mg" -v api="${unary:+Write}" 'BEGIN {
    printf "{\"benchmark\":\"grpc_vs_http\",\"rounds\":%d,\"points\":%d,\"connections\":%d,", n, p, c
    printf "\"grpc_api\":\"%s\",\"http_points_per_s_median\":%.0f,", (api == "" ? "WriteStream" : api), h
    printf "\"grpc_points_per_s_median\":%.0f,\"ratio_of_medians\":%.3f}\n", g, g / h
  }'
fi
