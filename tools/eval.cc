#include "tools/eval.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/timestamp.h"
#include "server/engine/lists.h"
#include "models/snapshot/snapshot.h"

namespace boomerang {
namespace {

struct Metrics {
  std::string name;
  double recall = 0, ndcg = 0, hit = 0, repeat_share = 0;
  int64_t users = 0;
  absl::flat_hash_set<std::string> covered;

  void Add(const std::vector<std::string>& recs,
           const absl::flat_hash_set<std::string>& truth,
           const absl::flat_hash_set<std::string>& past, int k) {
    int hits = 0, repeats = 0;
    double dcg = 0, idcg = 0;
    for (int i = 0; i < static_cast<int>(recs.size()) && i < k; ++i) {
      covered.insert(recs[i]);
      repeats += past.contains(recs[i]);
      if (truth.contains(recs[i])) {
        ++hits;
        dcg += 1.0 / std::log2(i + 2.0);
      }
    }
    for (int i = 0; i < std::min<int>(k, truth.size()); ++i)
      idcg += 1.0 / std::log2(i + 2.0);
    recall += truth.empty() ? 0 : static_cast<double>(hits) / truth.size();
    ndcg += idcg > 0 ? dcg / idcg : 0;
    hit += hits > 0;
    repeat_share +=
        recs.empty() ? 0 : static_cast<double>(repeats) / recs.size();
    ++users;
  }
};

}  // namespace

int RunEval(const EvalOptions& options) {
  IndexReport full_report;
  auto history = LoadOrderHistory(options.indexer, &full_report);
  if (!history.ok()) {
    std::cerr << "boomerang eval: error: " << history.status().message()
              << "\n";
    return 1;
  }
  const int64_t split =
      full_report.data_end - int64_t{options.test_days} * 86400;

  // Build the snapshot of the past.
  std::string work = options.work_dir;
  bool temp = false;
  if (work.empty()) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "boomerang-eval-XXXXXX")
            .string();
    work = ::mkdtemp(tmpl.data());
    temp = true;
  }
  IndexerOptions past = options.indexer;
  past.out_root = work;
  past.until = split;
  past.progress = nullptr;
  // A throwaway root that is never served: a rerun with another split (a
  // reused --work-dir) is meant to cover less, not a truncated export.
  past.allow_shrink = true;
  IndexReport report;
  absl::Status s = RunIndexer(past, &report);
  if (!s.ok()) {
    std::cerr << "boomerang eval: error: building the past snapshot: "
              << s.message() << "\n";
    return 1;
  }
  SnapshotOptions sopts;
  auto snapshot = Snapshot::Open(report.snapshot_dir, sopts);
  if (!snapshot.ok()) {
    std::cerr << "boomerang eval: error: " << snapshot.status().message()
              << "\n";
    return 1;
  }

  // Per customer: what they bought before the split (with counts and last
  // time) and the set they buy in the window after it.
  struct Past {
    int32_t orders = 0;
    int64_t last = 0;
  };
  absl::flat_hash_map<int32_t, absl::flat_hash_map<int32_t, Past>> before;
  absl::flat_hash_map<int32_t, absl::flat_hash_set<int32_t>> after;
  std::vector<int64_t> item_orders(history->item_ids.size(), 0);
  for (size_t o = 0; o < history->orders.num_orders(); ++o) {
    const int64_t t = history->order_timestamps[o];
    const int32_t c = history->order_customers[o];
    for (int64_t i = history->orders.offsets[o];
         i < history->orders.offsets[o + 1]; ++i) {
      const int32_t item = history->orders.items[i];
      if (t < split) {
        ++item_orders[item];
        if (c >= 0) {
          Past& p = before[c][item];
          ++p.orders;
          p.last = std::max(p.last, t);
        }
      } else if (c >= 0) {
        after[c].insert(item);
      }
    }
  }
  std::vector<int32_t> popular(item_orders.size());
  for (size_t i = 0; i < popular.size(); ++i)
    popular[i] = static_cast<int32_t>(i);
  std::sort(popular.begin(), popular.end(), [&](int32_t a, int32_t b) {
    return item_orders[a] != item_orders[b] ? item_orders[a] > item_orders[b]
                                            : a < b;
  });
  popular.resize(std::min<size_t>(popular.size(), 200));

  Metrics picks, pop, ptop, gptop;
  picks.name = "PersonalPicks";
  pop.name = "popularity";
  ptop.name = "P-TopFreq";
  gptop.name = "GP-TopFreq";
  int64_t truth_items = 0, truth_repeats = 0;
  for (const auto& [c, truth_idx] : after) {
    auto b = before.find(c);
    if (b == before.end()) continue;  // no history: nothing to personalise
    absl::flat_hash_set<std::string> truth, past_items;
    for (int32_t i : truth_idx) {
      truth.insert(history->item_ids[i]);
      truth_repeats += b->second.contains(i);
    }
    truth_items += truth.size();
    for (const auto& [i, p] : b->second)
      past_items.insert(history->item_ids[i]);

    std::vector<std::pair<int32_t, Past>> freq(b->second.begin(),
                                               b->second.end());
    // P-TopFreq: most orders first; ties by recency, then by overall
    // popularity (the same information PersonalPicks has, so the baseline
    // is not handicapped by an arbitrary tie-break).
    std::sort(freq.begin(), freq.end(), [&](const auto& x, const auto& y) {
      if (x.second.orders != y.second.orders) {
        return x.second.orders > y.second.orders;
      }
      if (x.second.last != y.second.last) return x.second.last > y.second.last;
      if (item_orders[x.first] != item_orders[y.first]) {
        return item_orders[x.first] > item_orders[y.first];
      }
      return x.first < y.first;
    });
    std::vector<std::string> p_top, gp_top, pop_recs;
    for (const auto& [i, p] : freq) {
      if (static_cast<int>(p_top.size()) == options.k) break;
      p_top.push_back(history->item_ids[i]);
    }
    gp_top = p_top;
    for (int32_t i : popular) {
      if (static_cast<int>(pop_recs.size()) < options.k)
        pop_recs.push_back(history->item_ids[i]);
      if (static_cast<int>(gp_top.size()) < options.k &&
          !b->second.contains(i)) {
        gp_top.push_back(history->item_ids[i]);
      }
    }
    pop.Add(pop_recs, truth, past_items, options.k);
    ptop.Add(p_top, truth, past_items, options.k);
    gptop.Add(gp_top, truth, past_items, options.k);

    v1::PersonalPicksRequest req;
    req.set_customer_id(history->customer_ids[c]);
    req.set_limit(options.k);
    req.mutable_as_of()->set_seconds(split);
    req.mutable_filter()->set_in_stock_only(false);
    v1::RecommendationsResponse resp;
    s = PersonalPicks(ViewOf(*snapshot), req, &resp);
    if (!s.ok()) {
      std::cerr << "boomerang eval: error: " << s.message() << "\n";
      return 1;
    }
    std::vector<std::string> recs;
    for (const auto& r : resp.items()) recs.push_back(r.item_id());
    picks.Add(recs, truth, past_items, options.k);
  }
  if (temp) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }

  const int64_t catalog = (*snapshot)->num_items();
  std::cout << absl::StrFormat(
      "split at %s (last %d days held out): %d customers with history buy in "
      "the "
      "window; %.1f%% of what they buy there they bought before (repeat), "
      "%.1f%% is "
      "new (explore)\n",
      FormatTimestamp(split), options.test_days, picks.users,
      truth_items ? 100.0 * truth_repeats / truth_items : 0.0,
      truth_items ? 100.0 - 100.0 * truth_repeats / truth_items : 0.0);
  std::cout << absl::StrFormat(
      "%-14s %9s %9s %11s %9s %13s\n", "method",
      absl::StrCat("Recall@", options.k), absl::StrCat("NDCG@", options.k),
      absl::StrCat("HitRate@", options.k), "coverage", "repeat share");
  for (const Metrics* m : {&pop, &ptop, &gptop, &picks}) {
    const double n = std::max<int64_t>(1, m->users);
    std::cout << absl::StrFormat(
        "%-14s %9.4f %9.4f %11.4f %8.1f%% %12.1f%%\n", m->name, m->recall / n,
        m->ndcg / n, m->hit / n,
        100.0 * m->covered.size() / std::max<int64_t>(1, catalog),
        100.0 * m->repeat_share / n);
  }
  return 0;
}

}  // namespace boomerang
