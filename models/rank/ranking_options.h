// Every ranker's options in one value: what the server ranks with, and
// what an experiment arm (issue 14) varies. The engine holds the default
// set and hands it to every request in its View; an arm is another
// RankingOptions.
//
// Thread-safety: a value.
#ifndef BOOMERANG_MODELS_RANK_RANKING_OPTIONS_H_
#define BOOMERANG_MODELS_RANK_RANKING_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "models/personal_picks.h"
#include "models/rank/buy_again.h"
#include "models/rank/cross_sell.h"
#include "models/rank/picks_features.h"
#include "models/rank/picks_ranker.h"
#include "models/rank/similar.h"
#include "models/rank/upsell.h"
#include "models/rank/view_boost.h"

namespace boomerang {

struct RankingOptions {
  SimilarOptions similar;       // SimilarItems and the similar fallbacks
  CrossSellOptions cross_sell;  // CrossSell
  UpsellOptions upsell;         // Upsell
  PicksOptions picks;           // PersonalPicks (and StreamPersonalPicks)
  ViewBoostOptions view_boost;  // PersonalPicks: recent views
  BuyAgainOptions buy_again;    // BuyAgain
  // PersonalPicks asks the item index for this many candidates per item
  // of `limit`, plus the customer's history and a margin, at most
  // `picks_max_candidates`: enough to survive the filter and the items
  // already bought.
  int picks_candidates_per_item = 4;
  int picks_candidate_margin = 50;
  int picks_max_candidates = 1000;
  // PersonalPicks ranks with the snapshot's learned ranker when it has one
  // (models/rank/picks_ranker.h); false: the hand-set weights of `picks`.
  bool learned_picks = true;
  PicksCandidateOptions picks_candidates;  // the learned ranker's sources
  PicksScoringOptions picks_scoring;       // and its two scoring passes
};

// Sets one option by its name, "<group>.<field>" as in the structs above
// (e.g. "picks.recency_weight", "cross_sell.taste_weight",
// "picks_candidates.als") or a top-level field ("learned_picks": 0 or 1).
// Integer and boolean fields take whole numbers. INVALID_ARGUMENT for an
// unknown name (listing the known ones) or a value out of the field's
// range (negative, or not finite). What an experiment arm varies.
absl::Status SetRankingOption(absl::string_view name, double value,
                              RankingOptions* options);
std::vector<std::string> RankingOptionNames();

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_RANKING_OPTIONS_H_
