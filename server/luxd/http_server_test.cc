// File: http_server_test.cc
// HttpServer's scheduling over real loopback sockets.
#include "server/luxd/http_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/luxd/socket_for_tests.h"

namespace lux::luxd {
namespace {

using testing::RawConnect;
using testing::ReadStatuses;
using testing::SendAll;

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
}

TEST(HttpServerTest, ABurstOfNewConnectionsIsServedWithoutWaitingBehindABusyOne) {
  // One server thread, 5 ms per request. A connection keeps it busy with
  // request after request; 32 new connections connect and send a request
  // each while the thread is held inside one of the busy connection's
  // requests. Every accept was a trip through the server's queue, behind
  // the busy connection's next request: the new requests were served
  // among 16 of its requests (with 64 connections under load, the last
  // accepted ~0.6 s late, the first requests of some connections finishing
  // after hundreds of others'). All waiting connections are accepted at
  // once now: the new requests are served among 0-1 of the busy one's.
  std::atomic<int> busy_served{0};
  std::atomic<bool> hold{false};
  absl::Notification held, release;
  absl::Mutex mu;
  std::vector<int> busy_before_new;  // busy requests served before each new one
  HttpServerOptions o;
  o.port = 0;
  o.threads = 1;
  auto server = HttpServer::Start(o, [&](const HttpRequest& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (r.target == "/busy") {
      if (hold.exchange(false)) {
        held.Notify();
        release.WaitForNotification();
      }
      ++busy_served;
    } else {
      absl::MutexLock l(&mu);
      busy_before_new.push_back(busy_served.load());
    }
    HttpResponse res;
    res.status = 204;
    return res;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const uint16_t port = (*server)->port();

  std::atomic<bool> stop{false};
  std::thread busy([&] {
    const int fd = RawConnect(port);
    while (!stop) {
      SendAll(fd, Get("/busy"));
      if (ReadStatuses(fd, 1) != std::vector<int>{204}) break;
    }
    close(fd);
  });
  while (busy_served < 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  // The new connections wait in the listen backlog, their requests sent,
  // however slowly this thread runs: the server's thread is held.
  hold = true;
  held.WaitForNotification();
  constexpr int kNew = 32;
  std::vector<int> fds;
  for (int i = 0; i < kNew; ++i) {
    fds.push_back(RawConnect(port));
    SendAll(fds.back(), Get("/new"));
  }
  const int busy_at_start = busy_served + 1;  // the held one
  release.Notify();
  for (int fd : fds) {
    EXPECT_EQ(ReadStatuses(fd, 1), std::vector<int>{204});
    close(fd);
  }
  stop = true;
  busy.join();

  absl::MutexLock l(&mu);
  ASSERT_EQ(busy_before_new.size(), size_t{kNew});
  const int last = *std::max_element(busy_before_new.begin(), busy_before_new.end());
  // Accepted one per trip, the last new request waited for ~kNew / 2 busy ones.
  EXPECT_LE(last - busy_at_start, 8) << "busy requests served while the new ones waited";
}

}  // namespace
}  // namespace lux::luxd
