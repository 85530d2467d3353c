#include "models/eval/next_basket.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace boomerang {

CustomerSplit SplitCustomers(int32_t customers, uint64_t seed) {
  std::vector<int32_t> order(std::max(customers, 0));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  // keyset_fold.py: int(n * 4/5 * 0.9) and int(n * 4/5).
  const int32_t n = customers;
  const auto train_end = static_cast<int32_t>(n * 4.0 / 5.0 * 0.9);
  const auto val_end = static_cast<int32_t>(n * 4.0 / 5.0);
  CustomerSplit split;
  split.train.assign(order.begin(), order.begin() + train_end);
  split.validation.assign(order.begin() + train_end, order.begin() + val_end);
  split.test.assign(order.begin() + val_end, order.end());
  return split;
}

void NextBasketMetrics::Add(absl::Span<const int32_t> ranked,
                            absl::Span<const int32_t> truth,
                            absl::Span<const int32_t> history) {
  if (truth.empty()) return;
  const absl::flat_hash_set<int32_t> truth_set(truth.begin(), truth.end());
  const absl::flat_hash_set<int32_t> past(history.begin(), history.end());
  const size_t top = std::min<size_t>(ranked.size(), k_);
  int hits = 0, repeats = 0;
  double dcg = 0;
  for (size_t r = 0; r < top; ++r) {
    if (truth_set.contains(ranked[r])) {
      ++hits;
      dcg += 1.0 / std::log2(r + 2.0);
    }
    if (past.contains(ranked[r])) ++repeats;
  }
  double idcg = 0;
  for (size_t r = 0; r < truth_set.size(); ++r)
    idcg += 1.0 / std::log2(r + 2.0);
  ++n_;
  recall_ += static_cast<double>(hits) / truth_set.size();
  ndcg_ += dcg / idcg;
  phr_ += hits > 0 ? 1 : 0;
  repeat_ratio_ += static_cast<double>(repeats) / k_;
  // The truth's repeat and new items, each scored on its own.
  int truth_repeat = 0, hits_repeat = 0, hits_explore = 0;
  for (int32_t item : truth_set) truth_repeat += past.contains(item) ? 1 : 0;
  const int truth_explore = static_cast<int>(truth_set.size()) - truth_repeat;
  for (size_t r = 0; r < top; ++r) {
    if (!truth_set.contains(ranked[r])) continue;
    (past.contains(ranked[r]) ? hits_repeat : hits_explore) += 1;
  }
  if (truth_repeat > 0) {
    ++n_repeat_;
    recall_repeat_ += static_cast<double>(hits_repeat) / truth_repeat;
  }
  if (truth_explore > 0) {
    ++n_explore_;
    recall_explore_ += static_cast<double>(hits_explore) / truth_explore;
  }
}

std::vector<int32_t> PersonalTopFreq(absl::Span<const Basket> baskets, int k) {
  struct Count {
    int baskets = 0;
    size_t last = 0;  // index of the newest basket with the item
  };
  absl::flat_hash_map<int32_t, Count> counts;
  for (size_t b = 0; b < baskets.size(); ++b) {
    const absl::flat_hash_set<int32_t> items(baskets[b].begin(),
                                             baskets[b].end());
    for (int32_t item : items) {
      Count& c = counts[item];
      ++c.baskets;
      c.last = b;
    }
  }
  std::vector<std::pair<int32_t, Count>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.second.baskets != b.second.baskets) {
      return a.second.baskets > b.second.baskets;
    }
    if (a.second.last != b.second.last) return a.second.last > b.second.last;
    return a.first < b.first;
  });
  std::vector<int32_t> out;
  for (size_t i = 0; i < ranked.size() && static_cast<int>(out.size()) < k;
       ++i) {
    out.push_back(ranked[i].first);
  }
  return out;
}

std::vector<int32_t> GlobalPersonalTopFreq(absl::Span<const Basket> baskets,
                                           absl::Span<const int32_t> global_top,
                                           int k) {
  std::vector<int32_t> out = PersonalTopFreq(baskets, k);
  absl::flat_hash_set<int32_t> taken(out.begin(), out.end());
  for (int32_t item : global_top) {
    if (static_cast<int>(out.size()) >= k) break;
    if (taken.insert(item).second) out.push_back(item);
  }
  return out;
}

}  // namespace boomerang
