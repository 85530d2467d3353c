#include "indexer/ranker_training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "models/rank/customer_history.h"
#include "models/stable_hash.h"

namespace boomerang {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Whether a customer is in the seeded sample: a hash of the id and seed
// below rate * 2^64 (stable across runs and machines: absl::Hash is not).
bool Sampled(absl::string_view id, uint64_t seed, double rate,
             uint64_t salt = 0) {
  if (rate >= 1) return true;
  const uint64_t h = StableHash(
      id, seed + 0x9e3779b97f4a7c15ull + salt * 0xd1b54a32d192ed03ull);
  return static_cast<double>(h) < rate * 18446744073709551616.0;
}

// One customer's rows and labels with the order at `as_of` as the label;
// false when they cannot be used.
bool AddExample(const Snapshot& snapshot, const CustomerFoldIn& fold_in,
                absl::string_view customer_id, const v1::CustomerRecord& full,
                int64_t as_of, const RankerTrainingOptions& options,
                std::vector<float>* matrix, std::vector<float>* labels,
                std::vector<float>* weights, v1::PicksRankerInfo* info) {
  const v1::CustomerRecord past = RecordBefore(full, as_of);
  if (past.order_times_size() == 0) return false;
  absl::flat_hash_set<int32_t> truth;
  for (const v1::CustomerItem& ci : full.items()) {
    const int32_t i = snapshot.FindItem(ci.item_id());
    if (i < 0 || ci.purchase_times_size() == 0) continue;
    // Bought in the label order or within label_days after it.
    const auto first = std::lower_bound(ci.purchase_times().begin(),
                                        ci.purchase_times().end(), as_of);
    if (first != ci.purchase_times().end() &&
        *first <= as_of + int64_t{options.label_days} * 86400) {
      truth.insert(i);
    }
  }
  if (truth.empty()) return false;
  std::vector<HistoryItem> history;
  HistoryFromRecord(snapshot, past, &history);
  TimeHistory(snapshot, past, &history);
  const std::vector<absl::Span<const int64_t>> times =
      PurchaseTimes(snapshot, past, history);
  const std::vector<float> vec = fold_in.Vector(past, as_of);
  std::vector<PicksCandidate> als;
  if (!vec.empty()) {
    std::vector<int64_t> ids;
    std::vector<float> scores;
    if (snapshot.SearchItems(vec, options.candidates.als, &ids, &scores).ok()) {
      for (size_t j = 0; j < ids.size(); ++j) {
        if (ids[j] >= 0) {
          als.push_back({static_cast<int32_t>(ids[j]), scores[j]});
        }
      }
    }
  }
  PicksCustomer c;
  c.history = history;
  c.order_times =
      absl::MakeConstSpan(past.order_times().data(), past.order_times_size());
  c.purchase_times = times;
  c.als = als;
  c.as_of = as_of;
  const std::string key = absl::StrCat(customer_id, "/", as_of, "/");
  std::vector<PicksRow> found = CollectPicksCandidates(
      snapshot, c,
      [&](int32_t i) {
        return vec.empty() ? kNaN : snapshot.ItemDot(vec.data(), i);
      },
      [&](int32_t a, int32_t b) { return snapshot.ItemCosine(a, b); },
      [](int32_t) { return true; }, options.candidates,
      // Negatives are sampled once the candidates are chosen (the same
      // candidates the server sees), before their features cost anything.
      [&](int32_t i) {
        return truth.contains(i) ||
               Sampled(absl::StrCat(key, snapshot.item_id(i)),
                       options.model.seed, options.negative_rate,
                       /*salt=*/1);
      });
  int64_t hits = 0;
  for (PicksRow& r : found) {
    const bool positive = truth.contains(r.item);
    hits += positive ? 1 : 0;
    labels->push_back(positive ? 1.f : 0.f);
    weights->push_back(
        positive
            ? 1.f
            : static_cast<float>(1 / std::min(1.0, options.negative_rate)));
    matrix->insert(matrix->end(), r.f.begin(), r.f.end());
  }
  info->set_examples(info->examples() + 1);
  info->set_positives(info->positives() + hits);
  info->set_missed(info->missed() + static_cast<int64_t>(truth.size()) - hits);
  return true;
}

// The customer's last `label_orders` orders, each as a label.
bool AddCustomer(const Snapshot& snapshot, const CustomerFoldIn& fold_in,
                 absl::string_view customer_id, const v1::CustomerRecord& full,
                 const RankerTrainingOptions& options,
                 std::vector<float>* matrix, std::vector<float>* labels,
                 std::vector<float>* weights, v1::PicksRankerInfo* info) {
  const int n = full.order_times_size();
  bool any = false;
  int64_t previous = -1;
  for (int j = 1; j <= options.label_orders && n - j >= 1; ++j) {
    const int64_t as_of = full.order_times(n - j);
    if (as_of == previous) continue;  // two orders at one moment: one label
    previous = as_of;
    any |= AddExample(snapshot, fold_in, customer_id, full, as_of, options,
                      matrix, labels, weights, info);
  }
  if (any) info->set_customers(info->customers() + 1);
  return any;
}

}  // namespace

CustomerFoldIn::CustomerFoldIn(const Snapshot& snapshot) : snapshot_(snapshot) {
  const int dim = snapshot.dim();
  if (dim <= 0 || snapshot.num_items() == 0) return;
  const v1::EmbeddingInfo& e = snapshot.manifest().embeddings();
  model_.factors = dim;
  model_.items = snapshot.num_items();
  model_.item_factors.assign(
      snapshot.item_vector(0),
      snapshot.item_vector(0) + static_cast<size_t>(model_.items) * dim);
  als_.factors = dim;
  als_.regularization = e.regularization();
  als_.alpha = e.alpha();
  if (e.recency_half_life_days() > 0) {
    half_life_days_ = e.recency_half_life_days();
  }
  gramian_ = ItemGramian(model_, 1);
}

std::vector<float> CustomerFoldIn::Vector(const v1::CustomerRecord& record,
                                          int64_t as_of) const {
  if (gramian_.empty()) return {};
  // The matrix cells of indexer/embeddings.h, aged from `as_of`.
  const double half_life_s = std::max(1, half_life_days_) * 86400.0;
  std::vector<int32_t> items;
  std::vector<float> weights;
  for (const v1::CustomerItem& ci : record.items()) {
    const int32_t i = snapshot_.FindItem(ci.item_id());
    if (i < 0) continue;
    double w = 0;
    for (int64_t t : ci.purchase_times()) {
      w += std::exp2(-std::max<int64_t>(0, as_of - t) / half_life_s);
    }
    items.push_back(i);
    weights.push_back(static_cast<float>(w));
  }
  std::vector<float> out(model_.factors);
  if (!SolveUser(model_, gramian_, items, weights, als_, absl::MakeSpan(out))
           .ok()) {
    return {};
  }
  return out;
}

absl::StatusOr<std::string> TrainRanker(const Snapshot& snapshot,
                                        const RankerTrainingOptions& options,
                                        v1::PicksRankerInfo* info) {
  const auto started = std::chrono::steady_clock::now();
  *info = v1::PicksRankerInfo();
  const CustomerFoldIn fold_in(snapshot);
  const double rate = snapshot.num_customers() > 0
                          ? static_cast<double>(options.max_customers) /
                                snapshot.num_customers()
                          : 1.0;
  std::vector<float> matrix;  // row-major, kNumPicksFeatures per row
  std::vector<float> labels, weights;
  absl::Status bad;
  absl::Status s = snapshot.ScanCustomers("", [&](absl::string_view id,
                                                  absl::string_view value) {
    if (!Sampled(id, options.model.seed, rate)) return true;
    v1::CustomerRecord record;
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      bad = absl::DataLossError(
          absl::StrCat("customers row '", id, "' does not read back"));
      return false;
    }
    AddCustomer(snapshot, fold_in, id, record, options, &matrix, &labels,
                &weights, info);
    return info->customers() < options.max_customers &&
           static_cast<int64_t>(labels.size()) < options.max_rows;
  });
  if (s.ok()) s = bad;
  if (!s.ok()) return s;
  if (info->customers() < 20 || info->positives() < 20) {
    return absl::FailedPreconditionError(
        absl::StrCat("too little history to train the picks ranker (",
                     info->customers(), " customers with a later order, ",
                     info->positives(), " re-found items)"));
  }
  info->set_rows_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count());
  auto model = TrainPicksRanker(matrix, labels, weights, options.model);
  if (!model.ok()) return model.status();
  info->set_rows(static_cast<int64_t>(labels.size()));
  info->set_trees(options.model.trees);
  info->set_max_depth(options.model.max_depth);
  info->set_seed(options.model.seed);
  for (int f = 0; f < kNumPicksFeatures; ++f) {
    info->add_features(PicksFeatureName(f));
  }
  info->set_train_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count());
  return model;
}

}  // namespace boomerang
