// The gRPC service boomerang.v1.Recommender: a thin transport over the
// engine (server/engine/): it authorizes the call, admits it to the request
// queue, takes one View from the engine and calls the use case.
//
// Handlers use gRPC's callback API: each does bounded in-memory work (a few
// block-cache reads of an already warmed snapshot), finishes once and
// returns; nothing blocks on I/O or holds a lock for long.
//
// Thread-safety: thread-safe.
#ifndef BOOMERANG_SERVER_GRPC_RECOMMENDER_SERVICE_H_
#define BOOMERANG_SERVER_GRPC_RECOMMENDER_SERVICE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "server/auth.h"
#include "server/engine/engine.h"
#include "server/request_queue.h"

namespace boomerang {

class RecommenderService final : public v1::Recommender::CallbackService {
 public:
  // REQUIRES: `engine` outlives the service.
  explicit RecommenderService(const Engine* engine) : engine_(engine) {}
  // Calls need a read token from `auth` (null: no authorization). Set
  // before the server starts.
  void set_authenticator(const Authenticator* auth) { auth_ = auth; }
  // Unary calls run on `queue`'s workers and are refused with
  // RESOURCE_EXHAUSTED when it is full (null: run in the handler). Set
  // before the server starts; it must outlive the server's calls.
  void set_request_queue(RequestQueue* queue) { queue_ = queue; }

  grpc::ServerUnaryReactor* FrequentlyBoughtTogether(
      grpc::CallbackServerContext* context,
      const v1::FrequentlyBoughtTogetherRequest* request,
      v1::FrequentlyBoughtTogetherResponse* response) override;
  grpc::ServerUnaryReactor* SimilarItems(
      grpc::CallbackServerContext* context,
      const v1::SimilarItemsRequest* request,
      v1::RecommendationsResponse* response) override;
  grpc::ServerUnaryReactor* PersonalPicks(
      grpc::CallbackServerContext* context,
      const v1::PersonalPicksRequest* request,
      v1::RecommendationsResponse* response) override;
  grpc::ServerUnaryReactor* CrossSell(
      grpc::CallbackServerContext* context, const v1::CrossSellRequest* request,
      v1::RecommendationsResponse* response) override;
  grpc::ServerUnaryReactor* Upsell(
      grpc::CallbackServerContext* context, const v1::UpsellRequest* request,
      v1::RecommendationsResponse* response) override;
  grpc::ServerUnaryReactor* BuyAgain(grpc::CallbackServerContext* context,
                                     const v1::BuyAgainRequest* request,
                                     v1::BuyAgainResponse* response) override;
  // Needs a write token (when tokens are on).
  grpc::ServerUnaryReactor* RecordEvents(
      grpc::CallbackServerContext* context,
      const v1::RecordEventsRequest* request,
      v1::RecordEventsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateItems(
      grpc::CallbackServerContext* context,
      const v1::UpdateItemsRequest* request,
      v1::UpdateItemsResponse* response) override;
  grpc::ServerUnaryReactor* GetCustomerProfile(
      grpc::CallbackServerContext* context,
      const v1::CustomerProfileRequest* request,
      v1::CustomerProfile* response) override;
  // Streams (server/streams.cc): each keeps one snapshot handle for its
  // whole life and does a bounded step of work per message.
  grpc::ServerWriteReactor<v1::DueReplenishmentsResponse>* DueReplenishments(
      grpc::CallbackServerContext* context,
      const v1::DueReplenishmentsRequest* request) override;
  grpc::ServerBidiReactor<v1::StreamPersonalPicksRequest,
                          v1::StreamPersonalPicksResponse>*
  StreamPersonalPicks(grpc::CallbackServerContext* context) override;
  grpc::ServerWriteReactor<v1::AudiencesResponse>* Audiences(
      grpc::CallbackServerContext* context,
      const v1::AudiencesRequest* request) override;

 private:
  // Runs `fn(view)` for one unary call: deadline check, one View for the
  // whole call, status conversion, metrics under `method`.
  template <typename Fn>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  const char* method, Fn fn);

  const Engine* const engine_;
  const Authenticator* auth_ = nullptr;
  RequestQueue* queue_ = nullptr;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_GRPC_RECOMMENDER_SERVICE_H_
