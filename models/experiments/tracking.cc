#include "models/experiments/tracking.h"

#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "models/experiments/config.h"

namespace boomerang::experiments {
namespace {

constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuv";
constexpr int kNonceChars = 13;  // 65 bits

}  // namespace

std::string NewRecommendationId(absl::string_view placement,
                                absl::string_view experiment,
                                absl::string_view arm) {
  // One generator per thread: no lock on the request path.
  thread_local absl::BitGen gen;
  uint64_t bits = absl::Uniform<uint64_t>(gen);
  const uint64_t extra = absl::Uniform<uint64_t>(gen);
  std::string id(kNonceChars, '0');
  for (int i = 0; i < kNonceChars; ++i) {
    id[i] = kDigits[(i < 12 ? bits : extra) & 31];
    bits >>= 5;
  }
  if (experiment.empty()) return absl::StrCat(id, ".", placement);
  return absl::StrCat(id, ".", placement, ".", experiment, ".", arm);
}

bool ParseRecommendationId(absl::string_view id, TrackingKey* key) {
  std::vector<absl::string_view> parts = absl::StrSplit(id, '.');
  if (parts.size() != 2 && parts.size() != 4) return false;
  if (parts[0].size() != kNonceChars) return false;
  for (char c : parts[0]) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'v'))) return false;
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!ValidName(parts[i])) return false;
  }
  key->placement = std::string(parts[1]);
  key->experiment = parts.size() == 4 ? std::string(parts[2]) : "";
  key->arm = parts.size() == 4 ? std::string(parts[3]) : "";
  return true;
}

}  // namespace boomerang::experiments
