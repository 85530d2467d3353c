#include "models/rank/picks_ranker.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace boomerang {
namespace {

absl::Status XgbError(absl::string_view what) {
  return absl::InternalError(
      absl::StrCat("xgboost: ", what, ": ", XGBGetLastError()));
}

// XGBoost prints warnings to stderr unless told otherwise; once.
void Quiet() {
  static const bool done = [] {
    XGBSetGlobalConfig("{\"verbosity\": 0}");
    return true;
  }();
  (void)done;
}

// Rows as one dense row-major matrix.
std::vector<float> Dense(absl::Span<const PicksRow> rows) {
  std::vector<float> m(rows.size() * kNumPicksFeatures);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::copy(rows[r].f.begin(), rows[r].f.end(),
              m.begin() + r * kNumPicksFeatures);
  }
  return m;
}

}  // namespace

absl::StatusOr<std::string> TrainPicksRanker(
    absl::Span<const PicksRow> rows, absl::Span<const float> labels,
    absl::Span<const float> weights, const PicksTrainingOptions& options) {
  return TrainPicksRanker(Dense(rows), labels, weights, options);
}

absl::StatusOr<std::string> TrainPicksRanker(
    absl::Span<const float> m, absl::Span<const float> labels,
    absl::Span<const float> weights, const PicksTrainingOptions& options) {
  const size_t n = labels.size();
  if (n == 0 || m.size() != n * kNumPicksFeatures ||
      (!weights.empty() && weights.size() != n)) {
    return absl::InvalidArgumentError(
        absl::StrCat("picks ranker: ", m.size(), " values and ", n, " labels (",
                     kNumPicksFeatures, " features per row)"));
  }
  Quiet();
  DMatrixHandle dmat = nullptr;

  if (XGDMatrixCreateFromMat(m.data(), n, kNumPicksFeatures,
                             std::numeric_limits<float>::quiet_NaN(),
                             &dmat) != 0) {
    return XgbError("creating the training matrix");
  }
  BoosterHandle booster = nullptr;
  absl::Status s;
  if (XGDMatrixSetFloatInfo(dmat, "label", labels.data(), labels.size()) != 0 ||
      (!weights.empty() && XGDMatrixSetFloatInfo(dmat, "weight", weights.data(),
                                                 weights.size()) != 0) ||
      XGBoosterCreate(&dmat, 1, &booster) != 0) {
    s = XgbError("setting up training");
  }
  const std::pair<const char*, std::string> params[] = {
      {"objective", "binary:logistic"},
      {"tree_method", "hist"},
      {"max_depth", absl::StrCat(options.max_depth)},
      {"eta", absl::StrFormat("%g", options.learning_rate)},
      {"min_child_weight", absl::StrFormat("%g", options.min_child_weight)},
      {"seed", absl::StrCat(options.seed)},
      {"nthread", absl::StrCat(options.threads)},
      {"eval_metric", "logloss"},
      {"verbosity", "0"},
  };
  for (const auto& [key, value] : params) {
    if (!s.ok()) break;
    if (XGBoosterSetParam(booster, key, value.c_str()) != 0) {
      s = XgbError(absl::StrCat("parameter ", key));
    }
  }
  for (int it = 0; s.ok() && it < options.trees; ++it) {
    if (XGBoosterUpdateOneIter(booster, it, dmat) != 0) {
      s = XgbError("training");
    }
  }
  std::string out;
  if (s.ok()) {
    bst_ulong len = 0;
    const char* buf = nullptr;
    if (XGBoosterSaveModelToBuffer(booster, "{\"format\": \"ubj\"}", &len,
                                   &buf) != 0) {
      s = XgbError("saving the model");
    } else {
      out.assign(buf, len);
    }
  }
  if (booster != nullptr) XGBoosterFree(booster);
  XGDMatrixFree(dmat);
  if (!s.ok()) return s;
  return out;
}

namespace {

// XGBoostFree erases the booster from XGBoost's per-thread state
// (thread_local) of the calling thread; done at load time, while that state
// exists (at exit it is gone before atexit handlers run).
struct BoosterDeleter {
  void operator()(void* booster) const { XGBoosterFree(booster); }
};
using Booster = std::unique_ptr<void, BoosterDeleter>;

absl::Status NotLoaded(absl::string_view why) {
  return absl::DataLossError(
      absl::StrCat("picks ranker model does not load: ", why));
}

}  // namespace

absl::Status PicksRanker::ReadTrees(absl::string_view json) {
  const nlohmann::json m = nlohmann::json::parse(json, nullptr, false);
  if (m.is_discarded()) return NotLoaded("XGBoost's JSON does not parse");
  try {
    const nlohmann::json& learner = m.at("learner");
    if (learner.at("objective").at("name") != "binary:logistic" ||
        learner.at("gradient_booster").at("name") != "gbtree") {
      return NotLoaded("not a binary:logistic gbtree model");
    }
    const double base = std::stod(
        learner.at("learner_model_param").at("base_score").get<std::string>());
    if (!(base > 0 && base < 1)) return NotLoaded("base_score out of (0, 1)");
    base_margin_ = static_cast<float>(std::log(base / (1 - base)));
    for (const nlohmann::json& t :
         learner.at("gradient_booster").at("model").at("trees")) {
      const auto& left = t.at("left_children");
      const auto& right = t.at("right_children");
      const auto& cond = t.at("split_conditions");
      const auto& index = t.at("split_indices");
      const auto& default_left = t.at("default_left");
      const auto& type = t.at("split_type");
      const size_t n = left.size();
      if (n == 0 || right.size() != n || cond.size() != n ||
          index.size() != n || default_left.size() != n || type.size() != n) {
        return NotLoaded("a tree's arrays differ in length");
      }
      const int32_t root = static_cast<int32_t>(nodes_.size());
      roots_.push_back(root);
      std::vector<int> depth(n, 0);
      int tree_depth = 0;
      for (size_t k = 0; k < n; ++k) {
        Node d;
        const float value = cond[k].get<float>();
        const int l = left[k].get<int>(), r = right[k].get<int>();
        const int32_t self = root + static_cast<int32_t>(k);
        if (l == -1) {
          // A leaf leads to itself, whatever the value: a walk of the
          // tree's depth ends on it. `value` is the leaf's weight.
          d.value = 0;
          d.feature = 0;
          d.child[0] = d.child[1] = self;
          nodes_.push_back(d);
          leaf_.push_back(value);
          tree_depth = std::max(tree_depth, depth[k]);
          continue;
        }
        // Children come after their parent (XGBoost allocates them so),
        // which also guarantees every walk ends.
        const int f = index[k].get<int>();
        if (type[k].get<int>() != 0 || f < 0 || f >= kNumPicksFeatures ||
            l <= static_cast<int>(k) || r <= static_cast<int>(k) ||
            l >= static_cast<int>(n) || r >= static_cast<int>(n)) {
          return NotLoaded("a tree has a malformed split");
        }
        d.value = value;
        d.feature = static_cast<int16_t>(f);
        d.default_left = default_left[k].get<int>() != 0;
        d.child[0] = root + l;
        d.child[1] = root + r;
        depth[l] = depth[r] = depth[k] + 1;
        nodes_.push_back(d);
        leaf_.push_back(0);
      }
      depths_.push_back(tree_depth);
    }
  } catch (const nlohmann::json::exception& e) {
    return NotLoaded(e.what());
  }
  if (roots_.empty()) return NotLoaded("no trees");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<const PicksRanker>> PicksRanker::FromBuffer(
    absl::string_view model) {
  Quiet();
  void* handle = nullptr;
  if (XGBoosterCreate(nullptr, 0, &handle) != 0) {
    return NotLoaded(XGBGetLastError());
  }
  Booster booster(handle);
  if (XGBoosterLoadModelFromBuffer(handle, model.data(), model.size()) != 0) {
    return NotLoaded(XGBGetLastError());
  }
  bst_ulong features = 0;
  if (XGBoosterGetNumFeature(handle, &features) != 0) {
    return NotLoaded(XGBGetLastError());
  }
  if (features != kNumPicksFeatures) {
    return absl::FailedPreconditionError(absl::StrCat(
        "picks ranker model has ", features, " features; this build uses ",
        kNumPicksFeatures,
        " (rebuild the snapshot with this build's boomerang-indexer)"));
  }
  bst_ulong len = 0;
  const char* json = nullptr;
  if (XGBoosterSaveModelToBuffer(handle, "{\"format\": \"json\"}", &len,
                                 &json) != 0) {
    return NotLoaded(XGBGetLastError());
  }
  std::unique_ptr<PicksRanker> r(new PicksRanker());
  absl::Status s = r->ReadTrees(absl::string_view(json, len));
  if (!s.ok()) return s;
  return std::unique_ptr<const PicksRanker>(std::move(r));
}

absl::Status PicksRanker::Score(absl::Span<const PicksRow> rows,
                                std::vector<float>* out, int trees) const {
  const size_t n_trees =
      trees > 0 && trees < this->trees() ? trees : roots_.size();
  // As XGBoost's CPU predictor: the base margin plus each tree's leaf in
  // tree order, summed in float; a missing (NaN) value takes the split's
  // default branch, else x < condition goes left. Tree by tree, all rows a
  // level at a time and without branches (a leaf points to itself): the
  // rows' walks overlap instead of waiting on mispredicted branches (a
  // plain walk, row by row, cost as much as XGBoost's predictor).
  std::vector<float> margin(rows.size(), base_margin_);
  std::vector<int32_t> at(rows.size());
  for (size_t t = 0; t < n_trees; ++t) {
    std::fill(at.begin(), at.end(), roots_[t]);
    for (int level = 0; level < depths_[t]; ++level) {
      for (size_t r = 0; r < rows.size(); ++r) {
        const Node& d = nodes_[at[r]];
        const float x = rows[r].f[d.feature];
        // NaN compares false: then default_left decides.
        const int right = !((x < d.value) | ((x != x) & d.default_left));
        at[r] = d.child[right];
      }
    }
    for (size_t r = 0; r < rows.size(); ++r) margin[r] += leaf_[at[r]];
  }
  out->resize(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    (*out)[r] = 1.0f / (1.0f + std::exp(-margin[r]));
  }
  return absl::OkStatus();
}

namespace {

// Indices of `rows` by score, best first (ties: item id), the first `n`
// of them sorted.
std::vector<size_t> BestFirst(absl::Span<const PicksRow> rows,
                              const std::vector<float>& scores, size_t n) {
  std::vector<size_t> order(rows.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  n = std::min(n, order.size());
  std::partial_sort(order.begin(), order.begin() + n, order.end(),
                    [&](size_t a, size_t b) {
                      if (scores[a] != scores[b]) return scores[a] > scores[b];
                      return rows[a].item < rows[b].item;
                    });
  order.resize(n);
  return order;
}

// The rows' best `limit` (row indices, best first) and every row's score
// (the full model's for those `limit` rows), in one or two passes.
absl::Status ScoreBest(const PicksRanker& ranker,
                       absl::Span<const PicksRow> rows, size_t limit,
                       const PicksScoringOptions& scoring,
                       std::vector<float>* scores, std::vector<size_t>* best) {
  const size_t keep =
      std::max(limit, static_cast<size_t>(std::max(0, scoring.keep)));
  if (scoring.prefix_trees <= 0 || scoring.prefix_trees >= ranker.trees() ||
      rows.size() <= keep) {
    absl::Status s = ranker.Score(rows, scores);
    if (s.ok()) *best = BestFirst(rows, *scores, limit);
    return s;
  }
  absl::Status s = ranker.Score(rows, scores, scoring.prefix_trees);
  if (!s.ok()) return s;
  const std::vector<size_t> first = BestFirst(rows, *scores, keep);
  std::vector<PicksRow> kept;
  kept.reserve(first.size());
  for (size_t k : first) kept.push_back(rows[k]);
  std::vector<float> full;
  s = ranker.Score(kept, &full);
  if (!s.ok()) return s;
  const std::vector<size_t> order = BestFirst(kept, full, limit);
  best->clear();
  for (size_t k : order) {
    best->push_back(first[k]);
    (*scores)[first[k]] = full[k];
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Pick>> RankLearnedPicks(
    const PicksRanker& ranker, absl::Span<const PicksRow> rows,
    absl::Span<const HistoryItem> history, int64_t as_of, PicksMode mode,
    int limit, absl::FunctionRef<float(int32_t, int32_t)> cosine,
    const PicksScoringOptions& scoring) {
  std::vector<PicksRow> kept;
  kept.reserve(rows.size());
  for (const PicksRow& r : rows) {
    const bool repeat = r.history_index >= 0;
    if (mode == PicksMode::kNewOnly && repeat) continue;
    if (mode == PicksMode::kRepeatOnly &&
        (!repeat || history[r.history_index].orders < 2)) {
      continue;
    }
    kept.push_back(r);
  }
  std::vector<float> scores;
  std::vector<size_t> order;
  absl::Status s =
      ScoreBest(ranker, kept, std::max(0, limit), scoring, &scores, &order);
  if (!s.ok()) return s;
  const size_t n = order.size();
  std::vector<Pick> picks;
  const size_t anchors = std::min<size_t>(history.size(), 50);
  for (size_t k = 0; k < n; ++k) {
    const PicksRow& r = kept[order[k]];
    Pick p;
    p.item = r.item;
    p.score = scores[order[k]];
    if (r.history_index >= 0) {
      const HistoryItem& h = history[r.history_index];
      p.kind = Pick::kBuyAgain;
      p.orders = h.orders;
      p.days_since = (as_of - h.last) / 86400.0;
      if (h.repurchase.has_value()) {
        p.interval_days = h.repurchase->interval_days;
        p.own_cycle = h.repurchase->gaps > 0;
      }
    } else if (r.cooc_anchor >= 0) {
      p.kind = Pick::kBoughtWith;
      p.anchor = r.cooc_anchor;
    } else {
      float best = 0;
      for (size_t h = 0; h < anchors; ++h) {
        const float c = cosine(r.item, history[h].item);
        if (c > best) {
          best = c;
          p.anchor = history[h].item;
        }
      }
      p.kind = p.anchor >= 0 && (r.sources & kSourceAls) ? Pick::kNew
               : (r.sources & kSourcePopular)            ? Pick::kPopular
                                                         : Pick::kNew;
    }
    picks.push_back(p);
  }
  return picks;
}

}  // namespace boomerang
