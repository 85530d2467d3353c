// Authorization of a gRPC call from its "authorization" metadata.
#ifndef BOOMERANG_SERVER_GRPC_GRPC_AUTH_H_
#define BOOMERANG_SERVER_GRPC_GRPC_AUTH_H_

#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"
#include "server/auth.h"
#include "server/grpc/status_util.h"

namespace boomerang {

// OK when `auth` is null or allows the call's token for `scope`.
inline grpc::Status AuthorizeCall(const grpc::CallbackServerContext& context,
                                  const Authenticator* auth, Scope scope) {
  if (auth == nullptr || !auth->enabled()) return grpc::Status::OK;
  absl::string_view header;
  const auto& md = context.client_metadata();
  auto it = md.find("authorization");
  if (it != md.end())
    header = absl::string_view(it->second.data(), it->second.size());
  return ToGrpcStatus(auth->Check(header, scope));
}

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_GRPC_GRPC_AUTH_H_
