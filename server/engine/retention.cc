#include "server/engine/retention.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/ltv_model.h"
#include "models/purchase_line.h"
#include "models/rank/buy_again.h"
#include "models/repurchase.h"
#include "server/engine/clock.h"
#include "server/engine/experiments.h"
#include "server/engine/lists.h"
#include "server/engine/live_events.h"
#include "server/engine/request_helpers.h"
#include "server/engine/request_limits.h"

namespace boomerang {
namespace {

using internal::BoundFilter;
using internal::Days;

constexpr double kDay = 86400.0;

// Money as a shop reads it: sums of many order values carry float noise
// (4310.000000000001), which no answer should show.
double Cents(double amount) { return std::round(amount * 100) / 100; }

void SetTime(int64_t unix_seconds, google::protobuf::Timestamp* out) {
  out->set_seconds(unix_seconds);
  out->set_nanos(0);
}

absl::Status CheckAsOf(bool has, const google::protobuf::Timestamp& t) {
  if (!has) return absl::OkStatus();
  if (t.seconds() < 0 || t.nanos() < 0) {
    return absl::InvalidArgumentError("as_of is before 1970");
  }
  if (t.seconds() > kMaxTimestampSeconds || t.nanos() > 999999999) {
    return absl::InvalidArgumentError("as_of is after 9999-12-31");
  }
  return absl::OkStatus();
}

absl::Status CheckCustomerId(absl::string_view id) {
  if (absl::StripAsciiWhitespace(id).empty()) {
    return absl::InvalidArgumentError("customer_id is empty");
  }
  if (id.size() > kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "customer_id is longer than ", kMaxRequestIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

// The customer's items as the buy-again rankers read them (spans into
// `record`, which must outlive them).
std::vector<BoughtItem> BoughtItems(const Snapshot& snapshot,
                                    const v1::CustomerRecord& record) {
  std::vector<BoughtItem> items;
  items.reserve(record.items_size());
  for (const v1::CustomerItem& ci : record.items()) {
    BoughtItem b;
    b.item = snapshot.FindItem(ci.item_id());
    b.purchase_times = absl::MakeConstSpan(ci.purchase_times().data(),
                                           ci.purchase_times_size());
    b.purchase_quantities = absl::MakeConstSpan(ci.purchase_quantities().data(),
                                                ci.purchase_quantities_size());
    if (b.item >= 0) b.cycle = CycleOfItem(snapshot.item(b.item));
    items.push_back(b);
  }
  return items;
}

// `items`: the request's (View::items), for the live title and price.
void FillDueItem(const ItemGraph& items, const RepurchaseTiming& t,
                 int64_t as_of, v1::DueItem* out) {
  const v1::ItemRecord& rec = items.item(t.item);
  out->set_item_id(items.item_id(t.item));
  out->set_has_cycle(true);
  out->set_title(rec.title());
  out->set_category(rec.category());
  out->set_price(rec.price());
  SetTime(t.estimate.next_purchase, out->mutable_expected_date());
  out->set_days_until_due(t.days_until_due);
  out->set_interval_days(t.estimate.interval_days);
  out->set_confidence(t.estimate.confidence);
  out->set_probability(t.probability);
  out->set_typical_quantity(t.typical_quantity);
  out->set_orders(t.orders);
  SetTime(t.estimate.last_purchase, out->mutable_last_purchase());
  const double since = (as_of - t.estimate.last_purchase) / kDay;
  out->set_days_since_last(since);
  std::string when = t.days_until_due >= 0.5
                         ? absl::StrCat("due in about ", Days(t.days_until_due))
                     : t.days_until_due > -0.5
                         ? "due now"
                         : absl::StrCat(Days(-t.days_until_due), " overdue");
  if (t.estimate.gaps > 0) {
    out->set_explanation(absl::StrFormat(
        "you re-buy this about every %s (%d orders): it's been %s, %s",
        Days(t.estimate.interval_days), t.orders, Days(since), when));
  } else {
    out->set_explanation(absl::StrFormat(
        "its buyers re-buy it about every %s; you bought it %s ago, %s",
        Days(t.estimate.interval_days), Days(since), when));
  }
}

}  // namespace

absl::StatusOr<bool> LoadRecord(const View& view, absl::string_view customer_id,
                                v1::CustomerRecord* record) {
  const Snapshot& snapshot = view.snapshot();
  absl::Status s = snapshot.GetCustomer(customer_id, record);
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  const bool in_snapshot = s.ok();
  LiveActivity live;
  // Only purchases are read here (no cart or view window).
  ApplyLiveEvents(view, customer_id, view.clock.SystemNow(), record, &live);
  return in_snapshot || live.purchases > 0;
}

bool ModelsOf(const Snapshot& snapshot, BgNbdParams* bg, GammaGammaParams* gg) {
  const v1::CustomerModel& m = snapshot.customer_model();
  if (!m.has_bg_nbd() || !m.has_gamma_gamma()) return false;
  *bg = BgNbdParams{m.bg_nbd().r(), m.bg_nbd().alpha(), m.bg_nbd().a(),
                    m.bg_nbd().b()};
  *gg = GammaGammaParams{m.gamma_gamma().p(), m.gamma_gamma().q(),
                         m.gamma_gamma().gamma()};
  return bg->r > 0 && bg->alpha > 0 && bg->a > 0 && bg->b > 0 && gg->p > 0 &&
         gg->q > 0 && gg->gamma > 0;
}

absl::StatusOr<double> LearnedLtv(const Snapshot& snapshot,
                                  absl::Span<const int64_t> times,
                                  absl::Span<const double> values,
                                  const CustomerSummary& c, int64_t as_of,
                                  double horizon_days) {
  const v1::CustomerModel& m = snapshot.customer_model();
  auto model = LtvModelFromProto(m.ltv());
  if (!model.ok()) return model.status();
  LtvContext context;
  if (!ModelsOf(snapshot, &context.bg, &context.gg)) {
    return absl::FailedPreconditionError(
        "the snapshot's LTV model needs BG/NBD and Gamma-Gamma, which it has "
        "not");
  }
  context.observed_days = (as_of - m.data_start()) / kDay;
  const LtvFeatureRow x = ComputeLtvFeatures(
      context, c, RecentRevenue(times, values, as_of), horizon_days);
  return PredictLtv(*model, x);
}

absl::StatusOr<BoundFilter> DueFilter(const View& view,
                                      const v1::Filter& filter) {
  v1::Filter f = filter;
  f.set_exclude_purchased(false);
  return BoundFilter::Create(view, f);
}

absl::Status BuyAgain(const View& view, const v1::BuyAgainRequest& request,
                      v1::BuyAgainResponse* response,
                      const BuyAgainOptions& options) {
  const Snapshot& snapshot = view.snapshot();
  absl::Status s = CheckCustomerId(request.customer_id());
  if (s.ok()) s = CheckAsOf(request.has_as_of(), request.as_of());
  if (!s.ok()) return s;
  if (request.horizon_days() < 0 || request.horizon_days() > 3650) {
    return absl::InvalidArgumentError(absl::StrCat(
        "horizon_days ", request.horizon_days(), " is not in [0, 3650]"));
  }
  if (request.limit() < 0 || request.limit() > kMaxLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "limit ", request.limit(), " is not in [0, ", kMaxLimit, "]"));
  }
  if (request.filter().exclude_item_ids_size() > kMaxExcludedItems) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter.exclude_item_ids has more than ", kMaxExcludedItems, " ids"));
  }
  const int limit = request.limit() == 0 ? 10 : request.limit();
  const double horizon =
      request.horizon_days() == 0 ? 30 : request.horizon_days();
  const int64_t as_of = view.AsOfOr(request.has_as_of(), request.as_of());
  auto filter = DueFilter(view, request.filter());
  if (!filter.ok()) return filter.status();
  response->set_snapshot_version(snapshot.version());
  SetTime(as_of, response->mutable_as_of());
  // Read once: the timing below and the learned ranker both use it.
  auto customer = internal::LoadCustomer(view, request.customer_id());
  if (!customer.ok()) return customer.status();
  if (!customer->known) return absl::OkStatus();
  response->set_known_customer(true);
  const std::vector<BoughtItem> items = BoughtItems(snapshot, customer->record);
  // The learned picks ranker orders the list when the snapshot has one
  // (BENCHMARKS.md: it finds more of next month's re-buys than the
  // probability order); BuyAgain's rules still choose the items. Not for
  // dated_only or include_lapsed lists, which ask for the timing model's
  // own view.
  absl::flat_hash_map<int32_t, float> learned;
  if (!request.dated_only() && !request.include_lapsed()) {
    auto scores = LearnedRepeatScores(view, &*customer, as_of, *filter);
    if (!scores.ok()) return scores.status();
    learned = *std::move(scores);
  }
  const BuyAgainList list = RankBuyAgain(
      items, as_of, horizon,
      learned.empty() ? limit : std::max(limit, static_cast<int>(items.size())),
      request.include_lapsed(), request.dated_only(),
      [&](int32_t i) { return filter->Allows(i); }, options);
  response->set_lapsed_items(list.lapsed);
  // The list's entries: (due, index into list.due or list.fill).
  std::vector<std::pair<bool, size_t>> order;
  for (size_t k = 0; k < list.due.size(); ++k) order.emplace_back(true, k);
  for (size_t k = 0; k < list.fill.size(); ++k) order.emplace_back(false, k);
  if (!learned.empty()) {
    // Items the ranker did not see (past its 200-item cut) keep their
    // place after those it scored.
    auto score = [&](const std::pair<bool, size_t>& e) {
      const int32_t item =
          e.first ? list.due[e.second].item : list.fill[e.second].item;
      auto it = learned.find(item);
      return it == learned.end() ? -1.f : it->second;
    };
    std::stable_sort(
        order.begin(), order.end(),
        [&](const auto& a, const auto& b) { return score(a) > score(b); });
    if (order.size() > static_cast<size_t>(limit)) order.resize(limit);
  }
  for (const auto& [due, k] : order) {
    if (due) {
      FillDueItem(view.items(), list.due[k], as_of, response->add_items());
      continue;
    }
    const BuyAgainFill& f = list.fill[k];
    const v1::ItemRecord& rec = view.items().item(f.item);  // live
    v1::DueItem* out = response->add_items();
    out->set_item_id(snapshot.item_id(f.item));
    out->set_title(rec.title());
    out->set_category(rec.category());
    out->set_price(rec.price());
    out->set_orders(f.orders);
    SetTime(f.last_purchase, out->mutable_last_purchase());
    out->set_days_since_last((as_of - f.last_purchase) / kDay);
    out->set_typical_quantity(f.typical_quantity);
    out->set_explanation(absl::StrFormat(
        "you bought this %s, %s ago; no repurchase cycle yet",
        f.orders == 1 ? std::string("once")
                      : absl::StrCat(f.orders, " times on one day"),
        Days(out->days_since_last())));
  }
  return absl::OkStatus();
}

absl::Status BuyAgain(const View& view, const v1::BuyAgainRequest& request,
                      v1::BuyAgainResponse* response) {
  auto arm = ChooseArm(view, "buy_again", request.placement(),
                       request.customer_id(), request.session_id());
  if (!arm.ok()) return arm.status();
  View arm_view = view;
  if (arm->ranking != nullptr) arm_view.options = arm->ranking;
  // BuyAgain's baseline is its own timing model without the learned
  // ranker (best sellers are not what a customer re-buys).
  RankingOptions baseline;
  if (arm->kind == experiments::ArmKind::kBestSellers) {
    baseline = arm_view.ranking();
    baseline.learned_picks = false;
    arm_view.options = &baseline;
  }
  absl::Status s =
      BuyAgain(arm_view, request, response, arm_view.ranking().buy_again);
  if (!s.ok()) return s;
  if (arm->kind == experiments::ArmKind::kHoldout) response->clear_items();
  *response->mutable_tracking() = std::move(arm->tracking);
  return absl::OkStatus();
}

absl::Status ValidateDueRequest(const View& view,
                                const v1::DueReplenishmentsRequest& request,
                                DueOptions* options) {
  absl::Status s = CheckAsOf(request.has_as_of(), request.as_of());
  if (!s.ok()) return s;
  auto in_range = [](int v, int lo, int hi, const char* name) {
    if (v < lo || v > hi) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " ", v, " is not in [", lo, ", ", hi, "]"));
    }
    return absl::OkStatus();
  };
  s = in_range(request.lead_days(), 0, 365, "lead_days");
  if (s.ok()) s = in_range(request.overdue_days(), 0, 365, "overdue_days");
  if (s.ok()) {
    s = in_range(request.max_items_per_customer(), 0, kMaxLimit,
                 "max_items_per_customer");
  }
  if (s.ok()) s = in_range(request.batch_size(), 0, 10000, "batch_size");
  if (!s.ok()) return s;
  if (!(request.min_probability() <= 1)) {  // also NaN
    return absl::InvalidArgumentError("min_probability is over 1");
  }
  if (!(request.min_confidence() >= 0 && request.min_confidence() <= 1)) {
    return absl::InvalidArgumentError("min_confidence is not in [0, 1]");
  }
  if (request.filter().exclude_item_ids_size() > kMaxExcludedItems) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter.exclude_item_ids has more than ", kMaxExcludedItems, " ids"));
  }
  options->as_of = view.AsOfOr(request.has_as_of(), request.as_of());
  if (!request.placement().empty()) options->placement = request.placement();
  if (!experiments::ValidName(options->placement)) {
    return absl::InvalidArgumentError(
        "placement must be 1-64 letters, digits, '_' or '-'");
  }
  options->lead_days = request.lead_days() == 0 ? 7 : request.lead_days();
  options->overdue_days = request.overdue_days();
  options->min_confidence = request.min_confidence();
  options->min_probability = request.min_probability() == 0
                                 ? kDefaultDueProbabilityFloor
                                 : request.min_probability();
  options->max_items = request.max_items_per_customer() == 0
                           ? 10
                           : request.max_items_per_customer();
  options->batch_size = request.batch_size() == 0 ? 256 : request.batch_size();
  return absl::OkStatus();
}

bool DueItemsOf(const View& view, const v1::CustomerRecord& record,
                const DueOptions& options, const BoundFilter& filter,
                google::protobuf::RepeatedPtrField<v1::DueItem>* out) {
  const std::vector<BoughtItem> items = BoughtItems(view.snapshot(), record);
  DueWindow window;
  window.lead_days = options.lead_days;
  window.overdue_days = options.overdue_days;
  window.min_confidence = options.min_confidence;
  window.min_probability = options.min_probability;
  window.max_items = options.max_items;
  const std::vector<RepurchaseTiming> due =
      DueInWindow(items, options.as_of, window,
                  [&](int32_t i) { return filter.Allows(i); });
  if (due.empty()) return false;
  for (const RepurchaseTiming& t : due) {
    FillDueItem(view.items(), t, options.as_of, out->Add());
  }
  return true;
}

// The snapshot's RFM quintile cutoffs; false for snapshots without them.
bool CutoffsOf(const v1::CustomerModel& m, RfmCutoffs* cut) {
  if (m.recency_cutoffs_size() != 4 || m.frequency_cutoffs_size() != 4 ||
      m.monetary_cutoffs_size() != 4) {
    return false;
  }
  for (int k = 0; k < 4; ++k) {
    cut->recency_days[k] = m.recency_cutoffs(k);
    cut->frequency[k] = m.frequency_cutoffs(k);
    cut->monetary[k] = m.monetary_cutoffs(k);
  }
  return true;
}

absl::string_view SegmentOf(const Snapshot& snapshot,
                            const v1::CustomerRecord& record, int64_t as_of) {
  RfmCutoffs cut;
  if (!CutoffsOf(snapshot.customer_model(), &cut)) return "";
  CustomerSummary summary =
      SummarizeCustomer(absl::MakeConstSpan(record.order_times().data(),
                                            record.order_times_size()),
                        absl::MakeConstSpan(record.order_values().data(),
                                            record.order_values_size()),
                        as_of);
  if (summary.orders == 0) return "";
  return RfmSegment(ScoreRfm(cut, summary));
}

namespace {

// The snapshot's ABC / XYZ cut-offs; has_abc() false for older snapshots.
// min_months is not stored: it is the one the indexer's thresholds were
// chosen with (models/segments.h).
ClassCutoffs ClassCutoffsOf(const v1::CustomerModel& m) {
  ClassCutoffs cut;
  if (m.abc_a_min() <= 0) return cut;
  cut.abc_a_min = m.abc_a_min();
  cut.abc_b_min = m.abc_b_min();
  cut.xyz.x_max = m.xyz_x_max();
  cut.xyz.y_max = m.xyz_y_max();
  cut.xyz.min_months = kCustomerXyz.min_months;
  return cut;
}

bool IsAbc(char c) { return c == 'A' || c == 'B' || c == 'C'; }
bool IsXyz(char c) { return c == 'X' || c == 'Y' || c == 'Z'; }

// A class segment as its letters ('\0' for the half not named); false when
// `segment` is not one.
bool ParseClassSegment(absl::string_view segment, char* abc, char* xyz) {
  *abc = *xyz = '\0';
  if (segment.size() == 1 && IsAbc(segment[0])) {
    *abc = segment[0];
  } else if (segment.size() == 1 && IsXyz(segment[0])) {
    *xyz = segment[0];
  } else if (segment.size() == 2 && IsAbc(segment[0]) && IsXyz(segment[1])) {
    *abc = segment[0];
    *xyz = segment[1];
  } else {
    return false;
  }
  return true;
}

}  // namespace

CustomerClasses ClassesOf(const Snapshot& snapshot,
                          const v1::CustomerRecord& record, int64_t as_of) {
  const ClassCutoffs cut = ClassCutoffsOf(snapshot.customer_model());
  if (!cut.has_abc()) return {};
  const auto times = absl::MakeConstSpan(record.order_times().data(),
                                         record.order_times_size());
  const auto values = absl::MakeConstSpan(record.order_values().data(),
                                          record.order_values_size());
  // The revenue as SummarizeCustomer adds it up, as the indexer did for
  // the cut-offs: a customer exactly on one stays on its side.
  const CustomerSummary c = SummarizeCustomer(times, values, as_of);
  if (c.orders == 0) return {};
  return ClassifyCustomer(c.revenue, times, values, as_of, cut);
}

absl::Status ValidateSegment(const Snapshot& snapshot,
                             absl::string_view segment) {
  const std::vector<std::string>& names = RfmSegmentNames();
  const v1::CustomerModel& m = snapshot.customer_model();
  if (std::find(names.begin(), names.end(), segment) != names.end()) {
    if (m.recency_cutoffs_size() != 4) {
      return absl::FailedPreconditionError(
          "this snapshot has no RFM segments: rebuild it with a newer "
          "indexer");
    }
    return absl::OkStatus();
  }
  char abc, xyz;
  if (ParseClassSegment(segment, &abc, &xyz)) {
    if (!ClassCutoffsOf(m).has_abc()) {
      return absl::FailedPreconditionError(
          absl::StrCat("this snapshot has no ABC / XYZ classes for segment '",
                       segment, "': rebuild it with a newer indexer"));
    }
    return absl::OkStatus();
  }
  // At most 64 bytes of what was sent: an error line, not an echo.
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown segment '", segment.substr(0, 64),
      segment.size() > 64 ? "...'" : "'",
      "; one of: ", absl::StrJoin(names, ", "),
      "; or an ABC / XYZ class: A, B, C, X, Y, Z, or both as AX ... CZ "
      "(ABC letter first)"));
}

bool InSegment(const Snapshot& snapshot, const v1::CustomerRecord& record,
               int64_t as_of, absl::string_view segment) {
  char abc, xyz;
  if (!ParseClassSegment(segment, &abc, &xyz)) {
    return !segment.empty() && SegmentOf(snapshot, record, as_of) == segment;
  }
  const CustomerClasses c = ClassesOf(snapshot, record, as_of);
  if (c.abc.empty()) return false;
  return (abc == '\0' || c.abc[0] == abc) &&
         (xyz == '\0' || (!c.xyz.empty() && c.xyz[0] == xyz));
}

absl::Status GetCustomerProfile(const View& view,
                                const v1::CustomerProfileRequest& request,
                                v1::CustomerProfile* response) {
  const Snapshot& snapshot = view.snapshot();
  absl::Status s = CheckCustomerId(request.customer_id());
  if (s.ok()) s = CheckAsOf(request.has_as_of(), request.as_of());
  if (!s.ok()) return s;
  // Unset: the server's clock, as everywhere (server/engine/clock.h). With a
  // nightly snapshot that ages customers by at most a day against the RFM
  // cutoffs fitted at the data's end; a historical export is served with
  // --clock data-end.
  const int64_t as_of = view.AsOfOr(request.has_as_of(), request.as_of());
  const std::string id = NormalizeId(request.customer_id());
  v1::CustomerRecord record;
  auto known = LoadRecord(view, id, &record);
  if (!known.ok()) return known.status();
  if (!*known) {
    return absl::NotFoundError(
        absl::StrCat("customer '", id, "' is not in snapshot ",
                     snapshot.version(), " and has no live purchases"));
  }
  const auto times = absl::MakeConstSpan(record.order_times().data(),
                                         record.order_times_size());
  const auto values = absl::MakeConstSpan(record.order_values().data(),
                                          record.order_values_size());
  const CustomerSummary c = SummarizeCustomer(times, values, as_of);
  if (c.orders == 0) {
    return absl::NotFoundError(
        absl::StrCat("customer '", id, "' has no orders before as_of"));
  }
  response->set_customer_id(id);
  response->set_snapshot_version(snapshot.version());
  SetTime(as_of, response->mutable_as_of());
  response->set_orders(c.orders);
  int64_t first = times.front(), last = times.front();
  for (int64_t t : times) {
    if (t > as_of) continue;
    first = std::min(first, t);
    last = std::max(last, t);
  }
  SetTime(first, response->mutable_first_order());
  SetTime(last, response->mutable_last_order());
  response->set_revenue(Cents(c.revenue));
  response->set_average_order_value(Cents(c.revenue / c.orders));
  // Over at least a month: two orders on a customer's first day are not a
  // rate of 60 a month.
  const double age_days = std::max(30.0, (as_of - first) / kDay);
  response->set_orders_per_month(c.orders / age_days * 30);
  response->set_days_since_last_order(std::max(0.0, (as_of - last) / kDay));
  response->set_frequency(c.frequency);
  response->set_recency_days(c.recency);
  response->set_age_days(c.age);

  const v1::CustomerModel& m = snapshot.customer_model();
  std::vector<std::string> notes;
  if (RfmCutoffs cut; CutoffsOf(m, &cut)) {
    const RfmScore rfm = ScoreRfm(cut, c);
    response->mutable_rfm()->set_recency(rfm.recency);
    response->mutable_rfm()->set_frequency(rfm.frequency);
    response->mutable_rfm()->set_monetary(rfm.monetary);
    response->set_segment(std::string(RfmSegment(rfm)));
  } else {
    notes.push_back(
        "the snapshot has no RFM cutoffs (made by an older indexer)");
  }
  // Against the snapshot's cut-offs with the live purchases in, like RFM.
  const Classes classes =
      ClassifyCustomer(c.revenue, times, values, as_of, ClassCutoffsOf(m));
  response->set_abc_class(std::string(classes.abc));
  response->set_xyz_class(std::string(classes.xyz));
  // The next order: the customer's own mean gap after the last order day.
  if (c.frequency > 0) {
    SetTime(last + static_cast<int64_t>(c.recency / c.frequency * kDay),
            response->mutable_predicted_next_order());
  }
  BgNbdParams bg;
  GammaGammaParams gg;
  if (ModelsOf(snapshot, &bg, &gg)) {
    response->set_churn_risk(1 - BgNbdProbabilityAlive(bg, c));
    response->set_expected_orders_12_months(BgNbdExpectedPurchases(bg, c, 365));
    response->set_expected_order_value(Cents(GammaGammaExpectedValue(gg, c)));
    const double bgnbd_ltv = PredictedLtv(bg, gg, c, 365);
    response->set_bgnbd_ltv_12_months(Cents(bgnbd_ltv));
    auto learned = LearnedLtv(snapshot, times, values, c, as_of, 365);
    if (learned.ok()) {
      response->set_predicted_ltv_12_months(Cents(*learned));
      response->set_ltv_model("learned");
    } else {
      response->set_predicted_ltv_12_months(Cents(bgnbd_ltv));
      // Not a model_note: the prediction is there, from the older model
      // (the snapshot's CustomerModel.note says why the learned one is not).
      response->set_ltv_model("bgnbd_gamma_gamma");
    }
    if (c.frequency == 0) {
      // One purchase day: no own gap. The day by which BG/NBD expects one
      // more order (if within two years).
      double lo = 0, hi = 730;
      if (BgNbdExpectedPurchases(bg, c, hi) >= 1) {
        for (int k = 0; k < 40; ++k) {
          const double mid = (lo + hi) / 2;
          (BgNbdExpectedPurchases(bg, c, mid) >= 1 ? hi : lo) = mid;
        }
        SetTime(as_of + static_cast<int64_t>(hi * kDay),
                response->mutable_predicted_next_order());
      }
    }
  } else {
    notes.push_back(m.note().empty()
                        ? "no BG/NBD or Gamma-Gamma model in the snapshot"
                        : m.note());
  }
  response->set_model_note(absl::StrJoin(notes, "; "));
  return absl::OkStatus();
}

}  // namespace boomerang
