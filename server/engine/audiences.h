// The Audiences use case: which customers should get which triggered
// message now (models/rank/triggers.h), over every customer of the serving
// snapshot and every customer known only from live events, with the items,
// their evidence, suggested extra items and a stable message key.
//
// A customer's inputs: their record (snapshot plus live purchases), their
// live events (views, carts, purchases, messages sent; the live view keeps
// the non-purchase ones for LiveView::kBehaviourDays), the item graph and
// the catalog. Entries come in the customers' key order, snapshot
// customers first, then live-only ones; win-back entries last, the most
// valuable customer first (predicted 12-month value).
//
// Thread-safety: AudienceOf is a function of its arguments; an
// AudienceScan is used by one thread at a time.
#ifndef BOOMERANG_SERVER_ENGINE_AUDIENCES_H_
#define BOOMERANG_SERVER_ENGINE_AUDIENCES_H_

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/rank/triggers.h"
#include "server/engine/request_helpers.h"
#include "server/engine/view.h"

namespace boomerang {

struct AudienceSettings {
  int64_t as_of = 0;
  std::array<bool, kTriggers> enabled = {};
  TriggerOptions options;
  std::vector<std::string> segments;
  int max_items = 5;
  int suggestions = 4;  // 0: none
  // Where the entries are measured (request.placement, else "audiences"):
  // the suggestions follow its experiment's arm.
  std::string placement = "audiences";
  v1::Filter filter;
  int batch_size = 256;
  // Built by ValidateAudiencesRequest when missing_complement is asked for
  // (from the request's view and options); null: read per customer.
  std::shared_ptr<const StrongComplements> complements;
};

// Checks the request (INVALID_ARGUMENT naming the field: an unknown
// trigger lists the known ones) and fills the defaults.
absl::Status ValidateAudiencesRequest(const View& view,
                                      const v1::AudiencesRequest& request,
                                      AudienceSettings* settings);

// Per trigger, what a run found and left out (TriggerCount's fields).
struct TriggerTally {
  int64_t entries = 0, quiet = 0, reentry = 0, lower_priority = 0,
          bought_since = 0, out_of_stock = 0, not_in_segment = 0;
};
using AudienceTallies = std::array<TriggerTally, kTriggers>;

// The entry of one customer (at most one trigger: the first in priority
// order that fires and is not suppressed), with suggestions and value;
// false when none. `record`: the snapshot's record (empty for a customer
// it does not know); live purchases are applied here. Every trigger that
// fired or was suppressed is tallied in `tallies`.
bool AudienceOf(const View& view, const AudienceSettings& settings,
                absl::string_view customer_id, v1::CustomerRecord record,
                v1::AudienceEntry* entry, AudienceTallies* tallies);

// A whole run, in bounded steps (the gRPC stream, the HTTP side door, the
// benchmark): Next() returns the next entries, at most batch_size, after
// scanning a bounded number of customers (so progress comes even when few
// customers qualify).
class AudienceScan {
 public:
  AudienceScan(View view, AudienceSettings settings);
  // Fills `out` (cleared first) and the progress; false once everything
  // has been returned (then `out` may still hold the last entries).
  absl::StatusOr<bool> Next(std::vector<v1::AudienceEntry>* out);
  int64_t scanned() const { return scanned_; }
  int64_t total() const;
  // The tallies so far (complete once Next returned false).
  std::vector<v1::TriggerCount> Counts() const;
  const View& view() const { return view_; }
  const AudienceSettings& settings() const { return settings_; }

 private:
  // One block of customers (ids with their snapshot records) through
  // AudienceOf in parallel.
  void RunBlock(std::vector<std::string> ids,
                std::vector<v1::CustomerRecord> records);
  absl::Status ScanSnapshotBlock();
  absl::Status ScanLiveBlock();

  const View view_;
  const AudienceSettings settings_;
  enum class Phase { kSnapshot, kLive, kWinBack, kDone };
  Phase phase_ = Phase::kSnapshot;
  std::string last_key_;
  std::vector<std::string> live_only_;  // after the snapshot phase
  size_t live_next_ = 0;
  int64_t scanned_ = 0;
  std::deque<v1::AudienceEntry> ready_;
  std::vector<v1::AudienceEntry> win_back_;
  AudienceTallies tallies_ = {};
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_AUDIENCES_H_
