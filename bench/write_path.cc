// write_path [--connections N] [--points TOTAL] [--batch 5000] [--reps R]
//
// luxd's write handler without the network: the request bodies http_ingest
// sends (bench/workload ConnectionBodies: N writers, each its own 1,000
// sensors x 2 fields), interleaved writer by writer as a server would take
// them, go one after another on one thread through InfluxApi::Handle
// (`POST /write?db=bench`: parse, group by series, resolve, log, head), into
// a fresh database in a temporary directory opened with luxd's default
// options. Prints one JSON object per repetition: lines/s and ns per line of
// wall time and of the process's CPU time (the sealer's included), and the
// wall ns per line of the first body of each writer (which makes its 2,000
// series) apart from the rest (series known). Also: the heap the first bodies
// grew per series they made (malloc's in-use bytes, every allocation of the
// write path: series, tag sets, index and log memtables, buffers), and the
// log bytes the run wrote and their bytes before zstd (lux.stats).
//
// What it is for: the server-side cost of a line, free of the HTTP layer and
// of the client that shares these two cores in http_ingest, so that a change
// to the write path can be compared run against run (CPU time varies less
// than throughput on a shared host).
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bench/workload/sensor_workload.h"
#include "lux/db.h"
#include "server/luxd/config.h"
#include "server/luxd/http_util.h"
#include "server/luxd/influx_api.h"

namespace {

size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// lux.stats' numbers by name (-1 for one it lacks).
struct Stats {
  explicit Stats(lux::DB* db) {
    std::string json;
    if (db->GetProperty("lux.stats", &json)) {
      for (auto& [k, v] : lux::luxd::FlatJsonNumbers(json)) values[k] = std::atoll(v.c_str());
    }
  }
  long long operator[](const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? -1 : it->second;
  }
  std::map<std::string, long long> values;
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  int connections = 8, reps = 3;
  size_t points = 2'000'000, batch = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--connections") == 0) connections = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--points") == 0) points = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--batch") == 0) batch = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::atoi(argv[i + 1]);
  }
  if (connections < 1 || batch < 1 || points < batch * size_t(connections) || reps < 1) {
    std::fprintf(stderr,
                 "write_path: need connections >= 1, batch >= 1, points >= "
                 "batch x connections, reps >= 1\n");
    return 2;
  }
  const auto per_writer = lux::bench::ConnectionBodies(connections, points, batch);
  // Round robin over the writers: the order a server sees them in.
  std::vector<const std::string*> bodies;
  for (size_t k = 0; k < per_writer[0].size(); ++k) {
    for (const auto& w : per_writer) {
      if (k < w.size()) bodies.push_back(&w[k]);
    }
  }
  size_t lines = 0;
  for (const std::string* b : bodies) lines += size_t(std::count(b->begin(), b->end(), '\n'));

  for (int rep = 0; rep < reps; ++rep) {
    char tmpl[] = "/tmp/lux_write_path.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    const std::string dir = tmpl;
    lux::luxd::Config config;
    config.data_dir = dir;
    {
      auto db = lux::DB::Open(config.DbOptions(), dir);
      if (!db.ok()) {
        std::fprintf(stderr, "open %s: %s\n", dir.c_str(),
                     std::string(db.status().message()).c_str());
        return 1;
      }
      lux::luxd::InfluxApi api(db->get(), config);
      lux::luxd::HttpRequest create;
      create.method = "POST";
      create.target = "/query?q=CREATE%20DATABASE%20bench";
      if (int s = api.Handle(create).status; s != 200) {
        std::fprintf(stderr, "CREATE DATABASE: %d\n", s);
        return 1;
      }
      lux::luxd::HttpRequest req;
      req.method = "POST";
      req.target = "/write?db=bench";
      int failed = 0;
      const size_t heap0 = HeapInUse();
      size_t first_round_heap = 0;
      const double cpu0 = CpuSeconds();
      const auto t0 = std::chrono::steady_clock::now();
      auto first_round_end = t0;  // the first body of each writer makes its series
      for (size_t b = 0; b < bodies.size(); ++b) {
        req.body = *bodies[b];  // the server owns each body it reads (not timed apart)
        if (api.Handle(req).status != 204) ++failed;
        if (b + 1 == size_t(connections)) {
          first_round_end = std::chrono::steady_clock::now();
          first_round_heap = HeapInUse() - heap0;
        }
      }
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double first_wall = std::chrono::duration<double>(first_round_end - t0).count();
      const size_t first_lines = batch * size_t(connections);
      const double cpu = CpuSeconds() - cpu0;
      const Stats stats(db->get());
      const long long series = stats["series"];
      std::printf(
          "{\"benchmark\":\"write_path\",\"connections\":%d,\"lines\":%zu,\"batch\":%zu,"
          "\"rep\":%d,\"seconds\":%.3f,\"lines_per_s\":%.0f,\"ns_per_line\":%.1f,"
          "\"cpu_seconds\":%.3f,\"cpu_ns_per_line\":%.1f,\"new_series_ns_per_line\":%.1f,"
          "\"known_series_ns_per_line\":%.1f,\"series\":%lld,"
          "\"heap_per_new_series_bytes\":%.0f,\"log_bytes_logged\":%lld,"
          "\"log_bytes_uncompressed\":%lld,\"failed_requests\":%d}\n",
          connections, lines, batch, rep, wall, double(lines) / wall, wall * 1e9 / double(lines),
          cpu, cpu * 1e9 / double(lines), first_wall * 1e9 / double(first_lines),
          (wall - first_wall) * 1e9 / double(lines - first_lines), series,
          series > 0 ? double(first_round_heap) / double(series) : 0.0, stats["log_bytes_logged"],
          stats["log_bytes_uncompressed"], failed);
      std::fflush(stdout);
    }
    std::filesystem::remove_all(dir);
  }
  return 0;
}
