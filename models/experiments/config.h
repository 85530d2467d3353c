// The experiments a server runs (issue 14), as the server's TOML config
// file declares them:
//
//   [[experiments]]
//   name = "picks_ranker"          # letters, digits, '_' and '-'
//   placement = "email_picks"      # one experiment per placement
//   salt = "picks-2026-12"         # optional; default: the name
//   control = "best_sellers"       # optional; default: the first arm
//     [[experiments.arms]]
//     name = "best_sellers"
//     share = 50                   # any positive scale
//     kind = "best_sellers"        # "ranker" (default), "best_sellers",
//                                  # "holdout" (nothing shown)
//     [[experiments.arms]]
//     name = "ranker"
//     share = 50
//     picks_ranker = "learned"     # or "weights": the ranker version
//     [experiments.arms.options]   # RankingOptions by name
//     "picks.recency_weight" = 0.5
//
// Parsed with toml++ (Debian's libtomlplusplus-dev); every error names the
// file, line and field. Keys of the file that are not experiments are the
// server's flags and are left alone.
//
// Thread-safety: values.
#ifndef BOOMERANG_MODELS_EXPERIMENTS_CONFIG_H_
#define BOOMERANG_MODELS_EXPERIMENTS_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "models/rank/ranking_options.h"

namespace boomerang::experiments {

enum class ArmKind {
  kRanker,       // the server's rankers with this arm's options
  kBestSellers,  // the baseline: best sellers, whatever the placement
  kHoldout,      // nothing shown
};
absl::string_view ArmKindName(ArmKind kind);

struct ArmConfig {
  std::string name;
  double share = 0;
  ArmKind kind = ArmKind::kRanker;
  // The arm's ranking options: the server's with the arm's changes.
  RankingOptions ranking;
};

struct ExperimentConfig {
  std::string name;
  std::string placement;
  std::string salt;
  std::vector<ArmConfig> arms;
  int control = 0;  // index into arms
  // The arms' shares, in order (for AssignArm).
  std::vector<double> shares() const;
};

struct ExperimentsConfig {
  std::vector<ExperimentConfig> experiments;
  // The experiment on `placement`, or null.
  const ExperimentConfig* ForPlacement(absl::string_view placement) const;
};

// A placement or arm name: 1-64 of [A-Za-z0-9_-] (they are parts of a
// recommendation id).
bool ValidName(absl::string_view name);

// Parses the experiments of a TOML document; `base` is the server's
// ranking options that each arm changes; `file` names the source in
// errors. A document without [[experiments]] is an empty config.
absl::StatusOr<ExperimentsConfig> ParseExperiments(absl::string_view toml,
                                                   absl::string_view file,
                                                   const RankingOptions& base);
absl::StatusOr<ExperimentsConfig> ReadExperimentsFile(
    const std::string& path, const RankingOptions& base);

}  // namespace boomerang::experiments

#endif  // BOOMERANG_MODELS_EXPERIMENTS_CONFIG_H_
