// File: keys.h
// -----------------------------------------------------------------------------
// Key and record encodings of the RocksDB column families (README, "Column
// families"). Components are length-prefixed, so names may hold any byte.
// Persisted: prefixes and layouts never change meaning.
#ifndef LUX_ENGINE_DB_KEYS_H_
#define LUX_ENGINE_DB_KEYS_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lux/db.h"
#include "lux/point.h"

namespace lux::engine {

// meta column family record kinds: the first byte of the key.
// persisted: never renumber or reuse.
enum class MetaKind : uint8_t {
  kDatabase = 'd',       // 'd' lp(db) -> ""
  kRetention = 'r',      // 'r' lp(db) lp(rp) -> RP record
  kSchema = 's',         // 's' lp(db) lp(measurement) lp(field) -> FieldType byte
  kPartition = 'p',      // 'p' lp(cf name) -> partition record
  kNextSid = 'n',        // 'n' -> next series id (fixed64)
  kBatch = 'b',          // 'b' batch id -> fixed64 write time (ns), varint points written
  kColdPartition = 'c',  // 'c' lp(cf name) -> "": its blocks were re-encoded once cold
};

// index column family record kinds. persisted: never renumber or reuse.
enum class IndexKind : uint8_t {
  kSeriesBySid = 'I',  // 'I' sid(BE) -> SeriesMapKey(db, rp, series key), FieldType byte
  // The series one write recorded, all of one database and policy:
  // 'G' lp(db) lp(rp) first sid(BE) log sequence(BE) -> SeriesGroup value.
  // Written since session 11 instead of one 'I' record per series.
  kSeriesGroup = 'G',
};

void PutLengthPrefixed(std::string* dst, std::string_view s);

std::string DatabaseKey(std::string_view db);
std::string RetentionKey(std::string_view db, std::string_view rp);
std::string SchemaKey(std::string_view db, std::string_view measurement, std::string_view field);
std::string PartitionKey(std::string_view cf_name);
std::string ColdPartitionKey(std::string_view cf_name);
std::string NextSidKey();
std::string BatchKey(std::string_view batch_id);
std::string SeriesBySidKey(uint64_t sid);
// 'G' lp(db) lp(rp) first_sid(BE) seq(BE). The first sid and the log
// sequence number of the write make it unique: within a process the
// sequence number is, and a write after a restart records only series made
// since, whose ids are all above those on disk.
std::string SeriesGroupKey(std::string_view db, std::string_view rp, uint64_t first_sid,
                           uint64_t seq);
// The prefix of every group of a database ('G' lp(db)), or of one of its
// policies ('G' lp(db) lp(rp)) when rp is given.
std::string SeriesGroupPrefix(std::string_view db, const std::string* rp);
// The smallest string above every string that starts with `prefix` (for a
// range delete); empty when there is none (all bytes 0xff).
std::string PrefixSuccessor(std::string_view prefix);

std::string EncodeRetentionPolicy(const RetentionPolicy& rp);
bool DecodeRetentionPolicy(std::string_view src, RetentionPolicy* rp);

// A series' tags, immutable and shared by the series of one tag set (a
// sensor's fields): one copy per tag set instead of one per series (256
// bytes for four tags, and as many string copies, per series made).
class SharedTags {
 public:
  SharedTags() = default;
  SharedTags(std::vector<Tag> tags)  // NOLINT: implicit, as the vector it stands for
      : tags_(tags.empty() ? nullptr : std::make_shared<const std::vector<Tag>>(std::move(tags))) {}
  SharedTags(std::initializer_list<Tag> tags) : SharedTags(std::vector<Tag>(tags)) {}

  const std::vector<Tag>& get() const { return tags_ != nullptr ? *tags_ : Empty(); }
  operator const std::vector<Tag>&() const { return get(); }  // NOLINT
  operator std::span<const Tag>() const { return get(); }     // NOLINT
  std::vector<Tag>::const_iterator begin() const { return get().begin(); }
  std::vector<Tag>::const_iterator end() const { return get().end(); }
  size_t size() const { return get().size(); }
  bool empty() const { return get().empty(); }
  const Tag& operator[](size_t i) const { return get()[i]; }
  friend bool operator==(const SharedTags& a, const SharedTags& b) { return a.get() == b.get(); }

 private:
  static const std::vector<Tag>& Empty();
  std::shared_ptr<const std::vector<Tag>> tags_;
};

// A series within a database: measurement, tags (sorted by key, unique),
// one field.
struct SeriesKey {
  std::string measurement;
  SharedTags tags;
  std::string field;
};
// lp(db) lp(rp) lp(measurement) varint(#tags) (lp(key) lp(value))*: the
// identity of a tag set; a series key of it adds lp(field).
std::string TagSetKey(std::string_view db, std::string_view rp, std::string_view measurement,
                      std::span<const Tag> sorted_tags);
// The same, written over *dst (reusing its capacity).
void AssignTagSetKey(std::string_view db, std::string_view rp, std::string_view measurement,
                     std::span<const Tag> sorted_tags, std::string* dst);
// The same, appended to *dst.
void AppendTagSetKey(std::string_view db, std::string_view rp, std::string_view measurement,
                     std::span<const Tag> sorted_tags, std::string* dst);

// lp(db) lp(rp) series key: a series' identity in its per-series ('I')
// record, as written before series groups.
std::string SeriesMapKey(std::string_view db, std::string_view rp, std::string_view series_key);

std::string EncodeSeriesKey(std::string_view measurement, const std::vector<Tag>& sorted_tags,
                            std::string_view field);
bool DecodeSeriesKey(std::string_view src, SeriesKey* key);

// A series group's value: varint(count), then per series, by ascending sid:
// varint(sid - previous sid; the first: 0, the key's sid), FieldType byte,
// varint(bytes its series key shares with the previous one's),
// varint(length of the rest), the rest. Series keys as EncodeSeriesKey.
// The fields of one tag set share all but their name, so a sensor's
// second field costs a few bytes (README, "Column families").
class SeriesGroupWriter {
 public:
  void Add(uint64_t sid, FieldType type, const SeriesKey& key);
  uint64_t first_sid() const { return first_sid_; }
  // varint(count) and the entries.
  std::string Finish() const;

 private:
  size_t count_ = 0;
  uint64_t first_sid_ = 0, last_sid_ = 0;
  std::string entries_, prev_, cur_;
};

// Reads a group's value; every bound is checked (false: corrupt).
class SeriesGroupReader {
 public:
  SeriesGroupReader(uint64_t first_sid, std::string_view value);
  // The next series; false at the end or on corrupt bytes (then ok() is
  // false). *series_key stays valid until the next call.
  bool Next(uint64_t* sid, FieldType* type, std::string_view* series_key);
  bool ok() const { return ok_; }

 private:
  std::string_view rest_;
  uint64_t sid_;
  uint64_t left_ = 0;
  bool first_ = true, ok_ = true;
  std::string key_;
};
// A group key's database, policy and first sid; false when malformed.
bool DecodeSeriesGroupKey(std::string_view key, std::string* db, std::string* rp,
                          uint64_t* first_sid);

// The time partition of one retention policy.
struct PartitionInfo {
  std::string db;
  std::string rp;
  int64_t start_ns = 0;
  int64_t end_ns = 0;  // exclusive
};
std::string EncodePartition(const PartitionInfo& p);
bool DecodePartition(std::string_view src, PartitionInfo* p);

// Partition column family keys: sid (8 bytes big-endian) + first timestamp
// (8 bytes big-endian with the sign bit flipped, so keys sort by time).
std::string BlockKey(uint64_t sid, int64_t first_ts);
bool DecodeBlockKey(std::string_view key, uint64_t* sid, int64_t* first_ts);

// wal column family keys: sequence number, 8 bytes big-endian.
std::string WalKey(uint64_t seq);
bool DecodeWalKey(std::string_view key, uint64_t* seq);

// Reads a length-prefixed component; false when malformed.
bool GetLengthPrefixedString(std::string_view* src, std::string* out);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_KEYS_H_
