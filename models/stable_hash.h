// A 64-bit hash that is the same on every machine, build and run (absl::Hash
// is seeded per process): seeded samples of the indexer and sticky
// experiment assignment.
#ifndef BOOMERANG_MODELS_STABLE_HASH_H_
#define BOOMERANG_MODELS_STABLE_HASH_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace boomerang {

// FNV-1a over the bytes, `mix` xor-ed in, then the SplitMix64 finaliser
// (FNV alone spreads similar ids poorly in its high bits).
inline uint64_t StableHash(absl::string_view bytes, uint64_t mix = 0) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  h ^= mix;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_STABLE_HASH_H_
