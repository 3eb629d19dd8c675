// File: subscriptions.h
// -----------------------------------------------------------------------------
// Live points for Subscribe. The hub observes every write (lux::DB write
// observer, in log order), copies the points of subscribed measurements
// into a queue (the only work done while writers wait), and a dispatcher
// thread matches them against each subscription's selector and hands the
// matches to its sink. A slow sink never slows ingest: sinks queue with a
// bound and give up (RESOURCE_EXHAUSTED) when it is exceeded.
#ifndef LUX_SERVER_LUXD_SUBSCRIPTIONS_H_
#define LUX_SERVER_LUXD_SUBSCRIPTIONS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lux/db.h"

namespace lux::luxd {

// Receives a subscription's points.
class SubscriptionSink {
 public:
  virtual ~SubscriptionSink() = default;
  // Matching points (tags sorted, only the selected fields), in log order.
  // Called from the hub's dispatcher thread only; must not block.
  virtual void Deliver(std::vector<Point> points) = 0;
  // Ends the subscription with `why` (server shutting down).
  virtual void Close(const absl::Status& why) = 0;
};

// A point as a subscriber sees it: tags sorted by key, repeated keys
// keeping the last value, empty values dropped (as the engine stores it).
void CanonicalizeTags(std::vector<Tag>* tags);

class SubscriptionHub {
 public:
  // REQUIRES: db outlives the hub.
  explicit SubscriptionHub(DB* db);
  ~SubscriptionHub();

  // Registers a sink for points matching `selector` (database and
  // measurement required; an empty retention policy matches any).
  // INVALID_ARGUMENT for a bad selector or regex.
  absl::StatusOr<uint64_t> Add(const Selector& selector, std::shared_ptr<SubscriptionSink> sink);
  // After Remove returns, the sink gets no more points.
  void Remove(uint64_t id);
  size_t size() const;
  // Closes every subscription with `why`.
  void CloseAll(const absl::Status& why);

 private:
  struct Entry {
    Selector selector;
    TagMatcher matcher;
    std::shared_ptr<SubscriptionSink> sink;
  };
  struct Item {
    std::string database;
    std::string rp;
    std::vector<Point> points;
  };
  void OnWrite(const WriteBatch& batch, std::string_view rp, const WriteResult& result);
  void DispatchLoop();

  DB* const db_;
  uint64_t observer_id_ = 0;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, std::shared_ptr<const Entry>> entries_ ABSL_GUARDED_BY(mu_);
  // (database, measurement) -> subscriptions on it.
  std::map<std::pair<std::string, std::string>, std::map<uint64_t, std::shared_ptr<const Entry>>>
      index_ ABSL_GUARDED_BY(mu_);
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // Serialises delivery with Remove: after Remove, no Deliver to that sink.
  absl::Mutex deliver_mu_;
  std::thread dispatcher_;
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_SUBSCRIPTIONS_H_
