#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "models/list_file.h"

namespace boomerang {
namespace {

constexpr size_t kMinTokenBytes = 16;

std::array<unsigned char, 32> Hash(absl::string_view token) {
  std::array<unsigned char, 32> d;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         d.data());
  return d;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::FromFiles(
    const std::string& read_tokens_file, const std::string& write_tokens_file) {
  auto auth = std::make_unique<Authenticator>();
  for (const auto& [path, out] :
       {std::make_pair(&read_tokens_file, &auth->read_),
        std::make_pair(&write_tokens_file, &auth->write_)}) {
    if (path->empty()) continue;
    auto tokens = ReadListFile(*path);
    if (!tokens.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(*path, ": cannot read the token file"));
    }
    if (tokens->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(*path, ": holds no token (one per line)"));
    }
    for (size_t i = 0; i < tokens->size(); ++i) {
      // The message names the line, never the token.
      if ((*tokens)[i].size() < kMinTokenBytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            *path, ": token ", i + 1, " is shorter than ", kMinTokenBytes,
            " bytes; use a random one, e.g. `openssl rand -hex 32`"));
      }
      out->push_back(Hash((*tokens)[i]));
    }
  }
  return auth;
}

bool Authenticator::Contains(const std::vector<Digest>& set, const Digest& d) {
  bool found = false;
  // Every entry is compared, in constant time, whatever matches.
  for (const Digest& x : set) {
    found |= CRYPTO_memcmp(x.data(), d.data(), d.size()) == 0;
  }
  return found;
}

absl::Status Authenticator::Check(absl::string_view authorization,
                                  Scope needed) const {
  if (!enabled()) return absl::OkStatus();
  authorization = absl::StripAsciiWhitespace(authorization);
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing \"authorization: Bearer <token>\" metadata");
  }
  if (!absl::StartsWithIgnoreCase(authorization, "bearer ")) {
    return absl::UnauthenticatedError(
        "the authorization metadata is not \"Bearer <token>\"");
  }
  const Digest d = Hash(absl::StripAsciiWhitespace(authorization.substr(7)));
  if (Contains(write_, d)) return absl::OkStatus();
  if (Contains(read_, d)) {
    if (needed == Scope::kRead) return absl::OkStatus();
    return absl::PermissionDeniedError(
        "this token may only read; this call needs a write token");
  }
  return absl::UnauthenticatedError("unknown token");
}

}  // namespace boomerang
