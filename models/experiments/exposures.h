// What the lists earned (issue 14): the server's running count of
// impressions, clicks, attributed cart adds and purchases per placement,
// experiment and arm, fed with the events of the log (IMPRESSION, CLICK,
// ADD_TO_CART, PURCHASE; others are ignored), and the report built from it
// (report.h's Analyze).
//
// Memory: counters per placement x experiment x arm x day, plus, for the
// per-customer numbers (customers, conversion, revenue per customer and
// its 95th-percentile cap), 16 bytes per customer (or guest session) shown
// a list, per placement; the clicks of the attribution window. Nothing
// grows with the number of impressions or purchases.
//
// Thread-safety: not thread-safe; the server guards it with a mutex.
#ifndef BOOMERANG_MODELS_EXPERIMENTS_EXPOSURES_H_
#define BOOMERANG_MODELS_EXPERIMENTS_EXPOSURES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "boomerang/v1/admin.pb.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/experiments/attribution.h"
#include "models/experiments/config.h"
#include "models/experiments/report.h"
#include "models/experiments/tracking.h"

namespace boomerang::experiments {

struct ExposureOptions {
  AttributionOptions attribution;
  ReportOptions report;
};

// Per arm, since the log began.
struct ArmTotals {
  int64_t customers = 0;
  int64_t impressions = 0;
  int64_t clicks = 0;
  int64_t add_to_carts = 0;
  int64_t purchases = 0;
  int64_t purchases_by_id = 0;
  int64_t purchases_by_last_click = 0;
  double revenue = 0;
};

class ExposureLedger {
 public:
  explicit ExposureLedger(ExposureOptions options = {});

  // One event, in about time order per customer (the live log's order).
  void Add(const v1::Event& e);
  // The same while replaying a log kept by customer and time (the RocksDB
  // store): a click is only ever credited to its own customer's later
  // events, so the window's clicks are dropped when the customer changes.
  void AddReplayed(const v1::Event& e);

  // Per placement (only `placement` when not empty) and arm. `config`
  // gives the arms' shares, order and control; arms seen but not
  // configured (an experiment changed or ended) are reported as seen.
  v1::ExperimentReport Report(const ExperimentsConfig& config,
                              absl::string_view placement = "") const;

  // Every (placement, experiment, arm) seen, with its totals: /metrics.
  std::vector<std::pair<TrackingKey, ArmTotals>> Totals() const;
  int64_t events() const { return events_; }
  int64_t customers() const;  // units held, over all placements

 private:
  struct Unit {
    int32_t arm = 0;
    bool carted = false;
    bool converted = false;
    float revenue = 0;
  };
  struct Daily {
    int64_t impressions = 0, clicks = 0, purchases = 0;
    double revenue = 0;
  };
  struct Group {  // one placement and experiment
    std::string placement, experiment;
    std::vector<std::string> arms;
    std::vector<ArmTotals> totals;                      // by arm
    std::map<std::pair<int64_t, int32_t>, Daily> days;  // (day, arm)
    absl::flat_hash_map<uint64_t, Unit> units;          // by unit hash
  };
  // The group and arm of a recommendation id; null for a malformed one.
  Group* Resolve(absl::string_view recommendation_id, int32_t* arm);
  void Credit(const v1::Event& e);
  void ReportGroup(const Group& g, const ExperimentsConfig& config,
                   v1::PlacementReport* out) const;

  const ExposureOptions options_;
  ClickLedger clicks_;
  std::vector<std::unique_ptr<Group>> groups_;
  absl::flat_hash_map<std::string, Group*> by_name_;  // placement.experiment
  // A recommendation id after its nonce -> group and arm.
  absl::flat_hash_map<std::string, std::pair<Group*, int32_t>> by_tail_;
  int64_t events_ = 0;
  std::string replay_customer_;
};

}  // namespace boomerang::experiments

#endif  // BOOMERANG_MODELS_EXPERIMENTS_EXPOSURES_H_
