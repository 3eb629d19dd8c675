// File: config.h
// -----------------------------------------------------------------------------
// luxd configuration: a TOML file (--config) overridden by flags. Plain
// struct with defaults inline and one Validate().
#ifndef LUX_SERVER_LUXD_CONFIG_H_
#define LUX_SERVER_LUXD_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lux/options.h"
#include "server/luxd/auth.h"

namespace lux::luxd {

struct Config {
  // Data directory of the embedded database. Default ./data.
  std::string data_dir = "./data";
  // HTTP listen address HOST:PORT; port 0 picks a free one (printed at
  // start). Default 127.0.0.1:8086 (InfluxDB's).
  std::string http_addr = "127.0.0.1:8086";
  // gRPC (lux.v1) listen address HOST:PORT; port 0 picks a free one.
  // Default 127.0.0.1:8087.
  std::string grpc_addr = "127.0.0.1:8087";
  // A lux.v1 WriteRequest.batch_id is remembered this long (a retry within
  // it is applied once). Seconds; 0 = ignore batch ids. Default 600.
  int batch_id_window_s = 600;
  // TLS for the gRPC listener: PEM files of the server's certificate chain
  // and private key. Both empty: plaintext (the default).
  std::string grpc_tls_cert;
  std::string grpc_tls_key;
  // A Subscribe stream with more points queued than this (a subscriber that
  // reads too slowly) ends with RESOURCE_EXHAUSTED. Default 100,000.
  size_t max_subscriber_queue_points = 100'000;
  // Points written for subscribers and waiting for the hub's dispatcher;
  // past it, the subscriptions of the measurements written end with
  // RESOURCE_EXHAUSTED (clients resume) rather than slowing ingest.
  // Default 262,144.
  size_t max_subscription_backlog_points = 262'144;
  // A Subscribe stream that has failed while one of its writes has waited
  // this long (its reader stopped reading) is cancelled. Seconds; default 30.
  int stuck_subscriber_grace_s = 30;
  // Testing only: the subscription dispatcher waits this long before each
  // write it matches (to make it fall behind on demand). Default 0.
  int testing_subscription_dispatch_delay_ms = 0;
  // debug, info, warn or error. Default info.
  std::string log_level = "info";
  // Largest request body, before and after gzip decompression, in bytes.
  // Default 25,000,000 (InfluxDB's max-body-size).
  size_t max_body_bytes = 25'000'000;
  // A write to an unknown database creates it (true) or answers 404 as
  // InfluxDB does (false, the default).
  bool create_database_on_write = false;
  // Connections idle this long (no request in progress) are closed. Seconds.
  int idle_timeout_s = 300;
  // HTTP threads: they run the sockets, and the handlers of requests
  // without a body (ping, health, metrics, GET queries). Default 2.
  int http_threads = 2;
  // Threads running the handlers of requests with a body (writes, POST
  // queries), first come first served; a write waiting for its log sync
  // holds one, so more threads than cores keep the others busy meanwhile.
  // 0: the HTTP threads run them too. Default 4.
  int http_handler_threads = 4;
  // Rejected lines kept for /debug/rejected (oldest evicted). Default 10,000.
  size_t rejected_capacity = 10'000;
  // fsync each write before answering (lux::Options::sync). Default true.
  bool sync = true;
  // lux::Options::entropy_coding: seal blocks with the entropy stage
  // (smallest on disk); false trades ~30 % more bytes for faster scans.
  bool entropy_coding = true;
  // lux::Options::cold_partition_age_ns, in seconds: how long after its end
  // a partition is re-encoded with the entropy stage. Default 3600.
  int cold_partition_age_s = 3600;
  // InfluxDB's [http] auth-enabled: requests must name a user from `users`
  // (TOML [[users]] tables: name, password, admin, read = [dbs], write =
  // [dbs]). Default false.
  bool auth_enabled = false;
  std::vector<User> users;
  // Write throttling as InfluxDB's max-concurrent-write-limit,
  // max-enqueued-write-limit and enqueued-write-timeout: writes beyond the
  // first `max_concurrent_writes` wait, at most `max_enqueued_writes` of
  // them and at most `enqueued_write_timeout_ms`, else 503. 0 = no limit.
  int max_concurrent_writes = 0;
  int max_enqueued_writes = 0;
  int enqueued_write_timeout_ms = 30'000;

  absl::Status Validate() const;
  // The embedded database's options these settings give.
  lux::Options DbOptions() const;
};

// Reads the keys of a TOML file into *config (unknown keys are errors).
absl::Status LoadTomlConfig(const std::string& path, Config* config);

// Splits "host:port"; false when malformed.
bool SplitHostPort(const std::string& addr, std::string* host, uint16_t* port);

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_CONFIG_H_
