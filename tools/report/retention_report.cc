#include "tools/report/retention_report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace boomerang {
namespace {

constexpr int64_t kDay = 86400;
constexpr int kPercentiles[] = {10, 25, 50, 75, 90, 95, 99};
constexpr size_t kMaxBuckets = 18;

int64_t DayOf(int64_t t) {  // floor division: days before 1970 too
  return t >= 0 ? t / kDay : -((-t + kDay - 1) / kDay);
}

absl::CivilMonth MonthOf(int64_t t) {
  return absl::CivilMonth(
      absl::ToCivilSecond(absl::FromUnixSeconds(t), absl::UTCTimeZone()));
}

int64_t MonthKey(absl::CivilMonth m) { return m.year() * 12 + m.month() - 1; }

int64_t MonthStart(absl::CivilMonth m) {
  return absl::ToUnixSeconds(absl::FromCivil(m, absl::UTCTimeZone()));
}

std::string MonthName(absl::CivilMonth m) {
  return absl::StrFormat("%04d-%02d", m.year(), m.month());
}

double Ratio(double num, double den) { return den > 0 ? num / den : 0; }

std::optional<double> MaybeRatio(double num, double den) {
  if (den > 0) return num / den;
  return std::nullopt;
}

// Log-spaced "nice" bucket edges from about `lo` (> 0) past `hi`.
std::vector<double> NiceEdges(double lo, double hi) {
  static const std::vector<std::vector<double>> kSteps = {
      {1, 2, 5}, {1, 3}, {1}};
  std::vector<double> edges;
  for (const auto& steps : kSteps) {
    edges.clear();
    double decade = std::pow(10.0, std::floor(std::log10(lo)));
    // The largest nice number <= lo starts the list.
    size_t i = 0;
    for (size_t j = 0; j < steps.size(); ++j) {
      if (steps[j] * decade <= lo * (1 + 1e-12)) i = j;
    }
    while (true) {
      double e = steps[i] * decade;
      edges.push_back(e);
      if (e > hi) break;
      if (++i == steps.size()) {
        i = 0;
        decade *= 10;
      }
    }
    if (edges.size() + 1 <= kMaxBuckets) break;
  }
  return edges;
}

}  // namespace

std::string FormatUtc(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

namespace report_internal {

double Percentile(const std::vector<double>& sorted, double q) {
  const double pos = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= sorted.size()) return sorted.back();
  const double frac = pos - static_cast<double>(i);
  return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

ValueDistribution Distribute(std::vector<double> values) {
  ValueDistribution d;
  d.count = static_cast<int64_t>(values.size());
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  for (double v : values) d.total += v;
  d.mean = d.total / static_cast<double>(values.size());
  d.min = values.front();
  d.max = values.back();
  for (int p : kPercentiles) d.percentiles[p] = Percentile(values, p);

  std::vector<double> positive;
  for (double v : values) {
    if (v > 0) positive.push_back(v);
  }
  std::vector<double> edges;
  if (positive.empty()) {
    edges = {1};
  } else {
    // The 1st percentile, not the minimum, starts the scale: a few cents'
    // customers would otherwise add empty decades.
    edges = NiceEdges(Percentile(positive, 1), positive.back());
  }
  d.buckets.push_back({0, edges[0], 0, 0});
  for (size_t i = 0; i + 1 < edges.size(); ++i) {
    d.buckets.push_back({edges[i], edges[i + 1], 0, 0});
  }
  size_t b = 0;
  for (double v : values) {  // sorted: walk the buckets once
    while (b + 1 < d.buckets.size() && v >= d.buckets[b].hi) ++b;
    ++d.buckets[b].count;
    d.buckets[b].value_sum += v;
  }
  return d;
}

}  // namespace report_internal

const std::vector<std::pair<std::string, std::string>>& ReportDefinitions() {
  static const auto* kDefs = new std::vector<
      std::pair<std::string, std::string>>{
      {"scope",
       "Orders are purchases placed before as_of (returns, cancellations, "
       "zero-quantity and non-product lines are not purchases). Calendar "
       "months and days are UTC. Guest orders (no customer id) count for "
       "orders, revenue and average order value, never for customer metrics."},
      {"as_of",
       "The moment the report looks from: orders at or after it are left "
       "out. Default: midnight UTC after the last order's day."},
      {"order_value",
       "Sum of quantity x unit price over the order's purchase lines with a "
       "positive price (returns are not netted out)."},
      {"customers",
       "Distinct customer ids with at least one order before as_of."},
      {"revenue", "Sum of order values, guest orders included."},
      {"aov", "Average order value: revenue / orders, guest orders included."},
      {"repeat_purchase_rate", "Customers with 2 or more orders / customers."},
      {"repeat_purchase_rate_by_days",
       "Customers who ordered on 2 or more distinct days / customers (several "
       "orders on one day count once)."},
      {"orders_per_customer", "Orders of registered customers / customers."},
      {"active_customers", "Customers with at least one order in the month."},
      {"new_customers",
       "Customers whose first order (in the data) falls in the month."},
      {"returning_customers",
       "Active customers who are not new: active_customers - new_customers."},
      {"retention_rate",
       "Month-over-month customer retention: of the customers active in month "
       "m-1, the share also active in month m. Undefined (null) for the first "
       "month."},
      {"classic_crr",
       "The textbook CRR = (E - N) / S for month m with S = customers active "
       "in m-1, E = customers active in m, N = new customers in m. It also "
       "counts customers who come back after a gap as retained, so it is >= "
       "retention_rate and can exceed 1."},
      {"partial",
       "The month is not fully covered by the data (it starts before the "
       "first order's day or ends after as_of): its counts are low for that "
       "reason alone."},
      {"cohort", "Customers grouped by the month of their first order."},
      {"cohort_customer_retention",
       "Cell (cohort c, month +k): share of the cohort's customers with an "
       "order in month c+k. Month +0 is 1 by construction."},
      {"cohort_revenue_retention",
       "Cell (cohort c, month +k): the cohort's revenue in month c+k / its "
       "revenue in month c (month +0 is 1). Can exceed 1."},
      {"cohort_average_retention",
       "For each k: cohort customers active in month +k summed over the "
       "cohorts that have reached month +k, divided by those cohorts' sizes."},
      {"historic_ltv",
       "Historic lifetime value: a customer's total order value before as_of."},
      {"percentiles",
       "pN: the value below which N% of customers fall, linear interpolation "
       "between order statistics (numpy's default)."},
      {"buckets",
       "Histogram buckets [lo, hi) on log-spaced 1-2-5 (or 1-3, 1-10) edges; "
       "the first bucket starts at 0. value_sum is the total value of the "
       "bucket's customers."},
      {"predicted_ltv",
       "Predicted revenue per customer over the next horizon_days after "
       "as_of: BG/NBD expected orders (Fader, Hardie & Lee 2005) in monthly "
       "steps times the Gamma-Gamma expected order value, discounted at "
       "annual_discount_rate. Fitted on all customers with daily periods "
       "(orders on one day count once), as the lifetimes library does."},
      {"probability_alive",
       "BG/NBD probability that the customer has not dropped out."},
      {"rfm",
       "Recency (days from the last order day to as_of; fewer is better), "
       "frequency (orders) and monetary (revenue) each scored 1-5 by "
       "customer quintiles (cutoffs listed); the segment follows from the "
       "recency x frequency scores on the widely used RFM grid."},
      {"abc_xyz",
       "ABC: customers (items) sorted by revenue; A are those making the "
       "first 80% of it, B the next 15%, C the rest. XYZ: the coefficient of "
       "variation (standard deviation / mean) of monthly spend (items: "
       "units) per calendar month from the first purchase's month to as_of's, "
       "months without purchases counting 0; customers X up to 1.0, Y up to "
       "2.0; items X up to 0.5, Y up to 1.0; Z above, or with under 3 "
       "months of history. Cells: count, share of the count, revenue and "
       "share of revenue."},
      {"segment_revenue_share",
       "Segment revenue / revenue of all registered customers (guest revenue "
       "excluded)."},
  };
  return *kDefs;
}

namespace {

// Checks that the order columns line up and the customer indices are in
// range.
absl::Status ValidateOrders(const ReportOrders& in) {
  const size_t n = in.timestamps.size();
  if (in.customers.size() != n || in.revenue.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("report: ", n, " order times but ", in.customers.size(),
                     " customers and ", in.revenue.size(), " values"));
  }
  if (in.num_customers < 0) {
    return absl::InvalidArgumentError("report: negative num_customers");
  }
  for (size_t o = 0; o < n; ++o) {
    if (in.customers[o] < -1 || in.customers[o] >= in.num_customers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "report: order ", o, " has customer index ", in.customers[o],
          " outside [-1, ", in.num_customers, ")"));
    }
  }
  return absl::OkStatus();
}

// Sets r's as_of (the option, or the day after the last order), the orders
// left out after it and the data range; returns the indices of the orders
// before as_of, by time.
absl::StatusOr<std::vector<size_t>> OrdersBeforeAsOf(
    const ReportOrders& in, const RetentionReportOptions& options,
    RetentionReport* r) {
  const size_t n = in.timestamps.size();
  if (options.as_of != 0) {
    r->as_of = options.as_of;
  } else {
    if (n == 0) return absl::InvalidArgumentError("report: no orders");
    const int64_t last =
        *std::max_element(in.timestamps.begin(), in.timestamps.end());
    r->as_of = (DayOf(last) + 1) * kDay;
  }
  std::vector<size_t> used;
  for (size_t o = 0; o < n; ++o) {
    if (in.timestamps[o] < r->as_of) {
      used.push_back(o);
    } else {
      ++r->orders_after_as_of;
    }
  }
  if (used.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "report: no orders before as-of ", FormatUtc(r->as_of),
        n > 0 ? " (the data starts later)" : " (the file has no purchases)"));
  }
  std::stable_sort(used.begin(), used.end(), [&](size_t a, size_t b) {
    return in.timestamps[a] < in.timestamps[b];
  });
  r->data_start = in.timestamps[used.front()];
  r->data_end = in.timestamps[used.back()];
  return used;
}

// The report's months: from the first order's month to as_of's (the month
// of its last second).
struct MonthAxis {
  absl::CivilMonth first_month;
  int64_t first_key = 0;
  int num_months = 0;

  // The index of the month of time `t`.
  int IndexOf(int64_t t) const {
    return static_cast<int>(MonthKey(MonthOf(t)) - first_key);
  }
};

// Lays out r's month rows (names and partial flags).
MonthAxis MakeMonths(RetentionReport* r) {
  MonthAxis axis;
  axis.first_month = MonthOf(r->data_start);
  const absl::CivilMonth last_month = MonthOf(r->as_of - 1);
  axis.first_key = MonthKey(axis.first_month);
  axis.num_months = static_cast<int>(
      std::max<int64_t>(1, MonthKey(last_month) - axis.first_key + 1));
  const int64_t covered_from = DayOf(r->data_start) * kDay;
  r->months.resize(axis.num_months);
  for (int m = 0; m < axis.num_months; ++m) {
    const absl::CivilMonth cm = axis.first_month + m;
    MonthRow& row = r->months[m];
    row.month = MonthName(cm);
    row.partial =
        MonthStart(cm) < covered_from || MonthStart(cm + 1) > r->as_of;
  }
  return axis;
}

// Adds the orders and revenue of `used` to r's totals and months; returns
// the orders of each customer (in time order).
std::vector<std::vector<size_t>> CountOrders(const ReportOrders& in,
                                             const std::vector<size_t>& used,
                                             const MonthAxis& axis,
                                             RetentionReport* r) {
  std::vector<std::vector<size_t>> by_customer(in.num_customers);
  for (size_t o : used) {
    MonthRow& row = r->months[axis.IndexOf(in.timestamps[o])];
    ++row.orders;
    row.revenue += in.revenue[o];
    ++r->orders;
    r->revenue += in.revenue[o];
    if (in.customers[o] < 0) {
      ++row.guest_orders;
      ++r->guest_orders;
      r->guest_revenue += in.revenue[o];
    } else {
      by_customer[in.customers[o]].push_back(o);
    }
  }
  r->aov = MaybeRatio(r->revenue, static_cast<double>(r->orders));
  return by_customer;
}

// Per cohort (month of the first order): its size, and its active customers
// and revenue in each month since.
struct CohortSums {
  std::vector<int> size;
  std::vector<std::vector<int64_t>> active;
  std::vector<std::vector<double>> revenue;

  explicit CohortSums(int num_months)
      : size(num_months, 0), active(num_months), revenue(num_months) {
    for (int c = 0; c < num_months; ++c) {
      active[c].assign(num_months - c, 0);
      revenue[c].assign(num_months - c, 0);
    }
  }
};

// What the report keeps per customer with an order, in customer order.
struct PerCustomer {
  std::vector<double> revenue;
  std::vector<CustomerSummary> summaries;
  // The CV of monthly spend and the number of months (models/segments.h).
  std::vector<double> cv;
  std::vector<int64_t> months;
};

// Adds each customer's orders to r's customer counts, months and `cohorts`;
// returns their revenues and summaries at as_of.
PerCustomer CountCustomers(const ReportOrders& in,
                           const std::vector<std::vector<size_t>>& by_customer,
                           const MonthAxis& axis, CohortSums* cohorts,
                           RetentionReport* r) {
  PerCustomer out;
  std::vector<int64_t> times;
  std::vector<double> values;
  int64_t customer_orders = 0;
  for (const auto& orders : by_customer) {
    if (orders.empty()) continue;
    ++r->customers;
    customer_orders += static_cast<int64_t>(orders.size());
    if (orders.size() >= 2) ++r->repeat_customers;
    const int cohort = axis.IndexOf(in.timestamps[orders.front()]);
    ++cohorts->size[cohort];
    ++r->months[cohort].new_customers;
    int prev_month = -2;
    int64_t prev_day = std::numeric_limits<int64_t>::min();
    int days = 0;
    double revenue = 0;
    times.clear();
    values.clear();
    for (size_t o : orders) {
      const int m = axis.IndexOf(in.timestamps[o]);
      const int64_t day = DayOf(in.timestamps[o]);
      if (day != prev_day) ++days;
      prev_day = day;
      if (m != prev_month) {
        ++r->months[m].active_customers;
        if (m == prev_month + 1) ++r->months[m].retained_customers;
        ++cohorts->active[cohort][m - cohort];
      }
      prev_month = m;
      cohorts->revenue[cohort][m - cohort] += in.revenue[o];
      revenue += in.revenue[o];
      times.push_back(in.timestamps[o]);
      values.push_back(in.revenue[o]);
    }
    if (days >= 2) ++r->repeat_customers_by_days;
    out.revenue.push_back(revenue);
    out.summaries.push_back(SummarizeCustomer(times, values, r->as_of));
    const std::vector<double> series = MonthlySeries(times, values, r->as_of);
    out.cv.push_back(CoefficientOfVariation(series));
    out.months.push_back(static_cast<int64_t>(series.size()));
  }
  const double customers = static_cast<double>(r->customers);
  r->repeat_purchase_rate =
      Ratio(static_cast<double>(r->repeat_customers), customers);
  r->repeat_purchase_rate_by_days =
      Ratio(static_cast<double>(r->repeat_customers_by_days), customers);
  r->orders_per_customer =
      Ratio(static_cast<double>(customer_orders), customers);
  return out;
}

// The month rows' ratios: AOV, returning customers and retention.
void FinishMonths(RetentionReport* r) {
  for (size_t m = 0; m < r->months.size(); ++m) {
    MonthRow& row = r->months[m];
    row.aov = MaybeRatio(row.revenue, static_cast<double>(row.orders));
    row.returning_customers = row.active_customers - row.new_customers;
    if (m > 0) {
      const double prev =
          static_cast<double>(r->months[m - 1].active_customers);
      row.retention_rate =
          MaybeRatio(static_cast<double>(row.retained_customers), prev);
      row.classic_crr =
          MaybeRatio(static_cast<double>(row.returning_customers), prev);
    }
  }
}

// r's cohort rows (the non-empty cohorts) and their average retention by
// months since the first order.
void BuildCohorts(const CohortSums& cohorts, RetentionReport* r) {
  const int num_months = static_cast<int>(cohorts.size.size());
  std::vector<int64_t> reached_active(num_months, 0),
      reached_size(num_months, 0);
  for (int c = 0; c < num_months; ++c) {
    if (cohorts.size[c] == 0) continue;
    CohortRow row;
    row.month = r->months[c].month;
    row.customers = cohorts.size[c];
    row.active = cohorts.active[c];
    row.revenue = cohorts.revenue[c];
    for (size_t k = 0; k < row.active.size(); ++k) {
      row.customer_retention.push_back(static_cast<double>(row.active[k]) /
                                       row.customers);
      row.revenue_retention.push_back(
          MaybeRatio(row.revenue[k], row.revenue[0]));
      reached_active[k] += row.active[k];
      reached_size[k] += row.customers;
    }
    r->cohorts.push_back(std::move(row));
  }
  for (int k = 0; k < num_months; ++k) {
    if (reached_size[k] == 0) break;
    r->cohort_average_retention.push_back(
        static_cast<double>(reached_active[k]) / reached_size[k]);
  }
}

// The predicted value per customer (empty when the models do not fit).
struct Predictions {
  std::vector<double> ltv, p_alive;
};

// Fits BG/NBD and Gamma-Gamma to `summaries` and fills r's predicted value,
// or the reason it is unavailable.
Predictions PredictValue(const std::vector<CustomerSummary>& summaries,
                         const RetentionReportOptions& options,
                         RetentionReport* r) {
  Predictions out;
  auto bg = FitBgNbd(summaries, &r->bg_nbd_fit);
  absl::StatusOr<GammaGammaParams> gg =
      bg.ok() ? FitGammaGamma(summaries, &r->gamma_gamma_fit)
              : absl::StatusOr<GammaGammaParams>(bg.status());
  if (!bg.ok() || !gg.ok()) {
    r->predicted_unavailable_reason =
        absl::StrCat(!bg.ok() ? "BG/NBD fit: " : "Gamma-Gamma fit: ",
                     !bg.ok() ? bg.status().message() : gg.status().message());
    return out;
  }
  r->predicted_available = true;
  r->bg_nbd = *bg;
  r->gamma_gamma = *gg;
  double alive_sum = 0;
  for (const CustomerSummary& s : summaries) {
    out.ltv.push_back(PredictedLtv(*bg, *gg, s, options.ltv_horizon_days,
                                   options.annual_discount_rate));
    out.p_alive.push_back(BgNbdProbabilityAlive(*bg, s));
    alive_sum += out.p_alive.back();
    r->expected_orders +=
        BgNbdExpectedPurchases(*bg, s, options.ltv_horizon_days);
  }
  r->mean_probability_alive =
      Ratio(alive_sum, static_cast<double>(r->customers));
  r->predicted_ltv = report_internal::Distribute(out.ltv);
  return out;
}

// r's RFM cutoffs and one row per segment, in RfmSegmentNames() order.
void BuildSegments(const std::vector<CustomerSummary>& summaries,
                   const Predictions& predicted, RetentionReport* r) {
  r->rfm_cutoffs = ComputeRfmCutoffs(summaries);
  const std::vector<std::string>& names = RfmSegmentNames();
  struct Sums {
    int64_t customers = 0;
    double revenue = 0, recency = 0, frequency = 0, predicted = 0, alive = 0;
  };
  std::vector<Sums> sums(names.size());
  const double customer_revenue_total = r->revenue - r->guest_revenue;
  for (size_t i = 0; i < summaries.size(); ++i) {
    const CustomerSummary& s = summaries[i];
    const absl::string_view seg = RfmSegment(ScoreRfm(r->rfm_cutoffs, s));
    const size_t k = static_cast<size_t>(
        std::find(names.begin(), names.end(), seg) - names.begin());
    if (k == names.size()) continue;  // CHECK-worthy, but keep the report
    Sums& x = sums[k];
    ++x.customers;
    x.revenue += s.revenue;
    x.recency += s.days_since_last;
    x.frequency += static_cast<double>(s.orders);
    if (r->predicted_available) {
      x.predicted += predicted.ltv[i];
      x.alive += predicted.p_alive[i];
    }
  }
  const double customers = static_cast<double>(r->customers);
  for (size_t k = 0; k < names.size(); ++k) {
    SegmentRow row;
    row.name = names[k];
    const Sums& x = sums[k];
    row.customers = x.customers;
    row.share = Ratio(static_cast<double>(x.customers), customers);
    row.revenue = x.revenue;
    row.revenue_share = Ratio(x.revenue, customer_revenue_total);
    if (x.customers > 0) {
      const double c = static_cast<double>(x.customers);
      row.mean_recency_days = x.recency / c;
      row.mean_frequency = x.frequency / c;
      row.mean_monetary = x.revenue / c;
      if (r->predicted_available) {
        row.mean_predicted_ltv = x.predicted / c;
        row.mean_probability_alive = x.alive / c;
      }
    }
    r->segments.push_back(std::move(row));
  }
}

// Adds one customer or item of `classes` and `revenue` to `m`.
void AddToMatrix(const Classes& classes, double revenue, ClassMatrix* m) {
  if (classes.abc.empty() || classes.xyz.empty()) return;
  ClassMatrix::Cell& cell =
      m->cells[classes.abc[0] - 'A'][classes.xyz[0] - 'X'];
  ++cell.count;
  cell.revenue += revenue;
}

void FinishMatrix(ClassMatrix* m) {
  for (auto& row : m->cells) {
    for (const ClassMatrix::Cell& cell : row) {
      m->count += cell.count;
      m->revenue += cell.revenue;
    }
  }
  for (auto& row : m->cells) {
    for (ClassMatrix::Cell& cell : row) {
      cell.share =
          Ratio(static_cast<double>(cell.count), static_cast<double>(m->count));
      cell.revenue_share = Ratio(cell.revenue, m->revenue);
    }
  }
}

// The customers' and (with item data) the items' ABC x XYZ matrices, with
// the indexer's defaults: what the server's profiles would say at as_of.
void BuildClassMatrices(const ReportOrders& in, const PerCustomer& customers,
                        RetentionReport* r) {
  // Revenue as SummarizeCustomer adds it up, as the indexer and the server
  // do: a customer on a cut-off falls on the same side everywhere.
  std::vector<double> revenue;
  revenue.reserve(customers.summaries.size());
  for (const CustomerSummary& s : customers.summaries) {
    revenue.push_back(s.revenue);
  }
  ClassMatrix& c = r->customer_classes;
  c.cutoffs = ComputeAbcCutoffs(revenue);
  c.cutoffs.xyz = kCustomerXyz;
  c.available = c.cutoffs.has_abc();
  for (size_t i = 0; c.available && i < revenue.size(); ++i) {
    const Classes k{
        AbcClass(c.cutoffs, revenue[i]),
        XyzClass(c.cutoffs.xyz, customers.cv[i], customers.months[i])};
    AddToMatrix(k, revenue[i], &c);
  }
  FinishMatrix(&c);
  if (in.item_months.empty()) return;
  ClassMatrix& m = r->item_classes;
  const int64_t month = MonthIndex(r->as_of - 1);
  const std::vector<Classes> items =
      ClassifyItems(in.item_months, month, AbcShares(), kItemXyz, &m.cutoffs);
  m.available = m.cutoffs.has_abc();
  for (size_t i = 0; m.available && i < items.size(); ++i) {
    double revenue = 0;
    for (const ItemMonth& x : in.item_months[i]) {
      if (x.month <= month) revenue += x.revenue;
    }
    AddToMatrix(items[i], revenue, &m);
  }
  FinishMatrix(&m);
}

}  // namespace

absl::StatusOr<RetentionReport> ComputeRetentionReport(
    const ReportOrders& in, const RetentionReportOptions& options) {
  if (absl::Status s = ValidateOrders(in); !s.ok()) return s;
  RetentionReport r;
  r.options = options;
  absl::StatusOr<std::vector<size_t>> used = OrdersBeforeAsOf(in, options, &r);
  if (!used.ok()) return used.status();
  const MonthAxis axis = MakeMonths(&r);
  const std::vector<std::vector<size_t>> by_customer =
      CountOrders(in, *used, axis, &r);
  CohortSums cohorts(axis.num_months);
  const PerCustomer per_customer =
      CountCustomers(in, by_customer, axis, &cohorts, &r);
  FinishMonths(&r);
  BuildCohorts(cohorts, &r);
  r.historic_ltv = report_internal::Distribute(per_customer.revenue);
  const Predictions predicted =
      PredictValue(per_customer.summaries, options, &r);
  BuildSegments(per_customer.summaries, predicted, &r);
  BuildClassMatrices(in, per_customer, &r);
  return r;
}

namespace {

nlohmann::json Opt(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json DistributionJson(const ValueDistribution& d) {
  nlohmann::json j = {{"customers", d.count},
                      {"total", d.total},
                      {"mean", d.mean},
                      {"min", d.min},
                      {"max", d.max}};
  nlohmann::json p = nlohmann::json::object();
  for (const auto& [q, v] : d.percentiles) p[absl::StrCat("p", q)] = v;
  j["percentiles"] = p;
  nlohmann::json b = nlohmann::json::array();
  for (const auto& x : d.buckets) {
    b.push_back({{"lo", x.lo},
                 {"hi", x.hi},
                 {"customers", x.count},
                 {"value_sum", x.value_sum}});
  }
  j["buckets"] = b;
  return j;
}

nlohmann::json ClassMatrixJson(const ClassMatrix& m) {
  nlohmann::json cells = nlohmann::json::array();
  for (int a = 0; a < 3; ++a) {
    for (int x = 0; x < 3; ++x) {
      const ClassMatrix::Cell& c = m.cells[a][x];
      cells.push_back({{"abc", std::string(1, static_cast<char>('A' + a))},
                       {"xyz", std::string(1, static_cast<char>('X' + x))},
                       {"count", c.count},
                       {"share", c.share},
                       {"revenue", c.revenue},
                       {"revenue_share", c.revenue_share}});
    }
  }
  return {{"available", m.available},
          {"count", m.count},
          {"revenue", m.revenue},
          {"cutoffs",
           {{"abc_a_min", m.cutoffs.abc_a_min},
            {"abc_b_min", m.cutoffs.abc_b_min},
            {"xyz_x_max", m.cutoffs.xyz.x_max},
            {"xyz_y_max", m.cutoffs.xyz.y_max},
            {"xyz_min_months", m.cutoffs.xyz.min_months}}},
          {"cells", cells}};
}

nlohmann::json FitJson(const FitReport& f) {
  return {{"customers", f.customers},
          {"iterations", f.iterations},
          {"converged", f.converged},
          {"log_likelihood", f.log_likelihood}};
}

}  // namespace

nlohmann::json ReportToJson(const RetentionReport& r) {
  nlohmann::json j;
  j["report"] = "boomerang retention report";
  j["format_version"] = 1;
  j["as_of"] = FormatUtc(r.as_of);
  j["currency"] = r.options.currency;
  nlohmann::json defs = nlohmann::json::object();
  for (const auto& [k, v] : ReportDefinitions()) defs[k] = v;
  j["definitions"] = defs;
  j["notes"] = {
      "Guest orders count for orders, revenue and AOV but not for customer "
      "metrics.",
      "Customers are only known from the data: a customer's first order in "
      "the file is treated as their first order ever, so the first months' "
      "new customers include existing customers."};

  j["totals"] = {{"customers", r.customers},
                 {"orders", r.orders},
                 {"guest_orders", r.guest_orders},
                 {"customer_orders", r.orders - r.guest_orders},
                 {"revenue", r.revenue},
                 {"guest_revenue", r.guest_revenue},
                 {"customer_revenue", r.revenue - r.guest_revenue},
                 {"aov", Opt(r.aov)},
                 {"data_start", FormatUtc(r.data_start)},
                 {"data_end", FormatUtc(r.data_end)},
                 {"orders_after_as_of", r.orders_after_as_of}};
  j["repeat_purchase"] = {
      {"customers", r.customers},
      {"repeat_customers", r.repeat_customers},
      {"repeat_purchase_rate", r.repeat_purchase_rate},
      {"repeat_customers_by_days", r.repeat_customers_by_days},
      {"repeat_purchase_rate_by_days", r.repeat_purchase_rate_by_days},
      {"orders_per_customer", r.orders_per_customer}};

  nlohmann::json months = nlohmann::json::array();
  for (const MonthRow& m : r.months) {
    months.push_back({{"month", m.month},
                      {"partial", m.partial},
                      {"orders", m.orders},
                      {"guest_orders", m.guest_orders},
                      {"revenue", m.revenue},
                      {"aov", Opt(m.aov)},
                      {"active_customers", m.active_customers},
                      {"new_customers", m.new_customers},
                      {"returning_customers", m.returning_customers},
                      {"retained_customers", m.retained_customers},
                      {"retention_rate", Opt(m.retention_rate)},
                      {"classic_crr", Opt(m.classic_crr)}});
  }
  j["monthly"] = months;

  nlohmann::json cohorts = nlohmann::json::array();
  for (const CohortRow& c : r.cohorts) {
    nlohmann::json rr = nlohmann::json::array();
    for (const auto& v : c.revenue_retention) rr.push_back(Opt(v));
    cohorts.push_back({{"cohort", c.month},
                       {"customers", c.customers},
                       {"active", c.active},
                       {"customer_retention", c.customer_retention},
                       {"revenue", c.revenue},
                       {"revenue_retention", rr}});
  }
  j["cohorts"] = {{"rows", cohorts},
                  {"average_customer_retention", r.cohort_average_retention}};

  nlohmann::json predicted = {
      {"available", r.predicted_available},
      {"horizon_days", r.options.ltv_horizon_days},
      {"annual_discount_rate", r.options.annual_discount_rate}};
  if (r.predicted_available) {
    predicted["distribution"] = DistributionJson(r.predicted_ltv);
    predicted["expected_orders"] = r.expected_orders;
    predicted["mean_probability_alive"] = r.mean_probability_alive;
    predicted["bg_nbd"] = {{"r", r.bg_nbd.r},
                           {"alpha", r.bg_nbd.alpha},
                           {"a", r.bg_nbd.a},
                           {"b", r.bg_nbd.b},
                           {"fit", FitJson(r.bg_nbd_fit)}};
    predicted["gamma_gamma"] = {{"p", r.gamma_gamma.p},
                                {"q", r.gamma_gamma.q},
                                {"gamma", r.gamma_gamma.gamma},
                                {"fit", FitJson(r.gamma_gamma_fit)}};
  } else {
    predicted["reason"] = r.predicted_unavailable_reason;
  }
  j["ltv"] = {{"historic", DistributionJson(r.historic_ltv)},
              {"predicted", predicted}};

  nlohmann::json segments = nlohmann::json::array();
  for (const SegmentRow& s : r.segments) {
    segments.push_back(
        {{"segment", s.name},
         {"customers", s.customers},
         {"share", s.share},
         {"revenue", s.revenue},
         {"revenue_share", s.revenue_share},
         {"mean_recency_days", Opt(s.mean_recency_days)},
         {"mean_frequency", Opt(s.mean_frequency)},
         {"mean_monetary", Opt(s.mean_monetary)},
         {"mean_predicted_ltv", Opt(s.mean_predicted_ltv)},
         {"mean_probability_alive", Opt(s.mean_probability_alive)}});
  }
  auto arr = [](const std::array<double, 4>& a) {
    return nlohmann::json(std::vector<double>(a.begin(), a.end()));
  };
  j["rfm"] = {{"cutoffs",
               {{"recency_days", arr(r.rfm_cutoffs.recency_days)},
                {"frequency", arr(r.rfm_cutoffs.frequency)},
                {"monetary", arr(r.rfm_cutoffs.monetary)}}},
              {"segments", segments}};
  j["abc_xyz"] = {{"customers", ClassMatrixJson(r.customer_classes)},
                  {"items", ClassMatrixJson(r.item_classes)}};
  return j;
}

}  // namespace boomerang
