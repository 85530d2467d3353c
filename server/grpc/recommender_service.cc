#include "server/grpc/recommender_service.h"

#include <chrono>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/engine/lists.h"
#include "server/engine/live_events.h"
#include "server/engine/retention.h"
#include "server/grpc/grpc_auth.h"
#include "server/grpc/status_util.h"
#include "server/metrics.h"

namespace boomerang {

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
    absl::StatusOr<View> view = engine_->Acquire();
    if (!view.ok()) {
      finish(ToGrpcStatus(view.status()));
      return;
    }
    finish(ToGrpcStatus(fn(*view)));
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
  return Serve(context, "SimilarItems", [request, response](const View& view) {
    return boomerang::SimilarItems(view, *request, response);
  });
}

grpc::ServerUnaryReactor* RecommenderService::PersonalPicks(
    grpc::CallbackServerContext* context,
    const v1::PersonalPicksRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, "PersonalPicks", [request, response](const View& view) {
    return boomerang::PersonalPicks(view, *request, response);
  });
}

grpc::ServerUnaryReactor* RecommenderService::CrossSell(
    grpc::CallbackServerContext* context, const v1::CrossSellRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, "CrossSell", [request, response](const View& view) {
    return boomerang::CrossSell(view, *request, response);
  });
}

grpc::ServerUnaryReactor* RecommenderService::Upsell(
    grpc::CallbackServerContext* context, const v1::UpsellRequest* request,
    v1::RecommendationsResponse* response) {
  return Serve(context, "Upsell", [request, response](const View& view) {
    return boomerang::Upsell(view, *request, response);
  });
}

grpc::ServerUnaryReactor* RecommenderService::BuyAgain(
    grpc::CallbackServerContext* context, const v1::BuyAgainRequest* request,
    v1::BuyAgainResponse* response) {
  return Serve(context, "BuyAgain", [request, response](const View& view) {
    return boomerang::BuyAgain(view, *request, response);
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
  engine_->RecordEventsAsync(*request, response, [finish](absl::Status status) {
    finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* RecommenderService::UpdateItems(
    grpc::CallbackServerContext* context, const v1::UpdateItemsRequest* request,
    v1::UpdateItemsResponse* response) {
  // As RecordEvents: answered from the log's writer thread once durable.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto finish = CallFinisher(reactor, "UpdateItems");
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kWrite);
  if (!allowed.ok()) {
    finish(allowed);
    return reactor;
  }
  engine_->UpdateItemsAsync(*request, response, [finish](absl::Status status) {
    finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* RecommenderService::GetCustomerProfile(
    grpc::CallbackServerContext* context,
    const v1::CustomerProfileRequest* request, v1::CustomerProfile* response) {
  return Serve(context, "GetCustomerProfile",
               [request, response](const View& view) {
                 return boomerang::GetCustomerProfile(view, *request, response);
               });
}

grpc::ServerUnaryReactor* RecommenderService::FrequentlyBoughtTogether(
    grpc::CallbackServerContext* context,
    const v1::FrequentlyBoughtTogetherRequest* request,
    v1::FrequentlyBoughtTogetherResponse* response) {
  return Serve(context, "FrequentlyBoughtTogether",
               [request, response](const View& view) {
                 return boomerang::FrequentlyBoughtTogether(view, *request,
                                                            response);
               });
}

}  // namespace boomerang
