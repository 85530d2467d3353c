#include "models/customer_value.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "models/parallel_for.h"

namespace boomerang {
// File-local: the optimiser and the series are implementation details, and
// no other module should come to depend on them.
namespace {

// Entries per chunk of a parallel likelihood evaluation.
constexpr int64_t kEntryChunk = 16384;

// Nelder-Mead simplex minimisation (scipy.optimize.minimize's
// method="Nelder-Mead", coefficients 1 / 2 / 0.5 / 0.5). Written here because
// lifetimes fits both models with exactly this method through scipy, and
// Debian's packaged optimisers are GSL (GPL, which would bind whoever
// ships the server) or dlib (a large dependency for sixty lines). The
// likelihoods are smooth and four-dimensional at most, so a derivative-free
// method is quick enough.
struct NelderMeadResult {
  std::vector<double> x;
  double value = 0;
  int iterations = 0;
  bool converged = false;
};

// Stops when the simplex spans at most `x_tolerance` in every coordinate and
// `f_tolerance` in value (scipy's xatol/fatol), or after `max_iterations`.
// `f` may return +infinity for points outside the domain.
NelderMeadResult NelderMead(
    absl::FunctionRef<double(const std::vector<double>&)> f,
    const std::vector<double>& start, double step, int max_iterations,
    double x_tolerance, double f_tolerance) {
  const size_t n = start.size();
  std::vector<std::vector<double>> pts(n + 1, start);
  for (size_t i = 0; i < n; ++i) pts[i + 1][i] += step;
  std::vector<double> vals(n + 1);
  for (size_t i = 0; i <= n; ++i) vals[i] = f(pts[i]);
  // Point on the line from the centroid `c` through the worst point:
  // c + t * (worst - c).
  auto along = [&](const std::vector<double>& c, double t) {
    std::vector<double> p(n);
    for (size_t j = 0; j < n; ++j) p[j] = c[j] + t * (pts[n][j] - c[j]);
    return p;
  };
  NelderMeadResult result;
  std::vector<size_t> order(n + 1);
  for (; result.iterations < max_iterations; ++result.iterations) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t i, size_t j) { return vals[i] < vals[j]; });
    std::vector<std::vector<double>> sorted_pts(n + 1);
    std::vector<double> sorted_vals(n + 1);
    for (size_t i = 0; i <= n; ++i) {
      sorted_pts[i] = std::move(pts[order[i]]);
      sorted_vals[i] = vals[order[i]];
    }
    pts.swap(sorted_pts);
    vals.swap(sorted_vals);
    double x_span = 0, f_span = 0;
    for (size_t i = 1; i <= n; ++i) {
      f_span = std::max(f_span, std::abs(vals[i] - vals[0]));
      for (size_t j = 0; j < n; ++j) {
        x_span = std::max(x_span, std::abs(pts[i][j] - pts[0][j]));
      }
    }
    if (x_span <= x_tolerance && f_span <= f_tolerance) {
      result.converged = true;
      break;
    }
    std::vector<double> c(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) c[j] += pts[i][j] / n;
    }
    std::vector<double> xr = along(c, -1.0);
    const double fr = f(xr);
    if (fr < vals[0]) {
      std::vector<double> xe = along(c, -2.0);
      const double fe = f(xe);
      if (fe < fr) {
        pts[n] = std::move(xe), vals[n] = fe;
      } else {
        pts[n] = std::move(xr), vals[n] = fr;
      }
      continue;
    }
    if (fr < vals[n - 1]) {
      pts[n] = std::move(xr), vals[n] = fr;
      continue;
    }
    // Contract: outside (towards the reflected point) when that was better
    // than the worst, else inside.
    const bool outside = fr < vals[n];
    std::vector<double> xc = along(c, outside ? -0.5 : 0.5);
    const double fc = f(xc);
    if (outside ? fc <= fr : fc < vals[n]) {
      pts[n] = std::move(xc), vals[n] = fc;
      continue;
    }
    for (size_t i = 1; i <= n; ++i) {  // shrink towards the best point
      for (size_t j = 0; j < n; ++j) {
        pts[i][j] = pts[0][j] + 0.5 * (pts[i][j] - pts[0][j]);
      }
      vals[i] = f(pts[i]);
    }
  }
  const size_t best = std::min_element(vals.begin(), vals.end()) - vals.begin();
  result.x = pts[best];
  result.value = vals[best];
  return result;
}

// exp(log_factor) * 2F1(a, b; c; z) for 0 <= z < 1, by the power series
//   2F1 = sum_k (a)_k (b)_k / ((c)_k k!) z^k,
//   term_{k+1} = term_k * (a + k)(b + k) / ((c + k)(k + 1)) * z.
// Boost.Math's hypergeometric_pFq would do, but Boost is not one of our
// dependencies and the series is all we need: the caller passes parameters
// for which it converges (z < 1). Terms can grow enormous before they decay
// (like k^(a+b-c-1) z^k), so the sum is kept in range by rescaling, with the
// scale carried as a logarithm and applied together with `log_factor` at the
// end. Stops once a bound on the remaining tail is below 1e-15 of the sum,
// or after kMaxTerms terms (then the partial sum is returned; that takes z
// within about 1e-4 of 1, a horizon some 10^4 times alpha + T).
double ScaledHyp2F1(double a, double b, double c, double z, double log_factor) {
  constexpr int kMaxTerms = 200000;
  constexpr double kBig = 1e150;
  double term = 1, sum = 1, log_scale = 0;
  for (int k = 0; k < kMaxTerms; ++k) {
    const double ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
    term *= ratio;
    sum += term;
    if (term == 0) break;  // a or b a non-positive integer: a polynomial
    // Each later ratio is z (a + j)(b + j) / ((c + j)(j + 1)), j > k, whose
    // factors (u + j) / (v + j) move monotonically towards 1 once all of
    // a + j, b + j, c + j are positive; so z * max(1, factor at j = k + 1)
    // per factor bounds every later ratio, and the tail by a geometric sum.
    const double j = k + 1.0;
    if (a + j > 0 && b + j > 0 && c + j > 0) {
      const double q = z * std::max(1.0, (a + j) / (c + j)) *
                       std::max(1.0, (b + j) / (j + 1));
      if (q < 1 && std::abs(term) * q / (1 - q) <= 1e-15 * std::abs(sum)) {
        break;
      }
    }
    if (std::abs(sum) > kBig || std::abs(term) > kBig) {
      sum /= kBig, term /= kBig, log_scale += std::log(kBig);
    }
  }
  return sum * std::exp(log_factor + log_scale);
}

constexpr int64_t kSecondsPerDay = 86400;
// lifetimes' customer_lifetime_value steps in months; ours are calendar
// months on average, in days.
constexpr double kDaysPerMonth = 365.25 / 12;
constexpr double kDaysPerYear = 365.25;
constexpr int kMinCustomers = 10;
constexpr int kMaxIterations = 2000;
// Gamma-Gamma's q is fitted as 1 + exp(theta) with theta >= log(kMinQExcess):
// the population mean order value p * gamma / (q - 1) is infinite for
// q <= 1, so the fit stops at q = 1.001 (a mean at most 1000 * p * gamma)
// rather than wander towards it when the order values are very heavy-tailed.
constexpr double kMinQExcess = 1e-3;

int64_t FloorDay(int64_t unix_seconds) {
  int64_t d = unix_seconds / kSecondsPerDay;
  if (unix_seconds % kSecondsPerDay < 0) --d;  // floor, also before 1970
  return d;
}

// Minimises `neg_mean_ll` over log-parameters from `start`, restarting
// Nelder-Mead from its answer until a restart no longer improves it (a
// simplex can stall short of the optimum, and a fresh one around the best
// point is the usual remedy). Iterations are summed over restarts.
NelderMeadResult Minimize(
    absl::FunctionRef<double(const std::vector<double>&)> neg_mean_ll,
    std::vector<double> start) {
  // The objective is a mean per customer, so 1e-10 absolute is far below
  // anything that moves a prediction; 1e-7 in log-parameters is a relative
  // error of 1e-7.
  constexpr double kXTolerance = 1e-7, kFTolerance = 1e-10;
  NelderMeadResult best;
  best.x = std::move(start);
  best.value = std::numeric_limits<double>::infinity();
  int iterations = 0;
  double step = 0.5;
  for (int attempt = 0; attempt < 4 && iterations < kMaxIterations; ++attempt) {
    NelderMeadResult r =
        NelderMead(neg_mean_ll, best.x, step, kMaxIterations - iterations,
                   kXTolerance, kFTolerance);
    iterations += r.iterations;
    const bool improved = r.value < best.value - kFTolerance;
    if (r.value <= best.value) best = std::move(r);
    if (!improved) break;
    step = 0.1;
  }
  best.iterations = iterations;
  return best;
}

absl::Status ValidateSummary(const CustomerSummary& s, size_t index) {
  if (!std::isfinite(s.frequency) || !std::isfinite(s.recency) ||
      !std::isfinite(s.age) || !std::isfinite(s.monetary) || s.frequency < 0 ||
      s.recency < 0 || s.recency > s.age) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "customer summary %d: need 0 <= recency <= age and frequency >= 0, "
        "got frequency %g recency %g age %g monetary %g",
        index, s.frequency, s.recency, s.age, s.monetary));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// BG/NBD likelihood (Fader, Hardie & Lee 2005, eq. 6), as lifetimes'
// BetaGeoFitter._negative_log_likelihood writes it. For a customer with x
// repeat purchases, the last at t_x, observed for T:
//   A1 = lnG(r + x) - lnG(r) + r ln(alpha)
//   A2 = lnG(a + b) + lnG(b + x) - lnG(b) - lnG(a + b + x)
//   A3 = -(r + x) ln(alpha + T)
//   A4 = ln(a) - ln(b + x - 1) - (r + x) ln(alpha + t_x)      (x > 0 only)
//   ln L = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4))
// (lnG is std::lgamma; the last log is taken as a log-sum-exp.) A1 and A2
// depend on x alone, so customers are grouped by x and the lgamma calls are
// made once per distinct x; identical (x, t_x, T) triples, common because
// ages are whole days, are merged into one weighted entry. So an evaluation
// costs a few logs per distinct triple: fitting a million simulated daily
// summaries took 3.7 s on one core of a development VM, 20,000 took 0.25 s.
// ---------------------------------------------------------------------------
struct BgNbdData {
  struct Entry {
    double recency, age, weight;
    size_t group;
  };
  struct Group {
    double x;
    size_t begin, end;  // entries[begin, end) have this x
  };
  std::vector<Entry> entries;
  std::vector<Group> groups;
  double total_weight = 0;

  static BgNbdData Build(absl::Span<const CustomerSummary> data) {
    std::vector<std::tuple<double, double, double>> triples;
    triples.reserve(data.size());
    for (const CustomerSummary& s : data) {
      // lifetimes requires recency 0 when frequency is 0; the likelihood
      // ignores it then, so normalise it to merge those customers.
      triples.emplace_back(s.frequency, s.frequency > 0 ? s.recency : 0, s.age);
    }
    std::sort(triples.begin(), triples.end());
    BgNbdData d;
    for (size_t i = 0; i < triples.size();) {
      size_t j = i;
      while (j < triples.size() && triples[j] == triples[i]) ++j;
      const auto& [x, recency, age] = triples[i];
      if (d.groups.empty() || d.groups.back().x != x) {
        d.groups.push_back({x, d.entries.size(), d.entries.size()});
      }
      d.entries.push_back(
          {recency, age, static_cast<double>(j - i), d.groups.size() - 1});
      d.groups.back().end = d.entries.size();
      d.total_weight += j - i;
      i = j;
    }
    return d;
  }

  // The per-entry log terms are computed on `threads` threads (real
  // exports have up to one entry per customer: 921k at 1M customers, where
  // the fit took ~80 s on one core), then summed on one thread in entry
  // order, so the sum is the same for any thread count.
  double LogLikelihood(const BgNbdParams& p, int threads) const {
    const double r = p.r, alpha = p.alpha, a = p.a, b = p.b;
    log_a_ratio.resize(groups.size());
    for (size_t k = 0; k < groups.size(); ++k) {
      const double x = groups[k].x;
      log_a_ratio[k] = x > 0 ? std::log(a) - std::log(b + x - 1) : 0;
    }
    terms.resize(entries.size());
    ParallelFor(static_cast<int64_t>(entries.size()), kEntryChunk, threads,
                [&](int64_t begin, int64_t end) {
                  for (int64_t i = begin; i < end; ++i) {
                    const Entry& e = entries[i];
                    const double x = groups[e.group].x;
                    const double a3 = -(r + x) * std::log(alpha + e.age);
                    double term = a3;
                    if (x > 0) {
                      const double a4 = log_a_ratio[e.group] -
                                        (r + x) * std::log(alpha + e.recency);
                      const double m = std::max(a3, a4);
                      term = m + std::log(std::exp(a3 - m) + std::exp(a4 - m));
                    }
                    terms[i] = term;
                  }
                });
    double ll = 0;
    const double common = -std::lgamma(r) + r * std::log(alpha) +
                          std::lgamma(a + b) - std::lgamma(b);
    for (const Group& g : groups) {
      const double x = g.x;
      const double a12 = common + std::lgamma(r + x) + std::lgamma(b + x) -
                         std::lgamma(a + b + x);
      for (size_t i = g.begin; i < g.end; ++i) {
        ll += entries[i].weight * (a12 + terms[i]);
      }
    }
    return ll;
  }
  // Scratch of LogLikelihood (one evaluation at a time).
  mutable std::vector<double> log_a_ratio, terms;
};

BgNbdParams BgNbdFromLog(const std::vector<double>& theta) {
  return {std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]),
          std::exp(theta[3])};
}

// E[X(t) | x, t_x, T] for a != 1 (Fader, Hardie & Lee 2005, eq. 10;
// lifetimes' conditional_expected_number_of_purchases_up_to_time):
//   E = (a + b + x - 1) / (a - 1)
//       * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
//              * 2F1(r + x, b + x; a + b + x - 1; z)]
//       / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r+x))
//   with z = t / (alpha + T + t).
// The bracket is evaluated after Euler's transformation
//   2F1(A, B; C; z) = (1 - z)^(C - A - B) 2F1(C - A, C - B; C; z),
// which, because 1 - z = (alpha + T) / (alpha + T + t), turns it into
//   1 - (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z).
// In the original form the series' terms grow like k^(r + x - a) z^k, so for
// a frequent buyer they overflow a double before the prefactor cancels them;
// after the transformation they decay like k^(a - r - x - 2) z^k.
double BgNbdExpectedNotAtOne(const BgNbdParams& p, double x, double t_x,
                             double age, double t) {
  const double r = p.r, alpha = p.alpha, a = p.a, b = p.b;
  const double z = t / (alpha + age + t);
  const double bracket = 1 - ScaledHyp2F1(a + b - 1 - r, a - 1, a + b + x - 1,
                                          z, (a - 1) * std::log1p(-z));
  const double numerator = (a + b + x - 1) / (a - 1) * bracket;
  double denominator = 1;
  if (x > 0) {
    denominator +=
        a / (b + x - 1) *
        std::exp((r + x) * (std::log(alpha + age) - std::log(alpha + t_x)));
  }
  return numerator / denominator;
}

// ---------------------------------------------------------------------------
// Gamma-Gamma likelihood (Fader, Hardie & Lee 2005, "RFM and CLV", eq. 3;
// lifetimes' GammaGammaFitter._negative_log_likelihood). For a customer with
// x repeat purchases of mean value m, with v = gamma:
//   ln L = lnG(p x + q) - lnG(p x) - lnG(q) + q ln(v)
//          + (p x - 1) ln(m) + p x ln(x) - (p x + q) ln(x m + v)
// (lifetimes also omits the constant -sum ln G(p) over the individual
// orders' values, which it cannot see either.) Grouped by x as above.
// ---------------------------------------------------------------------------
struct GammaGammaData {
  struct Entry {
    double m, log_m;
    size_t group;
  };
  struct Group {
    double x, log_x;
    size_t begin, end;
  };
  std::vector<Entry> entries;
  std::vector<Group> groups;
  double mean_monetary = 0;

  static GammaGammaData Build(absl::Span<const CustomerSummary> data) {
    std::vector<std::pair<double, double>> rows;
    for (const CustomerSummary& s : data) {
      if (s.frequency > 0 && s.monetary > 0) {
        rows.emplace_back(s.frequency, s.monetary);
      }
    }
    std::sort(rows.begin(), rows.end());
    GammaGammaData d;
    for (const auto& [x, m] : rows) {
      if (d.groups.empty() || d.groups.back().x != x) {
        d.groups.push_back(
            {x, std::log(x), d.entries.size(), d.entries.size()});
      }
      d.entries.push_back({m, std::log(m), d.groups.size() - 1});
      d.groups.back().end = d.entries.size();
      d.mean_monetary += m;
    }
    if (!rows.empty()) d.mean_monetary /= rows.size();
    return d;
  }

  // As BgNbdData::LogLikelihood: the logs on `threads` threads, the sum
  // on one in entry order.
  double LogLikelihood(const GammaGammaParams& params, int threads) const {
    const double p = params.p, q = params.q, v = params.gamma;
    logs.resize(entries.size());
    ParallelFor(static_cast<int64_t>(entries.size()), kEntryChunk, threads,
                [&](int64_t begin, int64_t end) {
                  for (int64_t i = begin; i < end; ++i) {
                    const Entry& e = entries[i];
                    logs[i] = std::log(groups[e.group].x * e.m + v);
                  }
                });
    const double common = -std::lgamma(q) + q * std::log(v);
    double ll = 0;
    for (const Group& g : groups) {
      const double px = p * g.x;
      const double c =
          common + std::lgamma(px + q) - std::lgamma(px) + px * g.log_x;
      for (size_t i = g.begin; i < g.end; ++i) {
        ll += c + (px - 1) * entries[i].log_m - (px + q) * logs[i];
      }
    }
    return ll;
  }
  mutable std::vector<double> logs;  // scratch of LogLikelihood
};

GammaGammaParams GammaGammaFromLog(const std::vector<double>& theta) {
  return {std::exp(theta[0]),
          1 + std::exp(std::max(theta[1], std::log(kMinQExcess))),
          std::exp(theta[2])};
}

}  // namespace

CustomerSummary SummarizeCustomer(absl::Span<const int64_t> order_times,
                                  absl::Span<const double> order_values,
                                  int64_t as_of) {
  // (day, value) of the orders up to as_of, sorted by day so that same-day
  // orders are adjacent and merge into one purchase (lifetimes' freq='D').
  std::vector<std::pair<int64_t, double>> orders;
  const size_t n = std::min(order_times.size(), order_values.size());
  for (size_t i = 0; i < n; ++i) {
    if (order_times[i] <= as_of) {
      orders.emplace_back(FloorDay(order_times[i]), order_values[i]);
    }
  }
  CustomerSummary s;
  if (orders.empty()) return s;
  std::sort(orders.begin(), orders.end());
  const int64_t first = orders.front().first;
  const int64_t last = orders.back().first;
  double repeat_value = 0;  // all days but the first
  int64_t days = 0;
  for (size_t i = 0; i < orders.size(); ++i) {
    s.revenue += orders[i].second;
    if (i == 0 || orders[i].first != orders[i - 1].first) ++days;
    if (orders[i].first != first) repeat_value += orders[i].second;
  }
  s.orders = static_cast<int64_t>(orders.size());
  s.frequency = static_cast<double>(days - 1);
  s.recency = static_cast<double>(last - first);
  s.age = static_cast<double>(FloorDay(as_of) - first);
  // lifetimes drops the first purchase from the mean: its value is often
  // unlike the repeat ones (welcome offers, the initial kit), and
  // Gamma-Gamma models repeat purchases.
  s.monetary = days > 1 ? repeat_value / (days - 1) : 0;
  s.days_since_last = static_cast<double>(FloorDay(as_of) - last);
  return s;
}

double BgNbdLogLikelihood(const BgNbdParams& params,
                          absl::Span<const CustomerSummary> data) {
  return BgNbdData::Build(data).LogLikelihood(params, 1);
}

absl::StatusOr<BgNbdParams> FitBgNbd(absl::Span<const CustomerSummary> data,
                                     FitReport* report, int threads) {
  if (data.size() < kMinCustomers) {
    return absl::InvalidArgumentError(
        absl::StrFormat("BG/NBD needs at least %d customers, got %d",
                        kMinCustomers, data.size()));
  }
  bool any_repeat = false;
  double mean_age = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (absl::Status st = ValidateSummary(data[i], i); !st.ok()) return st;
    any_repeat |= data[i].frequency > 0;
    mean_age += data[i].age / data.size();
  }
  if (!any_repeat) {
    return absl::InvalidArgumentError(
        "BG/NBD needs some repeat purchases: every customer has frequency 0");
  }
  const BgNbdData d = BgNbdData::Build(data);
  // Like lifetimes, minimise the mean negative log-likelihood (so tolerances
  // do not depend on the number of customers), over log-parameters (so they
  // stay positive). No L2 penalty: lifetimes' default is none, and with
  // thousands of customers the likelihood is well determined.
  threads = ResolveThreads(threads);
  auto objective = [&d, threads](const std::vector<double>& theta) {
    const double ll = d.LogLikelihood(BgNbdFromLog(theta), threads);
    return std::isfinite(ll) ? -ll / d.total_weight
                             : std::numeric_limits<double>::infinity();
  };
  // Start: one purchase per mean age, a and b at 1 (dropout probability 1/2
  // on average); lifetimes starts at 0.1 after rescaling time to at most 10.
  const std::vector<double> start = {0.0, std::log(std::max(mean_age, 1.0)),
                                     0.0, 0.0};
  NelderMeadResult r = Minimize(objective, start);
  if (!std::isfinite(r.value)) {
    return absl::InvalidArgumentError(
        "BG/NBD likelihood is not finite anywhere the fit looked");
  }
  if (report != nullptr) {
    report->customers = static_cast<int>(data.size());
    report->iterations = r.iterations;
    report->converged = r.converged;
    report->log_likelihood = -r.value * d.total_weight;
  }
  return BgNbdFromLog(r.x);
}

// P(alive | x, t_x, T) (Fader, Hardie & Lee 2005, eq. 11; lifetimes'
// conditional_probability_alive):
//   1 / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))
// A customer without repeat purchases is alive with probability 1: in
// BG/NBD dropout happens only right after a repeat purchase.
double BgNbdProbabilityAlive(const BgNbdParams& params,
                             const CustomerSummary& customer) {
  const double x = customer.frequency;
  if (x <= 0) return 1.0;
  const double log_odds_dead =
      std::log(params.a / (params.b + x - 1)) +
      (params.r + x) * (std::log(params.alpha + customer.age) -
                        std::log(params.alpha + customer.recency));
  return 1 / (1 + std::exp(log_odds_dead));
}

double BgNbdExpectedPurchases(const BgNbdParams& params,
                              const CustomerSummary& customer, double t) {
  if (t <= 0) return 0;
  const double x = customer.frequency;
  const double t_x = x > 0 ? customer.recency : 0;
  // The closed form has two removable singularities: 0/0 at a = 1 (the
  // bracket vanishes), and 0 * infinity at a + b + x = 1 (the prefactor
  // vanishes, and 2F1's c = 0). The expectation itself is smooth in a and b,
  // so near either point take the mean of the values a distance kH to each
  // side: the error is O(kH^2), and the cancellation costs ~1e-16 / kH.
  constexpr double kH = 1e-4;
  auto at = [&](const BgNbdParams& p) {
    return BgNbdExpectedNotAtOne(p, x, t_x, customer.age, t);
  };
  auto around_c_zero = [&](BgNbdParams p) {
    if (std::abs(p.a + p.b + x - 1) >= kH) return at(p);
    BgNbdParams lo = p, hi = p;  // set c = a + b + x - 1 to -kH and +kH
    hi.b = 1 - p.a - x + kH;
    lo.b = std::max(1 - p.a - x - kH, 0.5 * hi.b);  // b must stay positive
    return 0.5 * (at(lo) + at(hi));
  };
  if (std::abs(params.a - 1) < kH) {
    BgNbdParams lo = params, hi = params;
    lo.a = 1 - kH;
    hi.a = 1 + kH;
    return 0.5 * (around_c_zero(lo) + around_c_zero(hi));
  }
  return around_c_zero(params);
}

absl::StatusOr<GammaGammaParams> FitGammaGamma(
    absl::Span<const CustomerSummary> data, FitReport* report, int threads) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (absl::Status st = ValidateSummary(data[i], i); !st.ok()) return st;
  }
  threads = ResolveThreads(threads);
  const GammaGammaData d = GammaGammaData::Build(data);
  if (d.entries.size() < kMinCustomers) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Gamma-Gamma needs at least %d customers with repeat purchases of "
        "positive value, got %d",
        kMinCustomers, d.entries.size()));
  }
  const double n = static_cast<double>(d.entries.size());
  auto objective = [&d, n, threads](const std::vector<double>& theta) {
    const double ll = d.LogLikelihood(GammaGammaFromLog(theta), threads);
    return std::isfinite(ll) ? -ll / n
                             : std::numeric_limits<double>::infinity();
  };
  // Start: p = 1, q = 2, gamma = the mean repeat value, which puts the
  // population mean p * gamma / (q - 1) at the observed mean.
  const std::vector<double> start = {0.0, 0.0, std::log(d.mean_monetary)};
  NelderMeadResult r = Minimize(objective, start);
  if (!std::isfinite(r.value)) {
    return absl::InvalidArgumentError(
        "Gamma-Gamma likelihood is not finite anywhere the fit looked");
  }
  if (report != nullptr) {
    report->customers = static_cast<int>(d.entries.size());
    report->iterations = r.iterations;
    report->converged = r.converged;
    report->log_likelihood = -r.value * n;
  }
  return GammaGammaFromLog(r.x);
}

// E[M | x, m] (Fader, Hardie & Lee 2005, "RFM and CLV", eq. 5; lifetimes'
// conditional_expected_average_profit): the posterior mean of p / nu, with
// nu | x, m ~ Gamma(p x + q, gamma + x m):
//   (p (gamma + x m)) / (p x + q - 1)
//   = w m + (1 - w) p gamma / (q - 1),  w = p x / (p x + q - 1),
// a weighted mean of the customer's own mean and the population's that
// trusts the customer more the more they have bought. At x = 0 it is the
// population mean. Where p x + q <= 1 the posterior mean is infinite and so
// is the answer (the fit never returns q <= 1).
double GammaGammaExpectedValue(const GammaGammaParams& params,
                               const CustomerSummary& customer) {
  const double x = customer.frequency > 0 && customer.monetary > 0
                       ? customer.frequency
                       : 0.0;
  const double denominator = params.p * x + params.q - 1;
  if (denominator <= 0) return std::numeric_limits<double>::infinity();
  return params.p * (params.gamma + x * customer.monetary) / denominator;
}

// lifetimes' customer_lifetime_value: the horizon in monthly steps t_i =
// min(i * 30.4375, horizon) (the last step partial), each step's expected
// purchases E(t_i) - E(t_{i-1}) times the expected order value, discounted
// to today:
//   LTV = sum_i [E(t_i) - E(t_{i-1})] * value / (1 + monthly_rate)^(t_i /
//   month)
// with (1 + monthly_rate)^12 = 1 + annual_discount_rate, i.e. a divisor of
// (1 + annual_discount_rate)^(t_i / 365.25). For full steps the exponent is
// the month number i, as in lifetimes; the partial step is discounted for
// its actual length. Undiscounted, the sum telescopes to E(horizon) * value.
double PredictedLtv(const BgNbdParams& bg, const GammaGammaParams& gg,
                    const CustomerSummary& customer, double horizon_days,
                    double annual_discount_rate) {
  if (horizon_days <= 0) return 0;
  const double value = GammaGammaExpectedValue(gg, customer);
  const double log_growth = std::log1p(annual_discount_rate);
  double ltv = 0, previous = 0, t = 0;
  for (int i = 1; t < horizon_days; ++i) {
    t = std::min(i * kDaysPerMonth, horizon_days);
    const double expected = BgNbdExpectedPurchases(bg, customer, t);
    ltv += (expected - previous) * value *
           std::exp(-log_growth * t / kDaysPerYear);
    previous = expected;
  }
  return ltv;
}

namespace {

// Quantile with linear interpolation between order statistics (numpy's and
// pandas' default, R type 7).
std::array<double, 4> Quintiles(std::vector<double> v) {
  std::array<double, 4> out{};
  if (v.empty()) return out;
  std::sort(v.begin(), v.end());
  for (int i = 0; i < 4; ++i) {
    const double pos = 0.2 * (i + 1) * (v.size() - 1);
    const size_t lo = static_cast<size_t>(pos);
    const size_t hi = std::min(lo + 1, v.size() - 1);
    out[i] = v[lo] + (pos - lo) * (v[hi] - v[lo]);
  }
  return out;
}

// The bin of `value` among the cutoffs, 0..4: how many cutoffs lie strictly
// below it, so the bins are (-inf, c1], (c1, c2], ..., (c4, inf). A value
// equal to a cutoff falls in the lower bin, as with pandas' qcut.
int Bin(const std::array<double, 4>& cutoffs, double value) {
  int bin = 0;
  for (double c : cutoffs) bin += c < value ? 1 : 0;
  return bin;
}

}  // namespace

RfmCutoffs ComputeRfmCutoffs(absl::Span<const CustomerSummary> data) {
  std::vector<double> recency, frequency, monetary;
  for (const CustomerSummary& s : data) {
    recency.push_back(s.days_since_last);
    frequency.push_back(static_cast<double>(s.orders));
    monetary.push_back(s.revenue);
  }
  return {Quintiles(std::move(recency)), Quintiles(std::move(frequency)),
          Quintiles(std::move(monetary))};
}

// All three use the same bins; frequency and monetary score 1 + bin and
// recency 5 - bin (fewer days is better). Skewed data puts many customers on
// the lowest cutoffs (one order; bought today), and with these bins they all
// share the lowest bin: every one-order customer is F1 however many there
// are, and everyone who bought most recently is R5.
RfmScore ScoreRfm(const RfmCutoffs& cutoffs, const CustomerSummary& customer) {
  RfmScore s;
  s.recency = 5 - Bin(cutoffs.recency_days, customer.days_since_last);
  s.frequency =
      1 + Bin(cutoffs.frequency, static_cast<double>(customer.orders));
  s.monetary = 1 + Bin(cutoffs.monetary, customer.revenue);
  return s;
}

// The recency x frequency grid (rows R, columns F):
//          F1              F2                  F3                  F4        F5
//   R5     new             potential_loyalist  potential_loyalist  champions
//   champions R4     promising       potential_loyalist  potential_loyalist
//   loyal     loyal R3     about_to_sleep  about_to_sleep      need_attention
//   loyal     loyal R1-2   hibernating     hibernating         at_risk at_risk
//   cannot_lose
// The rules as usually published (R1-2 & F1-2 hibernating, R1-2 & F3-4
// at_risk, R1-2 & F5 cannot_lose, R3 & F1-2 about_to_sleep, R3 & F3
// need_attention, R3-4 & F4-5 loyal, R4 & F1 promising, R5 & F1 new, R4-5 &
// F2-3 potential_loyalist, R5 & F4-5 champions) cover all 25 cells exactly
// once; they are applied in that order, so an overlap, were one introduced,
// would go to the earlier rule. Scores outside 1..5 are clamped.
absl::string_view RfmSegment(const RfmScore& score) {
  const int r = std::clamp(score.recency, 1, 5);
  const int f = std::clamp(score.frequency, 1, 5);
  if (r <= 2) {
    if (f <= 2) return "hibernating";
    if (f <= 4) return "at_risk";
    return "cannot_lose";
  }
  if (r == 3 && f <= 2) return "about_to_sleep";
  if (r == 3 && f == 3) return "need_attention";
  if (r <= 4 && f >= 4) return "loyal";
  if (r == 4 && f == 1) return "promising";
  if (r == 5 && f == 1) return "new";
  if (f <= 3) return "potential_loyalist";
  return "champions";
}

const std::vector<std::string>& RfmSegmentNames() {
  static const auto* const kNames = new std::vector<std::string>{
      "champions",   "loyal",          "potential_loyalist", "new",
      "promising",   "need_attention", "about_to_sleep",     "at_risk",
      "cannot_lose", "hibernating"};
  return *kNames;
}

}  // namespace boomerang
