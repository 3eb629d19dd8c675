// File: fault_fs.h
// -----------------------------------------------------------------------------
// A RocksDB FileSystem that fails on demand, for the engine's fault tests:
// failed syncs, a full disk, torn (half-written) appends.
#ifndef LUX_ENGINE_DB_TESTING_FAULT_FS_H_
#define LUX_ENGINE_DB_TESTING_FAULT_FS_H_

#include <atomic>
#include <memory>
#include <string>

#include "rocksdb/file_system.h"

namespace lux::testing {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  std::atomic<bool> fail_sync{false};  // Sync/Fsync return an I/O error
  std::atomic<bool> no_space{false};   // Append returns NoSpace, writes nothing
  std::atomic<bool> torn{false};       // Append writes half, then fails

  FaultFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "LuxFaultFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), this);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override {
    auto s = target()->ReopenWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), this);
    return s;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& f, FaultFs* fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (auto s = Check(data, o, dbg); !s.ok()) return s;
      return target()->Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v,
                             rocksdb::IODebugContext* dbg) override {
      if (auto s = Check(data, o, dbg); !s.ok()) return s;
      return target()->Append(data, o, v, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_sync) return rocksdb::IOStatus::IOError("injected sync failure");
      return target()->Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_sync) return rocksdb::IOStatus::IOError("injected sync failure");
      return target()->Fsync(o, dbg);
    }

   private:
    rocksdb::IOStatus Check(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                            rocksdb::IODebugContext* dbg) {
      if (fs_->no_space) return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      if (fs_->torn) {
        target()
            ->Append(rocksdb::Slice(data.data(), data.size() / 2), o, dbg)
            .PermitUncheckedError();
        return rocksdb::IOStatus::IOError("injected torn write");
      }
      return rocksdb::IOStatus::OK();
    }
    FaultFs* fs_;
  };
};

}  // namespace lux::testing

#endif  // LUX_ENGINE_DB_TESTING_FAULT_FS_H_
