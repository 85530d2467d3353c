// The CLI's channel to boomerang-server: plaintext or TLS (optionally with
// a client certificate for mutual TLS), and a bearer token sent with every
// call when one is configured.
#ifndef BOOMERANG_TOOLS_CLIENT_CHANNEL_H_
#define BOOMERANG_TOOLS_CLIENT_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace boomerang {

struct ClientChannelOptions {
  std::string target;           // host:port
  std::string token;            // bearer token ("" = none)
  std::string tls_ca;           // PEM file of the server's CA; turns TLS on
  std::string tls_cert;         // client certificate (mutual TLS)
  std::string tls_key;          // client key
  std::string tls_server_name;  // overrides the name checked in the cert
};

// INVALID_ARGUMENT naming the file that cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeClientChannel(
    const ClientChannelOptions& options);

}  // namespace boomerang

#endif  // BOOMERANG_TOOLS_CLIENT_CHANNEL_H_
