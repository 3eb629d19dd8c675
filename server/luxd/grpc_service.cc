// File: grpc_service.cc
// Warm path (per request); the per-point work is in the engine.
#include "server/luxd/grpc_service.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/luxd/http_util.h"
#include "server/luxd/lp_writer.h"
#include "server/proto/convert.h"

namespace lux::luxd {
namespace {

using proto::AppendValue;
using proto::FromProto;
using proto::ToProto;

// Responses of a query stream hold about this many values each.
constexpr size_t kValuesPerResponse = 64 * 1024;

// The call's deadline as an absl::Time (infinite when none).
absl::Time DeadlineOf(const grpc::ServerContext* ctx) {
  const auto d = ctx->deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(d);
}

// Identity of one field of one series, for resuming without duplicates:
// each name length-prefixed, so that no bytes in a name can make two series
// read alike.
std::string FieldKey(const std::string& measurement, const std::vector<Tag>& tags,
                     const std::string& field) {
  std::string k;
  auto add = [&k](const std::string& s) { absl::StrAppend(&k, s.size(), ":", s); };
  add(measurement);
  for (const Tag& t : tags) {
    add(t.key);
    add(t.value);
  }
  add(field);
  return k;
}

}  // namespace

// One Subscribe stream's state, fed by the hub (and first by a replay of
// stored points when resuming) and drained by the call's writes.
// Invariant: Finish is started once, never while a write is in flight, and
// the call object is deleted only when neither is in flight and the call is
// done (SubscribeCall::MaybeDelete), so a thread that saw `writing` or
// `finishing` set under mu may use `call` after releasing mu.
struct SubscribeState final : SubscriptionSink {
  explicit SubscribeState(size_t max) : max_points(max) {}

  void Deliver(uint64_t seq, std::vector<Point> points) override {
    {
      absl::MutexLock l(&mu);
      if (finished || !fail.ok()) return;
      if (replaying) {
        if (live_buffer.size() + points.size() > max_points) {
          Fail(absl::ResourceExhaustedError(absl::StrCat(
              "subscriber too slow: more than ", max_points, " points queued while replaying")));
        } else {
          for (Point& p : points) live_buffer.emplace_back(seq, std::move(p));
        }
        return;
      }
      if (!replayed.empty()) {
        // Writes the replay may have read arrive after it ended, too.
        if (seq > replayed_until) {
          replayed = {};
        } else {
          std::erase_if(points, [&](Point& p) { return !KeepUnreplayedLocked(seq, &p); });
        }
      }
      EnqueueLocked(points);
    }
    MaybeWrite();
  }

  // Drops the fields of live point `p` (of write `seq`) the replay already
  // sent; false if none is left. The replay's frame of a series field holds
  // every write up to its Frame::sequence and none after: exactly those
  // points in its time range were sent.
  bool KeepUnreplayedLocked(uint64_t seq, Point* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (p->timestamp_ns < replay_from) return true;  // not in the replay's range
    std::erase_if(p->fields, [&](const Field& fd) {
      auto it = replayed.find(FieldKey(p->measurement, p->tags, fd.key));
      return it != replayed.end() && seq <= it->second;
    });
    return !p->fields.empty();
  }

  void Close(const absl::Status& why) override {
    {
      absl::MutexLock l(&mu);
      Fail(why);
    }
    MaybeWrite();
  }

  void EnqueueLocked(const std::vector<Point>& points) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (points.empty()) return;
    if (pending_points + points.size() > max_points) {
      Fail(absl::ResourceExhaustedError(
          absl::StrCat("subscriber too slow: more than ", max_points, " points queued")));
      return;
    }
    v1::WriteRequest grouped;
    std::vector<std::vector<size_t>> origin;
    proto::ToWriteRequest(points, &grouped, &origin);
    v1::SubscribeResponse r;
    r.mutable_points()->Swap(grouped.mutable_series());
    pending.push_back(std::move(r));
    pending_points += points.size();
  }

  void Fail(absl::Status s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (fail.ok()) fail = std::move(s);
    pending.clear();
    pending_points = 0;
    live_buffer.clear();
  }

  // Starts the next write, or finishes after a failure. Never under mu.
  void MaybeWrite() ABSL_LOCKS_EXCLUDED(mu);
  static size_t PointsIn(const v1::SubscribeResponse& r) {
    size_t n = 0;
    for (const auto& sp : r.points()) n += sp.timestamps_ns_size();
    return n;
  }

  const size_t max_points;
  absl::Mutex mu;
  SubscribeCall* call ABSL_GUARDED_BY(mu) = nullptr;
  std::deque<v1::SubscribeResponse> pending ABSL_GUARDED_BY(mu);
  size_t pending_points ABSL_GUARDED_BY(mu) = 0;
  v1::SubscribeResponse current;  // the write in flight
  bool writing ABSL_GUARDED_BY(mu) = false;
  bool finished ABSL_GUARDED_BY(mu) = false;   // Finish started (or the call broke)
  bool finishing ABSL_GUARDED_BY(mu) = false;  // Finish in flight
  bool done ABSL_GUARDED_BY(mu) = false;       // the call is over
  absl::Status fail ABSL_GUARDED_BY(mu);
  absl::Time write_started ABSL_GUARDED_BY(mu);
  bool cancelled ABSL_GUARDED_BY(mu) = false;  // TryCancel called
  // Resuming: live points wait in live_buffer (with their write's
  // sequence) while stored points from replay_from on are replayed; after
  // it, live points of writes up to replayed_until are checked against
  // what the replay sent.
  bool replaying ABSL_GUARDED_BY(mu) = false;
  std::vector<std::pair<uint64_t, Point>> live_buffer ABSL_GUARDED_BY(mu);
  int64_t replay_from ABSL_GUARDED_BY(mu) = 0;
  // FieldKey -> the Frame::sequence its replay read at.
  absl::flat_hash_map<std::string, uint64_t> replayed ABSL_GUARDED_BY(mu);
  uint64_t replayed_until ABSL_GUARDED_BY(mu) = 0;  // the largest of them
};

// Starts an operation of a call unless the queues are shutting down (no
// operation may start on a queue then): false if it did not start.
template <typename Op>
bool StartOp(LuxService* service, Op op) {
  absl::ReaderMutexLock l(&service->ops_mu_);
  if (service->shutting_down_) return false;
  op();
  return true;
}

// A call served through the async API on one of the service's completion
// queues: each of its operations completes as a Tag naming the call and
// what completed, handled on that queue's thread.
class AsyncCall {
 public:
  enum class Kind { kStarted, kWrite, kFinish, kDone };
  struct Tag {
    AsyncCall* call;
    Kind kind;
  };
  virtual ~AsyncCall() = default;
  virtual void On(Kind kind, bool ok) = 0;

  static void Handle(void* tag, bool ok) {
    auto* t = static_cast<Tag*>(tag);
    t->call->On(t->kind, ok);
  }
};

// One Subscribe call. Deletes itself.
class SubscribeCall final : public AsyncCall {
 public:
  SubscribeCall(LuxService* service, grpc::ServerCompletionQueue* cq)
      : service_(service),
        cq_(cq),
        state_(std::make_shared<SubscribeState>(service->options_.max_subscriber_queue_points)) {
    {
      absl::MutexLock l(&state_->mu);
      state_->call = this;
    }
    absl::MutexLock l(&service_->calls_mu_);
    service_->calls_.insert(this);
  }
  ~SubscribeCall() override {
    absl::MutexLock l(&service_->calls_mu_);
    service_->calls_.erase(this);
  }

  // Waits for the next Subscribe call on this queue (deletes itself when
  // the service is shutting down).
  void Request() {
    const bool started = StartOp(service_, [&] {
      ctx_.AsyncNotifyWhenDone(&done_tag_);
      service_->RequestSubscribe(&ctx_, &req_, &writer_, cq_, cq_, &started_tag_);
    });
    if (!started) delete this;
  }

  // Start an operation; false once the queues are shutting down (no
  // operation may start on a queue then).
  bool StartWrite(const v1::SubscribeResponse& r) {
    return StartOp(service_, [&] { writer_.Write(r, &write_tag_); });
  }
  bool StartFinish(const grpc::Status& s) {
    return StartOp(service_, [&] { writer_.Finish(s, &finish_tag_); });
  }

  // A call that failed (its subscriber too slow, say) while a write has
  // been out for longer than `grace`: its reader stopped reading, and the
  // write (and the call) would wait forever. Cancels it; the write then
  // completes and the done tag ends the call. REQUIRES: calls_mu_ held (the
  // call cannot be deleted meanwhile).
  void CancelIfStuck(absl::Time now, absl::Duration grace) {
    {
      absl::MutexLock l(&state_->mu);
      if (!state_->writing || state_->fail.ok() || state_->cancelled ||
          now - state_->write_started < grace) {
        return;
      }
      state_->cancelled = true;
    }
    ctx_.TryCancel();
  }

  // Deletes the call once it is over and no operation is in flight. On
  // the queue's thread only (or after it has stopped, LuxService::Shutdown).
  bool MaybeDelete(bool done_or_shutdown) {
    {
      absl::MutexLock l(&state_->mu);
      if (!done_or_shutdown || state_->writing || state_->finishing) return false;
      state_->call = nullptr;
    }
    delete this;
    return true;
  }

 private:
  void On(Kind kind, bool ok) override {
    const std::shared_ptr<SubscribeState> state = state_;  // `this` may go
    switch (kind) {
      case Kind::kStarted:
        if (!ok) {  // shutting down: the call never started, no other tag comes
          delete this;
          return;
        }
        // The next call on this queue, then this one.
        (new SubscribeCall(service_, cq_))->Request();
        service_->StartSubscribe(&req_, state_, &id_);
        state_->MaybeWrite();
        break;
      case Kind::kWrite: {
        absl::MutexLock l(&state_->mu);
        state_->writing = false;
        if (!ok) state_->finished = true;  // the stream is broken: no Finish
        break;
      }
      case Kind::kFinish: {
        absl::MutexLock l(&state_->mu);
        state_->finishing = false;
        break;
      }
      case Kind::kDone: {
        if (id_ != 0) service_->hub_.Remove(id_);
        absl::MutexLock l(&state_->mu);
        state_->done = true;  // stops a replay
        state_->finished = true;
        break;
      }
    }
    bool done;
    {
      absl::MutexLock l(&state->mu);
      done = state->done;
    }
    if (!MaybeDelete(done)) state->MaybeWrite();
  }

  LuxService* const service_;
  grpc::ServerCompletionQueue* const cq_;
  std::shared_ptr<SubscribeState> state_;
  grpc::ServerContext ctx_;
  v1::SubscribeRequest req_;
  grpc::ServerAsyncWriter<v1::SubscribeResponse> writer_{&ctx_};
  uint64_t id_ = 0;
  Tag started_tag_{this, Kind::kStarted};
  Tag write_tag_{this, Kind::kWrite};
  Tag finish_tag_{this, Kind::kFinish};
  Tag done_tag_{this, Kind::kDone};
};

// One Query call: the engine's cursor runs on the queue's thread, one
// response (about kValuesPerResponse values) per write, so a slow reader
// holds no thread and a query's memory stays one response. Deletes itself
// once the call is done and no operation is out.
class QueryCall final : public AsyncCall {
 public:
  QueryCall(LuxService* service, grpc::ServerCompletionQueue* cq) : service_(service), cq_(cq) {}

  void Request() {
    const bool started = StartOp(service_, [&] {
      ctx_.AsyncNotifyWhenDone(&done_tag_);
      service_->RequestQuery(&ctx_, &req_, &writer_, cq_, cq_, &started_tag_);
    });
    if (!started) delete this;
  }

  void On(Kind kind, bool ok) override {
    switch (kind) {
      case Kind::kStarted:
        if (!ok) {  // shutting down: the call never started, no other tag comes
          delete this;
          return;
        }
        (new QueryCall(service_, cq_))->Request();
        Begin();
        break;
      case Kind::kWrite:
        op_out_ = false;
        if (ok && !done_) Continue();
        break;
      case Kind::kFinish:
        op_out_ = false;
        break;
      case Kind::kDone:
        done_ = true;
        cancelled_ = true;  // stops the cursor if it is still going
        break;
    }
    if (done_ && !op_out_) delete this;
  }

 private:
  void Begin() {
    t0_ = std::chrono::steady_clock::now();
    QuerySpec spec;
    if (auto s = FromProto(req_, &spec); !s.ok()) return Finish(ToGrpc(s));
    spec.deadline = DeadlineOf(&ctx_);
    spec.cancelled = &cancelled_;
    auto cursor = service_->db_->Query(spec);
    if (!cursor.ok()) return Finish(ToGrpc(cursor.status()));
    cursor_ = *std::move(cursor);
    Continue();
  }

  // Fills the next response and writes it; the last one carries the
  // metadata and the status.
  void Continue() {
    v1::QueryResponse& resp = resp_;
    resp.Clear();
    size_t values = 0;
    Frame f;
    while (values < kValuesPerResponse) {
      if (!cursor_->Next(&f)) {
        if (!cursor_->status().ok()) {
          // What was written stays written; the status says why it ends.
          return Finish(ToGrpc(cursor_->status()));
        }
        v1::QueryMetadata* md = resp.mutable_metadata();
        md->set_frames(frames_);
        md->set_points(points_);
        md->set_elapsed_ms(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_)
                .count());
        md->set_resolution("raw");
        const QueryStats st = cursor_->stats();
        md->set_series_matched(st.series_matched);
        md->set_points_scanned(st.points_scanned);
        md->set_blocks_decoded(st.blocks_decoded);
        md->set_blocks_from_headers(st.blocks_from_headers);
        op_out_ = StartOp(service_, [&] {
          writer_.WriteAndFinish(resp, grpc::WriteOptions(), grpc::Status::OK, &finish_tag_);
        });
        return;
      }
      ToProto(f, resp.add_frames());
      values += f.times.size();
      points_ += f.times.size();
      ++frames_;
    }
    op_out_ = StartOp(service_, [&] { writer_.Write(resp, &write_tag_); });
  }

  void Finish(const grpc::Status& s) {
    op_out_ = StartOp(service_, [&] { writer_.Finish(s, &finish_tag_); });
  }

  LuxService* const service_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext ctx_;
  v1::QueryRequest req_;
  grpc::ServerAsyncWriter<v1::QueryResponse> writer_{&ctx_};
  std::unique_ptr<Cursor> cursor_;
  v1::QueryResponse resp_;
  std::chrono::steady_clock::time_point t0_;
  uint64_t frames_ = 0, points_ = 0;
  std::atomic<bool> cancelled_{false};
  bool op_out_ = false;  // a write or the finish is in flight
  bool done_ = false;    // the done tag came
  Tag started_tag_{this, Kind::kStarted};
  Tag write_tag_{this, Kind::kWrite};
  Tag finish_tag_{this, Kind::kFinish};
  Tag done_tag_{this, Kind::kDone};
};

// One Last call (unary): answered on the queue's thread.
class LastCall final : public AsyncCall {
 public:
  LastCall(LuxService* service, grpc::ServerCompletionQueue* cq) : service_(service), cq_(cq) {}

  void Request() {
    const bool started = StartOp(service_, [&] {
      service_->RequestLast(&ctx_, &req_, &responder_, cq_, cq_, &started_tag_);
    });
    if (!started) delete this;
  }

  void On(Kind kind, bool ok) override {
    if (kind != Kind::kStarted || !ok) {  // finished, or never started
      delete this;
      return;
    }
    (new LastCall(service_, cq_))->Request();
    v1::LastResponse resp;
    const grpc::Status s = service_->LastOne(req_, &resp);
    if (!StartOp(service_, [&] { responder_.Finish(resp, s, &finish_tag_); })) delete this;
  }

 private:
  LuxService* const service_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext ctx_;
  v1::LastRequest req_;
  grpc::ServerAsyncResponseWriter<v1::LastResponse> responder_{&ctx_};
  Tag started_tag_{this, Kind::kStarted};
  Tag finish_tag_{this, Kind::kFinish};
};

void SubscribeState::MaybeWrite() {
  SubscribeCall* c = nullptr;
  grpc::Status finish;
  bool do_finish = false;
  {
    absl::MutexLock l(&mu);
    if (finished || writing || call == nullptr) return;
    if (!fail.ok()) {
      finished = finishing = do_finish = true;
      finish = ToGrpc(fail);
    } else if (!pending.empty()) {
      current = std::move(pending.front());
      pending.pop_front();
      pending_points -= PointsIn(current);
      writing = true;
      write_started = absl::Now();
    } else {
      return;
    }
    c = call;
  }
  if (do_finish ? c->StartFinish(finish) : c->StartWrite(current)) return;
  // Shutting down: the operation did not start. The call is deleted by its
  // done tag or, after the queues have stopped, by LuxService::Shutdown.
  absl::MutexLock l(&mu);
  writing = finishing = false;
  finished = true;
}

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(static_cast<int>(s.code())),
                      std::string(s.message()));
}

LuxService::LuxService(DB* db, LuxServiceOptions options)
    : db_(db),
      options_(options),
      hub_(db, SubscriptionHubOptions{
                   .max_backlog_points = options.max_subscription_backlog_points,
                   .testing_dispatch_delay = options.testing_subscription_dispatch_delay}) {}

LuxService::~LuxService() { Shutdown(); }

void LuxService::AddCompletionQueues(grpc::ServerBuilder* builder) {
  for (int i = 0; i < options_.subscribe_queues; ++i) cqs_.push_back(builder->AddCompletionQueue());
}

void LuxService::Start() {
  for (auto& cq : cqs_) {
    // A few calls waiting per queue, so a burst of new streams is taken
    // without a round trip through the queue's thread.
    for (int i = 0; i < 4; ++i) {
      (new SubscribeCall(this, cq.get()))->Request();
      (new QueryCall(this, cq.get()))->Request();
      (new LastCall(this, cq.get()))->Request();
    }
    grpc::ServerCompletionQueue* q = cq.get();
    cq_threads_.emplace_back([q] {
      void* tag;
      bool ok;
      while (q->Next(&tag, &ok)) AsyncCall::Handle(tag, ok);
    });
  }
  for (int i = 0; i < options_.replay_threads; ++i) {
    replay_threads_.emplace_back([this] { ReplayLoop(); });
  }
  reaper_ = std::thread([this] {
    while (!stop_reaper_.WaitForNotificationWithTimeout(absl::Seconds(1))) {
      const absl::Time now = absl::Now();
      absl::MutexLock l(&calls_mu_);
      for (SubscribeCall* c : calls_) c->CancelIfStuck(now, options_.stuck_write_grace);
    }
  });
}

void LuxService::Shutdown() {
  if (reaper_.joinable()) {
    stop_reaper_.Notify();
    reaper_.join();
  }
  {
    absl::WriterMutexLock l(&ops_mu_);  // no operation starts after this
    shutting_down_ = true;
  }
  for (auto& cq : cqs_) cq->Shutdown();
  for (auto& t : cq_threads_) t.join();
  cq_threads_.clear();
  cqs_.clear();
  {
    absl::MutexLock l(&replay_mu_);
    replay_stop_ = true;
  }
  for (auto& t : replay_threads_) t.join();
  replay_threads_.clear();
  // Calls whose done tag never came (a queue shut down first). A thread
  // refused an operation clears writing/finishing at once: wait for that.
  for (;;) {
    SubscribeCall* c = nullptr;
    {
      absl::MutexLock l(&calls_mu_);
      if (calls_.empty()) break;
      c = *calls_.begin();
    }
    if (!c->MaybeDelete(true)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void LuxService::ReplayLoop() {
  for (;;) {
    std::function<void()> job;
    {
      absl::MutexLock l(&replay_mu_);
      replay_mu_.Await(absl::Condition(
          +[](LuxService* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->replay_mu_) {
            return s->replay_stop_ || !s->replay_jobs_.empty();
          },
          this));
      if (replay_stop_) return;
      job = std::move(replay_jobs_.front());
      replay_jobs_.pop_front();
    }
    job();
  }
}

void LuxService::BeginShutdown() {
  draining_ = true;
  hub_.CloseAll(absl::UnavailableError("luxd is shutting down"));
}

void LuxService::StartSubscribe(const v1::SubscribeRequest* req,
                                const std::shared_ptr<SubscribeState>& state, uint64_t* id_out) {
  if (draining_) {
    absl::MutexLock l(&state->mu);
    state->Fail(absl::UnavailableError("luxd is shutting down"));
    return;
  }
  Selector sel;
  if (auto s = FromProto(req->selector(), "selector", &sel); !s.ok()) {
    absl::MutexLock l(&state->mu);
    state->Fail(s);
    return;
  }
  const int64_t from = req->resume_from_ns();
  {
    absl::MutexLock l(&state->mu);
    state->replaying = from != 0;
    state->replay_from = from;
  }
  auto id = hub_.Add(sel, state);
  if (!id.ok()) {
    absl::MutexLock l(&state->mu);
    state->replaying = false;
    state->Fail(id.status());
    return;
  }
  *id_out = *id;
  if (from == 0) return;
  // Resume: stored points from `from` on, then the live ones that arrived
  // meanwhile, skipping per series field what the replay already sent
  // (SubscribeState::KeepUnreplayedLocked, by write sequence). On
  // the replay threads; a subscriber that does not drain its queue within
  // kReplayWait ends with RESOURCE_EXHAUSTED rather than hold a thread.
  absl::MutexLock l(&replay_mu_);
  replay_jobs_.emplace_back([this, state, sel, from] {
    constexpr absl::Duration kReplayWait = absl::Seconds(10);
    {
      absl::MutexLock l(&state->mu);  // ended while the job waited
      if (state->done || !state->fail.ok()) return;
    }
    // Chunks well under the subscriber's queue bound, which the replay waits
    // to be half empty before each.
    const size_t chunk_points = std::max<size_t>(1, std::min<size_t>(4096, state->max_points / 4));
    QuerySpec q;
    q.selector = sel;
    q.start_ns = from;
    absl::flat_hash_map<std::string, uint64_t> sent;  // as SubscribeState::replayed
    uint64_t sent_until = 0;
    absl::Status status;
    auto cursor = db_->Query(q);
    if (!cursor.ok()) status = cursor.status();
    std::vector<Point> chunk;
    auto flush = [&]() {
      absl::MutexLock l(&state->mu);
      const bool drained = state->mu.AwaitWithTimeout(
          absl::Condition(
              +[](SubscribeState* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
                return s->done || !s->fail.ok() || s->pending_points < s->max_points / 2;
              },
              state.get()),
          kReplayWait);
      if (!drained) {
        state->Fail(absl::ResourceExhaustedError(
            "subscriber too slow: its queue did not drain while replaying stored points"));
      }
      if (state->done || !state->fail.ok()) return false;
      state->EnqueueLocked(chunk);
      chunk.clear();
      return true;
    };
    Frame f;
    bool going = cursor.ok();
    while (going && (*cursor)->Next(&f)) {
      for (size_t i = 0; i < f.times.size() && going; ++i) {
        Point p;
        p.measurement = f.measurement;
        p.tags = f.tags;
        p.timestamp_ns = f.times[i];
        p.fields.push_back(Field{f.field, f.values[i]});
        chunk.push_back(std::move(p));
        if (chunk.size() >= chunk_points) {
          going = flush();
          state->MaybeWrite();
        }
      }
      if (!f.times.empty()) {
        sent[FieldKey(f.measurement, f.tags, f.field)] = f.sequence;
        sent_until = std::max(sent_until, f.sequence);
      }
    }
    if (going && cursor.ok()) status = (*cursor)->status();
    if (going) going = flush();
    {
      absl::MutexLock l(&state->mu);
      if (!status.ok()) {
        state->Fail(status);
      } else if (going) {
        state->replayed = std::move(sent);
        state->replayed_until = sent_until;
        std::vector<Point> live;
        for (auto& [seq, p] : state->live_buffer) {
          if (state->KeepUnreplayedLocked(seq, &p)) live.push_back(std::move(p));
        }
        state->live_buffer.clear();
        state->EnqueueLocked(live);
      }
      state->replaying = false;
    }
    state->MaybeWrite();
  });
}

grpc::Status LuxService::WriteOne(const v1::WriteRequest& req, const std::string& peer,
                                  v1::WriteResponse* resp) {
  if (req.database().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "database is required");
  }
  ColumnBatch batch;
  std::vector<std::pair<uint32_t, uint32_t>> origin;
  std::vector<v1::PointError> errors;
  proto::ToColumnBatch(req, &batch, &origin, &errors);
  if (!origin.empty() || !batch.batch_id.empty()) {
    auto result = db_->Write(batch);
    // Refused points are kept for `luxctl rejected list|replay`.
    // (flat index of its first point, series) of each series with points.
    std::vector<std::pair<size_t, size_t>> starts;
    size_t at = 0;
    for (size_t s = 0; s < batch.series.size(); ++s) {
      if (batch.series[s].timestamps_ns.empty()) continue;
      starts.emplace_back(at, s);
      at += batch.series[s].timestamps_ns.size();
    }
    auto keep = [&](size_t k, absl::string_view why) {
      if (options_.rejected == nullptr || k >= at) return;
      auto it = std::upper_bound(starts.begin(), starts.end(), std::pair(k, SIZE_MAX)) - 1;
      std::string line;
      AppendPoint(PointAt(batch.series[it->second], k - it->first), &line);
      if (!line.empty()) line.pop_back();
      options_.rejected->Add({absl::ToUnixNanos(absl::Now()), peer, batch.database,
                              batch.retention_policy, k + 1, std::move(line), std::string(why)});
    };
    if (!result.ok()) {
      for (size_t k = 0; k < origin.size(); ++k) keep(k, result.status().message());
      return ToGrpc(result.status());
    }
    for (const auto& rej : result->rejected) keep(rej.index, rej.status.message());
    resp->set_points_written(result->points_written);
    resp->set_duplicate(result->duplicate);
    for (const auto& rej : result->rejected) {
      v1::PointError e;
      e.set_series_index(origin[rej.index].first);
      e.set_point_index(origin[rej.index].second);
      e.set_message(std::string(rej.status.message()));
      errors.push_back(std::move(e));
    }
  }
  std::sort(errors.begin(), errors.end(), [](const v1::PointError& a, const v1::PointError& b) {
    return std::pair(a.series_index(), a.point_index()) <
           std::pair(b.series_index(), b.point_index());
  });
  for (auto& e : errors) *resp->add_errors() = std::move(e);
  return grpc::Status::OK;
}

grpc::Status LuxService::Write(grpc::ServerContext* ctx, const v1::WriteRequest* req,
                               v1::WriteResponse* resp) {
  return WriteOne(*req, ctx->peer(), resp);
}

grpc::Status LuxService::WriteStream(grpc::ServerContext* ctx,
                                     grpc::ServerReader<v1::WriteRequest>* reader,
                                     v1::WriteSummary* summary) {
  v1::WriteRequest req;
  uint32_t index = 0;
  while (reader->Read(&req)) {
    v1::WriteResponse resp;
    grpc::Status s = WriteOne(req, ctx->peer(), &resp);
    if (!s.ok()) {
      return grpc::Status(s.error_code(), absl::StrCat("request ", index, ": ", s.error_message()));
    }
    summary->set_requests(summary->requests() + 1);
    summary->set_points_written(summary->points_written() + resp.points_written());
    summary->set_points_rejected(summary->points_rejected() + resp.errors_size());
    for (const auto& e : resp.errors()) {
      if (summary->errors_size() >= 100) break;
      *summary->add_errors() = e;
      summary->add_error_request_index(index);
    }
    ++index;
  }
  return grpc::Status::OK;
}

grpc::Status LuxService::LastOne(const v1::LastRequest& req, v1::LastResponse* resp) {
  Selector sel;
  if (auto s = FromProto(req.selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  if (sel.measurement.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "selector.measurement is required");
  }
  auto last = db_->Last(sel);
  if (!last.ok()) return ToGrpc(last.status());
  for (const LastValue& lv : *last) {
    ToProto(lv, resp->add_points());
  }
  return grpc::Status::OK;
}

grpc::Status LuxService::ListDatabases(grpc::ServerContext*, const v1::ListDatabasesRequest*,
                                       v1::ListDatabasesResponse* resp) {
  for (auto& name : db_->ListDatabases()) resp->add_databases(std::move(name));
  return grpc::Status::OK;
}

grpc::Status LuxService::ListMeasurements(grpc::ServerContext*,
                                          const v1::ListMeasurementsRequest* req,
                                          v1::ListMeasurementsResponse* resp) {
  if (req->database().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "database is required");
  }
  auto r = db_->ListMeasurements(req->database(), req->limit());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& m : *r) resp->add_measurements(std::move(m));
  return grpc::Status::OK;
}

grpc::Status LuxService::TagKeys(grpc::ServerContext*, const v1::TagKeysRequest* req,
                                 v1::TagKeysResponse* resp) {
  Selector sel;
  if (auto s = FromProto(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  auto r = db_->ListTagKeys(sel, req->limit());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& k : *r) resp->add_keys(std::move(k));
  return grpc::Status::OK;
}

grpc::Status LuxService::TagValues(grpc::ServerContext*, const v1::TagValuesRequest* req,
                                   v1::TagValuesResponse* resp) {
  Selector sel;
  if (auto s = FromProto(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  if (req->key().empty())
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "key is required");
  auto r = db_->ListTagValues(sel, req->key(), req->limit());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& v : *r) resp->add_values(std::move(v));
  return grpc::Status::OK;
}

grpc::Status LuxService::FieldKeys(grpc::ServerContext*, const v1::FieldKeysRequest* req,
                                   v1::FieldKeysResponse* resp) {
  if (req->database().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "database is required");
  }
  if (req->measurement().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "measurement is required");
  }
  auto r = db_->ListFieldKeys(req->database(), req->measurement());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& [name, type] : *r) {
    v1::FieldKey* k = resp->add_fields();
    k->set_name(name);
    k->set_type(ToProto(type));
  }
  return grpc::Status::OK;
}

grpc::Status LuxService::Series(grpc::ServerContext*, const v1::SeriesRequest* req,
                                v1::SeriesResponse* resp) {
  Selector sel;
  if (auto s = FromProto(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  auto r = db_->ListSeries(sel, req->limit());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& k : *r) resp->add_series(std::move(k));
  return grpc::Status::OK;
}

grpc::Status LuxService::CreateDatabase(grpc::ServerContext*, const v1::CreateDatabaseRequest* req,
                                        v1::CreateDatabaseResponse*) {
  return ToGrpc(db_->CreateDatabase(req->name()));
}

grpc::Status LuxService::DropDatabase(grpc::ServerContext*, const v1::DropDatabaseRequest* req,
                                      v1::DropDatabaseResponse*) {
  return ToGrpc(db_->DropDatabase(req->name()));
}

grpc::Status LuxService::ListRetentionPolicies(grpc::ServerContext*,
                                               const v1::ListRetentionPoliciesRequest* req,
                                               v1::ListRetentionPoliciesResponse* resp) {
  auto r = db_->ListRetentionPolicies(req->database());
  if (!r.ok()) return ToGrpc(r.status());
  for (const RetentionPolicy& rp : *r) ToProto(rp, resp->add_policies());
  return grpc::Status::OK;
}

grpc::Status LuxService::CreateRetentionPolicy(grpc::ServerContext*,
                                               const v1::CreateRetentionPolicyRequest* req,
                                               v1::CreateRetentionPolicyResponse*) {
  return ToGrpc(db_->CreateRetentionPolicy(req->database(), FromProto(req->policy())));
}

grpc::Status LuxService::AlterRetentionPolicy(grpc::ServerContext*,
                                              const v1::AlterRetentionPolicyRequest* req,
                                              v1::AlterRetentionPolicyResponse*) {
  return ToGrpc(db_->AlterRetentionPolicy(req->database(), FromProto(req->policy())));
}

grpc::Status LuxService::DropRetentionPolicy(grpc::ServerContext*,
                                             const v1::DropRetentionPolicyRequest* req,
                                             v1::DropRetentionPolicyResponse*) {
  return ToGrpc(db_->DropRetentionPolicy(req->database(), req->name()));
}

grpc::Status LuxService::DeleteRange(grpc::ServerContext*, const v1::DeleteRangeRequest* req,
                                     v1::DeleteRangeResponse*) {
  Selector sel;
  if (auto s = FromProto(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  if (sel.measurement.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "selector.measurement is required");
  }
  const int64_t start =
      req->start_ns() == 0 ? std::numeric_limits<int64_t>::min() : req->start_ns();
  const int64_t end = req->end_ns() == 0 ? std::numeric_limits<int64_t>::max() : req->end_ns();
  return ToGrpc(db_->DeleteRange(sel, start, end));
}

grpc::Status LuxService::Stats(grpc::ServerContext*, const v1::StatsRequest*,
                               v1::StatsResponse* resp) {
  std::string stats;
  if (!db_->GetProperty("lux.stats", &stats)) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "database is closed");
  }
  for (const auto& [key, number] : FlatJsonNumbers(stats)) {
    double v = 0;
    if (absl::SimpleAtod(number, &v)) (*resp->mutable_values())[key] = v;
  }
  const SubscriptionHubStats hub = hub_.stats();
  auto& values = *resp->mutable_values();
  values["subscriptions"] = double(hub.subscriptions);
  values["subscription_backlog_points"] = double(hub.backlog_points);
  values["subscription_delivered_points"] = double(hub.delivered_points);
  values["subscription_overrun_points"] = double(hub.overrun_points);
  values["subscriptions_ended_by_overrun"] = double(hub.overrun_closed);
  return grpc::Status::OK;
}

}  // namespace lux::luxd
