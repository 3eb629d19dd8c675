// File: subscription.cc
// lux::Subscription: one thread per subscription reading the Subscribe
// stream, reconnecting with backoff and resuming without duplicates.
#include <algorithm>
#include <limits>
#include <random>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/client_internal.h"
#include "server/proto/convert.h"

namespace lux::client_internal {
namespace {

bool Permanent(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

class SubscriptionImpl final : public Subscription {
 public:
  SubscriptionImpl(v1::Lux::Stub* stub, const Selector& selector, const SubscribeOptions& options,
                   std::function<void(std::vector<Point>)> on_points)
      : stub_(stub), options_(options), on_points_(std::move(on_points)) {
    proto::ToProto(selector, request_.mutable_selector());
    thread_ = std::thread([this] { Run(); });
  }

  ~SubscriptionImpl() override {
    Cancel();
    thread_.join();
  }

  void Cancel() override {
    absl::MutexLock l(&mu_);
    cancelled_ = true;
    if (ctx_ != nullptr) ctx_->TryCancel();
  }

  absl::Status Wait() override {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(&finished_));
    return status_;
  }

  uint64_t reconnects() const override { return reconnects_; }

 private:
  // Where a reconnection resumes, `newest` being the newest timestamp seen
  // (SubscribeOptions::resume_lookback).
  int64_t ResumePoint(int64_t newest) const {
    const int64_t lookback = absl::ToInt64Nanoseconds(options_.resume_lookback);
    const int64_t floor = newest > std::numeric_limits<int64_t>::min() + lookback
                              ? newest - lookback
                              : std::numeric_limits<int64_t>::min();
    int64_t from = newest;
    for (const auto& [key, last] : last_seen_) {
      if (last >= floor) from = std::min(from, last);
    }
    return std::max(from, floor);
  }

  void Run() {
    // Resume point: the last timestamp seen; before any, the caller's, else
    // the time the subscription started.
    const int64_t start =
        options_.resume_from_ns != 0 ? options_.resume_from_ns : absl::ToUnixNanos(absl::Now());
    int64_t resume = 0;
    bool seen = false;
    bool first = true;
    std::mt19937_64 rng(std::random_device{}());
    int attempt = 0;
    absl::Status final_status;
    for (;;) {
      grpc::ClientContext ctx;
      {
        absl::MutexLock l(&mu_);
        if (cancelled_) break;
        ctx_ = &ctx;
      }
      v1::SubscribeRequest req = request_;
      // The first connection without a resume point is live only.
      req.set_resume_from_ns(first && options_.resume_from_ns == 0 ? 0
                             : seen                                ? ResumePoint(resume)
                                                                   : start);
      first = false;
      auto reader = stub_->Subscribe(&ctx, req);
      v1::SubscribeResponse resp;
      while (reader->Read(&resp)) {
        attempt = 0;
        std::vector<Point> points;
        for (const auto& sp : resp.points()) {
          std::vector<Tag> tags;
          for (const auto& t : sp.tags()) tags.push_back(Tag{t.key(), t.value()});
          for (int i = 0; i < sp.timestamps_ns_size(); ++i) {
            Point p;
            p.measurement = sp.measurement();
            p.tags = tags;
            p.timestamp_ns = sp.timestamps_ns(i);
            for (const auto& col : sp.fields()) {
              if (proto::ColumnSize(col.values()) <= size_t(i)) continue;
              // Handed over already (before a reconnection)?
              std::string key = absl::StrCat(p.measurement, "\x1f", col.name());
              for (const Tag& t : tags) absl::StrAppend(&key, "\x1f", t.key, "=", t.value);
              int64_t& last = last_seen_[key];
              if (seen_any_.contains(key) && p.timestamp_ns <= last) continue;
              seen_any_.insert(key);
              last = p.timestamp_ns;
              p.fields.push_back(Field{col.name(), proto::ValueAt(col.values(), i)});
            }
            if (p.fields.empty()) continue;
            resume = seen ? std::max(resume, p.timestamp_ns) : p.timestamp_ns;
            seen = true;
            points.push_back(std::move(p));
          }
        }
        if (!points.empty()) on_points_(std::move(points));
      }
      const absl::Status s = FromGrpc(reader->Finish());
      {
        absl::MutexLock l(&mu_);
        ctx_ = nullptr;
        if (cancelled_) break;
      }
      if (Permanent(s)) {
        final_status = s;
        break;
      }
      ++reconnects_;
      const absl::Duration cap =
          std::min(options_.max_backoff,
                   options_.initial_backoff * double(uint64_t{1} << std::min(attempt, 20)));
      ++attempt;
      std::uniform_int_distribution<int64_t> d(0, absl::ToInt64Microseconds(cap));
      // Sleep unless cancelled meanwhile.
      absl::MutexLock l(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&cancelled_), absl::Microseconds(d(rng)));
      if (cancelled_) break;
    }
    absl::MutexLock l(&mu_);
    status_ = final_status;
    finished_ = true;
  }

  v1::Lux::Stub* const stub_;
  const SubscribeOptions options_;
  std::function<void(std::vector<Point>)> on_points_;
  v1::SubscribeRequest request_;
  // Per series field: the last timestamp handed over.
  absl::flat_hash_map<std::string, int64_t> last_seen_;
  absl::flat_hash_set<std::string> seen_any_;
  std::atomic<uint64_t> reconnects_{0};
  mutable absl::Mutex mu_;
  grpc::ClientContext* ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Subscription> NewSubscription(v1::Lux::Stub* stub, const Selector& selector,
                                              const SubscribeOptions& options,
                                              std::function<void(std::vector<Point>)> on_points) {
  return std::make_unique<SubscriptionImpl>(stub, selector, options, std::move(on_points));
}

}  // namespace lux::client_internal
