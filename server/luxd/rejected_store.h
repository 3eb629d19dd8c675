// File: rejected_store.h
// -----------------------------------------------------------------------------
// Bounded log of rejected lines (oldest evicted): never just dropped, an
// operator can list and replay them. Thread-safe.
#ifndef LUX_SERVER_LUXD_REJECTED_STORE_H_
#define LUX_SERVER_LUXD_REJECTED_STORE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace lux::luxd {

struct RejectedLine {
  int64_t time_ns = 0;  // when it was rejected
  std::string source;   // client address
  std::string database;
  std::string retention_policy;
  size_t line_number = 0;  // within its request
  std::string line;        // as received (parse errors) or re-encoded (storage rejects)
  std::string reason;
};

class RejectedStore {
 public:
  explicit RejectedStore(size_t capacity) : capacity_(capacity) {}
  void Add(RejectedLine line);
  // Newest last; at most `limit` (0: all).
  std::vector<RejectedLine> List(size_t limit) const;
  uint64_t total() const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<RejectedLine> lines_ ABSL_GUARDED_BY(mu_);
  uint64_t total_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_REJECTED_STORE_H_
