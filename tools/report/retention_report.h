// The retention report behind `boomerang report`: the customer numbers that
// marketing articles talk about (repeat purchase rate, monthly retention,
// average order value, cohorts, lifetime value, RFM segments), computed from
// a shop's order history.
//
// Pure computation: orders in, a RetentionReport out, and that as JSON
// (ReportToJson). No files, no flags: tools/report/report_command.cc reads the
// purchase export and writes the outputs; report_html.h draws the page.
//
// Calendar months and days are UTC. Guest orders (no customer id) count for
// orders, revenue and average order value, never for customer metrics.
// Every number is defined in words in ReportDefinitions(), which goes into the
// JSON and onto the page, so the two cannot drift apart from the code's
// comments.
//
// Thread-safety: pure functions.
#ifndef BOOMERANG_TOOLS_REPORT_RETENTION_REPORT_H_
#define BOOMERANG_TOOLS_REPORT_RETENTION_REPORT_H_

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "models/customer_value.h"
#include "models/segments.h"

namespace boomerang {

struct RetentionReportOptions {
  // Orders at or after this moment (unix seconds) are left out, and ages and
  // recencies are measured up to it. 0 (the default): midnight UTC after the
  // last order's day, i.e. the whole history.
  int64_t as_of = 0;
  // Predicted lifetime value looks this many days ahead (default a year).
  double ltv_horizon_days = 365;
  // Yearly discount rate for predicted value (0: none).
  double annual_discount_rate = 0;
  // ISO 4217 code shown with money ("GBP"); empty: plain numbers. Only a
  // label: no conversion happens.
  std::string currency;
};

// The orders, as parallel arrays (one entry per order), e.g. the columns of
// an indexer OrderHistory.
struct ReportOrders {
  absl::Span<const int64_t> timestamps;  // unix seconds
  // Dense customer index in [0, num_customers), or -1 for a guest order.
  absl::Span<const int32_t> customers;
  absl::Span<const double> revenue;  // order value, >= 0
  int32_t num_customers = 0;
  // Optional: each item's sales per calendar month (OrderHistory's
  // item_months), for the items' ABC / XYZ matrix; empty: no item matrix.
  absl::Span<const std::vector<ItemMonth>> item_months;
};

// Summary statistics of a per-customer value (historic or predicted).
struct ValueDistribution {
  int64_t count = 0;
  double total = 0, mean = 0, min = 0, max = 0;
  // Percentile -> value, linear interpolation between order statistics
  // (numpy's default): 10, 25, 50, 75, 90, 95, 99.
  std::map<int, double> percentiles;
  struct Bucket {
    double lo = 0, hi = 0;  // [lo, hi)
    int64_t count = 0;
    double value_sum = 0;  // sum of the values in the bucket
  };
  // [0, e0), [e0, e1), ... with e0 < e1 < ... "nice" log-spaced edges
  // (1-2-5, 1-3 or 1-10 per decade, whichever gives at most 18 buckets);
  // the last bucket holds the maximum.
  std::vector<Bucket> buckets;
};

struct MonthRow {
  std::string month;     // "2011-01"
  bool partial = false;  // not fully inside [first data day, as_of)
  int64_t orders = 0, guest_orders = 0;
  double revenue = 0;
  std::optional<double> aov;  // revenue / orders; none without orders
  int64_t active_customers = 0, new_customers = 0, returning_customers = 0;
  // Customers active both in the previous month and in this one.
  int64_t retained_customers = 0;
  std::optional<double> retention_rate;  // retained / previous active
  std::optional<double> classic_crr;     // (active - new) / previous active
};

struct CohortRow {
  std::string month;  // the cohort: month of the customers' first order
  int64_t customers = 0;
  // Index k = months after the cohort month, up to the last report month.
  std::vector<int64_t> active;             // cohort customers ordering
  std::vector<double> customer_retention;  // active[k] / customers
  std::vector<double> revenue;             // cohort revenue in month +k
  std::vector<std::optional<double>> revenue_retention;  // / revenue[0]
};

struct SegmentRow {
  std::string name;
  int64_t customers = 0;
  double share = 0;  // of customers
  double revenue = 0;
  double revenue_share = 0;  // of customer revenue
  // Means over the segment's customers; none for an empty segment.
  std::optional<double> mean_recency_days, mean_frequency, mean_monetary;
  std::optional<double> mean_predicted_ltv, mean_probability_alive;
};

// The ABC x XYZ matrix of customers or items (models/segments.h).
struct ClassMatrix {
  bool available = false;  // false: no revenue (or no item data)
  ClassCutoffs cutoffs;
  int64_t count = 0;  // customers or items
  double revenue = 0;
  struct Cell {
    int64_t count = 0;
    double share = 0;  // of count
    double revenue = 0;
    double revenue_share = 0;
  };
  // cells[a][x]: a = A, B, C; x = X, Y, Z.
  std::array<std::array<Cell, 3>, 3> cells{};
};

struct RetentionReport {
  RetentionReportOptions options;
  int64_t as_of = 0;                     // the effective one
  int64_t data_start = 0, data_end = 0;  // first and last order used
  int64_t orders_after_as_of = 0;        // left out

  // Totals.
  int64_t customers = 0;  // registered customers with an order
  int64_t orders = 0, guest_orders = 0;
  double revenue = 0, guest_revenue = 0;
  std::optional<double> aov;

  // Repeat purchase.
  int64_t repeat_customers = 0;          // >= 2 orders
  int64_t repeat_customers_by_days = 0;  // >= 2 distinct order days
  double repeat_purchase_rate = 0;
  double repeat_purchase_rate_by_days = 0;
  double orders_per_customer = 0;

  std::vector<MonthRow> months;
  std::vector<CohortRow> cohorts;
  // Customer-weighted mean over the cohorts that have reached month +k.
  std::vector<double> cohort_average_retention;

  ValueDistribution historic_ltv;

  // Predicted value (BG/NBD + Gamma-Gamma); `predicted_available` is false
  // when a fit failed, with the reason.
  bool predicted_available = false;
  std::string predicted_unavailable_reason;
  BgNbdParams bg_nbd;
  FitReport bg_nbd_fit;
  GammaGammaParams gamma_gamma;
  FitReport gamma_gamma_fit;
  ValueDistribution predicted_ltv;
  double expected_orders = 0;  // sum over customers, within the horizon
  double mean_probability_alive = 0;

  RfmCutoffs rfm_cutoffs;
  std::vector<SegmentRow> segments;  // in RfmSegmentNames() order

  // ABC / XYZ classes as of as_of with the indexer's default shares and
  // thresholds. Items by whole calendar months up to as_of's month (an
  // --as-of inside a month counts that month's later item sales too).
  ClassMatrix customer_classes, item_classes;
};

// Computes the report. INVALID_ARGUMENT when there is no order before as-of
// or the arrays disagree in size or hold a customer index out of range.
absl::StatusOr<RetentionReport> ComputeRetentionReport(
    const ReportOrders& orders, const RetentionReportOptions& options);

// The definitions of every number, keyed as in the JSON.
const std::vector<std::pair<std::string, std::string>>& ReportDefinitions();

// The whole report as JSON (the format of `boomerang report --json`).
// Undefined values (a rate with no denominator) are null.
nlohmann::json ReportToJson(const RetentionReport& report);

// "2011-12-10T00:00:00Z".
std::string FormatUtc(int64_t unix_seconds);

// Helpers exposed for tests.
namespace report_internal {
// numpy-style percentile (0..100) of sorted values. REQUIRES: non-empty.
double Percentile(const std::vector<double>& sorted, double q);
ValueDistribution Distribute(std::vector<double> values);
}  // namespace report_internal

}  // namespace boomerang

#endif  // BOOMERANG_TOOLS_REPORT_RETENTION_REPORT_H_
