// File: parse_test_util.h
// -----------------------------------------------------------------------------
// Tests only: checks that Parse, Parse without the plain-line scanner, and
// ParseBatch agree on a body, point for point and error for error.
#ifndef LUX_SERVER_LINEPROTO_PARSE_TEST_UTIL_H_
#define LUX_SERVER_LINEPROTO_PARSE_TEST_UTIL_H_

#include <cstring>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "server/lineproto/line_parser.h"
#include "server/lineproto/line_protocol.h"

namespace lux::lineproto::testing {

// Field values compared by bits, so -0.0 and 0.0 differ.
inline bool SameValue(const FieldValue& a, const FieldValue& b) {
  if (a.index() != b.index()) return false;
  if (const double* x = std::get_if<double>(&a)) {
    return std::memcmp(x, &std::get<double>(b), sizeof(double)) == 0;
  }
  return a == b;
}

inline ::testing::AssertionResult SamePoint(const Point& a, const Point& b) {
  if (a.measurement != b.measurement) {
    return ::testing::AssertionFailure()
           << "measurement " << a.measurement << " vs " << b.measurement;
  }
  if (a.tags != b.tags) return ::testing::AssertionFailure() << "tags differ";
  if (a.timestamp_ns != b.timestamp_ns) {
    return ::testing::AssertionFailure() << "time " << a.timestamp_ns << " vs " << b.timestamp_ns;
  }
  if (a.fields.size() != b.fields.size()) return ::testing::AssertionFailure() << "field count";
  for (size_t f = 0; f < a.fields.size(); ++f) {
    if (a.fields[f].key != b.fields[f].key || !SameValue(a.fields[f].value, b.fields[f].value)) {
      return ::testing::AssertionFailure() << "field " << f << " (" << a.fields[f].key << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

inline void ExpectSameErrors(const std::vector<LineError>& a, const std::vector<LineError>& b,
                             std::string_view body) {
  ASSERT_EQ(a.size(), b.size()) << body;
  for (size_t e = 0; e < a.size(); ++e) {
    EXPECT_EQ(a[e].line_number, b[e].line_number) << body;
    EXPECT_EQ(a[e].line, b[e].line) << body;
    EXPECT_EQ(a[e].reason, b[e].reason) << body;
  }
}

// `parsed` is Parse(body, options). Parses `body` again without the plain-line
// scanner and with ParseBatch (into a batch that already holds a point), and
// expects the same points, line numbers and errors.
inline void ExpectPathsAgree(std::string_view body, const ParseOptions& options,
                             const ParseResult& parsed) {
  ParseResult full;
  internal::TEST_SetPlainScanEnabled(false);
  Parse(body, options, &full);
  internal::TEST_SetPlainScanEnabled(true);
  ASSERT_EQ(parsed.points.size(), full.points.size()) << body;
  EXPECT_EQ(parsed.point_lines, full.point_lines) << body;
  for (size_t i = 0; i < parsed.points.size(); ++i) {
    EXPECT_TRUE(SamePoint(parsed.points[i], full.points[i])) << "point " << i << " of " << body;
  }
  ExpectSameErrors(parsed.errors, full.errors, body);

  PointBatch batch;
  ParseBatch("prefix,t=v f=1 1", ParseOptions{}, &batch);
  ASSERT_EQ(batch.size(), 1u);
  ParseBatch(body, options, &batch);
  ASSERT_EQ(batch.size(), 1 + parsed.points.size()) << body;
  for (size_t i = 0; i < parsed.points.size(); ++i) {
    EXPECT_TRUE(SamePoint(batch.ToPoint(i + 1), parsed.points[i]))
        << "point " << i << " of " << body;
    EXPECT_EQ(batch.line_number(i + 1), parsed.point_lines[i]) << body;
  }
  ExpectSameErrors(batch.errors(), parsed.errors, body);
}

}  // namespace lux::lineproto::testing

#endif  // LUX_SERVER_LINEPROTO_PARSE_TEST_UTIL_H_
