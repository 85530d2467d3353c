#include "server/recommender_service.h"

#include <chrono>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "models/fbt_ranker.h"
#include "models/item_filter.h"
#include "server/request_limits.h"
#include "server/status_util.h"

namespace boomerang {

absl::Status FrequentlyBoughtTogether(
    const Snapshot& snapshot,
    const v1::FrequentlyBoughtTogetherRequest& request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  int limit = 0;
  absl::Status s = ValidateFbtRequest(request, &limit);
  if (!s.ok()) return s;
  auto filter = ItemFilter::Create(request.filter());
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
  absl::flat_hash_set<int32_t> exclude;
  for (const auto* ids :
       {&request.exclude_item_ids(), &request.filter().exclude_item_ids()}) {
    for (const std::string& id : *ids) {
      const int32_t index = snapshot.FindItem(absl::StripAsciiWhitespace(id));
      if (index >= 0) exclude.insert(index);
    }
  }
  auto id_of = [&snapshot](int32_t i) -> absl::string_view {
    return snapshot.item_id(i);
  };
  auto title_of = [&snapshot](int32_t i) -> absl::string_view {
    return snapshot.item(i).title();
  };
  auto allowed = [&snapshot, &exclude, &filter](int32_t i) {
    return !exclude.contains(i) && filter->Allows(snapshot.item(i));
  };
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

grpc::ServerUnaryReactor* RecommenderService::FrequentlyBoughtTogether(
    grpc::CallbackServerContext* context,
    const v1::FrequentlyBoughtTogetherRequest* request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (context->deadline() < std::chrono::system_clock::now()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                 "deadline passed before the request started"));
    return reactor;
  }
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  if (snapshot == nullptr) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot loaded"));
    return reactor;
  }
  reactor->Finish(ToGrpcStatus(
      boomerang::FrequentlyBoughtTogether(*snapshot, *request, response)));
  return reactor;
}

}  // namespace boomerang
