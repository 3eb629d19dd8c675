// Parses arbitrary bytes as a request body, with options taken from the first
// byte, and checks the result's invariants, and that ParseBatch gives the same
// points, line numbers and errors. (Fuzz builds also check each line the
// plain-line scanner takes against the full parser: LUX_LINEPROTO_VERIFY_CUTS.)
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <variant>

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

  lux::lineproto::PointBatch batch;
  lux::lineproto::ParseBatch(body, options, &batch);
  if (batch.size() != result.points.size()) std::abort();
  for (size_t i = 0; i < batch.size(); ++i) {
    const lux::Point& want = result.points[i];
    const lux::Point got = batch.ToPoint(i);
    if (batch.line_number(i) != result.point_lines[i] || got.measurement != want.measurement ||
        got.tags != want.tags || got.timestamp_ns != want.timestamp_ns ||
        got.fields.size() != want.fields.size()) {
      std::abort();
    }
    for (size_t f = 0; f < got.fields.size(); ++f) {
      const lux::FieldValue& a = got.fields[f].value;
      const lux::FieldValue& b = want.fields[f].value;
      if (got.fields[f].key != want.fields[f].key || a.index() != b.index()) std::abort();
      // Bits, so that -0.0 and 0.0 differ.
      if (a.index() == 0 ? std::memcmp(&std::get<0>(a), &std::get<0>(b), sizeof(double)) != 0
                         : a != b) {
        std::abort();
      }
    }
  }
  const auto& errors = batch.errors();
  if (errors.size() != result.errors.size()) std::abort();
  for (size_t e = 0; e < errors.size(); ++e) {
    if (errors[e].line_number != result.errors[e].line_number ||
        errors[e].line != result.errors[e].line || errors[e].reason != result.errors[e].reason) {
      std::abort();
    }
  }
  return 0;
}
