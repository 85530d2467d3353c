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
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "models/customer_value.h"
#include "server/recommender_service.h"
#include "server/request_limits.h"
#include "server/retention.h"
#include "server/status_util.h"

namespace boomerang {
namespace {

using internal::BoundFilter;

class DueStream final
    : public grpc::ServerWriteReactor<v1::DueReplenishmentsResponse> {
 public:
  DueStream(std::shared_ptr<const Snapshot> snapshot, DueOptions options,
            BoundFilter filter)
      : snapshot_(std::move(snapshot)),
        options_(options),
        filter_(std::move(filter)) {
    NextBatch();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client stopped reading"));
      return;
    }
    if (done_sent_) {
      Finish(grpc::Status::OK);
      return;
    }
    NextBatch();
  }
  void OnDone() override { delete this; }

 private:
  // Scans customers after the last one sent until a batch of due customers
  // is full (or enough were scanned to report progress), then writes it.
  void NextBatch() {
    response_.Clear();
    response_.set_snapshot_version(snapshot_->version());
    const int64_t max_scan = std::max(4096, 16 * options_.batch_size);
    int found = 0;
    int64_t scanned = 0;
    bool stopped = false;
    absl::Status bad;
    absl::Status s = snapshot_->ScanCustomers(
        last_key_, [&](absl::string_view key, absl::string_view value) {
          last_key_.assign(key.data(), key.size());
          ++scanned;
          if (!record_.ParseFromArray(value.data(),
                                      static_cast<int>(value.size()))) {
            bad = absl::DataLossError(
                absl::StrCat("customer record '", key, "' is unreadable"));
            stopped = true;
            return false;
          }
          v1::CustomerDue* due = response_.add_customers();
          if (DueItemsOf(*snapshot_, record_, options_, filter_,
                         due->mutable_items())) {
            due->set_customer_id(std::string(key));
            ++found;
          } else {
            response_.mutable_customers()->RemoveLast();
          }
          if (found >= options_.batch_size || scanned >= max_scan) {
            stopped = true;
            return false;
          }
          return true;
        });
    if (s.ok()) s = bad;
    if (!s.ok()) {
      Finish(ToGrpcStatus(s));
      return;
    }
    scanned_ += scanned;
    response_.set_customers_scanned(scanned_);
    response_.set_customers_total(snapshot_->num_customers());
    if (!stopped) {
      response_.set_done(true);
      done_sent_ = true;
    }
    StartWrite(&response_);
  }

  const std::shared_ptr<const Snapshot> snapshot_;
  const DueOptions options_;
  const BoundFilter filter_;
  std::string last_key_;
  int64_t scanned_ = 0;
  bool done_sent_ = false;
  v1::CustomerRecord record_;
  v1::DueReplenishmentsResponse response_;
};

// Customer ids per request message, and per step of a segment scan.
constexpr int kMaxStreamIds = 10000;
constexpr int kSegmentStep = 256;

class PicksStream final
    : public grpc::ServerBidiReactor<v1::StreamPersonalPicksRequest,
                                     v1::StreamPersonalPicksResponse> {
 public:
  explicit PicksStream(std::shared_ptr<const Snapshot> snapshot)
      : snapshot_(std::move(snapshot)) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client sent everything and we answered all of it
      Finish(grpc::Status::OK);
      return;
    }
    absl::Status s = Accept();
    if (!s.ok()) {
      Finish(ToGrpcStatus(s));
      return;
    }
    Pump();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client stopped reading"));
      return;
    }
    Pump();
  }
  void OnDone() override { delete this; }

 private:
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
      const auto& names = RfmSegmentNames();
      if (std::find(names.begin(), names.end(), request_.segment()) ==
          names.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown segment '", request_.segment(),
                         "'; one of: ", absl::StrJoin(names, ", ")));
      }
      if (snapshot_->customer_model().recency_cutoffs_size() != 4) {
        return absl::FailedPreconditionError(
            "this snapshot has no RFM segments: rebuild it with a newer "
            "indexer");
      }
    }
    options_.Clear();
    options_.set_customer_id("-");  // validated per customer below
    options_.set_limit(request_.limit());
    options_.set_mode(request_.mode());
    *options_.mutable_filter() = request_.filter();
    if (request_.has_as_of()) *options_.mutable_as_of() = request_.as_of();
    int limit = 0;
    absl::Status s = ValidatePicksRequest(options_, &limit);
    if (!s.ok()) return s;
    as_of_ = request_.has_as_of() ? request_.as_of().seconds()
                                  : absl::ToUnixSeconds(absl::Now());
    ids_.assign(request_.customer_ids().begin(), request_.customer_ids().end());
    next_ = 0;
    segment_ = request_.segment();
    scan_key_.clear();
    scan_done_ = segment_.empty();
    return absl::OkStatus();
  }

  // Writes the next answer, or reads the next request when all are out.
  void Pump() {
    while (next_ == ids_.size() && !scan_done_) {
      absl::Status s = ScanSegment();
      if (!s.ok()) {
        Finish(ToGrpcStatus(s));
        return;
      }
    }
    if (next_ < ids_.size()) {
      Answer(ids_[next_++]);
      StartWrite(&response_);
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
    absl::Status s = snapshot_->ScanCustomers(
        scan_key_, [&](absl::string_view key, absl::string_view value) {
          scan_key_.assign(key.data(), key.size());
          if (!record_.ParseFromArray(value.data(),
                                      static_cast<int>(value.size()))) {
            bad = absl::DataLossError(
                absl::StrCat("customer record '", key, "' is unreadable"));
            stopped = true;
            return false;
          }
          if (SegmentOf(*snapshot_, record_, as_of_) == segment_) {
            ids_.emplace_back(key);
          }
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

  void Answer(const std::string& id) {
    response_.Clear();
    response_.set_customer_id(id);
    response_.set_snapshot_version(snapshot_->version());
    options_.set_customer_id(id);
    v1::RecommendationsResponse picks;
    absl::Status s = PersonalPicks(*snapshot_, options_, &picks);
    if (!s.ok()) {
      response_.set_error(std::string(s.message()));
      return;
    }
    response_.mutable_items()->Swap(picks.mutable_items());
    response_.set_fallback(picks.fallback());
  }

  const std::shared_ptr<const Snapshot> snapshot_;
  v1::StreamPersonalPicksRequest request_;
  v1::PersonalPicksRequest options_;  // the current request's options
  int64_t as_of_ = 0;
  std::vector<std::string> ids_;
  size_t next_ = 0;
  std::string segment_;
  std::string scan_key_;
  bool scan_done_ = true;
  v1::CustomerRecord record_;
  v1::StreamPersonalPicksResponse response_;
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
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  if (snapshot == nullptr) {
    return new Failed(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot loaded yet"));
  }
  DueOptions options;
  absl::Status s = ValidateDueRequest(*request, &options);
  if (!s.ok()) return new Failed(ToGrpcStatus(s));
  auto filter = DueFilter(*snapshot, request->filter());
  if (!filter.ok()) return new Failed(ToGrpcStatus(filter.status()));
  (void)context;
  return new DueStream(std::move(snapshot), options, std::move(*filter));
}

grpc::ServerBidiReactor<v1::StreamPersonalPicksRequest,
                        v1::StreamPersonalPicksResponse>*
RecommenderService::StreamPersonalPicks(grpc::CallbackServerContext* context) {
  using Failed =
      FailedWrite<grpc::ServerBidiReactor<v1::StreamPersonalPicksRequest,
                                          v1::StreamPersonalPicksResponse>>;
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  if (snapshot == nullptr) {
    return new Failed(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot loaded yet"));
  }
  (void)context;
  return new PicksStream(std::move(snapshot));
}

}  // namespace boomerang
