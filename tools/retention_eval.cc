// boomerang-retention-eval: a time-split benchmark of the retention features,
// buy-again timing (server/engine/retention.h, models/rank/buy_again.h) and
// customer value (models/customer_value.h), each next to naive baselines
// computed in the same run on the same customers.
//
// The purchases before a split build a snapshot exactly as the indexer
// would (IndexerOptions::until); the same file read in full
// (LoadOrderHistory) gives what happened after it. Three parts:
//   1. BuyAgain lists at the split vs what each customer re-bought in the
//      next --buy-again-days, against "most orders first" and "most recent
//      first" lists of their past items, plus alternative orderings of the
//      same repurchase estimates (to measure, not guess, the scoring).
//   2. The predicted next purchase date of every customer-item bought on two
//      or more days before the split and again after it, against "last
//      purchase + last gap" and other naive predictors.
//   3. Predicted revenue (BG/NBD x Gamma-Gamma, the snapshot's fitted models)
//      over --ltv-days after a second split, against the customer's historic
//      revenue per day, by decile of prediction.
//
//   boomerang-retention-eval --purchases online_retail.csv.gz
//       --column order_id=InvoiceNo ... --ltv-split 2011-06-10 --ltv-days 180
//
// Exit codes: 0 ok, 1 bad input (flags, file, a split outside the data).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "indexer/indexer.h"
#include "indexer/input_flags.h"
#include "models/customer_value.h"
#include "models/item_exclusion.h"
#include "models/ltv_model.h"
#include "models/purchase_line.h"
#include "models/rank/buy_again.h"
#include "models/repurchase.h"
#include "models/snapshot/snapshot.h"
#include "models/timestamp.h"
#include "server/engine/retention.h"

namespace boomerang {
namespace {

constexpr char kProgram[] = "boomerang-retention-eval";
constexpr double kDay = 86400.0;
constexpr int64_t kDaySeconds = 86400;
// The first BuyAgain ranking ("v1"): items due within the horizon with a
// probability >= 0.02, by probability x (0.5 + 0.5 confidence). It measured
// worse than ranking every dated item by probability and filling up with
// TopFreq, which BuyAgain now does; the run checks that its replica of the
// server's ranking matches the server exactly.
constexpr double kServerMinProbability = 0.02;

int Fail(absl::string_view message) {
  std::cerr << kProgram << ": error: " << message << "\n";
  return 1;
}

std::string Day(int64_t t) { return FormatTimestamp(t).substr(0, 10); }

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// Builds the snapshot of the purchases before `split` under `root` and
// opens it.
absl::StatusOr<std::shared_ptr<const Snapshot>> BuildPast(
    const IndexerOptions& base, int64_t split, const std::string& root,
    IndexReport* report) {
  IndexerOptions past = base;
  past.out_root = root;
  past.until = split;
  past.progress = nullptr;
  // A throwaway root that is never served: a rerun with another split (a
  // reused --work-dir) is meant to cover less, not a truncated export.
  past.allow_shrink = true;
  absl::Status s = RunIndexer(past, report);
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("building the snapshot before ",
                                               Day(split), ": ", s.message()));
  }
  return Snapshot::Open(report->snapshot_dir, SnapshotOptions());
}

struct Customer {
  std::string id;
  v1::CustomerRecord record;
};

// Every customer record of the snapshot, in key order.
absl::StatusOr<std::vector<Customer>> AllCustomers(const Snapshot& snapshot) {
  std::vector<Customer> out;
  absl::Status bad;
  absl::Status s = snapshot.ScanCustomers(
      "", [&](absl::string_view key, absl::string_view value) {
        Customer c;
        c.id = std::string(key);
        if (!c.record.ParseFromArray(value.data(),
                                     static_cast<int>(value.size()))) {
          bad = absl::DataLossError(
              absl::StrCat("customer record '", key, "' is unreadable"));
          return false;
        }
        out.push_back(std::move(c));
        return true;
      });
  if (s.ok()) s = bad;
  if (!s.ok()) return s;
  return out;
}

// The orders of each known customer at or after `from`, by customer id.
absl::flat_hash_map<std::string, std::vector<size_t>> FutureOrders(
    const OrderHistory& h, int64_t from) {
  absl::flat_hash_map<std::string, std::vector<size_t>> out;
  for (size_t o = 0; o < h.orders.num_orders(); ++o) {
    const int32_t c = h.order_customers[o];
    if (c < 0 || h.order_timestamps[o] < from) continue;
    out[h.customer_ids[c]].push_back(o);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Repurchase timing of one history item, as the server computes it
// (models/rank/buy_again.h TimeBoughtItem), so that alternative orderings
// of the same estimates can be measured next to the server's own.

using Timing = RepurchaseTiming;

std::optional<Timing> TimeItem(const Snapshot& snapshot,
                               const v1::CustomerItem& ci, int64_t as_of,
                               double horizon_days) {
  BoughtItem bought;
  bought.item = snapshot.FindItem(ci.item_id());
  if (bought.item < 0) return std::nullopt;
  bought.purchase_times =
      absl::MakeConstSpan(ci.purchase_times().data(), ci.purchase_times_size());
  bought.cycle = CycleOfItem(snapshot.item(bought.item));
  return TimeBoughtItem(bought, as_of, horizon_days);
}

// Gaps in days between trips at least a day apart, as models/repurchase.cc
// counts them (a purchase within a day of the previous trip is the same
// trip).
std::vector<double> TripGaps(absl::Span<const int64_t> sorted_times) {
  std::vector<double> gaps;
  for (size_t k = 0, last = 0; k < sorted_times.size(); ++k) {
    if (k == 0) continue;
    const double gap = (sorted_times[k] - sorted_times[last]) / kDay;
    if (gap < 1) continue;
    gaps.push_back(gap);
    last = k;
  }
  return gaps;
}

// ---------------------------------------------------------------------------
// Part 1: lists of a customer's past items.

// List quality of one method. A list is indices into the customer's record
// items; `truth` the indices re-bought in the window.
struct ListMetrics {
  std::string name;
  // Over customers for whom the method returned a non-empty list.
  int64_t listed = 0, listed_hit = 0, listed_hits = 0;
  double listed_precision = 0, listed_length = 0;
  // Over customers with a non-empty truth.
  int64_t truth = 0, truth_hit = 0;
  double recall = 0, ndcg = 0, precision_k = 0, precision_len = 0,
         truth_length = 0;

  void Add(const std::vector<int>& list, const absl::flat_hash_set<int>& t,
           int k) {
    const int n = std::min<int>(k, static_cast<int>(list.size()));
    int hits = 0;
    double dcg = 0, idcg = 0;
    for (int i = 0; i < n; ++i) {
      if (t.contains(list[i])) {
        ++hits;
        dcg += 1 / std::log2(i + 2.0);
      }
    }
    for (int i = 0; i < std::min<int>(k, static_cast<int>(t.size())); ++i) {
      idcg += 1 / std::log2(i + 2.0);
    }
    if (n > 0) {
      ++listed;
      listed_hit += hits > 0;
      listed_hits += hits;
      listed_precision += static_cast<double>(hits) / n;
      listed_length += n;
    }
    if (!t.empty()) {
      ++truth;
      truth_hit += hits > 0;
      recall += static_cast<double>(hits) / t.size();
      ndcg += dcg / idcg;
      precision_k += static_cast<double>(hits) / k;
      precision_len += n > 0 ? static_cast<double>(hits) / n : 0;
      truth_length += n;
    }
  }
};

double Ratio(double a, int64_t b) { return b > 0 ? a / b : 0; }

// The customer's past items with a repurchase estimate at `as_of`, ordered
// by `better` (a stable sort over the record's order, as the server does),
// kept when `keep` says so.
std::vector<int> RankTimed(
    const std::vector<std::optional<Timing>>& timing,
    const std::function<bool(const Timing&)>& keep,
    const std::function<bool(const Timing&, const Timing&)>& better) {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(timing.size()); ++i) {
    if (timing[i].has_value() && keep(*timing[i])) out.push_back(i);
  }
  std::stable_sort(out.begin(), out.end(), [&](int a, int b) {
    return better(*timing[a], *timing[b]);
  });
  return out;
}

// Methods of part 1, in print order. kServer is the server's BuyAgain.
enum BuyAgainMethod {
  kServer,
  kServerLapsed,
  kTopFreq,
  kRecency,
  kProbability,
  kConfidence,
  kDue,
  kScoreNoDueCut,
  kScoreNoProbCut,
  kScoreAll,
  kProbabilityAll,
  kServerFilled,
  kProbabilityAllFilled,
  kMethods
};
constexpr const char* kMethodNames[] = {"BuyAgain (server)",
                                        "BuyAgain, lapsed kept",
                                        "base: TopFreq",
                                        "base: Recency",
                                        "alt: probability",
                                        "alt: confidence",
                                        "alt: days-until-due",
                                        "alt: score, p cut only",
                                        "alt: score, due cut only",
                                        "alt: score, no cuts",
                                        "alt: prob, no cuts",
                                        "alt: v1+TopFreq",
                                        "alt: prob no cuts+TopFreq"};
static_assert(std::size(kMethodNames) == kMethods, "a name per method");

// Calibration of ProbabilityWithin over every estimated customer-item.
constexpr std::array<double, 9> kProbabilityBins = {
    0, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0000001};
struct CalibrationBin {
  int64_t items = 0, rebought = 0, due_cut = 0;
  double predicted = 0;
};

// The settings of part 1.
struct BuyAgainSetup {
  int64_t split = 0, window_end = 0;
  int window_days = 0, k = 0;
  double horizon = 0;
  BuyAgainOptions buy_again;
};

// What part 1 adds up over the customers.
struct BuyAgainTally {
  std::vector<ListMetrics> own, matched;
  std::vector<CalibrationBin> calibration;
  // Every (probability, re-bought) pair, for deciles and the ECE.
  std::vector<std::pair<double, bool>> predictions;
  int64_t no_estimate_rebought = 0;
  int64_t known = 0, active = 0, with_truth = 0, window_items = 0,
          repeat_items = 0, replica_mismatch = 0, no_estimate_items = 0,
          past_items = 0;

  BuyAgainTally()
      : own(kMethods),
        matched(kMethods),
        calibration(kProbabilityBins.size() - 1) {
    for (int m = 0; m < kMethods; ++m) {
      own[m].name = matched[m].name = kMethodNames[m];
    }
  }
};

// The record indices of the customer's past items they bought again in
// [split, window_end); counts what they bought in the window into `tally`.
absl::flat_hash_set<int> ReboughtInWindow(
    const OrderHistory& history,
    const absl::flat_hash_map<std::string, std::vector<size_t>>& future,
    const Customer& c, int64_t window_end,
    const absl::flat_hash_map<std::string, int>& index_of,
    BuyAgainTally* tally) {
  // What they bought in the window, and which of it they had bought before.
  absl::flat_hash_set<int> truth;
  absl::flat_hash_set<int32_t> bought;
  if (auto f = future.find(c.id); f != future.end()) {
    for (size_t o : f->second) {
      if (history.order_timestamps[o] >= window_end) continue;
      for (int64_t i = history.orders.offsets[o];
           i < history.orders.offsets[o + 1]; ++i) {
        bought.insert(history.orders.items[i]);
      }
    }
  }
  for (int32_t item : bought) {
    auto it = index_of.find(history.item_ids[item]);
    if (it != index_of.end()) truth.insert(it->second);
  }
  tally->active += !bought.empty();
  tally->window_items += bought.size();
  tally->repeat_items += truth.size();
  tally->with_truth += !truth.empty();
  return truth;
}

// The server's answer, as served and with the lapsed items kept
// (include_lapsed), into lists[kServer] and lists[kServerLapsed]. The error
// is the message to fail with.
absl::Status ServerLists(const Snapshot& snapshot, const Customer& c,
                         const absl::flat_hash_map<std::string, int>& index_of,
                         const BuyAgainSetup& setup,
                         std::vector<std::vector<int>>* lists) {
  v1::BuyAgainRequest req;
  req.set_customer_id(c.id);
  req.mutable_as_of()->set_seconds(setup.split);
  req.set_horizon_days(setup.window_days);
  req.set_limit(setup.k);
  req.mutable_filter()->set_in_stock_only(false);
  for (int m : {kServer, kServerLapsed}) {
    req.set_include_lapsed(m == kServerLapsed);
    v1::BuyAgainResponse resp;
    absl::Status s = BuyAgain(ViewOf(snapshot), req, &resp, setup.buy_again);
    if (!s.ok()) {
      return absl::InternalError(absl::StrCat("BuyAgain: ", s.message()));
    }
    for (const v1::DueItem& d : resp.items()) {
      auto it = index_of.find(d.item_id());
      if (it == index_of.end()) {
        return absl::InternalError(
            absl::StrCat("BuyAgain returned '", d.item_id(),
                         "', which customer '", c.id, "' never bought"));
      }
      (*lists)[m].push_back(it->second);
    }
  }
  return absl::OkStatus();
}

// The baselines over all past items: lists[kTopFreq] and lists[kRecency].
void BaselineLists(const v1::CustomerRecord& rec,
                   std::vector<std::vector<int>>* lists) {
  std::vector<int> all(rec.items_size());
  std::iota(all.begin(), all.end(), 0);
  auto by_orders = [&](int a, int b) {
    const auto &x = rec.items(a), &y = rec.items(b);
    if (x.orders() != y.orders()) return x.orders() > y.orders();
    if (x.last_purchase() != y.last_purchase()) {
      return x.last_purchase() > y.last_purchase();
    }
    return x.item_id() < y.item_id();
  };
  auto by_recency = [&](int a, int b) {
    const auto &x = rec.items(a), &y = rec.items(b);
    if (x.last_purchase() != y.last_purchase()) {
      return x.last_purchase() > y.last_purchase();
    }
    if (x.orders() != y.orders()) return x.orders() > y.orders();
    return x.item_id() < y.item_id();
  };
  std::vector<int>& top_freq = (*lists)[kTopFreq];
  top_freq = all;
  std::sort(top_freq.begin(), top_freq.end(), by_orders);
  std::vector<int>& recency = (*lists)[kRecency];
  recency = all;
  std::sort(recency.begin(), recency.end(), by_recency);
}

// The alternatives on the server's own estimates (`timing`, one per record
// item). REQUIRES: lists[kTopFreq] is filled (the +TopFreq rows use it).
void AlternativeLists(const std::vector<std::optional<Timing>>& timing,
                      double horizon, int k,
                      std::vector<std::vector<int>>* out) {
  std::vector<std::vector<int>>& lists = *out;
  auto server_cut = [&](const Timing& t) {
    return t.days_until_due <= horizon &&
           t.probability >= kServerMinProbability;
  };
  auto server_score = [](const Timing& t) {
    return t.probability * (0.5 + 0.5 * t.estimate.confidence);
  };
  std::vector<int> v1 =
      RankTimed(timing, server_cut, [&](const Timing& a, const Timing& b) {
        return server_score(a) > server_score(b);
      });
  if (v1.size() > static_cast<size_t>(k)) v1.resize(k);
  lists[kProbability] =
      RankTimed(timing, server_cut, [](const Timing& a, const Timing& b) {
        return a.probability > b.probability;
      });
  lists[kConfidence] =
      RankTimed(timing, server_cut, [](const Timing& a, const Timing& b) {
        return a.estimate.confidence > b.estimate.confidence;
      });
  // Most urgent first, as DueReplenishments orders (most overdue first).
  lists[kDue] =
      RankTimed(timing, server_cut, [](const Timing& a, const Timing& b) {
        if (a.days_until_due != b.days_until_due) {
          return a.days_until_due < b.days_until_due;
        }
        return a.estimate.confidence > b.estimate.confidence;
      });
  auto by_score = [&](const Timing& a, const Timing& b) {
    return server_score(a) > server_score(b);
  };
  lists[kScoreNoDueCut] = RankTimed(
      timing,
      [](const Timing& t) { return t.probability >= kServerMinProbability; },
      by_score);
  lists[kScoreNoProbCut] = RankTimed(
      timing, [&](const Timing& t) { return t.days_until_due <= horizon; },
      by_score);
  lists[kScoreAll] = RankTimed(
      timing, [](const Timing&) { return true; }, by_score);
  // Ordered as the server orders (models/rank/buy_again.h MoreLikely).
  lists[kProbabilityAll] = RankTimed(
      timing, [](const Timing&) { return true; }, MoreLikely);
  // Filled to full length with the TopFreq order: what the model adds on
  // top of the strongest baseline when list lengths are equal.
  auto filled = [&](std::vector<int> head) {
    if (head.size() > static_cast<size_t>(k)) head.resize(k);
    absl::flat_hash_set<int> seen(head.begin(), head.end());
    for (int i : lists[kTopFreq]) {
      if (static_cast<int>(head.size()) >= k) break;
      if (seen.insert(i).second) head.push_back(i);
    }
    return head;
  };
  lists[kServerFilled] = filled(v1);
  lists[kProbabilityAllFilled] = filled(lists[kProbabilityAll]);
}

// Adds every estimated item of one customer to its probability bin.
void AddCalibration(const std::vector<std::optional<Timing>>& timing,
                    const absl::flat_hash_set<int>& truth, double horizon,
                    BuyAgainTally* tally) {
  for (int i = 0; i < static_cast<int>(timing.size()); ++i) {
    const bool rebought = truth.contains(i);
    if (!timing[i].has_value()) {
      tally->no_estimate_rebought += rebought;
      continue;
    }
    const Timing& t = *timing[i];
    const int b = static_cast<int>(std::upper_bound(kProbabilityBins.begin(),
                                                    kProbabilityBins.end(),
                                                    t.probability) -
                                   kProbabilityBins.begin() - 1);
    CalibrationBin& bin = tally->calibration[b];
    tally->predictions.emplace_back(t.probability, rebought);
    ++bin.items;
    bin.predicted += t.probability;
    bin.rebought += rebought;
    bin.due_cut += t.days_until_due > horizon;
  }
}

// Scores each method's list (cut to k) on its own and cut to the length of
// the server's list.
void AddLists(std::vector<std::vector<int>> lists,
              const absl::flat_hash_set<int>& truth, int k,
              BuyAgainTally* tally) {
  const size_t server_len = lists[kServer].size();
  for (int m = 0; m < kMethods; ++m) {
    if (static_cast<int>(lists[m].size()) > k) lists[m].resize(k);
    tally->own[m].Add(lists[m], truth, k);
    if (server_len > 0) {
      std::vector<int> cut = lists[m];
      if (cut.size() > server_len) cut.resize(server_len);
      tally->matched[m].Add(cut, truth, k);
    }
  }
}

// Adds one customer with past items to `tally`. The error is the message to
// fail with.
absl::Status TallyCustomer(
    const Snapshot& snapshot, const OrderHistory& history,
    const absl::flat_hash_map<std::string, std::vector<size_t>>& future,
    const Customer& c, const BuyAgainSetup& setup, BuyAgainTally* tally) {
  const v1::CustomerRecord& rec = c.record;
  ++tally->known;
  absl::flat_hash_map<std::string, int> index_of;
  for (int i = 0; i < rec.items_size(); ++i) {
    index_of[rec.items(i).item_id()] = i;
  }
  const absl::flat_hash_set<int> truth =
      ReboughtInWindow(history, future, c, setup.window_end, index_of, tally);

  std::vector<std::vector<int>> lists(kMethods);
  absl::Status s = ServerLists(snapshot, c, index_of, setup, &lists);
  if (!s.ok()) return s;
  BaselineLists(rec, &lists);

  // Alternatives on the same estimates.
  std::vector<std::optional<Timing>> timing(rec.items_size());
  for (int i = 0; i < rec.items_size(); ++i) {
    timing[i] = TimeItem(snapshot, rec.items(i), setup.split, setup.horizon);
    tally->no_estimate_items += !timing[i].has_value();
  }
  tally->past_items += rec.items_size();
  AlternativeLists(timing, setup.horizon, setup.k, &lists);
  tally->replica_mismatch +=
      lists[kProbabilityAllFilled] != lists[kServerLapsed];

  AddCalibration(timing, truth, setup.horizon, tally);
  AddLists(std::move(lists), truth, setup.k, tally);
  return absl::OkStatus();
}

// The header of part 1: the window, the population and how to read the rows.
void PrintBuyAgainHeader(const BuyAgainSetup& setup, const BuyAgainTally& t) {
  const int window_days = setup.window_days, k = setup.k;
  std::cout << absl::StrFormat(
      "\n== 1. BuyAgain: re-bought within %d days of the split\n"
      "split %s (as_of), window [%s, %s); k = %d, horizon_days = %d, "
      "in_stock_only = false\n",
      window_days, FormatTimestamp(setup.split), FormatTimestamp(setup.split),
      FormatTimestamp(setup.window_end), k, window_days);
  std::cout << absl::StrFormat(
      "customers known before the split: %d; buying in the window: %d; with "
      "a non-empty truth (re-bought a past item): %d\n",
      t.known, t.active, t.with_truth);
  std::cout << absl::StrFormat(
      "customer-items bought in the window by known customers: %d, of which "
      "re-buys of a past item (the truth): %d (%.1f%%), %.2f per customer "
      "with a non-empty truth\n",
      t.window_items, t.repeat_items,
      100 * Ratio(t.repeat_items, t.window_items),
      Ratio(t.repeat_items, t.with_truth));
  std::cout << absl::StrFormat(
      "past customer-items with no repurchase estimate (bought on one day and "
      "the item not habitual): %d of %d (%.1f%%)\n",
      t.no_estimate_items, t.past_items,
      100 * Ratio(t.no_estimate_items, t.past_items));
  std::cout << absl::StrFormat(
      "replica of the server's ranking with lapsed items kept (every dated "
      "item by probability, then "
      "TopFreq) differs for %d of %d customers\n",
      t.replica_mismatch, t.known);

  std::cout << absl::StrFormat(
      "rows: TopFreq = past items by orders, ties by the latest purchase; "
      "Recency = by the latest purchase, ties by orders. alt rows re-rank the "
      "server's own estimates (EstimateRepurchase, ProbabilityWithin at the "
      "split): \"cuts\" are the first BuyAgain's (v1) filters, p >= %.2f "
      "and days_until_due <= %d; score = p x (0.5 + 0.5 confidence), v1's "
      "order; +TopFreq = filled up to %d with the TopFreq list\n",
      kServerMinProbability, window_days, k);
}

// Tables 1a (each method on its own population) and 1b (the customers with
// a non-empty truth).
void PrintOwnLists(const BuyAgainTally& t, int k) {
  std::cout << absl::StrFormat(
      "\n1a. Each method on its own population: P@%d = mean hits/len over the "
      "customers with a non-empty list\n",
      k);
  std::cout << absl::StrFormat("%-26s %9s %9s %9s %9s %9s\n", "method",
                               "listed", "mean len", "P@k", "HR", "hits");
  for (const ListMetrics& m : t.own) {
    std::cout << absl::StrFormat("%-26s %9d %9.2f %9.4f %9.4f %9d\n", m.name,
                                 m.listed, Ratio(m.listed_length, m.listed),
                                 Ratio(m.listed_precision, m.listed),
                                 Ratio(m.listed_hit, m.listed), m.listed_hits);
  }

  std::cout << absl::StrFormat(
      "\n1b. Same customers: the %d with a non-empty truth. Lists as "
      "returned (baselines min(%d, #past items) long, BuyAgain possibly "
      "shorter or empty). P@k/len = hits/len (empty list: 0), P@k/%d = "
      "hits/%d\n",
      t.with_truth, k, k, k);
  std::cout << absl::StrFormat("%-26s %9s %9s %9s %9s %9s %9s\n", "method",
                               "mean len", "P@k/len", absl::StrCat("P@k/", k),
                               absl::StrCat("R@", k), absl::StrCat("HR@", k),
                               absl::StrCat("NDCG@", k));
  for (const ListMetrics& m : t.own) {
    std::cout << absl::StrFormat(
        "%-26s %9.2f %9.4f %9.4f %9.4f %9.4f %9.4f\n", m.name,
        Ratio(m.truth_length, m.truth), Ratio(m.precision_len, m.truth),
        Ratio(m.precision_k, m.truth), Ratio(m.recall, m.truth),
        Ratio(m.truth_hit, m.truth), Ratio(m.ndcg, m.truth));
  }
}

// Table 1c: every method cut to the length of the server's list.
void PrintLengthMatched(const BuyAgainTally& t) {
  const int64_t server_listed = t.own[kServer].listed;
  std::cout << absl::StrFormat(
      "\n1c. Length-matched: the %d customers with a non-empty BuyAgain list; "
      "every method cut to BuyAgain's length L for that customer (its top "
      "L). P = hits/L; HR = share of these customers with a hit; R over the "
      "%d of them with a non-empty truth\n",
      server_listed, t.matched[kServer].truth);
  std::cout << absl::StrFormat("%-26s %9s %9s %9s %9s %9s\n", "method", "P@L",
                               "HR", "hits", "R@L", "NDCG@L");
  for (const ListMetrics& m : t.matched) {
    std::cout << absl::StrFormat(
        "%-26s %9.4f %9.4f %9d %9.4f %9.4f\n", m.name,
        Ratio(m.listed_precision, m.listed), Ratio(m.listed_hit, m.listed),
        m.listed_hits, Ratio(m.recall, m.truth), Ratio(m.ndcg, m.truth));
  }
}

// The reliability table by decile of the prediction (equal counts), the
// expected calibration error over those deciles (sum of |mean predicted -
// observed| weighted by the decile's share), and for a few probability
// floors the share of the items at or above it that were re-bought (what
// a reminder list with that floor would get right).
void PrintReliability(std::vector<std::pair<double, bool>> p) {
  if (p.empty()) return;
  std::sort(p.begin(), p.end());
  std::cout << absl::StrFormat("\nreliability by decile of the prediction\n");
  std::cout << absl::StrFormat("%-8s %9s %18s %11s %11s\n", "decile", "items",
                               "probabilities", "mean pred", "re-bought");
  double ece = 0;
  const size_t n = p.size();
  for (int d = 0; d < 10; ++d) {
    const size_t from = n * d / 10, to = n * (d + 1) / 10;
    if (to <= from) continue;
    double pred = 0, seen = 0;
    for (size_t k = from; k < to; ++k) {
      pred += p[k].first;
      seen += p[k].second ? 1 : 0;
    }
    const double m = to - from;
    ece += (m / n) * std::abs(pred / m - seen / m);
    std::cout << absl::StrFormat("%-8d %9d   [%.4f, %.4f] %11.4f %11.4f\n",
                                 d + 1, to - from, p[from].first,
                                 p[to - 1].first, pred / m, seen / m);
  }
  std::cout << absl::StrFormat("expected calibration error (deciles): %.4f\n",
                               ece);
  for (double floor : {0.02, 0.05, 0.1, 0.2, 0.3, 0.5}) {
    const auto first =
        std::lower_bound(p.begin(), p.end(), std::make_pair(floor, false));
    double seen = 0;
    for (auto it = first; it != p.end(); ++it) seen += it->second ? 1 : 0;
    const size_t listed = p.end() - first;
    std::cout << absl::StrFormat(
        "floor %.2f: %d items listed (%.1f%%), %.1f%% of them re-bought\n",
        floor, listed, 100.0 * listed / n,
        listed ? 100.0 * seen / listed : 0.0);
  }
}

// Table 1d: the calibration of ProbabilityWithin.
void PrintCalibration(const BuyAgainTally& t, int window_days) {
  std::cout << absl::StrFormat(
      "\n1d. Calibration of ProbabilityWithin(as_of = split, %d days) over "
      "every customer-item with an estimate; \"due > horizon\" = how many "
      "of the bin BuyAgain drops for days_until_due > %d\n",
      window_days, window_days);
  std::cout << absl::StrFormat("%-12s %9s %11s %11s %14s\n", "probability",
                               "items", "mean pred", "re-bought",
                               "due > horizon");
  for (size_t b = 0; b < t.calibration.size(); ++b) {
    const CalibrationBin& bin = t.calibration[b];
    std::cout << absl::StrFormat("[%.2f,%.2f) %9d %11.4f %11.4f %14d\n",
                                 kProbabilityBins[b],
                                 std::min(1.0, kProbabilityBins[b + 1]),
                                 bin.items, Ratio(bin.predicted, bin.items),
                                 Ratio(bin.rebought, bin.items), bin.due_cut);
  }
  std::cout << absl::StrFormat(
      "%-12s %9d %11s %11.4f\n", "no estimate", t.no_estimate_items, "-",
      Ratio(t.no_estimate_rebought, t.no_estimate_items));
  PrintReliability(t.predictions);
}

int RunBuyAgainPart(const Snapshot& snapshot, const OrderHistory& history,
                    const std::vector<Customer>& customers, int64_t split,
                    int window_days, int k, const BuyAgainOptions& buy_again) {
  BuyAgainSetup setup;
  setup.split = split;
  setup.window_end = split + int64_t{window_days} * kDaySeconds;
  setup.window_days = window_days;
  setup.k = k;
  setup.horizon = window_days;
  setup.buy_again = buy_again;
  const auto future = FutureOrders(history, split);

  BuyAgainTally tally;
  for (const Customer& c : customers) {
    if (c.record.items_size() == 0) continue;
    absl::Status s = TallyCustomer(snapshot, history, future, c, setup, &tally);
    if (!s.ok()) return Fail(s.message());
  }

  PrintBuyAgainHeader(setup, tally);
  PrintOwnLists(tally, k);
  PrintLengthMatched(tally);
  PrintCalibration(tally, window_days);
  return 0;
}

// ---------------------------------------------------------------------------
// Part 2: next purchase date.

struct DateErrors {
  std::string name;
  std::vector<double> abs_err, signed_err;
  void Add(double predicted, double actual) {
    signed_err.push_back((predicted - actual) / kDay);
    abs_err.push_back(std::fabs(predicted - actual) / kDay);
  }
};

void PrintDateErrors(const std::vector<DateErrors>& rows) {
  std::cout << absl::StrFormat("%-26s %8s %9s %9s %10s %8s %8s\n", "predictor",
                               "pairs", "MAE d", "MedAE d", "med bias d",
                               "<=7 d", "<=14 d");
  for (const DateErrors& e : rows) {
    const double n = static_cast<double>(e.abs_err.size());
    const double mae =
        std::accumulate(e.abs_err.begin(), e.abs_err.end(), 0.0) /
        std::max(1.0, n);
    auto within = [&](double d) {
      return std::count_if(e.abs_err.begin(), e.abs_err.end(),
                           [&](double x) { return x <= d; }) /
             std::max(1.0, n);
    };
    std::cout << absl::StrFormat(
        "%-26s %8d %9.2f %9.2f %10.2f %7.1f%% %7.1f%%\n", e.name,
        e.abs_err.size(), mae, Median(e.abs_err), Median(e.signed_err),
        100 * within(7), 100 * within(14));
  }
}

// The predictors of part 2, in print order.
enum NextDateRow { kModel, kLastGap, kOwnMedian, kOwnMean, kPopulation, kRows };

// By the customer's own gaps: model and last-gap MedAE.
constexpr std::array<std::pair<int, int>, 4> kGapBuckets = {
    {{1, 1}, {2, 2}, {3, 4}, {5, 1 << 30}}};

// What part 2 adds up over the customers.
struct NextDateTally {
  std::vector<DateErrors> rows;
  std::vector<DateErrors> by_gaps_model, by_gaps_last;
  int64_t eligible = 0, rebought = 0, no_cycle = 0, same_day_only = 0,
          early_model = 0, early_last = 0;

  NextDateTally()
      : rows(kRows),
        by_gaps_model(kGapBuckets.size()),
        by_gaps_last(kGapBuckets.size()) {
    rows[kModel].name = "model (BuyAgain expected)";
    rows[kLastGap].name = "base: last + last gap";
    rows[kOwnMedian].name = "alt: last + own median gap";
    rows[kOwnMean].name = "alt: last + own mean gap";
    rows[kPopulation].name = "alt: last + item cycle";
  }
};

// The first purchase time of each item the customer bought at or after the
// split, by item id.
absl::flat_hash_map<std::string, int64_t> FirstPurchaseAfter(
    const OrderHistory& history,
    const absl::flat_hash_map<std::string, std::vector<size_t>>& future,
    const Customer& c) {
  absl::flat_hash_map<std::string, int64_t> first_after;
  if (auto f = future.find(c.id); f != future.end()) {
    for (size_t o : f->second) {
      const int64_t t = history.order_timestamps[o];
      for (int64_t i = history.orders.offsets[o];
           i < history.orders.offsets[o + 1]; ++i) {
        auto [it, inserted] = first_after.try_emplace(
            history.item_ids[history.orders.items[i]], t);
        if (!inserted) it->second = std::min(it->second, t);
      }
    }
  }
  return first_after;
}

// Adds the predictions for one customer-item to `tally`.
void AddNextDatePair(
    const Snapshot& snapshot, const v1::CustomerItem& ci,
    const absl::flat_hash_map<std::string, int64_t>& first_after, int64_t split,
    NextDateTally* tally) {
  if (ci.purchase_times_size() < 2) return;
  std::vector<int64_t> times(ci.purchase_times().begin(),
                             ci.purchase_times().end());
  std::sort(times.begin(), times.end());
  const std::vector<double> gaps = TripGaps(times);
  if (gaps.empty()) {
    ++tally->same_day_only;  // two or more orders, all within one day
    return;
  }
  ++tally->eligible;
  auto actual_it = first_after.find(ci.item_id());
  if (actual_it == first_after.end()) return;
  ++tally->rebought;
  const double actual = static_cast<double>(actual_it->second);
  const int32_t index = snapshot.FindItem(ci.item_id());
  if (index < 0) return;
  const ItemCycle cycle = CycleOfItem(snapshot.item(index));
  auto estimate = EstimateRepurchase(times, cycle);
  if (!estimate.has_value()) return;  // cannot happen with a gap
  const double last = static_cast<double>(times.back());
  auto clamp = [&](double t) {
    return std::max(t, static_cast<double>(split));
  };
  const double model = static_cast<double>(estimate->next_purchase);
  const double last_gap = last + gaps.back() * kDay;
  tally->early_model += model < split;
  tally->early_last += last_gap < split;
  std::vector<DateErrors>& rows = tally->rows;
  rows[kModel].Add(clamp(model), actual);
  rows[kLastGap].Add(clamp(last_gap), actual);
  rows[kOwnMedian].Add(clamp(last + Median(gaps) * kDay), actual);
  rows[kOwnMean].Add(
      clamp(last + std::accumulate(gaps.begin(), gaps.end(), 0.0) /
                       gaps.size() * kDay),
      actual);
  if (cycle.interval_days > 0) {
    rows[kPopulation].Add(clamp(last + cycle.interval_days * kDay), actual);
  } else {
    ++tally->no_cycle;
  }
  const auto& buckets = kGapBuckets;
  for (size_t b = 0; b < buckets.size(); ++b) {
    const int g = static_cast<int>(gaps.size());
    if (g >= buckets[b].first && g <= buckets[b].second) {
      tally->by_gaps_model[b].Add(clamp(model), actual);
      tally->by_gaps_last[b].Add(clamp(last_gap), actual);
    }
  }
}

// The header of part 2: what was predicted and how it was counted.
void PrintNextDateHeader(const NextDateTally& t, int64_t split,
                         int64_t data_end, absl::string_view title) {
  std::cout << absl::StrFormat(
      "\n== %s\nsnapshot before %s; model = EstimateRepurchase's "
      "next_purchase (what BuyAgain returns as expected_date); actual = the "
      "first purchase of the item by the customer in [%s, %s] (data end)\n",
      title, FormatTimestamp(split), FormatTimestamp(split),
      FormatTimestamp(data_end));
  std::cout << absl::StrFormat(
      "customer-items bought on >= 2 days (>= 1 gap of >= 1 day, the model's "
      "trip rule) before the split: %d (plus %d bought 2+ times within one "
      "day only, left out); re-bought after the split: %d = the pairs below\n",
      t.eligible, t.same_day_only, t.rebought);
  std::cout << absl::StrFormat(
      "every prediction is clamped to >= the split (a date already past is "
      "read as \"now\"): model %d (%.1f%%), last gap %d (%.1f%%) were before "
      "it. Pairs re-bought only after the data end are not seen, so errors "
      "are censored at %.0f days after the split.\n",
      t.early_model, 100 * Ratio(t.early_model, t.rebought), t.early_last,
      100 * Ratio(t.early_last, t.rebought), (data_end - split) / kDay);
  if (t.no_cycle > 0) {
    std::cout << absl::StrFormat(
        "(item cycle row: %d pairs whose item has no population cycle are "
        "left out)\n",
        t.no_cycle);
  }
}

// The model and last-gap rows again, by the customer's number of gaps.
void PrintByGaps(NextDateTally* t) {
  std::cout << "by the customer's own gaps before the split:\n";
  const auto& buckets = kGapBuckets;
  std::vector<DateErrors> split_rows;
  for (size_t b = 0; b < buckets.size(); ++b) {
    const std::string range =
        buckets[b].second == buckets[b].first ? absl::StrCat(buckets[b].first)
        : buckets[b].second > 1000
            ? absl::StrCat(buckets[b].first, "+")
            : absl::StrCat(buckets[b].first, "-", buckets[b].second);
    t->by_gaps_model[b].name = absl::StrCat("  gaps ", range, ": model");
    t->by_gaps_last[b].name = absl::StrCat("  gaps ", range, ": last gap");
    split_rows.push_back(t->by_gaps_model[b]);
    split_rows.push_back(t->by_gaps_last[b]);
  }
  PrintDateErrors(split_rows);
}

void RunNextDatePart(const Snapshot& snapshot, const OrderHistory& history,
                     const std::vector<Customer>& customers, int64_t split,
                     int64_t data_end, absl::string_view title) {
  const auto future = FutureOrders(history, split);
  NextDateTally tally;
  for (const Customer& c : customers) {
    const absl::flat_hash_map<std::string, int64_t> first_after =
        FirstPurchaseAfter(history, future, c);
    for (const v1::CustomerItem& ci : c.record.items()) {
      AddNextDatePair(snapshot, ci, first_after, split, &tally);
    }
  }
  PrintNextDateHeader(tally, split, data_end, title);
  PrintDateErrors(tally.rows);
  PrintByGaps(&tally);
}

// ---------------------------------------------------------------------------
// Part 3: LTV calibration.

struct LtvRow {
  std::string name;
  std::vector<double> predicted;
};

void PrintLtv(const LtvRow& row, const std::vector<double>& actual) {
  const size_t n = actual.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // Ascending prediction; the stable sort keeps customer-id order in ties.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return row.predicted[a] < row.predicted[b];
  });
  const double total_pred =
      std::accumulate(row.predicted.begin(), row.predicted.end(), 0.0);
  const double total_actual =
      std::accumulate(actual.begin(), actual.end(), 0.0);
  double abs_err = 0;
  for (size_t i = 0; i < n; ++i)
    abs_err += std::fabs(row.predicted[i] - actual[i]);
  std::cout << absl::StrFormat("\n%s\n", row.name);
  std::cout << absl::StrFormat("%-8s %9s %14s %14s %8s %12s\n", "decile",
                               "customers", "mean predicted", "mean actual",
                               "ratio", "actual share");
  for (int d = 0; d < 10; ++d) {
    const size_t lo = n * d / 10, hi = n * (d + 1) / 10;
    double p = 0, a = 0;
    for (size_t i = lo; i < hi; ++i) {
      p += row.predicted[order[i]];
      a += actual[order[i]];
    }
    const double m = std::max<double>(1, hi - lo);
    std::cout << absl::StrFormat("%-8d %9d %14.2f %14.2f %8s %11.1f%%\n", d + 1,
                                 hi - lo, p / m, a / m,
                                 p > 0 ? absl::StrFormat("%.2f", a / p) : "-",
                                 total_actual > 0 ? 100 * a / total_actual : 0);
  }
  std::cout << absl::StrFormat(
      "total predicted %.0f vs actual %.0f (actual/predicted %.3f); MAE per "
      "customer %.2f; Spearman %.4f\n",
      total_pred, total_actual, total_pred > 0 ? total_actual / total_pred : 0,
      abs_err / std::max<size_t>(1, n),
      SpearmanCorrelation(row.predicted, actual));
}

// The summaries at `split` of the customers with an order before it, with
// every purchase day counted, the first included (lifetimes leaves it out),
// so that one-day customers' value is their own.
std::vector<CustomerSummary> AllDaySummaries(
    const std::vector<Customer>& customers, int64_t split) {
  std::vector<CustomerSummary> all_days;
  for (const Customer& c : customers) {
    const v1::CustomerRecord& rec = c.record;
    CustomerSummary s = SummarizeCustomer(
        absl::MakeConstSpan(rec.order_times().data(), rec.order_times_size()),
        absl::MakeConstSpan(rec.order_values().data(), rec.order_values_size()),
        split);
    if (s.orders == 0) continue;
    s.monetary = s.revenue / (s.frequency + 1);
    s.frequency += 1;
    all_days.push_back(s);
  }
  return all_days;
}

// What part 3 collects: a prediction per row and the actual revenue, per
// customer known before the split.
struct LtvTally {
  LtvRow model, shop_rate, own_rate, with_first, learned;
  std::vector<double> actual;
  double expected_days = 0, actual_days = 0, actual_orders = 0;
  int64_t buyers = 0, one_day = 0;
};

// Adds what customer `c` spent from the split until `end` to `tally`.
void AddActualRevenue(
    const OrderHistory& history,
    const absl::flat_hash_map<std::string, std::vector<size_t>>& future,
    const Customer& c, int64_t end, LtvTally* tally) {
  double a = 0;
  absl::flat_hash_set<int64_t> days;
  if (auto f = future.find(c.id); f != future.end()) {
    for (size_t o : f->second) {
      const int64_t t = history.order_timestamps[o];
      if (t >= end) continue;
      a += history.order_revenue[o];
      days.insert(t / kDaySeconds);
      ++tally->actual_orders;
    }
  }
  tally->buyers += !days.empty();
  tally->actual_days += days.size();
  tally->actual.push_back(a);
}

// The population, the fitted models and the totals of part 3.
void PrintLtvHeader(const LtvTally& t, const BgNbdParams& bg,
                    const GammaGammaParams& gg, int64_t split, int64_t end,
                    int ltv_days) {
  std::cout << absl::StrFormat(
      "\n== 3. LTV calibration: revenue in [%s, %s) (%d days)\n"
      "snapshot before %s; customers known before it: %d (%d with one "
      "purchase day, frequency 0); %d of them buy in the window (%d orders "
      "on %d customer-days)\n",
      FormatTimestamp(split), FormatTimestamp(end), ltv_days,
      FormatTimestamp(split), t.actual.size(), t.one_day, t.buyers,
      static_cast<int64_t>(t.actual_orders),
      static_cast<int64_t>(t.actual_days));
  const double expected_days = t.expected_days, actual_days = t.actual_days;
  std::cout << absl::StrFormat(
      "model: BG/NBD r=%.4f alpha=%.4f a=%.4f b=%.4f; Gamma-Gamma p=%.4f "
      "q=%.4f gamma=%.4f; summaries at as_of = the split. BG/NBD expects %.0f "
      "purchase days in the window, actual %.0f (x%.3f)\n",
      bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma, expected_days,
      actual_days, expected_days > 0 ? actual_days / expected_days : 0);
  const double predicted_total =
      std::accumulate(t.model.predicted.begin(), t.model.predicted.end(), 0.0);
  const double actual_total =
      std::accumulate(t.actual.begin(), t.actual.end(), 0.0);
  std::cout << absl::StrFormat(
      "value per purchase day: predicted %.2f (total / expected days), actual "
      "%.2f (x%.3f)\n",
      expected_days > 0 ? predicted_total / expected_days : 0,
      actual_days > 0 ? actual_total / actual_days : 0,
      expected_days > 0 && actual_days > 0 && predicted_total > 0
          ? (actual_total / actual_days) / (predicted_total / expected_days)
          : 0);
}

// What the indexer tuned the learned LTV model on: its back-test on the
// inner split inside the snapshot's history (in-sample), or why it is
// missing.
void PrintLtvInnerFit(const v1::CustomerModel& m) {
  if (m.ltv().weights_size() == 0) {
    std::cout << "\nlearned LTV model: none in the snapshot (" << m.note()
              << ")\n";
    return;
  }
  const v1::CustomerModel::LtvBlend& f = m.ltv();
  std::cout << absl::StrFormat(
      "\nlearned LTV model, tuned on the inner split %s + %.0f days (inside "
      "the snapshot's history; in-sample): %d customers, %d buying, actual "
      "%.0f, model total %.0f\n"
      "  inner window  learned MAE %.2f Spearman %.4f | BG/NBD x GG MAE %.2f "
      "Spearman %.4f | revenue rate MAE %.2f Spearman %.4f\n  weights:",
      FormatTimestamp(f.inner_split()), f.horizon_days(), f.customers(),
      f.buyers(), f.actual_total(), f.model_total(), f.model_mae(),
      f.model_spearman(), f.bgnbd_mae(), f.bgnbd_spearman(), f.rate_mae(),
      f.rate_spearman());
  for (int j = 0; j < f.weights_size() && j < f.feature_names_size(); ++j) {
    std::cout << absl::StrFormat(" %s %.3f", f.feature_names(j), f.weights(j));
  }
  std::cout << "\n";
}

// The learned model's prediction for one customer over `ltv_days`, as
// GetCustomerProfile computes it (features at that horizon). (Taking the
// features at the fitted horizon H and scaling by BG/NBD's E(h) / E(H) gave
// the same numbers: every feature is an amount over the horizon.)
void AddLearnedLtv(const Snapshot& snapshot, const v1::CustomerRecord& rec,
                   const CustomerSummary& summary, int64_t split, int ltv_days,
                   LtvTally* t) {
  auto ltv = LearnedLtv(
      snapshot,
      absl::MakeConstSpan(rec.order_times().data(), rec.order_times_size()),
      absl::MakeConstSpan(rec.order_values().data(), rec.order_values_size()),
      summary, split, ltv_days);
  if (ltv.ok()) t->learned.predicted.push_back(*ltv);
}

// One line per row: the held-out numbers side by side.
void PrintLtvSummary(const std::vector<const LtvRow*>& rows,
                     const std::vector<double>& actual) {
  std::cout << "\nheld-out window, all rows (not tuned on):\n";
  const double total_actual =
      std::accumulate(actual.begin(), actual.end(), 0.0);
  for (const LtvRow* row : rows) {
    if (row->predicted.size() != actual.size()) continue;
    double abs_err = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
      abs_err += std::fabs(row->predicted[i] - actual[i]);
    }
    const double total =
        std::accumulate(row->predicted.begin(), row->predicted.end(), 0.0);
    std::cout << absl::StrFormat(
        "  MAE %9.2f  Spearman %.4f  actual/predicted %6.3f  %s\n",
        abs_err / std::max<size_t>(1, actual.size()),
        SpearmanCorrelation(row->predicted, actual),
        total > 0 ? total_actual / total : 0.0, row->name);
  }
}

int RunLtvPart(const Snapshot& snapshot, const OrderHistory& history,
               const std::vector<Customer>& customers, int64_t split,
               int ltv_days, int64_t data_start) {
  const int64_t end = split + int64_t{ltv_days} * kDaySeconds;
  BgNbdParams bg;
  GammaGammaParams gg;
  if (!ModelsOf(snapshot, &bg, &gg)) {
    return Fail(absl::StrCat("the snapshot before ", Day(split),
                             " has no BG/NBD or Gamma-Gamma model: ",
                             snapshot.customer_model().note()));
  }
  const auto future = FutureOrders(history, split);
  LtvTally t;
  t.model = {"BG/NBD x Gamma-Gamma (PredictedLtv, no discount)", {}};
  t.shop_rate = {
      absl::StrFormat("base: revenue before the split / %.0f days of data x "
                      "%d",
                      (split - data_start) / kDay, ltv_days),
      {}};
  t.own_rate = {absl::StrFormat("base: revenue / max(30, days since first "
                                "order) x %d",
                                ltv_days),
                {}};
  // Alternative: Gamma-Gamma over every purchase day.
  const std::vector<CustomerSummary> all_days =
      AllDaySummaries(customers, split);
  auto gg_all = FitGammaGamma(all_days);
  t.with_first = {"alt: BG/NBD x Gamma-Gamma on every purchase day", {}};
  t.learned = {absl::StrFormat("learned LTV (ltv_model.h, features at %d "
                               "days; what GetCustomerProfile serves)",
                               ltv_days),
               {}};
  size_t next_all = 0;
  const double observed_days = std::max(1.0, (split - data_start) / kDay);
  for (const Customer& c : customers) {
    const v1::CustomerRecord& rec = c.record;
    const CustomerSummary summary = SummarizeCustomer(
        absl::MakeConstSpan(rec.order_times().data(), rec.order_times_size()),
        absl::MakeConstSpan(rec.order_values().data(), rec.order_values_size()),
        split);
    if (summary.orders == 0) continue;
    t.one_day += summary.frequency == 0;
    t.model.predicted.push_back(PredictedLtv(bg, gg, summary, ltv_days));
    if (gg_all.ok()) {
      t.with_first.predicted.push_back(
          BgNbdExpectedPurchases(bg, summary, ltv_days) *
          GammaGammaExpectedValue(*gg_all, all_days[next_all++]));
    }
    AddLearnedLtv(snapshot, rec, summary, split, ltv_days, &t);
    t.expected_days += BgNbdExpectedPurchases(bg, summary, ltv_days);
    t.shop_rate.predicted.push_back(summary.revenue / observed_days * ltv_days);
    const double tenure = (split - rec.order_times(0)) / kDay;
    t.own_rate.predicted.push_back(summary.revenue / std::max(30.0, tenure) *
                                   ltv_days);
    AddActualRevenue(history, future, c, end, &t);
  }
  PrintLtvHeader(t, bg, gg, split, end, ltv_days);
  std::cout << "deciles of the prediction, 1 = lowest; ratio = mean actual / "
               "mean predicted; actual share = the decile's share of all "
               "actual revenue\n";
  for (const LtvRow* row : {&t.model, &t.shop_rate, &t.own_rate}) {
    PrintLtv(*row, t.actual);
  }
  if (gg_all.ok()) PrintLtv(t.with_first, t.actual);
  if (t.learned.predicted.size() == t.actual.size()) {
    PrintLtv(t.learned, t.actual);
  }
  PrintLtvInnerFit(snapshot.customer_model());
  PrintLtvSummary(
      {&t.learned, &t.model, &t.with_first, &t.shop_rate, &t.own_rate},
      t.actual);
  return 0;
}

// ---- The command line and the two splits ----------------------------------

struct Flags {
  IndexerOptions opts;
  PurchaseInputFlags input;
  std::string split_text, ltv_split_text, work_dir;
  int window_days = 30, k = 10, ltv_days = 180;
  bool no_embeddings = true;
  BuyAgainOptions buy_again;
};

// Parses the command line into *flags. Returns the exit code when the
// program is done (--help, or an error, printed), nullopt to go on.
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  CLI::App app{
      "Time-split benchmark of BuyAgain timing, next-purchase dates and "
      "predicted customer value against naive baselines."};
  AddPurchaseInputFlags(&app, &flags->input, &flags->opts);
  app.add_option("--split", flags->split_text,
                 "ISO date of the BuyAgain / next-date split (default: "
                 "--buy-again-days before the data end)");
  app.add_option("--buy-again-days", flags->window_days,
                 "BuyAgain horizon_days and the truth window after --split")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  app.add_option("--lapsed-below", flags->buy_again.lapse.below,
                 "BuyAgain leaves out items whose chance of still being "
                 "bought is below this (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--k", flags->k, "BuyAgain limit and the lists' cut-off")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--ltv-split", flags->ltv_split_text,
                 "ISO date of the LTV split (default: --ltv-days before the "
                 "data end)");
  app.add_option("--ltv-days", flags->ltv_days, "LTV horizon after --ltv-split")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  app.add_option("--work-dir", flags->work_dir,
                 "where the snapshots are built (default: a temp dir, "
                 "removed at the end)");
  app.add_flag("--no-embeddings,!--embeddings", flags->no_embeddings,
               "skip the embeddings (not used here) when indexing")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return Fail(absl::StrCat(e.what(), " (see --help)"));
  }
  if (absl::Status s = ApplyPurchaseInputFlags(flags->input, &flags->opts);
      !s.ok()) {
    return Fail(s.message());
  }
  flags->opts.embeddings.enabled = !flags->no_embeddings;
  return std::nullopt;
}

// The split time of `flag` (its text, or `days` before the data end), which
// must leave a `days`-day window that the data covers.
absl::StatusOr<int64_t> ParseSplit(const std::string& text, int days,
                                   const char* flag, int64_t data_start,
                                   int64_t data_end) {
  // A window is observed when it ends by the end of the last day of data.
  const int64_t observed_until = (data_end / kDaySeconds + 1) * kDaySeconds;
  int64_t t = data_end - int64_t{days} * kDaySeconds;
  if (!text.empty()) {
    auto parsed = ParseTimestamp(text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": ", parsed.status().message()));
    }
    t = *parsed;
  }
  if (t <= data_start || t + int64_t{days} * kDaySeconds > observed_until) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", FormatTimestamp(t), " with a ", days,
        "-day window does not fit in the data (", FormatTimestamp(data_start),
        " .. ", FormatTimestamp(data_end),
        "): the split must be after the first purchase and the window must "
        "end by the last day"));
  }
  return t;
}

// A new directory under the system's temp dir.
absl::StatusOr<std::string> MakeTempDir() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "boomerang-retention-XXXXXX")
          .string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a temp dir in ",
                     std::filesystem::temp_directory_path().string()));
  }
  return tmpl;
}

// The snapshot of the purchases before a split, and its customers.
struct Past {
  IndexReport report;
  std::shared_ptr<const Snapshot> snapshot;
  std::vector<Customer> customers;
};

absl::StatusOr<Past> BuildPastWithCustomers(const IndexerOptions& opts,
                                            int64_t split,
                                            const std::string& root) {
  Past past;
  auto snapshot = BuildPast(opts, split, root, &past.report);
  if (!snapshot.ok()) return snapshot.status();
  past.snapshot = *std::move(snapshot);
  auto customers = AllCustomers(*past.snapshot);
  if (!customers.ok()) return customers.status();
  past.customers = *std::move(customers);
  return past;
}

// Parts 1 and 2: BuyAgain and next purchase dates at --split.
int RunSplitParts(const Flags& flags, const OrderHistory& history,
                  int64_t split, int64_t data_end, const std::string& work) {
  auto past = BuildPastWithCustomers(
      flags.opts, split, (std::filesystem::path(work) / "split").string());
  if (!past.ok()) return Fail(past.status().message());
  std::cout << absl::StrFormat(
      "snapshot before %s: %d orders, %d customers, %d items\n",
      FormatTimestamp(split), past->report.orders, past->report.customers,
      past->report.items);
  const int rc =
      RunBuyAgainPart(*past->snapshot, history, past->customers, split,
                      flags.window_days, flags.k, flags.buy_again);
  if (rc == 0) {
    RunNextDatePart(*past->snapshot, history, past->customers, split, data_end,
                    "2. Next purchase date (split of part 1)");
  }
  return rc;
}

// Part 3 (and 2b): customer value and next purchase dates at --ltv-split.
int RunLtvParts(const Flags& flags, const OrderHistory& history,
                int64_t ltv_split, int64_t data_start, int64_t data_end,
                const std::string& work) {
  auto past = BuildPastWithCustomers(
      flags.opts, ltv_split,
      (std::filesystem::path(work) / "ltv-split").string());
  if (!past.ok()) return Fail(past.status().message());
  std::cout << absl::StrFormat(
      "\nsnapshot before %s: %d orders, %d customers, %d items\n",
      FormatTimestamp(ltv_split), past->report.orders, past->report.customers,
      past->report.items);
  // The same dates measured with the LTV split's longer holdout: less
  // censored than part 2's.
  RunNextDatePart(*past->snapshot, history, past->customers, ltv_split,
                  data_end,
                  "2b. Next purchase date (LTV split, longer holdout)");
  return RunLtvPart(*past->snapshot, history, past->customers, ltv_split,
                    flags.ltv_days, data_start);
}

int Main(int argc, char** argv) {
  Flags flags;
  if (std::optional<int> exit_code = ParseFlags(argc, argv, &flags)) {
    return *exit_code;
  }
  const IndexerOptions& opts = flags.opts;
  IndexReport full;
  auto history = LoadOrderHistory(opts, &full);
  if (!history.ok()) return Fail(history.status().message());
  if (history->orders.num_orders() == 0) {
    return Fail(absl::StrCat(opts.purchases_path, " has no purchases"));
  }
  const int64_t data_start = full.data_start, data_end = full.data_end;
  auto split = ParseSplit(flags.split_text, flags.window_days, "--split",
                          data_start, data_end);
  if (!split.ok()) return Fail(split.status().message());
  auto ltv_split = ParseSplit(flags.ltv_split_text, flags.ltv_days,
                              "--ltv-split", data_start, data_end);
  if (!ltv_split.ok()) return Fail(ltv_split.status().message());

  std::string work = flags.work_dir;
  const bool temp = work.empty();
  if (temp) {
    auto made = MakeTempDir();
    if (!made.ok()) return Fail(made.status().message());
    work = *made;
  }

  std::cout << absl::StrFormat(
      "%s: %d orders (%d guest), %d customers, %d items, %s .. %s; "
      "embeddings %s\n",
      opts.purchases_path, history->orders.num_orders(),
      std::count(history->order_customers.begin(),
                 history->order_customers.end(), -1),
      history->customer_ids.size(), history->item_ids.size(),
      FormatTimestamp(data_start), FormatTimestamp(data_end),
      opts.embeddings.enabled ? "on" : "off");

  int rc = RunSplitParts(flags, *history, *split, data_end, work);
  if (rc == 0) {
    rc = RunLtvParts(flags, *history, *ltv_split, data_start, data_end, work);
  }
  if (temp) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  return rc;
}

}  // namespace
}  // namespace boomerang

int main(int argc, char** argv) { return boomerang::Main(argc, argv); }
