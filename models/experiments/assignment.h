// Sticky experiment assignment (issue 14): a unit (the customer id, or the
// session id for a guest) goes to the same arm on every replica, after
// every restart and in every build, as long as the experiment's salt and
// arms stay the same. Changing the salt reshuffles everyone.
#ifndef BOOMERANG_MODELS_EXPERIMENTS_ASSIGNMENT_H_
#define BOOMERANG_MODELS_EXPERIMENTS_ASSIGNMENT_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace boomerang::experiments {

// The unit's place in [0, 1) for this salt (models/stable_hash.h).
double UnitPosition(absl::string_view salt, absl::string_view unit);

// The arm for `shares` (traffic shares on any positive scale; an arm with
// share 0 is never chosen): the arms cover [0, 1) in order, each a slice as
// wide as its share. -1 when no arm has a positive share.
int AssignArm(absl::string_view salt, absl::string_view unit,
              absl::Span<const double> shares);

}  // namespace boomerang::experiments

#endif  // BOOMERANG_MODELS_EXPERIMENTS_ASSIGNMENT_H_
