// Bearer-token authorization for the gRPC services (and the HTTP side
// door): each call carries "authorization: Bearer <token>"; read tokens
// allow the recommendation RPCs, write tokens allow those and the calls that
// change the server (RecordEvents, Admin Reload and Pin).
//
// Tokens come from files (one per line, '#' comments), not from flags, so
// they never show in `ps` or shell history; only their SHA-256 is kept in
// memory, compared in constant time, and no token is ever logged.
// gRPC's AuthMetadataProcessor would need TLS (it aborts on insecure
// credentials in 1.51), so the handlers check the metadata themselves.
//
// Thread-safety: immutable after FromFiles; Check is thread-safe.
#ifndef BOOMERANG_SERVER_AUTH_H_
#define BOOMERANG_SERVER_AUTH_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace boomerang {

enum class Scope { kRead, kWrite };

class Authenticator {
 public:
  // Either file may be empty (no tokens of that kind). With no tokens at
  // all, authorization is off and every call is allowed. Fails naming the
  // file when it cannot be read or holds a token shorter than 16 bytes.
  static absl::StatusOr<std::unique_ptr<Authenticator>> FromFiles(
      const std::string& read_tokens_file,
      const std::string& write_tokens_file);

  bool enabled() const { return !read_.empty() || !write_.empty(); }

  // `authorization` is the request's "authorization" header value (empty
  // when absent). OK, or UNAUTHENTICATED (missing, malformed or unknown
  // token), or PERMISSION_DENIED (a read token on a write call).
  absl::Status Check(absl::string_view authorization, Scope needed) const;

  int read_tokens() const { return static_cast<int>(read_.size()); }
  int write_tokens() const { return static_cast<int>(write_.size()); }

 private:
  using Digest = std::array<unsigned char, 32>;
  static bool Contains(const std::vector<Digest>& set, const Digest& d);
  std::vector<Digest> read_, write_;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_AUTH_H_
