// File: db_admin.cc
// Databases and retention policies (cold path).
#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/db/db_impl.h"
#include "engine/db/rocks_status.h"

namespace lux::engine {
namespace {

absl::Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty())
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), " name is empty"));
  if (name.size() > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), " name longer than 255 bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DBImpl::CreateDatabase(std::string_view name) {
  RETURN_IF_ERROR(RecoverBeforeWrite());
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOpen());
  RETURN_IF_ERROR(ValidateName("database", name));
  if (dbs_.contains(std::string(name))) return absl::OkStatus();
  RetentionPolicy autogen{.name = "autogen",
                          .duration_ns = 0,
                          .partition_ns = options_.default_partition_ns,
                          .is_default = true};
  rocksdb::WriteBatch b;
  b.Put(meta_cf_, DatabaseKey(name), "");
  b.Put(meta_cf_, RetentionKey(name, autogen.name), EncodeRetentionPolicy(autogen));
  RETURN_IF_ERROR(WriteToRocks(&b, "creating database"));
  dbs_[std::string(name)].rps[autogen.name] = autogen;
  PublishDatabaseNames();
  return absl::OkStatus();
}

void DBImpl::PublishDatabaseNames() {
  std::vector<std::string> names;
  names.reserve(dbs_.size());
  for (const auto& [name, _] : dbs_) names.push_back(name);
  absl::MutexLock l(&names_mu_);
  db_names_ = std::move(names);
}

void DBImpl::DeleteSeriesRecords(std::string_view db, const std::string* rp,
                                 const std::vector<uint64_t>& sids, rocksdb::WriteBatch* batch) {
  // Groups hold the series of one database and policy: their prefix goes
  // whole. Series recorded before groups existed have a record each.
  const std::string prefix = SeriesGroupPrefix(db, rp);
  batch->DeleteRange(index_cf_, prefix, PrefixSuccessor(prefix));
  for (uint64_t sid : sids) batch->Delete(index_cf_, SeriesBySidKey(sid));
}

void DBImpl::ForgetSeries(const std::vector<uint64_t>& sids) {
  for (uint64_t sid : sids) {
    auto it = series_.find(sid);
    if (it == series_.end()) continue;
    const Series& s = *it->second;
    if (s.head.size() != 0) {
      head_points_ -= s.head.size();
      Unpin(s.head.marks.front().second);
    }
    Deactivate(it->second->head);
    queued_.erase(sid);
    std::erase(seal_queue_, sid);
    tagsets_.Remove(TagSetKey(s.db, s.rp, s.key.measurement, s.key.tags), sid);
    auto db = dbs_.find(s.db);
    if (db != dbs_.end()) {
      auto m = db->second.series_by_measurement.find(s.key.measurement);
      if (m != db->second.series_by_measurement.end()) std::erase(m->second, sid);
    }
    series_.erase(it);
  }
}

std::vector<std::unique_ptr<Partition>> DBImpl::TakePartitions(std::string_view db,
                                                               const std::string* rp,
                                                               rocksdb::WriteBatch* batch) {
  std::vector<std::unique_ptr<Partition>> taken;
  cold_cf_.clear();  // a dropped partition's name may be given out again
  cold_resume_key_.clear();
  for (auto it = partitions_.begin(); it != partitions_.end();) {
    if (it->first.first != db || (rp != nullptr && it->first.second != *rp)) {
      ++it;
      continue;
    }
    for (auto& [start, p] : it->second) {
      std::erase(cold_compact_queue_, p->cf_name);
      batch->Delete(meta_cf_, PartitionKey(p->cf_name));
      batch->Delete(meta_cf_, ColdPartitionKey(p->cf_name));
      taken.push_back(std::move(p));
    }
    it = partitions_.erase(it);
  }
  return taken;
}

absl::Status DBImpl::DropPartitionCfs(std::vector<std::unique_ptr<Partition>> parts) {
  for (auto& p : parts) {
    RETURN_IF_ERROR(FromRocks(rocks_->DropColumnFamily(p->cf), "dropping a partition"));
    std::erase(all_handles_, p->cf);
    rocks_->DestroyColumnFamilyHandle(p->cf).PermitUncheckedError();
  }
  return absl::OkStatus();
}

absl::Status DBImpl::DropDatabase(std::string_view name) {
  absl::MutexLock s(&seal_mu_);
  PauseColdCompaction();
  absl::MutexLock l(&mu_);
  absl::MutexLock h(&head_mu_);
  DrainWrites();
  RETURN_IF_ERROR(CheckOpen());
  RETURN_IF_ERROR(RecoverIfNeeded());
  auto it = dbs_.find(std::string(name));
  if (it == dbs_.end()) return absl::OkStatus();  // as InfluxDB: dropping nothing is fine
  rocksdb::WriteBatch b;
  b.Delete(meta_cf_, DatabaseKey(name));
  for (const auto& [rp, _] : it->second.rps) b.Delete(meta_cf_, RetentionKey(name, rp));
  for (const auto& [m, fields] : it->second.schema) {
    for (const auto& [f, _] : fields) b.Delete(meta_cf_, SchemaKey(name, m, f));
  }
  std::vector<uint64_t> sids;
  for (const auto& [m, list] : it->second.series_by_measurement) {
    sids.insert(sids.end(), list.begin(), list.end());
  }
  DeleteSeriesRecords(name, nullptr, sids, &b);
  auto parts = TakePartitions(name, nullptr, &b);
  RETURN_IF_ERROR(WriteToRocks(&b, "dropping database"));
  ForgetSeries(sids);
  dbs_.erase(std::string(name));
  PublishDatabaseNames();
  return DropPartitionCfs(std::move(parts));
}

std::vector<std::string> DBImpl::ListDatabases() {
  absl::MutexLock l(&names_mu_);
  return db_names_;
}

absl::StatusOr<const RetentionPolicy*> DBImpl::ResolveRp(std::string_view db,
                                                         std::string_view rp) const {
  auto it = dbs_.find(std::string(db));
  if (it == dbs_.end()) {
    return absl::NotFoundError(absl::StrCat("database not found: \"", std::string(db), "\""));
  }
  for (const auto& [name, policy] : it->second.rps) {
    if (rp.empty() ? policy.is_default : name == rp) return &policy;
  }
  if (rp.empty()) {
    return absl::NotFoundError(
        absl::StrCat("database \"", std::string(db), "\" has no default retention policy"));
  }
  return absl::NotFoundError(absl::StrCat("retention policy not found: ", std::string(rp)));
}

absl::Status DBImpl::PutRetentionPolicy(std::string_view db, const RetentionPolicy& in,
                                        bool create) {
  RETURN_IF_ERROR(CheckOpen());
  RETURN_IF_ERROR(ValidateName("retention policy", in.name));
  if (in.duration_ns < 0 || in.partition_ns < 0) {
    return absl::InvalidArgumentError("retention durations must not be negative");
  }
  auto it = dbs_.find(std::string(db));
  if (it == dbs_.end()) {
    return absl::NotFoundError(absl::StrCat("database not found: \"", std::string(db), "\""));
  }
  auto& rps = it->second.rps;
  const bool exists = rps.contains(in.name);
  if (create && exists) {
    return absl::AlreadyExistsError(absl::StrCat("retention policy already exists: ", in.name));
  }
  if (!create && !exists) {
    return absl::NotFoundError(absl::StrCat("retention policy not found: ", in.name));
  }
  RetentionPolicy rp = in;
  if (rp.partition_ns == 0) rp.partition_ns = exists ? rps[in.name].partition_ns : 0;
  if (rp.partition_ns == 0) {
    rp.partition_ns = options_.default_partition_ns;
    // A short-lived policy gets partitions no wider than its duration, so
    // that expiry drops whole partitions promptly.
    if (rp.duration_ns > 0 && rp.duration_ns < rp.partition_ns) rp.partition_ns = rp.duration_ns;
  }
  if (exists && rp.partition_ns != rps[in.name].partition_ns) {
    return absl::InvalidArgumentError("the partition width of a retention policy cannot change");
  }
  rocksdb::WriteBatch b;
  std::vector<std::string> unset;
  if (rp.is_default) {
    for (auto& [name, other] : rps) {
      if (name != rp.name && other.is_default) {
        RetentionPolicy o = other;
        o.is_default = false;
        b.Put(meta_cf_, RetentionKey(db, name), EncodeRetentionPolicy(o));
        unset.push_back(name);
      }
    }
  } else if (exists && rps[in.name].is_default) {
    rp.is_default = true;  // one policy stays the default; move it by setting another
  }
  b.Put(meta_cf_, RetentionKey(db, rp.name), EncodeRetentionPolicy(rp));
  RETURN_IF_ERROR(WriteToRocks(&b, "writing a retention policy"));
  for (const auto& name : unset) rps[name].is_default = false;
  rps[rp.name] = rp;
  ++layout_epoch_;  // writes resolving the default policy look again
  return absl::OkStatus();
}

absl::Status DBImpl::CreateRetentionPolicy(std::string_view db, const RetentionPolicy& rp) {
  RETURN_IF_ERROR(RecoverBeforeWrite());
  absl::MutexLock l(&mu_);
  return PutRetentionPolicy(db, rp, /*create=*/true);
}

absl::Status DBImpl::AlterRetentionPolicy(std::string_view db, const RetentionPolicy& rp) {
  RETURN_IF_ERROR(RecoverBeforeWrite());
  absl::MutexLock l(&mu_);
  return PutRetentionPolicy(db, rp, /*create=*/false);
}

absl::Status DBImpl::DropRetentionPolicy(std::string_view db, std::string_view name) {
  absl::MutexLock s(&seal_mu_);
  PauseColdCompaction();
  absl::MutexLock l(&mu_);
  absl::MutexLock h(&head_mu_);
  DrainWrites();
  RETURN_IF_ERROR(CheckOpen());
  RETURN_IF_ERROR(RecoverIfNeeded());
  auto it = dbs_.find(std::string(db));
  if (it == dbs_.end()) {
    return absl::NotFoundError(absl::StrCat("database not found: \"", std::string(db), "\""));
  }
  auto rit = it->second.rps.find(std::string(name));
  if (rit == it->second.rps.end()) return absl::OkStatus();
  rocksdb::WriteBatch b;
  b.Delete(meta_cf_, RetentionKey(db, name));
  std::vector<uint64_t> sids;
  for (const auto& [m, list] : it->second.series_by_measurement) {
    for (uint64_t sid : list) {
      if (series_[sid]->rp == name) sids.push_back(sid);
    }
  }
  const std::string rp_name(name);
  DeleteSeriesRecords(db, &rp_name, sids, &b);
  auto parts = TakePartitions(db, &rp_name, &b);
  RETURN_IF_ERROR(WriteToRocks(&b, "dropping a retention policy"));
  ForgetSeries(sids);
  RETURN_IF_ERROR(DropPartitionCfs(std::move(parts)));
  it->second.rps.erase(rit);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RetentionPolicy>> DBImpl::ListRetentionPolicies(std::string_view db) {
  absl::ReaderMutexLock l(&mu_);
  auto it = dbs_.find(std::string(db));
  if (it == dbs_.end()) {
    return absl::NotFoundError(absl::StrCat("database not found: \"", std::string(db), "\""));
  }
  std::vector<RetentionPolicy> out;
  for (const auto& [name, rp] : it->second.rps) out.push_back(rp);
  return out;
}

}  // namespace lux::engine
