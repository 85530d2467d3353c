#include "server/engine/lists.h"

#include <cmath>
#include <limits>
#include <type_traits>

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
#include "models/rank/cross_sell.h"
#include "models/rank/customer_history.h"
#include "models/rank/picks_features.h"
#include "models/rank/picks_ranker.h"
#include "models/rank/popular.h"
#include "models/rank/similar.h"
#include "models/rank/upsell.h"
#include "models/rank/view_boost.h"
#include "server/engine/clock.h"
#include "server/engine/experiments.h"
#include "server/engine/request_helpers.h"
#include "server/engine/request_limits.h"
#include "server/engine/retention.h"

namespace boomerang {

using internal::Affinity;
using internal::BoundFilter;
using internal::Customer;
using internal::Days;
using internal::LoadCustomer;

namespace {

// The request's filter (and, when known, the customer's taste) as the
// rankers of models/rank/ take them.
RankContext Context(const BoundFilter& filter,
                    const Snapshot* snapshot = nullptr,
                    const Customer* customer = nullptr) {
  const bool taste =
      snapshot != nullptr && customer != nullptr && customer->norm > 0;
  return RankContext{[&filter](int32_t i) { return filter.Allows(i); },
                     [snapshot, customer, taste](int32_t i) {
                       return taste ? Affinity(*snapshot, *customer, i) : 0.f;
                     },
                     taste};
}

// The learned ranker's input for one customer: the rows (candidates and
// features) as PersonalPicks scores them, and the history they index.
struct LearnedInput {
  v1::CustomerRecord cut;  // the record before as_of, when back-dated
  std::vector<HistoryItem> cut_history;
  absl::Span<const HistoryItem> history;
  std::vector<PicksRow> rows;
};

// Fills `in` for `customer` (loaded with timing). `als`: their ALS
// candidates, best first (the ranker was trained on
// picks_candidates.als of them; more only where a list would not fill).
void CollectLearnedRows(const View& view, const Customer& customer,
                        const BoundFilter& filter,
                        absl::Span<const PicksCandidate> als, int64_t as_of,
                        LearnedInput* in) {
  const Snapshot& snapshot = view.snapshot();
  const RankingOptions& o = view.ranking();
  // A request back in time (as_of before their last order): the customer
  // as they were then, as the ranker was trained (RecordBefore).
  const v1::CustomerRecord* record = &customer.record;
  in->history = customer.history;
  if (record->order_times_size() > 0 &&
      record->order_times(record->order_times_size() - 1) > as_of) {
    in->cut = RecordBefore(*record, as_of + 1);
    HistoryFromRecord(snapshot, in->cut, &in->cut_history);
    TimeHistory(snapshot, in->cut, &in->cut_history);
    record = &in->cut;
    in->history = in->cut_history;
  }
  const std::vector<absl::Span<const int64_t>> times =
      PurchaseTimes(snapshot, *record, in->history);
  PicksCustomer c;
  c.history = in->history;
  c.order_times = absl::MakeConstSpan(record->order_times().data(),
                                      record->order_times_size());
  c.purchase_times = times;
  c.als = als;
  c.as_of = as_of;
  PicksCandidateOptions candidate_options = o.picks_candidates;
  candidate_options.lapse = o.picks.lapse;  // one rule for both rankings
  const bool has_vector = customer.norm > 0;
  const float* u = customer.record.vector().data();
  in->rows = CollectPicksCandidates(
      snapshot, c,
      [&](int32_t i) {
        return has_vector ? snapshot.ItemDot(u, i)
                          : std::numeric_limits<float>::quiet_NaN();
      },
      [&](int32_t a, int32_t b) { return snapshot.ItemCosine(a, b); },
      [&](int32_t i) { return filter.Allows(i); }, candidate_options);
}

// Whether PersonalPicks (and BuyAgain's order) use the learned ranker for
// this customer: the snapshot has one, the options allow it, and the
// customer has a history (else the best-seller fallback).
bool UsesLearnedRanker(const View& view, const Customer& customer) {
  return view.snapshot().picks_ranker() != nullptr &&
         view.ranking().learned_picks && !customer.history.empty();
}

// The `k` items nearest to the customer's ALS vector, best first (none
// without a vector).
absl::Status AlsCandidates(const Snapshot& snapshot,
                           const v1::CustomerRecord& record, int k,
                           std::vector<PicksCandidate>* out) {
  if (record.vector_size() != snapshot.dim() || snapshot.dim() == 0) {
    return absl::OkStatus();
  }
  std::vector<int64_t> ids;
  std::vector<float> scores;
  absl::Status s = snapshot.SearchItems(record.vector(), k, &ids, &scores);
  for (size_t j = 0; s.ok() && j < ids.size(); ++j) {
    if (ids[j] >= 0) {
      out->push_back(PicksCandidate{static_cast<int32_t>(ids[j]), scores[j]});
    }
  }
  return s;
}

// PersonalPicks' ranking: the snapshot's learned ranker when it has one
// (and the ranking options allow it), else the hand-set weights.
absl::StatusOr<std::vector<Pick>> RankPicks(
    const View& view, const Customer& customer, const BoundFilter& filter,
    absl::Span<const PicksCandidate> als, int64_t as_of, PicksMode mode,
    int limit) {
  const Snapshot& snapshot = view.snapshot();
  const RankingOptions& o = view.ranking();
  auto cosine = [&](int32_t a, int32_t b) { return snapshot.ItemCosine(a, b); };
  if (!UsesLearnedRanker(view, customer)) {
    return RankPersonalPicks(
        customer.history, als, as_of, mode, limit,
        [&](int32_t i) { return filter.Allows(i); }, cosine, o.picks);
  }
  LearnedInput in;
  CollectLearnedRows(view, customer, filter, als, as_of, &in);
  return RankLearnedPicks(*snapshot.picks_ranker(), in.rows, in.history, as_of,
                          mode, limit, cosine, o.picks_scoring);
}

}  // namespace

absl::Status RankedFrequentlyBoughtTogether(
    const View& view, const v1::FrequentlyBoughtTogetherRequest& request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  const Snapshot& snapshot = view.snapshot();
  // Live prices, stock and new items (catalog_view.h).
  const ItemGraph& items = view.items();
  int limit = 0;
  absl::Status s = ValidateFbtRequest(request, &limit);
  if (!s.ok()) return s;
  auto customer = LoadCustomer(view, request.customer_id());
  if (!customer.ok()) return customer.status();
  auto filter =
      BoundFilter::Create(view, request.filter(), &request.exclude_item_ids(),
                          request.customer_id().empty() ? nullptr : &*customer);
  if (!filter.ok()) return filter.status();
  response->set_snapshot_version(snapshot.version());

  absl::InlinedVector<FbtAnchor, 4> anchors;
  for (const std::string& id : request.item_ids()) {
    // Ids are stored trimmed (the indexer strips spaces around fields).
    const int32_t index = items.FindItem(absl::StripAsciiWhitespace(id));
    if (index < 0) {
      response->add_unknown_item_ids(id);
      continue;
    }
    bool seen = false;  // a cart may name an item twice
    for (const FbtAnchor& a : anchors) seen = seen || a.item == index;
    if (seen) continue;
    anchors.push_back(
        FbtAnchor{index, items.fbt_anchor_orders(index), items.Fbt(index)});
  }
  response->set_all_items_unknown(anchors.empty());
  auto id_of = [&items](int32_t i) -> absl::string_view {
    return items.item_id(i);
  };
  auto title_of = [&items](int32_t i) -> absl::string_view {
    return items.item(i).title();
  };
  auto allowed = [&filter](int32_t i) { return filter->Allows(i); };
  RankFrequentlyBoughtTogether(anchors, allowed, limit,
                               FbtItemNames{id_of, title_of},
                               response->mutable_items());
  for (v1::RecommendedItem& item : *response->mutable_items()) {
    const v1::ItemRecord& rec = items.item(items.FindItem(item.item_id()));
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

absl::Status RankedSimilarItems(const View& view,
                                const v1::SimilarItemsRequest& request,
                                v1::RecommendationsResponse* response) {
  const Snapshot& snapshot = view.snapshot();
  int limit = 0;
  absl::Status s = ValidateSimilarRequest(request, &limit);
  if (!s.ok()) return s;
  auto customer = LoadCustomer(view, request.customer_id());
  if (!customer.ok()) return customer.status();
  auto filter =
      BoundFilter::Create(view, request.filter(), nullptr,
                          request.customer_id().empty() ? nullptr : &*customer);
  if (!filter.ok()) return filter.status();
  response->set_snapshot_version(snapshot.version());
  const int32_t anchor =
      view.items().FindItem(absl::StripAsciiWhitespace(request.item_id()));
  if (anchor < 0) {
    response->add_unknown_item_ids(request.item_id());
    return absl::OkStatus();
  }
  response->set_fallback(RankSimilar(view.items(), anchor, Context(*filter),
                                     limit, view.ranking().similar,
                                     response->mutable_items()));
  return absl::OkStatus();
}

absl::Status RankedPersonalPicks(const View& view,
                                 const v1::PersonalPicksRequest& request,
                                 v1::RecommendationsResponse* response) {
  const Snapshot& snapshot = view.snapshot();
  const ItemGraph& items = view.items();
  int limit = 0;
  absl::Status s = ValidatePicksRequest(request, &limit);
  if (!s.ok()) return s;
  response->set_snapshot_version(snapshot.version());
  const int64_t as_of = view.AsOfOr(request.has_as_of(), request.as_of());
  response->mutable_as_of()->set_seconds(as_of);
  auto loaded =
      LoadCustomer(view, request.customer_id(), /*with_timing=*/true,
                   request.has_as_of() ? request.as_of().seconds() : 0);
  if (!loaded.ok()) return loaded.status();
  auto filter =
      BoundFilter::Create(view, request.filter(), nullptr, &*loaded, as_of);
  if (!filter.ok()) return filter.status();
  const v1::CustomerRecord& customer = loaded->record;
  const std::vector<HistoryItem>& history = loaded->history;
  std::vector<PicksCandidate> candidates;
  if (request.mode() != v1::PersonalPicksRequest::REPEAT_ONLY) {
    // The hand-weighted ranking needs enough candidates to survive the
    // filter and the already-bought items.
    const RankingOptions& o = view.ranking();
    const int wide = std::min<int>(o.picks_max_candidates,
                                   o.picks_candidates_per_item * limit +
                                       static_cast<int>(history.size()) +
                                       o.picks_candidate_margin);
    // The learned ranker scores the customer's items and picks_candidates.als
    // ALS neighbours, as it was trained; a list of new items only, or a long
    // one, would not fill from those (the neighbours are mostly bought
    // items): then it scores as many as the hand-set weights take.
    const bool few =
        request.mode() == v1::PersonalPicksRequest::NEW_ONLY || limit > 20;
    const int k = !UsesLearnedRanker(view, *loaded) ? wide
                  : few ? std::max(wide, o.picks_candidates.als)
                        : o.picks_candidates.als;
    s = AlsCandidates(snapshot, customer, k, &candidates);
    if (!s.ok()) return s;
  }
  // What they looked at since the snapshot steers the new items.
  if (!loaded->live.views.empty() &&
      request.mode() != v1::PersonalPicksRequest::REPEAT_ONLY) {
    std::vector<int32_t> views;
    for (const std::string& id : loaded->live.views) {
      views.push_back(snapshot.FindItem(id));
    }
    BoostByViews(snapshot, views, view.ranking().view_boost, &candidates);
  }
  const PicksMode mode =
      request.mode() == v1::PersonalPicksRequest::NEW_ONLY ? PicksMode::kNewOnly
      : request.mode() == v1::PersonalPicksRequest::REPEAT_ONLY
          ? PicksMode::kRepeatOnly
          : PicksMode::kMixed;
  auto ranked =
      RankPicks(view, *loaded, *filter, candidates, as_of, mode, limit);
  if (!ranked.ok()) return ranked.status();
  const std::vector<Pick>& picks = *ranked;
  absl::flat_hash_set<int32_t> taken;
  for (const Pick& p : picks) {
    taken.insert(p.item);
    v1::RecommendedItem* item = response->add_items();
    DescribeItem(items, p.item, item);
    item->set_score(p.score);
    if (p.kind == Pick::kBuyAgain) {
      item->mutable_reason()->set_code(v1::BUY_AGAIN);
      item->mutable_reason()->set_anchor_item_id(snapshot.item_id(p.item));
      // The interval is BuyAgain's (one repurchase model), so the two
      // never give the same item two different cycles.
      item->set_explanation(
          p.interval_days <= 0
              ? absl::StrCat("you bought this ", Days(p.days_since), " ago")
          : p.own_cycle
              ? absl::StrFormat(
                    "you buy this about every %s (%d orders): it's been %s",
                    Days(p.interval_days), p.orders, Days(p.days_since))
              : absl::StrFormat("its buyers re-buy it about every %s; you "
                                "bought it %s ago",
                                Days(p.interval_days), Days(p.days_since)));
    } else if (p.kind == Pick::kBoughtWith) {
      const std::string& anchor = snapshot.item_id(p.anchor);
      item->mutable_reason()->set_code(v1::BOUGHT_TOGETHER);
      item->mutable_reason()->set_anchor_item_id(anchor);
      const std::string& title = items.item(p.anchor).title();
      item->set_explanation(absl::StrCat(
          "often bought with ", anchor, title.empty() ? "" : " (" + title + ")",
          ", which you ordered recently"));
    } else if (p.kind == Pick::kPopular) {
      item->mutable_reason()->set_code(v1::POPULAR);
      item->set_explanation("a best seller right now");
    } else {
      item->mutable_reason()->set_code(v1::BECAUSE_YOU_BOUGHT);
      if (p.anchor >= 0) {
        const std::string& anchor = snapshot.item_id(p.anchor);
        item->mutable_reason()->set_anchor_item_id(anchor);
        const std::string& title = items.item(p.anchor).title();
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
    AddPopular(items, Context(*filter), limit, &taken,
               response->mutable_items());
    response->set_fallback(true);
  }
  return absl::OkStatus();
}

absl::Status RankedCrossSell(const View& view,
                             const v1::CrossSellRequest& request,
                             v1::RecommendationsResponse* response) {
  const Snapshot& snapshot = view.snapshot();
  // Only the customer named: their live cart (RecordEvents) is the cart.
  if (request.item_ids().empty() && !request.customer_id().empty()) {
    auto customer = LoadCustomer(view, request.customer_id());
    if (!customer.ok()) return customer.status();
    if (!customer->live.cart.empty()) {
      v1::CrossSellRequest with_cart = request;
      for (const std::string& item : customer->live.cart) {
        with_cart.add_item_ids(item);
      }
      return CrossSell(view, with_cart, response);
    }
  }
  int limit = 0;
  absl::Status s = ValidateCrossSellRequest(request, &limit);
  if (!s.ok()) return s;
  response->set_snapshot_version(snapshot.version());
  auto customer = LoadCustomer(view, request.customer_id());
  if (!customer.ok()) return customer.status();
  auto filter =
      BoundFilter::Create(view, request.filter(), nullptr,
                          request.customer_id().empty() ? nullptr : &*customer);
  if (!filter.ok()) return filter.status();
  absl::InlinedVector<int32_t, 4> cart;
  for (const std::string& id : request.item_ids()) {
    const int32_t index = view.items().FindItem(absl::StripAsciiWhitespace(id));
    if (index < 0) {
      response->add_unknown_item_ids(id);
      continue;
    }
    // A cart may name an item twice.
    if (std::find(cart.begin(), cart.end(), index) == cart.end()) {
      cart.push_back(index);
    }
  }
  response->set_fallback(RankCrossSell(
      view.items(), cart, Context(*filter, &snapshot, &*customer), limit,
      view.ranking().cross_sell, response->mutable_items()));
  return absl::OkStatus();
}

absl::Status RankedUpsell(const View& view, const v1::UpsellRequest& request,
                          v1::RecommendationsResponse* response) {
  const Snapshot& snapshot = view.snapshot();
  int limit = 0;
  double low = 0, high = 0;
  absl::Status s = ValidateUpsellRequest(request, &limit, &low, &high);
  if (!s.ok()) return s;
  response->set_snapshot_version(snapshot.version());
  auto customer = LoadCustomer(view, request.customer_id());
  if (!customer.ok()) return customer.status();
  auto filter =
      BoundFilter::Create(view, request.filter(), nullptr,
                          request.customer_id().empty() ? nullptr : &*customer);
  if (!filter.ok()) return filter.status();
  const int32_t anchor =
      view.items().FindItem(absl::StripAsciiWhitespace(request.item_id()));
  if (anchor < 0) {
    response->add_unknown_item_ids(request.item_id());
    return absl::OkStatus();
  }
  RankUpsell(view.items(), anchor, low, high,
             Context(*filter, &snapshot, &*customer), limit,
             view.ranking().upsell, response->mutable_items());
  return absl::OkStatus();
}

absl::StatusOr<absl::flat_hash_map<int32_t, float>> LearnedRepeatScores(
    const View& view, Customer* customer, int64_t as_of,
    const internal::BoundFilter& filter) {
  absl::flat_hash_map<int32_t, float> out;
  if (!UsesLearnedRanker(view, *customer)) return out;
  EstimateTiming(view.snapshot(), customer);
  // The rows PersonalPicks would score (ALS candidates included: they set
  // features of the customer's own items too), then their own items.
  std::vector<PicksCandidate> als;
  absl::Status s = AlsCandidates(view.snapshot(), customer->record,
                                 view.ranking().picks_candidates.als, &als);
  if (!s.ok()) return s;
  LearnedInput in;
  CollectLearnedRows(view, *customer, filter, als, as_of, &in);
  std::vector<PicksRow> own;
  for (const PicksRow& r : in.rows) {
    if (r.history_index >= 0) own.push_back(r);
  }
  std::vector<float> scores;
  s = view.snapshot().picks_ranker()->Score(own, &scores);
  if (!s.ok()) return s;
  for (size_t k = 0; k < own.size(); ++k) out[own[k].item] = scores[k];
  return out;
}

namespace {

// The ids a request names: a best-seller list never returns them.
template <typename Request>
std::vector<std::string> NamedItems(const Request& request) {
  std::vector<std::string> ids;
  if constexpr (std::is_same_v<Request, v1::FrequentlyBoughtTogetherRequest>) {
    ids.assign(request.item_ids().begin(), request.item_ids().end());
    ids.insert(ids.end(), request.exclude_item_ids().begin(),
               request.exclude_item_ids().end());
  } else if constexpr (std::is_same_v<Request, v1::CrossSellRequest>) {
    ids.assign(request.item_ids().begin(), request.item_ids().end());
  } else if constexpr (std::is_same_v<Request, v1::SimilarItemsRequest> ||
                       std::is_same_v<Request, v1::UpsellRequest>) {
    ids.push_back(request.item_id());
  }
  return ids;
}

// The baseline arm: best sellers through the request's filter, whatever
// the placement.
template <typename Request>
absl::Status BestSellers(
    const View& view, const Request& request,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* items) {
  items->Clear();
  Customer customer;
  if (request.filter().exclude_purchased()) {
    auto loaded = LoadCustomer(view, request.customer_id());
    if (!loaded.ok()) return loaded.status();
    customer = std::move(*loaded);
  }
  auto filter =
      BoundFilter::Create(view, request.filter(), nullptr,
                          request.customer_id().empty() ? nullptr : &customer);
  if (!filter.ok()) return filter.status();
  absl::flat_hash_set<int32_t> taken;
  for (const std::string& id : NamedItems(request)) {
    const int32_t i = view.items().FindItem(absl::StripAsciiWhitespace(id));
    if (i >= 0) taken.insert(i);
  }
  const int limit = request.limit() > 0 ? request.limit() : 10;
  AddPopular(view.items(), Context(*filter), limit, &taken, items);
  return absl::OkStatus();
}

// Serves a list request under its placement's experiment arm: the ranker
// with the arm's options, best sellers, or nothing (a hold-out); every
// answer carries its Tracking. The ranker runs for every arm, so that a
// bad request fails the same way in each.
template <typename Request, typename Response, typename Rank>
absl::Status ServeArm(const View& view, absl::string_view rpc_placement,
                      const Request& request, Response* response, Rank rank) {
  auto arm = ChooseArm(view, rpc_placement, request.placement(),
                       request.customer_id(), request.session_id());
  if (!arm.ok()) return arm.status();
  View arm_view = view;
  if (arm->ranking != nullptr) arm_view.options = arm->ranking;
  absl::Status s = rank(arm_view, request, response);
  if (!s.ok()) return s;
  switch (arm->kind) {
    case experiments::ArmKind::kRanker:
      break;
    case experiments::ArmKind::kHoldout:
      response->clear_items();
      break;
    case experiments::ArmKind::kBestSellers:
      s = BestSellers(view, request, response->mutable_items());
      if (!s.ok()) return s;
      if constexpr (!std::is_same_v<Response,
                                    v1::FrequentlyBoughtTogetherResponse>) {
        response->set_fallback(false);
      }
      break;
  }
  *response->mutable_tracking() = std::move(arm->tracking);
  return absl::OkStatus();
}

}  // namespace

absl::Status FrequentlyBoughtTogether(
    const View& view, const v1::FrequentlyBoughtTogetherRequest& request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  return ServeArm(view, "frequently_bought_together", request, response,
                  RankedFrequentlyBoughtTogether);
}

absl::Status SimilarItems(const View& view,
                          const v1::SimilarItemsRequest& request,
                          v1::RecommendationsResponse* response) {
  return ServeArm(view, "similar_items", request, response, RankedSimilarItems);
}

absl::Status PersonalPicks(const View& view,
                           const v1::PersonalPicksRequest& request,
                           v1::RecommendationsResponse* response) {
  return ServeArm(view, "personal_picks", request, response,
                  RankedPersonalPicks);
}

absl::Status CrossSell(const View& view, const v1::CrossSellRequest& request,
                       v1::RecommendationsResponse* response) {
  return ServeArm(view, "cross_sell", request, response, RankedCrossSell);
}

absl::Status Upsell(const View& view, const v1::UpsellRequest& request,
                    v1::RecommendationsResponse* response) {
  return ServeArm(view, "upsell", request, response, RankedUpsell);
}

}  // namespace boomerang
