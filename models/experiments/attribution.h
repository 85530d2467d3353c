// Which recommendation earned a purchase or a cart add (issue 14). A
// purchase that names its recommendation id is credited to it; one that
// does not is credited by rule to the last click on the same item by the
// same customer (or, for a guest, the same session) within the click
// window, as Algolia's and Google Retail's last-click attribution do.
//
// The ledger keeps only the clicks inside the window (the newest per unit
// and item), so memory follows the click rate, not the history.
#ifndef BOOMERANG_MODELS_EXPERIMENTS_ATTRIBUTION_H_
#define BOOMERANG_MODELS_EXPERIMENTS_ATTRIBUTION_H_

#include <cstdint>
#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace boomerang::experiments {

struct AttributionOptions {
  int64_t click_window_seconds = 24 * 3600;
};

enum class CreditRule {
  kNone,              // not earned by a recommendation
  kRecommendationId,  // the event named its recommendation
  kLastClick,         // the last click on the item within the window
};

// "none", "recommendation_id", "last_click".
absl::string_view CreditRuleName(CreditRule rule);

struct Credit {
  CreditRule rule = CreditRule::kNone;
  std::string recommendation_id;
  int64_t click_time = 0;  // kLastClick: the click credited
};

class ClickLedger {
 public:
  explicit ClickLedger(AttributionOptions options = {});

  // A click on `item` in the list `recommendation_id`, by a customer and/or
  // a session (either may be empty, not both). Events are expected in
  // about time order; an older click never replaces a newer one.
  void Click(absl::string_view customer, absl::string_view session,
             absl::string_view item, absl::string_view recommendation_id,
             int64_t time);

  // The credit for a purchase or cart add of `item` at `time`: its own
  // recommendation id when it has one, else the customer's last click on
  // the item no more than the window before (the session's when the
  // customer has none).
  Credit Attribute(absl::string_view customer, absl::string_view session,
                   absl::string_view item, absl::string_view recommendation_id,
                   int64_t time) const;

  // Forgets clicks that can no longer be credited at `now` or later.
  void Expire(int64_t now);
  // Forgets every click.
  void Clear() {
    last_.clear();
    order_.clear();
  }
  size_t size() const { return last_.size(); }

 private:
  struct Last {
    int64_t time = 0;
    std::string recommendation_id;
  };
  static std::string Key(char kind, absl::string_view unit,
                         absl::string_view item);
  void Put(std::string key, absl::string_view recommendation_id, int64_t time);
  const Last* Find(char kind, absl::string_view unit, absl::string_view item,
                   int64_t time) const;

  const AttributionOptions options_;
  absl::flat_hash_map<std::string, Last> last_;
  std::deque<std::pair<int64_t, std::string>> order_;  // (time, key)
};

}  // namespace boomerang::experiments

#endif  // BOOMERANG_MODELS_EXPERIMENTS_ATTRIBUTION_H_
