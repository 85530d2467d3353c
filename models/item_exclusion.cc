#include "models/item_exclusion.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace boomerang {

const std::vector<std::string>& DefaultExcludedItemPatterns() {
  static const auto* kPatterns = new std::vector<std::string>{
      // Online Retail's non-product stock codes.
      "POST", "DOT", "M", "C2", "D", "S", "B", "BANK CHARGES", "AMAZONFEE",
      "CRUK", "PADS", "DCGS*", "gift_0001_*",
      // Generic shipping, fee, discount and adjustment lines.
      "POSTAGE", "SHIPPING", "DELIVERY", "CARRIAGE", "FEE", "FEES",
      "SERVICE FEE", "DISCOUNT", "COUPON", "VOUCHER", "GIFTCARD", "GIFT CARD",
      "ADJUST*", "MANUAL", "TAX", "VAT", "DEPOSIT"};
  return *kPatterns;
}

ItemExclusion::ItemExclusion(const std::vector<std::string>& patterns)
    : patterns_(patterns) {
  for (const std::string& p : patterns) {
    std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(p));
    if (lower.empty()) continue;
    if (lower.back() == '*') {
      lower.pop_back();
      prefixes_.push_back(lower);
    } else {
      exact_.insert(lower);
    }
  }
}

bool ItemExclusion::Excluded(absl::string_view item_id) const {
  if (exact_.empty() && prefixes_.empty()) return false;
  std::string lower = absl::AsciiStrToLower(item_id);
  if (exact_.contains(lower)) return true;
  for (const std::string& prefix : prefixes_) {
    if (absl::StartsWith(lower, prefix)) return true;
  }
  return false;
}

}  // namespace boomerang
