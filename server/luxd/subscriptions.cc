// File: subscriptions.cc
// OnWrite runs per write under the engine's write ordering; the dispatcher
// per point and subscription.
#include "server/luxd/subscriptions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace lux::luxd {

void CanonicalizeTags(std::vector<Tag>* tags) {
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

SubscriptionHub::SubscriptionHub(DB* db) : db_(db) {
  observer_id_ = db_->AddWriteObserver([this](const WriteBatch& b, std::string_view rp,
                                              const WriteResult& r) { OnWrite(b, rp, r); });
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
  auto entry = std::make_shared<Entry>();
  entry->selector = selector;
  entry->sink = std::move(sink);
  auto matcher = TagMatcher::Compile(selector.tags);
  if (!matcher.ok()) return matcher.status();
  entry->matcher = *std::move(matcher);
  absl::MutexLock l(&mu_);
  const uint64_t id = next_id_++;
  entries_[id] = entry;
  index_[{selector.database, selector.measurement}][id] = entry;
  return id;
}

void SubscriptionHub::Remove(uint64_t id) {
  {
    absl::MutexLock l(&mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    const Selector& s = it->second->selector;
    auto idx = index_.find({s.database, s.measurement});
    if (idx != index_.end()) {
      idx->second.erase(id);
      if (idx->second.empty()) index_.erase(idx);
    }
    entries_.erase(it);
  }
  absl::MutexLock d(&deliver_mu_);  // a delivery in progress has finished
}

void SubscriptionHub::CloseAll(const absl::Status& why) {
  std::vector<std::shared_ptr<const Entry>> all;
  {
    absl::MutexLock l(&mu_);
    for (const auto& [id, e] : entries_) all.push_back(e);
  }
  for (const auto& e : all) e->sink->Close(why);
}

size_t SubscriptionHub::size() const {
  absl::MutexLock l(&mu_);
  return entries_.size();
}

void SubscriptionHub::OnWrite(const WriteBatch& batch, std::string_view rp,
                              const WriteResult& result) {
  absl::MutexLock l(&mu_);
  if (index_.empty()) return;
  auto first = index_.lower_bound({batch.database, ""});
  if (first == index_.end() || first->first.first != batch.database) return;
  std::vector<bool> rejected(batch.points.size(), false);
  for (const PointError& e : result.rejected) rejected[e.index] = true;
  Item item;
  item.database = batch.database;
  item.rp = std::string(rp);
  for (size_t i = 0; i < batch.points.size(); ++i) {
    if (rejected[i]) continue;
    const Point& p = batch.points[i];
    if (index_.contains({batch.database, p.measurement})) item.points.push_back(p);
  }
  if (!item.points.empty()) queue_.push_back(std::move(item));
}

void SubscriptionHub::DispatchLoop() {
  for (;;) {
    Item item;
    std::vector<std::pair<uint64_t, std::shared_ptr<const Entry>>> subs;
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](SubscriptionHub* h)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(h->mu_) { return h->stop_ || !h->queue_.empty(); },
          this));
      if (stop_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    // Per subscription, the matching points of this write.
    std::map<uint64_t, std::vector<Point>> matched;
    std::map<uint64_t, std::shared_ptr<const Entry>> targets;
    // The subscriptions of each measurement in this write, looked up once
    // per write (not per point): the hub's lock, which writers take too, is
    // held briefly.
    std::map<std::string, std::vector<std::pair<uint64_t, std::shared_ptr<const Entry>>>> by_m;
    {
      absl::MutexLock l(&mu_);
      for (const Point& p : item.points) {
        if (by_m.contains(p.measurement)) continue;
        auto& list = by_m[p.measurement];
        auto idx = index_.find({item.database, p.measurement});
        if (idx != index_.end()) list.assign(idx->second.begin(), idx->second.end());
      }
    }
    for (Point& p : item.points) {
      const auto& on_measurement = by_m[p.measurement];
      if (on_measurement.empty()) continue;
      CanonicalizeTags(&p.tags);
      for (const auto& [id, e] : on_measurement) {
        const Selector& s = e->selector;
        if (!s.retention_policy.empty() && s.retention_policy != item.rp) continue;
        if (!e->matcher.Matches(p.tags)) continue;
        Point out;
        out.measurement = p.measurement;
        out.tags = p.tags;
        out.timestamp_ns = p.timestamp_ns;
        for (const Field& f : p.fields) {
          if (f.key == "time") continue;
          if (s.fields.empty() ||
              std::find(s.fields.begin(), s.fields.end(), f.key) != s.fields.end()) {
            // A repeated key keeps its last value.
            auto same = std::find_if(out.fields.begin(), out.fields.end(),
                                     [&](const Field& g) { return g.key == f.key; });
            if (same != out.fields.end()) {
              same->value = f.value;
            } else {
              out.fields.push_back(f);
            }
          }
        }
        if (out.fields.empty()) continue;
        matched[id].push_back(std::move(out));
        targets[id] = e;
      }
    }
    absl::MutexLock d(&deliver_mu_);
    for (auto& [id, points] : matched) {
      {
        absl::MutexLock l(&mu_);
        if (!entries_.contains(id)) continue;  // removed meanwhile
      }
      targets[id]->sink->Deliver(std::move(points));
    }
  }
}

}  // namespace lux::luxd
