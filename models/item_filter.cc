#include "models/item_filter.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace boomerang {

bool CategoryWithin(absl::string_view category, absl::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return true;
  if (!absl::StartsWith(category, path)) return false;
  return category.size() == path.size() || category[path.size()] == '/';
}

absl::StatusOr<ItemFilter> ItemFilter::Create(const v1::Filter& filter) {
  ItemFilter f;
  f.in_stock_only_ = !filter.has_in_stock_only() || filter.in_stock_only();
  for (const auto* list :
       {&filter.include_categories(), &filter.exclude_categories()}) {
    const char* name = list == &filter.include_categories()
                           ? "filter.include_categories"
                           : "filter.exclude_categories";
    if (list->size() > kMaxFilterCategories) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " has ", list->size(), " entries; at most ",
                       kMaxFilterCategories));
    }
    for (int i = 0; i < list->size(); ++i) {
      if (list->Get(i).empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, "[", i, "] is empty"));
      }
    }
  }
  f.include_.assign(filter.include_categories().begin(),
                    filter.include_categories().end());
  f.exclude_.assign(filter.exclude_categories().begin(),
                    filter.exclude_categories().end());
  if (!(filter.min_price() >= 0) || !(filter.max_price() >= 0) ||
      !std::isfinite(filter.min_price()) ||
      !std::isfinite(filter.max_price())) {
    return absl::InvalidArgumentError(
        "filter.min_price and filter.max_price must be >= 0 (0 means no "
        "bound)");
  }
  if (filter.max_price() > 0 && filter.min_price() > filter.max_price()) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.min_price ", filter.min_price(),
                     " is above filter.max_price ", filter.max_price()));
  }
  f.min_price_ = filter.min_price();
  f.max_price_ = filter.max_price();
  return f;
}

bool ItemFilter::Allows(const v1::ItemRecord& item) const {
  // The shop said never to show it (catalog column or live update),
  // whatever the request asks.
  if (item.not_recommendable()) return false;
  if (in_stock_only_ && !item.in_stock()) return false;
  if (min_price_ > 0 || max_price_ > 0) {
    const double p = item.price();
    if (p <= 0) return false;  // unknown price cannot satisfy a bound
    if (min_price_ > 0 && p < min_price_) return false;
    if (max_price_ > 0 && p > max_price_) return false;
  }
  if (!include_.empty()) {
    bool in = false;
    for (const auto& path : include_)
      in = in || CategoryWithin(item.category(), path);
    if (!in) return false;
  }
  for (const auto& path : exclude_) {
    if (CategoryWithin(item.category(), path)) return false;
  }
  return true;
}

}  // namespace boomerang
