#include "server/engine/clock.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/timestamp.h"

namespace boomerang {
absl::StatusOr<ServingClock> ServingClock::Parse(absl::string_view spec) {
  ServingClock c;
  const std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(spec));
  if (s.empty() || s == "system" || s == "now") return c;
  if (s == "data-end" || s == "data_end") {
    c.mode = Mode::kDataEnd;
    return c;
  }
  auto t = ParseTimestamp(absl::StripAsciiWhitespace(spec));
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--clock '", spec,
                     "' is not 'system', 'data-end' or a moment such as "
                     "2011-12-10 (",
                     t.status().message(), ")"));
  }
  c.mode = Mode::kFixed;
  c.fixed = *t;
  return c;
}

std::string ServingClock::Describe() const {
  switch (mode) {
    case Mode::kSystem:
      return "system";
    case Mode::kDataEnd:
      return "data-end";
    case Mode::kFixed:
      return FormatTimestamp(fixed);
  }
  return "system";
}

int64_t SnapshotDataEnd(const Snapshot& snapshot) {
  const int64_t end = snapshot.data_end_seconds();
  return end > 0 ? (end / 86400 + 1) * 86400 : 0;
}

int64_t ServingClock::SystemNow() const {
  return system_now ? system_now() : absl::ToUnixSeconds(absl::Now());
}

int64_t ServingClock::DefaultAsOf(const Snapshot& snapshot) const {
  if (mode == Mode::kFixed) return fixed;
  if (mode == Mode::kDataEnd) {
    const int64_t end = SnapshotDataEnd(snapshot);
    if (end > 0) return end;
  }
  return SystemNow();
}

}  // namespace boomerang
