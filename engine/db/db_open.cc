// File: db_open.cc
// Open, recovery and close (cold path).
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/common/varint.h"
#include "engine/db/db_impl.h"
#include "engine/db/db_testing.h"
#include "engine/db/rocks_status.h"
#include "rocksdb/cache.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/table.h"

namespace lux {

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const Options& options, std::string_view path) {
  RETURN_IF_ERROR(options.Validate());
  auto db = std::make_unique<engine::DBImpl>(options, std::string(path));
  RETURN_IF_ERROR(db->OpenImpl(nullptr));
  return std::unique_ptr<DB>(std::move(db));
}

namespace engine {

absl::StatusOr<std::unique_ptr<DB>> TEST_OpenWithEnv(const Options& options, std::string_view path,
                                                     rocksdb::Env* env) {
  RETURN_IF_ERROR(options.Validate());
  auto db = std::make_unique<DBImpl>(options, std::string(path));
  RETURN_IF_ERROR(db->OpenImpl(env));
  return std::unique_ptr<DB>(std::move(db));
}

namespace {

constexpr char kMetaCf[] = "meta";
constexpr char kIndexCf[] = "index";
constexpr char kWalCf[] = "wal";

Options WithDefaults(Options o) {
  if (!o.clock) o.clock = SystemClock();
  return o;
}

}  // namespace

DBImpl::DBImpl(const Options& options, std::string path)
    : options_(WithDefaults(options)), path_(std::move(path)) {}

DBImpl::~DBImpl() {
  bool open;
  {
    absl::ReaderMutexLock l(&mu_);
    open = !closed_;
  }
  if (open) Close().IgnoreError();
  StopColdCompactor();  // Close failed early
  if (sealer_.joinable()) {
    {
      absl::MutexLock h(&head_mu_);
      stop_sealer_ = true;
    }
    sealer_.join();
  }
}

void DBImpl::StopColdCompactor() {
  if (!cold_compactor_.joinable()) return;
  {
    absl::MutexLock s(&seal_mu_);
    stop_cold_compactor_ = true;
  }
  cancel_cold_compaction_ = true;
  cold_compactor_.join();
}

rocksdb::WriteOptions DBImpl::WriteOpts() const {
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  return wo;
}

rocksdb::WriteOptions DBImpl::SealWriteOpts() const { return rocksdb::WriteOptions(); }

absl::Status DBImpl::WriteToRocks(rocksdb::WriteBatch* batch, std::string_view what, bool sync) {
  rocksdb::Status s = rocks_->Write(sync ? WriteOpts() : SealWriteOpts(), batch);
  if (!s.ok() && (s.IsIOError() || s.IsNoSpace())) needs_resume_ = true;
  return FromRocks(s, what);
}

absl::Status DBImpl::RecoverFromWriteFailure() {
  if (rocks_->Resume().ok()) return absl::OkStatus();
  // Everything acknowledged is on disk: reopen as after a crash.
  CloseRocksAndForget();
  return OpenLocked();
}

void DBImpl::CloseRocksAndForget() {
  cold_cf_.clear();  // partition names may be given out again
  cold_resume_key_.clear();
  cold_compact_queue_.clear();
  for (auto* h : all_handles_) rocks_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  all_handles_.clear();
  rocks_->Close().PermitUncheckedError();
  rocks_.reset();
  closed_ = true;
  dbs_.clear();
  PublishDatabaseNames();
  series_.clear();
  tagsets_.Clear();
  partitions_.clear();
  pins_.clear();
  active_.clear();
  sid_aliases_.clear();
  seal_queue_.clear();
  queued_.clear();
  compact_queue_.clear();
  next_seq_ = next_apply_seq_ = wal_tail_ = next_sid_ = next_partition_id_ = 1;
  nondurable_series_ = 0;
  batches_.clear();
  batch_order_.clear();
  head_points_ = 0;
}

absl::Status DBImpl::OpenImpl(rocksdb::Env* env) {
  cancel_cold_compaction_ = false;
  {
    absl::MutexLock s(&seal_mu_);
    stop_cold_compactor_ = false;
    absl::MutexLock l(&mu_);
    absl::MutexLock h(&head_mu_);
    env_ = env;
    RETURN_IF_ERROR(OpenLocked());  // (closes what it opened when it fails)
  }
  absl::MutexLock l(&mu_);
  sealer_ = std::thread([this] { SealerLoop(); });
  cold_compactor_ = std::thread([this] { ColdCompactorLoop(); });
  return absl::OkStatus();
}

absl::Status DBImpl::OpenLocked() {
  absl::Status s = OpenRocksAndLoad();
  // A corrupt record found while loading: RocksDB is open with its handles,
  // which must go before it does (it asserts otherwise).
  if (!s.ok() && rocks_ != nullptr) CloseRocksAndForget();
  return s;
}

absl::Status DBImpl::OpenRocksAndLoad() {
  rocksdb::Env* env = env_;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    if (!options_.create_if_missing) {
      return absl::NotFoundError(absl::StrCat("no database at ", path_));
    }
    std::filesystem::create_directories(path_, ec);
    if (ec)
      return absl::UnavailableError(absl::StrCat("cannot create ", path_, ": ", ec.message()));
  }
  rocksdb::Options ro;
  ro.create_if_missing = true;
  ro.create_missing_column_families = true;
  ro.max_background_jobs = 2;
  ro.keep_log_file_num = 3;
  if (!options_.rocksdb_info_log) ro.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Many partition column families share one RocksDB log; cap it so that a
  // quiet partition does not pin old log files.
  ro.max_total_wal_size = 256 << 20;
  if (env != nullptr) ro.env = env;
  // Tickers only (block cache hits and misses for lux.stats), no timers.
  if (rocks_stats_ == nullptr) {
    rocks_stats_ = rocksdb::CreateDBStatistics();
    rocks_stats_->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  }
  ro.statistics = rocks_stats_;
  if (block_cache_ == nullptr) block_cache_ = rocksdb::NewLRUCache(options_.block_cache_bytes);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = block_cache_;
  ro.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(ro, path_, &names);
  if (!s.ok()) names = {rocksdb::kDefaultColumnFamilyName};
  for (const char* required : {kMetaCf, kIndexCf, kWalCf}) {
    if (std::find(names.begin(), names.end(), required) == names.end()) names.push_back(required);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  // Partitions hold blocks of a few KiB, compressed already: no RocksDB
  // compression, and 16 KiB table blocks (a few of ours each) so that the
  // table's index and restart points cost less per block.
  partition_cf_options_ = rocksdb::ColumnFamilyOptions(ro);
  partition_cf_options_.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions partition_table = table;
  partition_table.block_size = 16 << 10;
  partition_cf_options_.table_factory.reset(rocksdb::NewBlockBasedTableFactory(partition_table));
  // The series index is only read whole, at open: its memtable appends
  // (a vector sorted at flush) instead of inserting into a skip list, which
  // cost ~0.4 µs per new series. Such memtables rule out concurrent
  // memtable writes, which our few large writes per commit group do not need.
  rocksdb::ColumnFamilyOptions index_options(ro);
  index_options.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  ro.allow_concurrent_memtable_write = false;
  for (const auto& name : names) {
    cfs.emplace_back(name, name.starts_with("p") ? partition_cf_options_
                           : name == kIndexCf    ? index_options
                                                 : rocksdb::ColumnFamilyOptions(ro));
  }
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(rocksdb::DBOptions(ro), path_, cfs, &all_handles_, &raw);
  RETURN_IF_ERROR(FromRocks(s, absl::StrCat("opening ", path_)));
  rocks_.reset(raw);
  absl::flat_hash_map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (auto* h : all_handles_) by_name[h->GetName()] = h;
  meta_cf_ = by_name[kMetaCf];
  index_cf_ = by_name[kIndexCf];
  wal_cf_ = by_name[kWalCf];
  RETURN_IF_ERROR(LoadMeta());
  // Attach partition column families to their metadata.
  for (auto& [key, parts] : partitions_) {
    for (auto& [start, p] : parts) {
      auto it = by_name.find(p->cf_name);
      if (it == by_name.end()) {
        return absl::DataLossError(
            absl::StrCat("partition column family ", p->cf_name, " is missing"));
      }
      p->cf = it->second;
    }
  }
  RETURN_IF_ERROR(LoadIndex());
  RETURN_IF_ERROR(ReplayWal());
  next_apply_seq_ = next_seq_;
  closed_ = false;
  return absl::OkStatus();
}

absl::Status DBImpl::LoadMeta() {
  std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(rocksdb::ReadOptions(), meta_cf_));
  absl::flat_hash_set<std::string> cold;  // partitions re-encoded once cold
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    auto bad = [&] {
      return absl::DataLossError(
          absl::StrCat("corrupt metadata record of kind '", std::string(key.substr(0, 1)), "'"));
    };
    if (key.empty()) return bad();
    const char kind = key[0];
    key.remove_prefix(1);
    if (kind == char(MetaKind::kDatabase)) {
      std::string db;
      if (!GetLengthPrefixedString(&key, &db)) return bad();
      dbs_[db];
    } else if (kind == char(MetaKind::kRetention)) {
      std::string db, name;
      RetentionPolicy rp;
      if (!GetLengthPrefixedString(&key, &db) || !GetLengthPrefixedString(&key, &name) ||
          !DecodeRetentionPolicy(value, &rp)) {
        return bad();
      }
      dbs_[db].rps[name] = rp;
    } else if (kind == char(MetaKind::kSchema)) {
      std::string db, m, f;
      if (!GetLengthPrefixedString(&key, &db) || !GetLengthPrefixedString(&key, &m) ||
          !GetLengthPrefixedString(&key, &f) || value.size() != 1) {
        return bad();
      }
      dbs_[db].schema[m][f] = static_cast<FieldType>(value[0]);
    } else if (kind == char(MetaKind::kPartition)) {
      auto p = std::make_unique<Partition>();
      if (!GetLengthPrefixedString(&key, &p->cf_name) || !DecodePartition(value, &p->info)) {
        return bad();
      }
      uint64_t id = std::strtoull(p->cf_name.c_str() + 1, nullptr, 10);
      next_partition_id_ = std::max(next_partition_id_, id + 1);
      const int64_t start = p->info.start_ns;
      partitions_[{p->info.db, p->info.rp}][start] = std::move(p);
    } else if (kind == char(MetaKind::kColdPartition)) {
      std::string cf_name;
      if (!GetLengthPrefixedString(&key, &cf_name)) return bad();
      cold.insert(std::move(cf_name));
    } else if (kind == char(MetaKind::kNextSid)) {
      if (value.size() != 8) return bad();
      next_sid_ = std::max(next_sid_, LoadFixed64(value.data()));
    } else if (kind == char(MetaKind::kBatch)) {
      if (value.size() < 8) return bad();
      BatchRecord r;
      r.time_ns = int64_t(LoadFixed64(value.data()));
      Reader in(value.substr(8));
      uint64_t n = 0;
      if (!in.GetVarint64(&n)) return bad();
      r.points_written = size_t(n);
      batches_[std::string(key)] = r;
      batch_order_.emplace_back(r.time_ns, std::string(key));
    }
  }
  std::sort(batch_order_.begin(), batch_order_.end());
  for (auto& [key, parts] : partitions_) {
    for (auto& [start, p] : parts) p->cold_encoded = cold.contains(p->cf_name);
  }
  PublishDatabaseNames();
  return FromRocks(it->status(), "reading metadata");
}

absl::Status DBImpl::LoadIndex() {
  // A series recorded twice (by two writes that both found it not yet
  // durable) is loaded once; a second id for the same key aliases the first.
  auto load = [&](std::unique_ptr<Series> s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    next_sid_ = std::max(next_sid_, s->sid + 1);
    if (series_.contains(s->sid)) return;
    const std::string tagset = TagSetKey(s->db, s->rp, s->key.measurement, s->key.tags);
    const uint64_t hash = TagSetIndex::Hash(tagset);
    if (const TagSetIndex::Node* known = tagsets_.Find(tagset, hash)) {
      auto same =
          std::find_if(known->fields.begin(), known->fields.end(),
                       [&](const TagSetIndex::Field& e) { return e.field == s->key.field; });
      if (same != known->fields.end()) {
        sid_aliases_[s->sid] = same->sid;
        return;
      }
      // One copy of a tag set's tags, as the write path keeps them.
      if (!known->fields.empty()) s->key.tags = known->fields.front().series->key.tags;
    }
    AddSeries(std::move(s), tagset, hash);
  };
  std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(rocksdb::ReadOptions(), index_cf_));
  // One record per series (written before series groups).
  const std::string prefix(1, char(IndexKind::kSeriesBySid));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    auto s = std::make_unique<Series>();
    if (key.size() != 9 || value.empty()) return absl::DataLossError("corrupt series record");
    s->sid = 0;
    for (int i = 1; i < 9; ++i) s->sid = (s->sid << 8) | static_cast<uint8_t>(key[i]);
    s->type = static_cast<FieldType>(value.back());
    value.remove_suffix(1);
    if (!GetLengthPrefixedString(&value, &s->db) || !GetLengthPrefixedString(&value, &s->rp) ||
        !DecodeSeriesKey(value, &s->key)) {
      return absl::DataLossError(absl::StrCat("corrupt series record for sid ", s->sid));
    }
    load(std::move(s));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the series index"));
  // The groups: the series each write recorded.
  const std::string group_prefix(1, char(IndexKind::kSeriesGroup));
  std::string db, rp;
  for (it->Seek(group_prefix); it->Valid() && it->key().starts_with(group_prefix); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    uint64_t first_sid;
    if (!DecodeSeriesGroupKey(key, &db, &rp, &first_sid)) {
      return absl::DataLossError("corrupt series group key");
    }
    SeriesGroupReader r(first_sid, std::string_view(it->value().data(), it->value().size()));
    uint64_t sid;
    FieldType type;
    std::string_view series_key;
    while (r.Next(&sid, &type, &series_key)) {
      auto s = std::make_unique<Series>();
      s->sid = sid;
      s->type = type;
      s->db = db;
      s->rp = rp;
      if (!DecodeSeriesKey(series_key, &s->key)) {
        return absl::DataLossError(absl::StrCat("corrupt series key for sid ", sid));
      }
      load(std::move(s));
    }
    if (!r.ok()) {
      return absl::DataLossError(absl::StrCat("corrupt series group from sid ", first_sid));
    }
  }
  return FromRocks(it->status(), "reading the series index");
}

absl::Status DBImpl::ReplayWal() {
  std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(rocksdb::ReadOptions(), wal_cf_));
  bool first = true;
  WalBatch batch;
  std::vector<Series*> targets;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t seq;
    if (!DecodeWalKey(std::string_view(it->key().data(), it->key().size()), &seq)) {
      return absl::DataLossError("corrupt write-ahead-log key");
    }
    if (first) wal_tail_ = seq;
    first = false;
    std::optional<WalDelete> del;
    RETURN_IF_ERROR(
        DecodeWalRecord(std::string_view(it->value().data(), it->value().size()), &batch, &del));
    if (del) DeleteFromHead(del->sids, del->start, del->end);
    for (WalRun& run : batch.runs) {
      if (auto a = sid_aliases_.find(run.sid); a != sid_aliases_.end()) run.sid = a->second;
    }
    // Points of series that were dropped since are gone for good.
    std::erase_if(batch.runs, [&](const WalRun& r) { return !series_.contains(r.sid); });
    targets.clear();
    for (const WalRun& run : batch.runs) {
      Series* s = series_.at(run.sid).get();
      if (run.type != s->type) {
        return absl::DataLossError(absl::StrCat("write-ahead-log record ", seq, " holds ",
                                                FieldTypeName(run.type), " points for series ",
                                                run.sid, " of type ", FieldTypeName(s->type)));
      }
      targets.push_back(s);
    }
    ApplyToHead(batch, targets, seq);
    next_seq_ = seq + 1;
  }
  if (first) wal_tail_ = next_seq_;
  return FromRocks(it->status(), "replaying the write-ahead log");
}

absl::Status DBImpl::Close() {
  {
    absl::MutexLock l(&mu_);
    absl::MutexLock h(&head_mu_);
    if (closed_) return absl::FailedPreconditionError("database is closed");
    DrainWrites();
    stop_sealer_ = true;
  }
  StopColdCompactor();
  if (sealer_.joinable()) sealer_.join();
  absl::MutexLock seal_lock(&seal_mu_);
  absl::Status s = Seal({});
  absl::MutexLock l(&mu_);
  absl::MutexLock h(&head_mu_);
  DrainWrites();  // writes that came in while sealing
  if (s.ok()) s = ReclaimLogSpace();
  closed_ = true;
  for (auto* h : all_handles_) rocks_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  for (auto& [key, parts] : partitions_) {
    for (auto& [start, p] : parts) {
      if (std::find(all_handles_.begin(), all_handles_.end(), p->cf) == all_handles_.end()) {
        rocks_->DestroyColumnFamilyHandle(p->cf).PermitUncheckedError();
      }
    }
  }
  all_handles_.clear();
  absl::Status close = FromRocks(rocks_->Close(), "closing RocksDB");
  rocks_.reset();
  return s.ok() ? close : s;
}

absl::Status DBImpl::CheckOpen() const {
  if (closed_) return absl::FailedPreconditionError("database is closed");
  return absl::OkStatus();
}

absl::Status DBImpl::RecoverIfNeeded() {
  if (!needs_resume_) return absl::OkStatus();
  if (!cold_compacting_.empty()) {
    // A write failed after the caller checked needs_resume_ (it did not
    // pause the cold compactor): recovery would close the handle it compacts.
    return absl::UnavailableError(
        "recovering from a write failure waits for a cold partition's compaction; retry");
  }
  DrainWrites();
  RETURN_IF_ERROR(RecoverFromWriteFailure());
  needs_resume_ = false;
  return absl::OkStatus();
}

absl::Status DBImpl::RecoverBeforeWrite() {
  if (!needs_resume_) return absl::OkStatus();
  absl::MutexLock s(&seal_mu_);
  PauseColdCompaction();
  absl::MutexLock l(&mu_);
  absl::MutexLock h(&head_mu_);
  RETURN_IF_ERROR(CheckOpen());
  return RecoverIfNeeded();
}

}  // namespace engine
}  // namespace lux
