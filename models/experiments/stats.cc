#include "models/experiments/stats.h"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

namespace boomerang::experiments {
namespace {

// The two-sided critical value of the standard normal at `confidence`.
double NormalCritical(double confidence) {
  const boost::math::normal z;
  return boost::math::quantile(z, 0.5 + confidence / 2);
}

double NormalTwoSidedP(double statistic) {
  const boost::math::normal z;
  return 2 * boost::math::cdf(boost::math::complement(z, std::fabs(statistic)));
}

}  // namespace

Interval WilsonInterval(int64_t successes, int64_t trials, double confidence) {
  if (trials <= 0) return {};
  const double n = static_cast<double>(trials);
  const double p = std::clamp(static_cast<double>(successes) / n, 0.0, 1.0);
  const double z = NormalCritical(confidence);
  const double z2 = z * z;
  const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half =
      z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

void Moments::Add(double x) {
  ++n;
  const double delta = x - mean;
  mean += delta / static_cast<double>(n);
  m2 += delta * (x - mean);
}

void Moments::Merge(const Moments& other) {
  if (other.n == 0) return;
  if (n == 0) {
    *this = other;
    return;
  }
  const double total = static_cast<double>(n + other.n);
  const double delta = other.mean - mean;
  mean += delta * static_cast<double>(other.n) / total;
  m2 += other.m2 + delta * delta * static_cast<double>(n) *
                       static_cast<double>(other.n) / total;
  n += other.n;
}

double Moments::variance() const {
  return n < 2 ? 0 : std::max(0.0, m2 / static_cast<double>(n - 1));
}

Interval MeanInterval(const Moments& m, double confidence) {
  if (m.n < 2) return {m.mean, m.mean};
  const boost::math::students_t t(static_cast<double>(m.n - 1));
  const double half = boost::math::quantile(t, 0.5 + confidence / 2) *
                      std::sqrt(m.variance() / static_cast<double>(m.n));
  return {m.mean - half, m.mean + half};
}

Comparison TwoProportionTest(int64_t control_successes, int64_t control_trials,
                             int64_t treatment_successes,
                             int64_t treatment_trials, double alpha) {
  Comparison c;
  if (control_trials <= 0 || treatment_trials <= 0) return c;
  const double n1 = static_cast<double>(control_trials);
  const double n2 = static_cast<double>(treatment_trials);
  const double p1 = static_cast<double>(control_successes) / n1;
  const double p2 = static_cast<double>(treatment_successes) / n2;
  c.control = p1;
  c.treatment = p2;
  c.difference = p2 - p1;
  c.relative = p1 > 0 ? c.difference / p1 : 0;
  const double z = NormalCritical(1 - alpha);
  const double unpooled = std::sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
  c.interval = {c.difference - z * unpooled, c.difference + z * unpooled};
  const double pooled =
      static_cast<double>(control_successes + treatment_successes) / (n1 + n2);
  const double se = std::sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return c;
  c.statistic = c.difference / se;
  c.p_value = NormalTwoSidedP(c.statistic);
  c.significant = c.p_value < alpha;
  return c;
}

Comparison WelchTest(const Moments& control, const Moments& treatment,
                     double alpha) {
  Comparison c;
  c.control = control.mean;
  c.treatment = treatment.mean;
  c.difference = treatment.mean - control.mean;
  c.relative = control.mean != 0 ? c.difference / control.mean : 0;
  c.interval = {c.difference, c.difference};
  if (control.n < 2 || treatment.n < 2) return c;
  const double a = control.variance() / static_cast<double>(control.n);
  const double b = treatment.variance() / static_cast<double>(treatment.n);
  const double se = std::sqrt(a + b);
  if (!(se > 0)) return c;
  // Welch-Satterthwaite degrees of freedom.
  const double df = (a + b) * (a + b) /
                    (a * a / static_cast<double>(control.n - 1) +
                     b * b / static_cast<double>(treatment.n - 1));
  const boost::math::students_t t(df);
  const double critical = boost::math::quantile(t, 1 - alpha / 2);
  c.interval = {c.difference - critical * se, c.difference + critical * se};
  c.statistic = c.difference / se;
  c.degrees_of_freedom = df;
  c.p_value =
      2 * boost::math::cdf(boost::math::complement(t, std::fabs(c.statistic)));
  c.significant = c.p_value < alpha;
  return c;
}

SampleRatio SampleRatioTest(absl::Span<const int64_t> counts,
                            absl::Span<const double> shares, double alpha) {
  SampleRatio r;
  if (counts.size() != shares.size() || counts.size() < 2) return r;
  double total = 0, share_sum = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    total += static_cast<double>(counts[i]);
    share_sum += shares[i];
  }
  if (total <= 0 || share_sum <= 0) return r;
  int used = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = total * shares[i] / share_sum;
    if (expected <= 0) continue;  // a zero-share arm: nothing expected
    const double d = static_cast<double>(counts[i]) - expected;
    r.chi_square += d * d / expected;
    ++used;
  }
  if (used < 2) return r;
  const boost::math::chi_squared chi(used - 1);
  r.p_value = boost::math::cdf(boost::math::complement(chi, r.chi_square));
  r.mismatch = r.p_value < alpha;
  return r;
}

}  // namespace boomerang::experiments
