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
  if (data_dir.empty()) return absl::InvalidArgumentError("data_dir is empty");
  if (log_level != "debug" && log_level != "info" && log_level != "warn" && log_level != "error") {
    return absl::InvalidArgumentError(
        absl::StrCat("log_level \"", log_level, "\" is not debug, info, warn or error"));
  }
  if (max_body_bytes == 0) return absl::InvalidArgumentError("max_body_bytes must be positive");
  if (idle_timeout_s <= 0) return absl::InvalidArgumentError("idle_timeout_s must be positive");
  if (http_threads <= 0) return absl::InvalidArgumentError("http_threads must be positive");
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
    if (k == "data_dir" || k == "http_addr" || k == "log_level") {
      auto v = node.value<std::string>();
      if (!v) return bad("a string");
      (k == "data_dir"    ? config->data_dir
       : k == "http_addr" ? config->http_addr
                          : config->log_level) = *v;
    } else if (k == "max_body_bytes" || k == "rejected_capacity") {
      auto v = node.value<int64_t>();
      if (!v || *v <= 0) return bad("a positive integer");
      (k == "max_body_bytes" ? config->max_body_bytes : config->rejected_capacity) = size_t(*v);
    } else if (k == "idle_timeout_s" || k == "http_threads") {
      auto v = node.value<int64_t>();
      if (!v || *v <= 0 || *v > 1'000'000) return bad("a positive integer");
      (k == "idle_timeout_s" ? config->idle_timeout_s : config->http_threads) = int(*v);
    } else if (k == "create_database_on_write" || k == "sync") {
      auto v = node.value<bool>();
      if (!v) return bad("true or false");
      (k == "sync" ? config->sync : config->create_database_on_write) = *v;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unknown key \"", k, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace lux::luxd
