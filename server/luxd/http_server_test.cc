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
  // request after request; then 32 new connections each send one. Every
  // accept was a trip through the server's queue, behind the busy
  // connection's next request: the new requests were served among 16-17
  // of its requests (with 64 connections under load, the last accepted
  // ~0.6 s late, the first requests of some connections finishing after
  // hundreds of others'). All waiting connections are accepted at once
  // now: the new requests are served among 1-2 of the busy one's.
  std::atomic<int> busy_served{0};
  absl::Mutex mu;
  std::vector<int> busy_before_new;  // busy requests served before each new one
  HttpServerOptions o;
  o.port = 0;
  o.threads = 1;
  auto server = HttpServer::Start(o, [&](const HttpRequest& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (r.target == "/busy") {
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

  constexpr int kNew = 32;
  std::vector<int> fds;
  for (int i = 0; i < kNew; ++i) {
    fds.push_back(RawConnect(port));
  }
  const int busy_at_start = busy_served;
  for (int fd : fds) SendAll(fd, Get("/new"));
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
