// Server TLS credentials from PEM files, with optional mutual TLS.
#ifndef BOOMERANG_SERVER_TLS_H_
#define BOOMERANG_SERVER_TLS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace boomerang {

// `cert` and `key` are required; `client_ca` is required when
// `require_client_cert` (clients must present a certificate it signed) and
// otherwise optional (then client certificates are verified when sent).
// INVALID_ARGUMENT naming the file that is missing, unreadable or not PEM.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
MakeServerTlsCredentials(const std::string& cert, const std::string& key,
                         const std::string& client_ca,
                         bool require_client_cert);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_TLS_H_
