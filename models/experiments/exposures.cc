#include "models/experiments/exposures.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "models/stable_hash.h"
#include "models/timestamp.h"

namespace boomerang::experiments {
namespace {

constexpr int64_t kDay = 86400;

// The unit an event counts for, hashed: the customer, else the guest's
// session (0: neither).
uint64_t UnitOf(const v1::Event& e) {
  if (!e.customer_id().empty()) return StableHash(e.customer_id(), 1) | 1;
  if (!e.session_id().empty()) return StableHash(e.session_id(), 2) | 1;
  return 0;
}

void FillRate(const Rate& r, v1::RateValue* out) {
  out->set_successes(r.successes);
  out->set_trials(r.trials);
  out->set_value(r.value);
  out->set_low(r.interval.low);
  out->set_high(r.interval.high);
}

void FillComparison(const Comparison& c, v1::ArmComparison* out) {
  out->set_control(c.control);
  out->set_arm(c.treatment);
  out->set_difference(c.difference);
  out->set_relative(c.relative);
  out->set_low(c.interval.low);
  out->set_high(c.interval.high);
  out->set_statistic(c.statistic);
  out->set_p_value(c.p_value);
  out->set_significant(c.significant);
  out->set_degrees_of_freedom(c.degrees_of_freedom);
}

}  // namespace

ExposureLedger::ExposureLedger(ExposureOptions options)
    : options_(options), clicks_(options.attribution) {}

ExposureLedger::Group* ExposureLedger::Resolve(
    absl::string_view recommendation_id, int32_t* arm) {
  // The hot path (every event): the id's tail after the nonce names the
  // group and arm; it is parsed (and checked) only the first time.
  const size_t dot = recommendation_id.find('.');
  if (dot == absl::string_view::npos) return nullptr;
  const absl::string_view tail = recommendation_id.substr(dot + 1);
  auto known = by_tail_.find(tail);
  if (known != by_tail_.end()) {
    *arm = known->second.second;
    return known->second.first;
  }
  TrackingKey key;
  if (!ParseRecommendationId(recommendation_id, &key)) return nullptr;
  const std::string name = absl::StrCat(key.placement, ".", key.experiment);
  Group*& g = by_name_[name];
  if (g == nullptr) {
    groups_.push_back(std::make_unique<Group>());
    g = groups_.back().get();
    g->placement = key.placement;
    g->experiment = key.experiment;
  }
  auto it = std::find(g->arms.begin(), g->arms.end(), key.arm);
  if (it == g->arms.end()) {
    g->arms.push_back(key.arm);
    g->totals.emplace_back();
    it = g->arms.end() - 1;
  }
  *arm = static_cast<int32_t>(it - g->arms.begin());
  // Bounded by placements x experiments x arms.
  by_tail_.emplace(std::string(tail), std::make_pair(g, *arm));
  return g;
}

void ExposureLedger::AddReplayed(const v1::Event& e) {
  if (e.customer_id() != replay_customer_) {
    // The store's next customer: the last one's clicks can credit nothing
    // more (guests, by session, come first, all under the empty id).
    clicks_.Clear();
    replay_customer_ = e.customer_id();
  }
  Add(e);
}

void ExposureLedger::Add(const v1::Event& e) {
  const int64_t t = e.timestamp().seconds();
  switch (e.type()) {
    case v1::Event::IMPRESSION: {
      int32_t arm = 0;
      Group* g = Resolve(e.recommendation_id(), &arm);
      const uint64_t unit = UnitOf(e);
      if (g == nullptr || unit == 0) return;
      ++events_;
      ArmTotals& totals = g->totals[arm];
      ++totals.impressions;
      ++g->days[{t / kDay, arm}].impressions;
      auto [it, added] = g->units.try_emplace(unit);
      if (added) {
        it->second.arm = arm;
        ++totals.customers;
      }
      break;
    }
    case v1::Event::CLICK: {
      int32_t arm = 0;
      Group* g = Resolve(e.recommendation_id(), &arm);
      if (g == nullptr) return;
      ++events_;
      ++g->totals[arm].clicks;
      ++g->days[{t / kDay, arm}].clicks;
      clicks_.Click(e.customer_id(), e.session_id(), e.item_id(),
                    e.recommendation_id(), t);
      break;
    }
    case v1::Event::ADD_TO_CART:
    case v1::Event::PURCHASE:
      Credit(e);
      break;
    default:
      return;
  }
  // Old clicks out, now and then, by the time of the event at hand rather
  // than the newest seen: a back-fill of older events (a client catching up
  // after an outage) keeps its own clicks. Events come in about time order,
  // not exactly, so a click is kept a window beyond its own.
  if ((events_ & 4095) == 0) {
    clicks_.Expire(t - options_.attribution.click_window_seconds);
  }
}

void ExposureLedger::Credit(const v1::Event& e) {
  const int64_t t = e.timestamp().seconds();
  const experiments::Credit credit = clicks_.Attribute(
      e.customer_id(), e.session_id(), e.item_id(), e.recommendation_id(), t);
  if (credit.rule == CreditRule::kNone) return;
  int32_t arm = 0;
  Group* g = Resolve(credit.recommendation_id, &arm);
  if (g == nullptr) return;
  ++events_;
  ArmTotals& totals = g->totals[arm];
  const uint64_t unit_id = UnitOf(e);
  Unit* unit = nullptr;
  if (unit_id != 0) {
    auto [it, added] = g->units.try_emplace(unit_id);
    if (added) {  // credited by id without an impression: shown anyway
      it->second.arm = arm;
      ++totals.customers;
    }
    if (it->second.arm == arm) unit = &it->second;
  }
  if (e.type() == v1::Event::ADD_TO_CART) {
    ++totals.add_to_carts;
    if (unit != nullptr) unit->carted = true;
    return;
  }
  const double revenue =
      (e.quantity() > 0 ? e.quantity() : 1) * std::max(0.0, e.price());
  ++totals.purchases;
  ++(credit.rule == CreditRule::kRecommendationId
         ? totals.purchases_by_id
         : totals.purchases_by_last_click);
  totals.revenue += revenue;
  Daily& day = g->days[{t / kDay, arm}];
  ++day.purchases;
  day.revenue += revenue;
  if (unit != nullptr) {
    unit->converted = true;
    unit->revenue += static_cast<float>(revenue);
  }
}

std::vector<std::pair<TrackingKey, ArmTotals>> ExposureLedger::Totals() const {
  std::vector<std::pair<TrackingKey, ArmTotals>> out;
  for (const auto& g : groups_) {
    for (size_t a = 0; a < g->arms.size(); ++a) {
      out.push_back({{g->placement, g->experiment, g->arms[a]}, g->totals[a]});
    }
  }
  return out;
}

int64_t ExposureLedger::customers() const {
  int64_t n = 0;
  for (const auto& g : groups_) n += static_cast<int64_t>(g->units.size());
  return n;
}

void ExposureLedger::ReportGroup(const Group& g,
                                 const ExperimentsConfig& config,
                                 v1::PlacementReport* out) const {
  out->set_placement(g.placement);
  out->set_experiment(g.experiment);
  const ExperimentConfig* e = config.ForPlacement(g.placement);
  if (e != nullptr && e->name != g.experiment) e = nullptr;
  // The configured arms first (in their order), then arms seen only.
  std::vector<int32_t> order;  // group arm index, -1: configured, unseen
  std::vector<std::string> names;
  std::vector<double> shares;
  int control = 0;
  if (e != nullptr) {
    for (size_t i = 0; i < e->arms.size(); ++i) {
      auto it = std::find(g.arms.begin(), g.arms.end(), e->arms[i].name);
      order.push_back(it == g.arms.end() ? -1 : it - g.arms.begin());
      names.push_back(e->arms[i].name);
      shares.push_back(e->arms[i].share);
    }
    control = e->control;
  }
  const size_t configured = names.size();
  for (size_t a = 0; a < g.arms.size(); ++a) {
    if (std::find(names.begin(), names.end(), g.arms[a]) != names.end()) {
      continue;
    }
    order.push_back(static_cast<int32_t>(a));
    names.push_back(g.arms[a]);
    shares.push_back(0);
  }
  // Without a configuration, each arm's observed share (no SRM check).
  std::vector<ArmInput> inputs(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    ArmInput& in = inputs[i];
    in.name = names[i];
    in.share = shares[i];
    if (order[i] < 0) continue;
    const ArmTotals& t = g.totals[order[i]];
    in.assigned = in.units = t.customers;
    in.impressions = t.impressions;
    in.clicks = t.clicks;
    in.revenue = t.revenue;
    if (configured == 0) in.share = std::max<double>(1, t.customers);
  }
  for (const auto& [hash, unit] : g.units) {
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i] != unit.arm) continue;
      inputs[i].carted_units += unit.carted;
      inputs[i].converted_units += unit.converted;
      if (unit.revenue > 0) inputs[i].unit_revenue.push_back(unit.revenue);
    }
  }
  // Arms that are no longer configured take no part in the sample-ratio
  // check: give them the share they got, so they fit by construction.
  int64_t configured_units = 0;
  double configured_share = 0;
  for (size_t i = 0; i < configured; ++i) {
    configured_units += inputs[i].assigned;
    configured_share += inputs[i].share;
  }
  for (size_t i = configured; i < inputs.size() && configured > 0; ++i) {
    inputs[i].share = configured_units > 0
                          ? configured_share * inputs[i].assigned /
                                std::max<int64_t>(1, configured_units)
                          : 0;
  }
  const ExperimentResult result = Analyze(inputs, control, options_.report);
  out->set_revenue_cap(result.revenue_cap);
  out->set_sample_ratio_chi_square(result.sample_ratio.chi_square);
  out->set_sample_ratio_p_value(result.sample_ratio.p_value);
  out->set_sample_ratio_mismatch(configured > 0 &&
                                 result.sample_ratio.mismatch);
  for (const std::string& w : result.warnings) {
    if (configured == 0 && w.rfind("sample ratio", 0) == 0) continue;
    out->add_warnings(w);
  }
  for (size_t i = 0; i < result.arms.size(); ++i) {
    const ArmResult& r = result.arms[i];
    v1::ArmReport* a = out->add_arms();
    a->set_arm(r.name);
    a->set_share(inputs[i].share);
    a->set_control(static_cast<int>(i) == control);
    a->set_customers(r.units);
    a->set_impressions(r.impressions);
    a->set_clicks(r.clicks);
    a->set_revenue(r.revenue);
    if (order[i] >= 0) {
      const ArmTotals& t = g.totals[order[i]];
      a->set_add_to_carts(t.add_to_carts);
      a->set_purchases(t.purchases);
      a->set_purchases_by_id(t.purchases_by_id);
      a->set_purchases_by_last_click(t.purchases_by_last_click);
    }
    FillRate(r.click_through, a->mutable_click_through_rate());
    FillRate(r.add_to_cart, a->mutable_add_to_cart_rate());
    FillRate(r.conversion, a->mutable_conversion_rate());
    a->set_revenue_per_customer(r.revenue_per_unit);
    a->set_revenue_per_customer_low(r.revenue_per_unit_interval.low);
    a->set_revenue_per_customer_high(r.revenue_per_unit_interval.high);
    if (r.has_comparison) {
      FillComparison(r.click_through_vs_control,
                     a->mutable_click_through_vs_control());
      FillComparison(r.add_to_cart_vs_control,
                     a->mutable_add_to_cart_vs_control());
      FillComparison(r.conversion_vs_control,
                     a->mutable_conversion_vs_control());
      FillComparison(r.revenue_per_unit_vs_control,
                     a->mutable_revenue_per_customer_vs_control());
    }
  }
  // By day, then arm name (not the order arms were first seen in, which a
  // replay after a restart does not keep).
  std::vector<std::pair<std::pair<int64_t, std::string>, const Daily*>> days;
  for (const auto& [key, d] : g.days) {
    days.push_back({{key.first, g.arms[key.second]}, &d});
  }
  std::sort(days.begin(), days.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, daily] : days) {
    const Daily& d = *daily;
    v1::DailyCount* day = out->add_days();
    day->set_day(FormatTimestamp(key.first * kDay).substr(0, 10));
    day->set_arm(key.second);
    day->set_impressions(d.impressions);
    day->set_clicks(d.clicks);
    day->set_purchases(d.purchases);
    day->set_revenue(d.revenue);
  }
}

v1::ExperimentReport ExposureLedger::Report(const ExperimentsConfig& config,
                                            absl::string_view placement) const {
  v1::ExperimentReport report;
  report.set_events(events_);
  report.set_click_window_hours(
      static_cast<double>(options_.attribution.click_window_seconds) / 3600);
  std::vector<const Group*> groups;
  for (const auto& g : groups_) {
    if (placement.empty() || g->placement == placement)
      groups.push_back(g.get());
  }
  std::sort(groups.begin(), groups.end(), [](const Group* a, const Group* b) {
    return std::tie(a->placement, a->experiment) <
           std::tie(b->placement, b->experiment);
  });
  for (const Group* g : groups)
    ReportGroup(*g, config, report.add_placements());
  return report;
}

}  // namespace boomerang::experiments
