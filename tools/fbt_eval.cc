// boomerang-fbt-eval: a hold-out check of "frequently bought together"
// scoring on a time split, used to choose the default scoring.
//
// The orders before the last --test-days days build the co-purchase lists;
// in every later order with at least two known items, each item in turn is
// hidden and predicted from the rest of the basket with the server's own
// ranking code (models/fbt_ranker). Reported per scoring: HitRate@K (the
// hidden item is in the top K) and MRR@K, next to a popularity baseline
// computed on the same split.
//
//   boomerang-fbt-eval --purchases online_retail.csv.gz --column ...
//       --test-days 30 --k 10
#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "indexer/indexer.h"
#include "indexer/input_flags.h"
#include "models/fbt_ranker.h"
#include "models/item_exclusion.h"
#include "models/timestamp.h"

namespace boomerang {
namespace {

struct Metrics {
  int64_t cases = 0;
  int64_t hits = 0;
  double rr = 0;
  void Add(int rank, int k) {  // rank 0-based, -1 when absent
    ++cases;
    if (rank >= 0 && rank < k) {
      ++hits;
      rr += 1.0 / (rank + 1);
    }
  }
};

// The command line.
struct Flags {
  IndexerOptions opts;
  PurchaseInputFlags input;
  std::string scorings = "llr,cosine,lift,count";
  int test_days = 30, k = 10, max_anchors = 20, max_test_items = 250;
};

// Parses the command line into *flags. Returns the exit code when the
// program is done (--help, or an error, printed), nullopt to go on.
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  IndexerOptions& opts = flags->opts;
  CLI::App app{"Hold-out evaluation of frequently-bought-together scoring."};
  AddPurchaseInputFlags(&app, &flags->input, &opts);
  app.add_option("--test-days", flags->test_days, "last days held out")
      ->capture_default_str();
  app.add_option("--k", flags->k, "cut-off")->capture_default_str();
  app.add_option("--scorings", flags->scorings, "comma-separated scorings")
      ->capture_default_str();
  app.add_option("--max-anchors", flags->max_anchors,
                 "at most this many other basket items act as anchors (a cart "
                 "rarely holds more)")
      ->capture_default_str();
  app.add_option("--max-order-items", opts.cooccurrence.max_order_items,
                 "training: larger orders are left out of pair counting")
      ->capture_default_str();
  app.add_option("--max-test-items", flags->max_test_items,
                 "test baskets with more known items are skipped (kept fixed "
                 "so that training settings compare on the same cases)")
      ->capture_default_str();
  app.add_option("--min-support", opts.cooccurrence.min_support)
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "boomerang-fbt-eval: error: " << e.what() << " (see --help)\n";
    return 1;
  }
  if (absl::Status s = ApplyPurchaseInputFlags(flags->input, &opts); !s.ok()) {
    std::cerr << "boomerang-fbt-eval: error: " << s.message() << "\n";
    return 1;
  }
  return std::nullopt;
}

// The history split in time: the orders before the split train, the later
// ones are the test baskets.
struct TimeSplit {
  OrderItems train;
  // Test baskets keep only items the past knows; at least two remain.
  std::vector<std::vector<int32_t>> baskets;
  // Every item, best sellers (in training orders) first.
  std::vector<int32_t> popular;
};

TimeSplit SplitOrders(const OrderHistory& history, int64_t split,
                      int max_test_items) {
  const int32_t n_items = static_cast<int32_t>(history.item_ids.size());
  TimeSplit out;
  std::vector<std::vector<int32_t>> test;
  std::vector<int64_t> train_orders(n_items, 0);
  for (size_t o = 0; o < history.orders.num_orders(); ++o) {
    std::vector<int32_t> items(
        history.orders.items.begin() + history.orders.offsets[o],
        history.orders.items.begin() + history.orders.offsets[o + 1]);
    if (history.order_timestamps[o] < split) {
      for (int32_t i : items) ++train_orders[i];
      out.train.Add(std::move(items));
    } else {
      test.push_back(std::move(items));
    }
  }
  for (auto& b : test) {
    std::vector<int32_t> known;
    for (int32_t i : b) {
      if (train_orders[i] > 0) known.push_back(i);
    }
    if (known.size() >= 2 && static_cast<int>(known.size()) <= max_test_items) {
      out.baskets.push_back(std::move(known));
    }
  }
  out.popular.resize(n_items);
  for (int32_t i = 0; i < n_items; ++i) out.popular[i] = i;
  std::sort(out.popular.begin(), out.popular.end(), [&](int32_t a, int32_t b) {
    return train_orders[a] != train_orders[b]
               ? train_orders[a] > train_orders[b]
               : a < b;
  });
  return out;
}

// Popularity baseline: the K best sellers not in the basket.
Metrics EvalPopularity(const TimeSplit& data, int k) {
  Metrics m;
  for (const auto& b : data.baskets) {
    for (size_t h = 0; h < b.size(); ++h) {
      int rank = 0, found = -1;
      for (int32_t p : data.popular) {
        if (rank >= k) break;
        bool in_rest = false;
        for (size_t j = 0; j < b.size(); ++j) in_rest |= (j != h && b[j] == p);
        if (in_rest) continue;
        if (p == b[h]) {
          found = rank;
          break;
        }
        ++rank;
      }
      m.Add(found, k);
    }
  }
  return m;
}

// One scoring: co-purchase lists fitted on the training orders with `co`,
// ranked by the server's code for each hidden item of each test basket.
Metrics EvalScoring(const TimeSplit& data, const OrderHistory& history,
                    const CooccurrenceOptions& co, int k, int max_anchors) {
  const int32_t n_items = static_cast<int32_t>(history.item_ids.size());
  CooccurrenceResult r = ComputeCooccurrence(data.train, n_items, co);
  Metrics m;
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  auto id_of = [&](int32_t i) -> absl::string_view {
    return history.item_ids[i];
  };
  auto no_title = [](int32_t) -> absl::string_view { return {}; };
  for (const auto& b : data.baskets) {
    for (size_t h = 0; h < b.size(); ++h) {
      std::vector<FbtAnchor> anchors;
      for (size_t j = 0;
           j < b.size() && static_cast<int>(anchors.size()) < max_anchors;
           ++j) {
        if (j != h)
          anchors.push_back({b[j], r.item_orders[b[j]], r.neighbors[b[j]]});
      }
      out.Clear();
      RankFrequentlyBoughtTogether(
          anchors, [](int32_t) { return true; }, k,
          FbtItemNames{id_of, no_title}, &out);
      int found = -1;
      for (int i = 0; i < out.size(); ++i) {
        if (out[i].item_id() == history.item_ids[b[h]]) found = i;
      }
      m.Add(found, k);
    }
  }
  return m;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (std::optional<int> exit_code = ParseFlags(argc, argv, &flags)) {
    return *exit_code;
  }
  const IndexerOptions& opts = flags.opts;
  const int k = flags.k;
  IndexReport report;
  auto history = LoadOrderHistory(opts, &report);
  if (!history.ok()) {
    std::cerr << "boomerang-fbt-eval: error: " << history.status().message()
              << "\n";
    return 1;
  }
  const int64_t split = report.data_end - int64_t{flags.test_days} * 86400;
  const TimeSplit data = SplitOrders(*history, split, flags.max_test_items);

  std::cout << absl::StrFormat(
      "split at %d days before %s: %d train orders, %d test baskets with >= 2 "
      "known items\n",
      flags.test_days, FormatTimestamp(report.data_end),
      data.train.num_orders(), data.baskets.size());
  std::cout << absl::StrFormat("%-12s %10s %10s %10s %8s\n", "method", "cases",
                               "HitRate@" + std::to_string(k),
                               "MRR@" + std::to_string(k), "secs");
  {
    const Metrics m = EvalPopularity(data, k);
    std::cout << absl::StrFormat("%-12s %10d %10.4f %10.4f %8s\n", "popularity",
                                 m.cases, double(m.hits) / m.cases,
                                 m.rr / m.cases, "-");
  }

  for (absl::string_view name : absl::StrSplit(flags.scorings, ',')) {
    auto scoring = ParseScoring(name);
    if (!scoring.ok()) {
      std::cerr << "boomerang-fbt-eval: error: " << scoring.status().message()
                << "\n";
      return 1;
    }
    auto started = std::chrono::steady_clock::now();
    CooccurrenceOptions co = opts.cooccurrence;
    co.scoring = *scoring;
    const Metrics m = EvalScoring(data, *history, co, k, flags.max_anchors);
    double secs = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - started)
                      .count();
    std::cout << absl::StrFormat("%-12s %10d %10.4f %10.4f %8.1f\n", name,
                                 m.cases, double(m.hits) / m.cases,
                                 m.rr / m.cases, secs);
  }
  return 0;
}

}  // namespace
}  // namespace boomerang

int main(int argc, char** argv) { return boomerang::Main(argc, argv); }
