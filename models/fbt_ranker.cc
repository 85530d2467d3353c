#include "models/fbt_ranker.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace boomerang {

void RankFrequentlyBoughtTogether(
    absl::Span<const FbtAnchor> anchors,
    absl::FunctionRef<bool(int32_t)> allowed, int limit,
    const FbtItemNames& names,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out) {
  struct Support {
    int32_t anchor;  // position in `anchors`
    const Neighbor* edge;
  };
  struct Candidate {
    int32_t item;
    double score = 0;
    int64_t co_orders = 0;
    absl::InlinedVector<Support, 2> support;
  };
  std::vector<Candidate> candidates;
  absl::flat_hash_map<int32_t, int32_t> position;  // item -> candidates index
  size_t total = 0;
  for (const FbtAnchor& a : anchors) total += a.neighbors.size();
  candidates.reserve(total);
  position.reserve(total);

  auto is_anchor = [&anchors](int32_t item) {
    for (const FbtAnchor& a : anchors) {
      if (a.item == item) return true;
    }
    return false;
  };
  for (size_t ai = 0; ai < anchors.size(); ++ai) {
    const FbtAnchor& a = anchors[ai];
    if (a.neighbors.empty()) continue;
    float best = 0;
    for (const Neighbor& nb : a.neighbors) best = std::max(best, nb.score);
    if (best <= 0) continue;
    for (const Neighbor& nb : a.neighbors) {
      if (is_anchor(nb.item) || !allowed(nb.item)) continue;
      auto [it, inserted] = position.try_emplace(
          nb.item, static_cast<int32_t>(candidates.size()));
      if (inserted) candidates.push_back(Candidate{nb.item, 0, 0, {}});
      Candidate& c = candidates[it->second];
      c.score += nb.score / best;
      c.co_orders += nb.co_orders;
      c.support.push_back(Support{static_cast<int32_t>(ai), &nb});
    }
  }
  auto better = [&names](const Candidate& x, const Candidate& y) {
    if (x.score != y.score) return x.score > y.score;
    if (x.co_orders != y.co_orders) return x.co_orders > y.co_orders;
    return names.id(x.item) < names.id(y.item);
  };
  size_t k = std::min<size_t>(candidates.size(), std::max(0, limit));
  std::partial_sort(candidates.begin(), candidates.begin() + k,
                    candidates.end(), better);
  for (size_t i = 0; i < k; ++i) {
    Candidate& c = candidates[i];
    v1::RecommendedItem* item = out->Add();
    item->set_item_id(std::string(names.id(c.item)));
    item->set_score(c.score);
    std::sort(c.support.begin(), c.support.end(),
              [](const Support& x, const Support& y) {
                return x.edge->score > y.edge->score;
              });
    for (const Support& s : c.support) {
      const FbtAnchor& a = anchors[s.anchor];
      v1::CoPurchaseEvidence* e = item->add_evidence();
      e->set_anchor_item_id(std::string(names.id(a.item)));
      e->set_co_purchase_orders(s.edge->co_orders);
      e->set_anchor_orders(a.anchor_orders);
      e->set_anchor_share(a.anchor_orders > 0
                              ? static_cast<double>(s.edge->co_orders) /
                                    a.anchor_orders
                              : 0.0);
      e->set_lift(s.edge->lift);
      e->set_score(s.edge->score);
    }
    item->set_title(std::string(names.title(c.item)));
    item->set_explanation(ExplainCoPurchase(*item));
  }
}

std::string ExplainCoPurchase(const v1::RecommendedItem& item) {
  if (item.evidence().empty()) return "";
  const auto& first = item.evidence(0);
  std::string s = absl::StrFormat(
      "bought together with %s in %.0f%% of the orders that contain it (%d of "
      "%d, lift %.1f)",
      first.anchor_item_id(), 100.0 * first.anchor_share(),
      first.co_purchase_orders(), first.anchor_orders(), first.lift());
  for (int i = 1; i < item.evidence_size(); ++i) {
    const auto& e = item.evidence(i);
    absl::StrAppend(&s,
                    i + 1 == item.evidence_size() ? " and with " : ", with ",
                    e.anchor_item_id(),
                    absl::StrFormat(" in %.0f%%", 100.0 * e.anchor_share()));
  }
  return s;
}

}  // namespace boomerang
