#include "models/experiments/attribution.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace boomerang::experiments {

absl::string_view CreditRuleName(CreditRule rule) {
  switch (rule) {
    case CreditRule::kRecommendationId:
      return "recommendation_id";
    case CreditRule::kLastClick:
      return "last_click";
    case CreditRule::kNone:
      break;
  }
  return "none";
}

ClickLedger::ClickLedger(AttributionOptions options) : options_(options) {}

// 'c' customer or 's' session, then the unit and the item, separated by a
// byte ids do not contain.
std::string ClickLedger::Key(char kind, absl::string_view unit,
                             absl::string_view item) {
  return absl::StrCat(absl::string_view(&kind, 1), unit, "\x1f", item);
}

void ClickLedger::Put(std::string key, absl::string_view recommendation_id,
                      int64_t time) {
  Last& last = last_[key];
  if (!last.recommendation_id.empty() && last.time > time) return;
  last.time = time;
  last.recommendation_id = std::string(recommendation_id);
  order_.emplace_back(time, std::move(key));
}

void ClickLedger::Click(absl::string_view customer, absl::string_view session,
                        absl::string_view item,
                        absl::string_view recommendation_id, int64_t time) {
  if (item.empty() || recommendation_id.empty()) return;
  if (!customer.empty()) Put(Key('c', customer, item), recommendation_id, time);
  if (!session.empty()) Put(Key('s', session, item), recommendation_id, time);
}

const ClickLedger::Last* ClickLedger::Find(char kind, absl::string_view unit,
                                           absl::string_view item,
                                           int64_t time) const {
  if (unit.empty()) return nullptr;
  auto it = last_.find(Key(kind, unit, item));
  if (it == last_.end()) return nullptr;
  const Last& last = it->second;
  if (last.time > time || time - last.time > options_.click_window_seconds) {
    return nullptr;
  }
  return &last;
}

Credit ClickLedger::Attribute(absl::string_view customer,
                              absl::string_view session, absl::string_view item,
                              absl::string_view recommendation_id,
                              int64_t time) const {
  Credit credit;
  if (!recommendation_id.empty()) {
    credit.rule = CreditRule::kRecommendationId;
    credit.recommendation_id = std::string(recommendation_id);
    return credit;
  }
  const Last* last = Find('c', customer, item, time);
  if (last == nullptr) last = Find('s', session, item, time);
  if (last == nullptr) return credit;
  credit.rule = CreditRule::kLastClick;
  credit.recommendation_id = last->recommendation_id;
  credit.click_time = last->time;
  return credit;
}

void ClickLedger::Expire(int64_t now) {
  const int64_t oldest = now - options_.click_window_seconds;
  while (!order_.empty() && order_.front().first < oldest) {
    auto it = last_.find(order_.front().second);
    // A newer click on the same key keeps it.
    if (it != last_.end() && it->second.time < oldest) last_.erase(it);
    order_.pop_front();
  }
}

}  // namespace boomerang::experiments
