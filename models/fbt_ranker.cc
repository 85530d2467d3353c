#include "models/fbt_ranker.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace boomerang {

void RankFrequentlyBoughtTogether(
    const std::vector<FbtAnchor>& anchors,
    const absl::flat_hash_set<std::string>& exclude, int limit,
    absl::FunctionRef<std::string(const std::string&)> title_of,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out) {
  absl::flat_hash_set<std::string> anchor_ids;
  for (const FbtAnchor& a : anchors) anchor_ids.insert(a.item_id);

  struct Candidate {
    double score = 0;
    int64_t co_orders = 0;
    std::vector<v1::CoPurchaseEvidence> evidence;
  };
  absl::flat_hash_map<std::string, Candidate> candidates;
  for (const FbtAnchor& a : anchors) {
    if (a.list == nullptr || a.list->neighbors().empty()) continue;
    double best = 0;
    for (const auto& nb : a.list->neighbors()) best = std::max(best, nb.score());
    if (best <= 0) continue;
    for (const auto& nb : a.list->neighbors()) {
      if (anchor_ids.contains(nb.item_id()) || exclude.contains(nb.item_id())) {
        continue;
      }
      Candidate& c = candidates[nb.item_id()];
      c.score += nb.score() / best;
      c.co_orders += nb.co_orders();
      v1::CoPurchaseEvidence& e = c.evidence.emplace_back();
      e.set_anchor_item_id(a.item_id);
      e.set_co_purchase_orders(nb.co_orders());
      e.set_anchor_orders(a.list->anchor_orders());
      e.set_anchor_share(a.list->anchor_orders() > 0
                             ? static_cast<double>(nb.co_orders()) /
                                   a.list->anchor_orders()
                             : 0.0);
      e.set_lift(nb.lift());
      e.set_score(nb.score());
    }
  }
  std::vector<std::pair<const std::string*, Candidate*>> ranked;
  ranked.reserve(candidates.size());
  for (auto& [id, c] : candidates) ranked.emplace_back(&id, &c);
  auto better = [](const auto& x, const auto& y) {
    if (x.second->score != y.second->score) {
      return x.second->score > y.second->score;
    }
    if (x.second->co_orders != y.second->co_orders) {
      return x.second->co_orders > y.second->co_orders;
    }
    return *x.first < *y.first;
  };
  size_t k = std::min<size_t>(ranked.size(), std::max(0, limit));
  std::partial_sort(ranked.begin(), ranked.begin() + k, ranked.end(), better);
  for (size_t i = 0; i < k; ++i) {
    v1::RecommendedItem* item = out->Add();
    item->set_item_id(*ranked[i].first);
    item->set_score(ranked[i].second->score);
    auto& ev = ranked[i].second->evidence;
    std::sort(ev.begin(), ev.end(), [](const auto& x, const auto& y) {
      return x.score() > y.score();
    });
    for (auto& e : ev) *item->add_evidence() = std::move(e);
    item->set_title(title_of(*ranked[i].first));
    item->set_explanation(ExplainCoPurchase(*item));
  }
}

std::string ExplainCoPurchase(const v1::RecommendedItem& item) {
  if (item.evidence().empty()) return "";
  const auto& first = item.evidence(0);
  std::string s = absl::StrFormat(
      "bought together with %s in %.0f%% of its orders (%d of %d, lift %.1f)",
      first.anchor_item_id(), 100.0 * first.anchor_share(),
      first.co_purchase_orders(), first.anchor_orders(), first.lift());
  for (int i = 1; i < item.evidence_size(); ++i) {
    const auto& e = item.evidence(i);
    absl::StrAppend(&s, i + 1 == item.evidence_size() ? " and with " : ", with ",
                    e.anchor_item_id(),
                    absl::StrFormat(" in %.0f%%", 100.0 * e.anchor_share()));
  }
  return s;
}

}  // namespace boomerang
