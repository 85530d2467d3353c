// The two strong published baselines of Li et al.'s "A Next Basket
// Recommendation Reality Check" (TOIS 2023), for `boomerang eval`:
//
//  - TIFU-KNN (Hu et al., SIGIR 2020): each customer is a time-decayed
//    item-frequency vector; their next basket is their own vector blended
//    with the mean vector of their k nearest neighbours.
//  - UP-CF@r (Faggioli et al., RecSys 2020): each customer's share of their
//    last r baskets holding an item (user-wise popularity), spread through
//    an asymmetric-cosine user-user CF whose similarities are raised to the
//    locality q.
//
// Both are written from the code the reality check ran, not from the papers'
// formulas where the two differ: methods/tifuknn/tifuknn_new.py (the same
// functions as HaojiHu/TIFUKNN's TIFUKNN.py) and methods/upcf/racf.py with
// similarity.py, in liming-7/A-Next-Basket-Recommendation-Reality-Check.
// Where this code deviates (exact neighbour search, ties, precision, lists
// without zero-score padding), the .cc says so beside the code.
//
// Customers are indices into the `histories` given to a model (each
// customer's baskets, oldest first); neighbours come only from the `pool`
// (the protocol's train customers, or every customer with a history in the
// time split), never the query customer itself. Baskets are sets: an item
// listed twice in one basket counts once. Items are dense ids >= 0.
//
// Thread-safety: a model is immutable after construction; its const methods
// may be called from several threads at once.
#ifndef BOOMERANG_MODELS_EVAL_NBR_BASELINES_H_
#define BOOMERANG_MODELS_EVAL_NBR_BASELINES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "models/eval/next_basket.h"

namespace boomerang {

// A sparse vector over items: (item, value), sorted by item, values > 0.
using ItemScores = std::vector<std::pair<int32_t, double>>;

// The n best items of `scores`: highest score first, ties (equal doubles)
// to the smaller item id.
std::vector<int32_t> TopItems(const ItemScores& scores, int n);

// ---------------------------------------------------------------- TIFU-KNN

// The defaults are the paper's (and the reality check's Ta-Feng run:
// `tifuknn_new.py ... 300 0.9 0.7 0.7 7`).
struct TifuKnnOptions {
  int k = 300;                // neighbours averaged (fewer if the pool is)
  double within_decay = 0.9;  // r_b: basket i of n weighs r_b^(n-1-i)
  double group_decay = 0.7;   // r_g: group g of m weighs r_g^(m-1-g)
  double alpha = 0.7;         // weight of the customer's own vector
  int groups = 7;             // m: the history cut into at most m groups
  // "k=300,rb=0.9,rg=0.7,alpha=0.7,groups=7" (what ParseTifuKnnOptions
  // reads).
  std::string ToString() const;
};

// Reads "key=value,..." with the keys of ToString(); keys left out keep
// their defaults. INVALID_ARGUMENT names the bad key or value.
absl::StatusOr<TifuKnnOptions> ParseTifuKnnOptions(absl::string_view spec);

// How many baskets each group holds, oldest group first, by the authors'
// residual rule (group_history_list): fewer baskets than groups -> one
// basket per group; otherwise floor(n / m) each, and the newest n mod m
// groups one more (10 baskets into 7 groups: 1 1 1 1 2 2 2).
std::vector<int> TifuGroupSizes(int baskets, int groups);

// A customer's vector (temporal_decay_sum_history): basket i of n
// (oldest i = 0) sets its items to r_b^(n-1-i) (the decay runs over the
// whole history, as the code does, not restarting in each group); each group
// is the mean of its baskets; group g weighs r_g^(m-1-g) with m =
// options.groups even when there are fewer groups than m; the sum is divided
// by the number of groups actually formed.
ItemScores TifuVector(absl::Span<const Basket> history,
                      const TifuKnnOptions& options);

class TifuKnn {
 public:
  // Builds every customer's vector and an inverted index of the pool's.
  // REQUIRES: every index in `pool` is < histories.size().
  TifuKnn(absl::Span<const std::vector<Basket>> histories,
          absl::Span<const int32_t> pool, const TifuKnnOptions& options);

  const TifuKnnOptions& options() const { return options_; }
  const ItemScores& vector(int32_t customer) const {
    return vectors_[customer];
  }
  // The k pool customers nearest to `customer` by Euclidean distance between
  // vectors, nearest first; `customer` itself is never one.
  std::vector<int32_t> Neighbours(int32_t customer) const;
  // alpha x own vector + (1 - alpha) x the mean of the neighbours' vectors
  // (merge_history); items scoring 0 left out.
  ItemScores Scores(int32_t customer) const;
  std::vector<int32_t> Recommend(int32_t customer, int n) const {
    return TopItems(Scores(customer), n);
  }

 private:
  TifuKnnOptions options_;
  std::vector<ItemScores> vectors_;   // per customer
  std::vector<double> squared_norm_;  // per customer
  std::vector<int32_t> pool_;
  // item -> (position in pool_, value): the pool's vectors by item.
  std::vector<std::vector<std::pair<int32_t, double>>> postings_;
  int32_t num_items_ = 0;
};

// ----------------------------------------------------------------- UP-CF@r

// The defaults are the paper's (the reality check's Ta-Feng run:
// `racf.py --recency 10 --asymmetry 0.75 --locality 10`); shrink and
// neighbours are racf.py's fixed Compute_Similarity(shrink=1000, topK=100).
struct UpCfOptions {
  int recency = 10;         // r: only the last r baskets feed the scores
  double asymmetry = 0.75;  // alpha of the asymmetric cosine
  int locality = 10;        // q: similarities raised to the q-th power
  double shrink = 1000;     // added to the similarity's denominator
  int neighbours = 100;     // most similar pool customers kept
  // "r=10,alpha=0.75,q=10" (and ",shrink=...,nn=..." when not the
  // defaults).
  std::string ToString() const;
};

// Reads "key=value,..." with the keys r, alpha, q, shrink, nn; keys left out
// keep their defaults. INVALID_ARGUMENT names the bad key or value.
absl::StatusOr<UpCfOptions> ParseUpCfOptions(absl::string_view spec);

// The user-wise popularity part: for each item, the share of the last
// min(r, n) baskets that hold it.
ItemScores RecentPopularity(absl::Span<const Basket> history, int recency);

// Aiolli's asymmetric cosine as similarity.py computes it for the query
// customer u and another customer v: dot / (|u|^(2 alpha) |v|^(2 (1 -
// alpha)) + shrink + 1e-6), |x| the Euclidean norm.
double AsymmetricCosine(double dot, double norm_u, double norm_v, double alpha,
                        double shrink);

class UpCf {
 public:
  // The customers' vectors are how many of their history baskets hold each
  // item (racf.py's user-item matrix sums one per basket and item).
  // REQUIRES: every index in `pool` is < histories.size().
  UpCf(absl::Span<const std::vector<Basket>> histories,
       absl::Span<const int32_t> pool, const UpCfOptions& options);

  const UpCfOptions& options() const { return options_; }
  // AsymmetricCosine of `customer` (as u) and `other` (as v).
  double Similarity(int32_t customer, int32_t other) const;
  // The pool customers with the highest positive similarity to `customer`,
  // at most options.neighbours, best first, with their similarity;
  // `customer` itself is never one.
  std::vector<std::pair<int32_t, double>> Neighbours(int32_t customer) const;
  // The customer's own recent popularity (self-similarity 1) plus, over the
  // neighbours v, similarity^q x v's recent popularity.
  ItemScores Scores(int32_t customer) const;
  std::vector<int32_t> Recommend(int32_t customer, int n) const {
    return TopItems(Scores(customer), n);
  }

 private:
  UpCfOptions options_;
  std::vector<ItemScores> counts_;      // per customer: baskets per item
  std::vector<double> norm_;            // per customer, of counts_
  std::vector<ItemScores> popularity_;  // per customer: RecentPopularity
  std::vector<int32_t> pool_;
  // item -> (position in pool_, count): the pool's counts by item.
  std::vector<std::vector<std::pair<int32_t, double>>> postings_;
  int32_t num_items_ = 0;
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_EVAL_NBR_BASELINES_H_
