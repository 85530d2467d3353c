#include "models/item_similarity.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"

namespace boomerang {

std::vector<std::string> TitleWords(const std::string& title) {
  std::vector<std::string> words;
  std::string w;
  for (char c : title) {
    if (absl::ascii_isalnum(c) || (static_cast<unsigned char>(c) & 0x80)) {
      w.push_back(absl::ascii_tolower(c));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  return words;
}

std::vector<std::vector<SimilarItem>> ComputeItemSimilarity(
    const ItemSimilarityInputs& in, const ItemSimilarityOptions& options) {
  const int32_t n = static_cast<int32_t>(in.titles->size());
  std::vector<std::vector<SimilarItem>> result(n);

  // TF-IDF title vectors: word ids, weights normalised to unit length.
  absl::flat_hash_map<std::string, int32_t> word_ids;
  std::vector<std::vector<int32_t>> item_words(n);
  std::vector<int32_t> df;
  for (int32_t i = 0; i < n; ++i) {
    absl::flat_hash_set<int32_t> seen;
    for (std::string& w : TitleWords((*in.titles)[i])) {
      auto [it, inserted] =
          word_ids.try_emplace(std::move(w), static_cast<int32_t>(df.size()));
      if (inserted) df.push_back(0);
      if (seen.insert(it->second).second) {
        ++df[it->second];
        item_words[i].push_back(it->second);
      }
    }
    std::sort(item_words[i].begin(), item_words[i].end());
  }
  std::vector<float> idf(df.size());
  for (size_t w = 0; w < df.size(); ++w) {
    idf[w] = static_cast<float>(std::log((n + 1.0) / (df[w] + 0.5)));
  }
  std::vector<float> title_norm(n, 0);
  for (int32_t i = 0; i < n; ++i) {
    double s = 0;
    for (int32_t w : item_words[i]) s += double{idf[w]} * idf[w];
    title_norm[i] = static_cast<float>(std::sqrt(s));
  }
  // Inverted index word -> items, for words that are not too common.
  std::vector<std::vector<int32_t>> word_items(df.size());
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t w : item_words[i]) {
      if (df[w] <= options.max_word_items) word_items[w].push_back(i);
    }
  }
  // Categories -> items, most ordered first.
  absl::flat_hash_map<std::string, std::vector<int32_t>> by_category;
  for (int32_t i = 0; i < n; ++i) {
    if (!(*in.categories)[i].empty())
      by_category[(*in.categories)[i]].push_back(i);
  }
  for (auto& [c, list] : by_category) {
    std::stable_sort(list.begin(), list.end(), [&](int32_t a, int32_t b) {
      return (*in.orders)[a] > (*in.orders)[b];
    });
    if (static_cast<int>(list.size()) > options.max_category_candidates) {
      list.resize(options.max_category_candidates);
    }
  }

  auto title_cosine = [&](int32_t a, int32_t b) -> float {
    if (title_norm[a] == 0 || title_norm[b] == 0) return 0;
    const auto& x = item_words[a];
    const auto& y = item_words[b];
    double dot = 0;
    size_t p = 0, q = 0;
    while (p < x.size() && q < y.size()) {
      if (x[p] == y[q]) {
        dot += double{idf[x[p]]} * idf[x[p]];
        ++p;
        ++q;
      } else if (x[p] < y[q]) {
        ++p;
      } else {
        ++q;
      }
    }
    return static_cast<float>(dot / (double{title_norm[a]} * title_norm[b]));
  };
  auto behavior_cosine = [&](int32_t a, int32_t b) -> float {
    if (in.unit_vectors == nullptr || in.dim == 0) return 0;
    const float* x = in.unit_vectors->data() + int64_t{a} * in.dim;
    const float* y = in.unit_vectors->data() + int64_t{b} * in.dim;
    float dot = 0;
    for (int k = 0; k < in.dim; ++k) dot += x[k] * y[k];
    return dot;
  };

  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<int32_t> next{0};
  auto worker = [&]() {
    absl::flat_hash_set<int32_t> candidates;
    std::vector<SimilarItem> scored;
    while (true) {
      const int32_t i = next.fetch_add(1);
      if (i >= n) break;
      candidates.clear();
      if (in.behavior_neighbors != nullptr) {
        for (const auto& [j, sim] : (*in.behavior_neighbors)[i])
          candidates.insert(j);
      }
      const std::string& category = (*in.categories)[i];
      if (!category.empty()) {
        for (int32_t j : by_category[category]) candidates.insert(j);
      }
      for (int32_t w : item_words[i]) {
        for (int32_t j : word_items[w]) candidates.insert(j);
      }
      candidates.erase(i);
      scored.clear();
      for (int32_t j : candidates) {
        SimilarItem s;
        s.item = j;
        s.title = title_cosine(i, j);
        s.behavior = behavior_cosine(i, j);
        s.same_category = !category.empty() && (*in.categories)[j] == category;
        s.score = options.title_weight * s.title +
                  options.category_weight * (s.same_category ? 1.f : 0.f) +
                  options.behavior_weight * std::max(0.f, s.behavior);
        if (s.score > 0) scored.push_back(s);
      }
      const size_t k = std::min<size_t>(scored.size(), options.k);
      std::partial_sort(scored.begin(), scored.begin() + k, scored.end(),
                        [](const SimilarItem& a, const SimilarItem& b) {
                          if (a.score != b.score) return a.score > b.score;
                          return a.item < b.item;
                        });
      scored.resize(k);
      result[i] = scored;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return result;
}

}  // namespace boomerang
