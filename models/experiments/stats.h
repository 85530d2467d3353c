// The statistics of an A/B report (issue 14): confidence intervals for
// rates and means, the difference between an arm and the control with its
// test, and the sample-ratio-mismatch check. Pure functions over counts and
// running moments, so that a report over millions of events keeps only
// aggregates.
//
// Distributions (normal, Student's t, chi-square) come from Boost.Math
// (Debian's libboost-math-dev, header-only) rather than hand-written
// series.
#ifndef BOOMERANG_MODELS_EXPERIMENTS_STATS_H_
#define BOOMERANG_MODELS_EXPERIMENTS_STATS_H_

#include <cstdint>

#include "absl/types/span.h"

namespace boomerang::experiments {

struct Interval {
  double low = 0;
  double high = 0;
};

// The Wilson score interval of a proportion `successes / trials` at
// `confidence` (0.95: 95%): unlike the normal approximation it stays
// inside [0, 1] and is sane for small counts. {0, 0} when trials is 0.
Interval WilsonInterval(int64_t successes, int64_t trials,
                        double confidence = 0.95);

// Count, mean and sum of squared deviations of a sample, added one value
// at a time (Welford), mergeable.
struct Moments {
  int64_t n = 0;
  double mean = 0;
  double m2 = 0;
  void Add(double x);
  void Merge(const Moments& other);
  // The sample variance (n - 1 in the denominator); 0 below two values.
  double variance() const;
};

// The t interval of a sample's mean; {mean, mean} below two values.
Interval MeanInterval(const Moments& m, double confidence = 0.95);

// An arm against the control.
struct Comparison {
  double control = 0;             // the control's rate or mean
  double treatment = 0;           // the arm's
  double difference = 0;          // treatment - control
  double relative = 0;            // difference / control (0 when control is 0)
  Interval interval;              // of the difference
  double statistic = 0;           // z or t
  double p_value = 1;             // two-sided
  bool significant = false;       // p_value < alpha
  double degrees_of_freedom = 0;  // Welch only
};

// The two-proportion z-test (pooled standard error for the test, unpooled
// for the interval of the difference). p = 1 when either arm has no trials
// or the pooled rate is 0 or 1.
Comparison TwoProportionTest(int64_t control_successes, int64_t control_trials,
                             int64_t treatment_successes,
                             int64_t treatment_trials, double alpha = 0.05);

// Welch's unequal-variances t-test on two samples' moments (e.g. revenue
// per customer, capped). p = 1 when either has fewer than two values or
// both have no variance.
Comparison WelchTest(const Moments& control, const Moments& treatment,
                     double alpha = 0.05);

// Sample ratio mismatch: Pearson's chi-square of the units assigned to each
// arm against the configured shares (any positive scale). The usual
// threshold is p < 0.001: a mismatch means the assignment or the logging
// is broken and the arms' numbers cannot be trusted.
struct SampleRatio {
  double chi_square = 0;
  double p_value = 1;
  bool mismatch = false;
};
SampleRatio SampleRatioTest(absl::Span<const int64_t> counts,
                            absl::Span<const double> shares,
                            double alpha = 0.001);

}  // namespace boomerang::experiments

#endif  // BOOMERANG_MODELS_EXPERIMENTS_STATS_H_
