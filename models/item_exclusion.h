// Which item ids are not products (postage, fees, discounts, manual
// adjustments, vouchers) and so must never be counted or recommended.
//
// Patterns are item ids matched case-insensitively; a trailing '*' matches
// any suffix ("DCGS*", "gift_*"). The default list covers the obvious cases
// seen in real exports (Online Retail's POST, DOT, M, C2, D, S, B, BANK
// CHARGES, AMAZONFEE, ...) and generic names (POSTAGE, SHIPPING, FEE, ...).
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
  absl::flat_hash_set<std::string> exact_;  // lower-case
  std::vector<std::string> prefixes_;       // lower-case, without '*'
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_ITEM_EXCLUSION_H_
