// luxd — the Lux server: lux::DB behind InfluxDB's HTTP write API and the
// lux.v1 gRPC API.
//   luxd [--config FILE] [--data-dir DIR] [--http-addr HOST:PORT]
//        [--grpc-addr HOST:PORT] [--log-level L] ...
// SIGTERM/SIGINT: stop accepting, finish requests in flight, seal, close.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lux/db.h"
#include "server/luxd/config.h"
#include "server/luxd/grpc_service.h"
#include "server/luxd/http_server.h"
#include "server/luxd/influx_api.h"

namespace {

// One logfmt line on stderr.
// Messages below this level are not logged: 0 debug, 1 info, 2 warn, 3 error.
int min_level = 1;

int LevelOf(std::string_view level) {
  return level == "debug" ? 0 : level == "info" ? 1 : level == "warn" ? 2 : 3;
}

void Log(const char* level, const std::string& msg) {
  if (LevelOf(level) < min_level) return;
  char ts[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::fprintf(stderr, "ts=%s level=%s msg=\"%s\"\n", ts, level, msg.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's
  // deadlock detector on: every lock and unlock of every mutex updates a
  // global lock graph under one spinlock. luxd's locking is checked by
  // the sanitizer builds and Clang's thread-safety annotations instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  lux::luxd::Config config;
  CLI::App app{"luxd: the Lux time-series server (InfluxDB line protocol over HTTP)"};
  std::string config_path;
  app.add_option("--config", config_path, "TOML file with the settings below (flags win)");
  std::string data_dir, http_addr, grpc_addr, log_level, tls_cert, tls_key;
  size_t max_body = 0;
  int idle_timeout = 0;
  bool create_db = false;
  app.add_option("--data-dir", data_dir, "data directory (default ./data)");
  app.add_option("--http-addr", http_addr,
                 "HTTP listen HOST:PORT, port 0 = any (default 127.0.0.1:8086)");
  app.add_option("--grpc-addr", grpc_addr,
                 "gRPC (lux.v1) listen HOST:PORT, port 0 = any (default 127.0.0.1:8087)");
  app.add_option("--grpc-tls-cert", tls_cert, "PEM certificate chain: gRPC over TLS");
  app.add_option("--grpc-tls-key", tls_key, "PEM private key of --grpc-tls-cert");
  app.add_option("--log-level", log_level, "debug, info, warn or error (default info)");
  app.add_option("--max-body-bytes", max_body,
                 "largest request body, also after gzip (default 25000000)");
  app.add_option("--idle-timeout-s", idle_timeout,
                 "close connections idle this long (default 300)");
  app.add_flag("--create-database-on-write", create_db,
               "a write to an unknown database creates it (default: 404 as InfluxDB)");
  CLI11_PARSE(app, argc, argv);
  if (!config_path.empty()) {
    if (auto s = lux::luxd::LoadTomlConfig(config_path, &config); !s.ok()) {
      Log("error", std::string(s.message()));
      return 2;
    }
  }
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (!http_addr.empty()) config.http_addr = http_addr;
  if (!grpc_addr.empty()) config.grpc_addr = grpc_addr;
  if (!tls_cert.empty()) config.grpc_tls_cert = tls_cert;
  if (!tls_key.empty()) config.grpc_tls_key = tls_key;
  if (!log_level.empty()) config.log_level = log_level;
  if (max_body != 0) config.max_body_bytes = max_body;
  if (idle_timeout != 0) config.idle_timeout_s = idle_timeout;
  if (create_db) config.create_database_on_write = true;
  if (auto s = config.Validate(); !s.ok()) {
    Log("error", std::string(s.message()));
    return 2;
  }
  min_level = LevelOf(config.log_level);

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Every write request allocates and frees buffers of hundreds of KB (the
  // body, its columns, the log record). glibc's defaults hand such memory
  // back to the kernel and fault it in again (zeroed) on the next request:
  // a quarter of the server's page faults under http_ingest. Keep up to
  // 64 MiB free per arena and serve blocks below 32 MiB from the arenas.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);

  // Thousands of concurrent connections need as many descriptors as allowed.
  rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }

  auto db = lux::DB::Open(config.DbOptions(), config.data_dir);
  if (!db.ok()) {
    Log("error", absl::StrCat("opening ", config.data_dir, ": ", db.status().message()));
    return 1;
  }
  lux::luxd::InfluxApi api(db->get(), config);
  lux::luxd::HttpServerOptions http;
  lux::luxd::SplitHostPort(config.http_addr, &http.host, &http.port);
  http.threads = config.http_threads;
  http.handler_threads = config.http_handler_threads;
  http.idle_timeout_s = config.idle_timeout_s;
  http.max_body_bytes = config.max_body_bytes;
  auto server = lux::luxd::HttpServer::Start(
      http, [&api](const lux::luxd::HttpRequest& r) { return api.Handle(r); });
  if (!server.ok()) {
    Log("error", std::string(server.status().message()));
    return 1;
  }
  // gRPC: lux.v1.Lux, the standard health service and server reflection.
  lux::luxd::LuxServiceOptions service_options;
  service_options.max_subscriber_queue_points = config.max_subscriber_queue_points;
  service_options.max_subscription_backlog_points = config.max_subscription_backlog_points;
  service_options.stuck_write_grace = absl::Seconds(config.stuck_subscriber_grace_s);
  service_options.testing_subscription_dispatch_delay =
      absl::Milliseconds(config.testing_subscription_dispatch_delay_ms);
  service_options.rejected = &api.rejected();
  lux::luxd::LuxService lux_service(db->get(), service_options);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (!config.grpc_tls_cert.empty()) {
    auto read = [](const std::string& path, std::string* out) {
      std::ifstream in(path, std::ios::binary);
      if (!in) return false;
      out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      return true;
    };
    grpc::SslServerCredentialsOptions ssl;
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    if (!read(config.grpc_tls_cert, &pair.cert_chain) ||
        !read(config.grpc_tls_key, &pair.private_key)) {
      Log("error", absl::StrCat("cannot read ", config.grpc_tls_cert, " or ", config.grpc_tls_key));
      return 2;
    }
    ssl.pem_key_cert_pairs.push_back(std::move(pair));
    creds = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort(config.grpc_addr, creds, &grpc_port);
  builder.RegisterService(&lux_service);
  lux_service.AddCompletionQueues(&builder);
  builder.SetMaxReceiveMessageSize(64 << 20);
  // Keepalive pings find clients that vanished without closing (a stream
  // whose reader is gone would otherwise wait on its write forever).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr || grpc_port == 0) {
    Log("error", absl::StrCat("cannot listen on ", config.grpc_addr, " (gRPC)"));
    return 1;
  }
  lux_service.Start();
  grpc_server->GetHealthCheckService()->SetServingStatus("lux.v1.Lux", true);
  std::string grpc_host;
  uint16_t unused_port;
  lux::luxd::SplitHostPort(config.grpc_addr, &grpc_host, &unused_port);

  // The first line on stdout says where luxd listens (tests read it).
  std::printf("luxd listening on http://%s:%u grpc=%s:%d data=%s\n", http.host.c_str(),
              (*server)->port(), grpc_host.c_str(), grpc_port, config.data_dir.c_str());
  std::fflush(stdout);
  Log("info", absl::StrCat("listening on ", http.host, ":", (*server)->port()));

  int sig = 0;
  sigwait(&signals, &sig);
  Log("info", absl::StrCat("signal ", sig, ": stopping"));
  (*server)->Stop();
  grpc_server->GetHealthCheckService()->SetServingStatus(false);
  lux_service.BeginShutdown();
  grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  lux_service.Shutdown();
  if (auto s = (*db)->Close(); !s.ok()) {
    Log("error", absl::StrCat("closing: ", s.message()));
    return 1;
  }
  Log("info", "stopped");
  return 0;
}
