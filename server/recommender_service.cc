#include "server/recommender_service.h"

#include <chrono>

#include "absl/container/flat_hash_set.h"
#include "models/fbt_ranker.h"
#include "server/request_limits.h"
#include "server/status_util.h"

namespace boomerang {

absl::Status FrequentlyBoughtTogether(
    const Snapshot& snapshot, const v1::FrequentlyBoughtTogetherRequest& request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  int limit = 0;
  absl::Status s = ValidateFbtRequest(request, &limit);
  if (!s.ok()) return s;
  response->set_snapshot_version(snapshot.version());

  // Lists live in `lists` (stable addresses: reserved up front).
  std::vector<v1::FbtList> lists;
  lists.reserve(request.item_ids_size());
  std::vector<FbtAnchor> anchors;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : request.item_ids()) {
    if (!seen.insert(id).second) continue;  // a cart may name an item twice
    if (snapshot.FindItem(id) == nullptr) {
      response->add_unknown_item_ids(id);
      continue;
    }
    v1::FbtList& list = lists.emplace_back();
    s = snapshot.GetFbt(id, &list);
    if (absl::IsNotFound(s)) {
      list.Clear();  // a known item nobody bought with anything: no list
    } else if (!s.ok()) {
      return s;
    }
    anchors.push_back(FbtAnchor{id, &list});
  }
  response->set_all_items_unknown(anchors.empty());
  absl::flat_hash_set<std::string> exclude(request.exclude_item_ids().begin(),
                                           request.exclude_item_ids().end());
  RankFrequentlyBoughtTogether(
      anchors, exclude, limit,
      [&snapshot](const std::string& id) {
        const v1::ItemRecord* rec = snapshot.FindItem(id);
        return rec == nullptr ? std::string() : rec->title();
      },
      response->mutable_items());
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
  reactor->Finish(
      ToGrpcStatus(boomerang::FrequentlyBoughtTogether(*snapshot, *request, response)));
  return reactor;
}

}  // namespace boomerang
