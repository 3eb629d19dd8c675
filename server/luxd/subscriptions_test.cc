#include "server/luxd/subscriptions.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/synchronization/notification.h"
#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"

namespace lux::luxd {
namespace {

using lux::testing::MakePoint;

// Records what the hub hands it; optionally holds the dispatcher in
// Deliver until released (to make the hub fall behind on purpose).
class RecordingSink final : public SubscriptionSink {
 public:
  void Deliver(uint64_t seq, std::vector<Point> points) override {
    if (gate_ != nullptr) {
      entered_.Notify();
      gate_->WaitForNotification();
    }
    absl::MutexLock l(&mu_);
    seqs_.push_back(seq);
    for (Point& p : points) points_.push_back(std::move(p));
  }
  void Close(const absl::Status& why) override {
    absl::MutexLock l(&mu_);
    closed_ = why;
    ++closes_;
  }
  void HoldIn(absl::Notification* gate) { gate_ = gate; }
  void WaitEntered() { entered_.WaitForNotification(); }
  std::vector<Point> points() {
    absl::MutexLock l(&mu_);
    return points_;
  }
  std::vector<int64_t> times() {
    std::vector<int64_t> ts;
    for (const Point& p : points()) ts.push_back(p.timestamp_ns);
    return ts;
  }
  std::vector<uint64_t> seqs() {  // of each delivery
    absl::MutexLock l(&mu_);
    return seqs_;
  }
  absl::Status closed() {
    absl::MutexLock l(&mu_);
    return closed_;
  }
  int closes() {
    absl::MutexLock l(&mu_);
    return closes_;
  }

 private:
  absl::Notification* gate_ = nullptr;
  absl::Notification entered_;
  absl::Mutex mu_;
  std::vector<Point> points_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> seqs_ ABSL_GUARDED_BY(mu_);
  absl::Status closed_ ABSL_GUARDED_BY(mu_);
  int closes_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(CanonicalizeTagsTest, SortsKeepsTheLastOfARepeatedKeyAndDropsEmptyValues) {
  std::vector<Tag> tags = {{"z", "1"}, {"a", "x"}, {"m", ""}, {"a", "y"}};
  CanonicalizeTags(&tags);
  EXPECT_EQ(tags, (std::vector<Tag>{{"a", "y"}, {"z", "1"}}));
  std::vector<Tag> canonical = {{"a", "1"}, {"b", "2"}};
  CanonicalizeTags(&canonical);
  EXPECT_EQ(canonical, (std::vector<Tag>{{"a", "1"}, {"b", "2"}}));
}

class SubscriptionHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = DB::Open(Options{}, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  }

  void Write(std::vector<Point> points, std::string rp = "") {
    WriteBatch b;
    b.database = "farm";
    b.retention_policy = std::move(rp);
    b.points = std::move(points);
    auto r = db_->Write(b);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->rejected.empty());
  }

  // Waits until the hub has delivered everything written so far: the hub
  // delivers in write order, so once a fence point written now arrives,
  // so has all before it.
  void Drain(SubscriptionHub& hub) {
    for (int i = 0; i < 10000 && hub.stats().backlog_points > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    auto fence = std::make_shared<RecordingSink>();
    auto id = hub.Add(Sel("fence"), fence);
    ASSERT_TRUE(id.ok());
    Write({MakePoint("fence", {}, "v", 1.0, ++fences_)});
    for (int i = 0; i < 10000 && fence->times().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(fence->times().size(), 1u) << "the hub did not drain";
    hub.Remove(*id);
  }

  static Selector Sel(std::string measurement, std::vector<TagFilter> tags = {},
                      std::vector<std::string> fields = {}) {
    Selector s;
    s.database = "farm";
    s.measurement = std::move(measurement);
    s.tags = std::move(tags);
    s.fields = std::move(fields);
    return s;
  }

  lux::testing::TempDir dir_;
  std::unique_ptr<DB> db_;
  int64_t fences_ = 0;
};

TEST_F(SubscriptionHubTest, EverySelectorShapeGetsExactlyItsPoints) {
  SubscriptionHub hub(db_.get());
  using Op = TagFilter::Op;
  struct Sub {
    Selector selector;
    std::function<bool(int sensor, bool zoned)> wants;
    std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>();
  };
  std::vector<Sub> subs = {
      {Sel("m", {{"sensor", Op::kEqual, {"s1"}}}), [](int s, bool) { return s == 1; }},
      {Sel("m", {{"sensor", Op::kIn, {"s2", "s3"}}}), [](int s, bool) { return s == 2 || s == 3; }},
      {Sel("m", {{"sensor", Op::kRegex, {"s[12]"}}}), [](int s, bool) { return s <= 2; }},
      {Sel("m", {{"sensor", Op::kNotEqual, {"s1"}}}), [](int s, bool) { return s != 1; }},
      {Sel("m"), [](int, bool) { return true; }},
      // Equality on a tag some points lack: "" selects those.
      {Sel("m", {{"zone", Op::kEqual, {""}}}), [](int, bool zoned) { return !zoned; }},
      // Two predicates: indexed by the first, checked on both.
      {Sel("m", {{"sensor", Op::kIn, {"s1", "s4"}}, {"zone", Op::kEqual, {"z1"}}}),
       [](int s, bool zoned) { return (s == 1 || s == 4) && zoned; }},
      {Sel("m", {{"zone", Op::kEqual, {"z1"}}, {"sensor", Op::kEqual, {"s4"}}}),
       [](int s, bool zoned) { return s == 4 && zoned; }},
      {Sel("other"), [](int, bool) { return false; }},
  };
  for (Sub& s : subs) ASSERT_TRUE(hub.Add(s.selector, s.sink).ok());
  std::vector<std::pair<int, bool>> written;
  std::vector<Point> batch;
  for (int i = 0; i < 200; ++i) {
    const int sensor = 1 + i % 4;
    const bool zoned = i % 3 == 0;
    std::vector<Tag> tags = {{"sensor", "s" + std::to_string(sensor)}};
    if (zoned) tags.push_back({"zone", "z1"});
    batch.push_back(MakePoint("m", tags, "v", double(i), 1000 + i));
    written.push_back({sensor, zoned});
    if (batch.size() == 37) Write(std::exchange(batch, {}));
  }
  Write(std::move(batch));
  Drain(hub);
  for (size_t k = 0; k < subs.size(); ++k) {
    std::vector<int64_t> want;
    for (size_t i = 0; i < written.size(); ++i) {
      if (subs[k].wants(written[i].first, written[i].second)) want.push_back(1000 + int64_t(i));
    }
    EXPECT_EQ(subs[k].sink->times(), want) << "subscription " << k;
  }
  EXPECT_EQ(hub.stats().subscriptions, subs.size());
}

TEST_F(SubscriptionHubTest, FieldsAndRetentionPolicyFilter) {
  SubscriptionHub hub(db_.get());
  ASSERT_TRUE(db_->CreateRetentionPolicy("farm", RetentionPolicy{.name = "week"}).ok());
  auto only_b = std::make_shared<RecordingSink>();
  ASSERT_TRUE(hub.Add(Sel("m", {}, {"b"}), only_b).ok());
  auto week = std::make_shared<RecordingSink>();
  Selector in_week = Sel("m");
  in_week.retention_policy = "week";
  ASSERT_TRUE(hub.Add(in_week, week).ok());
  auto any_a = std::make_shared<RecordingSink>();
  ASSERT_TRUE(hub.Add(Sel("m", {}, {"a"}), any_a).ok());
  Point p = MakePoint("m", {{"sensor", "s1"}}, "a", 1.0, 10);
  p.fields.push_back(Field{"b", int64_t(7)});
  Point no_b = MakePoint("m", {{"sensor", "s1"}}, "a", 2.0, 20);
  Write({p, no_b});
  Write({MakePoint("m", {{"sensor", "s1"}}, "a", 3.0, 30)}, "week");
  Drain(hub);
  EXPECT_EQ(week->times(), std::vector<int64_t>{30});
  // No policy named: the default one only, as Query reads it.
  EXPECT_EQ(any_a->times(), (std::vector<int64_t>{10, 20}));
  auto got = only_b->points();
  ASSERT_EQ(got.size(), 1u);  // a point without a selected field is not sent
  ASSERT_EQ(got[0].fields.size(), 1u);
  EXPECT_EQ(got[0].fields[0].key, "b");
  EXPECT_EQ(std::get<int64_t>(got[0].fields[0].value), 7);
}

TEST_F(SubscriptionHubTest, OnlyPointsWrittenWhileSubscribed) {
  SubscriptionHub hub(db_.get());
  auto sink = std::make_shared<RecordingSink>();
  Write({MakePoint("m", {{"sensor", "s1"}}, "v", 1.0, 1)});
  auto id = hub.Add(Sel("m", {{"sensor", TagFilter::Op::kEqual, {"s1"}}}), sink);
  ASSERT_TRUE(id.ok());
  Write({MakePoint("other", {}, "v", 0.0, 1)});
  Write({MakePoint("m", {{"sensor", "s1"}}, "v", 2.0, 2)});
  Drain(hub);
  hub.Remove(*id);
  Write({MakePoint("m", {{"sensor", "s1"}}, "v", 3.0, 3)});
  Drain(hub);
  EXPECT_EQ(sink->times(), std::vector<int64_t>{2});
  EXPECT_EQ(sink->seqs(), std::vector<uint64_t>{3}) << "delivered with its write's log sequence";
  EXPECT_EQ(hub.size(), 0u);
}

TEST_F(SubscriptionHubTest, ThousandsOfSubscriptionsEachGetTheirSensor) {
  SubscriptionHub hub(db_.get());
  constexpr int kSubs = 20'000;
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (int i = 0; i < kSubs; ++i) {
    sinks.push_back(std::make_shared<RecordingSink>());
    ASSERT_TRUE(
        hub.Add(Sel("m", {{"sensor", TagFilter::Op::kEqual, {"s" + std::to_string(i)}}}), sinks[i])
            .ok());
  }
  for (int round = 0; round < 2; ++round) {
    std::vector<Point> batch;
    for (int i = 0; i < kSubs; ++i) {
      batch.push_back(
          MakePoint("m", {{"sensor", "s" + std::to_string(i)}}, "v", double(i), 100 + round));
      if (batch.size() == 5000) Write(std::exchange(batch, {}));
    }
  }
  Drain(hub);
  for (int i = 0; i < kSubs; ++i) {
    ASSERT_EQ(sinks[i]->times(), (std::vector<int64_t>{100, 101})) << i;
    ASSERT_EQ(sinks[i]->points()[0].tags[0].value, "s" + std::to_string(i));
  }
  EXPECT_EQ(hub.stats().delivered_points, uint64_t(2 * kSubs) + 1);  // + Drain's fence
}

// The dispatcher held up: writes go on at full speed, the backlog stops at
// its bound, and the subscriptions whose points could not be queued end
// with RESOURCE_EXHAUSTED having seen a gap-free prefix; later ones work.
TEST_F(SubscriptionHubTest, OverrunEndsSubscriptionsNotIngest) {
  SubscriptionHub hub(db_.get(), SubscriptionHubOptions{.max_backlog_points = 10});
  absl::Notification gate;
  auto slow = std::make_shared<RecordingSink>();
  slow->HoldIn(&gate);
  ASSERT_TRUE(hub.Add(Sel("slow"), slow).ok());
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  auto unaffected = std::make_shared<RecordingSink>();
  ASSERT_TRUE(hub.Add(Sel("m", {{"sensor", TagFilter::Op::kEqual, {"s1"}}}), a).ok());
  ASSERT_TRUE(hub.Add(Sel("m"), b).ok());
  ASSERT_TRUE(hub.Add(Sel("quiet"), unaffected).ok());
  Write({MakePoint("slow", {}, "v", 0.0, 1)});
  slow->WaitEntered();  // the dispatcher is stuck in Deliver
  auto five = [](int64_t t0) {
    std::vector<Point> v;
    for (int i = 0; i < 5; ++i) v.push_back(MakePoint("m", {{"sensor", "s1"}}, "v", 1.0, t0 + i));
    return v;
  };
  // Written while the dispatcher cannot move: none of these waits for it.
  Write(five(100));
  Write(five(200));  // backlog 10: full
  Write(five(300));  // not queued
  for (int i = 0; i < 50; ++i) Write(five(1000 + 10 * i));
  EXPECT_EQ(hub.stats().backlog_points, 10u);
  EXPECT_EQ(hub.stats().overrun_points, 255u);
  // Registered after those writes (the stuck dispatcher does not hold up
  // Add): the overrun is not its business.
  auto late = std::make_shared<RecordingSink>();
  ASSERT_TRUE(hub.Add(Sel("m"), late).ok());
  gate.Notify();
  Drain(hub);
  for (auto* s : {a.get(), b.get()}) {
    EXPECT_EQ(s->closed().code(), absl::StatusCode::kResourceExhausted) << s->closed();
    EXPECT_NE(s->closed().message().find("fell behind ingest"), std::string::npos);
    EXPECT_EQ(s->closes(), 1);
    EXPECT_TRUE(s->times().empty());  // ended before anything after the gap
  }
  EXPECT_TRUE(unaffected->closed().ok());
  EXPECT_TRUE(late->closed().ok());
  EXPECT_TRUE(late->times().empty());  // what was queued was written before it
  EXPECT_EQ(hub.stats().overrun_closed, 2u);
  EXPECT_EQ(hub.size(), 3u);  // slow, unaffected, late
  // Subscribing again (a client resuming) works.
  auto again = std::make_shared<RecordingSink>();
  ASSERT_TRUE(hub.Add(Sel("m"), again).ok());
  Write(five(5000));
  Drain(hub);
  EXPECT_EQ(again->times(), (std::vector<int64_t>{5000, 5001, 5002, 5003, 5004}));
  EXPECT_EQ(late->times(), again->times());
  EXPECT_EQ(slow->times(), std::vector<int64_t>{1});
}

// The bound is on the dispatcher falling behind: one write larger than it,
// arriving while nothing waits, is delivered.
TEST_F(SubscriptionHubTest, OneLargeWriteIsNotAnOverrun) {
  SubscriptionHub hub(db_.get(), SubscriptionHubOptions{.max_backlog_points = 10});
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(hub.Add(Sel("m"), sink).ok());
  std::vector<Point> big;
  for (int i = 0; i < 50; ++i) big.push_back(MakePoint("m", {{"sensor", "s1"}}, "v", 1.0, i));
  Write(big);
  Drain(hub);
  EXPECT_EQ(sink->times().size(), 50u);
  EXPECT_TRUE(sink->closed().ok());
  EXPECT_EQ(hub.stats().overrun_points, 0u);
}

}  // namespace
}  // namespace lux::luxd
