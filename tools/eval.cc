#include "tools/eval.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/eval/nbr_baselines.h"
#include "models/eval/next_basket.h"
#include "models/snapshot/snapshot.h"
#include "models/timestamp.h"
#include "server/engine/lists.h"

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

std::string EvalWorkDir(const EvalOptions& options, bool* temp) {
  std::string work = options.work_dir;
  *temp = false;
  if (work.empty()) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "boomerang-eval-XXXXXX")
            .string();
    work = ::mkdtemp(tmpl.data());
    *temp = true;
  }
  return work;
}

namespace {

// Builds the snapshot of the purchases before `split` under `work` and
// opens it.
absl::StatusOr<std::shared_ptr<const Snapshot>> BuildPastSnapshot(
    const EvalOptions& options, int64_t split, const std::string& work) {
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
    return absl::Status(
        s.code(), absl::StrCat("building the past snapshot: ", s.message()));
  }
  SnapshotOptions sopts;
  return Snapshot::Open(report.snapshot_dir, sopts);
}

// What a customer bought before the split: how often, and when last.
struct PastItem {
  int32_t orders = 0;
  int64_t last = 0;
};

// Per customer: what they bought before the split (with counts and last
// time) and the set they buy in the window after it; and each item's orders
// before the split.
struct SplitHistory {
  absl::flat_hash_map<int32_t, absl::flat_hash_map<int32_t, PastItem>> before;
  absl::flat_hash_map<int32_t, absl::flat_hash_set<int32_t>> after;
  std::vector<int64_t> item_orders;
};

SplitHistory SplitAt(const OrderHistory& history, int64_t split) {
  SplitHistory out;
  out.item_orders.assign(history.item_ids.size(), 0);
  for (size_t o = 0; o < history.orders.num_orders(); ++o) {
    const int64_t t = history.order_timestamps[o];
    const int32_t c = history.order_customers[o];
    for (int64_t i = history.orders.offsets[o];
         i < history.orders.offsets[o + 1]; ++i) {
      const int32_t item = history.orders.items[i];
      if (t < split) {
        ++out.item_orders[item];
        if (c >= 0) {
          PastItem& p = out.before[c][item];
          ++p.orders;
          p.last = std::max(p.last, t);
        }
      } else if (c >= 0) {
        out.after[c].insert(item);
      }
    }
  }
  return out;
}

// The 200 items with the most orders before the split, most first.
std::vector<int32_t> MostPopular(const std::vector<int64_t>& item_orders) {
  std::vector<int32_t> popular(item_orders.size());
  for (size_t i = 0; i < popular.size(); ++i)
    popular[i] = static_cast<int32_t>(i);
  std::sort(popular.begin(), popular.end(), [&](int32_t a, int32_t b) {
    return item_orders[a] != item_orders[b] ? item_orders[a] > item_orders[b]
                                            : a < b;
  });
  popular.resize(std::min<size_t>(popular.size(), 200));
  return popular;
}

// Each customer's orders before `split` as baskets, oldest first (orders
// at the same time in file order).
std::vector<std::vector<Basket>> BasketsBefore(const OrderHistory& history,
                                               int64_t split) {
  std::vector<std::vector<int32_t>> orders_of(history.customer_ids.size());
  for (size_t o = 0; o < history.orders.num_orders(); ++o) {
    const int32_t c = history.order_customers[o];
    if (c >= 0 && history.order_timestamps[o] < split) {
      orders_of[c].push_back(static_cast<int32_t>(o));
    }
  }
  std::vector<std::vector<Basket>> out(orders_of.size());
  for (size_t c = 0; c < orders_of.size(); ++c) {
    std::vector<int32_t>& orders = orders_of[c];
    std::stable_sort(orders.begin(), orders.end(), [&](int32_t a, int32_t b) {
      return history.order_timestamps[a] < history.order_timestamps[b];
    });
    for (int32_t o : orders) {
      out[c].emplace_back(
          history.orders.items.begin() + history.orders.offsets[o],
          history.orders.items.begin() + history.orders.offsets[o + 1]);
    }
  }
  return out;
}

// The methods compared, and the repeat share of the truth.
struct EvalTally {
  Metrics picks, pop, ptop, gptop, tifu, upcf;
  int64_t truth_items = 0, truth_repeats = 0;
  TifuKnnOptions tifu_options;
  UpCfOptions upcf_options;
  int64_t neighbour_pool = 0;  // customers with orders before the split
  double tifu_seconds = 0, upcf_seconds = 0;
};

// Adds the baselines' lists for one customer: popularity, P-TopFreq (their
// own items) and GP-TopFreq (P-TopFreq filled up with popular new items).
void AddBaselines(const OrderHistory& history, const SplitHistory& split,
                  const std::vector<int32_t>& popular,
                  const absl::flat_hash_map<int32_t, PastItem>& before, int k,
                  const absl::flat_hash_set<std::string>& truth,
                  const absl::flat_hash_set<std::string>& past_items,
                  EvalTally* tally) {
  const std::vector<int64_t>& item_orders = split.item_orders;
  std::vector<std::pair<int32_t, PastItem>> freq(before.begin(), before.end());
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
    if (static_cast<int>(p_top.size()) == k) break;
    p_top.push_back(history.item_ids[i]);
  }
  gp_top = p_top;
  for (int32_t i : popular) {
    if (static_cast<int>(pop_recs.size()) < k)
      pop_recs.push_back(history.item_ids[i]);
    if (static_cast<int>(gp_top.size()) < k && !before.contains(i)) {
      gp_top.push_back(history.item_ids[i]);
    }
  }
  tally->pop.Add(pop_recs, truth, past_items, k);
  tally->ptop.Add(p_top, truth, past_items, k);
  tally->gptop.Add(gp_top, truth, past_items, k);
}

// Asks PersonalPicks for customer `c` as of the split and adds its list.
absl::Status AddPicks(const std::shared_ptr<const Snapshot>& snapshot,
                      const OrderHistory& history, int32_t c, int64_t split,
                      int k, const absl::flat_hash_set<std::string>& truth,
                      const absl::flat_hash_set<std::string>& past_items,
                      Metrics* picks) {
  v1::PersonalPicksRequest req;
  req.set_customer_id(history.customer_ids[c]);
  req.set_limit(k);
  req.mutable_as_of()->set_seconds(split);
  req.mutable_filter()->set_in_stock_only(false);
  v1::RecommendationsResponse resp;
  absl::Status s = PersonalPicks(ViewOf(snapshot), req, &resp);
  if (!s.ok()) return s;
  std::vector<std::string> recs;
  for (const auto& r : resp.items()) recs.push_back(r.item_id());
  picks->Add(recs, truth, past_items, k);
  return absl::OkStatus();
}

// Scores every method on each customer with a history who buys after the
// split. TIFU-KNN and UP-CF@r take tally->tifu_options and ->upcf_options;
// their neighbours are every customer with orders before the split.
absl::Status Evaluate(const std::shared_ptr<const Snapshot>& snapshot,
                      const OrderHistory& history, int64_t split, int k,
                      EvalTally* tally) {
  const SplitHistory parts = SplitAt(history, split);
  const std::vector<int32_t> popular = MostPopular(parts.item_orders);
  tally->picks.name = "PersonalPicks";
  tally->pop.name = "popularity";
  tally->ptop.name = "P-TopFreq";
  tally->gptop.name = "GP-TopFreq";
  tally->tifu.name = "TIFU-KNN";
  tally->upcf.name = "UP-CF@r";
  const std::vector<std::vector<Basket>> baskets =
      BasketsBefore(history, split);
  std::vector<int32_t> pool;
  for (size_t c = 0; c < baskets.size(); ++c) {
    if (!baskets[c].empty()) pool.push_back(static_cast<int32_t>(c));
  }
  tally->neighbour_pool = static_cast<int64_t>(pool.size());
  auto start = std::chrono::steady_clock::now();
  auto lap = [&start](double* seconds) {
    const auto now = std::chrono::steady_clock::now();
    *seconds += std::chrono::duration<double>(now - start).count();
    start = now;
  };
  const TifuKnn tifu(baskets, pool, tally->tifu_options);
  lap(&tally->tifu_seconds);
  const UpCf upcf(baskets, pool, tally->upcf_options);
  lap(&tally->upcf_seconds);
  auto ids = [&history](const std::vector<int32_t>& items) {
    std::vector<std::string> out;
    out.reserve(items.size());
    for (int32_t i : items) out.push_back(history.item_ids[i]);
    return out;
  };
  for (const auto& [c, truth_idx] : parts.after) {
    auto b = parts.before.find(c);
    // No history: nothing to personalise.
    if (b == parts.before.end()) continue;
    absl::flat_hash_set<std::string> truth, past_items;
    for (int32_t i : truth_idx) {
      truth.insert(history.item_ids[i]);
      tally->truth_repeats += b->second.contains(i);
    }
    tally->truth_items += truth.size();
    for (const auto& [i, p] : b->second) past_items.insert(history.item_ids[i]);
    AddBaselines(history, parts, popular, b->second, k, truth, past_items,
                 tally);
    start = std::chrono::steady_clock::now();
    const std::vector<std::string> tifu_recs = ids(tifu.Recommend(c, k));
    lap(&tally->tifu_seconds);
    const std::vector<std::string> upcf_recs = ids(upcf.Recommend(c, k));
    lap(&tally->upcf_seconds);
    tally->tifu.Add(tifu_recs, truth, past_items, k);
    tally->upcf.Add(upcf_recs, truth, past_items, k);
    absl::Status s = AddPicks(snapshot, history, c, split, k, truth, past_items,
                              &tally->picks);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

void PrintEval(const EvalTally& t, const EvalOptions& options, int64_t split,
               int64_t catalog) {
  std::cout << absl::StrFormat(
      "split at %s (last %d days held out): %d customers with history buy in "
      "the "
      "window; %.1f%% of what they buy there they bought before (repeat), "
      "%.1f%% is "
      "new (explore)\n",
      FormatTimestamp(split), options.test_days, t.picks.users,
      t.truth_items ? 100.0 * t.truth_repeats / t.truth_items : 0.0,
      t.truth_items ? 100.0 - 100.0 * t.truth_repeats / t.truth_items : 0.0);
  std::cout << absl::StrFormat(
      "%-14s %9s %9s %11s %9s %13s\n", "method",
      absl::StrCat("Recall@", options.k), absl::StrCat("NDCG@", options.k),
      absl::StrCat("HitRate@", options.k), "coverage", "repeat share");
  for (const Metrics* m :
       {&t.pop, &t.ptop, &t.gptop, &t.tifu, &t.upcf, &t.picks}) {
    const double n = std::max<int64_t>(1, m->users);
    std::cout << absl::StrFormat(
        "%-14s %9.4f %9.4f %11.4f %8.1f%% %12.1f%%\n", m->name, m->recall / n,
        m->ndcg / n, m->hit / n,
        100.0 * m->covered.size() / std::max<int64_t>(1, catalog),
        100.0 * m->repeat_share / n);
  }
  std::cout << absl::StrFormat(
      "TIFU-KNN %s (%s), UP-CF@r %s (%s); their neighbours: the %d "
      "customers with orders before the split; nothing tuned on this "
      "window\n",
      t.tifu_options.ToString(),
      options.tifu.empty() ? "the paper's" : "from --tifu",
      t.upcf_options.ToString(),
      options.upcf.empty() ? "the paper's" : "from --upcf", t.neighbour_pool);
  // The best baseline in each metric, and PersonalPicks against it.
  const Metrics* recall = nullptr;
  const Metrics* ndcg = nullptr;
  for (const Metrics* m : {&t.pop, &t.ptop, &t.gptop, &t.tifu, &t.upcf}) {
    if (!recall || m->recall > recall->recall) recall = m;
    if (!ndcg || m->ndcg > ndcg->ndcg) ndcg = m;
  }
  const double n = std::max<int64_t>(1, t.picks.users);
  auto gain = [](double x, double base) {
    return base > 0 ? 100.0 * (x - base) / base : 0.0;
  };
  std::cout << absl::StrFormat(
      "best baseline: Recall@%d %.4f (%s), NDCG@%d %.4f (%s); PersonalPicks "
      "%+.1f%% and %+.1f%%\n",
      options.k, recall->recall / n, recall->name, options.k, ndcg->ndcg / n,
      ndcg->name, gain(t.picks.recall, recall->recall),
      gain(t.picks.ndcg, ndcg->ndcg));
  std::cout << absl::StrFormat(
      "run time (one thread): TIFU-KNN %.1f s, UP-CF@r %.1f s\n",
      t.tifu_seconds, t.upcf_seconds);
}

}  // namespace

int RunEval(const EvalOptions& options) {
  if (options.protocol == "next-basket") {
    if (!options.tifu.empty() || !options.upcf.empty()) {
      std::cerr << "boomerang eval: error: --tifu and --upcf are for "
                   "--protocol time; the next-basket protocol tunes both on "
                   "each fold's validation customers\n";
      return 1;
    }
    return RunNextBasketEval(options);
  }
  EvalTally tally;
  if (!options.tifu.empty()) {
    auto o = ParseTifuKnnOptions(options.tifu);
    if (!o.ok()) {
      std::cerr << "boomerang eval: error: --tifu: " << o.status().message()
                << "\n";
      return 1;
    }
    tally.tifu_options = *o;
  }
  if (!options.upcf.empty()) {
    auto o = ParseUpCfOptions(options.upcf);
    if (!o.ok()) {
      std::cerr << "boomerang eval: error: --upcf: " << o.status().message()
                << "\n";
      return 1;
    }
    tally.upcf_options = *o;
  }
  IndexReport full_report;
  auto history = LoadOrderHistory(options.indexer, &full_report);
  if (!history.ok()) {
    std::cerr << "boomerang eval: error: " << history.status().message()
              << "\n";
    return 1;
  }
  const int64_t split =
      full_report.data_end - int64_t{options.test_days} * 86400;

  bool temp = false;
  const std::string work = EvalWorkDir(options, &temp);
  auto snapshot = BuildPastSnapshot(options, split, work);
  if (!snapshot.ok()) {
    std::cerr << "boomerang eval: error: " << snapshot.status().message()
              << "\n";
    return 1;
  }

  absl::Status s = Evaluate(*snapshot, *history, split, options.k, &tally);
  if (!s.ok()) {
    std::cerr << "boomerang eval: error: " << s.message() << "\n";
    return 1;
  }
  if (temp) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  PrintEval(tally, options, split, (*snapshot)->num_items());
  return 0;
}

}  // namespace boomerang
