// The list use cases of the engine: one function per recommendation RPC,
// transport-free (gRPC, the HTTP side door and the evaluation tools call
// them). Each validates its request (INVALID_ARGUMENT naming the field),
// reads one View (snapshot, live events, clock) and ranks with the pure
// rankers of models/ (models/rank/, models/fbt_ranker.h,
// models/personal_picks.h).
//
// Thread-safety: functions of their arguments; safe from any thread.
#ifndef BOOMERANG_SERVER_ENGINE_LISTS_H_
#define BOOMERANG_SERVER_ENGINE_LISTS_H_

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boomerang/v1/recommender.pb.h"
#include "server/engine/request_helpers.h"
#include "server/engine/view.h"

namespace boomerang {

absl::Status FrequentlyBoughtTogether(
    const View& view, const v1::FrequentlyBoughtTogetherRequest& request,
    v1::FrequentlyBoughtTogetherResponse* response);
absl::Status SimilarItems(const View& view,
                          const v1::SimilarItemsRequest& request,
                          v1::RecommendationsResponse* response);
absl::Status PersonalPicks(const View& view,
                           const v1::PersonalPicksRequest& request,
                           v1::RecommendationsResponse* response);
absl::Status CrossSell(const View& view, const v1::CrossSellRequest& request,
                       v1::RecommendationsResponse* response);
absl::Status Upsell(const View& view, const v1::UpsellRequest& request,
                    v1::RecommendationsResponse* response);

// The learned picks ranker's probability for each of the customer's own
// items that PersonalPicks would consider at `as_of` (not lapsed, allowed
// by `filter`), by dense item index: BuyAgain's order when the snapshot
// has a ranker. Empty when it has none, the ranking options say weights,
// or the customer has no history. `customer` (LoadCustomer's) gets its
// repurchase timing estimated if it had none.
absl::StatusOr<absl::flat_hash_map<int32_t, float>> LearnedRepeatScores(
    const View& view, internal::Customer* customer, int64_t as_of,
    const internal::BoundFilter& filter);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_LISTS_H_
