// A small in-memory ItemGraph for the rankers' unit tests: items are added
// by id with a title, category, price and order count, then co-purchase and
// look-alike edges between them.
//
// Thread-safety: one thread (the category lists are built on demand).
#ifndef BOOMERANG_MODELS_RANK_TESTING_H_
#define BOOMERANG_MODELS_RANK_TESTING_H_

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "models/rank/item_graph.h"

namespace boomerang::testing {

class TinyGraph final : public ItemGraph {
 public:
  // Returns the new item's dense index.
  int32_t Add(const std::string& id, const std::string& title,
              const std::string& category, double price, int64_t orders) {
    v1::ItemRecord rec;
    rec.set_title(title);
    rec.set_category(category);
    rec.set_price(price);
    rec.set_orders(orders);
    rec.set_in_stock(true);
    ids_.push_back(id);
    items_.push_back(rec);
    fbt_.emplace_back();
    anchor_orders_.push_back(orders);
    similar_.emplace_back();
    return static_cast<int32_t>(ids_.size() - 1);
  }
  // `b` is bought with `a` in `co_orders` of a's orders, with this lift
  // (scored by lift: the rankers only compare scores).
  void CoPurchase(int32_t a, int32_t b, int32_t co_orders, float lift) {
    fbt_[a].push_back(Neighbor{b, lift, co_orders, lift});
    std::stable_sort(
        fbt_[a].begin(), fbt_[a].end(),
        [](const Neighbor& x, const Neighbor& y) { return x.score > y.score; });
  }
  // `b` is a look-alike of `a` (one direction), blended as the indexer
  // does by default: title + category + behaviour.
  void LookAlike(int32_t a, int32_t b, float title, float behavior) {
    const bool same = !items_[a].category().empty() &&
                      items_[a].category() == items_[b].category();
    const float blended = 0.5f * title + 0.3f * (same ? 1.f : 0.f) +
                          0.4f * std::max(0.f, behavior);
    similar_[a].push_back(SimilarEdge{b, blended, title, behavior, same});
    std::stable_sort(similar_[a].begin(), similar_[a].end(),
                     [](const SimilarEdge& x, const SimilarEdge& y) {
                       return x.similarity > y.similarity;
                     });
  }
  void AddPopular(int32_t item, int64_t orders, bool recent) {
    v1::PopularItem* p =
        recent ? popular_.add_recent() : popular_.add_overall();
    p->set_item_id(ids_[item]);
    p->set_orders(orders);
  }

  int32_t num_items() const override {
    return static_cast<int32_t>(ids_.size());
  }
  const std::string& item_id(int32_t i) const override { return ids_[i]; }
  const v1::ItemRecord& item(int32_t i) const override { return items_[i]; }
  int32_t FindItem(absl::string_view id) const override {
    for (size_t i = 0; i < ids_.size(); ++i) {
      if (ids_[i] == id) return static_cast<int32_t>(i);
    }
    return -1;
  }
  absl::Span<const Neighbor> Fbt(int32_t i) const override { return fbt_[i]; }
  int64_t fbt_anchor_orders(int32_t i) const override {
    return anchor_orders_[i];
  }
  absl::Span<const SimilarEdge> Similar(int32_t i) const override {
    return similar_[i];
  }
  absl::Span<const int32_t> CategoryBestSellers(
      absl::string_view category) const override {
    return List(category, /*by_price=*/false);
  }
  absl::Span<const int32_t> CategoryByPrice(
      absl::string_view category) const override {
    return List(category, /*by_price=*/true);
  }
  float Popularity(int32_t i) const override {
    int64_t best = 1;
    for (const auto& r : items_) best = std::max(best, r.orders());
    return static_cast<float>(std::log1p(items_[i].orders()) /
                              std::log1p(best));
  }
  const v1::PopularItems& popular() const override { return popular_; }
  int recent_days() const override { return 30; }

 private:
  absl::Span<const int32_t> List(absl::string_view category,
                                 bool by_price) const {
    std::vector<int32_t>& list =
        lists_[std::string(category) + (by_price ? "\x01" : "\x02")];
    list.clear();
    if (category.empty()) return list;
    for (int32_t i = 0; i < num_items(); ++i) {
      if (items_[i].category() == category) list.push_back(i);
    }
    std::stable_sort(list.begin(), list.end(), [&](int32_t x, int32_t y) {
      return by_price ? items_[x].price() < items_[y].price()
                      : items_[x].orders() > items_[y].orders();
    });
    return list;
  }

  std::vector<std::string> ids_;
  std::vector<v1::ItemRecord> items_;
  std::vector<std::vector<Neighbor>> fbt_;
  std::vector<int64_t> anchor_orders_;
  std::vector<std::vector<SimilarEdge>> similar_;
  v1::PopularItems popular_;
  mutable std::map<std::string, std::vector<int32_t>> lists_;
};

}  // namespace boomerang::testing

#endif  // BOOMERANG_MODELS_RANK_TESTING_H_
