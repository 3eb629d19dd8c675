// File: influx_api.h
// -----------------------------------------------------------------------------
// luxd's InfluxDB-compatible HTTP API over lux::DB, independent of the
// transport: /write, /api/v2/write, /ping, /health, /query (database and
// retention-policy statements), /export, /metrics, /debug/rejected. Status
// codes, error texts and headers follow ../shared/influxdb-http-write.md
// (InfluxDB 1.12 where versions differ). Thread-safe.
#ifndef LUX_SERVER_LUXD_INFLUX_API_H_
#define LUX_SERVER_LUXD_INFLUX_API_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "lux/db.h"
#include "server/lineproto/line_protocol.h"
#include "server/luxd/auth.h"
#include "server/luxd/config.h"
#include "server/luxd/http_util.h"
#include "server/luxd/rejected_store.h"
#include "server/luxd/write_limiter.h"

namespace lux::luxd {

// The version luxd reports in X-Influxdb-Version and /ping, /health.
inline constexpr char kVersion[] = "1.12.0-lux0.1";

class InfluxApi {
 public:
  // REQUIRES: db outlives the API.
  InfluxApi(DB* db, const Config& config);

  HttpResponse Handle(const HttpRequest& request);

  RejectedStore& rejected() { return rejected_; }

 private:
  HttpResponse Write(const HttpRequest& req, bool v2);
  // The body of a write once it is authorized and admitted: gzip, parse,
  // store, answer.
  HttpResponse Ingest(const HttpRequest& req, const std::string& db, const std::string& rp,
                      lineproto::Precision precision);
  // Keeps every line of a request refused whole (unknown database, ...) in
  // the rejected store, so that it can be replayed once fixed.
  void KeepBody(const HttpRequest& req, const std::string& db, const std::string& rp,
                const std::string& reason);
  HttpResponse Query(const HttpRequest& req);
  HttpResponse Export(const HttpRequest& req);
  HttpResponse Metrics();
  HttpResponse Rejected(const HttpRequest& req);
  void Count(std::string_view endpoint, int status, double seconds);

  DB* const db_;
  const Config config_;
  const Authenticator auth_;
  WriteLimiter limiter_;
  RejectedStore rejected_;
  // Metrics.
  std::atomic<uint64_t> points_written_{0};
  std::atomic<uint64_t> lines_rejected_parse_{0};
  std::atomic<uint64_t> lines_rejected_storage_{0};
  std::atomic<uint64_t> writes_throttled_{0};
  absl::Mutex metrics_mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_ ABSL_GUARDED_BY(metrics_mu_);
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,  0.1,    0.25,  0.5,  1.0};
  std::array<uint64_t, kBuckets.size() + 1> latency_buckets_ ABSL_GUARDED_BY(metrics_mu_) = {};
  double latency_sum_ ABSL_GUARDED_BY(metrics_mu_) = 0;
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_INFLUX_API_H_
