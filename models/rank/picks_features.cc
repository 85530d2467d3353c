#include "models/rank/picks_features.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "models/repurchase.h"

namespace boomerang {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr double kDecay = 0.9;  // TIFU-KNN's within-group decay r_b
constexpr double kDay = 86400.0;

const char* const kNames[kNumPicksFeatures] = {
    "repeat",          "orders",
    "order_share",     "decayed_share",
    "days_since_last", "days_since_first",
    "interval_days",   "due_ratio",
    "own_cycle",       "still_buying",
    "due_within_30d",  "in_last_order",
    "als_score",       "als_rank",
    "cooc_score",      "cooc_links",
    "similarity",      "popularity",
    "trend",           "recent_rank",
    "customer_orders", "days_since_order",
    "category_share",  "price_ratio",
    "habitual",        "orders_since_last",
    "last5_share",     "basket_size",
    "repeat_share",    "item_repeat_rate",
    "last_year",       "quantity_per_order",
    "cooc_history"};

// Candidate rows by item, in the order found.
class Rows {
 public:
  PicksRow* Get(int32_t item, PicksSource source) {
    auto [it, added] = index_.try_emplace(item, rows_.size());
    if (added) {
      PicksRow& r = rows_.emplace_back();
      r.item = item;
      r.f.fill(0);
      r.f[kFeatDaysSinceLast] = r.f[kFeatDaysSinceFirst] = kNaN;
      r.f[kFeatIntervalDays] = r.f[kFeatDueRatio] = kNaN;
      r.f[kFeatOwnCycle] = r.f[kFeatStillBuying] = kNaN;
      r.f[kFeatDueWithin30] = r.f[kFeatAlsRank] = kNaN;
      r.f[kFeatRecentRank] = r.f[kFeatOrdersSinceLast] = kNaN;
      r.f[kFeatQuantityPerOrder] = kNaN;
    }
    PicksRow& r = rows_[it->second];
    r.sources |= source;
    return &r;
  }
  std::vector<PicksRow>& rows() { return rows_; }

 private:
  absl::flat_hash_map<int32_t, size_t> index_;
  std::vector<PicksRow> rows_;
};

void AddHistory(const ItemGraph& graph, const PicksCustomer& c,
                absl::FunctionRef<bool(int32_t)> allowed,
                const PicksCandidateOptions& o,
                absl::flat_hash_set<int32_t>* lapsed, Rows* rows) {
  const int max_history = o.max_history;
  const size_t n_orders = c.order_times.size();
  double decay_total = 0;  // every order counted: the largest possible
  for (size_t k = 0; k < n_orders; ++k) decay_total += std::pow(kDecay, k);
  const int64_t last_order = n_orders ? c.order_times.back() : 0;
  const size_t n = std::min<size_t>(c.history.size(), max_history);
  // Items past the cut are not candidates at all (they would come back as
  // "new" from another source, with no history features).
  for (size_t h = n; h < c.history.size(); ++h) {
    lapsed->insert(c.history[h].item);
  }
  for (size_t h = 0; h < n; ++h) {
    const HistoryItem& hi = c.history[h];
    if (hi.last > c.as_of || !allowed(hi.item)) continue;
    if (hi.repurchase.has_value() && Lapsed(*hi.repurchase, c.as_of, o.lapse)) {
      lapsed->insert(hi.item);
      continue;
    }
    PicksRow* r = rows->Get(hi.item, kSourceHistory);
    r->history_index = static_cast<int32_t>(h);
    auto& f = r->f;
    f[kFeatRepeat] = 1;
    f[kFeatOrders] = static_cast<float>(hi.orders);
    f[kFeatOrderShare] =
        n_orders ? static_cast<float>(hi.orders) / n_orders : 0;
    if (h < c.purchase_times.size() && decay_total > 0) {
      const absl::Span<const int64_t> times = c.purchase_times[h];
      f[kFeatDecayedShare] =
          static_cast<float>(DecayedOrders(times, c.order_times) / decay_total);
      f[kFeatOrdersSinceLast] = static_cast<float>(
          c.order_times.end() - std::upper_bound(c.order_times.begin(),
                                                 c.order_times.end(), hi.last));
      const size_t last5 = std::min<size_t>(n_orders, 5);
      const int64_t from = c.order_times[n_orders - last5];
      const auto in5 =
          times.end() - std::lower_bound(times.begin(), times.end(), from);
      f[kFeatLast5Share] = static_cast<float>(in5) / last5;
      // Seasonal habits: bought around this date a year ago.
      const int64_t year_ago = c.as_of - 365 * 86400;
      f[kFeatLastYear] = static_cast<float>(
          std::upper_bound(times.begin(), times.end(), year_ago + 30 * 86400) -
          std::lower_bound(times.begin(), times.end(), year_ago - 30 * 86400));
    }
    f[kFeatDaysSinceLast] = static_cast<float>((c.as_of - hi.last) / kDay);
    f[kFeatDaysSinceFirst] = static_cast<float>((c.as_of - hi.first) / kDay);
    if (hi.orders > 0) {
      f[kFeatQuantityPerOrder] = static_cast<float>(hi.quantity / hi.orders);
    }
    f[kFeatInLastOrder] = hi.last == last_order ? 1 : 0;
    if (hi.repurchase.has_value()) {
      const RepurchaseEstimate& e = *hi.repurchase;
      f[kFeatIntervalDays] = static_cast<float>(e.interval_days);
      if (e.interval_days > 0) {
        f[kFeatDueRatio] = f[kFeatDaysSinceLast] / e.interval_days;
      }
      f[kFeatOwnCycle] = e.gaps > 0 ? 1 : 0;
      f[kFeatStillBuying] =
          static_cast<float>(ProbabilityStillBuying(e, c.as_of));
      f[kFeatDueWithin30] =
          static_cast<float>(ProbabilityWithin(e, c.as_of, 30));
    }
  }
}

// Co-purchases of the items of the customer's last orders.
void AddCooc(const ItemGraph& graph, const PicksCustomer& c,
             const PicksCandidateOptions& o,
             absl::FunctionRef<bool(int32_t)> allowed, Rows* rows) {
  const size_t n_orders = c.order_times.size();
  if (n_orders == 0) return;
  const int64_t since =
      c.order_times[n_orders - std::min<size_t>(n_orders, o.recent_orders)];
  for (size_t h = 0; h < c.history.size(); ++h) {
    const HistoryItem& hi = c.history[h];
    if (hi.last < since || hi.last > c.as_of) continue;
    absl::Span<const Neighbor> list = graph.Fbt(hi.item);
    const size_t top = std::min<size_t>(list.size(), o.cooc_per_item);
    for (size_t j = 0; j < top; ++j) {
      const Neighbor& nb = list[j];
      if (!allowed(nb.item)) continue;
      PicksRow* r = rows->Get(nb.item, kSourceCooc);
      if (nb.score > 0 &&
          (r->cooc_anchor < 0 || nb.score > r->f[kFeatCoocScore] / 2)) {
        // Approximate "strongest link": the first link at least half the
        // sum so far; exact enough to name an anchor.
        r->cooc_anchor = hi.item;
      }
      r->f[kFeatCoocScore] += nb.score;
      r->f[kFeatCoocLinks] += 1;
    }
  }
}

void AddPopular(const ItemGraph& graph, int popular,
                absl::FunctionRef<bool(int32_t)> allowed, Rows* rows) {
  const v1::PopularItems& p = graph.popular();
  int added = 0;
  for (int r = 0; r < p.recent_size() && added < popular; ++r) {
    const int32_t i = graph.FindItem(p.recent(r).item_id());
    if (i < 0 || !allowed(i)) continue;
    rows->Get(i, kSourcePopular)->f[kFeatRecentRank] = static_cast<float>(r);
    ++added;
  }
  added = 0;
  for (int r = 0; r < p.overall_size() && added < popular / 2; ++r) {
    const int32_t i = graph.FindItem(p.overall(r).item_id());
    if (i < 0 || !allowed(i)) continue;
    rows->Get(i, kSourcePopular);
    ++added;
  }
}

// Of the items in their orders after the first, the share they had bought
// before (how much of a basket is habit).
float RepeatShare(const PicksCustomer& c) {
  int64_t items = 0, repeats = 0;
  for (size_t h = 0; h < c.purchase_times.size() && h < c.history.size(); ++h) {
    for (size_t k = 0; k < c.purchase_times[h].size(); ++k) {
      if (c.purchase_times[h][k] > c.as_of) break;
      if (!c.order_times.empty() &&
          c.purchase_times[h][k] <= c.order_times.front()) {
        continue;
      }
      ++items;
      repeats += k > 0 ? 1 : 0;
    }
  }
  return items > 0 ? static_cast<float>(repeats) / items : kNaN;
}

// Item-to-item votes from the whole history (item-based CF over the
// co-purchase lists), each bought item weighted as TIFU-KNN weighs it; the
// best `o.history_cooc` voted items become candidates.
absl::flat_hash_map<int32_t, float> AddHistoryVotes(
    const ItemGraph& graph, const PicksCustomer& c,
    const PicksCandidateOptions& o, absl::FunctionRef<bool(int32_t)> allowed,
    Rows* rows) {
  absl::flat_hash_map<int32_t, float> votes;
  for (size_t h = 0; h < c.history.size() && h < c.purchase_times.size(); ++h) {
    if (c.history[h].last > c.as_of) continue;
    const double w = DecayedOrders(c.purchase_times[h], c.order_times);
    absl::Span<const Neighbor> list = graph.Fbt(c.history[h].item);
    const size_t top = std::min<size_t>(list.size(), o.cooc_per_item);
    for (size_t j = 0; j < top; ++j) {
      votes[list[j].item] += static_cast<float>(w * list[j].score);
    }
  }
  if (o.history_cooc > 0 && !votes.empty()) {
    std::vector<std::pair<float, int32_t>> best;
    best.reserve(votes.size());
    for (const auto& [item, v] : votes) {
      if (v > 0 && allowed(item)) best.emplace_back(v, item);
    }
    const size_t n = std::min<size_t>(best.size(), o.history_cooc);
    std::partial_sort(best.begin(), best.begin() + n, best.end(),
                      [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first
                                                  : a.second < b.second;
                      });
    for (size_t k = 0; k < n; ++k) rows->Get(best[k].second, kSourceCooc);
  }
  return votes;
}

// Item-level and customer-level features of every row.
void FillCommon(const ItemGraph& graph, const PicksCustomer& c,
                absl::FunctionRef<float(int32_t)> als_score,
                absl::FunctionRef<float(int32_t, int32_t)> cosine,
                const PicksCandidateOptions& o,
                const absl::flat_hash_map<int32_t, float>& votes,
                std::vector<PicksRow>* rows) {
  // The customer's categories and prices, weighted by orders.
  absl::flat_hash_map<std::string, double> category_orders;
  double orders = 0, price_sum = 0, priced = 0;
  for (const HistoryItem& hi : c.history) {
    if (hi.last > c.as_of) continue;
    const v1::ItemRecord& rec = graph.item(hi.item);
    category_orders[rec.category()] += hi.orders;
    orders += hi.orders;
    if (rec.price() > 0) {
      price_sum += rec.price() * hi.orders;
      priced += hi.orders;
    }
  }
  const double mean_price = priced > 0 ? price_sum / priced : 0;
  const size_t n_orders = c.order_times.size();
  const float repeat_share = RepeatShare(c);
  const float days_since_order =
      n_orders ? static_cast<float>((c.as_of - c.order_times.back()) / kDay)
               : kNaN;
  const size_t anchors =
      std::min<size_t>(c.history.size(), o.similarity_anchors);
  for (PicksRow& r : *rows) {
    const v1::ItemRecord& rec = graph.item(r.item);
    auto& f = r.f;
    f[kFeatAlsScore] = als_score(r.item);
    float best = 0;
    for (size_t h = 0; h < anchors; ++h) {
      if (c.history[h].item == r.item) continue;
      best = std::max(best, cosine(r.item, c.history[h].item));
    }
    f[kFeatSimilarity] = best;
    f[kFeatPopularity] = graph.Popularity(r.item);
    // The share of its orders in the recent window (one snapshot's window
    // for training and serving alike: no normalising needed).
    if (rec.orders() > 0) {
      f[kFeatTrend] = static_cast<float>(rec.recent_orders()) / rec.orders();
    }
    f[kFeatCustomerOrders] = static_cast<float>(n_orders);
    f[kFeatDaysSinceOrder] = days_since_order;
    if (orders > 0) {
      auto it = category_orders.find(rec.category());
      f[kFeatCategoryShare] = it == category_orders.end()
                                  ? 0
                                  : static_cast<float>(it->second / orders);
    }
    f[kFeatPriceRatio] = mean_price > 0 && rec.price() > 0
                             ? static_cast<float>(rec.price() / mean_price)
                             : kNaN;
    f[kFeatHabitual] = rec.habitual() ? 1 : 0;
    f[kFeatBasketSize] = n_orders ? static_cast<float>(orders / n_orders) : 0;
    f[kFeatRepeatShare] = repeat_share;
    if (auto it = votes.find(r.item); it != votes.end()) {
      f[kFeatCoocHistory] = it->second;
    }
    if (rec.customers() > 0) {
      f[kFeatItemRepeatRate] =
          static_cast<float>(rec.repeat_buyers()) / rec.customers();
    }
  }
}

}  // namespace

const char* PicksFeatureName(int feature) {
  return feature >= 0 && feature < kNumPicksFeatures ? kNames[feature] : "?";
}

double DecayedOrders(absl::Span<const int64_t> purchase_times,
                     absl::Span<const int64_t> order_times) {
  double sum = 0;
  for (int64_t t : purchase_times) {
    // Orders after this one: those with a later time.
    const auto later =
        order_times.end() -
        std::upper_bound(order_times.begin(), order_times.end(), t);
    sum += std::pow(kDecay, static_cast<double>(later));
  }
  return sum;
}

std::vector<PicksRow> CollectPicksCandidates(
    const ItemGraph& graph, const PicksCustomer& customer,
    absl::FunctionRef<float(int32_t)> als_score,
    absl::FunctionRef<float(int32_t, int32_t)> cosine,
    absl::FunctionRef<bool(int32_t)> allowed,
    const PicksCandidateOptions& options,
    const std::function<bool(int32_t)>& keep_row) {
  Rows rows;
  absl::flat_hash_set<int32_t> lapsed;
  AddHistory(graph, customer, allowed, options, &lapsed, &rows);
  AddCooc(graph, customer, options, allowed, &rows);
  const absl::flat_hash_map<int32_t, float> votes =
      AddHistoryVotes(graph, customer, options, allowed, &rows);
  for (size_t j = 0; j < customer.als.size(); ++j) {
    const int32_t i = customer.als[j].item;
    if (!allowed(i)) continue;
    rows.Get(i, kSourceAls)->f[kFeatAlsRank] = static_cast<float>(j);
  }
  AddPopular(graph, options.popular, allowed, &rows);
  std::vector<PicksRow>& out = rows.rows();
  if (!lapsed.empty() || keep_row) {
    // Not even as a "new" item from another source.
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](const PicksRow& r) {
                               return lapsed.contains(r.item) ||
                                      (keep_row && !keep_row(r.item));
                             }),
              out.end());
  }
  FillCommon(graph, customer, als_score, cosine, options, votes, &out);
  return std::move(out);
}

}  // namespace boomerang
