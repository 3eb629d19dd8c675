// File: grpc_service.h
// -----------------------------------------------------------------------------
// The lux.v1.Lux gRPC service over lux::DB (server/proto/lux/v1/lux.proto).
// Engine statuses map to gRPC codes one to one; request fields that are
// wrong are named in INVALID_ARGUMENT messages; deadlines reach the
// engine's query loop and a cancelled call stops its query between frames.
#ifndef LUX_SERVER_LUXD_GRPC_SERVICE_H_
#define LUX_SERVER_LUXD_GRPC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "lux/db.h"
#include "lux/v1/lux.grpc.pb.h"
#include "server/luxd/rejected_store.h"
#include "server/luxd/subscriptions.h"

namespace lux::luxd {

// absl::StatusCode and grpc::StatusCode share their numbering.
grpc::Status ToGrpc(const absl::Status& s);

struct LuxServiceOptions {
  // A subscriber with more points queued than this (it reads too slowly)
  // is dropped with RESOURCE_EXHAUSTED. Default 100,000.
  size_t max_subscriber_queue_points = 100'000;
  // Where refused points are kept (as line protocol) for `luxctl rejected`;
  // none when null.
  RejectedStore* rejected = nullptr;
};

// Subscribe is a callback (reactor) method: a stream costs no thread while
// it waits for points; the others are synchronous.
class LuxService final : public v1::Lux::WithCallbackMethod_Subscribe<v1::Lux::Service> {
 public:
  // REQUIRES: db outlives the service.
  explicit LuxService(DB* db, LuxServiceOptions options = {});
  ~LuxService() override;

  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* req) override;
  SubscriptionHub& hub() { return hub_; }

  grpc::Status Write(grpc::ServerContext* ctx, const v1::WriteRequest* req,
                     v1::WriteResponse* resp) override;
  grpc::Status WriteStream(grpc::ServerContext* ctx, grpc::ServerReader<v1::WriteRequest>* reader,
                           v1::WriteSummary* summary) override;
  grpc::Status Query(grpc::ServerContext* ctx, const v1::QueryRequest* req,
                     grpc::ServerWriter<v1::QueryResponse>* writer) override;
  grpc::Status Last(grpc::ServerContext* ctx, const v1::LastRequest* req,
                    v1::LastResponse* resp) override;
  grpc::Status ListDatabases(grpc::ServerContext* ctx, const v1::ListDatabasesRequest* req,
                             v1::ListDatabasesResponse* resp) override;
  grpc::Status ListMeasurements(grpc::ServerContext* ctx, const v1::ListMeasurementsRequest* req,
                                v1::ListMeasurementsResponse* resp) override;
  grpc::Status TagKeys(grpc::ServerContext* ctx, const v1::TagKeysRequest* req,
                       v1::TagKeysResponse* resp) override;
  grpc::Status TagValues(grpc::ServerContext* ctx, const v1::TagValuesRequest* req,
                         v1::TagValuesResponse* resp) override;
  grpc::Status FieldKeys(grpc::ServerContext* ctx, const v1::FieldKeysRequest* req,
                         v1::FieldKeysResponse* resp) override;
  grpc::Status Series(grpc::ServerContext* ctx, const v1::SeriesRequest* req,
                      v1::SeriesResponse* resp) override;
  grpc::Status CreateDatabase(grpc::ServerContext* ctx, const v1::CreateDatabaseRequest* req,
                              v1::CreateDatabaseResponse* resp) override;
  grpc::Status DropDatabase(grpc::ServerContext* ctx, const v1::DropDatabaseRequest* req,
                            v1::DropDatabaseResponse* resp) override;
  grpc::Status ListRetentionPolicies(grpc::ServerContext* ctx,
                                     const v1::ListRetentionPoliciesRequest* req,
                                     v1::ListRetentionPoliciesResponse* resp) override;
  grpc::Status CreateRetentionPolicy(grpc::ServerContext* ctx,
                                     const v1::CreateRetentionPolicyRequest* req,
                                     v1::CreateRetentionPolicyResponse* resp) override;
  grpc::Status AlterRetentionPolicy(grpc::ServerContext* ctx,
                                    const v1::AlterRetentionPolicyRequest* req,
                                    v1::AlterRetentionPolicyResponse* resp) override;
  grpc::Status DropRetentionPolicy(grpc::ServerContext* ctx,
                                   const v1::DropRetentionPolicyRequest* req,
                                   v1::DropRetentionPolicyResponse* resp) override;
  grpc::Status DeleteRange(grpc::ServerContext* ctx, const v1::DeleteRangeRequest* req,
                           v1::DeleteRangeResponse* resp) override;
  grpc::Status Stats(grpc::ServerContext* ctx, const v1::StatsRequest* req,
                     v1::StatsResponse* resp) override;

 private:
  // Writes one request; fills *resp.
  grpc::Status WriteOne(const v1::WriteRequest& req, const std::string& peer,
                        v1::WriteResponse* resp);

  DB* const db_;
  const LuxServiceOptions options_;
  SubscriptionHub hub_;
  // Replays of resuming subscriptions run on their own threads.
  absl::Mutex replays_mu_;
  std::vector<std::thread> replays_ ABSL_GUARDED_BY(replays_mu_);
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_GRPC_SERVICE_H_
