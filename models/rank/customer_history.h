// A customer's purchase history as the rankers read it: the snapshot's
// CustomerRecord turned into dense-index HistoryItems, with the one
// repurchase model's timing (models/repurchase.h). One function for the
// server's requests and the indexer's ranker training, so the two never
// see a customer differently.
//
// Thread-safety: pure functions.
#ifndef BOOMERANG_MODELS_RANK_CUSTOMER_HISTORY_H_
#define BOOMERANG_MODELS_RANK_CUSTOMER_HISTORY_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/personal_picks.h"
#include "models/rank/item_graph.h"

namespace boomerang {

// Appends the record's items the graph knows, in the record's order (most
// orders first); `purchase_times`, when not null, gets each one's purchase
// times (spans into `record`, which must outlive them).
void HistoryFromRecord(
    const ItemGraph& graph, const v1::CustomerRecord& record,
    std::vector<HistoryItem>* history,
    std::vector<absl::Span<const int64_t>>* purchase_times = nullptr);

// Each history item's purchase times, ascending (spans into `record`).
// REQUIRES: `history` came from HistoryFromRecord(graph, record).
std::vector<absl::Span<const int64_t>> PurchaseTimes(
    const ItemGraph& graph, const v1::CustomerRecord& record,
    absl::Span<const HistoryItem> history);

// Fills history[].repurchase. REQUIRES: `history` came from
// HistoryFromRecord(graph, record).
void TimeHistory(const ItemGraph& graph, const v1::CustomerRecord& record,
                 std::vector<HistoryItem>* history);

// The record as it was just before `until` (unix seconds): purchases and
// orders at or after it removed, each item's counts recomputed, items left
// without purchases dropped; the vector is cleared (it was fitted on the
// later orders too). Used to train on a customer's past.
v1::CustomerRecord RecordBefore(const v1::CustomerRecord& record,
                                int64_t until);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_CUSTOMER_HISTORY_H_
