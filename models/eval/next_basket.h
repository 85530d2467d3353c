// The next-basket evaluation protocol of "A Next Basket Recommendation
// Reality Check" (Li et al., TOIS 2023), for `boomerang eval` (issue 12):
// every customer with at least 3 orders, the last order held out as the
// truth, customers split into train / validation / test by a seeded
// shuffle; Recall, NDCG and PHR at k and the repeat / explore split of
// recall, as the authors' evaluation scripts compute them
// (evaluation/metrics.py and model_performance.py in their repository);
// and the simple baselines P-TopFreq and GP-TopFreq.
//
// Items are dense ids (int32); baskets are sets of items.
//
// Thread-safety: pure functions; NextBasketMetrics is a value.
#ifndef BOOMERANG_MODELS_EVAL_NEXT_BASKET_H_
#define BOOMERANG_MODELS_EVAL_NEXT_BASKET_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace boomerang {

using Basket = std::vector<int32_t>;

// The authors' split (keyset_fold.py): shuffled, the first 72% train
// (4/5 x 0.9), the next 8% validation, the last 20% test. Indices into the
// `customers` given; the shuffle is std::mt19937_64 seeded with `seed`
// (folds use the seeds 1000, 1001, 1002), not Python's, so the folds are
// the protocol's, not the paper's exact customers.
struct CustomerSplit {
  std::vector<int32_t> train, validation, test;
};
CustomerSplit SplitCustomers(int32_t customers, uint64_t seed);

// The per-customer metrics at one k, averaged over the customers added.
class NextBasketMetrics {
 public:
  explicit NextBasketMetrics(int k) : k_(k) {}
  // One customer: `ranked` best first (only the first k count), `truth` the
  // held-out basket (non-empty), `history` every item of their earlier
  // baskets. Repeat recall counts customers whose truth has a repeat item,
  // explore recall those whose truth has a new item, as the authors do.
  void Add(absl::Span<const int32_t> ranked, absl::Span<const int32_t> truth,
           absl::Span<const int32_t> history);

  int k() const { return k_; }
  int64_t customers() const { return n_; }
  double recall() const { return Mean(recall_, n_); }
  // Binary relevance; the ideal DCG sums over every truth item (not the
  // first k), as the authors' get_NDCG does.
  double ndcg() const { return Mean(ndcg_, n_); }
  double phr() const { return Mean(phr_, n_); }  // share with a hit
  double repeat_ratio() const { return Mean(repeat_ratio_, n_); }
  double recall_repeat() const { return Mean(recall_repeat_, n_repeat_); }
  double recall_explore() const { return Mean(recall_explore_, n_explore_); }

 private:
  static double Mean(double sum, int64_t n) { return n > 0 ? sum / n : 0; }
  int k_;
  int64_t n_ = 0, n_repeat_ = 0, n_explore_ = 0;
  double recall_ = 0, ndcg_ = 0, phr_ = 0, repeat_ratio_ = 0;
  double recall_repeat_ = 0, recall_explore_ = 0;
};

// Items by how many of `baskets` contain them, most first; ties: the item
// bought most recently first (baskets are oldest first), then the smaller
// id. At most `k`.
std::vector<int32_t> PersonalTopFreq(absl::Span<const Basket> baskets, int k);

// P-TopFreq filled up to `k` with `global_top` (G-TopFreq: items by how
// many training baskets contain them), skipping items already listed.
std::vector<int32_t> GlobalPersonalTopFreq(absl::Span<const Basket> baskets,
                                           absl::Span<const int32_t> global_top,
                                           int k);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_EVAL_NEXT_BASKET_H_
