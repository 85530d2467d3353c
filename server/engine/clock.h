// What "now" means when a request does not say: one rule for every RPC,
// stream, CLI command and page.
//
// A request's `as_of` (PersonalPicks, BuyAgain, DueReplenishments,
// GetCustomerProfile, StreamPersonalPicks) is the moment it is answered
// for. Unset, it is the server's clock, which by default is the machine's
// time. A historical export (UCI Online Retail ends in 2011) served with the
// machine's time would call every habit years overdue, so the clock can be
// set with `--clock`:
//   system     the machine's time (default; a live shop)
//   data-end   the end of the serving snapshot's data: the start of the UTC
//              day after its last purchase, where its customer models were
//              fitted; it moves with each swapped-in snapshot
//   TIMESTAMP  a fixed moment (ISO 8601, e.g. 2011-12-10), for back-tests
//
// Every answer that depends on the moment reports the one it used (`as_of`
// in the response), so a client never has to guess.
//
// The clock is injected, not global: the server's Engine holds one and
// hands it to every request in its View (server/engine/view.h); tests give
// it a fake machine time (`system_now`).
//
// Thread-safety: a value; const methods are safe from any thread.
#ifndef BOOMERANG_SERVER_ENGINE_CLOCK_H_
#define BOOMERANG_SERVER_ENGINE_CLOCK_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "models/snapshot/snapshot.h"

namespace boomerang {

struct ServingClock {
  enum class Mode { kSystem, kDataEnd, kFixed };
  Mode mode = Mode::kSystem;
  int64_t fixed = 0;  // unix seconds, for kFixed

  // "system", "data-end" or an ISO 8601 moment; INVALID_ARGUMENT otherwise.
  static absl::StatusOr<ServingClock> Parse(absl::string_view spec);
  // For logs and status pages: "system", "data-end", "2011-12-10T00:00:00Z".
  std::string Describe() const;

  // The machine's time, unix seconds: what kSystem answers for and what
  // events are checked against (a fake in tests; null: absl::Now()).
  std::function<int64_t()> system_now;
  int64_t SystemNow() const;

  // "Now" for a request answered from `snapshot`.
  int64_t DefaultAsOf(const Snapshot& snapshot) const;
  // The request's as_of when it has one, DefaultAsOf otherwise.
  int64_t AsOfOr(const Snapshot& snapshot, bool has_as_of,
                 const google::protobuf::Timestamp& as_of) const {
    return has_as_of ? as_of.seconds() : DefaultAsOf(snapshot);
  }
};

// The start of the UTC day after the snapshot's last purchase (0 when the
// manifest has no data end).
int64_t SnapshotDataEnd(const Snapshot& snapshot);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_CLOCK_H_
