// File: keys.cc
#include "engine/db/keys.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "engine/common/status_macros.h"
#include "engine/common/varint.h"

namespace lux::engine {
namespace {

void PutBigEndian64(std::string* dst, uint64_t v) {
  for (int i = 7; i >= 0; --i) dst->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string WithKind(char kind) { return std::string(1, kind); }

size_t PrefixedBytes(std::string_view s) { return VarintSize(s.size()) + s.size(); }

size_t TagsBytes(std::span<const Tag> tags) {
  size_t n = VarintSize(tags.size());
  for (const Tag& t : tags) n += PrefixedBytes(t.key) + PrefixedBytes(t.value);
  return n;
}

// varint(#tags) (lp(key) lp(value))*.
void WriteTags(std::span<const Tag> tags, PointerWriter* w) {
  w->Varint(tags.size());
  for (const Tag& t : tags) {
    w->LengthPrefixed(t.key);
    w->LengthPrefixed(t.value);
  }
}

// lp(db) lp(rp) lp(measurement) varint(#tags) (lp(key) lp(value))*, and its size.
size_t TagSetKeyBytes(std::string_view db, std::string_view rp, std::string_view measurement,
                      std::span<const Tag> tags) {
  return PrefixedBytes(db) + PrefixedBytes(rp) + PrefixedBytes(measurement) + TagsBytes(tags);
}
void WriteTagSetKey(std::string_view db, std::string_view rp, std::string_view measurement,
                    std::span<const Tag> tags, PointerWriter* w) {
  w->LengthPrefixed(db);
  w->LengthPrefixed(rp);
  w->LengthPrefixed(measurement);
  WriteTags(tags, w);
}

// Grows *dst by `bytes` and returns a writer over them: a key is built once
// per write unit and once per new series, sized first and written in place.
PointerWriter Appended(std::string* dst, size_t bytes) {
  const size_t at = dst->size();
  dst->resize(at + bytes);
  return PointerWriter(dst->data() + at);
}

// lp(measurement) varint(#tags) (lp(key) lp(value))* lp(field), over *dst.
void AssignSeriesKey(std::string_view measurement, std::span<const Tag> sorted_tags,
                     std::string_view field, std::string* dst) {
  dst->clear();
  PointerWriter w =
      Appended(dst, PrefixedBytes(measurement) + TagsBytes(sorted_tags) + PrefixedBytes(field));
  w.LengthPrefixed(measurement);
  WriteTags(sorted_tags, &w);
  w.LengthPrefixed(field);
}

}  // namespace

const std::vector<Tag>& SharedTags::Empty() {
  static const std::vector<Tag>* empty = new std::vector<Tag>();
  return *empty;
}

void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s);
}

bool GetLengthPrefixedString(std::string_view* src, std::string* out) {
  Reader r(*src);
  std::string_view v;
  if (!r.GetLengthPrefixed(&v)) return false;
  out->assign(v);
  *src = r.rest();
  return true;
}

std::string DatabaseKey(std::string_view db) {
  std::string k = WithKind(char(MetaKind::kDatabase));
  PutLengthPrefixed(&k, db);
  return k;
}

std::string RetentionKey(std::string_view db, std::string_view rp) {
  std::string k = WithKind(char(MetaKind::kRetention));
  PutLengthPrefixed(&k, db);
  PutLengthPrefixed(&k, rp);
  return k;
}

std::string SchemaKey(std::string_view db, std::string_view measurement, std::string_view field) {
  std::string k = WithKind(char(MetaKind::kSchema));
  PutLengthPrefixed(&k, db);
  PutLengthPrefixed(&k, measurement);
  PutLengthPrefixed(&k, field);
  return k;
}

std::string PartitionKey(std::string_view cf_name) {
  std::string k = WithKind(char(MetaKind::kPartition));
  PutLengthPrefixed(&k, cf_name);
  return k;
}

std::string ColdPartitionKey(std::string_view cf_name) {
  std::string k = WithKind(char(MetaKind::kColdPartition));
  PutLengthPrefixed(&k, cf_name);
  return k;
}

std::string NextSidKey() { return WithKind(char(MetaKind::kNextSid)); }

std::string BatchKey(std::string_view batch_id) {
  std::string k = WithKind(char(MetaKind::kBatch));
  k.append(batch_id);
  return k;
}

std::string SeriesBySidKey(uint64_t sid) {
  std::string k = WithKind(char(IndexKind::kSeriesBySid));
  PutBigEndian64(&k, sid);
  return k;
}

std::string SeriesGroupPrefix(std::string_view db, const std::string* rp) {
  std::string k = WithKind(char(IndexKind::kSeriesGroup));
  PutLengthPrefixed(&k, db);
  if (rp != nullptr) PutLengthPrefixed(&k, *rp);
  return k;
}

std::string SeriesGroupKey(std::string_view db, std::string_view rp, uint64_t first_sid,
                           uint64_t seq) {
  std::string k = WithKind(char(IndexKind::kSeriesGroup));
  k.reserve(1 + PrefixedBytes(db) + PrefixedBytes(rp) + 16);
  PutLengthPrefixed(&k, db);
  PutLengthPrefixed(&k, rp);
  PutBigEndian64(&k, first_sid);
  PutBigEndian64(&k, seq);
  return k;
}

bool DecodeSeriesGroupKey(std::string_view key, std::string* db, std::string* rp,
                          uint64_t* first_sid) {
  if (key.empty() || key[0] != char(IndexKind::kSeriesGroup)) return false;
  key.remove_prefix(1);
  if (!GetLengthPrefixedString(&key, db) || !GetLengthPrefixedString(&key, rp)) return false;
  if (key.size() != 16) return false;
  *first_sid = GetBigEndian64(key.data());
  return true;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xff) s.pop_back();
  if (!s.empty()) s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
  return s;
}

void SeriesGroupWriter::Add(uint64_t sid, FieldType type, const SeriesKey& key) {
  // Ascending ids: the deltas are small and never negative.
  LUX_CHECK(count_ == 0 || sid > last_sid_, "series group ids out of order");
  if (count_ == 0) first_sid_ = last_sid_ = sid;
  AssignSeriesKey(key.measurement, key.tags, key.field, &cur_);
  // The bytes shared with the previous key, eight at a time.
  static_assert(std::endian::native == std::endian::little);
  const size_t limit = std::min(prev_.size(), cur_.size());
  size_t shared = 0;
  while (shared + 8 <= limit) {
    uint64_t a, b;
    std::memcpy(&a, prev_.data() + shared, 8);
    std::memcpy(&b, cur_.data() + shared, 8);
    if (a != b) {
      shared += size_t(__builtin_ctzll(a ^ b)) / 8;  // little-endian: the first differing byte
      break;
    }
    shared += 8;
  }
  // The last bytes (after a mismatch above this stops at once).
  while (shared < limit && prev_[shared] == cur_[shared]) ++shared;
  PutVarint64(&entries_, sid - last_sid_);
  entries_.push_back(static_cast<char>(type));
  PutVarint64(&entries_, shared);
  PutLengthPrefixed(&entries_, std::string_view(cur_).substr(shared));
  last_sid_ = sid;
  ++count_;
  prev_.swap(cur_);
}

std::string SeriesGroupWriter::Finish() const {
  std::string v;
  v.reserve(VarintSize(count_) + entries_.size());
  PutVarint64(&v, count_);
  v.append(entries_);
  return v;
}

SeriesGroupReader::SeriesGroupReader(uint64_t first_sid, std::string_view value)
    : rest_(value), sid_(first_sid) {
  Reader r(rest_);
  ok_ = r.GetVarint64(&left_) && left_ > 0;
  rest_ = r.rest();
}

bool SeriesGroupReader::Next(uint64_t* sid, FieldType* type, std::string_view* series_key) {
  if (!ok_) return false;
  if (left_ == 0) {
    ok_ = rest_.empty();  // bytes after the last entry: corrupt
    return false;
  }
  Reader r(rest_);
  uint64_t delta, shared;
  uint8_t t;
  std::string_view suffix;
  if (!r.GetVarint64(&delta) || !r.GetByte(&t) || !r.GetVarint64(&shared) ||
      !r.GetLengthPrefixed(&suffix) || shared > key_.size() || (first_ ? delta != 0 : delta == 0) ||
      sid_ + delta < sid_ || t < uint8_t(FieldType::kFloat) || t > uint8_t(FieldType::kString)) {
    ok_ = false;
    return false;
  }
  first_ = false;
  sid_ += delta;
  key_.resize(shared);
  key_.append(suffix);
  rest_ = r.rest();
  --left_;
  *sid = sid_;
  *type = static_cast<FieldType>(t);
  *series_key = key_;
  return true;
}

std::string EncodeRetentionPolicy(const RetentionPolicy& rp) {
  std::string v;
  PutLengthPrefixed(&v, rp.name);
  PutVarint64(&v, ZigZag(rp.duration_ns));
  PutVarint64(&v, ZigZag(rp.partition_ns));
  v.push_back(rp.is_default ? 1 : 0);
  return v;
}

bool DecodeRetentionPolicy(std::string_view src, RetentionPolicy* rp) {
  if (!GetLengthPrefixedString(&src, &rp->name)) return false;
  Reader r(src);
  uint8_t def;
  if (!r.GetSignedVarint64(&rp->duration_ns) || !r.GetSignedVarint64(&rp->partition_ns) ||
      !r.GetByte(&def) || def > 1) {
    return false;
  }
  rp->is_default = def == 1;
  return r.empty();
}

void AssignTagSetKey(std::string_view db, std::string_view rp, std::string_view measurement,
                     std::span<const Tag> sorted_tags, std::string* dst) {
  dst->clear();
  AppendTagSetKey(db, rp, measurement, sorted_tags, dst);
}

void AppendTagSetKey(std::string_view db, std::string_view rp, std::string_view measurement,
                     std::span<const Tag> sorted_tags, std::string* dst) {
  PointerWriter w = Appended(dst, TagSetKeyBytes(db, rp, measurement, sorted_tags));
  WriteTagSetKey(db, rp, measurement, sorted_tags, &w);
}

std::string TagSetKey(std::string_view db, std::string_view rp, std::string_view measurement,
                      std::span<const Tag> sorted_tags) {
  std::string k;
  AssignTagSetKey(db, rp, measurement, sorted_tags, &k);
  return k;
}

std::string SeriesMapKey(std::string_view db, std::string_view rp, std::string_view series_key) {
  std::string k;
  k.reserve(PrefixedBytes(db) + PrefixedBytes(rp) + series_key.size());
  PutLengthPrefixed(&k, db);
  PutLengthPrefixed(&k, rp);
  k.append(series_key);
  return k;
}

std::string EncodeSeriesKey(std::string_view measurement, const std::vector<Tag>& sorted_tags,
                            std::string_view field) {
  std::string k;
  AssignSeriesKey(measurement, sorted_tags, field, &k);
  return k;
}

bool DecodeSeriesKey(std::string_view src, SeriesKey* key) {
  if (!GetLengthPrefixedString(&src, &key->measurement)) return false;
  Reader r(src);
  uint64_t ntags;
  if (!r.GetVarint64(&ntags) || ntags > src.size()) return false;
  src = r.rest();
  std::vector<Tag> tags(ntags);
  for (Tag& t : tags) {
    if (!GetLengthPrefixedString(&src, &t.key) || !GetLengthPrefixedString(&src, &t.value)) {
      return false;
    }
  }
  key->tags = std::move(tags);
  return GetLengthPrefixedString(&src, &key->field) && src.empty();
}

std::string EncodePartition(const PartitionInfo& p) {
  std::string v;
  PutLengthPrefixed(&v, p.db);
  PutLengthPrefixed(&v, p.rp);
  PutVarint64(&v, ZigZag(p.start_ns));
  PutVarint64(&v, ZigZag(p.end_ns));
  return v;
}

bool DecodePartition(std::string_view src, PartitionInfo* p) {
  if (!GetLengthPrefixedString(&src, &p->db) || !GetLengthPrefixedString(&src, &p->rp)) {
    return false;
  }
  Reader r(src);
  return r.GetSignedVarint64(&p->start_ns) && r.GetSignedVarint64(&p->end_ns) && r.empty();
}

std::string BlockKey(uint64_t sid, int64_t first_ts) {
  std::string k;
  PutBigEndian64(&k, sid);
  PutBigEndian64(&k, uint64_t(first_ts) ^ (uint64_t{1} << 63));
  return k;
}

bool DecodeBlockKey(std::string_view key, uint64_t* sid, int64_t* first_ts) {
  if (key.size() != 16) return false;
  *sid = GetBigEndian64(key.data());
  *first_ts = int64_t(GetBigEndian64(key.data() + 8) ^ (uint64_t{1} << 63));
  return true;
}

std::string WalKey(uint64_t seq) {
  std::string k;
  PutBigEndian64(&k, seq);
  return k;
}

bool DecodeWalKey(std::string_view key, uint64_t* seq) {
  if (key.size() != 8) return false;
  *seq = GetBigEndian64(key.data());
  return true;
}

}  // namespace lux::engine
