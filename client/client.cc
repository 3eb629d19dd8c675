// File: client.cc
// The lux.v1 stub behind lux::Client. Warm path (per call).
#include "lux/client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "client/client_internal.h"
#include "lux/v1/lux.grpc.pb.h"
#include "server/proto/convert.h"

namespace lux {
namespace client_internal {

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(static_cast<int>(s.error_code())),
                      s.error_message());
}

}  // namespace client_internal

namespace {

using client_internal::FromGrpc;

class ClientImpl final : public Client, public client_internal::BatchSender {
 public:
  ClientImpl(std::shared_ptr<grpc::Channel> channel, const ClientOptions& options)
      : channel_(std::move(channel)), stub_(v1::Lux::NewStub(channel_)), options_(options) {}

  absl::StatusOr<WriteResult> Write(const WriteBatch& batch) override {
    return SendBatch(batch, batch.batch_id);
  }

  absl::StatusOr<WriteResult> SendBatch(const WriteBatch& batch,
                                        const std::string& batch_id) override {
    v1::WriteRequest req;
    req.set_database(batch.database);
    req.set_retention_policy(batch.retention_policy);
    req.set_batch_id(batch_id);
    std::vector<std::vector<size_t>> origin;
    proto::ToWriteRequest(batch.points, &req, &origin);
    v1::WriteResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->Write(ctx.get(), req, &resp)); !s.ok()) return s;
    WriteResult result;
    result.points_written = resp.points_written();
    result.duplicate = resp.duplicate();
    for (const auto& e : resp.errors()) {
      if (e.series_index() >= origin.size() || e.point_index() >= origin[e.series_index()].size()) {
        return absl::InternalError(
            absl::StrCat("luxd named point ", e.point_index(), " of series ", e.series_index(),
                         ", which the request does not have: ", e.message()));
      }
      result.rejected.push_back(
          {origin[e.series_index()][e.point_index()], absl::InvalidArgumentError(e.message())});
    }
    return result;
  }

  std::unique_ptr<Writer> NewWriter(const WriterOptions& options) override {
    return client_internal::NewBatchingWriter(this, options);
  }

  absl::StatusOr<std::vector<Frame>> Query(const QuerySpec& spec,
                                           QueryMetadata* metadata) override {
    v1::QueryRequest req;
    proto::ToProto(spec, &req);
    auto ctx = Context();
    auto reader = stub_->Query(ctx.get(), req);
    std::vector<Frame> frames;
    v1::QueryResponse resp;
    while (reader->Read(&resp)) {
      for (const auto& f : resp.frames()) frames.push_back(proto::FromProto(f));
      if (resp.has_metadata() && metadata != nullptr) {
        metadata->frames = resp.metadata().frames();
        metadata->points = resp.metadata().points();
        metadata->elapsed_ms = resp.metadata().elapsed_ms();
        metadata->resolution = resp.metadata().resolution();
        metadata->read.series_matched = resp.metadata().series_matched();
        metadata->read.points_scanned = resp.metadata().points_scanned();
        metadata->read.blocks_decoded = resp.metadata().blocks_decoded();
        metadata->read.blocks_from_headers = resp.metadata().blocks_from_headers();
      }
    }
    if (auto s = FromGrpc(reader->Finish()); !s.ok()) return s;
    return frames;
  }

  absl::StatusOr<std::vector<LastValue>> Last(const Selector& selector) override {
    v1::LastRequest req;
    proto::ToProto(selector, req.mutable_selector());
    v1::LastResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->Last(ctx.get(), req, &resp)); !s.ok()) return s;
    std::vector<LastValue> out;
    for (const auto& p : resp.points()) out.push_back(proto::FromProto(p));
    return out;
  }

  std::unique_ptr<Subscription> Subscribe(
      const Selector& selector, const SubscribeOptions& options,
      std::function<void(std::vector<Point>)> on_points) override {
    return client_internal::NewSubscription(stub_.get(), selector, options, std::move(on_points));
  }

  absl::StatusOr<std::vector<std::string>> ListDatabases() override {
    v1::ListDatabasesResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->ListDatabases(ctx.get(), v1::ListDatabasesRequest(), &resp));
        !s.ok())
      return s;
    return std::vector<std::string>(resp.databases().begin(), resp.databases().end());
  }

  absl::StatusOr<std::vector<std::string>> ListMeasurements(const std::string& db,
                                                            size_t limit) override {
    v1::ListMeasurementsRequest req;
    req.set_database(db);
    req.set_limit(limit);
    v1::ListMeasurementsResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->ListMeasurements(ctx.get(), req, &resp)); !s.ok()) return s;
    return std::vector<std::string>(resp.measurements().begin(), resp.measurements().end());
  }

  absl::StatusOr<std::vector<std::string>> TagKeys(const Selector& selector,
                                                   size_t limit) override {
    v1::TagKeysRequest req;
    proto::ToProto(selector, req.mutable_selector());
    req.set_limit(limit);
    v1::TagKeysResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->TagKeys(ctx.get(), req, &resp)); !s.ok()) return s;
    return std::vector<std::string>(resp.keys().begin(), resp.keys().end());
  }

  absl::StatusOr<std::vector<std::string>> TagValues(const Selector& selector,
                                                     const std::string& key,
                                                     size_t limit) override {
    v1::TagValuesRequest req;
    proto::ToProto(selector, req.mutable_selector());
    req.set_key(key);
    req.set_limit(limit);
    v1::TagValuesResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->TagValues(ctx.get(), req, &resp)); !s.ok()) return s;
    return std::vector<std::string>(resp.values().begin(), resp.values().end());
  }

  absl::StatusOr<std::vector<std::pair<std::string, FieldType>>> FieldKeys(
      const std::string& db, const std::string& measurement) override {
    v1::FieldKeysRequest req;
    req.set_database(db);
    req.set_measurement(measurement);
    v1::FieldKeysResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->FieldKeys(ctx.get(), req, &resp)); !s.ok()) return s;
    std::vector<std::pair<std::string, FieldType>> out;
    for (const auto& f : resp.fields()) out.emplace_back(f.name(), proto::FromProto(f.type()));
    return out;
  }

  absl::StatusOr<std::vector<std::string>> Series(const Selector& selector, size_t limit) override {
    v1::SeriesRequest req;
    proto::ToProto(selector, req.mutable_selector());
    req.set_limit(limit);
    v1::SeriesResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->Series(ctx.get(), req, &resp)); !s.ok()) return s;
    return std::vector<std::string>(resp.series().begin(), resp.series().end());
  }

  absl::Status CreateDatabase(const std::string& name) override {
    v1::CreateDatabaseRequest req;
    req.set_name(name);
    v1::CreateDatabaseResponse resp;
    auto ctx = Context();
    return FromGrpc(stub_->CreateDatabase(ctx.get(), req, &resp));
  }

  absl::Status DropDatabase(const std::string& name) override {
    v1::DropDatabaseRequest req;
    req.set_name(name);
    v1::DropDatabaseResponse resp;
    auto ctx = Context();
    return FromGrpc(stub_->DropDatabase(ctx.get(), req, &resp));
  }

  absl::StatusOr<std::vector<RetentionPolicy>> ListRetentionPolicies(
      const std::string& db) override {
    v1::ListRetentionPoliciesRequest req;
    req.set_database(db);
    v1::ListRetentionPoliciesResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->ListRetentionPolicies(ctx.get(), req, &resp)); !s.ok()) return s;
    std::vector<RetentionPolicy> out;
    for (const auto& p : resp.policies()) out.push_back(proto::FromProto(p));
    return out;
  }

  absl::Status CreateRetentionPolicy(const std::string& db, const RetentionPolicy& rp) override {
    v1::CreateRetentionPolicyRequest req;
    req.set_database(db);
    proto::ToProto(rp, req.mutable_policy());
    v1::CreateRetentionPolicyResponse resp;
    auto ctx = Context();
    return FromGrpc(stub_->CreateRetentionPolicy(ctx.get(), req, &resp));
  }

  absl::Status AlterRetentionPolicy(const std::string& db, const RetentionPolicy& rp) override {
    v1::AlterRetentionPolicyRequest req;
    req.set_database(db);
    proto::ToProto(rp, req.mutable_policy());
    v1::AlterRetentionPolicyResponse resp;
    auto ctx = Context();
    return FromGrpc(stub_->AlterRetentionPolicy(ctx.get(), req, &resp));
  }

  absl::Status DropRetentionPolicy(const std::string& db, const std::string& name) override {
    v1::DropRetentionPolicyRequest req;
    req.set_database(db);
    req.set_name(name);
    v1::DropRetentionPolicyResponse resp;
    auto ctx = Context();
    return FromGrpc(stub_->DropRetentionPolicy(ctx.get(), req, &resp));
  }

  absl::Status DeleteRange(const Selector& selector, int64_t start_ns, int64_t end_ns) override {
    v1::DeleteRangeRequest req;
    proto::ToProto(selector, req.mutable_selector());
    req.set_start_ns(start_ns);
    req.set_end_ns(end_ns);
    v1::DeleteRangeResponse resp;
    auto ctx = Context();
    return FromGrpc(stub_->DeleteRange(ctx.get(), req, &resp));
  }

  absl::StatusOr<std::map<std::string, double>> Stats() override {
    v1::StatsResponse resp;
    auto ctx = Context();
    if (auto s = FromGrpc(stub_->Stats(ctx.get(), v1::StatsRequest(), &resp)); !s.ok()) return s;
    return std::map<std::string, double>(resp.values().begin(), resp.values().end());
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
    return ctx;
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Lux::Stub> stub_;
  const ClientOptions options_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const std::string& target,
                                                        const ClientOptions& options) {
  if (target.empty()) return absl::InvalidArgumentError("target is empty");
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_root_certs_pem;
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  // Reconnect quickly after a server restart.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  auto channel = grpc::CreateCustomChannel(target, creds, args);
  return std::unique_ptr<Client>(new ClientImpl(std::move(channel), options));
}

}  // namespace lux
