// `boomerang eval --protocol next-basket`: the protocol of Li et al., "A
// Next Basket Recommendation Reality Check" (TOIS 2023), with the metrics
// and baselines of models/eval/next_basket.h. Every known customer with at
// least 3 orders has their last order held out; one snapshot is built from
// everything else (each customer's purchases before their last order);
// customers are split into train / validation / test by three seeded
// shuffles (1000, 1001, 1002) and each fold's test customers are scored:
// P-TopFreq, GP-TopFreq (filled with the train customers' most frequent
// items), TIFU-KNN and UP-CF@r (models/eval/nbr_baselines.h; neighbours
// from the fold's train customers) with the papers' parameters and with
// parameters chosen on the fold's validation customers, and PersonalPicks as
// of the held-out order, at k = 10 and 20. Nothing here is tuned on the test
// customers.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/eval/nbr_baselines.h"
#include "models/eval/next_basket.h"
#include "models/snapshot/snapshot.h"
#include "server/engine/lists.h"
#include "tools/eval.h"

namespace boomerang {
namespace {

constexpr uint64_t kFoldSeeds[] = {1000, 1001, 1002};
constexpr int kCutoffs[] = {10, 20};

// Each eligible customer's baskets: history (oldest first) and the
// held-out last order.
struct Customer {
  int32_t index = -1;  // into OrderHistory::customer_ids
  std::vector<Basket> history;
  Basket truth;
  Basket past_items;  // every item of the history
  int64_t held_out_at = 0;
};

std::vector<Customer> EligibleCustomers(const OrderHistory& h) {
  std::vector<std::vector<int32_t>> orders_of(h.customer_ids.size());
  for (size_t o = 0; o < h.orders.num_orders(); ++o) {
    const int32_t c = h.order_customers[o];
    if (c >= 0) orders_of[c].push_back(static_cast<int32_t>(o));
  }
  auto items = [&h](int32_t o) {
    return Basket(h.orders.items.begin() + h.orders.offsets[o],
                  h.orders.items.begin() + h.orders.offsets[o + 1]);
  };
  std::vector<Customer> out;
  for (size_t c = 0; c < orders_of.size(); ++c) {
    std::vector<int32_t>& orders = orders_of[c];
    if (orders.size() < 3) continue;
    std::stable_sort(orders.begin(), orders.end(), [&h](int32_t a, int32_t b) {
      return h.order_timestamps[a] < h.order_timestamps[b];
    });
    Customer cu;
    cu.index = static_cast<int32_t>(c);
    cu.held_out_at = h.order_timestamps[orders.back()];
    cu.truth = items(orders.back());
    // The snapshot leaves out everything at or after the held-out order's
    // time (IndexerOptions::customer_until); so does the history here.
    for (int32_t o : orders) {
      if (h.order_timestamps[o] >= cu.held_out_at) continue;
      cu.history.push_back(items(o));
      cu.past_items.insert(cu.past_items.end(), cu.history.back().begin(),
                           cu.history.back().end());
    }
    if (cu.history.size() >= 2 && !cu.truth.empty()) out.push_back(cu);
  }
  return out;
}

// Items by how many of the `train` customers' history baskets hold them.
std::vector<int32_t> GlobalTop(const std::vector<Customer>& customers,
                               const std::vector<int32_t>& train, int k) {
  absl::flat_hash_map<int32_t, int64_t> count;
  for (int32_t t : train) {
    for (const Basket& b : customers[t].history) {
      for (int32_t item : b) ++count[item];
    }
  }
  std::vector<std::pair<int32_t, int64_t>> ranked(count.begin(), count.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<int32_t> out;
  for (size_t i = 0; i < ranked.size() && static_cast<int>(i) < k; ++i) {
    out.push_back(ranked[i].first);
  }
  return out;
}

// PersonalPicks' list for one customer as of their held-out order, as
// history item indices.
absl::StatusOr<std::vector<int32_t>> Picks(
    const std::shared_ptr<const Snapshot>& snapshot, const OrderHistory& h,
    const absl::flat_hash_map<std::string, int32_t>& item_index,
    const Customer& cu, int k) {
  v1::PersonalPicksRequest req;
  req.set_customer_id(h.customer_ids[cu.index]);
  req.set_limit(k);
  req.mutable_as_of()->set_seconds(cu.held_out_at);
  req.mutable_filter()->set_in_stock_only(false);
  v1::RecommendationsResponse resp;
  absl::Status s = PersonalPicks(ViewOf(snapshot), req, &resp);
  if (!s.ok()) return s;
  std::vector<int32_t> out;
  for (const v1::RecommendedItem& r : resp.items()) {
    auto it = item_index.find(r.item_id());
    out.push_back(it != item_index.end() ? it->second : -1);
  }
  return out;
}

struct Method {
  std::string name;
  std::vector<NextBasketMetrics> at;  // one per kCutoffs, summed over folds
  bool baseline = true;
  bool tuned = false;  // parameters chosen on each fold's validation set
};

// The small grids searched on each fold's validation customers (the
// papers' defaults are points of both).
std::vector<TifuKnnOptions> TifuGrid() {
  std::vector<TifuKnnOptions> grid;
  for (int k : {100, 300, 900}) {
    for (double rb : {0.9, 1.0}) {
      for (double rg : {0.6, 0.7, 0.8}) {
        for (double alpha : {0.5, 0.7, 0.9}) {
          for (int groups : {3, 7}) {
            grid.push_back(TifuKnnOptions{k, rb, rg, alpha, groups});
          }
        }
      }
    }
  }
  return grid;
}

std::vector<UpCfOptions> UpCfGrid() {
  std::vector<UpCfOptions> grid;
  for (int r : {1, 5, 10, 25}) {
    for (double alpha : {0.25, 0.5, 0.75}) {
      for (int q : {1, 5, 10}) {
        UpCfOptions o;
        o.recency = r;
        o.asymmetry = alpha;
        o.locality = q;
        grid.push_back(o);
      }
    }
  }
  return grid;
}

// Mean Recall@10 of `model` over `customers` (the validation set).
template <typename Model>
double Recall10(const Model& model, const std::vector<Customer>& all,
                const std::vector<int32_t>& customers) {
  NextBasketMetrics m(10);
  for (int32_t c : customers) {
    m.Add(model.Recommend(c, 10), all[c].truth, all[c].past_items);
  }
  return m.recall();
}

// The grid point with the highest validation Recall@10 (the first of equal
// ones), and that recall.
template <typename Model, typename Options>
std::pair<Options, double> Tune(const std::vector<Options>& grid,
                                const std::vector<std::vector<Basket>>& h,
                                const std::vector<Customer>& all,
                                const CustomerSplit& split) {
  std::pair<Options, double> best{grid.front(), -1};
  for (const Options& o : grid) {
    const double r = Recall10(Model(h, split.train, o), all, split.validation);
    if (r > best.second) best = {o, r};
  }
  return best;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

void Print(const std::vector<Method>& methods, size_t eligible,
           size_t test_per_fold, size_t validation_per_fold) {
  std::cout << absl::StrFormat(
      "next-basket protocol: %d customers with at least 3 orders, the last "
      "held out; 3 folds (seeds 1000-1002) of %d test customers each; means "
      "over the folds' test customers\n",
      eligible, test_per_fold);
  std::cout << absl::StrFormat("%-14s %9s %9s %9s %9s %9s %9s %10s %11s %12s\n",
                               "method", "Recall@10", "NDCG@10", "PHR@10",
                               "Recall@20", "NDCG@20", "PHR@20", "repeat@10",
                               "rep.rec@10", "expl.rec@10");
  for (const Method& m : methods) {
    const NextBasketMetrics& a = m.at[0];
    const NextBasketMetrics& b = m.at[1];
    std::cout << absl::StrFormat(
        "%-14s %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %10.3f %11.4f %12.4f\n",
        m.name, a.recall(), a.ndcg(), a.phr(), b.recall(), b.ndcg(), b.phr(),
        a.repeat_ratio(), a.recall_repeat(), a.recall_explore());
  }
  std::string tuned;
  for (const Method& m : methods) {
    if (m.tuned) absl::StrAppend(&tuned, tuned.empty() ? "" : ", ", m.name);
  }
  std::cout << absl::StrFormat(
      "tuned: %s (parameters chosen per fold by Recall@10 on that fold's %d "
      "validation customers; the test customers were not looked at while "
      "tuning); every other row uses fixed parameters\n",
      tuned, validation_per_fold);
  // The best baseline in each metric, and PersonalPicks against it.
  const Method* recall = nullptr;
  const Method* ndcg = nullptr;
  const Method* picks = nullptr;
  for (const Method& m : methods) {
    if (!m.baseline) {
      picks = &m;
      continue;
    }
    if (!recall || m.at[0].recall() > recall->at[0].recall()) recall = &m;
    if (!ndcg || m.at[0].ndcg() > ndcg->at[0].ndcg()) ndcg = &m;
  }
  auto gain = [](double x, double base) {
    return base > 0 ? 100.0 * (x - base) / base : 0.0;
  };
  if (recall && ndcg && picks) {
    std::cout << absl::StrFormat(
        "best baseline: Recall@10 %.4f (%s), NDCG@10 %.4f (%s); %s %+.1f%% "
        "and %+.1f%%\n",
        recall->at[0].recall(), recall->name, ndcg->at[0].ndcg(), ndcg->name,
        picks->name, gain(picks->at[0].recall(), recall->at[0].recall()),
        gain(picks->at[0].ndcg(), ndcg->at[0].ndcg()));
  }
}

// The snapshot of everything but the held-out orders (each eligible
// customer's purchases from their last order on are left out), in `work`.
absl::StatusOr<std::shared_ptr<const Snapshot>> BuildHistorySnapshot(
    const EvalOptions& options, const OrderHistory& history,
    const std::vector<Customer>& customers, const std::string& work) {
  IndexerOptions past = options.indexer;
  for (const Customer& cu : customers) {
    past.customer_until[history.customer_ids[cu.index]] = cu.held_out_at;
  }
  past.out_root = work;
  past.progress = nullptr;
  past.allow_shrink = true;  // a throwaway root, never served
  IndexReport past_report;
  absl::Status s = RunIndexer(past, &past_report);
  if (!s.ok()) return s;
  return Snapshot::Open(past_report.snapshot_dir, {});
}

}  // namespace

int RunNextBasketEval(const EvalOptions& options) {
  IndexReport report;
  auto history = LoadOrderHistory(options.indexer, &report);
  if (!history.ok()) {
    std::cerr << "boomerang eval: error: " << history.status().message()
              << "\n";
    return 1;
  }
  const std::vector<Customer> customers = EligibleCustomers(*history);
  if (customers.size() < 10) {
    std::cerr << "boomerang eval: error: only " << customers.size()
              << " customers have at least 3 orders; the next-basket "
                 "protocol needs more\n";
    return 1;
  }
  bool temp = false;
  const std::string work = EvalWorkDir(options, &temp);
  auto snapshot = BuildHistorySnapshot(options, *history, customers, work);
  if (!snapshot.ok()) {
    std::cerr << "boomerang eval: error: building the history snapshot: "
              << snapshot.status().message() << "\n";
    return 1;
  }
  absl::flat_hash_map<std::string, int32_t> item_index;
  for (size_t i = 0; i < history->item_ids.size(); ++i) {
    item_index[history->item_ids[i]] = static_cast<int32_t>(i);
  }
  // Rows in this order; the last is Boomerang's.
  enum Row { kPTop, kGpTop, kTifu, kTifuTuned, kUpCf, kUpCfTuned, kPicks };
  std::vector<Method> methods;
  for (const char* name :
       {"P-TopFreq", "GP-TopFreq", "TIFU-KNN", "TIFU-KNN tuned", "UP-CF@r",
        "UP-CF@r tuned", "PersonalPicks"}) {
    methods.push_back(
        Method{name, {NextBasketMetrics(10), NextBasketMetrics(20)}});
  }
  methods[kTifuTuned].tuned = methods[kUpCfTuned].tuned = true;
  methods[kPicks].baseline = false;
  std::vector<std::vector<Basket>> histories;
  histories.reserve(customers.size());
  for (const Customer& cu : customers) histories.push_back(cu.history);
  const std::vector<TifuKnnOptions> tifu_grid = TifuGrid();
  const std::vector<UpCfOptions> upcf_grid = UpCfGrid();
  double seconds[kPicks + 1] = {};
  size_t test_per_fold = 0, validation_per_fold = 0;
  // PersonalPicks, TIFU-KNN and GP-TopFreq on the validation customers.
  NextBasketMetrics validation[3] = {
      NextBasketMetrics(10), NextBasketMetrics(10), NextBasketMetrics(10)};
  for (size_t f = 0; f < std::size(kFoldSeeds); ++f) {
    const CustomerSplit split =
        SplitCustomers(static_cast<int32_t>(customers.size()), kFoldSeeds[f]);
    test_per_fold = split.test.size();
    validation_per_fold = split.validation.size();
    const std::vector<int32_t> global = GlobalTop(customers, split.train, 20);
    auto start = std::chrono::steady_clock::now();
    const auto [tifu_options, tifu_recall] =
        Tune<TifuKnn>(tifu_grid, histories, customers, split);
    seconds[kTifuTuned] += Seconds(start);
    start = std::chrono::steady_clock::now();
    const auto [upcf_options, upcf_recall] =
        Tune<UpCf>(upcf_grid, histories, customers, split);
    seconds[kUpCfTuned] += Seconds(start);
    std::cout << absl::StrFormat(
        "fold %d (seed %d): TIFU-KNN tuned: %s (validation Recall@10 %.4f); "
        "UP-CF@r tuned: %s (validation Recall@10 %.4f)\n",
        f + 1, kFoldSeeds[f], tifu_options.ToString(), tifu_recall,
        upcf_options.ToString(), upcf_recall);
    // The models, each built on the fold's train customers.
    start = std::chrono::steady_clock::now();
    const TifuKnn tifu(histories, split.train, TifuKnnOptions{});
    seconds[kTifu] += Seconds(start);
    start = std::chrono::steady_clock::now();
    const TifuKnn tifu_tuned(histories, split.train, tifu_options);
    seconds[kTifuTuned] += Seconds(start);
    start = std::chrono::steady_clock::now();
    const UpCf upcf(histories, split.train, UpCfOptions{});
    seconds[kUpCf] += Seconds(start);
    start = std::chrono::steady_clock::now();
    const UpCf upcf_tuned(histories, split.train, upcf_options);
    seconds[kUpCfTuned] += Seconds(start);
    // Boomerang's own design is compared on the validation customers
    // (never on the test customers): PersonalPicks against the default
    // TIFU-KNN and GP-TopFreq there.
    for (int32_t v : split.validation) {
      const Customer& cu = customers[v];
      auto picks = Picks(*snapshot, *history, item_index, cu, 20);
      if (!picks.ok()) {
        std::cerr << "boomerang eval: error: " << picks.status().message()
                  << "\n";
        return 1;
      }
      validation[0].Add(*picks, cu.truth, cu.past_items);
      validation[1].Add(tifu.Recommend(v, 20), cu.truth, cu.past_items);
      validation[2].Add(GlobalPersonalTopFreq(cu.history, global, 20), cu.truth,
                        cu.past_items);
    }
    for (int32_t t : split.test) {
      const Customer& cu = customers[t];
      std::vector<int32_t> lists[kPicks + 1];
      start = std::chrono::steady_clock::now();
      lists[kPTop] = PersonalTopFreq(cu.history, 20);
      lists[kGpTop] = GlobalPersonalTopFreq(cu.history, global, 20);
      seconds[kPTop] += Seconds(start);
      auto timed = [&](Row row, auto&& list) {
        const auto begin = std::chrono::steady_clock::now();
        lists[row] = list();
        seconds[row] += Seconds(begin);
      };
      timed(kTifu, [&] { return tifu.Recommend(t, 20); });
      timed(kTifuTuned, [&] { return tifu_tuned.Recommend(t, 20); });
      timed(kUpCf, [&] { return upcf.Recommend(t, 20); });
      timed(kUpCfTuned, [&] { return upcf_tuned.Recommend(t, 20); });
      start = std::chrono::steady_clock::now();
      auto picks = Picks(*snapshot, *history, item_index, cu, 20);
      seconds[kPicks] += Seconds(start);
      if (!picks.ok()) {
        std::cerr << "boomerang eval: error: " << picks.status().message()
                  << "\n";
        return 1;
      }
      lists[kPicks] = *std::move(picks);
      for (size_t m = 0; m < methods.size(); ++m) {
        for (size_t c = 0; c < 2; ++c) {
          methods[m].at[c].Add(lists[m], cu.truth, cu.past_items);
        }
      }
    }
  }
  if (temp) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  Print(methods, customers.size(), test_per_fold, validation_per_fold);
  std::cout << absl::StrFormat(
      "validation customers (where Boomerang's ranker was designed): "
      "PersonalPicks Recall@10 %.4f NDCG@10 %.4f; TIFU-KNN %.4f %.4f; "
      "GP-TopFreq %.4f %.4f\n",
      validation[0].recall(), validation[0].ndcg(), validation[1].recall(),
      validation[1].ndcg(), validation[2].recall(), validation[2].ndcg());
  std::cout << absl::StrFormat(
      "run time (3 folds, one thread): TIFU-KNN %.1f s, its grid of %d and "
      "tuned run %.1f s; UP-CF@r %.1f s, its grid of %d and tuned run %.1f "
      "s; P-/GP-TopFreq %.2f s; PersonalPicks %.1f s (the snapshot build not "
      "counted)\n",
      seconds[kTifu], tifu_grid.size(), seconds[kTifuTuned], seconds[kUpCf],
      upcf_grid.size(), seconds[kUpCfTuned], seconds[kPTop], seconds[kPicks]);
  return 0;
}

}  // namespace boomerang
