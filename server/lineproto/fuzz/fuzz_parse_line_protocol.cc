// Parses arbitrary bytes as a request body, with options taken from the first
// byte, and checks the result's invariants.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/lineproto/line_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  lux::lineproto::ParseOptions options;
  options.precision = static_cast<lux::lineproto::Precision>(flags % 6);
  options.allow_unsigned = (flags & 0x08) != 0;
  options.default_time_ns = (flags & 0x10) ? -1'234'567'890'123 : 1'767'225'600'123'456'789;
  if (flags & 0x20) {
    options.max_line_bytes = 64;
    options.max_tags = 2;
    options.max_key_bytes = 40;
  }
  lux::lineproto::ParseResult result;
  lux::lineproto::Parse(body, options, &result);
  if (result.points.size() != result.point_lines.size()) std::abort();
  for (const lux::Point& p : result.points) {
    if (p.measurement.empty() || p.fields.empty()) std::abort();
    for (size_t i = 1; i < p.tags.size(); ++i) {
      if (p.tags[i - 1].key > p.tags[i].key) std::abort();
    }
  }
  for (const auto& e : result.errors) {
    if (e.reason.empty() || e.line_number == 0) std::abort();
    (void)lux::lineproto::FormatError(e);
  }
  return 0;
}
