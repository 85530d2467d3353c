#include "models/rank/picks_ranker.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

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

absl::StatusOr<std::unique_ptr<const PicksRanker>> PicksRanker::FromBuffer(
    absl::string_view model) {
  Quiet();
  std::unique_ptr<PicksRanker> r(new PicksRanker());
  if (XGBoosterCreate(nullptr, 0, &r->booster_) != 0 ||
      XGBoosterLoadModelFromBuffer(r->booster_, model.data(), model.size()) !=
          0) {
    return absl::DataLossError(
        absl::StrCat("picks ranker model does not load: ", XGBGetLastError()));
  }
  bst_ulong features = 0;
  if (XGBoosterGetNumFeature(r->booster_, &features) != 0) {
    return absl::DataLossError(
        absl::StrCat("picks ranker model does not load: ", XGBGetLastError()));
  }
  if (features != kNumPicksFeatures) {
    return absl::FailedPreconditionError(absl::StrCat(
        "picks ranker model has ", features, " features; this build uses ",
        kNumPicksFeatures,
        " (rebuild the snapshot with this build's boomerang-indexer)"));
  }
  // One thread per call (the server runs many calls at once), quiet; then
  // one prediction, so the booster is configured here and not by the first
  // request.
  if (XGBoosterSetParam(r->booster_, "nthread", "1") != 0 ||
      XGBoosterSetParam(r->booster_, "verbosity", "0") != 0) {
    return absl::DataLossError(absl::StrCat(
        "picks ranker model does not configure: ", XGBGetLastError()));
  }
  std::vector<float> warm;
  absl::Status s = r->Score({PicksRow()}, &warm);
  if (!s.ok()) return absl::DataLossError(s.message());
  return std::unique_ptr<const PicksRanker>(std::move(r));
}

PicksRanker::~PicksRanker() {
  if (booster_ == nullptr) return;
  // XGBoosterFree erases the booster from XGBoost's per-thread state
  // (thread_local) of the calling thread. At exit the main thread's
  // thread_local objects are destroyed before atexit handlers and static
  // destructors run, so a snapshot freed there (a fuzzer's fixture, a
  // global) would free that state twice (ASan: double-free in
  // ~LearnerImpl). A short-lived thread has its own, intact state; a
  // snapshot is freed rarely (a swap), so the thread costs nothing.
  std::thread([booster = booster_] { XGBoosterFree(booster); }).join();
}

absl::Status PicksRanker::Score(absl::Span<const PicksRow> rows,
                                std::vector<float>* out) const {
  out->clear();
  if (rows.empty()) return absl::OkStatus();
  const std::vector<float> m = Dense(rows);
  const std::string array = absl::StrFormat(
      "{\"data\": [%d, true], \"shape\": [%d, %d], \"typestr\": \"<f4\", "
      "\"version\": 3}",
      reinterpret_cast<uintptr_t>(m.data()), rows.size(), kNumPicksFeatures);
  static constexpr char kConfig[] =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
      "\"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0, "
      "\"missing\": NaN}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromDense(booster_, array.c_str(), kConfig, nullptr,
                                &shape, &dim, &result) != 0) {
    return XgbError("scoring");
  }
  out->assign(result, result + rows.size());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Pick>> RankLearnedPicks(
    const PicksRanker& ranker, absl::Span<const PicksRow> rows,
    absl::Span<const HistoryItem> history, int64_t as_of, PicksMode mode,
    int limit, absl::FunctionRef<float(int32_t, int32_t)> cosine) {
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
  absl::Status s = ranker.Score(kept, &scores);
  if (!s.ok()) return s;
  std::vector<size_t> order(kept.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  const size_t n = std::min<size_t>(order.size(), std::max(0, limit));
  std::partial_sort(order.begin(), order.begin() + n, order.end(),
                    [&](size_t a, size_t b) {
                      if (scores[a] != scores[b]) return scores[a] > scores[b];
                      return kept[a].item < kept[b].item;
                    });
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
