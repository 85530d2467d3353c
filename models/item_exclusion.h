// Which item ids are not products (postage, fees, discounts, manual
// adjustments, vouchers) and so must never be counted or recommended.
//
// Patterns are exact, case-sensitive item ids; a trailing '*' matches any
// suffix ("gift_0001_*"). Case matters because short codes that mean "postage"
// in one shop ("D", "S", "dot") can be real SKUs in another; the default list
// is therefore narrow: Online Retail's non-product stock codes exactly as
// they appear there (POST, DOT, M, m, C2, D, S, B, BANK CHARGES, AMAZONFEE,
// CRUK, PADS, gift_0001_*; not DCGS*, whose lines are real products such as
// party bags sold through a marketplace) and a few generic words in upper,
// lower and title case (POSTAGE, SHIPPING, DELIVERY, FEE, DISCOUNT, ...). The
// indexer reports every id it excluded, with counts, so a wrong match is
// visible.
//
// Thread-safety: immutable after construction; safe to share.
#ifndef BOOMERANG_MODELS_ITEM_EXCLUSION_H_
#define BOOMERANG_MODELS_ITEM_EXCLUSION_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace boomerang {

const std::vector<std::string>& DefaultExcludedItemPatterns();

class ItemExclusion {
 public:
  explicit ItemExclusion(const std::vector<std::string>& patterns);
  bool Excluded(absl::string_view item_id) const;
  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
  absl::flat_hash_set<std::string> exact_;
  std::vector<std::string> prefixes_;  // without the '*'
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_ITEM_EXCLUSION_H_
