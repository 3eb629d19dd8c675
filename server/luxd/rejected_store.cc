// File: rejected_store.cc
#include "server/luxd/rejected_store.h"

namespace lux::luxd {

void RejectedStore::Add(RejectedLine line) {
  absl::MutexLock l(&mu_);
  ++total_;
  if (capacity_ == 0) return;
  if (lines_.size() == capacity_) lines_.pop_front();
  lines_.push_back(std::move(line));
}

std::vector<RejectedLine> RejectedStore::List(size_t limit) const {
  absl::MutexLock l(&mu_);
  const size_t n = limit == 0 ? lines_.size() : std::min(limit, lines_.size());
  return std::vector<RejectedLine>(lines_.end() - n, lines_.end());
}

uint64_t RejectedStore::total() const {
  absl::MutexLock l(&mu_);
  return total_;
}

}  // namespace lux::luxd
