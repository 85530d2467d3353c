// Item and customer embeddings for the snapshot: implicit-feedback ALS on
// the customer x item purchase matrix (models/als.h), then precomputed
// "similar items" lists from the item vectors with one batched ANN search
// (models/ann), so that single-item requests need no online search.
//
// Matrix cells: for each (customer, item), the sum over the customer's
// orders containing the item of 0.5^(age / half_life), age measured from
// the last purchase in the data. Old habits fade; a purchase today weighs 1.
// Guest orders have no customer and do not enter the matrix.
//
// Thread-safety: TrainEmbeddings is a pure function of its inputs.
#ifndef BOOMERANG_INDEXER_EMBEDDINGS_H_
#define BOOMERANG_INDEXER_EMBEDDINGS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/als.h"
#include "models/ann/vector_index.h"
#include "models/cooccurrence.h"

namespace boomerang {

struct EmbeddingOptions {
  // Train embeddings at all (off: no similar items or personal vectors).
  bool enabled = true;
  AlsOptions als;
  // A purchase this many days before the end of the data weighs half.
  int recency_half_life_days = 180;
  // Similar items kept per item.
  int similar_k = 50;
  ann::IndexOptions ann;
};

struct EmbeddingInputs {
  int32_t num_items = 0;
  int32_t num_customers = 0;
  const OrderItems* orders = nullptr;  // distinct items per order
  const std::vector<int32_t>* order_customers = nullptr;  // -1: guest
  const std::vector<int64_t>* order_timestamps = nullptr;
  int64_t data_end = 0;
  // The id of item i's vector in `index` (the server's dense index); null
  // means i itself.
  const std::vector<int64_t>* external_ids = nullptr;
};

struct EmbeddingResult {
  AlsModel model;
  // similar[i]: (item, cosine similarity), best first, never i itself.
  std::vector<std::vector<std::pair<int32_t, float>>> similar;
  // Unit-length item vectors (n * factors), zero rows for items without one.
  std::vector<float> unit_vectors;
  // Item vectors as trained (for personal scores x_u . y_i), ids from
  // EmbeddingInputs::external_ids.
  std::unique_ptr<ann::VectorIndex> index;
  v1::EmbeddingInfo info;
};

// Builds the matrix, trains, indexes and searches. `progress` may be null.
absl::StatusOr<EmbeddingResult> TrainEmbeddings(
    const EmbeddingInputs& inputs, const EmbeddingOptions& options,
    const std::function<void(const std::string&)>& progress);

// The weighted customer x item matrix described above (exposed for tests
// and the evaluation tool).
SparseMatrix PurchaseMatrix(const EmbeddingInputs& inputs,
                            int recency_half_life_days);

}  // namespace boomerang

#endif  // BOOMERANG_INDEXER_EMBEDDINGS_H_
