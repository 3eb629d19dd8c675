// grpc_load --mode ingest|dashboard|subscribe --target HOST:PORT [flags]
//
// Load on a running luxd over gRPC (lux.v1), through the generated stub and
// the callback API (no thread per stream or call). One JSON object per
// result line on stdout.
//
//   ingest     N WriteStream streams (--streams, default 8; --unary: N
//              clients calling Write back to back, with request latency),
//              each sending --points/N points of the sensor workload in
//              --batch-point requests (default 2,000,000 and 5,000), the
//              points http_ingest sends on its N connections.
//   dashboard  builds lux_bench's query database (--points, default 10M;
//              --reuse: use what luxd holds), then --clients clients
//              (default 10,000) over --channels channels (default 16) run
//              lux_bench's four dashboard queries in turn for --seconds
//              (default 30) after --warmup-seconds (default 3); with
//              --think-ms, each client pauses that long on average
//              (0.5x..1.5x) between its queries, as a refreshing dashboard.
//   subscribe  --subscribers streams (default 50,000) over --channels
//              (default 32), each on one sensor_id of --sensors (default one
//              per stream), while points are written at --rate points/s
//              (default 100,000) for --seconds (default 30): delivered
//              points/s, write-to-receive latency, luxd memory per stream.
//
// --luxd-pid PID reads luxd's RSS and threads from /proc; --db names the
// database (defaults: bench, bench, live).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/synchronization/mutex.h"
#include "bench/grpc_load/modes.h"

namespace {

constexpr char kUsage[] =
    "usage: grpc_load --mode ingest|dashboard|subscribe [--target HOST:PORT] [--luxd-pid PID]\n"
    "  [--db NAME]\n"
    "  ingest:    [--streams N] [--points TOTAL] [--batch N] [--unary]\n"
    "  dashboard: [--points N] [--reuse] [--build-streams N] [--clients C] [--channels K]\n"
    "             [--seconds S] [--warmup-seconds S] [--deadline-seconds S] [--think-ms MS]\n"
    "             [--sensors N]\n"
    "  subscribe: [--subscribers S] [--channels K] [--sensors N] [--rate POINTS_PER_S]\n"
    "             [--seconds S] [--drain-seconds S] [--settle-timeout-seconds S]\n";

}  // namespace

int main(int argc, char** argv) {
  // As luxd: Debian's Abseil leaves absl::Mutex's deadlock detector on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  lux::grpc_load::Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "grpc_load: %s needs a value\n%s", a.c_str(), kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--mode") {
      f.mode = value();
    } else if (a == "--target") {
      f.target = value();
    } else if (a == "--db") {
      f.db = value();
    } else if (a == "--luxd-pid") {
      f.luxd_pid = std::stoi(value());
    } else if (a == "--streams" || a == "--connections") {
      f.streams = std::stoi(value());
    } else if (a == "--points") {
      f.points = std::stoull(value());
    } else if (a == "--batch") {
      f.batch = std::stoull(value());
    } else if (a == "--unary") {
      f.unary = true;
    } else if (a == "--clients") {
      f.clients = std::stoi(value());
    } else if (a == "--channels") {
      f.channels = std::stoi(value());
    } else if (a == "--seconds") {
      f.seconds = std::stod(value());
    } else if (a == "--warmup-seconds") {
      f.warmup_seconds = std::stod(value());
    } else if (a == "--deadline-seconds") {
      f.deadline_seconds = std::stod(value());
    } else if (a == "--think-ms") {
      f.think_ms = std::stod(value());
    } else if (a == "--reuse") {
      f.reuse = true;
    } else if (a == "--build-streams") {
      f.build_streams = std::stoi(value());
    } else if (a == "--subscribers") {
      f.subscribers = std::stoi(value());
    } else if (a == "--sensors") {
      f.sensors = std::stoi(value());
    } else if (a == "--rate") {
      f.rate = std::stod(value());
    } else if (a == "--drain-seconds") {
      f.drain_seconds = std::stod(value());
    } else if (a == "--settle-timeout-seconds") {
      f.settle_timeout_seconds = std::stod(value());
    } else {
      std::fprintf(stderr, "grpc_load: unknown flag %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (f.streams <= 0 || f.clients <= 0 || f.subscribers <= 0 || f.batch == 0 ||
      f.build_streams <= 0 || f.channels < 0 || f.sensors < 0 || f.rate <= 0) {
    std::fprintf(stderr, "grpc_load: counts and --rate must be positive\n%s", kUsage);
    return 2;
  }
  if (f.mode == "ingest") return lux::grpc_load::RunIngest(f);
  if (f.mode == "dashboard") return lux::grpc_load::RunDashboard(f);
  if (f.mode == "subscribe") return lux::grpc_load::RunSubscribe(f);
  std::fprintf(stderr, "grpc_load: --mode is ingest, dashboard or subscribe\n%s", kUsage);
  return 2;
}
