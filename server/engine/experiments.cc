#include "server/engine/experiments.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/experiments/assignment.h"
#include "models/experiments/tracking.h"
#include "models/purchase_line.h"

namespace boomerang {
namespace {

int64_t MtimeNanos(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
         st.st_mtim.tv_nsec;
}

experiments::ExposureOptions LedgerOptions(const ExperimentsSettings& s) {
  experiments::ExposureOptions o;
  o.attribution.click_window_seconds =
      static_cast<int64_t>(s.click_window_hours * 3600);
  return o;
}

}  // namespace

ExperimentsState::ExperimentsState(ExperimentsSettings settings,
                                   RankingOptions base)
    : settings_(std::move(settings)),
      base_(std::move(base)),
      config_(std::make_shared<experiments::ExperimentsConfig>()),
      ledger_(LedgerOptions(settings_)) {}

ExperimentsState::~ExperimentsState() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (watcher_.joinable()) watcher_.join();
}

absl::Status ExperimentsState::Load() {
  if (settings_.config_file.empty()) return absl::OkStatus();
  absl::Status s = Reload();
  if (!s.ok()) return s;
  if (settings_.poll_seconds > 0) watcher_ = std::thread([this] { Watch(); });
  return absl::OkStatus();
}

absl::Status ExperimentsState::Reload() {
  if (settings_.config_file.empty()) return absl::OkStatus();
  const int64_t mtime = MtimeNanos(settings_.config_file);
  auto read = experiments::ReadExperimentsFile(settings_.config_file, base_);
  absl::MutexLock lock(&mu_);
  file_mtime_ = mtime;
  if (!read.ok()) {
    last_error_ = std::string(read.status().message());
    if (settings_.log) {
      settings_.log(absl::StrCat("experiments not changed: ", last_error_));
    }
    return read.status();
  }
  const size_t before = config_->experiments.size();
  config_ = std::make_shared<experiments::ExperimentsConfig>(std::move(*read));
  last_error_.clear();
  if (settings_.log && (before > 0 || !config_->experiments.empty())) {
    std::string names;
    for (const auto& e : config_->experiments) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", e.name, " on ",
                      e.placement, " (", e.arms.size(), " arms)");
    }
    settings_.log(absl::StrCat("experiments from ", settings_.config_file, ": ",
                               names.empty() ? "none" : names));
  }
  return absl::OkStatus();
}

void ExperimentsState::Watch() {
  const absl::Duration step = absl::Seconds(settings_.poll_seconds);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes early only to stop.
      mu_.AwaitWithTimeout(absl::Condition(&stop_), step);
      if (stop_) return;
      if (MtimeNanos(settings_.config_file) == file_mtime_) continue;
    }
    Reload().IgnoreError();  // logged; the old set keeps running
  }
}

std::shared_ptr<const experiments::ExperimentsConfig> ExperimentsState::config()
    const {
  absl::MutexLock lock(&mu_);
  return config_;
}

std::string ExperimentsState::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

void ExperimentsState::Add(const std::vector<const v1::Event*>& events) {
  absl::MutexLock lock(&ledger_mu_);
  for (const v1::Event* e : events) {
    if (replaying_) {
      pending_.push_back(*e);
    } else {
      ledger_.Add(*e);
    }
  }
}

absl::Status ExperimentsState::Replay(const EventLog& log) {
  // The engine takes no appends until this returns (RecordEvents says
  // UNAVAILABLE while it starts), so the listener adds nothing the replay
  // also reads; should one arrive all the same, it waits in pending_.
  {
    absl::MutexLock lock(&ledger_mu_);
    replaying_ = true;
  }
  absl::Status s = log.Replay([&](const v1::Event& e) {
    switch (e.type()) {
      case v1::Event::IMPRESSION:
      case v1::Event::CLICK:
      case v1::Event::ADD_TO_CART:
      case v1::Event::PURCHASE:
        break;
      default:
        return true;
    }
    absl::MutexLock lock(&ledger_mu_);
    ledger_.AddReplayed(e);
    return true;
  });
  absl::MutexLock lock(&ledger_mu_);
  for (const v1::Event& e : pending_) ledger_.Add(e);
  pending_.clear();
  replaying_ = false;
  return s;
}

v1::ExperimentReport ExperimentsState::Report(
    absl::string_view placement) const {
  std::shared_ptr<const experiments::ExperimentsConfig> config = this->config();
  v1::ExperimentReport report;
  {
    absl::MutexLock lock(&ledger_mu_);
    report = ledger_.Report(*config, placement);
  }
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  report.mutable_generated_at()->set_seconds(now);
  report.set_config_file(settings_.config_file);
  report.set_config_error(last_error());
  // Configured placements nothing was shown on yet: listed, empty.
  for (const experiments::ExperimentConfig& e : config->experiments) {
    if (!placement.empty() && e.placement != placement) continue;
    bool seen = false;
    for (const v1::PlacementReport& p : report.placements()) {
      seen = seen || (p.placement() == e.placement && p.experiment() == e.name);
    }
    if (seen) continue;
    v1::PlacementReport* p = report.add_placements();
    p->set_placement(e.placement);
    p->set_experiment(e.name);
    for (size_t i = 0; i < e.arms.size(); ++i) {
      v1::ArmReport* a = p->add_arms();
      a->set_arm(e.arms[i].name);
      a->set_share(e.arms[i].share);
      a->set_control(static_cast<int>(i) == e.control);
    }
    p->add_warnings("no impressions yet");
  }
  return report;
}

std::vector<std::pair<experiments::TrackingKey, experiments::ArmTotals>>
ExperimentsState::Totals() const {
  absl::MutexLock lock(&ledger_mu_);
  return ledger_.Totals();
}

absl::StatusOr<ServedArm> ChooseArm(const View& view,
                                    absl::string_view rpc_placement,
                                    absl::string_view placement,
                                    absl::string_view customer_id,
                                    absl::string_view session_id) {
  if (placement.empty()) placement = rpc_placement;
  if (!experiments::ValidName(placement)) {
    return absl::InvalidArgumentError(
        "placement must be 1-64 letters, digits, '_' or '-'");
  }
  if (session_id.size() > 256) {
    return absl::InvalidArgumentError("session_id is longer than 256 bytes");
  }
  ServedArm served;
  served.tracking.set_placement(std::string(placement));
  const experiments::ExperimentConfig* e =
      view.experiments != nullptr ? view.experiments->ForPlacement(placement)
                                  : nullptr;
  std::string unit;
  if (!customer_id.empty()) {
    unit = absl::StrCat("c:", NormalizeId(customer_id));
  } else if (!session_id.empty()) {
    unit = absl::StrCat("s:", session_id);
  }
  const int arm = e != nullptr && !unit.empty()
                      ? experiments::AssignArm(e->salt, unit, e->shares())
                      : -1;
  if (arm < 0) {
    served.tracking.set_recommendation_id(
        experiments::NewRecommendationId(placement, "", ""));
    return served;
  }
  const experiments::ArmConfig& a = e->arms[arm];
  served.tracking.set_experiment(e->name);
  served.tracking.set_arm(a.name);
  served.tracking.set_recommendation_id(
      experiments::NewRecommendationId(placement, e->name, a.name));
  served.kind = a.kind;
  served.ranking = &a.ranking;
  return served;
}

}  // namespace boomerang
