// "Similar items" = alternatives to an item: a blend of what the item is
// (its name and category) and who buys it (embedding similarity).
//
// Purely behavioural similarity misses substitutes: shoppers who settle on
// the budget French press rarely buy the premium one too, so the two share
// few customers (measured on the demo shop's planted substitutes: 0 of 36
// found in the top 5 by embedding cosine alone). Names and categories find
// them; behaviour ranks among them and finds alternatives across
// categories. Score of a candidate j for item i:
//   title_weight    * cosine of TF-IDF vectors of the title words
// + category_weight * [same category path]
// + behavior_weight * max(0, cosine of the item embeddings)
// Candidates: the item's embedding neighbours, the most ordered items of its
// category, and items sharing a title word that is not too common.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_ITEM_SIMILARITY_H_
#define BOOMERANG_MODELS_ITEM_SIMILARITY_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace boomerang {

struct ItemSimilarityOptions {
  int k = 50;  // kept per item
  float title_weight = 0.5f;
  float category_weight = 0.3f;
  float behavior_weight = 0.4f;
  // A title word in more items than this does not propose candidates (it
  // still counts in the cosine).
  int max_word_items = 1000;
  // At most this many items of the same category are considered.
  int max_category_candidates = 500;
  int threads = 0;  // 0: hardware concurrency
};

struct ItemSimilarityInputs {
  // Per item (dense index); all of the same length n.
  const std::vector<std::string>* titles = nullptr;
  const std::vector<std::string>* categories = nullptr;  // "" = unknown
  const std::vector<int64_t>* orders = nullptr;          // popularity
  // Unit-length item embeddings (n * dim floats), zero rows for items
  // without one; may be null (no behaviour).
  const std::vector<float>* unit_vectors = nullptr;
  int dim = 0;
  // Nearest items by embedding, per item (from an ANN search); may be null.
  const std::vector<std::vector<std::pair<int32_t, float>>>*
      behavior_neighbors = nullptr;
};

struct SimilarItem {
  int32_t item = 0;
  float score = 0;
  float title = 0;     // title cosine
  float behavior = 0;  // embedding cosine (0 if unknown)
  bool same_category = false;
};

std::vector<std::vector<SimilarItem>> ComputeItemSimilarity(
    const ItemSimilarityInputs& inputs, const ItemSimilarityOptions& options);

// Lower-case alphanumeric words of a title (for tests).
std::vector<std::string> TitleWords(const std::string& title);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_ITEM_SIMILARITY_H_
