// The common filter of every list RPC (proto: boomerang.v1.Filter), checked
// against the snapshot's item records.
//
// Thread-safety: immutable after Create(); safe to share.
#ifndef BOOMERANG_MODELS_ITEM_FILTER_H_
#define BOOMERANG_MODELS_ITEM_FILTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boomerang/v1/recommender.pb.h"
#include "boomerang/v1/snapshot.pb.h"

namespace boomerang {

inline constexpr int kMaxFilterCategories = 100;

// True when `category` is `path` or lies below it ("Home/Kitchen" covers
// "Home/Kitchen/Mugs" but not "Home/Kitchenware"). A trailing '/' on `path`
// is ignored.
bool CategoryWithin(absl::string_view category, absl::string_view path);

class ItemFilter {
 public:
  // INVALID_ARGUMENT naming the field for negative prices, min > max, too
  // many or empty categories.
  static absl::StatusOr<ItemFilter> Create(const v1::Filter& filter);

  // Stock, category and price rules (exclusions by id are the caller's,
  // since it knows the dense indices).
  bool Allows(const v1::ItemRecord& item) const;

 private:
  bool in_stock_only_ = true;
  std::vector<std::string> include_, exclude_;
  double min_price_ = 0, max_price_ = 0;
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_ITEM_FILTER_H_
