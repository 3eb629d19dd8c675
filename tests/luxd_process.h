// File: luxd_process.h
// Test helpers: run the real luxd binary on a free loopback port, talk HTTP
// to it with a small blocking Boost.Beast client, read back what it stored.
#ifndef LUX_TESTS_LUXD_PROCESS_H_
#define LUX_TESTS_LUXD_PROCESS_H_

// clang-format off
#include <utility>  // first: Boost.Asio 1.74's awaitable.hpp uses std::exchange unincluded
// clang-format on
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace lux::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

inline HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {}) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 30);
  http::read(stream, buffer, parser);
  auto res = parser.release();
  HttpResult out;
  out.status = int(res.result_int());
  for (const auto& h : res) {
    std::string name(h.name_string());
    for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(h.value());
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  return out;
}

// Percent-encodes everything but unreserved characters (RFC 3986).
inline std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(char(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// The lines, sorted, each ending in \n: stored points compared as text.
inline std::string SortedLines(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Every point luxd holds in `db` for these measurements, as sorted lines.
inline std::string LuxdStoredLines(uint16_t port, const std::string& db,
                                   const std::vector<std::string>& measurements) {
  std::vector<std::string> lines;
  for (const auto& m : measurements) {
    const HttpResult r =
        HttpCall(port, "GET", "/export?db=" + UrlEncode(db) + "&measurement=" + UrlEncode(m));
    if (r.status != 200) return "export failed: " + r.body;
    std::stringstream in(r.body);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  return SortedLines(std::move(lines));
}

// A free loopback TCP port (bound, read, released: free a moment later).
inline uint16_t FreePort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// A luxd child process; killed (SIGKILL) on destruction unless stopped.
class LuxdProcess {
 public:
  LuxdProcess(const std::string& data_dir, std::vector<std::string> extra_args = {}) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    std::vector<std::string> args = {LUX_LUXD_BINARY, "--data-dir", data_dir, "--log-level",
                                     "warn"};
    // Free ports unless the caller names its own.
    for (const char* flag : {"--http-addr", "--grpc-addr"}) {
      if (std::find(extra_args.begin(), extra_args.end(), flag) == extra_args.end()) {
        args.insert(args.end(), {flag, "127.0.0.1:0"});
      }
    }
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // posix_spawn, not fork: no atfork handlers run in this (possibly
    // multi-threaded, gRPC-using) test process, and no allocation happens
    // between fork and exec.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
    char line[512];
    if (out_ != nullptr && std::fgets(line, sizeof(line), out_) != nullptr) {
      unsigned port = 0;
      if (std::sscanf(line, "luxd listening on http://127.0.0.1:%u", &port) == 1)
        port_ = uint16_t(port);
      if (const char* g = std::strstr(line, " grpc=127.0.0.1:"); g != nullptr) {
        grpc_port_ = uint16_t(std::atoi(g + std::strlen(" grpc=127.0.0.1:")));
      }
    }
  }
  ~LuxdProcess() {
    if (pid_ > 0) Signal(SIGKILL);
    if (out_ != nullptr) std::fclose(out_);
  }
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // The lux.v1 gRPC port.
  uint16_t grpc_port() const { return grpc_port_; }
  // "127.0.0.1:<grpc port>" for grpc::CreateChannel.
  std::string grpc_target() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  // Sends `sig` and waits; returns the exit status (or 128 + signal).
  int Signal(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  uint16_t port_ = 0;
  uint16_t grpc_port_ = 0;
};

}  // namespace lux::testing

#endif  // LUX_TESTS_LUXD_PROCESS_H_
