#include "engine/db/tagset_index.h"

#include <memory>
#include <string>
#include <vector>

#include "engine/db/db_impl.h"
#include "gtest/gtest.h"

namespace lux::engine {
namespace {

class TagSetIndexTest : public ::testing::Test {
 protected:
  Series* NewSeries(uint64_t sid) {
    series_.push_back(std::make_unique<Series>());
    series_.back()->sid = sid;
    return series_.back().get();
  }
  void Add(std::string_view key, std::string field, uint64_t sid) {
    index_.Add(key, TagSetIndex::Hash(key),
               {std::move(field), FieldType::kFloat, sid, NewSeries(sid)});
  }
  std::vector<uint64_t> Sids(std::string_view key) const {
    std::vector<uint64_t> out;
    if (const TagSetIndex::Node* n = index_.Find(key)) {
      EXPECT_EQ(n->key(), key);
      for (const auto& f : n->fields) out.push_back(f.series->sid);
    }
    return out;
  }

  std::vector<std::unique_ptr<Series>> series_;
  TagSetIndex index_;
};

TEST_F(TagSetIndexTest, AFieldJoinsItsTagSetAndTheTagSetGoesWithItsLastField) {
  Add("a", "value", 1);
  Add("a", "quality", 2);
  Add("b", "value", 3);
  EXPECT_EQ(index_.size(), 2u);
  EXPECT_EQ(Sids("a"), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(index_.Find("a")->fields[1].field, "quality");
  EXPECT_EQ(Sids("b"), (std::vector<uint64_t>{3}));
  EXPECT_EQ(index_.Find("c"), nullptr);

  index_.Remove("a", 1);
  EXPECT_EQ(Sids("a"), (std::vector<uint64_t>{2}));
  index_.Remove("a", 7);  // no such series: nothing changes
  index_.Remove("zz", 2);
  EXPECT_EQ(Sids("a"), (std::vector<uint64_t>{2}));
  index_.Remove("a", 2);
  EXPECT_EQ(index_.Find("a"), nullptr);
  EXPECT_EQ(index_.size(), 1u);
}

TEST_F(TagSetIndexTest, KeysWithTheSameHashStayApart) {
  // Keys are compared whole, not by hash: two keys given one hash are two
  // tag sets, and a key looked up under another key's hash is not found.
  index_.Add("first", 42, {"f", FieldType::kInteger, 1, NewSeries(1)});
  index_.Add("second", 42, {"f", FieldType::kString, 2, NewSeries(2)});
  ASSERT_NE(index_.Find("first", 42), nullptr);
  ASSERT_NE(index_.Find("second", 42), nullptr);
  EXPECT_EQ(index_.Find("first", 42)->fields[0].series->sid, 1u);
  EXPECT_EQ(index_.Find("second", 42)->fields[0].type, FieldType::kString);
  EXPECT_EQ(index_.Find("third", 42), nullptr);
  EXPECT_EQ(index_.Find("first", 43), nullptr);
}

TEST_F(TagSetIndexTest, ManyTagSetsOfEveryLengthSurviveGrowth) {
  // Binary keys from empty to 1,000 bytes, through many rehashes.
  std::vector<std::string> keys;
  for (int i = 0; i < 20000; ++i) {
    std::string k(size_t(i % 1001), '\0');
    for (size_t j = 0; j < k.size(); ++j) k[j] = char((i * 31 + int(j) * 7) & 0xff);
    k += std::to_string(i);
    keys.push_back(std::move(k));
  }
  keys.push_back("");
  for (size_t i = 0; i < keys.size(); ++i) Add(keys[i], "v", i + 1);
  EXPECT_EQ(index_.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    index_.Prefetch(TagSetIndex::Hash(keys[i]));
    ASSERT_EQ(Sids(keys[i]), (std::vector<uint64_t>{i + 1})) << i;
  }
  for (size_t i = 0; i < keys.size(); i += 2) index_.Remove(keys[i], i + 1);
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(index_.Find(keys[i]) == nullptr, i % 2 == 0) << i;
  }
  index_.Clear();
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_EQ(index_.Find(keys[1]), nullptr);
}

}  // namespace
}  // namespace lux::engine
