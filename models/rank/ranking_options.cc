#include "models/rank/ranking_options.h"

#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace boomerang {
namespace {

// One settable field: its name and a pointer into RankingOptions.
struct Field {
  const char* name;
  std::function<void*(RankingOptions*)> at;
  enum Type { kDouble, kFloat, kInt, kBool } type;
};

#define BOOMERANG_FIELD(group, field, type)                                    \
  Field {                                                                      \
#group "." #field, [](RankingOptions *                                     \
                          o) -> void* { return &o->group.field; }, Field::type \
  }
#define BOOMERANG_TOP(field, type)                                             \
  Field {                                                                      \
#field, [](RankingOptions * o) -> void* { return &o->field; }, Field::type \
  }

// A table rather than reflection: C++ has none, and the names are the
// documented contract of an experiment arm.
const std::vector<Field>& Fields() {
  static const auto* fields = new std::vector<Field>{
      BOOMERANG_FIELD(similar, explain_title, kFloat),
      BOOMERANG_FIELD(similar, explain_behavior, kFloat),
      BOOMERANG_FIELD(cross_sell, look_alike_title, kFloat),
      BOOMERANG_FIELD(cross_sell, look_alike_title_without_category, kFloat),
      BOOMERANG_FIELD(cross_sell, set_lift, kDouble),
      BOOMERANG_FIELD(cross_sell, taste_weight, kDouble),
      BOOMERANG_FIELD(cross_sell, fetch_factor, kInt),
      BOOMERANG_FIELD(cross_sell, max_fetch, kInt),
      BOOMERANG_FIELD(upsell, similarity_weight, kDouble),
      BOOMERANG_FIELD(upsell, popularity_weight, kDouble),
      BOOMERANG_FIELD(upsell, taste_weight, kDouble),
      BOOMERANG_FIELD(upsell, title_without_category, kFloat),
      BOOMERANG_FIELD(upsell, complement_lift_without_category, kFloat),
      BOOMERANG_FIELD(upsell, look_alike_title_without_category, kFloat),
      BOOMERANG_FIELD(upsell, explain_taste, kDouble),
      BOOMERANG_FIELD(picks, new_weight, kDouble),
      BOOMERANG_FIELD(picks, due_weight, kDouble),
      BOOMERANG_FIELD(picks, recency_weight, kDouble),
      BOOMERANG_FIELD(picks, recency_days, kDouble),
      BOOMERANG_FIELD(picks, popularity_weight, kDouble),
      BOOMERANG_FIELD(picks, single_purchase_days, kDouble),
      BOOMERANG_FIELD(picks, min_due, kDouble),
      BOOMERANG_FIELD(view_boost, max_views, kInt),
      BOOMERANG_FIELD(view_boost, viewed_item_weight, kFloat),
      BOOMERANG_FIELD(view_boost, recency_decay, kFloat),
      BOOMERANG_FIELD(picks_candidates, recent_orders, kInt),
      BOOMERANG_FIELD(picks_candidates, cooc_per_item, kInt),
      BOOMERANG_FIELD(picks_candidates, history_cooc, kInt),
      BOOMERANG_FIELD(picks_candidates, popular, kInt),
      BOOMERANG_FIELD(picks_candidates, similarity_anchors, kInt),
      BOOMERANG_FIELD(picks_candidates, max_history, kInt),
      BOOMERANG_FIELD(picks_candidates, als, kInt),
      BOOMERANG_FIELD(picks_scoring, prefix_trees, kInt),
      BOOMERANG_FIELD(picks_scoring, keep, kInt),
      BOOMERANG_TOP(picks_candidates_per_item, kInt),
      BOOMERANG_TOP(picks_candidate_margin, kInt),
      BOOMERANG_TOP(picks_max_candidates, kInt),
      BOOMERANG_TOP(learned_picks, kBool),
  };
  return *fields;
}

#undef BOOMERANG_FIELD
#undef BOOMERANG_TOP

}  // namespace

absl::Status SetRankingOption(absl::string_view name, double value,
                              RankingOptions* options) {
  for (const Field& f : Fields()) {
    if (name != f.name) continue;
    if (!std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("ranking option ", name, " must be >= 0"));
    }
    void* at = f.at(options);
    switch (f.type) {
      case Field::kDouble:
        *static_cast<double*>(at) = value;
        break;
      case Field::kFloat:
        *static_cast<float*>(at) = static_cast<float>(value);
        break;
      case Field::kInt:
        if (value != std::floor(value) || value > 1e9) {
          return absl::InvalidArgumentError(
              absl::StrCat("ranking option ", name,
                           " takes a whole number (got ", value, ")"));
        }
        *static_cast<int*>(at) = static_cast<int>(value);
        break;
      case Field::kBool:
        if (value != 0 && value != 1) {
          return absl::InvalidArgumentError(absl::StrCat(
              "ranking option ", name, " takes true/false or 0/1"));
        }
        *static_cast<bool*>(at) = value != 0;
        break;
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ranking option \"", name,
                   "\"; known: ", absl::StrJoin(RankingOptionNames(), ", ")));
}

std::vector<std::string> RankingOptionNames() {
  std::vector<std::string> names;
  for (const Field& f : Fields()) names.push_back(f.name);
  return names;
}

}  // namespace boomerang
