#include "server/grpc/admin_service.h"

#include "server/grpc/grpc_auth.h"
#include "server/grpc/status_util.h"

namespace boomerang {

SnapshotManager* AdminService::Admit(const grpc::CallbackServerContext& context,
                                     Scope scope,
                                     grpc::ServerUnaryReactor* reactor) const {
  grpc::Status allowed = AuthorizeCall(context, auth_, scope);
  if (!allowed.ok()) {
    reactor->Finish(allowed);
    return nullptr;
  }
  SnapshotManager* manager = manager_.load();
  if (manager == nullptr) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "no snapshot loaded yet"));
  }
  return manager;
}

grpc::ServerUnaryReactor* AdminService::GetStatus(
    grpc::CallbackServerContext* context, const v1::GetStatusRequest*,
    v1::ServerStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  SnapshotManager* manager = Admit(*context, Scope::kRead, reactor);
  if (manager == nullptr) return reactor;
  *response = manager->Status();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Reload(
    grpc::CallbackServerContext* context, const v1::ReloadRequest*,
    v1::ServerStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  SnapshotManager* manager = Admit(*context, Scope::kWrite, reactor);
  if (manager == nullptr) return reactor;
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
  SnapshotManager* manager = Admit(*context, Scope::kWrite, reactor);
  if (manager == nullptr) return reactor;
  manager->Pin(request->version(),
               [reactor, response](const absl::Status& s,
                                   const v1::ServerStatus& status) {
                 *response = status;
                 reactor->Finish(ToGrpcStatus(s));
               });
  return reactor;
}

}  // namespace boomerang
