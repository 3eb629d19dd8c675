// File: http_server_test.cc
// HttpServer's scheduling over real loopback sockets.
#include "server/luxd/http_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
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

std::string Post(const std::string& target, const std::string& body) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

TEST(HttpServerTest, WritesRunOnHandlerThreadsAndNeverHoldTheSockets) {
  // One socket thread, one handler thread. A write held in its handler
  // leaves the socket thread free: a ping on another connection answers
  // meanwhile (run by the socket thread, the ping would wait for the write
  // and time out). Writes queued behind it are answered in the order their
  // bodies arrived, and Stop answers every one of them before it returns.
  absl::Notification held, release;
  absl::Mutex mu;
  std::vector<std::string> order;
  HttpServerOptions o;
  o.port = 0;
  o.threads = 1;
  o.handler_threads = 1;
  auto server = HttpServer::Start(o, [&](const HttpRequest& r) {
    if (!r.body.empty()) {
      if (r.body == "first") {
        held.Notify();
        release.WaitForNotification();
      }
      absl::MutexLock l(&mu);
      order.push_back(r.body);
    }
    HttpResponse res;
    res.status = 204;
    return res;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const uint16_t port = (*server)->port();
  const int writer = RawConnect(port);
  SendAll(writer, Post("/write", "first"));
  held.WaitForNotification();

  const int pinger = RawConnect(port);
  SendAll(pinger, Get("/ping"));
  EXPECT_EQ(ReadStatuses(pinger, 1), std::vector<int>{204}) << "the ping waited for the write";
  close(pinger);

  // Three more writes, each sent once the one before reached the server's
  // queue: a ping on a new connection, sent after it, is answered (the one
  // socket thread reads what arrives in order).
  std::vector<int> queued;
  for (const char* body : {"second", "third", "fourth"}) {
    queued.push_back(RawConnect(port));
    SendAll(queued.back(), Post("/write", body));
    const int probe = RawConnect(port);
    SendAll(probe, Get("/ping"));
    EXPECT_EQ(ReadStatuses(probe, 1), std::vector<int>{204});
    close(probe);
  }
  std::thread stopper([&] { (*server)->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.Notify();
  EXPECT_EQ(ReadStatuses(writer, 1), std::vector<int>{204});
  for (int fd : queued) {
    EXPECT_EQ(ReadStatuses(fd, 1), std::vector<int>{204}) << "a queued write was not answered";
    close(fd);
  }
  stopper.join();
  close(writer);
  absl::MutexLock l(&mu);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "third", "fourth"}));
}

// Resident memory of this process, bytes.
size_t ResidentBytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return size_t(resident) * size_t(sysconf(_SC_PAGESIZE));
}

TEST(HttpServerTest, DeclaredBodiesTakeMemoryOnlyAsTheyArrive) {
  // 100 connections declare 8 MB bodies and send 1 KB of them. The server
  // reserves the declared length (address space) but touches only what
  // grows with the bytes received: resident memory grows by far less than
  // the 800 MB declared (cut to the declared length at once, it grew by
  // all of it).
  HttpServerOptions o;
  o.port = 0;
  o.threads = 2;
  o.handler_threads = 1;
  auto server = HttpServer::Start(o, [&](const HttpRequest&) {
    HttpResponse res;
    res.status = 204;
    return res;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const uint16_t port = (*server)->port();
  const size_t before = ResidentBytes();
  std::vector<int> fds;
  for (int i = 0; i < 100; ++i) {
    fds.push_back(RawConnect(port));
    SendAll(fds.back(), "POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n" +
                            std::string(1000, 'x'));
  }
  // Until the server has read them: a ping on a new connection is served
  // after the reads already queued.
  const int probe = RawConnect(port);
  SendAll(probe, Get("/ping"));
  EXPECT_EQ(ReadStatuses(probe, 1), std::vector<int>{204});
  close(probe);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const size_t after = ResidentBytes();
  const size_t grown = after - std::min(before, after);
  EXPECT_LT(grown, size_t{50} << 20) << "resident growth for 800 MB declared";
  for (int fd : fds) close(fd);
}

}  // namespace
}  // namespace lux::luxd
