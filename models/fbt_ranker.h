// Merging the "bought together" lists of one or more anchor items into one
// ranked answer with evidence and an explanation.
//
// With several anchors (a cart), each anchor's scores are first divided by
// that anchor's best score, then summed per candidate. Normalising matters:
// raw log-likelihood ratios grow with an anchor's order count, so without it
// the most popular item in the cart would decide the whole list; summing
// rewards items that go with several cart items at once.
//
// This is the server's hot path: candidates are dense item indices, and
// evidence messages and strings are built only for the `limit` items that
// are returned (a request typically scores 100+ candidates and returns 10).
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_FBT_RANKER_H_
#define BOOMERANG_MODELS_FBT_RANKER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/cooccurrence.h"

namespace boomerang {

struct FbtAnchor {
  int32_t item = 0;                      // dense index of the anchor
  int64_t anchor_orders = 0;             // orders containing the anchor
  absl::Span<const Neighbor> neighbors;  // best first
};

// Display data of a dense item index, owned by the caller's catalog.
struct FbtItemNames {
  absl::FunctionRef<absl::string_view(int32_t)> id;
  absl::FunctionRef<absl::string_view(int32_t)> title;
};

// Ranks the candidates of `anchors`, skipping every anchor and every item
// for which `allowed` is false (excluded by the request, out of stock), and
// appends at most `limit` items to `out`. Filtering happens before
// truncation, so `limit` items come back whenever enough qualify.
void RankFrequentlyBoughtTogether(
    absl::Span<const FbtAnchor> anchors,
    absl::FunctionRef<bool(int32_t)> allowed, int limit,
    const FbtItemNames& names,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out);

// "bought together with 22697 in 31% of its orders (lift 12.4)".
std::string ExplainCoPurchase(const v1::RecommendedItem& item);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_FBT_RANKER_H_
