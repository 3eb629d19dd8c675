// File: influxql.h
// -----------------------------------------------------------------------------
// The few InfluxQL statements clients send before writing: CREATE/DROP
// DATABASE, SHOW DATABASES, CREATE RETENTION POLICY, SHOW RETENTION
// POLICIES. Parsing only; luxd executes them.
#ifndef LUX_SERVER_LUXD_INFLUXQL_H_
#define LUX_SERVER_LUXD_INFLUXQL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace lux::luxd {

struct Statement {
  enum class Kind {
    kCreateDatabase,
    kDropDatabase,
    kShowDatabases,
    kCreateRetentionPolicy,
    kShowRetentionPolicies
  };
  Kind kind;
  std::string database;       // CREATE/DROP DATABASE, ON <db>
  std::string policy;         // CREATE RETENTION POLICY <name>
  int64_t duration_ns = 0;    // DURATION (0 = INF)
  int64_t shard_ns = 0;       // SHARD DURATION (0 = default)
  bool make_default = false;  // DEFAULT
};

// Parses ';'-separated statements. kInvalidArgument with InfluxDB-like
// "error parsing query: ..." text, or "statement not supported yet: ...".
absl::StatusOr<std::vector<Statement>> ParseStatements(std::string_view q);

// The statement in canonical InfluxQL ("CREATE DATABASE farm"), for errors.
std::string StatementText(const Statement& st);

// InfluxQL duration literal ("1h", "7d", "2h30m", "INF") in ns; false if bad.
bool ParseDuration(std::string_view s, int64_t* ns);

// Go's time.Duration formatting: "168h0m0s", "0s", "1h30m0s".
std::string FormatDuration(int64_t ns);

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_INFLUXQL_H_
