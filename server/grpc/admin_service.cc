#include "server/grpc/admin_service.h"

#include "absl/strings/str_cat.h"
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

void AdminService::AddExperimentStatus(v1::ServerStatus* status) const {
  if (engine_ == nullptr) return;
  status->set_experiments(static_cast<int32_t>(
      engine_->experiments().config()->experiments.size()));
  status->set_experiments_error(engine_->experiments().last_error());
}

grpc::ServerUnaryReactor* AdminService::GetExperimentReport(
    grpc::CallbackServerContext* context,
    const v1::ExperimentReportRequest* request,
    v1::ExperimentReport* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  SnapshotManager* manager = Admit(*context, Scope::kRead, reactor);
  if (manager == nullptr) return reactor;
  if (engine_ == nullptr || engine_->event_log() == nullptr) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        "this server keeps no events (start it with --events-dir): nothing "
        "to report"));
    return reactor;
  }
  *response = engine_->experiments().Report(request->placement());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::GetStatus(
    grpc::CallbackServerContext* context, const v1::GetStatusRequest*,
    v1::ServerStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  SnapshotManager* manager = Admit(*context, Scope::kRead, reactor);
  if (manager == nullptr) return reactor;
  *response = manager->Status();
  AddExperimentStatus(response);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Reload(
    grpc::CallbackServerContext* context, const v1::ReloadRequest*,
    v1::ServerStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  SnapshotManager* manager = Admit(*context, Scope::kWrite, reactor);
  if (manager == nullptr) return reactor;
  // The experiments first: a config that does not parse fails the call
  // (the old experiments keep running), as a snapshot that does not load.
  absl::Status experiments =
      engine_ != nullptr ? engine_->experiments().Reload() : absl::OkStatus();
  manager->Reload([this, reactor, response, experiments](
                      const absl::Status& s, const v1::ServerStatus& status) {
    *response = status;
    AddExperimentStatus(response);
    if (!experiments.ok()) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          absl::StrCat("experiments not changed: ", experiments.message())));
      return;
    }
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
