// File: writer.cc
// lux::Writer: a queue of points, one background thread that cuts batches
// by size or age and sends them in order, retrying with the batch's id.
#include <deque>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/client_internal.h"

namespace lux::client_internal {
namespace {

bool Retryable(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kResourceExhausted ||
         s.code() == absl::StatusCode::kDeadlineExceeded;
}

class BatchingWriter final : public Writer {
 public:
  BatchingWriter(BatchSender* sender, const WriterOptions& options)
      : sender_(sender), options_(options), rng_(std::random_device()()) {
    if (options_.batch_points == 0) options_.batch_points = 1;
    if (options_.max_buffered_points < options_.batch_points) {
      options_.max_buffered_points = options_.batch_points;
    }
    if (options_.batch_id_prefix.empty()) {
      options_.batch_id_prefix = absl::StrCat(absl::Hex(rng_()), absl::Hex(rng_()));
    }
    thread_ = std::thread([this] { Run(); });
  }

  ~BatchingWriter() override { Close().IgnoreError(); }

  absl::Status Add(Point point) override {
    absl::MutexLock l(&mu_);
    if (closed_) return absl::FailedPreconditionError("writer is closed");
    if (buffered_ >= options_.max_buffered_points) {
      if (!options_.block_when_full) {
        return absl::ResourceExhaustedError(
            absl::StrCat("writer buffer full (", options_.max_buffered_points, " points)"));
      }
      mu_.Await(absl::Condition(
          +[](BatchingWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
            return w->closed_ || w->buffered_ < w->options_.max_buffered_points;
          },
          this));
      if (closed_) return absl::FailedPreconditionError("writer is closed");
    }
    if (queue_.empty()) oldest_ = absl::Now();
    queue_.push_back(std::move(point));
    ++buffered_;
    ++added_;
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    absl::MutexLock l(&mu_);
    const uint64_t target = added_;
    flush_target_ = std::max(flush_target_, target);
    struct Wait {
      BatchingWriter* w;
      uint64_t target;
    } wait{this, target};
    mu_.Await(absl::Condition(
        +[](Wait* a)
             ABSL_NO_THREAD_SAFETY_ANALYSIS { return a->w->done_ >= a->target || a->w->stopped_; },
        &wait));
    absl::Status s = first_failure_;
    first_failure_ = absl::OkStatus();
    if (s.ok() && done_ < target) s = absl::CancelledError("writer stopped before flushing");
    return s;
  }

  absl::Status Close() override {
    {
      absl::MutexLock l(&mu_);
      if (closed_ && !thread_.joinable()) return absl::OkStatus();
    }
    absl::Status s = Flush();
    {
      absl::MutexLock l(&mu_);
      closed_ = true;
    }
    if (thread_.joinable()) thread_.join();
    return s;
  }

  Counters counters() const override {
    absl::MutexLock l(&mu_);
    return counters_;
  }

 private:
  void Run() {
    for (;;) {
      WriteBatch batch;
      {
        absl::MutexLock l(&mu_);
        // A batch is due when full, old enough, flushed or closing.
        auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return queue_.size() >= options_.batch_points ||
                 (!queue_.empty() && (absl::Now() - oldest_ >= options_.flush_interval || closed_ ||
                                      flush_target_ > done_ + in_flight_));
        };
        while (!due()) {
          if (closed_ && queue_.empty()) {
            stopped_ = true;
            return;
          }
          mu_.AwaitWithTimeout(
              absl::Condition(
                  +[](BatchingWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
                    return w->closed_ || w->queue_.size() >= w->options_.batch_points ||
                           (!w->queue_.empty() && w->flush_target_ > w->done_ + w->in_flight_);
                  },
                  this),
              queue_.empty() ? absl::Milliseconds(200)
                             : std::max(absl::Milliseconds(1),
                                        options_.flush_interval - (absl::Now() - oldest_)));
        }
        const size_t n = std::min(queue_.size(), options_.batch_points);
        batch.points.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          batch.points.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        if (!queue_.empty()) oldest_ = absl::Now();
        in_flight_ = n;
      }
      batch.database = options_.database;
      batch.retention_policy = options_.retention_policy;
      Send(batch);
    }
  }

  // Sends one batch with retries; accounts for it.
  void Send(const WriteBatch& batch) {
    const std::string id = absl::StrCat(options_.batch_id_prefix, "-", next_batch_++);
    absl::StatusOr<WriteResult> r;
    int attempt = 0;
    uint64_t retries = 0;
    for (;; ++attempt) {
      r = sender_->SendBatch(batch, id);
      if (r.ok() || !Retryable(r.status()) || attempt >= options_.max_retries) break;
      ++retries;
      // Full jitter: uniform in [0, min(max, initial * 2^attempt)].
      const absl::Duration cap =
          std::min(options_.max_backoff,
                   options_.initial_backoff * double(uint64_t{1} << std::min(attempt, 30)));
      std::uniform_int_distribution<int64_t> d(0, absl::ToInt64Microseconds(cap));
      absl::SleepFor(absl::Microseconds(d(rng_)));
    }
    if (r.ok() && options_.on_error) {
      for (const PointError& e : r->rejected) options_.on_error(&batch.points[e.index], e.status);
    }
    if (!r.ok() && options_.on_error) options_.on_error(nullptr, r.status());
    absl::MutexLock l(&mu_);
    counters_.retries += retries;
    if (r.ok()) {
      ++counters_.batches_sent;
      counters_.points_sent += batch.points.size();
      counters_.points_rejected += r->rejected.size();
    } else {
      ++counters_.batches_failed;
      counters_.points_failed += batch.points.size();
      if (first_failure_.ok()) first_failure_ = r.status();
    }
    done_ += batch.points.size();
    buffered_ -= batch.points.size();
    in_flight_ = 0;
  }

  BatchSender* const sender_;
  WriterOptions options_;
  std::mt19937_64 rng_;  // used by the writer thread only (and the constructor)
  uint64_t next_batch_ = 1;
  mutable absl::Mutex mu_;
  std::deque<Point> queue_ ABSL_GUARDED_BY(mu_);
  absl::Time oldest_ ABSL_GUARDED_BY(mu_);
  size_t buffered_ ABSL_GUARDED_BY(mu_) = 0;  // queued + in flight
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t added_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t done_ ABSL_GUARDED_BY(mu_) = 0;  // acknowledged or failed, in order
  uint64_t flush_target_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status first_failure_ ABSL_GUARDED_BY(mu_);
  Counters counters_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Writer> NewBatchingWriter(BatchSender* sender, const WriterOptions& options) {
  return std::make_unique<BatchingWriter>(sender, options);
}

}  // namespace lux::client_internal
