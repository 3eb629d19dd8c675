// File: grpc_service.h
// -----------------------------------------------------------------------------
// The lux.v1.Lux gRPC service over lux::DB (server/proto/lux/v1/lux.proto).
// Engine statuses map to gRPC codes one to one; request fields that are
// wrong are named in INVALID_ARGUMENT messages; deadlines reach the
// engine's query loop and a cancelled call stops its query between frames.
#ifndef LUX_SERVER_LUXD_GRPC_SERVICE_H_
#define LUX_SERVER_LUXD_GRPC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
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
  // Points written for subscribers and not yet matched; beyond it the
  // subscriptions of the measurements written end with RESOURCE_EXHAUSTED
  // (ingest never waits). Default 262,144.
  size_t max_subscription_backlog_points = 262'144;
  // Testing only (SubscriptionHubOptions::testing_dispatch_delay).
  absl::Duration testing_subscription_dispatch_delay = absl::ZeroDuration();
  // Subscribe, Query and Last calls are spread over this many completion
  // queues, each with a thread. Debian's gRPC is built with its debug tag tracking on,
  // which makes every completion scan the queue's outstanding operations:
  // a Subscribe stream keeps one outstanding, so 50,000 streams on one
  // queue cost ~50,000 steps per delivered message. Default 32.
  int subscribe_queues = 32;
  // Threads replaying stored points to resuming subscribers. Default 4.
  int replay_threads = 4;
  // A Subscribe call that has failed (RESOURCE_EXHAUSTED, ...) while one of
  // its writes has been out this long is cancelled: its reader stopped
  // reading. Default 30 s.
  absl::Duration stuck_write_grace = absl::Seconds(30);
  // Where refused points are kept (as line protocol) for `luxctl rejected`;
  // none when null.
  RejectedStore* rejected = nullptr;
};

class SubscribeCall;
class QueryCall;
class LastCall;
struct SubscribeState;
class LuxService;
template <typename Op>
bool StartOp(LuxService* service, Op op);

// Subscribe, Query and Last (what dashboards call) are served through the
// asynchronous API on the service's own completion queues: a call costs no
// thread while it waits, and at most one query per queue computes at a
// time. The other methods are synchronous.
//
//   LuxService service(db, options);
//   builder.RegisterService(&service);
//   service.AddCompletionQueues(&builder);
//   auto server = builder.BuildAndStart();
//   service.Start();
//   ...
//   server->Shutdown();
//   service.Shutdown();  // before the DB closes
class LuxService final
    : public v1::Lux::WithAsyncMethod_Subscribe<
          v1::Lux::WithAsyncMethod_Query<v1::Lux::WithAsyncMethod_Last<v1::Lux::Service>>> {
 public:
  // REQUIRES: db outlives the service.
  explicit LuxService(DB* db, LuxServiceOptions options = {});
  ~LuxService() override;

  // Before builder->BuildAndStart().
  void AddCompletionQueues(grpc::ServerBuilder* builder);
  // After BuildAndStart: starts taking Subscribe calls.
  void Start();
  // Before the server's Shutdown: new Subscribe calls are refused
  // (UNAVAILABLE) and open ones end with UNAVAILABLE, so their clients
  // reconnect elsewhere or later instead of holding shutdown up.
  void BeginShutdown();
  // After the server's Shutdown: drains the queues, stops the replays.
  // Idempotent.
  void Shutdown();

  grpc::Status Write(grpc::ServerContext* ctx, const v1::WriteRequest* req,
                     v1::WriteResponse* resp) override;
  grpc::Status WriteStream(grpc::ServerContext* ctx, grpc::ServerReader<v1::WriteRequest>* reader,
                           v1::WriteSummary* summary) override;
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

  friend class SubscribeCall;
  friend class QueryCall;
  friend class LastCall;
  template <typename Op>
  friend bool StartOp(LuxService* service, Op op);
  // Answers a Last call.
  grpc::Status LastOne(const v1::LastRequest& req, v1::LastResponse* resp);
  // A new Subscribe call: registers it with the hub (*id), queues the replay
  // of a resume; a bad request fails `state`.
  void StartSubscribe(const v1::SubscribeRequest* req, const std::shared_ptr<SubscribeState>& state,
                      uint64_t* id);
  void ReplayLoop();

  DB* const db_;
  const LuxServiceOptions options_;
  SubscriptionHub hub_;
  std::atomic<bool> draining_{false};
  // Held (shared) while an operation starts on a queue; shutting_down_ set
  // under it (exclusive) before the queues shut down.
  absl::Mutex ops_mu_;
  bool shutting_down_ ABSL_GUARDED_BY(ops_mu_) = false;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs_;
  absl::Mutex calls_mu_;
  absl::flat_hash_set<SubscribeCall*> calls_ ABSL_GUARDED_BY(calls_mu_);  // alive
  std::vector<std::thread> cq_threads_;
  // Replays of resuming subscriptions, run by replay_threads_.
  absl::Mutex replay_mu_;
  std::deque<std::function<void()>> replay_jobs_ ABSL_GUARDED_BY(replay_mu_);
  bool replay_stop_ ABSL_GUARDED_BY(replay_mu_) = false;
  std::vector<std::thread> replay_threads_;
  absl::Notification stop_reaper_;
  std::thread reaper_;  // cancels stuck calls (stuck_write_grace)
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_GRPC_SERVICE_H_
