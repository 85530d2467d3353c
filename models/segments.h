// ABC / XYZ classes of customers and items, as shops use them to split a
// range or a customer base: ABC by share of revenue, XYZ by how regular the
// monthly demand is.
//
// ABC: sort by revenue, highest first, and cumulate. "A" holds the
// customers (items) making the first `a_share` (80%) of revenue, "B" the
// next `b_share` (15%), "C" the rest. An entity is A when the revenue
// before it in that order is below 80% of the total, so the one that
// crosses 80% is A too. The cut-offs are stored as the lowest revenue of
// the A (B) class, and a revenue at or above a cut-off takes its class:
// entities tied with the last A are A as well, and a customer whose revenue
// grows after the snapshot moves up without a rebuild. Revenue is over the
// whole history up to as_of (as RFM's monetary score is): a shop's A
// customers are the ones who brought the money, not this month's buyers.
//
// XYZ: the coefficient of variation (population standard deviation /
// mean) of the monthly series: customers' spend, items' units, per
// calendar month (UTC) from the first purchase's month to the as-of month,
// months without purchases counting 0. A customer who buys k of N months
// for the same amount has CV sqrt(N/k - 1): every month 0, half the months
// 1, one month in five 2, a single order sqrt(N - 1).
//
// Thresholds (CV up to x_max is X, up to y_max Y, else Z), measured on
// Online Retail (`boomerang report` as of 2011-12-10, 13 calendar months;
// BENCHMARKS.md, "ABC / XYZ classes"):
//   - Items: 0.5 / 1.0, the retail variant of the scale. The classic
//     0.1 / 0.25 is for steady industrial demand: a gift shop's monthly
//     units are seasonal and lumpy (the median item's CV is 1.0), so it
//     would put nearly every item in Z. Measured: X 10.7%, Y 35.0%, Z 54.3%
//     of 3,926 items; A items are mostly X / Y (656 of 825), C items
//     mostly Z (1,578 of 2,122).
//   - Customers: 1.0 / 2.0. A customer buys in a few months at most, so
//     the item scale would put some 80% of customers in Z and 2% in X.
//     With 1.0 / 2.0, X is "buys about every other month or more often, at
//     a steady spend" and Z "in fewer than one month in five" (or is new).
//     Measured: X 13.6%, Y 47.5%, Z 38.9% of 4,335 customers; the AX cell
//     (10% of customers) brings 43% of revenue.
// A history shorter than `min_months` (3) calendar months is Z whatever its
// CV: with one month the CV is 0 and with two a single order has CV 1, so
// a new customer would look steady. A series with no value (mean 0: no
// priced purchase) is Z too.
//
// Thread-safety: pure functions.
#ifndef BOOMERANG_MODELS_SEGMENTS_H_
#define BOOMERANG_MODELS_SEGMENTS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace boomerang {

struct AbcShares {
  // Share of revenue of the A class (default 0.80) and of the B class
  // (0.15); C takes the rest. REQUIRES: 0 < a < 1, 0 <= b, a + b <= 1.
  double a = 0.80;
  double b = 0.15;
};

struct XyzThresholds {
  double x_max = 0;  // CV up to this is X
  double y_max = 0;  // up to this Y, above it Z
  int min_months = 3;
};
// The defaults chosen above.
inline constexpr XyzThresholds kCustomerXyz{1.0, 2.0, 3};
inline constexpr XyzThresholds kItemXyz{0.5, 1.0, 3};

// What CustomerModel stores: all zero means "no classes" (older snapshots,
// or a shop without revenue).
struct ClassCutoffs {
  double abc_a_min = 0;  // revenue at or above: A
  double abc_b_min = 0;  // at or above (and below abc_a_min): B
  XyzThresholds xyz;
  bool has_abc() const { return abc_a_min > 0; }
  bool has_xyz() const { return xyz.x_max > 0 && xyz.y_max > 0; }
};

// The ABC cut-offs of `revenues` (any order; negative counts as 0). Both
// zero when the total is not positive. abc_b_min equals abc_a_min when the
// B class is empty.
ClassCutoffs ComputeAbcCutoffs(absl::Span<const double> revenues,
                               const AbcShares& shares = AbcShares());

// "A", "B" or "C" for a revenue; "" without cut-offs.
absl::string_view AbcClass(const ClassCutoffs& cutoffs, double revenue);
// "X", "Y" or "Z" for a CV of a series `months` long; "" without
// thresholds. `cv` < 0 means no value (mean 0).
absl::string_view XyzClass(const XyzThresholds& thresholds, double cv,
                           int64_t months);

// The calendar month (UTC) of a time, as months since 0000-01:
// year * 12 + month - 1.
int64_t MonthIndex(int64_t unix_seconds);

// The coefficient of variation of a monthly series (population standard
// deviation over mean); -1 when the mean is not positive or it is empty.
double CoefficientOfVariation(absl::Span<const double> monthly);

// A customer's monthly spend from their first order's month to as_of's
// month (orders after as_of ignored; parallel spans, any order). As_of's
// month is that of as_of - 1 s: midnight on the 1st ends the month before.
// Empty when no order is at or before as_of.
std::vector<double> MonthlySeries(absl::Span<const int64_t> times,
                                  absl::Span<const double> values,
                                  int64_t as_of);

struct Classes {
  absl::string_view abc;  // "A", "B", "C", or "" (no cut-offs)
  absl::string_view xyz;  // "X", "Y", "Z", or ""
};

// One customer at as_of: `revenue` is their revenue up to as_of (as
// CustomerSummary::revenue has it), `times` and `values` their orders.
Classes ClassifyCustomer(double revenue, absl::Span<const int64_t> times,
                         absl::Span<const double> values, int64_t as_of,
                         const ClassCutoffs& cutoffs);

// An item's sales in one calendar month (MonthIndex): units, and revenue
// (quantity x unit price of its priced lines).
struct ItemMonth {
  int64_t month = 0;
  double units = 0;
  double revenue = 0;
};
// Adds a purchase line to an item's months (kept in first-seen order; a
// month already there, usually the last one, is added to).
void AddItemMonth(int64_t month, double units, double revenue,
                  std::vector<ItemMonth>* months);

// Every item's classes from its months up to `as_of_month` (later ones are
// ignored): ABC by revenue among the items with `shares`, XYZ by the CV of
// monthly units from its first month. An item never sold is C and Z.
// `cutoffs`, when given, receives the ABC cut-offs.
std::vector<Classes> ClassifyItems(
    absl::Span<const std::vector<ItemMonth>> items, int64_t as_of_month,
    const AbcShares& shares = AbcShares(), const XyzThresholds& xyz = kItemXyz,
    ClassCutoffs* cutoffs = nullptr);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_SEGMENTS_H_
