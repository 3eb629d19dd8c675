// File: http_server.h
// -----------------------------------------------------------------------------
// Asynchronous HTTP/1.1 server on Boost.Beast: keep-alive, idle timeouts,
// `Expect: 100-continue`, a body limit answered with 413, graceful stop
// (stop accepting, let in-flight requests finish). Requests with a body run
// on handler threads, first come first served, so that a write's seconds of
// CPU never hold the sockets of other requests (handler_threads).
#ifndef LUX_SERVER_LUXD_HTTP_SERVER_H_
#define LUX_SERVER_LUXD_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "server/luxd/http_util.h"

namespace lux::luxd {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8086;  // 0: a free port, see HttpServer::port()
  // Threads running the sockets (and the handlers of requests without a
  // body: ping, health, metrics, GET queries).
  int threads = 2;
  // Threads running the handlers of requests with a body (writes), in the
  // order their bodies arrived; 0: the socket threads run them too.
  int handler_threads = 0;
  int idle_timeout_s = 300;
  size_t max_body_bytes = 25'000'000;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds and starts serving. kUnavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           HttpHandler handler);
  ~HttpServer();  // Stop()

  uint16_t port() const;
  // Stops accepting, waits for in-flight requests, joins the threads.
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_HTTP_SERVER_H_
