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
  const std::string whole =
      SeriesMapKey("db", "rp", EncodeSeriesKey(key.measurement, key.tags, key.field));
  std::string lp_field;
  PutLengthPrefixed(&lp_field, key.field);
  EXPECT_EQ(whole, TagSetKey("db", "rp", key.measurement, key.tags) + lp_field);
  std::string reused = "previous contents";
  AssignTagSetKey("db", "rp", key.measurement, key.tags, &reused);
  EXPECT_EQ(reused, TagSetKey("db", "rp", key.measurement, key.tags));
  // Appended: after what the string holds.
  std::string appended = "x";
  AppendTagSetKey("db", "rp", key.measurement, key.tags, &appended);
  EXPECT_EQ(appended, "x" + TagSetKey("db", "rp", key.measurement, key.tags));
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

// The index record of one write's new series (persisted: these bytes are
// the format): ids rising from the key's, each series key sharing what it
// can with the one before.
TEST(KeysTest, SeriesGroupGoldenBytesAndRoundTrip) {
  SeriesGroupWriter w;
  w.Add(7, FieldType::kFloat, SeriesKey{"m", {{"a", "1"}}, "v"});
  w.Add(8, FieldType::kInteger, SeriesKey{"m", {{"a", "1"}}, "q"});
  const std::string value = w.Finish();
  EXPECT_EQ(value, std::string("\x02"  // count
                               "\x00\x01\x00\x09\x01m\x01\x01"
                               "a\x01"
                               "1\x01v"              // sid 7 + 0
                               "\x01\x02\x08\x01q",  // sid 7 + 1
                               19));
  EXPECT_EQ(w.first_sid(), 7u);
  SeriesGroupReader r(7, value);
  uint64_t sid;
  FieldType type;
  std::string_view key;
  ASSERT_TRUE(r.Next(&sid, &type, &key));
  EXPECT_EQ(sid, 7u);
  EXPECT_EQ(type, FieldType::kFloat);
  EXPECT_EQ(key, EncodeSeriesKey("m", {{"a", "1"}}, "v"));
  ASSERT_TRUE(r.Next(&sid, &type, &key));
  EXPECT_EQ(sid, 8u);
  EXPECT_EQ(type, FieldType::kInteger);
  EXPECT_EQ(key, EncodeSeriesKey("m", {{"a", "1"}}, "q"));
  EXPECT_FALSE(r.Next(&sid, &type, &key));
  EXPECT_TRUE(r.ok());

  std::string db, rp;
  uint64_t first = 0;
  const std::string k = SeriesGroupKey("farm", "autogen", 7, 42);
  ASSERT_TRUE(DecodeSeriesGroupKey(k, &db, &rp, &first));
  EXPECT_EQ(db, "farm");
  EXPECT_EQ(rp, "autogen");
  EXPECT_EQ(first, 7u);
  EXPECT_FALSE(DecodeSeriesGroupKey(k.substr(0, k.size() - 1), &db, &rp, &first));
  EXPECT_FALSE(DecodeSeriesGroupKey(SeriesBySidKey(7), &db, &rp, &first));
}

TEST(KeysTest, DamagedSeriesGroupsAreRefused) {
  SeriesGroupWriter w;
  for (uint64_t sid = 100; sid < 400; sid += 3) {
    w.Add(sid, FieldType::kFloat, SeriesKey{"env", {{"sensor", std::to_string(sid)}}, "temp"});
  }
  const std::string value = w.Finish();
  auto read = [](std::string_view v) {
    SeriesGroupReader r(100, v);
    uint64_t sid;
    FieldType type;
    std::string_view key;
    size_t n = 0;
    while (r.Next(&sid, &type, &key)) ++n;
    return std::make_pair(n, r.ok());
  };
  EXPECT_EQ(read(value), std::make_pair(size_t{100}, true));
  for (size_t cut = 0; cut < value.size(); ++cut) {
    EXPECT_FALSE(read(value.substr(0, cut)).second) << "cut at " << cut;
  }
  EXPECT_FALSE(read(value + "x").second) << "bytes after the last entry";
  // A shared length beyond the previous key, a repeated id, a bad type.
  EXPECT_FALSE(read(std::string("\x01\x00\x01\x05\x01z", 6)).second);
  EXPECT_FALSE(read(std::string("\x02\x00\x01\x00\x01z\x00\x01\x00\x01y", 11)).second);
  EXPECT_FALSE(read(std::string("\x01\x00\x09\x00\x01z", 6)).second);
  EXPECT_FALSE(read(std::string("\x00", 1)).second) << "an empty group is never written";
  // Any one flipped bit: read or refused, never past the buffer (ASan).
  for (size_t i = 0; i < value.size(); ++i) {
    std::string bad = value;
    bad[i] ^= static_cast<char>(1 << (i % 8));
    (void)read(bad);
  }
}

TEST(KeysTest, GroupPrefixesSeparateDatabasesAndPolicies) {
  const std::string rp = "autogen";
  const std::string farm = SeriesGroupPrefix("farm", nullptr);
  const std::string farm_rp = SeriesGroupPrefix("farm", &rp);
  // Length-prefixed: "farm" is no prefix of "farm2"'s keys.
  EXPECT_TRUE(SeriesGroupKey("farm", "autogen", 1, 1).starts_with(farm_rp));
  EXPECT_TRUE(SeriesGroupKey("farm", "week", 1, 1).starts_with(farm));
  EXPECT_FALSE(SeriesGroupKey("farm", "week", 1, 1).starts_with(farm_rp));
  EXPECT_FALSE(SeriesGroupKey("farm2", "autogen", 1, 1).starts_with(farm));
  const std::string end = PrefixSuccessor(farm);
  EXPECT_LT(SeriesGroupKey("farm", "\xff\xff", ~uint64_t{0}, ~uint64_t{0}), end);
  EXPECT_GE(SeriesGroupKey("farm2", "autogen", 0, 0), end);
  EXPECT_GE(SeriesGroupKey("farn", "autogen", 0, 0), end);
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff", 1)), "");
}

}  // namespace
}  // namespace lux::engine
