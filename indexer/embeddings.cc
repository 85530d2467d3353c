#include "indexer/embeddings.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/snapshot/layout.h"

namespace boomerang {

SparseMatrix PurchaseMatrix(const EmbeddingInputs& in,
                            int recency_half_life_days) {
  // Rows are built customer by customer: gather each customer's orders.
  std::vector<int64_t> start(in.num_customers + 1, 0);
  const size_t n = in.orders->num_orders();
  for (size_t o = 0; o < n; ++o) {
    int32_t c = (*in.order_customers)[o];
    if (c >= 0) ++start[c + 1];
  }
  for (int32_t c = 0; c < in.num_customers; ++c) start[c + 1] += start[c];
  std::vector<int32_t> by_customer(start[in.num_customers]);
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (size_t o = 0; o < n; ++o) {
      int32_t c = (*in.order_customers)[o];
      if (c >= 0) by_customer[fill[c]++] = static_cast<int32_t>(o);
    }
  }
  const double half_life_s = std::max(1, recency_half_life_days) * 86400.0;
  SparseMatrix m;
  m.cols = in.num_items;
  std::vector<std::pair<int32_t, float>> row;
  for (int32_t c = 0; c < in.num_customers; ++c) {
    row.clear();
    for (int64_t j = start[c]; j < start[c + 1]; ++j) {
      const int32_t o = by_customer[j];
      const double age =
          std::max<int64_t>(0, in.data_end - (*in.order_timestamps)[o]);
      const float w = static_cast<float>(std::exp2(-age / half_life_s));
      for (int64_t i = in.orders->offsets[o]; i < in.orders->offsets[o + 1];
           ++i) {
        row.emplace_back(in.orders->items[i], w);
      }
    }
    m.AddRow(row);  // sums repeated items
  }
  m.rows = in.num_customers;
  return m;
}

absl::StatusOr<EmbeddingResult> TrainEmbeddings(
    const EmbeddingInputs& inputs, const EmbeddingOptions& options,
    const std::function<void(const std::string&)>& progress) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  EmbeddingResult result;
  SparseMatrix matrix = PurchaseMatrix(inputs, options.recency_half_life_days);
  auto model = TrainAls(
      matrix, options.als, [&](int iteration, double seconds, const AlsModel&) {
        if (progress) {
          progress(absl::StrFormat("[embeddings] ALS iteration %d/%d, %.2f s",
                                   iteration + 1, options.als.iterations,
                                   seconds));
        }
      });
  if (!model.ok()) return model.status();
  result.model = std::move(*model);
  const int f = result.model.factors;
  const int32_t n = inputs.num_items;

  // Similarity is the cosine of item vectors: normalise a copy. Items never
  // bought by a known customer keep a zero vector and get no list.
  std::vector<float> unit(result.model.item_factors);
  std::vector<char> has_vector(n, 0);
  for (int32_t i = 0; i < n; ++i) {
    float* v = unit.data() + int64_t{i} * f;
    double norm = 0;
    for (int k = 0; k < f; ++k) norm += double{v[k]} * v[k];
    if (norm <= 1e-20) continue;
    has_vector[i] = 1;
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (int k = 0; k < f; ++k) v[k] *= inv;
  }
  std::vector<int64_t> ids;
  std::vector<float> vectors;
  for (int32_t i = 0; i < n; ++i) {
    if (!has_vector[i]) continue;
    ids.push_back(i);
    vectors.insert(vectors.end(), unit.begin() + int64_t{i} * f,
                   unit.begin() + int64_t{i + 1} * f);
  }
  result.similar.resize(n);
  if (!ids.empty()) {
    // One batch of self-queries: exact search is cheaper per query than
    // HNSW up to at least 100k items and needs no build (models/ann/
    // BENCHMARKS.md), and it is exact.
    ann::IndexOptions exact = options.ann;
    exact.exact_below = std::numeric_limits<int64_t>::max();
    auto similarity = ann::VectorIndex::Build(vectors, ids, f, exact);
    if (!similarity.ok()) return similarity.status();
    const int k = std::min<int64_t>(options.similar_k + 1, ids.size());
    std::vector<int64_t> found;
    std::vector<float> scores;
    ann::SearchOptions search;
    search.threads = options.ann.threads;
    absl::Status s = (*similarity)->Search(vectors, k, search, &found, &scores);
    if (!s.ok()) return s;
    for (size_t q = 0; q < ids.size(); ++q) {
      auto& list = result.similar[ids[q]];
      for (int j = 0; j < k; ++j) {
        const int64_t id = found[q * k + j];
        if (id < 0 || id == ids[q]) continue;
        if (static_cast<int>(list.size()) == options.similar_k) break;
        list.emplace_back(static_cast<int32_t>(id), scores[q * k + j]);
      }
    }
    // Personal scores use the raw vectors (x_u . y_i): index those.
    std::vector<float> raw;
    std::vector<int64_t> external;
    for (int64_t id : ids) {
      raw.insert(raw.end(), result.model.item_factors.begin() + id * f,
                 result.model.item_factors.begin() + (id + 1) * f);
      external.push_back(inputs.external_ids ? (*inputs.external_ids)[id] : id);
    }
    auto index = ann::VectorIndex::Build(raw, external, f, options.ann);
    if (!index.ok()) return index.status();
    result.index = std::move(*index);
  }
  result.unit_vectors = std::move(unit);

  v1::EmbeddingInfo& info = result.info;
  info.set_factors(f);
  info.set_iterations(options.als.iterations);
  info.set_regularization(options.als.regularization);
  info.set_alpha(options.als.alpha);
  info.set_recency_half_life_days(options.recency_half_life_days);
  info.set_seed(options.als.seed);
  ann::IndexChoice choice =
      ann::ChooseIndex(static_cast<int64_t>(ids.size()), options.ann);
  info.set_ann_index(result.index ? result.index->description() : kNoItemIndex);
  info.set_ann_index_reason(choice.reason);
  info.set_items(n);
  info.set_train_seconds(
      std::chrono::duration<double>(Clock::now() - started).count());
  return result;
}

}  // namespace boomerang
