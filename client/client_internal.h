// File: client_internal.h
// -----------------------------------------------------------------------------
// Pieces of lux::Client shared between its files; not part of the API.
#ifndef LUX_CLIENT_CLIENT_INTERNAL_H_
#define LUX_CLIENT_CLIENT_INTERNAL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "lux/client.h"
#include "lux/v1/lux.grpc.pb.h"

namespace lux::client_internal {

// gRPC and absl share their code numbering.
absl::Status FromGrpc(const grpc::Status& s);

// What the batching writer needs of the client: one Write with a batch id.
class BatchSender {
 public:
  virtual ~BatchSender() = default;
  virtual absl::StatusOr<WriteResult> SendBatch(const WriteBatch& batch,
                                                const std::string& batch_id) = 0;
};

// REQUIRES: stub outlives the subscription.
std::unique_ptr<Subscription> NewSubscription(v1::Lux::Stub* stub, const Selector& selector,
                                              const SubscribeOptions& options,
                                              std::function<void(std::vector<Point>)> on_points);

// REQUIRES: sender outlives the writer.
std::unique_ptr<Writer> NewBatchingWriter(BatchSender* sender, const WriterOptions& options);

}  // namespace lux::client_internal

#endif  // LUX_CLIENT_CLIENT_INTERNAL_H_
