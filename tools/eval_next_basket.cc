// `boomerang eval --protocol next-basket`: the protocol of Li et al., "A
// Next Basket Recommendation Reality Check" (TOIS 2023), with the metrics
// and baselines of models/eval/next_basket.h. Every known customer with at
// least 3 orders has their last order held out; one snapshot is built from
// everything else (each customer's purchases before their last order);
// customers are split into train / validation / test by three seeded
// shuffles (1000, 1001, 1002) and each fold's test customers are scored:
// P-TopFreq, GP-TopFreq (filled with the train customers' most frequent
// items) and PersonalPicks as of the held-out order, at k = 10 and 20.
// Nothing here is tuned on the test customers.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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
};

void Print(const std::vector<Method>& methods, size_t eligible,
           size_t test_per_fold) {
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
  IndexerOptions past = options.indexer;
  for (const Customer& cu : customers) {
    past.customer_until[history->customer_ids[cu.index]] = cu.held_out_at;
  }
  bool temp = false;
  const std::string work = EvalWorkDir(options, &temp);
  past.out_root = work;
  past.progress = nullptr;
  past.allow_shrink = true;  // a throwaway root, never served
  IndexReport past_report;
  absl::Status s = RunIndexer(past, &past_report);
  auto snapshot = s.ok() ? Snapshot::Open(past_report.snapshot_dir, {})
                         : absl::StatusOr<std::shared_ptr<const Snapshot>>(s);
  if (!snapshot.ok()) {
    std::cerr << "boomerang eval: error: building the history snapshot: "
              << snapshot.status().message() << "\n";
    return 1;
  }
  absl::flat_hash_map<std::string, int32_t> item_index;
  for (size_t i = 0; i < history->item_ids.size(); ++i) {
    item_index[history->item_ids[i]] = static_cast<int32_t>(i);
  }
  std::vector<Method> methods;
  for (const char* name : {"P-TopFreq", "GP-TopFreq", "PersonalPicks"}) {
    methods.push_back(
        Method{name, {NextBasketMetrics(10), NextBasketMetrics(20)}});
  }
  size_t test_per_fold = 0;
  for (uint64_t seed : kFoldSeeds) {
    const CustomerSplit split =
        SplitCustomers(static_cast<int32_t>(customers.size()), seed);
    test_per_fold = split.test.size();
    const std::vector<int32_t> global = GlobalTop(customers, split.train, 20);
    for (int32_t t : split.test) {
      const Customer& cu = customers[t];
      auto picks = Picks(*snapshot, *history, item_index, cu, 20);
      if (!picks.ok()) {
        std::cerr << "boomerang eval: error: " << picks.status().message()
                  << "\n";
        return 1;
      }
      const std::vector<int32_t> lists[] = {
          PersonalTopFreq(cu.history, 20),
          GlobalPersonalTopFreq(cu.history, global, 20), *picks};
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
  Print(methods, customers.size(), test_per_fold);
  return 0;
}

}  // namespace boomerang
