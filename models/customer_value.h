// Customer value: RFM scores and segments, and the probabilistic models that
// predict a customer's future orders and spend.
//
// Models (time unit: days; money: the shop's currency):
//   - BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
//     Way"): while alive, a customer buys at Poisson rate lambda ~ Gamma(r,
//     alpha); after each purchase they drop out with probability
//     p ~ Beta(a, b). Fitted by maximum likelihood on (frequency, recency,
//     age) summaries, as the `lifetimes` library's BetaGeoFitter does.
//   - Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value
//     Curves"): a customer's order values are Gamma(p, nu) with
//     nu ~ Gamma(q, gamma); fitted on customers with repeat orders, as
//     lifetimes' GammaGammaFitter does.
//   - Predicted LTV over a horizon: expected orders in the horizon (BG/NBD)
//     times the expected value of an order (Gamma-Gamma), optionally
//     discounted.
// The formulas are written out in customer_value.cc.
//
// Summaries follow lifetimes' summary_data_from_transaction_data with daily
// periods: orders on the same calendar day (UTC) count once;
//   frequency = distinct order days - 1 (repeat purchases),
//   recency   = days from the first to the last order day (0 if frequency 0),
//   age (T)   = days from the first order day to the as-of day,
//   monetary  = mean value of the repeat order days (0 if frequency 0),
//               each day's value being the sum of its orders.
//
// Thread-safety: pure functions.
#ifndef BOOMERANG_MODELS_CUSTOMER_VALUE_H_
#define BOOMERANG_MODELS_CUSTOMER_VALUE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace boomerang {

struct CustomerSummary {
  double frequency = 0;  // repeat purchase days
  double recency = 0;    // days, first to last purchase day
  double age = 0;        // days, first purchase day to as-of day (T)
  double monetary = 0;   // mean value of repeat purchase days
  // Not model inputs, for RFM and reports:
  int64_t orders = 0;  // orders up to as-of (same-day orders count apart)
  double revenue = 0;  // sum of those orders' values
  double days_since_last = 0;  // as-of day minus the last purchase day
};

// Summarises one customer's orders (unix seconds and values, parallel, any
// order) as of `as_of` (unix seconds): orders after it are ignored. Days are
// UTC days, floor(unix_seconds / 86400).
// REQUIRES: equal sizes (extra entries of the longer span are ignored); at
// least one order at or before `as_of` (else all zero).
CustomerSummary SummarizeCustomer(absl::Span<const int64_t> order_times,
                                  absl::Span<const double> order_values,
                                  int64_t as_of);

struct FitReport {
  int customers = 0;  // summaries used
  int iterations = 0;
  bool converged = false;
  double log_likelihood = 0;  // at the optimum (sum over customers)
};

struct BgNbdParams {
  double r = 0, alpha = 0, a = 0, b = 0;
};

// Maximum-likelihood fit (Nelder-Mead over the log-parameters, as lifetimes
// does through scipy; identical summaries are merged first, so a million
// customers take seconds). INVALID_ARGUMENT when there are too few customers
// (< 10), no repeat purchases at all, or a summary is malformed (negative,
// not finite, or recency > age). A fit that hits the iteration cap still
// returns its best point, with report->converged false.
// `threads` evaluate the likelihood (0: all cores); the fit is the same for
// any number.
absl::StatusOr<BgNbdParams> FitBgNbd(absl::Span<const CustomerSummary> data,
                                     FitReport* report = nullptr,
                                     int threads = 1);
// Sum of the log-likelihood over `data` (for tests and comparisons).
double BgNbdLogLikelihood(const BgNbdParams& params,
                          absl::Span<const CustomerSummary> data);
// P(the customer is still active | history). 1 for frequency 0: in BG/NBD a
// customer can drop out only right after a repeat purchase.
double BgNbdProbabilityAlive(const BgNbdParams& params,
                             const CustomerSummary& customer);
// E[purchases in the next t days | history]; 0 for t <= 0.
double BgNbdExpectedPurchases(const BgNbdParams& params,
                              const CustomerSummary& customer, double t);

struct GammaGammaParams {
  double p = 0, q = 0, gamma = 0;
};

// Fits on the summaries with frequency > 0 and monetary > 0. INVALID_ARGUMENT
// when fewer than 10 qualify.
// `threads` as for FitBgNbd.
absl::StatusOr<GammaGammaParams> FitGammaGamma(
    absl::Span<const CustomerSummary> data, FitReport* report = nullptr,
    int threads = 1);
// E[value of an order | history]; for frequency 0 (or monetary <= 0) the
// population mean p * gamma / (q - 1). That mean is infinite for q <= 1, and
// so is the answer then; the fit keeps q >= 1.001.
double GammaGammaExpectedValue(const GammaGammaParams& params,
                               const CustomerSummary& customer);

// Expected revenue over the next `horizon_days`: BG/NBD purchases in
// monthly steps (30.4375 days, the last one partial) times the Gamma-Gamma
// order value, each step discounted at `annual_discount_rate` (0: none) by
// (1 + annual_discount_rate)^(step end / 365.25).
double PredictedLtv(const BgNbdParams& bg, const GammaGammaParams& gg,
                    const CustomerSummary& customer, double horizon_days,
                    double annual_discount_rate = 0);

// RFM: each of recency (days since the last order, fewer is better),
// frequency (orders) and monetary (revenue) scored 1-5 by population
// quintiles; 5 is best.
struct RfmCutoffs {
  // Four ascending boundaries each, the 20/40/60/80% quantiles.
  std::array<double, 4> recency_days{};
  std::array<double, 4> frequency{};
  std::array<double, 4> monetary{};
};
// Quantiles by linear interpolation (numpy's default); all zero for no data.
RfmCutoffs ComputeRfmCutoffs(absl::Span<const CustomerSummary> data);

struct RfmScore {
  int recency = 0, frequency = 0, monetary = 0;  // 1-5
};
// With bin = the number of cutoffs strictly below the value (a value equal
// to a cutoff takes the lower bin, as pandas' qcut does): frequency and
// monetary score 1 + bin, recency 5 - bin. So ties share a score: every
// customer with the fewest orders is F1, everyone who bought most recently
// is R5.
RfmScore ScoreRfm(const RfmCutoffs& cutoffs, const CustomerSummary& customer);

// The segment of an RFM score, from the widely used recency x frequency
// grid (monetary does not enter; scores outside 1..5 are clamped): champions,
// loyal, potential_loyalist, new, promising, need_attention, about_to_sleep,
// at_risk, cannot_lose, hibernating. The grid is in customer_value.cc.
absl::string_view RfmSegment(const RfmScore& score);
// Every segment name, in the order above.
const std::vector<std::string>& RfmSegmentNames();

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_CUSTOMER_VALUE_H_
