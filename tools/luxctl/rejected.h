// File: rejected.h
// -----------------------------------------------------------------------------
// luxd's rejected-lines store as luxctl sees it: GET /debug/rejected over HTTP
// (Boost.Beast) and a reader for its one JSON shape,
//   {"total":N,"rejected":[{"time":ns,"source":"..","db":"..","rp":"..",
//                           "line_number":N,"line":"..","reason":".."}, ...]}
// The reader is a small strict JSON parser (no dependency beyond absl).
#ifndef LUX_TOOLS_LUXCTL_REJECTED_H_
#define LUX_TOOLS_LUXCTL_REJECTED_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lux::luxctl {

struct RejectedLine {
  int64_t time_ns = 0;
  std::string source;
  std::string db;
  std::string rp;
  uint64_t line_number = 0;
  std::string line;
  std::string reason;
};

struct RejectedList {
  uint64_t total = 0;               // rejected since luxd started (the store keeps the last ones)
  std::vector<RejectedLine> lines;  // oldest first
};

// Parses the body of GET /debug/rejected. Unknown members are ignored;
// anything that is not JSON of that shape is kInvalidArgument.
absl::StatusOr<RejectedList> ParseRejectedJson(absl::string_view body);

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://<host_port><target> with an optional Authorization header
// (empty: none), within `timeout`. Connection failures and timeouts are
// kUnavailable naming the address.
absl::StatusOr<HttpResponse> HttpGet(const std::string& host_port, const std::string& target,
                                     const std::string& authorization, absl::Duration timeout);

}  // namespace lux::luxctl

#endif  // LUX_TOOLS_LUXCTL_REJECTED_H_
