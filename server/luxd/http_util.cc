// File: http_util.cc
#include "server/luxd/http_util.h"

#include <zlib.h>

#include <random>

#include "absl/strings/str_format.h"

namespace lux::luxd {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(char(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::string_view HttpRequest::Path() const {
  std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::map<std::string, std::string> ParseForm(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    const size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    // The first of repeated keys wins, as Go's url.Values.Get.
    out.try_emplace(UrlDecode(pair.substr(0, eq)),
                    eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1)));
  }
  return out;
}

std::map<std::string, std::string> ParseQueryString(std::string_view target) {
  const size_t qm = target.find('?');
  return ParseForm(qm == std::string_view::npos ? std::string_view() : target.substr(qm + 1));
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            out += absl::StrFormat("\\u%04x", c);
          } else {
            out.push_back(char(c));
          }
      }
      ++i;
      continue;
    }
    // Validate one UTF-8 sequence.
    int len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  out.push_back('"');
  return out;
}

GunzipResult Gunzip(std::string_view in, size_t limit, std::string* out) {
  out->clear();
  if (in.size() < 2 || static_cast<unsigned char>(in[0]) != 0x1f ||
      static_cast<unsigned char>(in[1]) != 0x8b) {
    return GunzipResult::kBadHeader;
  }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return GunzipResult::kCorrupt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = uInt(in.size());
  char buf[64 * 1024];
  GunzipResult result = GunzipResult::kOk;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = sizeof(buf) - zs.avail_out;
    if (out->size() + produced > limit) {
      result = GunzipResult::kTooLarge;
      break;
    }
    out->append(buf, produced);
    if (rc == Z_STREAM_END) {
      // Concatenated members are allowed, as Go's reader does.
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) {
        result = GunzipResult::kCorrupt;
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0 && produced == 0)) {
      result = GunzipResult::kTruncated;
      break;
    }
    if (rc != Z_OK) {
      result = rc == Z_DATA_ERROR && zs.total_out == 0 && zs.total_in < 10
                   ? GunzipResult::kBadHeader
                   : GunzipResult::kCorrupt;
      break;
    }
  }
  inflateEnd(&zs);
  return result;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const uint64_t a = rng(), b = rng();
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", uint32_t(a >> 32),
                         uint32_t(a >> 16) & 0xffff, uint32_t(a) & 0xfff,
                         (uint32_t(b >> 48) & 0x3fff) | 0x8000, b & 0xffffffffffffULL);
}

std::vector<std::pair<std::string, std::string>> FlatJsonNumbers(std::string_view json) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while ((pos = json.find('"', pos)) != std::string_view::npos) {
    const size_t end = json.find('"', pos + 1);
    if (end == std::string_view::npos) break;
    const size_t colon = json.find(':', end);
    if (colon == std::string_view::npos) break;
    const size_t stop = json.find_first_of(",}", colon);
    if (stop == std::string_view::npos) break;
    out.emplace_back(std::string(json.substr(pos + 1, end - pos - 1)),
                     std::string(json.substr(colon + 1, stop - colon - 1)));
    pos = stop;
  }
  return out;
}

}  // namespace lux::luxd
