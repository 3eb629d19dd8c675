// File: rejected.cc
// clang-format off
#include <utility>  // first: Boost.Asio 1.74's awaitable.hpp uses std::exchange unincluded
// clang-format on
#include "tools/luxctl/rejected.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lux::luxctl {
namespace {

// A parsed JSON value. Numbers keep their text (the store's ns times need
// all 64 bits).
struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;               // kNumber, kString
  std::vector<std::string> keys;  // kObject: keys[i] names items[i]
  std::vector<Json> items;        // kArray, kObject

  const Json* Member(absl::string_view key) const {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &items[i];
    }
    return nullptr;
  }
};

class JsonParser {
 public:
  explicit JsonParser(absl::string_view in) : in_(in) {}

  bool ParseDocument(Json* out) {
    if (!ParseValue(out, 0)) return false;
    SkipSpace();
    return pos_ == in_.size();
  }

 private:
  static constexpr int kMaxDepth = 64;

  void SkipSpace() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < in_.size() && in_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Literal(absl::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool ParseValue(Json* out, int depth) {
    if (depth > kMaxDepth) return false;
    SkipSpace();
    if (pos_ >= in_.size()) return false;
    const char c = in_[pos_];
    if (c == '{') {
      ++pos_;
      out->kind = Json::Kind::kObject;
      if (Consume('}')) return true;
      do {
        SkipSpace();
        std::string key;
        if (!ParseString(&key) || !Consume(':')) return false;
        out->keys.push_back(std::move(key));
        out->items.emplace_back();
        if (!ParseValue(&out->items.back(), depth + 1)) return false;
      } while (Consume(','));
      return Consume('}');
    }
    if (c == '[') {
      ++pos_;
      out->kind = Json::Kind::kArray;
      if (Consume(']')) return true;
      do {
        out->items.emplace_back();
        if (!ParseValue(&out->items.back(), depth + 1)) return false;
      } while (Consume(','));
      return Consume(']');
    }
    if (c == '"') {
      out->kind = Json::Kind::kString;
      return ParseString(&out->text);
    }
    if (Literal("true") || Literal("false")) {
      out->kind = Json::Kind::kBool;
      out->boolean = c == 't';
      return true;
    }
    if (Literal("null")) return true;
    const size_t begin = pos_;
    while (pos_ < in_.size() &&
           (std::isdigit(static_cast<unsigned char>(in_[pos_])) ||
            absl::string_view("+-.eE").find(in_[pos_]) != absl::string_view::npos)) {
      ++pos_;
    }
    if (pos_ == begin) return false;
    out->kind = Json::Kind::kNumber;
    out->text = std::string(in_.substr(begin, pos_ - begin));
    return true;
  }

  bool Hex4(uint32_t* v) {
    if (pos_ + 4 > in_.size()) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = in_[pos_++];
      *v <<= 4;
      if (h >= '0' && h <= '9') {
        *v |= uint32_t(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        *v |= uint32_t(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        *v |= uint32_t(h - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(char(cp));
    } else if (cp < 0x800) {
      out->push_back(char(0xC0 | (cp >> 6)));
      out->push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(char(0xE0 | (cp >> 12)));
      out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(char(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(char(0xF0 | (cp >> 18)));
      out->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(char(0x80 | (cp & 0x3F)));
    }
  }

  // At a '"': reads the string literal into *out, escapes decoded.
  bool ParseString(std::string* out) {
    if (pos_ >= in_.size() || in_[pos_] != '"') return false;
    ++pos_;
    while (pos_ < in_.size()) {
      const char c = in_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= in_.size()) return false;
      const char e = in_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && in_.substr(pos_, 2) == "\\u") {
            const size_t save = pos_;
            pos_ += 2;
            uint32_t low = 0;
            if (Hex4(&low) && low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  absl::string_view in_;
  size_t pos_ = 0;
};

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("unexpected /debug/rejected answer: ", why));
}

bool GetString(const Json& obj, absl::string_view key, std::string* out) {
  const Json* v = obj.Member(key);
  if (v == nullptr || v->kind != Json::Kind::kString) return false;
  *out = v->text;
  return true;
}

template <typename Int>
bool GetInt(const Json& obj, absl::string_view key, Int* out) {
  const Json* v = obj.Member(key);
  return v != nullptr && v->kind == Json::Kind::kNumber && absl::SimpleAtoi(v->text, out);
}

}  // namespace

absl::StatusOr<RejectedList> ParseRejectedJson(absl::string_view body) {
  Json doc;
  if (!JsonParser(body).ParseDocument(&doc)) return Malformed("not JSON");
  if (doc.kind != Json::Kind::kObject) return Malformed("not a JSON object");
  RejectedList out;
  if (!GetInt(doc, "total", &out.total)) return Malformed("no \"total\"");
  const Json* rows = doc.Member("rejected");
  if (rows == nullptr || rows->kind != Json::Kind::kArray)
    return Malformed("no \"rejected\" array");
  for (const Json& row : rows->items) {
    RejectedLine l;
    if (row.kind != Json::Kind::kObject || !GetInt(row, "time", &l.time_ns) ||
        !GetString(row, "source", &l.source) || !GetString(row, "db", &l.db) ||
        !GetString(row, "rp", &l.rp) || !GetInt(row, "line_number", &l.line_number) ||
        !GetString(row, "line", &l.line) || !GetString(row, "reason", &l.reason)) {
      return Malformed("a rejected line lacks time, source, db, rp, line_number, line or reason");
    }
    out.lines.push_back(std::move(l));
  }
  return out;
}

absl::StatusOr<HttpResponse> HttpGet(const std::string& host_port, const std::string& target,
                                     const std::string& authorization, absl::Duration timeout) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --http-addr \"", host_port, "\" (HOST:PORT)"));
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = host_port.substr(colon + 1);

  asio::io_context ioc;
  asio::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, host_port);
  req.set(http::field::user_agent, "luxctl");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 30);
  const auto expiry = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  beast::error_code error;
  const char* stage = "resolving";

  // One chain of asynchronous steps, so that the stream's expiry bounds each.
  resolver.async_resolve(host, port, [&](beast::error_code ec, auto results) {
    if (ec) {
      error = ec;
      return;
    }
    stage = "connecting to";
    stream.expires_at(expiry);
    stream.async_connect(results, [&](beast::error_code ec, auto) {
      if (ec) {
        error = ec;
        return;
      }
      stage = "sending to";
      http::async_write(stream, req, [&](beast::error_code ec, size_t) {
        if (ec) {
          error = ec;
          return;
        }
        stage = "reading from";
        http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) { error = ec; });
      });
    });
  });
  ioc.run_until(expiry);  // the resolver has no expiry of its own
  if (!ioc.stopped() && !error) error = asio::error::timed_out;
  if (error) {
    return absl::UnavailableError(
        absl::StrCat(stage, " http://", host_port, ": ", error.message()));
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  HttpResponse out;
  out.status = int(parser.get().result_int());
  out.body = std::move(parser.get().body());
  return out;
}

}  // namespace lux::luxctl
