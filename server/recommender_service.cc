#include "server/recommender_service.h"

#include <chrono>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/fbt_ranker.h"
#include "models/item_filter.h"
#include "models/personal_picks.h"
#include "server/clock.h"
#include "server/grpc_auth.h"
#include "server/metrics.h"
#include "server/request_helpers.h"
#include "server/request_limits.h"
#include "server/retention.h"
#include "server/status_util.h"

namespace boomerang {

using internal::Affinity;
using internal::BoundFilter;
using internal::Customer;
using internal::Days;
using internal::Describe;
using internal::LoadCustomer;

absl::Status FrequentlyBoughtTogether(
    const Snapshot& snapshot,
    const v1::FrequentlyBoughtTogetherRequest& request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  int limit = 0;
  absl::Status s = ValidateFbtRequest(request, &limit);
  if (!s.ok()) return s;
  auto customer = LoadCustomer(snapshot, request.customer_id());
  if (!customer.ok()) return customer.status();
  auto filter = BoundFilter::Create(
      snapshot, request.filter(), &request.exclude_item_ids(),
      request.customer_id().empty() ? nullptr : &*customer);
  if (!filter.ok()) return filter.status();
  response->set_snapshot_version(snapshot.version());

  absl::InlinedVector<FbtAnchor, 4> anchors;
  for (const std::string& id : request.item_ids()) {
    // Ids are stored trimmed (the indexer strips spaces around fields).
    const int32_t index = snapshot.FindItem(absl::StripAsciiWhitespace(id));
    if (index < 0) {
      response->add_unknown_item_ids(id);
      continue;
    }
    bool seen = false;  // a cart may name an item twice
    for (const FbtAnchor& a : anchors) seen = seen || a.item == index;
    if (seen) continue;
    anchors.push_back(FbtAnchor{index, snapshot.fbt_anchor_orders(index),
                                snapshot.Fbt(index)});
  }
  response->set_all_items_unknown(anchors.empty());
  auto id_of = [&snapshot](int32_t i) -> absl::string_view {
    return snapshot.item_id(i);
  };
  auto title_of = [&snapshot](int32_t i) -> absl::string_view {
    return snapshot.item(i).title();
  };
  auto allowed = [&filter](int32_t i) { return filter->Allows(i); };
  RankFrequentlyBoughtTogether(anchors, allowed, limit,
                               FbtItemNames{id_of, title_of},
                               response->mutable_items());
  for (v1::RecommendedItem& item : *response->mutable_items()) {
    const v1::ItemRecord& rec =
        snapshot.item(snapshot.FindItem(item.item_id()));
    item.set_category(rec.category());
    item.set_price(rec.price());
    item.mutable_reason()->set_code(v1::BOUGHT_TOGETHER);
    if (item.evidence_size() > 0) {
      item.mutable_reason()->set_anchor_item_id(
          item.evidence(0).anchor_item_id());
    }
  }
  return absl::OkStatus();
}

absl::Status SimilarItems(const Snapshot& snapshot,
                          const v1::SimilarItemsRequest& request,
                          v1::RecommendationsResponse* response) {
  int limit = 0;
  absl::Status s = ValidateSimilarRequest(request, &limit);
  if (!s.ok()) return s;
  auto customer = LoadCustomer(snapshot, request.customer_id());
  if (!customer.ok()) return customer.status();
  auto filter =
      BoundFilter::Create(snapshot, request.filter(), nullptr,
                          request.customer_id().empty() ? nullptr : &*customer);
  if (!filter.ok()) return filter.status();
  response->set_snapshot_version(snapshot.version());
  const int32_t anchor =
      snapshot.FindItem(absl::StripAsciiWhitespace(request.item_id()));
  if (anchor < 0) {
    response->add_unknown_item_ids(request.item_id());
    return absl::OkStatus();
  }
  const std::string& anchor_id = snapshot.item_id(anchor);
  for (const Snapshot::SimilarEdge& e : snapshot.Similar(anchor)) {
    if (response->items_size() == limit) break;
    if (e.item == anchor || !filter->Allows(e.item)) continue;
    v1::RecommendedItem* item = response->add_items();
    Describe(snapshot, e.item, item);
    item->set_score(e.similarity);
    item->mutable_reason()->set_code(v1::SIMILAR);
    item->mutable_reason()->set_anchor_item_id(anchor_id);
    std::vector<std::string> why;
    if (e.same_category) why.push_back("same category");
    if (e.title >= 0.2f)
      why.push_back(absl::StrFormat("similar name (%.2f)", e.title));
    if (e.behavior >= 0.2f) {
      why.push_back(
          absl::StrFormat("bought by the same customers (%.2f)", e.behavior));
    }
    item->set_explanation(
        absl::StrCat("similar to ", anchor_id, ": ",
                     why.empty() ? "related" : absl::StrJoin(why, ", ")));
  }
  if (response->items_size() > 0 || !snapshot.Similar(anchor).empty()) {
    return absl::OkStatus();
  }
  // Cold start: no history for this item. Its category's best sellers.
  const std::string& category = snapshot.item(anchor).category();
  for (int32_t i : snapshot.CategoryBestSellers(category)) {
    if (response->items_size() == limit) break;
    if (i == anchor || !filter->Allows(i)) continue;
    v1::RecommendedItem* item = response->add_items();
    Describe(snapshot, i, item);
    item->set_score(static_cast<double>(snapshot.item(i).orders()));
    item->mutable_reason()->set_code(v1::CATEGORY_BEST_SELLER);
    item->mutable_reason()->set_anchor_item_id(anchor_id);
    item->set_explanation(absl::StrFormat(
        "a best seller in %s (%d orders); %s has no purchase history yet",
        category, snapshot.item(i).orders(), anchor_id));
  }
  response->set_fallback(response->items_size() > 0);
  return absl::OkStatus();
}

namespace {

// Name similarity (TF-IDF cosine of titles, models/item_similarity.h) from
// which two items of one category look alike (CrossSell's substitutes).
constexpr float kLookAlikeTitle = 0.3f;
// The same without categories, when the name must say it alone.
constexpr float kLookAlikeTitleWithoutCategory = 0.5f;
// Upsell without categories: a candidate's name must be at least this
// similar to the anchor's, and a co-purchase lift at least this high with
// the anchor marks a complement of it (Online Retail: the Regency teacup's
// sugar bowl 12.5, milk jug 11.4; the red retrospot tea cup 3.8).
constexpr float kUpsellTitleWithoutCategory = 0.3f;
constexpr float kUpsellComplementLift = 5.0f;

// Best sellers of the last days of the data, then of all time: the answer
// when there is no history to personalise from.
void AddPopular(const Snapshot& snapshot, const BoundFilter& filter, int limit,
                absl::flat_hash_set<int32_t>* taken,
                v1::RecommendationsResponse* response) {
  for (const auto* list :
       {&snapshot.popular().recent(), &snapshot.popular().overall()}) {
    const bool recent = list == &snapshot.popular().recent();
    for (const v1::PopularItem& p : *list) {
      if (response->items_size() >= limit) return;
      const int32_t i = snapshot.FindItem(p.item_id());
      if (i < 0 || !filter.Allows(i) || !taken->insert(i).second) continue;
      v1::RecommendedItem* item = response->add_items();
      Describe(snapshot, i, item);
      item->set_score(static_cast<double>(p.orders()));
      item->mutable_reason()->set_code(v1::POPULAR);
      item->set_explanation(
          recent ? absl::StrFormat(
                       "trending: %d orders in the last %d days", p.orders(),
                       snapshot.manifest().parameters().recent_days())
                 : absl::StrFormat("a best seller (%d orders)", p.orders()));
    }
  }
}

}  // namespace

absl::Status PersonalPicks(const Snapshot& snapshot,
                           const v1::PersonalPicksRequest& request,
                           v1::RecommendationsResponse* response) {
  int limit = 0;
  absl::Status s = ValidatePicksRequest(request, &limit);
  if (!s.ok()) return s;
  response->set_snapshot_version(snapshot.version());
  const int64_t as_of = AsOfOr(snapshot, request.has_as_of(), request.as_of());
  response->mutable_as_of()->set_seconds(as_of);
  auto loaded = LoadCustomer(snapshot, request.customer_id());
  if (!loaded.ok()) return loaded.status();
  auto filter =
      BoundFilter::Create(snapshot, request.filter(), nullptr, &*loaded, as_of);
  if (!filter.ok()) return filter.status();
  const v1::CustomerRecord& customer = loaded->record;
  const std::vector<HistoryItem>& history = loaded->history;
  std::vector<PicksCandidate> candidates;
  if (customer.vector_size() == snapshot.dim() && snapshot.dim() > 0 &&
      request.mode() != v1::PersonalPicksRequest::REPEAT_ONLY) {
    // Enough candidates to survive the filter and the already-bought items.
    const int k =
        std::min<int>(1000, 4 * limit + static_cast<int>(history.size()) + 50);
    std::vector<int64_t> ids;
    std::vector<float> scores;
    s = snapshot.SearchItems(customer.vector(), k, &ids, &scores);
    if (!s.ok()) return s;
    for (size_t j = 0; j < ids.size(); ++j) {
      if (ids[j] >= 0) {
        candidates.push_back(
            PicksCandidate{static_cast<int32_t>(ids[j]), scores[j]});
      }
    }
  }
  // What they looked at since the snapshot steers the new items: the viewed
  // items themselves and their look-alikes join the candidates, as strong
  // as the best taste match (scaled by similarity).
  if (!loaded->live.views.empty() &&
      request.mode() != v1::PersonalPicksRequest::REPEAT_ONLY) {
    float best = 0;
    for (const PicksCandidate& c : candidates) best = std::max(best, c.score);
    if (best <= 0) best = 1;
    absl::flat_hash_map<int32_t, float> boost;
    for (size_t v = 0; v < loaded->live.views.size() && v < 10; ++v) {
      const int32_t viewed = snapshot.FindItem(loaded->live.views[v]);
      if (viewed < 0) continue;
      // Newer views count more.
      const float recency = 1.0f / (1.0f + 0.2f * static_cast<float>(v));
      boost[viewed] = std::max(boost[viewed], 1.2f * best * recency);
      for (const Snapshot::SimilarEdge& e : snapshot.Similar(viewed)) {
        float& b = boost[e.item];
        b = std::max(b, best * recency * e.similarity);
      }
    }
    for (PicksCandidate& c : candidates) {
      auto it = boost.find(c.item);
      if (it == boost.end()) continue;
      c.score = std::max(c.score, it->second);
      boost.erase(it);
    }
    for (const auto& [item, score] : boost) {
      candidates.push_back(PicksCandidate{item, score});
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const PicksCandidate& a, const PicksCandidate& b) {
                return a.score != b.score ? a.score > b.score : a.item < b.item;
              });
  }
  const PicksMode mode =
      request.mode() == v1::PersonalPicksRequest::NEW_ONLY ? PicksMode::kNewOnly
      : request.mode() == v1::PersonalPicksRequest::REPEAT_ONLY
          ? PicksMode::kRepeatOnly
          : PicksMode::kMixed;
  std::vector<Pick> picks = RankPersonalPicks(
      history, candidates, as_of, mode, limit,
      [&](int32_t i) { return filter->Allows(i); },
      [&](int32_t a, int32_t b) { return snapshot.ItemCosine(a, b); });
  absl::flat_hash_set<int32_t> taken;
  for (const Pick& p : picks) {
    taken.insert(p.item);
    v1::RecommendedItem* item = response->add_items();
    Describe(snapshot, p.item, item);
    item->set_score(p.score);
    if (p.kind == Pick::kBuyAgain) {
      item->mutable_reason()->set_code(v1::BUY_AGAIN);
      item->mutable_reason()->set_anchor_item_id(snapshot.item_id(p.item));
      item->set_explanation(
          p.orders >= 2
              ? absl::StrFormat(
                    "you buy this about every %s (%d orders): it's been %s",
                    Days(p.interval_days), p.orders, Days(p.days_since))
              : absl::StrCat("you bought this ", Days(p.days_since), " ago"));
    } else {
      item->mutable_reason()->set_code(v1::BECAUSE_YOU_BOUGHT);
      if (p.anchor >= 0) {
        const std::string& anchor = snapshot.item_id(p.anchor);
        item->mutable_reason()->set_anchor_item_id(anchor);
        const std::string& title = snapshot.item(p.anchor).title();
        item->set_explanation(
            absl::StrCat("because you bought ", anchor,
                         title.empty() ? "" : " (" + title + ")"));
      } else {
        item->set_explanation("matches what you buy");
      }
    }
  }
  // Unknown customer, or too little history: best sellers, as a fallback.
  if (response->items_size() < limit &&
      request.mode() != v1::PersonalPicksRequest::REPEAT_ONLY &&
      candidates.empty()) {
    for (const HistoryItem& h : history) taken.insert(h.item);
    AddPopular(snapshot, *filter, limit, &taken, response);
    response->set_fallback(true);
  }
  return absl::OkStatus();
}

absl::Status CrossSell(const Snapshot& snapshot,
                       const v1::CrossSellRequest& request,
                       v1::RecommendationsResponse* response) {
  // Only the customer named: their live cart (RecordEvents) is the cart.
  if (request.item_ids().empty() && !request.customer_id().empty()) {
    auto customer = LoadCustomer(snapshot, request.customer_id());
    if (!customer.ok()) return customer.status();
    if (!customer->live.cart.empty()) {
      v1::CrossSellRequest with_cart = request;
      for (const std::string& item : customer->live.cart) {
        with_cart.add_item_ids(item);
      }
      return CrossSell(snapshot, with_cart, response);
    }
  }
  int limit = 0;
  absl::Status s = ValidateCrossSellRequest(request, &limit);
  if (!s.ok()) return s;
  response->set_snapshot_version(snapshot.version());
  auto customer = LoadCustomer(snapshot, request.customer_id());
  if (!customer.ok()) return customer.status();
  auto filter =
      BoundFilter::Create(snapshot, request.filter(), nullptr,
                          request.customer_id().empty() ? nullptr : &*customer);
  if (!filter.ok()) return filter.status();

  absl::InlinedVector<FbtAnchor, 4> anchors;
  // Look-alikes of the cart's items, each with the cart items it resembles.
  absl::flat_hash_map<int32_t, absl::InlinedVector<int32_t, 2>> substitutes;
  for (const std::string& id : request.item_ids()) {
    const int32_t index = snapshot.FindItem(absl::StripAsciiWhitespace(id));
    if (index < 0) {
      response->add_unknown_item_ids(id);
      continue;
    }
    bool seen = false;
    for (const FbtAnchor& a : anchors) seen = seen || a.item == index;
    if (seen) continue;
    anchors.push_back(FbtAnchor{index, snapshot.fbt_anchor_orders(index),
                                snapshot.Fbt(index)});
    // Look-alikes of a cart item: a similar name in the same category, or,
    // with no category on either side (a shop without a catalog), a name
    // alone similar enough (names of one collection share words: the tea
    // plate of the Regency teacups scores 0.39, the other teacups 0.83+).
    // A second frying pan is not a complement of the first, but a printer
    // and its ink look alike too: the co-purchase lift decides (below). Not
    // "the same buyers": complements share buyers, that makes them
    // complements.
    const bool no_category = snapshot.item(index).category().empty();
    for (const Snapshot::SimilarEdge& e : snapshot.Similar(index)) {
      const bool look_alike =
          e.same_category
              ? e.title >= kLookAlikeTitle
              : no_category && snapshot.item(e.item).category().empty() &&
                    e.title >= kLookAlikeTitleWithoutCategory;
      if (look_alike) substitutes[e.item].push_back(index);
    }
  }
  // Rank more than asked, then re-rank by the customer's taste.
  const int fetch = std::min(kMaxLimit, 3 * limit);
  auto id_of = [&snapshot](int32_t i) -> absl::string_view {
    return snapshot.item_id(i);
  };
  auto title_of = [&snapshot](int32_t i) -> absl::string_view {
    return snapshot.item(i).title();
  };
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> ranked;
  RankFrequentlyBoughtTogether(
      anchors, [&](int32_t i) { return filter->Allows(i); }, fetch,
      FbtItemNames{id_of, title_of}, &ranked);
  // A look-alike bought with the cart only weakly (lift under
  // kComplementLift) is a substitute: shoppers chose between them. One
  // bought with it far more often than chance (the green and the pink
  // Regency teacup) is part of a set: it stays, and its explanation says
  // it is a look-alike kept for that reason.
  constexpr double kComplementLift = 3.0;
  std::vector<std::pair<double, int>> order;
  for (int j = 0; j < ranked.size(); ++j) {
    const int32_t i = snapshot.FindItem(ranked[j].item_id());
    if (auto sub = substitutes.find(i); sub != substitutes.end()) {
      // The strongest co-purchase with a cart item it resembles.
      const v1::CoPurchaseEvidence* with = nullptr;
      for (const auto& e : ranked[j].evidence()) {
        const int32_t a = snapshot.FindItem(e.anchor_item_id());
        if (std::find(sub->second.begin(), sub->second.end(), a) ==
            sub->second.end()) {
          continue;
        }
        if (with == nullptr || e.lift() > with->lift()) with = &e;
      }
      if (with == nullptr || with->lift() < kComplementLift) continue;
      const std::string& title =
          snapshot.item(snapshot.FindItem(with->anchor_item_id())).title();
      ranked[j].set_explanation(absl::StrFormat(
          "looks like %s%s, but the two are bought as a set: in %.0f%% of "
          "the orders that contain %s (%d of %d, lift %.1f)",
          with->anchor_item_id(),
          title.empty() ? "" : absl::StrCat(" (", title, ")"),
          100 * with->anchor_share(), with->anchor_item_id(),
          with->co_purchase_orders(), with->anchor_orders(), with->lift()));
    }
    // Multiplicative, so that taste reorders complements but never turns a
    // weak complement into a strong one.
    const double personal = std::max(0.f, Affinity(snapshot, *customer, i));
    order.emplace_back(ranked[j].score() * (1 + 0.5 * personal), j);
  }
  std::stable_sort(
      order.begin(), order.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [score, j] : order) {
    if (response->items_size() == limit) break;
    v1::RecommendedItem* item = response->add_items();
    *item = std::move(ranked[j]);
    item->set_score(score);
    Describe(snapshot, snapshot.FindItem(item->item_id()), item);
    item->mutable_reason()->set_code(v1::CROSS_SELL);
    if (item->evidence_size() > 0) {
      item->mutable_reason()->set_anchor_item_id(
          item->evidence(0).anchor_item_id());
    }
  }
  if (response->items_size() == 0) {
    // Nothing bought with the cart yet: best sellers of the cart items'
    // categories (look-alikes excluded), then overall, as a fallback.
    absl::flat_hash_set<int32_t> taken;
    for (const auto& [item, unused] : substitutes) taken.insert(item);
    for (const FbtAnchor& a : anchors) taken.insert(a.item);
    for (const FbtAnchor& a : anchors) {
      const std::string& category = snapshot.item(a.item).category();
      for (int32_t i : snapshot.CategoryBestSellers(category)) {
        if (response->items_size() >= limit) break;
        if (!filter->Allows(i) || !taken.insert(i).second) continue;
        v1::RecommendedItem* item = response->add_items();
        Describe(snapshot, i, item);
        item->set_score(static_cast<double>(snapshot.item(i).orders()));
        item->mutable_reason()->set_code(v1::CATEGORY_BEST_SELLER);
        item->mutable_reason()->set_anchor_item_id(snapshot.item_id(a.item));
        item->set_explanation(absl::StrFormat(
            "a best seller in %s (%d orders); nothing is bought with %s yet",
            category, snapshot.item(i).orders(), snapshot.item_id(a.item)));
      }
    }
    AddPopular(snapshot, *filter, limit, &taken, response);
    response->set_fallback(response->items_size() > 0);
  }
  return absl::OkStatus();
}

absl::Status Upsell(const Snapshot& snapshot, const v1::UpsellRequest& request,
                    v1::RecommendationsResponse* response) {
  int limit = 0;
  double low = 0, high = 0;
  absl::Status s = ValidateUpsellRequest(request, &limit, &low, &high);
  if (!s.ok()) return s;
  response->set_snapshot_version(snapshot.version());
  auto customer = LoadCustomer(snapshot, request.customer_id());
  if (!customer.ok()) return customer.status();
  auto filter =
      BoundFilter::Create(snapshot, request.filter(), nullptr,
                          request.customer_id().empty() ? nullptr : &*customer);
  if (!filter.ok()) return filter.status();
  const int32_t anchor =
      snapshot.FindItem(absl::StripAsciiWhitespace(request.item_id()));
  if (anchor < 0) {
    response->add_unknown_item_ids(request.item_id());
    return absl::OkStatus();
  }
  const v1::ItemRecord& base = snapshot.item(anchor);
  if (base.price() <= 0) return absl::OkStatus();  // no price, no "pricier"
  // Candidates: the anchor's category, and its similar items (the only
  // relatives of an item without a category).
  absl::flat_hash_map<int32_t, float> similarity;
  for (const Snapshot::SimilarEdge& e : snapshot.Similar(anchor)) {
    similarity[e.item] = e.similarity;
  }
  // Without a category, "similar" also takes items the same customers buy,
  // and those include the anchor's complements (a teacup's sugar bowl and
  // milk jug): an upsell is an alternative, so an item bought in the same
  // orders as the anchor qualifies only with a similar name (a pricier
  // teacup of the same set does).
  absl::flat_hash_map<int32_t, float> complement_lift;
  absl::flat_hash_map<int32_t, float> title_similarity;
  if (base.category().empty()) {
    for (const Neighbor& nb : snapshot.Fbt(anchor)) {
      complement_lift[nb.item] = nb.lift;
    }
    for (const Snapshot::SimilarEdge& e : snapshot.Similar(anchor)) {
      title_similarity[e.item] = e.title;
    }
  }
  // Only the price band of the category is scanned (items sorted by price).
  std::vector<int32_t> candidates;
  absl::Span<const int32_t> by_price =
      snapshot.CategoryByPrice(base.category());
  auto first = std::lower_bound(
      by_price.begin(), by_price.end(), low * base.price() - 1e-9,
      [&](int32_t i, double p) { return snapshot.item(i).price() < p; });
  for (auto it = first; it != by_price.end() && snapshot.item(*it).price() <=
                                                    high * base.price() + 1e-9;
       ++it) {
    candidates.push_back(*it);
  }
  if (base.category().empty()) {
    for (const auto& [i, sim] : similarity) candidates.push_back(i);
  }
  struct Scored {
    int32_t item;
    double score, personal, ratio;
  };
  // Score = 2 * similarity + 0.3 * popularity + 0.5 * taste. Taste is the
  // costly part (a 64-float dot product) and adds at most 0.5, so it is
  // computed only for candidates that can still reach the top `limit`.
  std::vector<Scored> scored;
  for (int32_t i : candidates) {
    if (i == anchor || !filter->Allows(i)) continue;
    const v1::ItemRecord& rec = snapshot.item(i);
    if (base.category().empty()) {
      // Without a category only the name says what kind of product an item
      // is: an alternative shares words with the anchor's name (the red
      // retrospot tea cup for a Regency teacup), and is not one of its
      // strong co-purchase complements (the Regency sugar bowl: lift 12.5),
      // unless it is a look-alike bought as a set.
      if (!rec.category().empty()) continue;
      const float title = title_similarity[i];
      if (title < kUpsellTitleWithoutCategory) continue;
      auto lift = complement_lift.find(i);
      if (lift != complement_lift.end() &&
          lift->second >= kUpsellComplementLift &&
          title < kLookAlikeTitleWithoutCategory) {
        continue;
      }
    }
    const double ratio = rec.price() / base.price();
    if (ratio < low - 1e-9 || ratio > high + 1e-9) continue;
    auto it = similarity.find(i);
    const double sim = it == similarity.end() ? 0.0 : it->second;
    scored.push_back(
        Scored{i, 2 * sim + 0.3 * snapshot.Popularity(i), 0, ratio});
  }
  if (customer->norm > 0 && !scored.empty()) {
    const size_t k = std::min<size_t>(scored.size(), limit);
    std::nth_element(
        scored.begin(), scored.begin() + (k - 1), scored.end(),
        [](const Scored& a, const Scored& b) { return a.score > b.score; });
    const double reachable = scored[k - 1].score - 0.5;
    for (Scored& c : scored) {
      if (c.score < reachable) continue;
      c.personal = std::max(0.f, Affinity(snapshot, *customer, c.item));
      c.score += 0.5 * c.personal;
    }
  }
  std::stable_sort(
      scored.begin(), scored.end(),
      [](const Scored& a, const Scored& b) { return a.score > b.score; });
  for (const Scored& c : scored) {
    if (response->items_size() == limit) break;
    v1::RecommendedItem* item = response->add_items();
    Describe(snapshot, c.item, item);
    item->set_score(c.score);
    item->mutable_reason()->set_code(v1::UPSELL);
    item->mutable_reason()->set_anchor_item_id(snapshot.item_id(anchor));
    std::string why = absl::StrFormat(
        "a step up from %s: %.2f vs %.2f (%.1fx)%s, %d orders",
        snapshot.item_id(anchor), item->price(), base.price(), c.ratio,
        base.category().empty() ? ""
                                : absl::StrCat(", also in ", base.category()),
        snapshot.item(c.item).orders());
    if (c.personal >= 0.3) absl::StrAppend(&why, "; matches what you buy");
    item->set_explanation(why);
  }
  return absl::OkStatus();
}

namespace {

// What finishes a unary call: records it (transport grpc, latency since
// now) and hands its status to gRPC. Called once, from any thread.
auto CallFinisher(grpc::ServerUnaryReactor* reactor, const char* method) {
  const absl::Time started = absl::Now();
  return [reactor, method, started](const grpc::Status& status) {
    Metrics::Global().Record(method, "grpc",
                             static_cast<absl::StatusCode>(status.error_code()),
                             absl::ToDoubleSeconds(absl::Now() - started));
    reactor->Finish(status);
  };
}

}  // namespace

template <typename Fn>
grpc::ServerUnaryReactor* RecommenderService::Serve(
    grpc::CallbackServerContext* context, const char* method, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto finish = CallFinisher(reactor, method);
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kRead);
  if (!allowed.ok()) {
    finish(allowed);
    return reactor;
  }
  // Runs on a queue worker (or here without a queue). Everything it uses
  // lives until Finish: the context, request and response belong to the
  // call.
  auto run = [this, context, finish, fn]() {
    if (context->deadline() < std::chrono::system_clock::now()) {
      finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "deadline passed before the request started"));
      return;
    }
    std::shared_ptr<const Snapshot> snapshot = holder_->Current();
    if (snapshot == nullptr) {
      finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "no snapshot loaded yet"));
      return;
    }
    finish(ToGrpcStatus(fn(*snapshot)));
  };
  if (queue_ == nullptr) {
    run();
    return reactor;
  }
  const RequestQueue::Refusal refusal = queue_->TrySubmit(run);
  if (refusal != RequestQueue::Refusal::kNone) {
    Metrics::Global().CountRejected(method);
    finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        queue_->RefusalMessage(refusal)));
  }
  return reactor;
}

grpc::ServerUnaryReactor* RecommenderService::SimilarItems(
    grpc::CallbackServerContext* context,
    const v1::SimilarItemsRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, "SimilarItems",
               [request, response](const Snapshot& snapshot) {
                 return boomerang::SimilarItems(snapshot, *request, response);
               });
}

grpc::ServerUnaryReactor* RecommenderService::PersonalPicks(
    grpc::CallbackServerContext* context,
    const v1::PersonalPicksRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, "PersonalPicks",
               [request, response](const Snapshot& snapshot) {
                 return boomerang::PersonalPicks(snapshot, *request, response);
               });
}

grpc::ServerUnaryReactor* RecommenderService::CrossSell(
    grpc::CallbackServerContext* context, const v1::CrossSellRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, "CrossSell",
               [request, response](const Snapshot& snapshot) {
                 return boomerang::CrossSell(snapshot, *request, response);
               });
}

grpc::ServerUnaryReactor* RecommenderService::Upsell(
    grpc::CallbackServerContext* context, const v1::UpsellRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, "Upsell",
               [request, response](const Snapshot& snapshot) {
                 return boomerang::Upsell(snapshot, *request, response);
               });
}

grpc::ServerUnaryReactor* RecommenderService::BuyAgain(
    grpc::CallbackServerContext* context, const v1::BuyAgainRequest* request,
    v1::BuyAgainResponse* response) {
  return Serve(context, "BuyAgain",
               [request, response](const Snapshot& snapshot) {
                 return boomerang::BuyAgain(snapshot, *request, response);
               });
}

grpc::ServerUnaryReactor* RecommenderService::RecordEvents(
    grpc::CallbackServerContext* context,
    const v1::RecordEventsRequest* request,
    v1::RecordEventsResponse* response) {
  // Answered from the event store's writer thread once the events are on
  // disk: no gRPC thread waits for the sync (the store groups the calls that
  // arrive meanwhile into one synced write).
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto finish = CallFinisher(reactor, "RecordEvents");
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kWrite);
  if (!allowed.ok()) {
    finish(allowed);
    return reactor;
  }
  RecordEventsAsync(*request, response, [finish](absl::Status status) {
    finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* RecommenderService::GetCustomerProfile(
    grpc::CallbackServerContext* context,
    const v1::CustomerProfileRequest* request, v1::CustomerProfile* response) {
  return Serve(context, "GetCustomerProfile",
               [request, response](const Snapshot& snapshot) {
                 return boomerang::GetCustomerProfile(snapshot, *request,
                                                      response);
               });
}

grpc::ServerUnaryReactor* RecommenderService::FrequentlyBoughtTogether(
    grpc::CallbackServerContext* context,
    const v1::FrequentlyBoughtTogetherRequest* request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  return Serve(context, "FrequentlyBoughtTogether",
               [request, response](const Snapshot& snapshot) {
                 return boomerang::FrequentlyBoughtTogether(snapshot, *request,
                                                            response);
               });
}

}  // namespace boomerang
