// File: subscriptions.cc
// OnWrite runs per write under the engine's write ordering; the dispatcher
// per point, through the subscriptions indexed by the point's tag values.
#include "server/luxd/subscriptions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace lux::luxd {

void CanonicalizeTags(std::vector<Tag>* tags) {
  // Most points arrive canonical already (the parsers sort tags): no copy.
  bool canonical = true;
  for (size_t i = 0; i < tags->size() && canonical; ++i) {
    canonical = !(*tags)[i].value.empty() && (i == 0 || (*tags)[i - 1].key < (*tags)[i].key);
  }
  if (canonical) return;
  std::stable_sort(tags->begin(), tags->end(),
                   [](const Tag& a, const Tag& b) { return a.key < b.key; });
  // A repeated key keeps its last value.
  std::vector<Tag> out;
  out.reserve(tags->size());
  for (Tag& t : *tags) {
    if (!out.empty() && out.back().key == t.key) {
      out.back() = std::move(t);
    } else {
      out.push_back(std::move(t));
    }
  }
  std::erase_if(out, [](const Tag& t) { return t.value.empty(); });
  *tags = std::move(out);
}

namespace {

// The value of tag `key` in sorted `tags`; "" when it has none.
absl::string_view TagValue(const std::vector<Tag>& tags, std::string_view key) {
  auto it = std::lower_bound(tags.begin(), tags.end(), key,
                             [](const Tag& t, std::string_view k) { return t.key < k; });
  if (it == tags.end() || it->key != key) return {};
  return absl::string_view(it->value);
}

}  // namespace

SubscriptionHub::SubscriptionHub(DB* db, SubscriptionHubOptions options)
    : db_(db), options_(options) {
  observer_id_ = db_->AddWriteObserver([this](const DB::WrittenBatch& w, std::string_view rp,
                                              const WriteResult& r) { OnWrite(w, rp, r); });
  dispatcher_ = std::thread([this] { DispatchLoop(); });
}

SubscriptionHub::~SubscriptionHub() {
  db_->RemoveWriteObserver(observer_id_);
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  dispatcher_.join();
}

absl::StatusOr<uint64_t> SubscriptionHub::Add(const Selector& selector,
                                              std::shared_ptr<SubscriptionSink> sink) {
  if (selector.database.empty()) return absl::InvalidArgumentError("selector.database is required");
  if (selector.measurement.empty()) {
    return absl::InvalidArgumentError("selector.measurement is required");
  }
  auto entry = std::make_unique<Entry>();
  entry->selector = selector;
  // No retention policy: the database's default one, as Query reads it (a
  // resumed subscription's replay and its live points then agree).
  if (entry->selector.retention_policy.empty()) {
    if (auto rps = db_->ListRetentionPolicies(selector.database); rps.ok()) {
      for (const RetentionPolicy& rp : *rps) {
        if (rp.is_default) entry->selector.retention_policy = rp.name;
      }
    }
  }
  entry->sink = std::move(sink);
  auto matcher = TagMatcher::Compile(selector.tags);
  if (!matcher.ok()) return matcher.status();
  entry->matcher = *std::move(matcher);
  // Indexed by its first equality or IN predicate: a point can only match
  // when its value of that tag is one of these.
  for (const TagFilter& f : selector.tags) {
    if ((f.op == TagFilter::Op::kEqual && f.values.size() == 1) ||
        (f.op == TagFilter::Op::kIn && !f.values.empty())) {
      entry->index_key = f.key;
      entry->index_values = f.values;
      break;
    }
  }
  absl::MutexLock il(&index_mu_);
  const uint64_t id = next_id_++;
  entry->id = id;
  const BucketKey key{selector.database, selector.measurement};
  Bucket& b = buckets_[key];
  if (entry->index_key.empty()) {
    b.unindexed[id] = entry.get();
  } else {
    auto& by_value = b.by_tag[entry->index_key];
    for (const std::string& v : entry->index_values) by_value[v][id] = entry.get();
  }
  ++b.size;
  {
    absl::MutexLock l(&mu_);
    ++subscribed_[key];
    entry->added_at = write_seq_;  // writes after this one are its
  }
  entries_[id] = std::move(entry);
  return id;
}

std::unique_ptr<SubscriptionHub::Entry> SubscriptionHub::UnlinkLocked(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return nullptr;
  std::unique_ptr<Entry> e = std::move(it->second);
  entries_.erase(it);
  const BucketKey key{e->selector.database, e->selector.measurement};
  auto b = buckets_.find(key);
  if (b != buckets_.end()) {
    if (e->index_key.empty()) {
      b->second.unindexed.erase(id);
    } else if (auto t = b->second.by_tag.find(e->index_key); t != b->second.by_tag.end()) {
      for (const std::string& v : e->index_values) {
        auto vit = t->second.find(v);
        if (vit == t->second.end()) continue;
        vit->second.erase(id);
        if (vit->second.empty()) t->second.erase(vit);
      }
      if (t->second.empty()) b->second.by_tag.erase(t);
    }
    if (--b->second.size == 0) buckets_.erase(b);
  }
  absl::MutexLock l(&mu_);
  if (auto s = subscribed_.find(key); s != subscribed_.end() && --s->second == 0) {
    subscribed_.erase(s);
  }
  return e;
}

void SubscriptionHub::Remove(uint64_t id) {
  // Exclusive: waits for a delivery in progress.
  absl::MutexLock il(&index_mu_);
  UnlinkLocked(id);
}

void SubscriptionHub::CloseAll(const absl::Status& why) {
  std::vector<std::shared_ptr<SubscriptionSink>> all;
  {
    absl::ReaderMutexLock il(&index_mu_);
    for (const auto& [id, e] : entries_) all.push_back(e->sink);
  }
  for (const auto& s : all) s->Close(why);
}

size_t SubscriptionHub::size() const {
  absl::ReaderMutexLock il(&index_mu_);
  return entries_.size();
}

SubscriptionHubStats SubscriptionHub::stats() const {
  SubscriptionHubStats s;
  s.subscriptions = size();
  absl::MutexLock l(&mu_);
  s.backlog_points = backlog_points_;
  s.delivered_points = delivered_points_;
  s.overrun_points = overrun_points_;
  s.overrun_closed = overrun_closed_;
  return s;
}

void SubscriptionHub::OnWrite(const DB::WrittenBatch& written, std::string_view rp,
                              const WriteResult& result) {
  absl::MutexLock l(&mu_);
  const uint64_t seq = written.sequence;  // increasing: observers run in log order
  write_seq_ = seq;
  if (subscribed_.empty()) return;
  const std::string& database = written.database();
  auto first = subscribed_.lower_bound({database, ""});
  if (first == subscribed_.end() || first->first.first != database) return;
  // Units (points, or series of a columnar batch) on subscribed
  // measurements, and those measurements.
  const size_t units =
      written.points != nullptr ? written.points->points.size() : written.columns->series.size();
  auto measurement = [&](size_t u) -> const std::string& {
    return written.points != nullptr ? written.points->points[u].measurement
                                     : written.columns->series[u].measurement;
  };
  auto points_of = [&](size_t u) {
    return written.points != nullptr ? 1 : written.columns->series[u].timestamps_ns.size();
  };
  std::vector<size_t> wanted_units;
  std::vector<BucketKey> hit;
  for (size_t u = 0; u < units; ++u) {
    const std::string& m = measurement(u);
    if (!hit.empty() && hit.back().second == m) {
      wanted_units.push_back(u);
      continue;
    }
    BucketKey key{database, m};
    if (!subscribed_.contains(key)) continue;
    wanted_units.push_back(u);
    if (std::find(hit.begin(), hit.end(), key) == hit.end()) hit.push_back(std::move(key));
  }
  if (wanted_units.empty()) return;
  // The stored points among them: (unit, point in unit).
  std::vector<size_t> offsets;  // flat index of each unit's first point
  if (written.columns != nullptr) {
    offsets.resize(units + 1);
    for (size_t u = 0; u < units; ++u) offsets[u + 1] = offsets[u] + points_of(u);
  }
  auto flat = [&](size_t u, size_t j) { return offsets.empty() ? u : offsets[u] + j; };
  std::vector<size_t> rejected;  // flat indices, ascending
  for (const PointError& e : result.rejected) rejected.push_back(e.index);
  std::sort(rejected.begin(), rejected.end());
  std::vector<std::pair<size_t, size_t>> wanted;
  for (size_t u : wanted_units) {
    for (size_t j = 0; j < points_of(u); ++j) {
      if (!std::binary_search(rejected.begin(), rejected.end(), flat(u, j))) {
        wanted.emplace_back(u, j);
      }
    }
  }
  if (wanted.empty()) return;
  // (A write larger than the bound is queued when nothing waits: the
  // bound is on the dispatcher falling behind, not on one write's size.)
  if (backlog_points_ > 0 && backlog_points_ + wanted.size() > options_.max_backlog_points) {
    // The dispatcher is behind: queue nothing of this write, end its
    // subscriptions (the dispatcher does, before anything written later).
    overrun_points_ += wanted.size();
    for (BucketKey& key : hit) overruns_[std::move(key)] = seq;
    return;
  }
  Item item;
  item.seq = seq;
  item.database = database;
  item.rp = std::string(rp);
  item.points.reserve(wanted.size());
  for (auto [u, j] : wanted) {
    if (written.points != nullptr) {
      item.points.push_back(written.points->points[u]);
      continue;
    }
    item.points.push_back(PointAt(written.columns->series[u], j));
  }
  backlog_points_ += wanted.size();
  queue_.push_back(std::move(item));
}

void SubscriptionHub::EndOverrun(const BucketKey& key, uint64_t seq) {
  std::vector<std::unique_ptr<Entry>> ended;
  {
    absl::MutexLock il(&index_mu_);
    auto b = buckets_.find(key);
    if (b == buckets_.end()) return;
    std::vector<uint64_t> ids;
    auto consider = [&](const absl::flat_hash_map<uint64_t, Entry*>& m) {
      for (const auto& [id, e] : m) {
        if (e->added_at < seq) ids.push_back(id);  // expected write `seq`
      }
    };
    consider(b->second.unindexed);
    for (const auto& [tag, values] : b->second.by_tag) {
      for (const auto& [value, m] : values) consider(m);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());  // IN: several values
    for (uint64_t id : ids) {
      if (auto e = UnlinkLocked(id)) ended.push_back(std::move(e));
    }
  }
  {
    absl::MutexLock l(&mu_);
    overrun_closed_ += ended.size();
  }
  const absl::Status why = absl::ResourceExhaustedError(absl::StrCat(
      "subscription fell behind ingest: more than ", options_.max_backlog_points,
      " points waited for delivery to subscribers; resume from the last point received"));
  for (const auto& e : ended) e->sink->Close(why);
}

void SubscriptionHub::DispatchLoop() {
  for (;;) {
    std::map<BucketKey, uint64_t> overruns;
    Item item;
    bool have_item = false;
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](SubscriptionHub* h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(h->mu_) {
            return h->stop_ || !h->queue_.empty() || !h->overruns_.empty();
          },
          this));
      if (stop_) return;
      // Overruns before any item: an overrun must end its subscriptions
      // before they see anything written after it (that would be a gap).
      overruns.swap(overruns_);
      if (overruns.empty()) {
        item = std::move(queue_.front());
        queue_.pop_front();
        backlog_points_ -= item.points.size();
        have_item = true;
      }
    }
    for (const auto& [key, seq] : overruns) EndOverrun(key, seq);
    if (!have_item) continue;
    if (options_.testing_dispatch_delay > absl::ZeroDuration()) {
      absl::SleepFor(options_.testing_dispatch_delay);
    }
    Dispatch(item);
  }
}

void SubscriptionHub::Dispatch(Item& item) {
  std::vector<std::pair<std::shared_ptr<SubscriptionSink>, std::vector<Point>>> deliveries;
  uint64_t delivered = 0;
  Match(item, &deliveries, &delivered);
  {
    absl::MutexLock l(&mu_);
    delivered_points_ += delivered;
  }
  // Outside the index lock: building the sinks' messages does not hold up
  // Add and Remove.
  for (auto& [sink, points] : deliveries) sink->Deliver(item.seq, std::move(points));
}

void SubscriptionHub::Match(
    Item& item,
    std::vector<std::pair<std::shared_ptr<SubscriptionSink>, std::vector<Point>>>* deliveries,
    uint64_t* delivered) {
  absl::ReaderMutexLock il(&index_mu_);
  absl::flat_hash_map<Entry*, std::vector<Point>> matched;
  const Bucket* bucket = nullptr;
  const std::string* bucket_measurement = nullptr;
  auto offer = [&](Entry* e, const Point& p) {
    if (item.seq <= e->added_at) return;  // written before it subscribed
    const Selector& s = e->selector;
    if (!s.retention_policy.empty() && s.retention_policy != item.rp) return;
    if (!e->matcher.Matches(p.tags)) return;
    Point out;
    out.measurement = p.measurement;
    out.tags = p.tags;
    out.timestamp_ns = p.timestamp_ns;
    for (const Field& f : p.fields) {
      if (f.key == "time") continue;
      if (!s.fields.empty() &&
          std::find(s.fields.begin(), s.fields.end(), f.key) == s.fields.end()) {
        continue;
      }
      // A repeated key keeps its last value.
      auto same = std::find_if(out.fields.begin(), out.fields.end(),
                               [&](const Field& g) { return g.key == f.key; });
      if (same != out.fields.end()) {
        same->value = f.value;
      } else {
        out.fields.push_back(f);
      }
    }
    if (out.fields.empty()) return;
    matched[e].push_back(std::move(out));
  };
  for (Point& p : item.points) {
    if (bucket_measurement == nullptr || *bucket_measurement != p.measurement) {
      auto b = buckets_.find(BucketKey{item.database, p.measurement});
      bucket = b == buckets_.end() ? nullptr : &b->second;
      bucket_measurement = &p.measurement;
    }
    if (bucket == nullptr) continue;
    CanonicalizeTags(&p.tags);
    for (const auto& [tag, by_value] : bucket->by_tag) {
      auto subs = by_value.find(TagValue(p.tags, tag));
      if (subs == by_value.end()) continue;
      for (const auto& [id, e] : subs->second) offer(e, p);
    }
    for (const auto& [id, e] : bucket->unindexed) offer(e, p);
  }
  deliveries->reserve(matched.size());
  for (auto& [e, points] : matched) {
    *delivered += points.size();
    deliveries->emplace_back(e->sink, std::move(points));
  }
}

}  // namespace lux::luxd
