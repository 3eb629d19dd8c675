// File: common.h
// -----------------------------------------------------------------------------
// Shared pieces of bench/grpc_load: flags, channels, latency recording,
// luxd process figures from /proc, and the sensor workload as lux.v1
// WriteRequests (series described once per request).
#ifndef LUX_BENCH_GRPC_LOAD_COMMON_H_
#define LUX_BENCH_GRPC_LOAD_COMMON_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "lux/v1/lux.grpc.pb.h"

namespace lux::grpc_load {

using Clock = std::chrono::steady_clock;

struct Flags {
  std::string mode;
  std::string target = "127.0.0.1:8087";
  std::string db;  // empty: the mode's default
  int luxd_pid = 0;
  // ingest
  int streams = 8;
  size_t points = 0;  // 0: the mode's default
  size_t batch = 5000;
  bool unary = false;
  // dashboard
  int clients = 10'000;
  int channels = 0;    // 0: the mode's default
  double seconds = 0;  // 0: the mode's default
  double warmup_seconds = 3;
  bool reuse = false;
  int build_streams = 4;
  double deadline_seconds = 60;
  double think_ms = 0;  // mean pause between a client's queries
  // subscribe
  int subscribers = 50'000;
  int sensors = 0;  // 0: one per subscriber
  double rate = 100'000;
  double drain_seconds = 10;
  double settle_timeout_seconds = 300;
};

// Seconds since t0.
double Seconds(Clock::time_point t0);

// A channel of its own (its own TCP connection: no subchannel sharing).
std::shared_ptr<grpc::Channel> NewChannel(const std::string& target);

// Waits until the server answers (CreateDatabase of `db`, which luxd
// accepts when it exists); false on a hard error.
bool CreateDatabase(v1::Lux::Stub* stub, const std::string& db, std::string* error);

// Latencies in ms; thread-safe.
class Latencies {
 public:
  void Add(double ms);
  void AddBatch(const std::vector<double>& ms);
  // Sorted copy of everything recorded.
  std::vector<double> Sorted() const;
  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<double> ms_ ABSL_GUARDED_BY(mu_);
};

// p-th percentile (0..100) of sorted values; 0 when empty.
double Pct(const std::vector<double>& sorted, double p);

// "\"<prefix>p50_ms\":..,\"<prefix>p95_ms\":..,\"<prefix>p99_ms\":.."
std::string PctJson(const std::vector<double>& sorted, const std::string& prefix = "");

// From /proc/<pid>/status and stat: VmRSS in MiB, the thread count and the
// CPU seconds used so far (0 if unknown).
struct ProcFigures {
  double rss_mib = 0;
  int threads = 0;
  double cpu_s = 0;
};
ProcFigures ReadProc(int pid);

// The 1-minute load average, from /proc/loadavg.
double LoadAverage();

// Cores busy over the next `seconds` (from /proc/stat): before a run, with
// this benchmark idle, what other processes take of the machine.
double BusyCores(double seconds = 1);

// The sensor workload of `stream` as WriteRequests of `batch` points: the
// same points http_ingest sends on connection `stream` (SensorWorkload
// seed 42 + stream, sensor ids prefixed "c<stream>_").
std::vector<v1::WriteRequest> IngestRequests(const std::string& db, int stream, size_t points,
                                             size_t batch);

// Points (timestamps) in a request.
size_t PointsIn(const v1::WriteRequest& req);

// Process-wide exit on a broken invariant of the benchmark itself.
[[noreturn]] void Die(const std::string& what);

}  // namespace lux::grpc_load

#endif  // LUX_BENCH_GRPC_LOAD_COMMON_H_
