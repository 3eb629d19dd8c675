// File: config.cc
#include "server/luxd/config.h"

#include <toml++/toml.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lux::luxd {

bool SplitHostPort(const std::string& addr, std::string* host, uint16_t* port) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  uint32_t p;
  if (!absl::SimpleAtoi(addr.substr(colon + 1), &p) || p > 65535) return false;
  *host = addr.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  *port = uint16_t(p);
  return !host->empty();
}

absl::Status Config::Validate() const {
  std::string host;
  uint16_t port;
  if (!SplitHostPort(http_addr, &host, &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_addr \"", http_addr, "\" is not HOST:PORT"));
  }
  if (!SplitHostPort(grpc_addr, &host, &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc_addr \"", grpc_addr, "\" is not HOST:PORT"));
  }
  if (batch_id_window_s < 0) return absl::InvalidArgumentError("batch_id_window_s must be >= 0");
  if (grpc_tls_cert.empty() != grpc_tls_key.empty()) {
    return absl::InvalidArgumentError("grpc_tls_cert and grpc_tls_key go together");
  }
  if (data_dir.empty()) return absl::InvalidArgumentError("data_dir is empty");
  if (log_level != "debug" && log_level != "info" && log_level != "warn" && log_level != "error") {
    return absl::InvalidArgumentError(
        absl::StrCat("log_level \"", log_level, "\" is not debug, info, warn or error"));
  }
  if (max_body_bytes == 0) return absl::InvalidArgumentError("max_body_bytes must be positive");
  if (idle_timeout_s <= 0) return absl::InvalidArgumentError("idle_timeout_s must be positive");
  if (http_threads <= 0) return absl::InvalidArgumentError("http_threads must be positive");
  if (max_concurrent_writes < 0 || max_enqueued_writes < 0 || enqueued_write_timeout_ms <= 0) {
    return absl::InvalidArgumentError(
        "max_concurrent_writes and max_enqueued_writes must be >= 0, "
        "enqueued_write_timeout_ms positive");
  }
  for (size_t i = 0; i < users.size(); ++i) {
    if (users[i].name.empty() || users[i].password.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("users[", i, "] needs a name and a password"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (users[j].name == users[i].name) {
        return absl::InvalidArgumentError(
            absl::StrCat("user \"", users[i].name, "\" is defined twice"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status LoadTomlConfig(const std::string& path, Config* config) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", e.source().begin.line, ": ", std::string(e.description())));
  }
  for (const auto& [key, node] : t) {
    const std::string k(key.str());
    auto bad = [&](const char* want) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", k, " must be ", want));
    };
    if (k == "data_dir" || k == "http_addr" || k == "grpc_addr" || k == "log_level" ||
        k == "grpc_tls_cert" || k == "grpc_tls_key") {
      auto v = node.value<std::string>();
      if (!v) return bad("a string");
      (k == "data_dir"        ? config->data_dir
       : k == "http_addr"     ? config->http_addr
       : k == "grpc_addr"     ? config->grpc_addr
       : k == "grpc_tls_cert" ? config->grpc_tls_cert
       : k == "grpc_tls_key"  ? config->grpc_tls_key
                              : config->log_level) = *v;
    } else if (k == "max_body_bytes" || k == "rejected_capacity" ||
               k == "max_subscriber_queue_points" || k == "max_subscription_backlog_points") {
      auto v = node.value<int64_t>();
      if (!v || *v <= 0) return bad("a positive integer");
      (k == "max_body_bytes"                ? config->max_body_bytes
       : k == "rejected_capacity"           ? config->rejected_capacity
       : k == "max_subscriber_queue_points" ? config->max_subscriber_queue_points
                                            : config->max_subscription_backlog_points) = size_t(*v);
    } else if (k == "idle_timeout_s" || k == "http_threads" || k == "enqueued_write_timeout_ms" ||
               k == "stuck_subscriber_grace_s" || k == "testing_subscription_dispatch_delay_ms") {
      auto v = node.value<int64_t>();
      if (!v || *v <= 0 || *v > 1'000'000'000) return bad("a positive integer");
      (k == "idle_timeout_s"              ? config->idle_timeout_s
       : k == "http_threads"              ? config->http_threads
       : k == "enqueued_write_timeout_ms" ? config->enqueued_write_timeout_ms
       : k == "stuck_subscriber_grace_s"  ? config->stuck_subscriber_grace_s
                                          : config->testing_subscription_dispatch_delay_ms) =
          int(*v);
    } else if (k == "max_concurrent_writes" || k == "max_enqueued_writes" ||
               k == "batch_id_window_s" || k == "cold_partition_age_s" ||
               k == "http_handler_threads") {
      auto v = node.value<int64_t>();
      if (!v || *v < 0 || *v > 1'000'000'000) return bad("an integer >= 0");
      (k == "max_concurrent_writes"  ? config->max_concurrent_writes
       : k == "max_enqueued_writes"  ? config->max_enqueued_writes
       : k == "batch_id_window_s"    ? config->batch_id_window_s
       : k == "http_handler_threads" ? config->http_handler_threads
                                     : config->cold_partition_age_s) = int(*v);
    } else if (k == "create_database_on_write" || k == "sync" || k == "auth_enabled" ||
               k == "entropy_coding") {
      auto v = node.value<bool>();
      if (!v) return bad("true or false");
      (k == "sync"             ? config->sync
       : k == "auth_enabled"   ? config->auth_enabled
       : k == "entropy_coding" ? config->entropy_coding
                               : config->create_database_on_write) = *v;
    } else if (k == "users") {
      const toml::array* users = node.as_array();
      if (users == nullptr) return bad("an array of [[users]] tables");
      for (const auto& entry : *users) {
        const toml::table* u = entry.as_table();
        if (u == nullptr) return bad("an array of [[users]] tables");
        User user;
        for (const auto& [ukey, unode] : *u) {
          const std::string uk(ukey.str());
          auto ubad = [&](const char* want) {
            return absl::InvalidArgumentError(
                absl::StrCat(path, ": users[", config->users.size(), "].", uk, " must be ", want));
          };
          if (uk == "name" || uk == "password") {
            auto v = unode.value<std::string>();
            if (!v) return ubad("a string");
            (uk == "name" ? user.name : user.password) = *v;
          } else if (uk == "admin") {
            auto v = unode.value<bool>();
            if (!v) return ubad("true or false");
            user.admin = *v;
          } else if (uk == "read" || uk == "write") {
            const toml::array* dbs = unode.as_array();
            if (dbs == nullptr) return ubad("an array of database names");
            for (const auto& d : *dbs) {
              auto v = d.value<std::string>();
              if (!v) return ubad("an array of database names");
              (uk == "read" ? user.read : user.write).insert(*v);
            }
          } else {
            return absl::InvalidArgumentError(absl::StrCat(path, ": users[", config->users.size(),
                                                           "]: unknown key \"", uk, "\""));
          }
        }
        config->users.push_back(std::move(user));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unknown key \"", k, "\""));
    }
  }
  return absl::OkStatus();
}

lux::Options Config::DbOptions() const {
  lux::Options options;
  options.sync = sync;
  options.entropy_coding = entropy_coding;
  options.cold_partition_age_ns = int64_t{cold_partition_age_s} * 1'000'000'000;
  options.batch_id_window_ns = int64_t{batch_id_window_s} * 1'000'000'000;
  return options;
}

}  // namespace lux::luxd
