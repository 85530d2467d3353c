#include "tools/eval.h"

#include <unistd.h>

#include <algorithm>
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

// The methods compared, and the repeat share of the truth.
struct EvalTally {
  Metrics picks, pop, ptop, gptop;
  int64_t truth_items = 0, truth_repeats = 0;
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
// split.
absl::Status Evaluate(const std::shared_ptr<const Snapshot>& snapshot,
                      const OrderHistory& history, int64_t split, int k,
                      EvalTally* tally) {
  const SplitHistory parts = SplitAt(history, split);
  const std::vector<int32_t> popular = MostPopular(parts.item_orders);
  tally->picks.name = "PersonalPicks";
  tally->pop.name = "popularity";
  tally->ptop.name = "P-TopFreq";
  tally->gptop.name = "GP-TopFreq";
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
  for (const Metrics* m : {&t.pop, &t.ptop, &t.gptop, &t.picks}) {
    const double n = std::max<int64_t>(1, m->users);
    std::cout << absl::StrFormat(
        "%-14s %9.4f %9.4f %11.4f %8.1f%% %12.1f%%\n", m->name, m->recall / n,
        m->ndcg / n, m->hit / n,
        100.0 * m->covered.size() / std::max<int64_t>(1, catalog),
        100.0 * m->repeat_share / n);
  }
}

}  // namespace

int RunEval(const EvalOptions& options) {
  if (options.protocol == "next-basket") return RunNextBasketEval(options);
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

  EvalTally tally;
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
