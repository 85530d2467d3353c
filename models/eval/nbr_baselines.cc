#include "models/eval/nbr_baselines.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace boomerang {
namespace {

// A basket's distinct items (baskets are sets).
Basket Distinct(const Basket& basket) {
  Basket items = basket;
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

ItemScores Sorted(const absl::flat_hash_map<int32_t, double>& values) {
  ItemScores out;
  out.reserve(values.size());
  for (const auto& [item, v] : values) {
    if (v > 0) out.emplace_back(item, v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The entries of a dense accumulator that are > 0, by item.
ItemScores Positive(const std::vector<double>& dense) {
  ItemScores out;
  for (size_t i = 0; i < dense.size(); ++i) {
    if (dense[i] > 0) out.emplace_back(static_cast<int32_t>(i), dense[i]);
  }
  return out;
}

// "key=value,key=value" -> pairs, in order; whitespace around either
// side ignored.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> KeyValues(
    absl::string_view spec, absl::string_view what) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(part, '=');
    if (kv.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": '", part, "' is not key=value (in '", spec, "')"));
    }
    out.emplace_back(std::string(absl::StripAsciiWhitespace(kv[0])),
                     std::string(absl::StripAsciiWhitespace(kv[1])));
  }
  return out;
}

absl::Status BadValue(absl::string_view what, absl::string_view key,
                      absl::string_view value, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": ", key, "=", value, " is not valid (", expected, ")"));
}

}  // namespace

std::vector<int32_t> TopItems(const ItemScores& scores, int n) {
  ItemScores ranked = scores;
  const size_t top = std::min<size_t>(ranked.size(), std::max(n, 0));
  // The authors take argsort()[::-1] of a dense score vector, which orders
  // equal scores arbitrarily and pads the list with zero-score items; here
  // ties go to the smaller item id and only items scoring > 0 are listed
  // (padding with arbitrary items adds nothing a metric should credit).
  std::partial_sort(ranked.begin(), ranked.begin() + top, ranked.end(),
                    [](const auto& a, const auto& b) {
                      return a.second != b.second ? a.second > b.second
                                                  : a.first < b.first;
                    });
  std::vector<int32_t> out;
  out.reserve(top);
  for (size_t i = 0; i < top; ++i) out.push_back(ranked[i].first);
  return out;
}

// ---------------------------------------------------------------- TIFU-KNN

std::string TifuKnnOptions::ToString() const {
  return absl::StrCat("k=", k, ",rb=", within_decay, ",rg=", group_decay,
                      ",alpha=", alpha, ",groups=", groups);
}

absl::StatusOr<TifuKnnOptions> ParseTifuKnnOptions(absl::string_view spec) {
  constexpr absl::string_view kWhat = "TIFU-KNN options";
  auto kvs = KeyValues(spec, kWhat);
  if (!kvs.ok()) return kvs.status();
  TifuKnnOptions o;
  for (const auto& [key, value] : *kvs) {
    if (key == "k" || key == "groups") {
      int v = 0;
      if (!absl::SimpleAtoi(value, &v) || v < 1) {
        return BadValue(kWhat, key, value, "an integer >= 1");
      }
      (key == "k" ? o.k : o.groups) = v;
    } else if (key == "rb" || key == "rg" || key == "alpha") {
      double v = 0;
      const bool decay = key != "alpha";
      if (!absl::SimpleAtod(value, &v) || v < 0 || v > 1 || (decay && v == 0)) {
        return BadValue(kWhat, key, value,
                        decay ? "a number in (0, 1]" : "a number in [0, 1]");
      }
      (key == "rb"   ? o.within_decay
       : key == "rg" ? o.group_decay
                     : o.alpha) = v;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(kWhat, ": unknown key '", key,
                       "' (expected k, rb, rg, alpha, groups)"));
    }
  }
  return o;
}

std::vector<int> TifuGroupSizes(int baskets, int groups) {
  groups = std::max(groups, 1);
  if (baskets <= 0) return {};
  if (baskets < groups) return std::vector<int>(baskets, 1);
  // group_history_list: base = floor(n / m) baskets per group; the last
  // round((n / m - base) x m) groups take ceil(n / m) = base + 1. That
  // count is n mod m (computed exactly here, not through the float
  // residual), and the authors' guard on the remaining baskets always holds.
  const int base = baskets / groups;
  const int extra = baskets % groups;
  std::vector<int> sizes(groups, base);
  for (int g = groups - extra; g < groups; ++g) sizes[g] = base + 1;
  return sizes;
}

ItemScores TifuVector(absl::Span<const Basket> history,
                      const TifuKnnOptions& options) {
  const int n = static_cast<int>(history.size());
  const std::vector<int> sizes = TifuGroupSizes(n, options.groups);
  const int formed = static_cast<int>(sizes.size());
  absl::flat_hash_map<int32_t, double> sum;
  int b = 0;
  for (int g = 0; g < formed; ++g) {
    // The exponent counts from options.groups, not from the groups formed:
    // with fewer baskets than groups the newest group still weighs
    // r_g^(m - n) (tifuknn_new.py: group_size - 1 - idx).
    const double group_weight =
        std::pow(options.group_decay, options.groups - 1 - g) / sizes[g] /
        formed;
    for (int j = 0; j < sizes[g]; ++j, ++b) {
      // The basket decay counts from the newest basket of the whole history
      // (within_decay_rate^(num_vec - idx)), as the code does; the paper
      // describes it within each group.
      const double w = std::pow(options.within_decay, n - 1 - b) * group_weight;
      for (int32_t item : Distinct(history[b])) sum[item] += w;
    }
  }
  return Sorted(sum);
}

TifuKnn::TifuKnn(absl::Span<const std::vector<Basket>> histories,
                 absl::Span<const int32_t> pool, const TifuKnnOptions& options)
    : options_(options), pool_(pool.begin(), pool.end()) {
  vectors_.reserve(histories.size());
  squared_norm_.reserve(histories.size());
  for (const std::vector<Basket>& h : histories) {
    vectors_.push_back(TifuVector(h, options_));
    double s = 0;
    for (const auto& [item, v] : vectors_.back()) {
      s += v * v;
      num_items_ = std::max(num_items_, item + 1);
    }
    squared_norm_.push_back(s);
  }
  postings_.resize(num_items_);
  for (size_t p = 0; p < pool_.size(); ++p) {
    for (const auto& [item, v] : vectors_[pool_[p]]) {
      postings_[item].emplace_back(static_cast<int32_t>(p), v);
    }
  }
}

std::vector<int32_t> TifuKnn::Neighbours(int32_t customer) const {
  // The authors fit sklearn's NearestNeighbors(algorithm='brute') on the
  // train customers' dense vectors (Euclidean). This is the same exact
  // search on sparse vectors: |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, the dot
  // products accumulated through the pool's inverted index. Equal distances
  // go to the smaller customer index (sklearn's order among ties is
  // unspecified), and a customer in the pool is not their own neighbour
  // (the authors' queries are never in the train set).
  std::vector<double> dot(pool_.size(), 0.0);
  for (const auto& [item, w] : vectors_[customer]) {
    for (const auto& [p, v] : postings_[item]) dot[p] += w * v;
  }
  std::vector<std::pair<double, int32_t>> by_distance;
  by_distance.reserve(pool_.size());
  for (size_t p = 0; p < pool_.size(); ++p) {
    const int32_t other = pool_[p];
    if (other == customer) continue;
    by_distance.emplace_back(
        squared_norm_[customer] + squared_norm_[other] - 2 * dot[p], other);
  }
  const size_t k =
      std::min<size_t>(std::max(options_.k, 0), by_distance.size());
  std::partial_sort(by_distance.begin(), by_distance.begin() + k,
                    by_distance.end());
  std::vector<int32_t> out;
  out.reserve(k);
  for (size_t i = 0; i < k; ++i) out.push_back(by_distance[i].second);
  return out;
}

ItemScores TifuKnn::Scores(int32_t customer) const {
  const std::vector<int32_t> neighbours = Neighbours(customer);
  // merge_history: own x alpha + (sum of the neighbours / their number) x
  // (1 - alpha).
  std::vector<double> own(num_items_, 0.0), others(num_items_, 0.0);
  for (const auto& [item, v] : vectors_[customer]) own[item] = v;
  for (int32_t n : neighbours) {
    for (const auto& [item, v] : vectors_[n]) others[item] += v;
  }
  const double count = std::max<size_t>(neighbours.size(), 1);
  for (int32_t i = 0; i < num_items_; ++i) {
    own[i] = own[i] * options_.alpha + others[i] / count * (1 - options_.alpha);
  }
  return Positive(own);
}

// ----------------------------------------------------------------- UP-CF@r

std::string UpCfOptions::ToString() const {
  std::string out =
      absl::StrCat("r=", recency, ",alpha=", asymmetry, ",q=", locality);
  const UpCfOptions defaults;
  if (shrink != defaults.shrink) absl::StrAppend(&out, ",shrink=", shrink);
  if (neighbours != defaults.neighbours) {
    absl::StrAppend(&out, ",nn=", neighbours);
  }
  return out;
}

absl::StatusOr<UpCfOptions> ParseUpCfOptions(absl::string_view spec) {
  constexpr absl::string_view kWhat = "UP-CF@r options";
  auto kvs = KeyValues(spec, kWhat);
  if (!kvs.ok()) return kvs.status();
  UpCfOptions o;
  for (const auto& [key, value] : *kvs) {
    if (key == "r" || key == "q" || key == "nn") {
      int v = 0;
      if (!absl::SimpleAtoi(value, &v) || v < 1) {
        return BadValue(kWhat, key, value, "an integer >= 1");
      }
      (key == "r" ? o.recency : key == "q" ? o.locality : o.neighbours) = v;
    } else if (key == "alpha") {
      if (!absl::SimpleAtod(value, &o.asymmetry) || o.asymmetry < 0 ||
          o.asymmetry > 1) {
        return BadValue(kWhat, key, value, "a number in [0, 1]");
      }
    } else if (key == "shrink") {
      if (!absl::SimpleAtod(value, &o.shrink) || o.shrink < 0) {
        return BadValue(kWhat, key, value, "a number >= 0");
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(kWhat, ": unknown key '", key,
                       "' (expected r, alpha, q, shrink, nn)"));
    }
  }
  return o;
}

ItemScores RecentPopularity(absl::Span<const Basket> history, int recency) {
  // racf.py: history_seq[-recency:] when longer than recency (a recency of
  // 0 or less keeps everything, as Python's [-0:] does); each item's count
  // over those baskets divided by how many there are.
  const size_t n = history.size();
  const size_t keep =
      recency > 0 ? std::min<size_t>(n, static_cast<size_t>(recency)) : n;
  absl::flat_hash_map<int32_t, double> count;
  for (size_t b = n - keep; b < n; ++b) {
    for (int32_t item : Distinct(history[b])) count[item] += 1;
  }
  for (auto& [item, c] : count) c /= static_cast<double>(keep);
  return Sorted(count);
}

double AsymmetricCosine(double dot, double norm_u, double norm_v, double alpha,
                        double shrink) {
  // similarity.py (Compute_Similarity, asymmetric): the processed column's
  // norm to 2 alpha, the other's to 2 (1 - alpha), shrink and 1e-6 added.
  return dot /
         (std::pow(norm_u, 2 * alpha) * std::pow(norm_v, 2 * (1 - alpha)) +
          shrink + 1e-6);
}

UpCf::UpCf(absl::Span<const std::vector<Basket>> histories,
           absl::Span<const int32_t> pool, const UpCfOptions& options)
    : options_(options), pool_(pool.begin(), pool.end()) {
  counts_.reserve(histories.size());
  norm_.reserve(histories.size());
  popularity_.reserve(histories.size());
  for (const std::vector<Basket>& h : histories) {
    absl::flat_hash_map<int32_t, double> count;
    for (const Basket& b : h) {
      for (int32_t item : Distinct(b)) count[item] += 1;
    }
    counts_.push_back(Sorted(count));
    double s = 0;
    for (const auto& [item, c] : counts_.back()) {
      s += c * c;
      num_items_ = std::max(num_items_, item + 1);
    }
    norm_.push_back(std::sqrt(s));
    popularity_.push_back(RecentPopularity(h, options_.recency));
  }
  postings_.resize(num_items_);
  for (size_t p = 0; p < pool_.size(); ++p) {
    for (const auto& [item, c] : counts_[pool_[p]]) {
      postings_[item].emplace_back(static_cast<int32_t>(p), c);
    }
  }
}

double UpCf::Similarity(int32_t customer, int32_t other) const {
  const ItemScores& a = counts_[customer];
  const ItemScores& b = counts_[other];
  double dot = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i].first < b[j].first) {
      ++i;
    } else if (b[j].first < a[i].first) {
      ++j;
    } else {
      dot += a[i++].second * b[j++].second;
    }
  }
  return AsymmetricCosine(dot, norm_[customer], norm_[other],
                          options_.asymmetry, options_.shrink);
}

std::vector<std::pair<int32_t, double>> UpCf::Neighbours(
    int32_t customer) const {
  // racf.py computes every user's similarity to every other user (their
  // pool is all users of the data set, the query users' histories included;
  // ours is the pool given), keeps each user's topK=100 and drops zeros,
  // in float32. Here in double; equal similarities go to the smaller
  // customer index (argpartition's order among ties is unspecified).
  std::vector<double> dot(pool_.size(), 0.0);
  for (const auto& [item, c] : counts_[customer]) {
    for (const auto& [p, v] : postings_[item]) dot[p] += c * v;
  }
  std::vector<std::pair<double, int32_t>> ranked;
  for (size_t p = 0; p < pool_.size(); ++p) {
    const int32_t other = pool_[p];
    if (dot[p] <= 0 || other == customer) continue;
    ranked.emplace_back(-AsymmetricCosine(dot[p], norm_[customer], norm_[other],
                                          options_.asymmetry, options_.shrink),
                        other);
  }
  const size_t k =
      std::min<size_t>(std::max(options_.neighbours, 0), ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + k, ranked.end());
  std::vector<std::pair<int32_t, double>> out;
  out.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    out.emplace_back(ranked[i].second, -ranked[i].first);
  }
  return out;
}

ItemScores UpCf::Scores(int32_t customer) const {
  // racf.py: usersim with its diagonal set to 1, raised to q, times the
  // recency matrix. So the customer's own recent popularity counts fully
  // and each neighbour's by sim^q. With the defaults (shrink 1000, q 10)
  // similarities are around 0.01 and the neighbours' part around 1e-20:
  // it orders only the items the customer has not bought recently (in the
  // authors' float32 most of it underflows to 0; not here).
  std::vector<double> score(num_items_, 0.0);
  for (const auto& [item, s] : popularity_[customer]) score[item] += s;
  for (const auto& [other, sim] : Neighbours(customer)) {
    const double w = std::pow(sim, options_.locality);
    for (const auto& [item, s] : popularity_[other]) score[item] += w * s;
  }
  return Positive(score);
}

}  // namespace boomerang
