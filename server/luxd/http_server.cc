// File: http_server.cc
// One session object per connection; all I/O asynchronous on a shared
// io_context run by the worker threads.
#include "server/luxd/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace lux::luxd {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  net::io_context ioc;
  // Keeps the socket threads running while only handler threads have work
  // (every connection waiting for its handler, the acceptor closed by
  // Stop): the answers they post must still be written. Stop ends the loop.
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  uint16_t port = 0;

  void Accept();

  // Handler threads: the handlers of requests with a body, first come first
  // served. Run on the socket threads, a write's milliseconds of parsing
  // and storing held each socket thread in turn, and every other
  // connection's next read waited behind them in the io_context's queue:
  // a body read in several receives waited that long for each, so requests
  // were served in no fair order (a 100 KB batch sent first answered after
  // 95 sent later, 263 ms).
  absl::Mutex jobs_mu;
  std::deque<std::function<void()>> jobs ABSL_GUARDED_BY(jobs_mu);
  bool jobs_stop ABSL_GUARDED_BY(jobs_mu) = false;
  std::vector<std::thread> handler_threads;

  void Enqueue(std::function<void()> job) {
    absl::MutexLock l(&jobs_mu);
    jobs.push_back(std::move(job));
  }
  // Until stopped with nothing left to run.
  void RunJobs() {
    for (;;) {
      std::function<void()> job;
      {
        absl::MutexLock l(&jobs_mu);
        jobs_mu.Await(absl::Condition(
            +[](Impl* i) ABSL_EXCLUSIVE_LOCKS_REQUIRED(i->jobs_mu) {
              return i->jobs_stop || !i->jobs.empty();
            },
            this));
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }

  // Request bodies' strings kept for later requests of about their size:
  // their memory is resident, so a body is read into one without page
  // faults, zero filling or copies as it grows. Bounded: only strings of
  // kPooledBodyMin to kPooledBodyMax bytes of capacity are kept, kPoolMax
  // bytes in all; a request takes one only if it holds its whole declared
  // body and at most four times that (strings grow by doubling: one a body
  // just over a power of two grew holds nearly twice it), so a small or
  // stalled request never pins a large one (and a declared length alone
  // never allocates: what is pooled is memory held already).
  static constexpr size_t kPooledBodyMin = 64 << 10, kPooledBodyMax = 8 << 20, kPoolMax = 64 << 20;
  absl::Mutex pool_mu;
  std::vector<std::string> pool ABSL_GUARDED_BY(pool_mu);
  size_t pool_bytes ABSL_GUARDED_BY(pool_mu) = 0;

  // The smallest pooled string holding `length` bytes within four times
  // that, or an empty one.
  std::string TakeBody(size_t length) {
    if (length > kPooledBodyMax || 4 * length < kPooledBodyMin) return {};
    absl::MutexLock l(&pool_mu);
    size_t best = pool.size();
    for (size_t i = 0; i < pool.size(); ++i) {
      const size_t cap = pool[i].capacity();
      if (cap >= length && cap <= 4 * length &&
          (best == pool.size() || cap < pool[best].capacity())) {
        best = i;
      }
    }
    if (best == pool.size()) return {};
    std::string s = std::move(pool[best]);
    pool[best] = std::move(pool.back());
    pool.pop_back();
    pool_bytes -= s.capacity();
    return s;
  }
  void GiveBody(std::string s) {
    if (s.capacity() < kPooledBodyMin || s.capacity() > kPooledBodyMax) return;
    absl::MutexLock l(&pool_mu);
    if (pool_bytes + s.capacity() > kPoolMax) return;
    pool_bytes += s.capacity();
    pool.push_back(std::move(s));
  }
};

namespace {

HttpResponse TooLarge() {
  HttpResponse r;
  r.status = 413;
  r.Set("Content-Type", "application/json");
  r.Set("X-Influxdb-Error", "Request Entity Too Large");
  r.body = "{\"error\":\"Request Entity Too Large\"}\n";
  r.close = true;
  return r;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {}

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(std::chrono::seconds(server_->options.idle_timeout_s));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) return Respond(TooLarge());
    if (ec) return Close();
    auto& req = parser_->get();
    if (absl::EqualsIgnoreCase(std::string(req[http::field::expect]), "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnBody({}, 0);
    // A body of known length is read straight into the request's string:
    // the bytes already buffered with the header, then receives as large as
    // the string's free space. Beast's parser would read it through the
    // small header buffer, about 512 bytes per receive: a 500 KB batch took
    // ~1,000 system calls and timer updates. The string grows with what
    // arrives (doubling from 16 KiB), never ahead of it to the declared
    // length: a client declaring 25 MB and sending nothing holds 16 KiB.
    // Or, from the server's pool, a string with room for the whole body
    // (and at most four times that): it is cut to the body's length at
    // once and never grows; its old bytes are overwritten as the body
    // arrives, and the body reaches the handler only once all of it has.
    // A fresh string reserves the declared length (up to kPooledBodyMax):
    // address space only, its pages are touched as its size grows with
    // what arrives, and growing never copies. (Doubling copied each body
    // about once more and touched twice its pages: 7 % of the CPU of a
    // burst of first requests, whose bodies the pool cannot hold yet.)
    if (!parser_->chunked() && parser_->content_length()) {
      body_length_ = *parser_->content_length();  // <= body_limit: checked with the header
      std::string& body = parser_->get().body();
      body = server_->TakeBody(body_length_);
      const bool pooled = body.capacity() >= body_length_;
      if (!pooled && body_length_ <= HttpServer::Impl::kPooledBodyMax) body.reserve(body_length_);
      body_received_ = std::min<size_t>(buffer_.size(), body_length_);
      body.resize(pooled ? body_length_ : body_received_);
      net::buffer_copy(net::buffer(body.data(), body_received_), buffer_.data());
      buffer_.consume(body_received_);
      return ReadBodyChunk();
    }
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void ReadBodyChunk() {
    if (body_received_ == body_length_) return OnBody({}, 0);
    std::string& body = parser_->get().body();
    if (body.size() == body_received_) {
      body.resize(std::min<size_t>(body_length_, std::max<size_t>(2 * body_received_, 16 << 10)));
    }
    stream_.async_read_some(net::buffer(body.data() + body_received_, body.size() - body_received_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->body_received_ += n;
                              self->ReadBodyChunk();
                            });
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) return Respond(TooLarge());
    if (ec) return Close();
    auto req = parser_->release();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& h : req)
      r.headers[absl::AsciiStrToLower(std::string(h.name_string()))] = std::string(h.value());
    r.body = std::move(req.body());
    beast::error_code rec;
    auto ep = stream_.socket().remote_endpoint(rec);
    if (!rec) r.remote = absl::StrCat(ep.address().to_string(), ":", ep.port());
    keep_alive_ = req.keep_alive();
    ++server_->in_flight;
    if (!r.body.empty() && server_->options.handler_threads > 0) {
      server_->Enqueue([self = shared_from_this(), r = std::move(r)]() mutable {
        HttpResponse res = self->server_->handler(r);
        self->server_->GiveBody(std::move(r.body));
        // Back on the connection's strand to answer.
        net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
          --self->server_->in_flight;
          self->Answer(std::move(res));
        });
      });
      return;
    }
    HttpResponse res = server_->handler(r);
    --server_->in_flight;
    server_->GiveBody(std::move(r.body));
    Answer(std::move(res));
  }

  void Answer(HttpResponse res) {
    if (server_->stopping) res.close = true;
    Respond(std::move(res));
  }

  void Respond(HttpResponse res) {
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(res.status));
    for (auto& [k, v] : res.headers) out->set(k, v);
    out->body() = std::move(res.body);
    out->keep_alive(keep_alive_ && !res.close);
    out->prepare_payload();
    if (res.status == 204 || res.status == 304) out->content_length(boost::none);
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out](beast::error_code ec, size_t) {
                        if (ec || !out->keep_alive()) return self->Close();
                        self->ReadHeader();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl* server_;
  bool keep_alive_ = true;
  size_t body_length_ = 0, body_received_ = 0;  // a body of known length being read
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (!ec) {
      // This connection and every other one waiting now: each async accept
      // is a trip through the io_context's queue, behind the handlers of
      // other requests (several ms each under load), so accepting one per
      // trip left the 64th of a burst of connections waiting ~0.6 s while
      // the first ones had many requests served. The non-blocking accept
      // fails with would_block when none waits; another error is met by
      // the next async accept.
      beast::error_code aec;
      do {
        std::make_shared<Session>(std::move(socket), this)->Run();
        socket = acceptor.accept(net::make_strand(ioc), aec);
      } while (!aec && !stopping);
    } else if (ec == net::error::no_descriptors) {
      // Out of file descriptors: back off briefly instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Accept();
  });
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              HttpHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  beast::error_code ec;
  auto address = net::ip::make_address(options.host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad address ", options.host));
  tcp::endpoint ep(address, options.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(4096, ec);
  if (!ec) impl->acceptor.non_blocking(true, ec);  // Accept takes all waiting ones at once
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.host, ":", options.port, ": ", ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->Accept();
  for (int i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([p = impl.get()] { p->ioc.run(); });
  }
  for (int i = 0; i < options.handler_threads; ++i) {
    impl->handler_threads.emplace_back([p = impl.get()] { p->RunJobs(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (impl_->threads.empty()) return;
  impl_->stopping = true;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  // Let requests in flight finish, then stop the loop.
  for (int i = 0; i < 500 && impl_->in_flight > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  {
    absl::MutexLock l(&impl_->jobs_mu);
    impl_->jobs_stop = true;
  }
  for (auto& t : impl_->handler_threads) t.join();
  impl_->handler_threads.clear();
}

}  // namespace lux::luxd
