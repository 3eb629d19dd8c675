#include "server/luxd/http_util.h"

#include <zlib.h>

#include "gtest/gtest.h"
#include "server/luxd/gzip_for_tests.h"

namespace lux::luxd {
namespace {

using testing::Gzip;

TEST(HttpUtilTest, QueryStringsDecode) {
  auto q = ParseQueryString("/write?db=my%20db&rp=&precision=s&u=a+b&db=second");
  EXPECT_EQ(q["db"], "my db") << "the first of repeated keys wins, as in Go";
  EXPECT_EQ(q["rp"], "");
  EXPECT_EQ(q["precision"], "s");
  EXPECT_EQ(q["u"], "a b");
  EXPECT_TRUE(ParseQueryString("/ping").empty());
}

TEST(HttpUtilTest, JsonStringsEscapeAndReplaceInvalidUtf8) {
  EXPECT_EQ(JsonString("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
  EXPECT_EQ(JsonString("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(JsonString("\xff"
                       "x"),
            "\"\xEF\xBF\xBDx\"");
}

TEST(HttpUtilTest, FlatJsonNumbers) {
  EXPECT_EQ(
      FlatJsonNumbers("{\"series\":3,\"wal_bytes\":1024}"),
      (std::vector<std::pair<std::string, std::string>>{{"series", "3"}, {"wal_bytes", "1024"}}));
  EXPECT_TRUE(FlatJsonNumbers("{}").empty());
  EXPECT_TRUE(FlatJsonNumbers("{\"broken").empty());
}

TEST(HttpUtilTest, GunzipLimitsAndErrors) {
  const std::string text(100000, 'x');
  const std::string gz = Gzip(text);
  std::string out;
  EXPECT_EQ(Gunzip(gz, 1 << 20, &out), GunzipResult::kOk);
  EXPECT_EQ(out, text);
  EXPECT_EQ(Gunzip(gz, 1000, &out), GunzipResult::kTooLarge) << "limit applies to the output";
  EXPECT_EQ(Gunzip("plain text", 1000, &out), GunzipResult::kBadHeader);
  EXPECT_EQ(Gunzip(gz.substr(0, gz.size() / 2), 1 << 20, &out), GunzipResult::kTruncated);
}

TEST(HttpUtilTest, RequestIdsLookLikeUuids) {
  const std::string a = NewRequestId(), b = NewRequestId();
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace lux::luxd
