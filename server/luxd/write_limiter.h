// File: write_limiter.h
// -----------------------------------------------------------------------------
// Write throttling as InfluxDB 1.8+'s [http] max-concurrent-write-limit,
// max-enqueued-write-limit and enqueued-write-timeout: at most N writes run
// at once; later ones wait in a bounded queue for a bounded time; the
// others are refused (luxd answers 503 as InfluxDB does). Thread-safe.
#ifndef LUX_SERVER_LUXD_WRITE_LIMITER_H_
#define LUX_SERVER_LUXD_WRITE_LIMITER_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lux::luxd {

class WriteLimiter {
 public:
  // max_concurrent 0 = unlimited (Acquire always succeeds at once);
  // max_enqueued 0 = an unbounded queue.
  WriteLimiter(int max_concurrent, int max_enqueued, absl::Duration timeout)
      : max_concurrent_(max_concurrent), max_enqueued_(max_enqueued), timeout_(timeout) {}

  enum class Result { kOk, kQueueFull, kTimeout };

  // On kOk the caller holds a slot and must call Release().
  Result Acquire() {
    if (max_concurrent_ == 0) return Result::kOk;
    absl::MutexLock l(&mu_);
    if (running_ < max_concurrent_) {
      ++running_;
      return Result::kOk;
    }
    if (max_enqueued_ > 0 && waiting_ >= max_enqueued_) return Result::kQueueFull;
    ++waiting_;
    const bool got =
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](WriteLimiter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
                                   return w->running_ < w->max_concurrent_;
                                 },
                                 this),
                             timeout_);
    --waiting_;
    if (!got) return Result::kTimeout;
    ++running_;
    return Result::kOk;
  }

  void Release() {
    if (max_concurrent_ == 0) return;
    absl::MutexLock l(&mu_);
    --running_;
  }

 private:
  const int max_concurrent_;
  const int max_enqueued_;
  const absl::Duration timeout_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_WRITE_LIMITER_H_
