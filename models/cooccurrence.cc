#include "models/cooccurrence.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace boomerang {
namespace {

constexpr double kLiftPrior = 5.0;

double XLogX(double x) { return x <= 0 ? 0.0 : x * std::log(x); }

// Dunning's G^2 for a 2x2 table, via the entropy formulation used by Mahout.
double LogLikelihoodRatio(double k11, double k12, double k21, double k22) {
  double row = XLogX(k11 + k12) + XLogX(k21 + k22);
  double col = XLogX(k11 + k21) + XLogX(k12 + k22);
  double mat = XLogX(k11) + XLogX(k12) + XLogX(k21) + XLogX(k22);
  double total = XLogX(k11 + k12 + k21 + k22);
  double llr = 2.0 * (mat + total - row - col);
  return llr < 0 ? 0 : llr;
}

}  // namespace

absl::StatusOr<Scoring> ParseScoring(absl::string_view name) {
  if (name == "llr") return Scoring::kLlr;
  if (name == "cosine") return Scoring::kCosine;
  if (name == "lift") return Scoring::kLift;
  if (name == "count") return Scoring::kCount;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown scoring '", name, "'; use one of llr, cosine, lift, count"));
}

absl::string_view ScoringName(Scoring scoring) {
  switch (scoring) {
    case Scoring::kLlr:
      return "llr";
    case Scoring::kCosine:
      return "cosine";
    case Scoring::kLift:
      return "lift";
    case Scoring::kCount:
      return "count";
  }
  return "llr";
}

void OrderItems::Add(std::vector<int32_t> order) {
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  items.insert(items.end(), order.begin(), order.end());
  offsets.push_back(static_cast<int64_t>(items.size()));
}

double PairScore(Scoring scoring, int64_t co, int64_t na, int64_t nb,
                 int64_t n) {
  const double expected =
      static_cast<double>(na) * nb / std::max<int64_t>(n, 1);
  switch (scoring) {
    case Scoring::kLlr: {
      if (co <= expected) return 0;  // only positive association
      double k11 = co, k12 = na - co, k21 = nb - co, k22 = n - na - nb + co;
      return LogLikelihoodRatio(k11, k12, k21, std::max(0.0, k22));
    }
    case Scoring::kCosine:
      return co / std::sqrt(static_cast<double>(na) * nb);
    case Scoring::kLift:
      return co / (expected + kLiftPrior);
    case Scoring::kCount:
      return static_cast<double>(co);
  }
  return 0;
}

CooccurrenceResult ComputeCooccurrence(const OrderItems& orders,
                                       int32_t num_items,
                                       const CooccurrenceOptions& options) {
  CooccurrenceResult result;
  result.neighbors.resize(num_items);
  result.item_orders.assign(num_items, 0);

  // Which orders take part in pair counting.
  const size_t num_orders = orders.num_orders();
  std::vector<uint8_t> counted(num_orders, 0);
  for (size_t o = 0; o < num_orders; ++o) {
    int64_t size = orders.offsets[o + 1] - orders.offsets[o];
    if (size > options.max_order_items) {
      ++result.huge_orders_skipped;
    } else {
      counted[o] = 1;
      ++result.orders_counted;
    }
  }

  // Inverted index item -> counted orders (CSR).
  std::vector<int64_t> start(num_items + 1, 0);
  for (size_t o = 0; o < num_orders; ++o) {
    if (!counted[o]) continue;
    for (int64_t i = orders.offsets[o]; i < orders.offsets[o + 1]; ++i) {
      ++start[orders.items[i] + 1];
    }
  }
  for (int32_t a = 0; a < num_items; ++a) {
    result.item_orders[a] = start[a + 1];
    start[a + 1] += start[a];
  }
  std::vector<int32_t> item_order_list(start[num_items]);
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (size_t o = 0; o < num_orders; ++o) {
      if (!counted[o]) continue;
      for (int64_t i = orders.offsets[o]; i < orders.offsets[o + 1]; ++i) {
        item_order_list[fill[orders.items[i]]++] = static_cast<int32_t>(o);
      }
    }
  }

  int threads = options.threads > 0
                    ? options.threads
                    : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<int32_t> next{0};
  std::atomic<int64_t> pairs_kept{0};
  const int64_t n = result.orders_counted;
  auto worker = [&]() {
    std::vector<int32_t> counts(num_items, 0);
    std::vector<int32_t> touched;
    std::vector<Neighbor> candidates;
    int64_t kept = 0;
    constexpr int32_t kChunk = 64;
    while (true) {
      int32_t begin = next.fetch_add(kChunk);
      if (begin >= num_items) break;
      int32_t end = std::min(num_items, begin + kChunk);
      for (int32_t a = begin; a < end; ++a) {
        touched.clear();
        for (int64_t j = start[a]; j < start[a + 1]; ++j) {
          int32_t o = item_order_list[j];
          for (int64_t i = orders.offsets[o]; i < orders.offsets[o + 1]; ++i) {
            int32_t b = orders.items[i];
            if (b == a) continue;
            if (counts[b]++ == 0) touched.push_back(b);
          }
        }
        candidates.clear();
        const int64_t na = result.item_orders[a];
        for (int32_t b : touched) {
          const int64_t co = counts[b];
          counts[b] = 0;
          if (co < options.min_support) continue;
          const int64_t nb = result.item_orders[b];
          double score = PairScore(options.scoring, co, na, nb, n);
          if (score <= 0) continue;
          double expected =
              static_cast<double>(na) * nb / std::max<int64_t>(n, 1);
          candidates.push_back(Neighbor{b, static_cast<float>(score),
                                        static_cast<int32_t>(co),
                                        static_cast<float>(co / expected)});
        }
        // Best first; ties by co-purchases, then by id for determinism.
        auto better = [](const Neighbor& x, const Neighbor& y) {
          if (x.score != y.score) return x.score > y.score;
          if (x.co_orders != y.co_orders) return x.co_orders > y.co_orders;
          return x.item < y.item;
        };
        size_t k = std::min<size_t>(candidates.size(), options.top_k);
        std::partial_sort(candidates.begin(), candidates.begin() + k,
                          candidates.end(), better);
        candidates.resize(k);
        result.neighbors[a] = candidates;
        kept += static_cast<int64_t>(k);
      }
    }
    pairs_kept += kept;
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  result.pairs_kept = pairs_kept.load();
  return result;
}

}  // namespace boomerang
