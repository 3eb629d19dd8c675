#!/usr/bin/python3
"""Helper for bench/peers/run (Python 3 standard library only).

Subcommands:
  freeport N                       N free loopback TCP ports, one a line
  wait-ready URL TIMEOUT_S         exit 0 once GET URL answers 2xx
  rss PID                          "VmHWM_kB VmRSS_kB" of a live process
  idle-wait MAX_S [PCT]            wait (<= MAX_S) for CPUs < PCT% busy over 2 s
  cpu PID SHELL_PID                CPU ticks: machine busy, PID, SHELL's children
  get URL                          GET URL, print the status code (0 on error)
  count SERVER PORT POINTS CONNS   stored points: "value_count quality_count"
  row ...                          build one result row (see cmd_row)
  table ROWS_FILE RESULTS_FILE     print the table, append ratio rows
"""
import json
import math
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# bench/workload/sensor_workload.h: 1,000 sensors, one point per sensor every
# 10 s from 2026-01-01T00:00:00Z; http_ingest gives each connection its own
# 1,000 sensors with the same timestamps.
K_START_NS = 1767225600 * 10**9
K_INTERVAL_NS = 10 * 10**9
SENSORS_PER_CONN = 1000


def cmd_freeport(n):
    socks, ports = [], []
    for _ in range(int(n)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    print("\n".join(str(p) for p in ports))


def http_get(url, timeout=10.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def cmd_wait_ready(url, timeout_s):
    deadline = time.time() + float(timeout_s)
    while time.time() < deadline:
        try:
            status, _ = http_get(url, timeout=2)
            if 200 <= status < 300:
                return 0
        except (urllib.error.URLError, OSError, ConnectionError):
            pass
        time.sleep(0.1)
    return 1


def cmd_get(url):
    try:
        status, _ = http_get(url, timeout=600)
    except urllib.error.HTTPError as e:
        status = e.code
    except (urllib.error.URLError, OSError):
        status = 0
    print(status)


def cmd_rss(pid):
    hwm = rss = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    print(hwm, rss)


def cmd_cpu(server_pid, shell_pid):
    """'busy server children' CPU ticks: all CPUs' busy time (/proc/stat),
    the server's own, and the shell's reaped children's (http_ingest)."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    busy = sum(cpu) - cpu[3] - cpu[4]  # minus idle and iowait

    def stat(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
    st = stat(server_pid)
    server = int(st[11]) + int(st[12]) if st else 0          # utime + stime
    sh = stat(shell_pid)
    children = int(sh[13]) + int(sh[14]) if sh else 0         # cutime + cstime
    print(busy, server, children, f"{time.monotonic():.3f}")


def busy_share(seconds):
    """Share of all CPUs busy over the next `seconds`."""
    def snap():
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        return sum(cpu), cpu[3] + cpu[4]
    t0, i0 = snap()
    time.sleep(seconds)
    t1, i1 = snap()
    return 1 - (i1 - i0) / max(1, t1 - t0)


def cmd_idle_wait(max_s, threshold_pct="25"):
    """Waits (up to max_s) for a 2 s stretch with the machine's CPUs less than
    threshold_pct busy. Prints 'waited_s busy_pct_last'."""
    t0 = time.monotonic()
    busy = busy_share(2)
    while busy * 100 >= float(threshold_pct) and time.monotonic() - t0 < float(max_s):
        busy = busy_share(2)
    print(f"{time.monotonic() - t0:.0f} {busy * 100:.0f}")


def time_span_ns(points, conns):
    """[start, end) that holds every timestamp the workload writes."""
    per_conn = points // conns
    ticks = math.ceil(per_conn / SENSORS_PER_CONN)
    return K_START_NS, K_START_NS + (ticks + 1) * K_INTERVAL_NS


def count_luxd(port, points, conns):
    # luxd has no SELECT; /export prints one line per (series, field, time).
    # Export in time windows so no single response gets huge, plus the two
    # open ends to catch anything stored outside the expected span.
    start, end = time_span_ns(points, conns)
    step = 100 * K_INTERVAL_NS
    windows = [(None, start)]
    t = start
    while t < end:
        windows.append((t, min(t + step, end)))
        t += step
    windows.append((end, None))
    counts = {"value": 0, "quality": 0}
    for a, b in windows:
        q = {"db": "bench", "measurement": "sensor_readings"}
        if a is not None:
            q["start"] = str(a)
        if b is not None:
            q["end"] = str(b)
        url = f"http://127.0.0.1:{port}/export?" + urllib.parse.urlencode(q)
        with urllib.request.urlopen(url, timeout=600) as r:
            for line in r:
                # measurement,tags field=value time
                parts = line.split(b" ")
                if len(parts) >= 3:
                    key = parts[-2].split(b"=", 1)[0].decode()
                    counts[key] = counts.get(key, 0) + 1
    return counts["value"], counts["quality"]


def count_influxd(port):
    q = "SELECT count(value), count(quality) FROM sensor_readings"
    url = f"http://127.0.0.1:{port}/query?" + urllib.parse.urlencode({"db": "bench", "q": q})
    _, body = http_get(url, timeout=600)
    res = json.loads(body)["results"][0]
    if "series" not in res:
        return 0, 0
    row = res["series"][0]["values"][0]
    return int(row[1]), int(row[2])


def count_vm(port, points, conns):
    # Line protocol field f of measurement m becomes metric m_f (label db=bench).
    start, end = time_span_ns(points, conns)
    t = end // 10**9 + 86400
    window_s = t - start // 10**9 + 86400
    out = []
    for metric in ("sensor_readings_value", "sensor_readings_quality"):
        q = f"sum(count_over_time({metric}[{window_s}s]))"
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(
            {"query": q, "time": str(t)})
        _, body = http_get(url, timeout=600)
        result = json.loads(body)["data"]["result"]
        out.append(int(float(result[0]["value"][1])) if result else 0)
    return tuple(out)


def cmd_count(server, port, points, conns):
    points, conns = int(points), int(conns)
    try:
        if server == "luxd":
            v, q = count_luxd(port, points, conns)
        elif server == "influxd":
            v, q = count_influxd(port)
        else:
            v, q = count_vm(port, points, conns)
    except Exception as e:  # report, do not abort the run
        print(f"count {server}: {e}", file=sys.stderr)
        v, q = -1, -1
    print(v, q)


def cmd_row(args):
    """row KEY=VALUE...: ingest=<http_ingest JSON line> plus numeric extras."""
    kv = dict(a.split("=", 1) for a in args)
    try:
        ingest = json.loads(kv.pop("ingest"))
    except (ValueError, KeyError):
        ingest = {}
    row = {"benchmark": "peers"}
    for k in ("run_id", "time", "server", "version", "host"):
        row[k] = kv.pop(k, "")
    row["connections"] = int(kv.pop("connections"))
    row["points"] = int(ingest.get("points", kv.get("points_requested", 0)))
    kv.pop("points_requested", None)
    row["batch"] = int(ingest.get("batch", kv.pop("batch", 0)))
    kv.pop("batch", None)
    for k in ("seconds", "points_per_s", "p50_ms", "p95_ms", "p99_ms", "p95_after_first_ms",
              "first_wave_ms", "failed_requests"):
        row[k] = ingest.get(k)
    # disk_bytes: du -sb (apparent sizes); disk_alloc_bytes: blocks really
    # allocated (InfluxDB preallocates sparse series-file segments);
    # cache_bytes: VictoriaMetrics' cache/ dir (rebuildable), inside both.
    row["disk_bytes"] = int(kv.pop("disk_bytes"))
    row["disk_alloc_bytes"] = int(kv.pop("disk_alloc_bytes"))
    row["cache_bytes"] = int(kv.pop("cache_bytes", 0))
    field_values = 2 * row["points"]
    per_fv = lambda b: round(b / field_values, 3) if field_values else None
    row["bytes_per_field_value"] = per_fv(row["disk_bytes"])
    row["bytes_per_field_value_alloc"] = per_fv(row["disk_alloc_bytes"])
    row["bytes_per_field_value_no_cache"] = per_fv(row["disk_bytes"] - row["cache_bytes"])
    row["peak_rss_mib"] = round(int(kv.pop("hwm_kb")) / 1024, 1)
    row["rss_after_ingest_mib"] = round(int(kv.pop("rss_after_ingest_kb")) / 1024, 1)
    row["stored_points"] = int(kv.pop("stored_value"))
    row["stored_quality"] = int(kv.pop("stored_quality"))
    row["settle_s"] = float(kv.pop("settle_s"))
    row["clean_stop"] = kv.pop("clean_stop") == "1"
    row["load_before"] = kv.pop("load_before", "")
    row["load_after_ingest"] = kv.pop("load_after_ingest", "")
    idle = kv.pop("idle_wait", "").split()
    if len(idle) == 2:
        row["idle_wait_s"], row["busy_pct_before"] = int(idle[0]), int(idle[1])
    # CPU used during the ingest by processes other than this server and
    # http_ingest, as a share of the machine (noise indicator).
    cpu0, cpu1 = kv.pop("cpu_before", ""), kv.pop("cpu_after", "")
    hz = os.sysconf("SC_CLK_TCK")
    ncpu = os.cpu_count() or 1
    # The window is http_ingest's whole life (its untimed generation too).
    if cpu0 and cpu1:
        d = [float(b) - float(a) for a, b in zip(cpu0.split(), cpu1.split())]
        row["server_cpu_s"] = round(d[1] / hz, 2)
        row["http_ingest_cpu_s"] = round(d[2] / hz, 2)
        row["other_cpu_pct"] = round(100 * max(0, d[0] - d[1] - d[2]) / hz /
                                     (ncpu * max(d[3], 0.001)), 1)
    warnings = []
    if not ingest:
        warnings.append("http_ingest printed no JSON")
    if row["failed_requests"]:
        warnings.append(f"{row['failed_requests']} failed write requests")
    if row["stored_points"] != row["points"] or row["stored_quality"] != row["points"]:
        warnings.append(f"stored value/quality counts {row['stored_points']}/"
                        f"{row['stored_quality']} != points written {row['points']}")
    if not row["clean_stop"]:
        warnings.append("server did not stop cleanly on SIGTERM")
    row["warnings"] = warnings
    row.update(kv)
    print(json.dumps(row))


def fmt_int(x):
    return "-" if x is None else f"{int(x):,}"


def cmd_table(rows_file, results_file):
    rows = []
    with open(rows_file) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    hdr = ("server", "conns", "points/s", "other CPU %", "p95 ms", "p95 after 1st ms", "B/fv du -sb",
           "B/fv alloc", "B/fv no cache", "peak RSS MiB", "stored points")
    out = []
    for r in rows:
        out.append((r["server"], str(r["connections"]), fmt_int(r["points_per_s"]),
                    "-" if r.get("other_cpu_pct") is None else f"{r['other_cpu_pct']:.0f}",
                    "-" if r["p95_ms"] is None else f"{r['p95_ms']:.1f}",
                    "-" if r.get("p95_after_first_ms") is None else
                    f"{r['p95_after_first_ms']:.1f}",
                    "-" if r["bytes_per_field_value"] is None else
                    f"{r['bytes_per_field_value']:.2f}",
                    "-" if r["bytes_per_field_value_alloc"] is None else
                    f"{r['bytes_per_field_value_alloc']:.2f}",
                    "-" if r.get("bytes_per_field_value_no_cache") is None else
                    f"{r['bytes_per_field_value_no_cache']:.2f}",
                    f"{r['peak_rss_mib']:.0f}", fmt_int(r["stored_points"])))
    widths = [max(len(h), *(len(o[i]) for o in out)) if out else len(h)
              for i, h in enumerate(hdr)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(hdr))
    print(line(tuple("-" * w for w in widths)))
    for r, o in zip(rows, out):
        print(line(o))
        for w in r["warnings"]:
            print(f"  WARNING {r['server']} c={r['connections']}: {w}")
    # Ratios of luxd's points/s to each peer's, per connection count.
    by = {(r["server"], r["connections"]): r for r in rows}
    run_id = rows[0]["run_id"] if rows else ""
    ratio_rows = []
    for c in sorted({r["connections"] for r in rows}):
        lux = by.get(("luxd", c))
        if not lux or not lux["points_per_s"]:
            continue
        rr = {"benchmark": "peers_ratio", "run_id": run_id, "connections": c}
        for peer, key in (("victoria-metrics", "luxd_over_vm"),
                          ("influxd", "luxd_over_influxd")):
            p = by.get((peer, c))
            if p and p["points_per_s"]:
                rr[key] = round(lux["points_per_s"] / p["points_per_s"], 2)
        if len(rr) > 3:
            ratio_rows.append(rr)
    if ratio_rows:
        print()
        print("points/s ratios:")
        for rr in ratio_rows:
            print(f"  c={rr['connections']}: luxd/VM = {rr.get('luxd_over_vm', '-')}, "
                  f"luxd/influxd = {rr.get('luxd_over_influxd', '-')}")
    with open(results_file, "a") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
        for rr in ratio_rows:
            f.write(json.dumps(rr) + "\n")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "freeport":
        cmd_freeport(*args)
    elif cmd == "wait-ready":
        return cmd_wait_ready(*args)
    elif cmd == "get":
        cmd_get(*args)
    elif cmd == "idle-wait":
        cmd_idle_wait(*args)
    elif cmd == "cpu":
        cmd_cpu(*args)
    elif cmd == "rss":
        cmd_rss(*args)
    elif cmd == "count":
        cmd_count(*args)
    elif cmd == "row":
        cmd_row(args)
    elif cmd == "table":
        cmd_table(*args)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
