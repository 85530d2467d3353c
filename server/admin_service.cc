#include "server/admin_service.h"

#include "server/grpc_auth.h"
#include "server/status_util.h"

namespace boomerang {

grpc::ServerUnaryReactor* AdminService::GetStatus(
    grpc::CallbackServerContext* context, const v1::GetStatusRequest*,
    v1::ServerStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kRead);
  if (!allowed.ok()) {
    reactor->Finish(allowed);
    return reactor;
  }
  SnapshotManager* manager = manager_.load();
  if (manager == nullptr) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot loaded yet"));
    return reactor;
  }
  *response = manager->Status();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Reload(
    grpc::CallbackServerContext* context, const v1::ReloadRequest*,
    v1::ServerStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kWrite);
  if (!allowed.ok()) {
    reactor->Finish(allowed);
    return reactor;
  }
  SnapshotManager* manager = manager_.load();
  if (manager == nullptr) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot loaded yet"));
    return reactor;
  }
  manager->Reload([reactor, response](const absl::Status& s,
                                      const v1::ServerStatus& status) {
    *response = status;
    reactor->Finish(ToGrpcStatus(s));
  });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Pin(
    grpc::CallbackServerContext* context, const v1::PinRequest* request,
    v1::ServerStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status allowed = AuthorizeCall(*context, auth_, Scope::kWrite);
  if (!allowed.ok()) {
    reactor->Finish(allowed);
    return reactor;
  }
  SnapshotManager* manager = manager_.load();
  if (manager == nullptr) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot loaded yet"));
    return reactor;
  }
  manager->Pin(request->version(),
               [reactor, response](const absl::Status& s,
                                   const v1::ServerStatus& status) {
                 *response = status;
                 reactor->Finish(ToGrpcStatus(s));
               });
  return reactor;
}

}  // namespace boomerang
