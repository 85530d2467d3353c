// libFuzzer target: ParseTimestamp (models/timestamp.h), which reads every
// purchase line's timestamp. Besides crashes and sanitizer reports (e.g.
// signed overflow in the offset or digit arithmetic) it checks that a
// timestamp it accepts between the years 1000 and 9999 comes back the same
// through FormatTimestamp (RFC 3339) and ParseTimestamp again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "models/timestamp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // 1000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
  constexpr int64_t kMin = -30610224000;
  constexpr int64_t kMax = 253402300799;
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<int64_t> t = boomerang::ParseTimestamp(text);
  if (!t.ok() || *t < kMin || *t > kMax) return 0;
  const std::string formatted = boomerang::FormatTimestamp(*t);
  absl::StatusOr<int64_t> again = boomerang::ParseTimestamp(formatted);
  if (!again.ok() || *again != *t) {
    std::fprintf(stderr,
                 "timestamp_fuzz: %lld formats as '%s', which parses as %s\n",
                 static_cast<long long>(*t), formatted.c_str(),
                 again.ok() ? std::to_string(*again).c_str()
                            : std::string(again.status().message()).c_str());
    std::abort();
  }
  return 0;
}
