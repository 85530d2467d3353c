// The second stage of learned personal picks (issue 12): a gradient-boosted
// tree model (XGBoost, `binary:logistic`) over the candidate rows of
// picks_features.h, giving each candidate the probability that the
// customer buys it in their next order or the weeks after it. Trained by
// the indexer from the shop's own history (indexer/ranker_training.h),
// saved in the snapshot (UBJSON), scored at request time. XGBoost rather than
// our own trees: it is the library such rankers are built with, packaged by
// Debian (libxgboost-dev 1.7.4).
//
// Scoring is ours: FromBuffer() loads the model with XGBoost (which checks
// it), asks it for the model's JSON and keeps the trees as flat arrays that
// Score() walks. XGBoost 1.7's own CPU predictor, built for batches of
// thousands of rows, spent ~35% of StreamPersonalPicks' server CPU on one
// customer's ~170 rows (its per-call set-up and per-row feature vectors);
// the walk here is a few lines and gives the same probabilities (checked
// against XGBoost's predictions in picks_ranker_test). Only what the
// trainer below produces is read: numerical splits, binary:logistic.
//
// Determinism: the same rows, labels and options (threads included) give
// the same model bytes (the `hist` tree method, a fixed seed, no row or
// column sampling). A different thread count may sum histograms in another
// order and change the model in its last bits.
//
// Thread-safety: a PicksRanker is immutable after FromBuffer(); Score() may
// be called from many threads at once.
#ifndef BOOMERANG_MODELS_RANK_PICKS_RANKER_H_
#define BOOMERANG_MODELS_RANK_PICKS_RANKER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "models/rank/picks_features.h"

namespace boomerang {

struct PicksTrainingOptions {
  // 80 trees at 0.2 scored as 150 at 0.1 on the validation customers of
  // Online Retail (BENCHMARKS.md) in half the time.
  int trees = 80;
  int max_depth = 6;
  double learning_rate = 0.2;
  double min_child_weight = 5;
  uint64_t seed = 42;
  int threads = 0;  // 0: all cores
};

// Trains on the rows of `matrix` (row-major, kNumPicksFeatures floats per
// row) with 0/1 `labels` and `weights` (one per row; weights may be empty:
// all 1). Returns the saved model. INVALID_ARGUMENT for mismatched or
// empty input; INTERNAL with XGBoost's message if it fails.
absl::StatusOr<std::string> TrainPicksRanker(
    absl::Span<const float> matrix, absl::Span<const float> labels,
    absl::Span<const float> weights, const PicksTrainingOptions& options);
// The same from rows (tests).
absl::StatusOr<std::string> TrainPicksRanker(
    absl::Span<const PicksRow> rows, absl::Span<const float> labels,
    absl::Span<const float> weights, const PicksTrainingOptions& options);

class PicksRanker {
 public:
  // A model TrainPicksRanker returned. DATA_LOSS if it does not load;
  // FAILED_PRECONDITION if it was trained on a different number of
  // features (by another build).
  static absl::StatusOr<std::unique_ptr<const PicksRanker>> FromBuffer(
      absl::string_view model);
  PicksRanker(const PicksRanker&) = delete;
  PicksRanker& operator=(const PicksRanker&) = delete;

  // The probability for each row, in order: from the first `trees` trees
  // only when 0 < trees < this->trees() (a cheaper first look), else from
  // all of them.
  absl::Status Score(absl::Span<const PicksRow> rows, std::vector<float>* out,
                     int trees = 0) const;
  // The model's trees (boosting rounds).
  int trees() const { return static_cast<int>(roots_.size()); }

 private:
  // One node of a tree: a split, or a leaf, which leads to itself.
  struct Node {
    float value = 0;  // split condition
    int16_t feature = 0;
    bool default_left = false;    // where a missing (NaN) value goes
    int32_t child[2] = {-1, -1};  // left, right: indices into nodes_
  };
  PicksRanker() = default;
  // Reads the trees of XGBoost's JSON model.
  absl::Status ReadTrees(absl::string_view json);

  std::vector<Node> nodes_;     // every tree's nodes, tree after tree
  std::vector<float> leaf_;     // by node: a leaf's weight, else 0
  std::vector<int32_t> roots_;  // each tree's root in nodes_
  std::vector<int> depths_;     // each tree's depth
  float base_margin_ = 0;       // logit(base_score)
};

// Scoring in two passes ("early exit" in additive tree ensembles, as in
// Cambazoglu et al., WSDM 2010): every candidate is scored by the model's
// first `prefix_trees` trees, and only the best `keep` of them (at least the
// list's limit) by all trees. The boosted trees' prefix is itself a ranker
// of the same candidates, so the full model's top items almost always
// survive it; BENCHMARKS.md gives the measured effect on quality and speed.
// Chosen on the next-basket validation customers of Online Retail and the
// demo shop (BENCHMARKS.md): Recall@10 and NDCG@10 within 0.002 of one
// pass, at 40% of its tree walks.
struct PicksScoringOptions {
  int prefix_trees = 5;  // 0: one pass, every candidate through every tree
  int keep = 30;         // at least the list's limit
};

// Scores `rows` (CollectPicksCandidates' output for this customer) and
// returns the best `limit` as picks, the model's probability as the score,
// each with its strongest reason: a repeat item is kBuyAgain (timing from
// `history`), a new one kBoughtWith when a recent order's item links to
// it, else kNew (anchor: the bought item `cosine` finds closest, if any),
// else kPopular. `mode` keeps repeat items bought at least twice
// (kRepeatOnly) or only new items (kNewOnly).
absl::StatusOr<std::vector<Pick>> RankLearnedPicks(
    const PicksRanker& ranker, absl::Span<const PicksRow> rows,
    absl::Span<const HistoryItem> history, int64_t as_of, PicksMode mode,
    int limit, absl::FunctionRef<float(int32_t, int32_t)> cosine,
    const PicksScoringOptions& scoring = {});

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_PICKS_RANKER_H_
