#include "models/personal_picks.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"

namespace boomerang {

double DueScore(double days_since, double interval_days) {
  if (interval_days <= 0) return 0;
  const double r = days_since / interval_days;
  if (r < 1) return std::exp(-(r - 1) * (r - 1) / 0.5);
  return std::max(0.3, std::exp(-(r - 1) / 3));
}

std::vector<Pick> RankPersonalPicks(
    absl::Span<const HistoryItem> history,
    absl::Span<const PicksCandidate> candidates, int64_t as_of, PicksMode mode,
    int limit, absl::FunctionRef<bool(int32_t)> allowed,
    absl::FunctionRef<float(int32_t, int32_t)> similarity,
    const PicksOptions& options) {
  std::vector<Pick> picks;
  absl::flat_hash_set<int32_t> bought;
  for (const HistoryItem& h : history) bought.insert(h.item);

  if (mode != PicksMode::kNewOnly) {
    // Habit strength relative to this customer's most frequent item: the
    // personal top-frequency signal, which time-split evaluations find hard
    // to beat (Li et al. 2023), timed by how due each item is.
    int32_t most = 1;
    for (const HistoryItem& h : history) most = std::max(most, h.orders);
    for (const HistoryItem& h : history) {
      if (h.last > as_of || !allowed(h.item)) continue;
      if (mode == PicksMode::kRepeatOnly && h.orders < 2) continue;
      const double since = (as_of - h.last) / 86400.0;
      double interval = 0, due;
      if (h.repurchase.has_value()) {
        if (Lapsed(*h.repurchase, as_of, options.lapse)) continue;
        interval = h.repurchase->interval_days;
        due = DueScore(since, interval);
      } else {
        due = std::exp(-since / options.single_purchase_days);
      }
      const double habit = std::log1p(h.orders) / std::log1p(most);
      Pick p;
      p.item = h.item;
      p.kind = Pick::kBuyAgain;
      const double recency = std::exp(-since / options.recency_days);
      p.score =
          habit * (1 - options.due_weight + options.due_weight * due) *
          (1 - options.recency_weight + options.recency_weight * recency) *
          (1 + options.popularity_weight * h.popularity);
      if (p.score < options.min_due) continue;
      p.interval_days = interval;
      p.own_cycle = h.repurchase.has_value() && h.repurchase->gaps > 0;
      p.days_since = since;
      p.orders = h.orders;
      picks.push_back(p);
    }
  }
  if (mode != PicksMode::kRepeatOnly) {
    float best = 0;
    for (const PicksCandidate& c : candidates) best = std::max(best, c.score);
    for (const PicksCandidate& c : candidates) {
      if (best <= 0 || c.score <= 0) break;
      if (bought.contains(c.item) || !allowed(c.item)) continue;
      Pick p;
      p.item = c.item;
      p.kind = Pick::kNew;
      p.score = options.new_weight * c.score / best;
      picks.push_back(p);
    }
  }
  const size_t k = std::min<size_t>(picks.size(), std::max(0, limit));
  std::partial_sort(picks.begin(), picks.begin() + k, picks.end(),
                    [](const Pick& a, const Pick& b) {
                      if (a.score != b.score) return a.score > b.score;
                      return a.item < b.item;
                    });
  picks.resize(k);
  // Name the anchor of each new pick: the bought item most like it, among
  // the customer's most frequent ones.
  const size_t anchors = std::min<size_t>(history.size(), 50);
  for (Pick& p : picks) {
    if (p.kind != Pick::kNew) continue;
    float best_sim = 0;
    for (size_t h = 0; h < anchors; ++h) {
      float s = similarity(p.item, history[h].item);
      if (s > best_sim) {
        best_sim = s;
        p.anchor = history[h].item;
      }
    }
  }
  return picks;
}

}  // namespace boomerang
