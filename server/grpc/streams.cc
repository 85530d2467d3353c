// The streaming RPCs of RecommenderService: DueReplenishments (server
// stream) and StreamPersonalPicks (bidirectional).
//
// Both are callback reactors that keep at most one operation outstanding
// and do one bounded step of work per message (a batch of customers, or one
// customer's picks) on the thread that completed the previous operation, so
// a slow client slows only its own stream (gRPC's flow control pushes back
// through the pending write) and no thread blocks waiting on a client.
// Each stream holds one snapshot handle for its whole life: a long batch
// job sees one consistent version.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "models/customer_value.h"
#include "models/experiments/config.h"
#include "server/engine/audiences.h"
#include "server/engine/engine.h"
#include "server/engine/experiments.h"
#include "server/engine/lists.h"
#include "server/engine/live_events.h"
#include "server/engine/request_limits.h"
#include "server/engine/retention.h"
#include "server/grpc/grpc_auth.h"
#include "server/grpc/recommender_service.h"
#include "server/grpc/status_util.h"
#include "server/metrics.h"
#include "server/parallel.h"

namespace boomerang {
namespace {

using internal::BoundFilter;

// The server streams' common part: one message at a time, written when the
// previous one is done; `End` finishes with a status, metrics on the way
// out. A subclass fills and writes the next message in NextBatch (and calls
// it from its constructor), marking the last one with Last().
template <typename Response>
class BatchWriter : public grpc::ServerWriteReactor<Response> {
 public:
  explicit BatchWriter(const char* method) : method_(method) {}

  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(grpc::Status(grpc::StatusCode::CANCELLED,
                       "the client stopped reading"));
      return;
    }
    if (done_sent_) {
      End(grpc::Status::OK);
      return;
    }
    NextBatch();
  }
  void OnDone() override {
    Metrics::Global().Record(method_, "grpc",
                             static_cast<absl::StatusCode>(code_),
                             absl::ToDoubleSeconds(absl::Now() - started_));
    delete this;
  }

 protected:
  virtual void NextBatch() = 0;
  void End(const grpc::Status& status) {
    code_ = status.error_code();
    this->Finish(status);
  }
  // The message being written is the stream's last.
  void Last() { done_sent_ = true; }

 private:
  const char* const method_;
  const absl::Time started_ = absl::Now();
  grpc::StatusCode code_ = grpc::StatusCode::OK;
  bool done_sent_ = false;
};

class DueStream final : public BatchWriter<v1::DueReplenishmentsResponse> {
 public:
  DueStream(View view, DueOptions options, BoundFilter filter)
      : BatchWriter("DueReplenishments"),
        view_(std::move(view)),
        options_(options),
        filter_(std::move(filter)) {
    NextBatch();
  }

 private:
  // Fills the next message with up to batch_size due customers (fewer
  // when many customers in a row have nothing due, so that progress keeps
  // coming) and writes it.
  void NextBatch() override {
    response_.Clear();
    response_.set_snapshot_version(view_.snapshot().version());
    response_.mutable_as_of()->set_seconds(options_.as_of);
    // Bounded work per message whatever batch_size asks for (~0.1 s); a
    // message may then carry fewer customers, or none, with the progress.
    constexpr int64_t max_scan = 16384;
    int64_t scanned = 0;
    while (static_cast<int>(ready_.size()) < options_.batch_size &&
           !scan_end_ && scanned < max_scan) {
      absl::Status s = ScanBlock(&scanned);
      if (!s.ok()) {
        End(ToGrpcStatus(s));
        return;
      }
    }
    // At most batch_size customers and about 1 MiB, far below gRPC's
    // default 4 MiB receive limit (a customer may have 100 items).
    constexpr size_t kMaxMessageBytes = size_t{1} << 20;
    size_t bytes = 0;
    while (!ready_.empty() &&
           response_.customers_size() < options_.batch_size &&
           (bytes < kMaxMessageBytes || response_.customers_size() == 0)) {
      bytes += ready_.front().ByteSizeLong();
      response_.mutable_customers()->Add(std::move(ready_.front()));
      ready_.pop_front();
    }
    response_.set_customers_scanned(scanned_);
    response_.set_customers_total(view_.snapshot().num_customers());
    if (scan_end_ && ready_.empty()) {
      response_.set_done(true);
      Last();
    }
    StartWrite(&response_);
  }

  // Reads the next block of customer records and computes their due items
  // in parallel; the due ones join `ready_` in key order.
  absl::Status ScanBlock(int64_t* scanned) {
    constexpr int kBlock = 1024;
    keys_.clear();
    values_.clear();
    absl::Status s = view_.snapshot().ScanCustomers(
        last_key_, [&](absl::string_view key, absl::string_view value) {
          keys_.emplace_back(key);
          values_.emplace_back(value);
          return static_cast<int>(keys_.size()) < kBlock;
        });
    if (!s.ok()) return s;
    if (static_cast<int>(keys_.size()) < kBlock) scan_end_ = true;
    if (keys_.empty()) return absl::OkStatus();
    last_key_ = keys_.back();
    const int n = static_cast<int>(keys_.size());
    std::vector<v1::CustomerDue> slots(n);
    std::vector<char> due(n, 0), unreadable(n, 0);
    ParallelFor(n, DefaultWorkers(), [&](int i) {
      v1::CustomerRecord record;
      if (!record.ParseFromString(values_[i])) {
        unreadable[i] = 1;
        return;
      }
      // Live purchases move due dates (a no-op without live events).
      LiveActivity live;
      ApplyLiveEvents(view_, keys_[i], options_.as_of, &record, &live);
      due[i] = DueItemsOf(view_, record, options_, filter_,
                          slots[i].mutable_items());
    });
    for (int i = 0; i < n; ++i) {
      if (unreadable[i]) {
        return absl::DataLossError(
            absl::StrCat("customer record '", keys_[i], "' is unreadable"));
      }
      if (!due[i]) continue;
      slots[i].set_customer_id(keys_[i]);
      // The reminder's arm (sticky by customer); a hold-out sends none.
      auto arm = ChooseArm(view_, "due_replenishments", options_.placement,
                           keys_[i], "");
      if (arm.ok()) {
        if (arm->kind == experiments::ArmKind::kHoldout) {
          slots[i].clear_items();
        }
        *slots[i].mutable_tracking() = std::move(arm->tracking);
      }
      ready_.push_back(std::move(slots[i]));
    }
    scanned_ += n;
    *scanned += n;
    return absl::OkStatus();
  }

  const View view_;  // the stream's one handle, for its whole life
  const DueOptions options_;
  const BoundFilter filter_;
  std::string last_key_;
  int64_t scanned_ = 0;
  bool scan_end_ = false;
  std::vector<std::string> keys_, values_;
  std::deque<v1::CustomerDue> ready_;
  v1::DueReplenishmentsResponse response_;
};

// Customer ids per request message, and per step of a segment scan.
constexpr int kMaxStreamIds = 10000;
constexpr int kSegmentStep = 256;
// Scan steps (of up to 16 x kSegmentStep records) between two messages.
constexpr int kMaxSegmentStepsPerMessage = 4;

class PicksStream final
    : public grpc::ServerBidiReactor<v1::StreamPersonalPicksRequest,
                                     v1::StreamPersonalPicksResponse> {
 public:
  explicit PicksStream(View view) : view_(std::move(view)) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client sent everything and we answered all of it
      End(grpc::Status::OK);
      return;
    }
    absl::Status s = Accept();
    if (!s.ok()) {
      End(ToGrpcStatus(s));
      return;
    }
    Pump();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(grpc::Status(grpc::StatusCode::CANCELLED,
                       "the client stopped reading"));
      return;
    }
    Pump();
  }
  void OnDone() override {
    Metrics::Global().Record(kMethod, "grpc",
                             static_cast<absl::StatusCode>(code_),
                             absl::ToDoubleSeconds(absl::Now() - started_));
    delete this;
  }

 private:
  static constexpr const char* kMethod = "StreamPersonalPicks";
  void End(const grpc::Status& status) {
    code_ = status.error_code();
    Finish(status);
  }
  const absl::Time started_ = absl::Now();
  grpc::StatusCode code_ = grpc::StatusCode::OK;
  // Takes the options and ids (or segment) of the request just read.
  absl::Status Accept() {
    const bool has_ids = request_.customer_ids_size() > 0;
    const bool has_segment = !request_.segment().empty();
    if (has_ids == has_segment) {
      return absl::InvalidArgumentError(
          "each request names either customer_ids or a segment");
    }
    if (request_.customer_ids_size() > kMaxStreamIds) {
      return absl::InvalidArgumentError(
          absl::StrCat("more than ", kMaxStreamIds,
                       " customer_ids in one message: split them"));
    }
    if (has_segment) {
      absl::Status s = ValidateSegment(view_.snapshot(), request_.segment());
      if (!s.ok()) return s;
    }
    options_.Clear();
    options_.set_customer_id("-");  // validated per customer below
    options_.set_limit(request_.limit());
    options_.set_mode(request_.mode());
    options_.set_placement(request_.placement().empty()
                               ? "stream_personal_picks"
                               : request_.placement());
    if (!experiments::ValidName(options_.placement())) {
      return absl::InvalidArgumentError(
          "placement must be 1-64 letters, digits, '_' or '-'");
    }
    *options_.mutable_filter() = request_.filter();
    if (request_.has_as_of()) *options_.mutable_as_of() = request_.as_of();
    int limit = 0;
    absl::Status s = ValidatePicksRequest(options_, &limit);
    if (!s.ok()) return s;
    // One moment for the whole request: segments as GetCustomerProfile
    // assigns them and every answer's picks, even if the stream outlives a
    // day or the clock moves.
    as_of_ = view_.AsOfOr(request_.has_as_of(), request_.as_of());
    options_.mutable_as_of()->set_seconds(as_of_);
    options_.mutable_as_of()->set_nanos(0);
    ids_.assign(request_.customer_ids().begin(), request_.customer_ids().end());
    next_ = 0;
    segment_ = request_.segment();
    segment_scanned_ = 0;
    scan_key_.clear();
    scan_done_ = segment_.empty();
    return absl::OkStatus();
  }

  // Writes the next answer (computing a chunk of them in parallel when
  // none is ready), or reads the next request when all are out.
  void Pump() {
    if (out_next_ < out_.size()) {
      StartWrite(&out_[out_next_++]);
      return;
    }
    // A rare segment may need a long scan before the next member: after a
    // bounded amount of it, send a progress message instead of going
    // silent (and holding this thread) until the end of the table.
    for (int steps = 0; next_ == ids_.size() && !scan_done_; ++steps) {
      if (steps == kMaxSegmentStepsPerMessage) {
        progress_.Clear();
        progress_.set_snapshot_version(view_.snapshot().version());
        *progress_.mutable_as_of() = options_.as_of();
        progress_.set_customers_scanned(segment_scanned_);
        StartWrite(&progress_);
        return;
      }
      absl::Status s = ScanSegment();
      if (!s.ok()) {
        End(ToGrpcStatus(s));
        return;
      }
    }
    if (next_ < ids_.size()) {
      constexpr size_t kChunk = 128;
      const size_t n = std::min(kChunk, ids_.size() - next_);
      out_.clear();
      out_.resize(n);
      out_next_ = 0;
      ParallelFor(static_cast<int>(n), DefaultWorkers(),
                  [&](int j) { Answer(ids_[next_ + j], &out_[j]); });
      next_ += n;
      StartWrite(&out_[out_next_++]);
      return;
    }
    StartRead(&request_);
  }

  // The next step of a segment: up to kSegmentStep ids of its customers.
  absl::Status ScanSegment() {
    ids_.clear();
    next_ = 0;
    int64_t scanned = 0;
    bool stopped = false;
    absl::Status bad;
    absl::Status s = view_.snapshot().ScanCustomers(
        scan_key_, [&](absl::string_view key, absl::string_view value) {
          scan_key_.assign(key.data(), key.size());
          if (!record_.ParseFromArray(value.data(),
                                      static_cast<int>(value.size()))) {
            bad = absl::DataLossError(
                absl::StrCat("customer record '", key, "' is unreadable"));
            stopped = true;
            return false;
          }
          // With the customer's live purchases, as GetCustomerProfile
          // assigns segments and classes (a no-op for most customers).
          LiveActivity live;
          ApplyLiveEvents(view_, key, view_.clock.SystemNow(), &record_, &live);
          if (InSegment(view_.snapshot(), record_, as_of_, segment_)) {
            ids_.emplace_back(key);
          }
          ++segment_scanned_;
          if (static_cast<int>(ids_.size()) >= kSegmentStep ||
              ++scanned >= 16 * kSegmentStep) {
            stopped = true;
            return false;
          }
          return true;
        });
    if (!stopped) scan_done_ = true;
    return s.ok() ? bad : s;
  }

  // Thread-safe: reads only the stream's current options.
  void Answer(const std::string& id,
              v1::StreamPersonalPicksResponse* out) const {
    out->set_customer_id(id);
    out->set_snapshot_version(view_.snapshot().version());
    *out->mutable_as_of() = options_.as_of();
    v1::PersonalPicksRequest request = options_;
    request.set_customer_id(id);
    v1::RecommendationsResponse picks;
    absl::Status s = PersonalPicks(view_, request, &picks);
    if (!s.ok()) {
      out->set_error(std::string(s.message()));
      return;
    }
    out->mutable_items()->Swap(picks.mutable_items());
    out->set_fallback(picks.fallback());
    out->mutable_tracking()->Swap(picks.mutable_tracking());
  }

  const View view_;  // the stream's one handle, for its whole life
  v1::StreamPersonalPicksRequest request_;
  v1::PersonalPicksRequest options_;  // the current request's options
  int64_t as_of_ = 0;
  std::vector<std::string> ids_;
  size_t next_ = 0;
  std::string segment_;
  std::string scan_key_;
  bool scan_done_ = true;
  v1::CustomerRecord record_;
  std::vector<v1::StreamPersonalPicksResponse> out_;  // answers to write
  v1::StreamPersonalPicksResponse progress_;  // a segment scan's heartbeat
  int64_t segment_scanned_ = 0;
  size_t out_next_ = 0;
};

// Audiences: AudienceScan's batches, one message each; the last has `done`
// and the per-trigger counts.
class AudienceStream final : public BatchWriter<v1::AudiencesResponse> {
 public:
  AudienceStream(View view, AudienceSettings settings)
      : BatchWriter("Audiences"), scan_(std::move(view), std::move(settings)) {
    NextBatch();
  }

 private:
  void NextBatch() override {
    response_.Clear();
    std::vector<v1::AudienceEntry> entries;
    absl::StatusOr<bool> more = scan_.Next(&entries);
    if (!more.ok()) {
      End(ToGrpcStatus(more.status()));
      return;
    }
    for (v1::AudienceEntry& e : entries) {
      *response_.add_entries() = std::move(e);
    }
    response_.set_snapshot_version(scan_.view().snapshot().version());
    response_.mutable_as_of()->set_seconds(scan_.settings().as_of);
    response_.set_customers_scanned(scan_.scanned());
    response_.set_customers_total(scan_.total());
    if (!*more) {
      response_.set_done(true);
      for (v1::TriggerCount& c : scan_.Counts()) {
        *response_.add_counts() = std::move(c);
      }
      Last();
    }
    this->StartWrite(&response_);
  }
  AudienceScan scan_;
  v1::AudiencesResponse response_;
};

// A stream that fails before it starts.
template <typename Reactor>
class FailedWrite final : public Reactor {
 public:
  explicit FailedWrite(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::DueReplenishmentsResponse>*
RecommenderService::DueReplenishments(
    grpc::CallbackServerContext* context,
    const v1::DueReplenishmentsRequest* request) {
  using Failed =
      FailedWrite<grpc::ServerWriteReactor<v1::DueReplenishmentsResponse>>;
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kRead);
  if (!allowed.ok()) return new Failed(allowed);
  absl::StatusOr<View> view = engine_->Acquire();
  if (!view.ok()) return new Failed(ToGrpcStatus(view.status()));
  DueOptions options;
  absl::Status s = ValidateDueRequest(*view, *request, &options);
  if (!s.ok()) return new Failed(ToGrpcStatus(s));
  auto filter = DueFilter(*view, request->filter());
  if (!filter.ok()) return new Failed(ToGrpcStatus(filter.status()));
  return new DueStream(std::move(*view), options, std::move(*filter));
}

grpc::ServerWriteReactor<v1::AudiencesResponse>* RecommenderService::Audiences(
    grpc::CallbackServerContext* context, const v1::AudiencesRequest* request) {
  using Failed = FailedWrite<grpc::ServerWriteReactor<v1::AudiencesResponse>>;
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kRead);
  if (!allowed.ok()) return new Failed(allowed);
  absl::StatusOr<View> view = engine_->Acquire();
  if (!view.ok()) return new Failed(ToGrpcStatus(view.status()));
  AudienceSettings settings;
  absl::Status s = ValidateAudiencesRequest(*view, *request, &settings);
  if (!s.ok()) return new Failed(ToGrpcStatus(s));
  return new AudienceStream(std::move(*view), std::move(settings));
}

grpc::ServerBidiReactor<v1::StreamPersonalPicksRequest,
                        v1::StreamPersonalPicksResponse>*
RecommenderService::StreamPersonalPicks(grpc::CallbackServerContext* context) {
  using Failed =
      FailedWrite<grpc::ServerBidiReactor<v1::StreamPersonalPicksRequest,
                                          v1::StreamPersonalPicksResponse>>;
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kRead);
  if (!allowed.ok()) return new Failed(allowed);
  absl::StatusOr<View> view = engine_->Acquire();
  if (!view.ok()) return new Failed(ToGrpcStatus(view.status()));
  return new PicksStream(std::move(*view));
}

}  // namespace boomerang
