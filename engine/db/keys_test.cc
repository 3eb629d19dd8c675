#include "engine/db/keys.h"

#include <limits>

#include "gtest/gtest.h"

namespace lux::engine {
namespace {

TEST(KeysTest, BlockKeysSortBySeriesThenTime) {
  const int64_t times[] = {std::numeric_limits<int64_t>::min(), -5, 0, 7,
                           std::numeric_limits<int64_t>::max()};
  std::string prev;
  for (uint64_t sid : {1u, 2u, 300u}) {
    for (int64_t t : times) {
      std::string k = BlockKey(sid, t);
      EXPECT_LT(prev, k);
      uint64_t s2;
      int64_t t2;
      ASSERT_TRUE(DecodeBlockKey(k, &s2, &t2));
      EXPECT_EQ(s2, sid);
      EXPECT_EQ(t2, t);
      prev = k;
    }
  }
  uint64_t s;
  int64_t t;
  EXPECT_FALSE(DecodeBlockKey("short", &s, &t));
}

TEST(KeysTest, SeriesKeysRoundTripAnyBytes) {
  std::vector<Tag> tags = {{"a,b=c", std::string("\0\xff", 2)}, {"zone", ""}};
  std::string k = EncodeSeriesKey("m e\"as", tags, "va lue");
  SeriesKey back;
  ASSERT_TRUE(DecodeSeriesKey(k, &back));
  EXPECT_EQ(back.measurement, "m e\"as");
  EXPECT_EQ(back.tags, tags);
  EXPECT_EQ(back.field, "va lue");
  EXPECT_FALSE(DecodeSeriesKey(k.substr(0, k.size() - 1), &back));
  EXPECT_FALSE(DecodeSeriesKey(k + "x", &back));
}

TEST(KeysTest, SeriesMapKeyFromPartsIsTheTagSetKeyWithTheField) {
  // Long names (multi-byte lengths) as well as short ones.
  const std::string long_value(300, 'v');
  SeriesKey key{"m", {{"a", long_value}, {"b", "2"}}, "temp"};
  const std::string whole = SeriesMapKey("db", "rp", key);
  EXPECT_EQ(whole, SeriesMapKey("db", "rp", EncodeSeriesKey(key.measurement, key.tags, key.field)));
  std::string lp_field;
  PutLengthPrefixed(&lp_field, key.field);
  EXPECT_EQ(whole, TagSetKey("db", "rp", key.measurement, key.tags) + lp_field);
  std::string reused = "previous contents";
  AssignTagSetKey("db", "rp", key.measurement, key.tags, &reused);
  EXPECT_EQ(reused, TagSetKey("db", "rp", key.measurement, key.tags));
  // Appended: after what the string holds.
  std::string appended = "x";
  AppendSeriesMapKey("db", "rp", key, &appended);
  AppendTagSetKey("db", "rp", key.measurement, key.tags, &appended);
  EXPECT_EQ(appended, "x" + whole + TagSetKey("db", "rp", key.measurement, key.tags));
}

TEST(KeysTest, RecordsRoundTrip) {
  RetentionPolicy rp{"week", 7 * 86400'000'000'000LL, 86400'000'000'000LL, true};
  RetentionPolicy back;
  ASSERT_TRUE(DecodeRetentionPolicy(EncodeRetentionPolicy(rp), &back));
  EXPECT_EQ(back.name, rp.name);
  EXPECT_EQ(back.duration_ns, rp.duration_ns);
  EXPECT_EQ(back.partition_ns, rp.partition_ns);
  EXPECT_TRUE(back.is_default);
  PartitionInfo p{"db", "rp", -100, 200}, pb;
  ASSERT_TRUE(DecodePartition(EncodePartition(p), &pb));
  EXPECT_EQ(pb.start_ns, -100);
  EXPECT_EQ(pb.end_ns, 200);
  uint64_t seq;
  ASSERT_TRUE(DecodeWalKey(WalKey(123456789), &seq));
  EXPECT_EQ(seq, 123456789u);
  EXPECT_LT(WalKey(255), WalKey(256));
}

}  // namespace
}  // namespace lux::engine
