#include "models/item_exclusion.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace boomerang {

const std::vector<std::string>& DefaultExcludedItemPatterns() {
  static const auto* kPatterns = [] {
    auto* p = new std::vector<std::string>{
        // Online Retail's non-product stock codes, exactly as written there.
        "POST", "DOT",          "M",         "m",    "C2",   "D",          "S",
        "B",    "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "gift_0001_*"};
    // Generic shipping, fee and discount lines, in the usual casings.
    for (std::string word :
         {"POSTAGE", "SHIPPING", "DELIVERY", "CARRIAGE", "FEE", "SERVICE FEE",
          "SHIPPING FEE", "DISCOUNT", "COUPON", "GIFT WRAP", "GIFTWRAP"}) {
      std::string lower = absl::AsciiStrToLower(word);
      std::string title = lower;
      bool start = true;
      for (char& c : title) {
        if (start) c = absl::ascii_toupper(c);
        start = c == ' ';
      }
      p->push_back(word);
      p->push_back(lower);
      p->push_back(title);
    }
    return p;
  }();
  return *kPatterns;
}

ItemExclusion::ItemExclusion(const std::vector<std::string>& patterns)
    : patterns_(patterns) {
  for (const std::string& p : patterns) {
    std::string pattern(absl::StripAsciiWhitespace(p));
    if (pattern.empty()) continue;
    if (pattern.back() == '*') {
      pattern.pop_back();
      prefixes_.push_back(pattern);
    } else {
      exact_.insert(pattern);
    }
  }
}

bool ItemExclusion::Excluded(absl::string_view item_id) const {
  if (exact_.contains(item_id)) return true;
  for (const std::string& prefix : prefixes_) {
    if (absl::StartsWith(item_id, prefix)) return true;
  }
  return false;
}

}  // namespace boomerang
