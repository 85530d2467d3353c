#include "models/experiments/assignment.h"

#include "models/stable_hash.h"

namespace boomerang::experiments {

double UnitPosition(absl::string_view salt, absl::string_view unit) {
  const uint64_t h = StableHash(unit, StableHash(salt));
  // The top 53 bits: every value exactly representable, below 1.
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

int AssignArm(absl::string_view salt, absl::string_view unit,
              absl::Span<const double> shares) {
  double total = 0;
  int last = -1;
  for (size_t i = 0; i < shares.size(); ++i) {
    if (shares[i] > 0) {
      total += shares[i];
      last = static_cast<int>(i);
    }
  }
  if (last < 0) return -1;
  const double at = UnitPosition(salt, unit) * total;
  double upto = 0;
  for (size_t i = 0; i < shares.size(); ++i) {
    if (!(shares[i] > 0)) continue;
    upto += shares[i];
    if (at < upto) return static_cast<int>(i);
  }
  return last;  // rounding at the very top
}

}  // namespace boomerang::experiments
