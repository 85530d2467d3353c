// Recommendation ids (issue 14): unique per list and self-describing, so
// that an IMPRESSION, CLICK or PURCHASE carrying one needs nothing else to
// be counted for its placement, experiment and arm, on any replica and
// after any restart, with no table of ids served:
//
//   <13 base-32 characters of randomness>.<placement>[.<experiment>.<arm>]
//
// e.g. "k2f9x4m1q7c3b.email_picks.picks_ranker.ranker".
//
// Thread-safety: functions; NewRecommendationId is safe from any thread.
#ifndef BOOMERANG_MODELS_EXPERIMENTS_TRACKING_H_
#define BOOMERANG_MODELS_EXPERIMENTS_TRACKING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace boomerang::experiments {

struct TrackingKey {
  std::string placement;
  std::string experiment;  // empty: no experiment
  std::string arm;
};

// REQUIRES: placement, experiment and arm are ValidName (config.h) or,
// experiment and arm, both empty.
std::string NewRecommendationId(absl::string_view placement,
                                absl::string_view experiment,
                                absl::string_view arm);

// False when `id` is not one NewRecommendationId makes.
bool ParseRecommendationId(absl::string_view id, TrackingKey* key);

}  // namespace boomerang::experiments

#endif  // BOOMERANG_MODELS_EXPERIMENTS_TRACKING_H_
