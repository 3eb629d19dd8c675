// lux_bench --workload W [--points N] [--dir D] [--queries Q] [--sensors S]
//
// Embedded lux::DB workloads over the sensor workload (bench/workload).
// Prints one JSON object per workload:
//   ingest-seq   N points in time order, synced batches of 5,000
//   ingest-ooo   the same with 10% of points arriving 2 batches late
//   query-range  one sensor, raw points over 6 h
//   query-agg    one sensor, 1 day, mean per 5 min; and one facility's
//                temperature sensors, 1 day, max per hour
//   query-last   latest value of every sensor in one facility
//   recover      open after kill -9 with N unsealed points, until the first
//                query answers
// Query workloads ingest N points into D first unless D already holds them,
// run 100 warm-up queries, then time Q queries.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/workload/sensor_workload.h"
#include "lux/db.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kHour = int64_t{3600} * 1'000'000'000;
constexpr size_t kBatch = 5000;

struct Flags {
  std::string workload;
  size_t points = 10'000'000;
  std::string dir = "/tmp/lux_bench";
  size_t queries = 1000;
  int sensors = 1000;
  // "columns": each batch goes to DB::Write(ColumnBatch), grouped by
  // series (the grouping is the client's work, not timed); "points":
  // DB::Write(WriteBatch), one lux::Point per point.
  std::string api = "columns";
};

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double RssPeakMib() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024;
}

// Bytes on disk under dir, as du counts them.
uint64_t DiskUsage(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    struct stat st;
    if (stat(e.path().c_str(), &st) == 0 && S_ISREG(st.st_mode))
      total += uint64_t(st.st_blocks) * 512;
  }
  return total;
}

void Die(const absl::Status& s, const char* what) {
  std::fprintf(stderr, "lux_bench: %s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

// Options::entropy_coding (default on): --no-entropy seals blocks with the
// fast codecs only, --entropy (the default) with the rANS stage.
bool entropy_coding = lux::Options().entropy_coding;

std::unique_ptr<lux::DB> OpenDb(const std::string& dir, size_t block_points = 8192) {
  lux::Options options;
  options.block_points = block_points;
  options.entropy_coding = entropy_coding;
  auto db = lux::DB::Open(options, dir);
  if (!db.ok()) Die(db.status(), "open");
  if (auto s = (*db)->CreateDatabase("bench"); !s.ok()) Die(s, "create database");
  return std::move(*db);
}

// The value of "key" in a flat lux.stats JSON object, or "null".
std::string StatField(const std::string& stats, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const size_t at = stats.find(needle);
  if (at == std::string::npos) return "null";
  const size_t from = at + needle.size();
  return stats.substr(from, stats.find_first_of(",}", from) - from);
}

// Ingests `points` points; with ooo, 10% arrive two batches late. Returns
// the seconds spent in DB::Write (the generator's time is not counted).
double Ingest(lux::DB* db, const Flags& f, bool ooo) {
  double write_seconds = 0;
  lux::bench::SensorWorkload gen(f.sensors);
  std::mt19937_64 rng(7);
  std::vector<std::vector<lux::Point>> late(3);
  size_t done = 0;
  for (size_t b = 0; done < f.points; ++b) {
    lux::WriteBatch batch;
    batch.database = "bench";
    std::vector<lux::Point> fresh;
    gen.Next(std::min(kBatch, f.points - done), &fresh);
    done += fresh.size();
    for (auto& p : fresh) {
      if (ooo && rng() % 10 == 0) {
        late[(b + 2) % 3].push_back(std::move(p));
      } else {
        batch.points.push_back(std::move(p));
      }
    }
    auto& due = late[b % 3];
    for (auto& p : due) batch.points.push_back(std::move(p));
    due.clear();
    if (done >= f.points) {
      for (auto& l : late) {
        for (auto& p : l) batch.points.push_back(std::move(p));
        l.clear();
      }
    }
    absl::StatusOr<lux::WriteResult> r;
    if (f.api == "points") {
      const auto w0 = Clock::now();
      r = db->Write(batch);
      write_seconds += Seconds(w0);
    } else {
      const lux::ColumnBatch columns = lux::ToColumnBatch(std::move(batch));
      const auto w0 = Clock::now();
      r = db->Write(columns);
      write_seconds += Seconds(w0);
    }
    if (!r.ok()) Die(r.status(), "write");
    if (!r->rejected.empty()) Die(r->rejected[0].status, "rejected point");
  }
  return write_seconds;
}

void IngestWorkload(const Flags& f, bool ooo) {
  std::filesystem::remove_all(f.dir);
  double seconds;
  std::string stats;
  {
    auto db = OpenDb(f.dir);
    seconds = Ingest(db.get(), f, ooo);
    // The unsealed points left at the end, and the memory they take.
    db->GetProperty("lux.stats", &stats);
    if (auto s = db->Close(); !s.ok()) Die(s, "close");
  }
  const uint64_t bytes = DiskUsage(f.dir);
  if (!ooo) {
    // Query workloads may reuse this database.
    if (FILE* m = std::fopen((f.dir + "/.lux_bench_points").c_str(), "w")) {
      std::fprintf(m, "%zu\n", f.points);
      std::fclose(m);
    }
  }
  std::printf(
      "{\"workload\":\"%s\",\"api\":\"%s\",\"entropy_coding\":%s,\"points\":%zu,"
      "\"seconds\":%.3f,\"points_per_s\":%.0f,"
      "\"bytes_on_disk\":%llu,\"bytes_per_field_value\":%.4f,\"rss_peak_mib\":%.1f,"
      "\"head_points\":%s,\"head_bytes\":%s}\n",
      f.workload.c_str(), f.api.c_str(), entropy_coding ? "true" : "false", f.points, seconds,
      f.points / seconds, (unsigned long long)bytes, double(bytes) / (2.0 * f.points), RssPeakMib(),
      StatField(stats, "head_points").c_str(), StatField(stats, "head_bytes").c_str());
}

struct Latencies {
  std::vector<double> ms;
  double Pct(double p) {
    std::sort(ms.begin(), ms.end());
    if (ms.empty()) return 0;
    return ms[std::min(ms.size() - 1, size_t(p / 100 * ms.size()))];
  }
};

// Opens the query database, ingesting it first when it is missing.
std::unique_ptr<lux::DB> QueryDb(const Flags& f, int64_t* span_end) {
  const std::string marker = f.dir + "/.lux_bench_points";
  bool ready = false;
  if (FILE* m = std::fopen(marker.c_str(), "r")) {
    unsigned long long n = 0;
    ready = std::fscanf(m, "%llu", &n) == 1 && n == f.points;
    std::fclose(m);
  }
  if (!ready) {
    std::filesystem::remove_all(f.dir);
    auto db = OpenDb(f.dir);
    Ingest(db.get(), f, false);
    if (auto s = db->Close(); !s.ok()) Die(s, "close");
    FILE* m = std::fopen(marker.c_str(), "w");
    std::fprintf(m, "%zu\n", f.points);
    std::fclose(m);
  }
  *span_end = lux::bench::SensorWorkload::kStart +
              int64_t(f.points / f.sensors) * lux::bench::SensorWorkload::kInterval;
  return OpenDb(f.dir);
}

size_t RunQuery(lux::DB* db, const lux::QuerySpec& q) {
  auto c = db->Query(q);
  if (!c.ok()) Die(c.status(), "query");
  lux::Frame fr;
  size_t rows = 0;
  while ((*c)->Next(&fr)) rows += fr.times.size();
  if (!(*c)->status().ok()) Die((*c)->status(), "query");
  return rows;
}

void QueryWorkload(const Flags& f) {
  int64_t end;
  auto db = QueryDb(f, &end);
  const int64_t start = lux::bench::SensorWorkload::kStart;
  const int64_t span = end - start;
  lux::bench::SensorWorkload gen(f.sensors);
  const auto& sensors = gen.sensors();
  std::mt19937_64 rng(11);
  auto random_start = [&](int64_t width) {
    return span <= width ? start : start + int64_t(rng() % uint64_t(span - width));
  };
  // The first kWarmup queries warm caches (as a running dashboard server's
  // are) and are not counted.
  constexpr size_t kWarmup = 100;
  size_t issued = 0;
  auto timed = [&](Latencies* l, const std::function<size_t()>& fn) {
    const auto t0 = Clock::now();
    const size_t rows = fn();
    if (issued++ >= kWarmup) l->ms.push_back(Seconds(t0) * 1e3);
    return rows;
  };
  auto base = [&]() {
    lux::QuerySpec q;
    q.selector.database = "bench";
    q.selector.measurement = "sensor_readings";
    q.selector.fields = {"value"};
    return q;
  };
  Latencies all;
  size_t rows = 0;
  std::string extra;
  if (f.workload == "query-range") {
    for (size_t i = 0; i < f.queries + kWarmup; ++i) {
      lux::QuerySpec q = base();
      q.selector.tags = {
          {"sensor_id", lux::TagFilter::Op::kEqual, {sensors[rng() % sensors.size()].sensor_id}}};
      q.start_ns = random_start(6 * kHour);
      q.end_ns = q.start_ns + 6 * kHour;
      rows += timed(&all, [&] { return RunQuery(db.get(), q); });
    }
  } else if (f.workload == "query-agg") {
    Latencies mean5, max1h;
    for (size_t i = 0; i < f.queries + kWarmup; ++i) {
      lux::QuerySpec q = base();
      q.start_ns = random_start(24 * kHour);
      q.end_ns = q.start_ns + 24 * kHour;
      if (i % 2 == 0) {
        q.selector.tags = {
            {"sensor_id", lux::TagFilter::Op::kEqual, {sensors[rng() % sensors.size()].sensor_id}}};
        q.aggregate = lux::Aggregate::kMean;
        q.interval_ns = 5 * 60 * int64_t{1'000'000'000};
        rows += timed(&mean5, [&] { return RunQuery(db.get(), q); });
      } else {
        q.selector.tags = {
            {"facility_id", lux::TagFilter::Op::kEqual, {absl::StrCat("f", rng() % 20)}},
            {"sensor_type", lux::TagFilter::Op::kEqual, {"temperature"}}};
        q.aggregate = lux::Aggregate::kMax;
        q.interval_ns = kHour;
        rows += timed(&max1h, [&] { return RunQuery(db.get(), q); });
      }
    }
    extra =
        absl::StrCat(",\"mean_5m_p95_ms\":", mean5.Pct(95), ",\"max_1h_p95_ms\":", max1h.Pct(95));
    all.ms = mean5.ms;
    all.ms.insert(all.ms.end(), max1h.ms.begin(), max1h.ms.end());
  } else {  // query-last
    for (size_t i = 0; i < f.queries + kWarmup; ++i) {
      lux::Selector sel;
      sel.database = "bench";
      sel.measurement = "sensor_readings";
      sel.fields = {"value"};
      sel.tags = {{"facility_id", lux::TagFilter::Op::kEqual, {absl::StrCat("f", rng() % 20)}}};
      rows += timed(&all, [&] {
        auto r = db->Last(sel);
        if (!r.ok()) Die(r.status(), "last");
        return r->size();
      });
    }
  }
  std::printf(
      "{\"workload\":\"%s\",\"points\":%zu,\"queries\":%zu,\"rows\":%zu,\"p50_ms\":%.3f,"
      "\"p95_ms\":%.3f,\"p99_ms\":%.3f%s,\"rss_peak_mib\":%.1f}\n",
      f.workload.c_str(), f.points, f.queries, rows, all.Pct(50), all.Pct(95), all.Pct(99),
      extra.c_str(), RssPeakMib());
}

void RecoverWorkload(const Flags& f) {
  const std::string dir = f.dir + "-recover";
  std::filesystem::remove_all(dir);
  pid_t pid = fork();
  if (pid == 0) {
    // Blocks as large as allowed: every point stays unsealed in the log.
    auto db = OpenDb(dir, size_t{1} << 20);
    Ingest(db.get(), f, false);
    raise(SIGKILL);  // no close: every point stays unsealed in the log
  }
  int status;
  waitpid(pid, &status, 0);
  const auto t0 = Clock::now();
  auto db = OpenDb(dir);
  const double open_s = Seconds(t0);
  lux::QuerySpec q;
  q.selector.database = "bench";
  q.selector.measurement = "sensor_readings";
  q.selector.tags = {{"sensor_id", lux::TagFilter::Op::kEqual, {"s0"}}};
  const size_t rows = RunQuery(db.get(), q);
  const double seconds = Seconds(t0);
  std::string stats;
  db->GetProperty("lux.stats", &stats);
  std::printf(
      "{\"workload\":\"recover\",\"points\":%zu,\"seconds\":%.3f,\"open_seconds\":%.3f,"
      "\"points_per_s\":%.0f,\"rows_of_s0\":%zu,\"rss_peak_mib\":%.1f,\"stats\":%s}\n",
      f.points, seconds, open_s, f.points / seconds, rows, RssPeakMib(), stats.c_str());
}

// --workload inspect: where the bytes of a database written by ingest-seq
// go. The files by kind as du counts them (before opening it, which writes
// a new OPTIONS file), then the engine's own account, "lux.block-bytes".
void InspectWorkload(const Flags& f) {
  std::map<std::string, uint64_t> by_kind;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(f.dir, ec)) {
    struct stat st;
    if (stat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const std::string name = e.path().filename().string();
    const std::string kind = name.ends_with(".sst")         ? "sst"
                             : name.ends_with(".log")       ? "rocksdb_wal"
                             : name == "LOG"                ? "info_log"
                             : name.starts_with("OPTIONS")  ? "options"
                             : name.starts_with("MANIFEST") ? "manifest"
                                                            : "other";
    by_kind[kind] += uint64_t(st.st_blocks) * 512;
  }
  uint64_t total = 0;
  std::string files;
  for (const auto& [kind, bytes] : by_kind) {
    total += bytes;
    absl::StrAppend(&files, files.empty() ? "" : ",", "\"", kind, "\":", bytes);
  }
  auto db = OpenDb(f.dir);
  std::string blocks;
  if (!db->GetProperty("lux.block-bytes", &blocks)) blocks = "null";
  if (auto s = db->Close(); !s.ok()) Die(s, "close");
  std::printf(
      "{\"workload\":\"inspect\",\"points\":%zu,\"bytes_on_disk\":%llu,"
      "\"bytes_per_field_value\":%.4f,\"files\":{%s},\"blocks\":%s}\n",
      f.points, (unsigned long long)total, double(total) / (2.0 * f.points), files.c_str(),
      blocks.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lux_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--workload") {
      f.workload = value();
    } else if (a == "--points") {
      f.points = std::stoull(value());
    } else if (a == "--dir") {
      f.dir = value();
    } else if (a == "--queries") {
      f.queries = std::stoull(value());
    } else if (a == "--sensors") {
      f.sensors = std::stoi(value());
    } else if (a == "--entropy" || a == "--no-entropy") {
      entropy_coding = a == "--entropy";
    } else if (a == "--api") {
      f.api = value();
      if (f.api != "points" && f.api != "columns") {
        std::fprintf(stderr, "lux_bench: --api is points or columns\n");
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "usage: lux_bench --workload ingest-seq|ingest-ooo|query-range|query-agg|"
                   "query-last|recover|inspect [--points N] [--dir D] [--queries Q] [--sensors S] "
                   "[--entropy|--no-entropy] [--api columns|points]\n");
      return 2;
    }
  }
  if (f.workload == "ingest-seq" || f.workload == "ingest-ooo") {
    IngestWorkload(f, f.workload == "ingest-ooo");
  } else if (f.workload == "query-range" || f.workload == "query-agg" ||
             f.workload == "query-last") {
    QueryWorkload(f);
  } else if (f.workload == "inspect") {
    InspectWorkload(f);
  } else if (f.workload == "recover") {
    RecoverWorkload(f);
  } else {
    std::fprintf(stderr, "lux_bench: unknown workload \"%s\"\n", f.workload.c_str());
    return 2;
  }
  return 0;
}
