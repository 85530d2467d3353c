// The gRPC service boomerang.v1.Admin (proto/boomerang/v1/admin.proto): a
// thin layer over SnapshotManager. Reload and Pin finish when the manager's
// thread has finished the attempt; the handler itself never blocks.
//
// Thread-safety: thread-safe.
#ifndef BOOMERANG_SERVER_GRPC_ADMIN_SERVICE_H_
#define BOOMERANG_SERVER_GRPC_ADMIN_SERVICE_H_

#include <atomic>

#include "boomerang/v1/admin.grpc.pb.h"
#include "server/auth.h"
#include "server/engine/engine.h"
#include "server/engine/snapshot_manager.h"

namespace boomerang {

class AdminService final : public v1::Admin::CallbackService {
 public:
  // Calls get UNAVAILABLE until set_manager(); the server binds its port
  // before the first snapshot is loaded.
  AdminService() = default;
  // REQUIRES: `manager` outlives the service's calls.
  void set_manager(SnapshotManager* manager) { manager_.store(manager); }
  // The experiments (reload, status, report). Set before the server starts.
  void set_engine(Engine* engine) { engine_ = engine; }
  // GetStatus needs a read token, Reload and Pin a write token (null: no
  // authorization). Set before the server starts.
  void set_authenticator(const Authenticator* auth) { auth_ = auth; }

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::ServerStatus* response) override;
  grpc::ServerUnaryReactor* Reload(grpc::CallbackServerContext* context,
                                   const v1::ReloadRequest* request,
                                   v1::ServerStatus* response) override;
  grpc::ServerUnaryReactor* Pin(grpc::CallbackServerContext* context,
                                const v1::PinRequest* request,
                                v1::ServerStatus* response) override;
  grpc::ServerUnaryReactor* GetExperimentReport(
      grpc::CallbackServerContext* context,
      const v1::ExperimentReportRequest* request,
      v1::ExperimentReport* response) override;

 private:
  // The call's manager when its token allows `scope` and a snapshot is
  // loaded; otherwise finishes `reactor` with the reason and returns null.
  SnapshotManager* Admit(const grpc::CallbackServerContext& context,
                         Scope scope, grpc::ServerUnaryReactor* reactor) const;
  void AddExperimentStatus(v1::ServerStatus* status) const;
  std::atomic<SnapshotManager*> manager_{nullptr};
  const Authenticator* auth_ = nullptr;
  Engine* engine_ = nullptr;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_GRPC_ADMIN_SERVICE_H_
