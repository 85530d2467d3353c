// The one place where absl::Status becomes grpc::Status.
#ifndef BOOMERANG_SERVER_GRPC_STATUS_UTIL_H_
#define BOOMERANG_SERVER_GRPC_STATUS_UTIL_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace boomerang {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_GRPC_STATUS_UTIL_H_
