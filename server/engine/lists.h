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

#include "absl/status/status.h"
#include "boomerang/v1/recommender.pb.h"
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

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_LISTS_H_
