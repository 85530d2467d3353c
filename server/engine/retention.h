// The retention RPCs' request logic, separate from gRPC for tests and
// benchmarks: buy-again timing (models/repurchase.h) and customer profiles
// (models/customer_value.h) computed from a snapshot's customer records at
// request time, so that `as_of` can move freely.
//
// Thread-safety: functions of a View (an immutable snapshot, the
// thread-safe live view and a clock).
#ifndef BOOMERANG_SERVER_ENGINE_RETENTION_H_
#define BOOMERANG_SERVER_ENGINE_RETENTION_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/customer_value.h"
#include "models/rank/buy_again.h"
#include "models/repurchase.h"
#include "models/segments.h"
#include "models/snapshot/snapshot.h"
#include "server/engine/request_helpers.h"
#include "server/engine/view.h"

namespace boomerang {

// BuyAgainOptions: models/rank/buy_again.h.
absl::Status BuyAgain(const View& view, const v1::BuyAgainRequest& request,
                      v1::BuyAgainResponse* response,
                      const BuyAgainOptions& options);
// With the default options (what the server serves).
absl::Status BuyAgain(const View& view, const v1::BuyAgainRequest& request,
                      v1::BuyAgainResponse* response);

absl::Status GetCustomerProfile(const View& view,
                                const v1::CustomerProfileRequest& request,
                                v1::CustomerProfile* response);

// Checks a DueReplenishments request and fills the defaults.
struct DueOptions {
  int64_t as_of = 0;
  int lead_days = 7;
  int overdue_days = 0;
  double min_confidence = 0;
  double min_probability = 0;
  int max_items = 10;
  int batch_size = 256;
  // Where the reminders are measured (request.placement, else
  // "due_replenishments"); a hold-out arm's customers come with no items.
  std::string placement = "due_replenishments";
};
absl::Status ValidateDueRequest(const View& view,
                                const v1::DueReplenishmentsRequest& request,
                                DueOptions* options);

// A filter for items a customer already bought: `exclude_purchased` would
// exclude every due item, so it is ignored here.
absl::StatusOr<internal::BoundFilter> DueFilter(const View& view,
                                                const v1::Filter& filter);

// The items of `record` expected in [as_of - overdue_days, as_of +
// lead_days], most urgent first, at most `max_items`. Returns false when
// there are none.
bool DueItemsOf(const View& view, const v1::CustomerRecord& record,
                const DueOptions& options, const internal::BoundFilter& filter,
                google::protobuf::RepeatedPtrField<v1::DueItem>* out);

// The customer's RFM segment at `as_of` ("" when the snapshot has no RFM
// cutoffs or the customer had no order by then).
absl::string_view SegmentOf(const Snapshot& snapshot,
                            const v1::CustomerRecord& record, int64_t as_of);

// The customer's ABC / XYZ classes (models/segments.h) at `as_of`: their
// revenue and monthly spend up to as_of against the snapshot's cut-offs.
// Both empty when the snapshot has no cut-offs (an older indexer); the
// letters are static strings.
using CustomerClasses = Classes;
CustomerClasses ClassesOf(const Snapshot& snapshot,
                          const v1::CustomerRecord& record, int64_t as_of);

// Segments a request can name (StreamPersonalPicks, Audiences): an RFM
// segment (RfmSegmentNames()), an ABC class "A" / "B" / "C", an XYZ class
// "X" / "Y" / "Z", or both as "AX" (ABC first). INVALID_ARGUMENT names the
// accepted values; FAILED_PRECONDITION when the snapshot lacks what the
// segment needs (RFM cut-offs, or ABC / XYZ cut-offs: an older indexer).
absl::Status ValidateSegment(const Snapshot& snapshot,
                             absl::string_view segment);
// Whether the customer is in `segment` at `as_of`, as GetCustomerProfile
// assigns it for the same record. False for a segment ValidateSegment
// refuses.
bool InSegment(const Snapshot& snapshot, const v1::CustomerRecord& record,
               int64_t as_of, absl::string_view segment);

// The customer's record from the snapshot with their live purchases
// (the live view, server/engine/live_view.h) applied; false when neither knows
// them.
absl::StatusOr<bool> LoadRecord(const View& view, absl::string_view customer_id,
                                v1::CustomerRecord* record);

// The BG/NBD and Gamma-Gamma parameters of a snapshot; false when missing.
bool ModelsOf(const Snapshot& snapshot, BgNbdParams* bg, GammaGammaParams* gg);

// The learned LTV (models/ltv_model.h) over `horizon_days` of a customer
// whose orders are `times` and `values`, summarised as `c` at `as_of`: what
// GetCustomerProfile serves and retention-eval measures. NOT_FOUND or
// FAILED_PRECONDITION when the snapshot has no usable learned model or no
// BG/NBD and Gamma-Gamma (older indexers, short histories): the caller falls
// back to PredictedLtv.
absl::StatusOr<double> LearnedLtv(const Snapshot& snapshot,
                                  absl::Span<const int64_t> times,
                                  absl::Span<const double> values,
                                  const CustomerSummary& c, int64_t as_of,
                                  double horizon_days);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_RETENTION_H_
