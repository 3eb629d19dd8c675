// File: http_util.h
// -----------------------------------------------------------------------------
// Transport-free HTTP types for luxd's handlers, and helpers: query strings,
// JSON strings, gzip with a size limit, request ids.
#ifndef LUX_SERVER_LUXD_HTTP_UTIL_H_
#define LUX_SERVER_LUXD_HTTP_UTIL_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lux::luxd {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query string
  // Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string remote;  // peer address, for the rejected-lines log

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
  std::string_view Path() const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;  // close the connection after this response

  void Set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// Decoded query parameters of a target ("/write?db=x&p=%20"), the first of
// repeated keys winning (as InfluxDB, through Go's url.Values.Get); `+` is a
// space.
std::map<std::string, std::string> ParseQueryString(std::string_view target_or_query);

// Form-encoded POST body parameters (application/x-www-form-urlencoded).
std::map<std::string, std::string> ParseForm(std::string_view body);

// A JSON string literal (with quotes). Invalid UTF-8 becomes U+FFFD, as Go's
// encoder (and so InfluxDB) writes it.
std::string JsonString(std::string_view s);

enum class GunzipResult { kOk, kBadHeader, kTruncated, kTooLarge, kCorrupt };
// Decompresses a gzip stream into *out, at most `limit` bytes.
GunzipResult Gunzip(std::string_view in, size_t limit, std::string* out);

// The (key, number text) pairs of a flat JSON object of numbers, such as
// lux::DB's "lux.stats".
std::vector<std::pair<std::string, std::string>> FlatJsonNumbers(std::string_view json);

// A random UUID (version 4) in the usual 8-4-4-4-12 form.
std::string NewRequestId();

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_HTTP_UTIL_H_
