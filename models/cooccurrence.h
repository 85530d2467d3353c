// "Bought together" association between items, from orders.
//
// Input: orders as lists of dense item ids. Output: for every item, its top-K
// co-purchased items with the co-purchase count and a score that does not
// merely echo global popularity.
//
// Algorithm: an inverted index item -> orders, then for each anchor item a
// dense counter over the items of its orders (a sparse matrix product
// A^T A, one row at a time). Rows are independent, so they are spread over
// threads; memory is O(items) per thread plus the kept lists. Orders with
// more than `max_order_items` distinct items (wholesale restocks: Online
// Retail has invoices of 500-1,100 lines) are left out of pair counting:
// they would cost O(n^2) pairs each and say little about what goes
// together. They still count for popularity elsewhere. The default (100)
// is measured: on Online Retail's last-30-days hold-out, HitRate@10 is
// 0.174 / 0.170 / 0.155 / 0.108 with caps 50 / 100 / 250 / none; 100 keeps
// ~97% of orders as evidence for almost all of the gain.
//
// Scores (Scoring), all computed from the 2x2 contingency table of
// orders-with-a / orders-with-b over N counted orders:
//   kLlr     Dunning's log-likelihood ratio G^2, kept only for positive
//            association (observed > expected). The default: see
//            BENCHMARKS.md "FBT scoring" for the hold-out measurement that
//            chose it over the others.
//   kCosine  co / sqrt(n_a * n_b).
//   kLift    co / (expected + kLiftPrior): lift shrunk toward 0 for thin
//            evidence.
//   kCount   raw co-purchase count: the popularity-echo baseline.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_COOCCURRENCE_H_
#define BOOMERANG_MODELS_COOCCURRENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace boomerang {

enum class Scoring { kLlr, kCosine, kLift, kCount };
absl::StatusOr<Scoring> ParseScoring(absl::string_view name);
absl::string_view ScoringName(Scoring scoring);

struct CooccurrenceOptions {
  // Neighbours kept per item. Larger costs snapshot size linearly.
  int top_k = 100;
  // Minimum orders containing both items for a pair to be kept. 1 keeps
  // coincidences; higher values drop real but rare pairs.
  int64_t min_support = 2;
  // Orders with more distinct items are not used for pairs (see above).
  int max_order_items = 100;
  Scoring scoring = Scoring::kLlr;
  // Worker threads; 0 means std::thread::hardware_concurrency().
  int threads = 0;
};

// Orders in compressed form: the items of order o are
// items[offsets[o] .. offsets[o+1]), sorted and unique.
struct OrderItems {
  std::vector<int64_t> offsets{0};
  std::vector<int32_t> items;

  size_t num_orders() const { return offsets.size() - 1; }
  // Appends one order; `order` is sorted and deduplicated here.
  void Add(std::vector<int32_t> order);
};

struct Neighbor {
  int32_t item = 0;
  float score = 0;
  int32_t co_orders = 0;
  float lift = 0;
};

struct CooccurrenceResult {
  // neighbors[a]: best first.
  std::vector<std::vector<Neighbor>> neighbors;
  // Orders (among those counted for pairs) that contain each item.
  std::vector<int64_t> item_orders;
  int64_t orders_counted = 0;
  int64_t huge_orders_skipped = 0;
  int64_t pairs_kept = 0;
};

CooccurrenceResult ComputeCooccurrence(const OrderItems& orders,
                                       int32_t num_items,
                                       const CooccurrenceOptions& options);

// The pair score used by ComputeCooccurrence; exposed for tests.
// co: orders with both; na, nb: orders with a, with b; n: all orders.
double PairScore(Scoring scoring, int64_t co, int64_t na, int64_t nb,
                 int64_t n);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_COOCCURRENCE_H_
