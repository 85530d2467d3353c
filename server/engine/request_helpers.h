// Request plumbing shared by the RPC handlers: the request's customer as
// loaded from a snapshot, and the request's filter bound to a snapshot.
//
// Thread-safety: values, used by one request at a time.
#ifndef BOOMERANG_SERVER_ENGINE_REQUEST_HELPERS_H_
#define BOOMERANG_SERVER_ENGINE_REQUEST_HELPERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/item_filter.h"
#include "models/personal_picks.h"
#include "models/snapshot/snapshot.h"
#include "server/engine/live_events.h"
#include "server/engine/view.h"

namespace boomerang {
namespace internal {

// The request's filter bound to a snapshot: rules plus excluded indices.
// A known customer as the request handlers see them.
struct Customer {
  bool known = false;
  v1::CustomerRecord record;
  std::vector<HistoryItem> history;  // dense item indices
  float norm = 0;                    // |record.vector|, 0 when it has none
  LiveActivity live;                 // cart and views since the snapshot
  // Whether history[].repurchase has been estimated (EstimateTiming).
  bool timed = false;
};

// The customer with the live events of `view` applied. The live cart and
// recent views are those of the `window_end` moment: the request's as_of
// when it gives one, else (0) the machine's time (live events are real
// time, whatever the serving clock says). `with_timing` also estimates
// every history item's repurchase timing (EstimateTiming), which costs a
// little per item: PersonalPicks needs it, most requests do not.
absl::StatusOr<Customer> LoadCustomer(const View& view,
                                      absl::string_view customer_id,
                                      bool with_timing = false,
                                      int64_t window_end = 0);

// Fills history[].repurchase from the one repurchase model
// (models/repurchase.h, as BuyAgain uses it); once per customer.
void EstimateTiming(const Snapshot& snapshot, Customer* customer);

// How much the customer's vector likes an item: cosine in [-1, 1], 0 when
// either has no vector.
float Affinity(const Snapshot& snapshot, const Customer& customer,
               int32_t item);

class BoundFilter {
 public:
  // `customer` is needed for filter.exclude_purchased (INVALID_ARGUMENT
  // without one); items it bought are excluded unless due again at `as_of`
  // (models/repurchase.h DueAgain: BuyAgain's model), for which the
  // customer's timing is estimated when it has not been.
  // `as_of` 0: the view's clock.
  static absl::StatusOr<BoundFilter> Create(
      const View& view, const v1::Filter& filter,
      const google::protobuf::RepeatedPtrField<std::string>* more_excluded =
          nullptr,
      Customer* customer = nullptr, int64_t as_of = 0);
  bool Allows(int32_t i) const {
    return !exclude_.contains(i) && rules_.Allows(items_->item(i));
  }

 private:
  // The request's items (View::items): live price, stock and
  // recommendable.
  BoundFilter(const ItemGraph& items, ItemFilter rules)
      : items_(&items), rules_(std::move(rules)) {}
  const ItemGraph* items_;
  ItemFilter rules_;
  absl::flat_hash_set<int32_t> exclude_;
};

// "1 day", "12 days": a count of days, rounded, for explanations.
std::string Days(double days);

}  // namespace internal
}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_REQUEST_HELPERS_H_
