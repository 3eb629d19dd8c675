// File: client.h
// -----------------------------------------------------------------------------
// The C++ client of luxd's gRPC API (lux.v1), in the engine's plain types
// (lux/point.h, lux/query.h, lux/db.h): no protobuf in this header.
//
//   auto client = lux::Client::Connect("127.0.0.1:8087");
//   auto writer = (*client)->NewWriter({.database = "farm"});
//   writer->Add(point);              // batched in the background
//   writer->Flush();                 // everything added so far is acknowledged
//   auto frames = (*client)->Query(spec);
//
// Every call returns the server's status with its gRPC code mapped back to
// absl::StatusCode one to one (UNAVAILABLE when the server cannot be
// reached). Thread-safe: one Client serves many threads.
#ifndef LUX_CLIENT_H_
#define LUX_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lux/db.h"
#include "lux/point.h"
#include "lux/query.h"

namespace lux {

struct ClientOptions {
  // TLS with these PEM root certificates (empty: the system's roots) when
  // `tls` is set; plaintext otherwise.
  bool tls = false;
  std::string tls_root_certs_pem;
  // Deadline of each call (a Query's: the whole stream). Default 30 s.
  absl::Duration call_timeout = absl::Seconds(30);
};

struct WriterOptions {
  std::string database;
  std::string retention_policy;  // empty: the database's default
  // A batch is sent when it holds this many points, or when the oldest
  // point in it has waited `flush_interval`.
  size_t batch_points = 5000;
  absl::Duration flush_interval = absl::Seconds(1);
  // Points buffered (batched or in flight) at most; then Add blocks, or
  // fails with kResourceExhausted when `block_when_full` is false.
  size_t max_buffered_points = 100'000;
  bool block_when_full = true;
  // Retries of a batch on UNAVAILABLE, RESOURCE_EXHAUSTED or
  // DEADLINE_EXCEEDED, with exponential backoff and full jitter; every
  // retry carries the batch's id, so the server applies it once.
  int max_retries = 10;  // then the batch fails (counted; on_error called)
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // Batch ids are "<prefix>-<sequence>"; empty: a random prefix.
  std::string batch_id_prefix;
  // Called (from the writer's thread) with each point the server rejected
  // and why, and with each batch that failed for good (point null).
  std::function<void(const Point* point, const absl::Status& why)> on_error;
};

// Background batching writer (Client::NewWriter). Thread-safe.
class Writer {
 public:
  struct Counters {
    uint64_t points_sent = 0;      // acknowledged by the server (stored or rejected)
    uint64_t points_rejected = 0;  // of which the server refused
    uint64_t batches_sent = 0;
    uint64_t retries = 0;
    uint64_t batches_failed = 0;  // retries exhausted or a permanent error
    uint64_t points_failed = 0;
  };

  virtual ~Writer() = default;
  // Queues a point; see WriterOptions::block_when_full. kFailedPrecondition
  // after Close.
  virtual absl::Status Add(Point point) = 0;
  // Sends what is queued and waits until every point added before the call
  // is acknowledged or failed. Fails when any batch failed since the last
  // Flush.
  virtual absl::Status Flush() = 0;
  // Flushes and stops the background thread. Idempotent.
  virtual absl::Status Close() = 0;
  virtual Counters counters() const = 0;
};

struct SubscribeOptions {
  // 0: live points from now on. Else stored points from this time first.
  int64_t resume_from_ns = 0;
  // Reconnection after the stream breaks (UNAVAILABLE, RESOURCE_EXHAUSTED,
  // ...): exponential backoff with full jitter between these.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // A reconnection resumes from the oldest of the latest timestamps seen per
  // series field (so a series that lags the others loses nothing; what was
  // seen already is not handed over twice), but from no earlier than this
  // before the newest timestamp seen. Points older than that arriving late
  // while disconnected are not delivered. Default 1 hour.
  absl::Duration resume_lookback = absl::Hours(1);
};

// A live subscription (Client::Subscribe). Thread-safe.
class Subscription {
 public:
  virtual ~Subscription() = default;
  // Stops the subscription; Wait returns OK.
  virtual void Cancel() = 0;
  // Blocks until cancelled, or a permanent error (a bad selector, ...).
  virtual absl::Status Wait() = 0;
  virtual uint64_t reconnects() const = 0;
};

struct QueryMetadata {
  uint64_t frames = 0;
  uint64_t points = 0;  // returned
  double elapsed_ms = 0;
  std::string resolution;
  QueryStats read;  // what luxd read to answer
};

class Client {
 public:
  // Connects lazily: an unreachable server shows as UNAVAILABLE on calls.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const std::string& target,
                                                         const ClientOptions& options = {});
  virtual ~Client() = default;

  // One synchronous write; the result lists the points the server refused.
  virtual absl::StatusOr<WriteResult> Write(const WriteBatch& batch) = 0;
  virtual std::unique_ptr<Writer> NewWriter(const WriterOptions& options) = 0;

  virtual absl::StatusOr<std::vector<Frame>> Query(const QuerySpec& spec,
                                                   QueryMetadata* metadata = nullptr) = 0;
  virtual absl::StatusOr<std::vector<LastValue>> Last(const Selector& selector) = 0;

  // Live points matching `selector`, handed to `on_points` (from the
  // subscription's own thread, in order). A broken stream is reconnected
  // with backoff and resumed from the last timestamp seen; points already
  // handed over (same series, field and timestamp or older) are not handed
  // over again, so nothing is seen twice and nothing in between is missed.
  virtual std::unique_ptr<Subscription> Subscribe(
      const Selector& selector, const SubscribeOptions& options,
      std::function<void(std::vector<Point> points)> on_points) = 0;

  // Schema.
  virtual absl::StatusOr<std::vector<std::string>> ListDatabases() = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListMeasurements(const std::string& db,
                                                                    size_t limit = 0) = 0;
  virtual absl::StatusOr<std::vector<std::string>> TagKeys(const Selector& selector,
                                                           size_t limit = 0) = 0;
  virtual absl::StatusOr<std::vector<std::string>> TagValues(const Selector& selector,
                                                             const std::string& key,
                                                             size_t limit = 0) = 0;
  virtual absl::StatusOr<std::vector<std::pair<std::string, FieldType>>> FieldKeys(
      const std::string& db, const std::string& measurement) = 0;
  virtual absl::StatusOr<std::vector<std::string>> Series(const Selector& selector,
                                                          size_t limit = 0) = 0;

  // Admin.
  virtual absl::Status CreateDatabase(const std::string& name) = 0;
  virtual absl::Status DropDatabase(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<RetentionPolicy>> ListRetentionPolicies(
      const std::string& db) = 0;
  virtual absl::Status CreateRetentionPolicy(const std::string& db, const RetentionPolicy& rp) = 0;
  virtual absl::Status AlterRetentionPolicy(const std::string& db, const RetentionPolicy& rp) = 0;
  virtual absl::Status DropRetentionPolicy(const std::string& db, const std::string& name) = 0;
  virtual absl::Status DeleteRange(const Selector& selector, int64_t start_ns, int64_t end_ns) = 0;
  virtual absl::StatusOr<std::map<std::string, double>> Stats() = 0;
};

}  // namespace lux

#endif  // LUX_CLIENT_H_
