#include "server/luxd/write_limiter.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace lux::luxd {
namespace {

TEST(WriteLimiterTest, UnlimitedAlwaysAdmits) {
  WriteLimiter w(0, 0, absl::Milliseconds(1));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(w.Acquire(), WriteLimiter::Result::kOk);
}

TEST(WriteLimiterTest, WaitersTimeOutAndTheQueueIsBounded) {
  WriteLimiter w(1, 1, absl::Milliseconds(200));
  ASSERT_EQ(w.Acquire(), WriteLimiter::Result::kOk);  // the one running write
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = int(w.Acquire()); });
  // While the waiter is queued, the queue (of 1) is full.
  for (int i = 0; i < 100 && result == -1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  WriteLimiter::Result second = WriteLimiter::Result::kOk;
  for (int i = 0; i < 50 && second != WriteLimiter::Result::kQueueFull; ++i) {
    second = w.Acquire();
    if (second == WriteLimiter::Result::kOk) w.Release();  // the waiter was not queued yet
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(second, WriteLimiter::Result::kQueueFull);
  waiter.join();
  EXPECT_EQ(result, int(WriteLimiter::Result::kTimeout));
  w.Release();
  EXPECT_EQ(w.Acquire(), WriteLimiter::Result::kOk);
}

TEST(WriteLimiterTest, AtMostNRunAtOnceAndWaitersGetTheirTurn) {
  WriteLimiter w(2, 0, absl::Seconds(30));
  std::atomic<int> running{0}, peak{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(w.Acquire(), WriteLimiter::Result::kOk);
        const int now = ++running;
        int p = peak;
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        --running;
        w.Release();
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done, 160);
  EXPECT_EQ(peak, 2);
}

}  // namespace
}  // namespace lux::luxd
