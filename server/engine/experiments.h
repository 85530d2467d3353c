// The server's side of experiments and attribution (issue 14):
//   - the experiments config, read from the server's config file at start,
//     re-read when the file changes (polled) or on Admin.Reload; a file
//     that does not parse keeps the old set serving and the reason is in
//     last_error() (and the log);
//   - the arm each list request is served by (ChooseArm: sticky, by a
//     hash of the experiment's salt and the customer, else the session) and
//     the list's Tracking (recommendation id, placement, experiment, arm);
//   - the exposure ledger (models/experiments/exposures.h), fed by the
//     event log's listener and rebuilt from the log at start, behind the
//     report and the /metrics counters.
//
// Thread-safety: thread-safe.
#ifndef BOOMERANG_SERVER_ENGINE_EXPERIMENTS_H_
#define BOOMERANG_SERVER_ENGINE_EXPERIMENTS_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "boomerang/v1/admin.pb.h"
#include "models/events/event_log.h"
#include "models/experiments/config.h"
#include "models/experiments/exposures.h"
#include "server/engine/view.h"

namespace boomerang {

struct ExperimentsSettings {
  // The TOML file with [[experiments]] (the server's --config); empty: no
  // experiments (every list still gets a Tracking).
  std::string config_file;
  // How often the file is checked for changes; 0: only on Reload.
  double poll_seconds = 2;
  // Last-click attribution window.
  double click_window_hours = 24;
  std::function<void(const std::string&)> log;
};

class ExperimentsState {
 public:
  ExperimentsState(ExperimentsSettings settings, RankingOptions base);
  ~ExperimentsState();
  ExperimentsState(const ExperimentsState&) = delete;
  ExperimentsState& operator=(const ExperimentsState&) = delete;

  // Reads the config file (an error here stops the server from starting)
  // and starts watching it.
  absl::Status Load();
  // Re-reads the file now; on an error the old experiments keep running.
  absl::Status Reload();

  std::shared_ptr<const experiments::ExperimentsConfig> config() const;
  std::string last_error() const;
  const std::string& config_file() const { return settings_.config_file; }

  // The ledger: events accepted by the log (the listener), and the log's
  // whole content at start (Replay; the engine takes no appends until it
  // has returned).
  void Add(const std::vector<const v1::Event*>& events);
  absl::Status Replay(const EventLog& log);

  v1::ExperimentReport Report(absl::string_view placement) const;
  std::vector<std::pair<experiments::TrackingKey, experiments::ArmTotals>>
  Totals() const;

 private:
  void Watch();

  const ExperimentsSettings settings_;
  const RankingOptions base_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const experiments::ExperimentsConfig> config_
      ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  int64_t file_mtime_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;

  mutable absl::Mutex ledger_mu_;
  experiments::ExposureLedger ledger_ ABSL_GUARDED_BY(ledger_mu_);
  // While Replay runs: what the listener delivered, applied after it.
  bool replaying_ ABSL_GUARDED_BY(ledger_mu_) = false;
  std::vector<v1::Event> pending_ ABSL_GUARDED_BY(ledger_mu_);
};

// The arm a list is served by.
struct ServedArm {
  v1::Tracking tracking;
  experiments::ArmKind kind = experiments::ArmKind::kRanker;
  const RankingOptions* ranking = nullptr;  // null: the view's
};

// `placement`: the request's (empty: `rpc_placement`, the RPC's own);
// INVALID_ARGUMENT when it is not 1-64 of [A-Za-z0-9_-]. The arm is the
// placement's experiment's for the customer (else the session); neither,
// or no experiment: the server's ranking, no arm.
absl::StatusOr<ServedArm> ChooseArm(const View& view,
                                    absl::string_view rpc_placement,
                                    absl::string_view placement,
                                    absl::string_view customer_id,
                                    absl::string_view session_id);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_EXPERIMENTS_H_
