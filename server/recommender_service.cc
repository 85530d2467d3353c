#include "server/recommender_service.h"

#include <chrono>

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
#include "server/request_limits.h"
#include "server/status_util.h"

namespace boomerang {

namespace {

// The request's filter bound to a snapshot: rules plus excluded indices.
class BoundFilter {
 public:
  static absl::StatusOr<BoundFilter> Create(
      const Snapshot& snapshot, const v1::Filter& filter,
      const google::protobuf::RepeatedPtrField<std::string>* more_excluded =
          nullptr) {
    auto rules = ItemFilter::Create(filter);
    if (!rules.ok()) return rules.status();
    BoundFilter f(snapshot, std::move(*rules));
    for (const auto* ids : {&filter.exclude_item_ids(), more_excluded}) {
      if (ids == nullptr) continue;
      for (const std::string& id : *ids) {
        const int32_t index = snapshot.FindItem(absl::StripAsciiWhitespace(id));
        if (index >= 0) f.exclude_.insert(index);
      }
    }
    return f;
  }
  bool Allows(int32_t i) const {
    return !exclude_.contains(i) && rules_.Allows(snapshot_->item(i));
  }

 private:
  BoundFilter(const Snapshot& snapshot, ItemFilter rules)
      : snapshot_(&snapshot), rules_(std::move(rules)) {}
  const Snapshot* snapshot_;
  ItemFilter rules_;
  absl::flat_hash_set<int32_t> exclude_;
};

// Fills the display fields of a returned item from the catalog.
void Describe(const Snapshot& snapshot, int32_t index,
              v1::RecommendedItem* out) {
  const v1::ItemRecord& rec = snapshot.item(index);
  out->set_item_id(snapshot.item_id(index));
  out->set_title(rec.title());
  out->set_category(rec.category());
  out->set_price(rec.price());
}

}  // namespace

absl::Status FrequentlyBoughtTogether(
    const Snapshot& snapshot,
    const v1::FrequentlyBoughtTogetherRequest& request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  int limit = 0;
  absl::Status s = ValidateFbtRequest(request, &limit);
  if (!s.ok()) return s;
  auto filter = BoundFilter::Create(snapshot, request.filter(),
                                    &request.exclude_item_ids());
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
  auto filter = BoundFilter::Create(snapshot, request.filter());
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
  auto filter = BoundFilter::Create(snapshot, request.filter());
  if (!filter.ok()) return filter.status();
  response->set_snapshot_version(snapshot.version());
  const int64_t as_of = request.has_as_of() ? request.as_of().seconds()
                                            : absl::ToUnixSeconds(absl::Now());

  v1::CustomerRecord customer;
  s = snapshot.GetCustomer(absl::StripAsciiWhitespace(request.customer_id()),
                           &customer);
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  std::vector<HistoryItem> history;
  if (s.ok()) {
    for (const v1::CustomerItem& ci : customer.items()) {
      const int32_t i = snapshot.FindItem(ci.item_id());
      if (i < 0) continue;
      history.push_back(HistoryItem{i, ci.orders(), ci.quantity(),
                                    ci.first_purchase(), ci.last_purchase()});
    }
  }
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
      item->set_explanation(absl::StrFormat(
          "you buy this about every %.0f days (%d orders): it's been %.0f",
          p.interval_days, p.orders, p.days_since));
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

template <typename Fn>
grpc::ServerUnaryReactor* RecommenderService::Serve(
    grpc::CallbackServerContext* context, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (context->deadline() < std::chrono::system_clock::now()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                 "deadline passed before the request started"));
    return reactor;
  }
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  if (snapshot == nullptr) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot loaded yet"));
    return reactor;
  }
  reactor->Finish(ToGrpcStatus(fn(*snapshot)));
  return reactor;
}

grpc::ServerUnaryReactor* RecommenderService::SimilarItems(
    grpc::CallbackServerContext* context,
    const v1::SimilarItemsRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, [&](const Snapshot& snapshot) {
    return boomerang::SimilarItems(snapshot, *request, response);
  });
}

grpc::ServerUnaryReactor* RecommenderService::PersonalPicks(
    grpc::CallbackServerContext* context,
    const v1::PersonalPicksRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, [&](const Snapshot& snapshot) {
    return boomerang::PersonalPicks(snapshot, *request, response);
  });
}

grpc::ServerUnaryReactor* RecommenderService::FrequentlyBoughtTogether(
    grpc::CallbackServerContext* context,
    const v1::FrequentlyBoughtTogetherRequest* request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  return Serve(context, [&](const Snapshot& snapshot) {
    return boomerang::FrequentlyBoughtTogether(snapshot, *request, response);
  });
}

}  // namespace boomerang
