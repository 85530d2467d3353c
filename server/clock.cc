#include "server/clock.h"

#include <atomic>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/timestamp.h"

namespace boomerang {
namespace {

// Two atomics rather than a mutex: read on every request. A torn read
// (mode of one clock, time of another) cannot happen in practice, since the
// clock is set before serving starts.
std::atomic<int> g_mode{static_cast<int>(ServingClock::Mode::kSystem)};
std::atomic<int64_t> g_fixed{0};

}  // namespace

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

void SetServingClock(const ServingClock& clock) {
  g_fixed.store(clock.fixed);
  g_mode.store(static_cast<int>(clock.mode));
}

ServingClock GetServingClock() {
  ServingClock c;
  c.mode = static_cast<ServingClock::Mode>(g_mode.load());
  c.fixed = g_fixed.load();
  return c;
}

int64_t SnapshotDataEnd(const Snapshot& snapshot) {
  const int64_t end = snapshot.data_end_seconds();
  return end > 0 ? (end / 86400 + 1) * 86400 : 0;
}

int64_t DefaultAsOf(const Snapshot& snapshot) {
  const ServingClock c = GetServingClock();
  if (c.mode == ServingClock::Mode::kFixed) return c.fixed;
  if (c.mode == ServingClock::Mode::kDataEnd) {
    const int64_t end = SnapshotDataEnd(snapshot);
    if (end > 0) return end;
  }
  return absl::ToUnixSeconds(absl::Now());
}

int64_t AsOfOr(const Snapshot& snapshot, bool has_as_of,
               const google::protobuf::Timestamp& as_of) {
  return has_as_of ? as_of.seconds() : DefaultAsOf(snapshot);
}

}  // namespace boomerang
