// File: subscriptions.h
// -----------------------------------------------------------------------------
// Live points for Subscribe. The hub observes every write (lux::DB write
// observer, in log order), copies the points of subscribed measurements
// into a queue (the only work done while writers wait), and a dispatcher
// thread matches them against the subscriptions and hands each its matches.
//
// Matching costs per point, not per point and subscription: subscriptions
// with an equality (or IN) predicate are indexed by that tag's value, so a
// point meets only the subscriptions on its own tag value (plus those with
// no such predicate, which are tested one by one).
//
// Ingest never waits for subscribers:
//  * a slow sink queues with a bound and gives up (RESOURCE_EXHAUSTED);
//  * when the dispatcher itself falls behind and the hub's backlog would
//    pass `max_backlog_points`, the write's points are not queued and every
//    subscription on those measurements (that was registered before the
//    write) ends with RESOURCE_EXHAUSTED: its client resumes from the last
//    point it saw and the replay of stored points fills the gap.
#ifndef LUX_SERVER_LUXD_SUBSCRIPTIONS_H_
#define LUX_SERVER_LUXD_SUBSCRIPTIONS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lux/db.h"

namespace lux::luxd {

// Receives a subscription's points.
class SubscriptionSink {
 public:
  virtual ~SubscriptionSink() = default;
  // Matching points (tags sorted, only the selected fields) of write `seq`
  // (DB::WrittenBatch::sequence), in log order. Called from the hub's
  // dispatcher thread only; must not block.
  virtual void Deliver(uint64_t seq, std::vector<Point> points) = 0;
  // Ends the subscription with `why` (server shutting down, hub overrun).
  // The hub delivers nothing after it.
  virtual void Close(const absl::Status& why) = 0;
};

// A point as a subscriber sees it: tags sorted by key, repeated keys
// keeping the last value, empty values dropped (as the engine stores it).
void CanonicalizeTags(std::vector<Tag>* tags);

struct SubscriptionHubOptions {
  // Most points waiting for the dispatcher. Beyond it a write's points are
  // not queued and the subscriptions they were for end (see above).
  // Default 262,144 (about a second of a busy node's ingest).
  size_t max_backlog_points = 262'144;
  // Testing only: the dispatcher waits this long before matching each
  // write (a slow dispatcher on demand, to make overruns happen).
  absl::Duration testing_dispatch_delay = absl::ZeroDuration();
};

struct SubscriptionHubStats {
  size_t subscriptions = 0;
  size_t backlog_points = 0;      // waiting for the dispatcher now
  uint64_t delivered_points = 0;  // handed to sinks (a point per subscription)
  uint64_t overrun_points = 0;    // not queued: the backlog was full
  uint64_t overrun_closed = 0;    // subscriptions ended by an overrun
};

class SubscriptionHub {
 public:
  // REQUIRES: db outlives the hub.
  explicit SubscriptionHub(DB* db, SubscriptionHubOptions options = {});
  ~SubscriptionHub();

  // Registers a sink for points matching `selector` (database and
  // measurement required; an empty retention policy is the database's
  // default one when subscribing, as for Query) written from now on.
  // INVALID_ARGUMENT for a bad selector or regex.
  absl::StatusOr<uint64_t> Add(const Selector& selector, std::shared_ptr<SubscriptionSink> sink);
  // After Remove returns, the sink is matched against no more writes (a
  // delivery already matched may still arrive: sinks ignore what comes
  // after their end).
  void Remove(uint64_t id);
  size_t size() const;
  SubscriptionHubStats stats() const;
  // Closes every subscription with `why`.
  void CloseAll(const absl::Status& why);

 private:
  struct Entry {
    uint64_t id = 0;
    uint64_t added_at = 0;  // write sequence when registered
    Selector selector;
    TagMatcher matcher;
    std::shared_ptr<SubscriptionSink> sink;
    // The equality/IN predicate it is indexed by; empty key: unindexed.
    std::string index_key;
    std::vector<std::string> index_values;
  };
  // The subscriptions on one (database, measurement).
  struct Bucket {
    // tag key -> tag value -> subscriptions whose predicate wants that value.
    absl::flat_hash_map<std::string,
                        absl::flat_hash_map<std::string, absl::flat_hash_map<uint64_t, Entry*>>>
        by_tag;
    absl::flat_hash_map<uint64_t, Entry*> unindexed;
    size_t size = 0;
  };
  using BucketKey = std::pair<std::string, std::string>;  // database, measurement
  struct Item {
    uint64_t seq = 0;  // write sequence
    std::string database;
    std::string rp;
    std::vector<Point> points;
  };

  void OnWrite(const DB::WrittenBatch& written, std::string_view rp, const WriteResult& result);
  void DispatchLoop();
  void Dispatch(Item& item) ABSL_LOCKS_EXCLUDED(index_mu_);
  // The sinks item's points go to, with their points (under index_mu_).
  void Match(
      Item& item,
      std::vector<std::pair<std::shared_ptr<SubscriptionSink>, std::vector<Point>>>* deliveries,
      uint64_t* delivered) ABSL_LOCKS_EXCLUDED(index_mu_);
  // Ends the subscriptions on `key` registered before write `seq`.
  void EndOverrun(const BucketKey& key, uint64_t seq);
  // Unlinks e from the index. Returns the entry's ownership.
  std::unique_ptr<Entry> UnlinkLocked(uint64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(index_mu_);

  DB* const db_;
  const SubscriptionHubOptions options_;
  uint64_t observer_id_ = 0;

  // The subscriptions. Writers of the index: Add, Remove, overruns. The
  // dispatcher reads it (shared) while it matches one write; it delivers
  // after releasing it, so Add and Remove wait for matching only.
  mutable absl::Mutex index_mu_;  // taken before mu_ when both are held
  uint64_t next_id_ ABSL_GUARDED_BY(index_mu_) = 1;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(index_mu_);
  std::map<BucketKey, Bucket> buckets_ ABSL_GUARDED_BY(index_mu_);

  // The queue between writers and the dispatcher, and what writers consult
  // (the subscribed measurements: a copy of buckets_' keys).
  mutable absl::Mutex mu_;
  std::map<BucketKey, size_t> subscribed_ ABSL_GUARDED_BY(mu_);  // -> subscriptions
  uint64_t write_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  // Overruns not handled yet: bucket -> the latest write that could not be
  // queued (ending the subscriptions registered before it covers the
  // earlier ones too).
  std::map<BucketKey, uint64_t> overruns_ ABSL_GUARDED_BY(mu_);
  size_t backlog_points_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t delivered_points_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t overrun_points_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t overrun_closed_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread dispatcher_;
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_SUBSCRIPTIONS_H_
