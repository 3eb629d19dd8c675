// File: socket_for_tests.h
// Test helpers: raw loopback HTTP/1.1 over a plain socket, for requests a
// client library would not send (bodies in pieces, pipelining, bursts).
#ifndef LUX_SERVER_LUXD_SOCKET_FOR_TESTS_H_
#define LUX_SERVER_LUXD_SOCKET_FOR_TESTS_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace lux::testing {

// Opens a raw loopback connection (reads time out after 5 s).
inline int RawConnect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

inline void SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    ASSERT_GT(n, 0) << strerror(errno);
    data.remove_prefix(size_t(n));
  }
}

// Reads until `count` responses' status lines and headers have arrived; the
// status codes, in order.
inline std::vector<int> ReadStatuses(int fd, int count) {
  std::string resp;
  std::vector<int> codes;
  char buf[4096];
  size_t pos = 0;
  while (int(codes.size()) < count) {
    const size_t end = resp.find("\r\n\r\n", pos);
    if (end == std::string::npos) {
      const ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      resp.append(buf, size_t(n));
      continue;
    }
    codes.push_back(std::atoi(resp.c_str() + pos + 9));  // "HTTP/1.1 204"
    pos = end + 4;  // the answers here have no body (204) or end the test
  }
  return codes;
}

}  // namespace lux::testing

#endif  // LUX_SERVER_LUXD_SOCKET_FOR_TESTS_H_
