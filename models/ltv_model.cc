#include "models/ltv_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace boomerang {
namespace {

constexpr double kDaySeconds = 86400;
// Predictions and features are capped here: a customer worth more than a
// trillion is a data error, and the cap keeps every number finite.
constexpr double kMaxMoney = 1e12;
// The window of the recent revenue rate, days.
constexpr double kRecentDays = 90;

// A non-negative amount: NaN and negatives count as 0, infinity as the cap
// (Gamma-Gamma's mean is infinite for q <= 1).
double Amount(double v) {
  if (!(v > 0)) return 0;
  return std::min(v, kMaxMoney);
}

// The c >= 0 minimising sum_i |r_i - c f_i|: the median of r_i / f_i
// weighted by f_i (rows with f_i = 0 add a constant). 0 when no f_i > 0 or
// the median is negative.
double LadCoefficient(absl::Span<const double> f, absl::Span<const double> r) {
  std::vector<std::pair<double, double>> ratio_weight;
  double total = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] <= 0) continue;
    ratio_weight.emplace_back(r[i] / f[i], f[i]);
    total += f[i];
  }
  if (ratio_weight.empty()) return 0;
  std::sort(ratio_weight.begin(), ratio_weight.end());
  double seen = 0;
  for (const auto& [ratio, weight] : ratio_weight) {
    seen += weight;
    if (seen >= total / 2) return std::max(0.0, ratio);
  }
  return std::max(0.0, ratio_weight.back().first);
}

double MeanAbsoluteError(absl::Span<const double> p,
                         absl::Span<const double> y) {
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) sum += std::abs(p[i] - y[i]);
  return p.empty() ? 0 : sum / p.size();
}

std::vector<double> AverageRanks(absl::Span<const double> v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (size_t t = i; t <= j; ++t) r[order[t]] = (i + j) / 2.0 + 1;
    i = j + 1;
  }
  return r;
}

// One customer's inner example: features at the split, revenue after it.
struct InnerCustomer {
  std::vector<int64_t> times;
  std::vector<double> values;
  double label = 0;
};

// The orders of `c` before `split` and its revenue in [split, end).
InnerCustomer SplitOrders(const LtvCustomerOrders& c, int64_t split,
                          int64_t end) {
  InnerCustomer out;
  const size_t n = std::min(c.times.size(), c.values.size());
  for (size_t i = 0; i < n; ++i) {
    if (c.times[i] < split) {
      out.times.push_back(c.times[i]);
      out.values.push_back(c.values[i]);
    } else if (c.times[i] < end && std::isfinite(c.values[i])) {
      out.label += c.values[i];
    }
  }
  out.label = std::max(0.0, out.label);
  return out;
}

}  // namespace

const std::vector<std::string>& LtvFeatureNames() {
  static const auto* const kNames = new std::vector<std::string>{
      "bgnbd_gg",           "revenue_rate", "recent_revenue_rate",
      "alive_revenue_rate", "own_rate",     "bgnbd_x_own_order_value"};
  return *kNames;
}

LtvFeatureRow ComputeLtvFeatures(const LtvContext& context,
                                 const CustomerSummary& s,
                                 double recent_revenue, double horizon_days) {
  const double h = std::max(0.0, horizon_days);
  const double observed = std::max(1.0, context.observed_days);
  const double recent_days = std::min(kRecentDays, observed);
  const double orders = static_cast<double>(std::max<int64_t>(0, s.orders));
  const double revenue = Amount(s.revenue);
  double p_alive = BgNbdProbabilityAlive(context.bg, s);
  p_alive = std::isfinite(p_alive) ? std::clamp(p_alive, 0.0, 1.0) : 1.0;
  const double rate = Amount(revenue / observed * h);
  LtvFeatureRow x = {Amount(PredictedLtv(context.bg, context.gg, s, h)),
                     rate,
                     Amount(Amount(recent_revenue) / recent_days * h),
                     p_alive * rate,
                     Amount(revenue / std::max(30.0, s.age + 1) * h),
                     Amount(BgNbdExpectedPurchases(context.bg, s, h) * revenue /
                            std::max(1.0, orders))};
  return x;
}

double RecentRevenue(absl::Span<const int64_t> order_times,
                     absl::Span<const double> order_values, int64_t as_of) {
  const size_t n = std::min(order_times.size(), order_values.size());
  const int64_t since = as_of - static_cast<int64_t>(kRecentDays * kDaySeconds);
  double value = 0;
  for (size_t i = 0; i < n; ++i) {
    if (order_times[i] <= as_of && order_times[i] >= since) {
      value += Amount(order_values[i]);
    }
  }
  return value;
}

double PredictLtv(const LtvModel& model, const LtvFeatureRow& x) {
  double v = 0;
  for (int j = 0; j < kLtvFeatures; ++j) v += model.weights[j] * x[j];
  return Amount(v);
}

absl::StatusOr<LtvModel> FitLtvBlend(absl::Span<const LtvFeatureRow> x,
                                     absl::Span<const double> label,
                                     double horizon_days, int sweeps) {
  const size_t n = std::min(x.size(), label.size());
  if (n < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("the LTV blend needs at least 2 customers, got ", n));
  }
  for (size_t i = 0; i < n; ++i) {
    for (int j = 0; j < kLtvFeatures; ++j) {
      if (!std::isfinite(x[i][j]) || !std::isfinite(label[i])) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "LTV feature %s or the label of customer %d is not finite",
            LtvFeatureNames()[j], i));
      }
    }
  }
  // Least absolute deviations, non-negative: coordinate descent on the
  // absolute error (each weight set to the weighted median that is optimal
  // given the others) as a start, then iteratively reweighted least squares
  // (rows weighted 1 / |residual|, each weighted problem solved by
  // projected coordinate descent), since coordinate descent alone can stop
  // at a kink of the loss. The best weights seen are kept.
  LtvModel model;
  model.horizon_days = horizon_days;
  model.weights.assign(kLtvFeatures, 0);
  std::vector<double> fitted(n, 0), f(n), r(n), u(n, 1);
  auto set_weight = [&](int j, double w) {
    for (size_t i = 0; i < n; ++i)
      fitted[i] += (w - model.weights[j]) * x[i][j];
    model.weights[j] = w;
  };
  for (int sweep = 0; sweep < std::min(sweeps, 5); ++sweep) {
    for (int j = 0; j < kLtvFeatures; ++j) {
      for (size_t i = 0; i < n; ++i) {
        f[i] = x[i][j];
        r[i] = label[i] - (fitted[i] - model.weights[j] * f[i]);
      }
      set_weight(j, LadCoefficient(f, r));
    }
  }
  double mean_label = 0;
  for (size_t i = 0; i < n; ++i) mean_label += std::abs(label[i]) / n;
  const double floor = std::max(1e-9, 1e-3 * mean_label);
  std::vector<double> best = model.weights;
  double best_mae = MeanAbsoluteError(fitted, label.subspan(0, n));
  for (int round = 0; round < 10 * sweeps; ++round) {
    for (size_t i = 0; i < n; ++i) {
      u[i] = 1 / std::max(floor, std::abs(label[i] - fitted[i]));
    }
    for (int pass = 0; pass < 5; ++pass) {
      for (int j = 0; j < kLtvFeatures; ++j) {
        double num = 0, den = 0;
        for (size_t i = 0; i < n; ++i) {
          const double residual =
              label[i] - fitted[i] + model.weights[j] * x[i][j];
          num += u[i] * x[i][j] * residual;
          den += u[i] * x[i][j] * x[i][j];
        }
        if (den > 0) set_weight(j, std::max(0.0, num / den));
      }
    }
    const double mae = MeanAbsoluteError(fitted, label.subspan(0, n));
    if (mae < best_mae) {
      best_mae = mae;
      best = model.weights;
    }
  }
  model.weights = best;
  return model;
}

absl::StatusOr<LtvModel> BacktestLtvModel(
    absl::Span<const LtvCustomerOrders> customers, int64_t data_start,
    int64_t as_of, const LtvFitOptions& options, LtvBacktestReport* report) {
  const double span_days = std::floor((as_of - data_start) / kDaySeconds);
  const double h =
      std::min(options.max_horizon_days, std::floor(span_days / 2));
  if (!(h >= options.min_horizon_days)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "LTV model not fitted: %.0f days of history leave an inner window "
        "of %.0f days, under %.0f",
        std::max(0.0, span_days), std::max(0.0, h), options.min_horizon_days));
  }
  const int64_t split = as_of - static_cast<int64_t>(h * kDaySeconds);
  std::vector<CustomerSummary> summaries;
  std::vector<double> labels, recent;
  int buyers = 0;
  for (const LtvCustomerOrders& c : customers) {
    const InnerCustomer inner = SplitOrders(c, split, as_of);
    if (inner.times.empty()) continue;
    summaries.push_back(SummarizeCustomer(inner.times, inner.values, split));
    recent.push_back(RecentRevenue(inner.times, inner.values, split));
    labels.push_back(inner.label);
    buyers += inner.label > 0;
  }
  if (static_cast<int>(summaries.size()) < options.min_customers ||
      buyers < options.min_buyers) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "LTV model not fitted: %d customers before the inner split, %d of "
        "them buying in the %.0f days after it (needs %d and %d)",
        summaries.size(), buyers, h, options.min_customers,
        options.min_buyers));
  }
  LtvContext context;
  context.observed_days = std::max(1.0, (split - data_start) / kDaySeconds);
  auto bg = FitBgNbd(summaries);
  auto gg = FitGammaGamma(summaries);
  if (!bg.ok() || !gg.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("LTV model not fitted: at the inner split, ",
                     (bg.ok() ? gg.status() : bg.status()).message()));
  }
  context.bg = *bg;
  context.gg = *gg;
  std::vector<LtvFeatureRow> rows(summaries.size());
  for (size_t i = 0; i < summaries.size(); ++i) {
    rows[i] = ComputeLtvFeatures(context, summaries[i], recent[i], h);
  }
  auto model = FitLtvBlend(rows, labels, h, options.sweeps);
  if (!model.ok()) return model.status();
  if (report != nullptr) {
    const size_t n = rows.size();
    std::vector<double> pm(n), pb(n), pr(n);
    for (size_t i = 0; i < n; ++i) {
      pm[i] = PredictLtv(*model, rows[i]);
      pb[i] = PredictedLtv(context.bg, context.gg, summaries[i], h);
      pr[i] = summaries[i].revenue / context.observed_days * h;
    }
    report->inner_split = split;
    report->horizon_days = h;
    report->customers = static_cast<int>(n);
    report->buyers = buyers;
    report->actual_total = std::accumulate(labels.begin(), labels.end(), 0.0);
    report->model_total = std::accumulate(pm.begin(), pm.end(), 0.0);
    report->model_mae = MeanAbsoluteError(pm, labels);
    report->model_spearman = SpearmanCorrelation(pm, labels);
    report->bgnbd_mae = MeanAbsoluteError(pb, labels);
    report->bgnbd_spearman = SpearmanCorrelation(pb, labels);
    report->rate_mae = MeanAbsoluteError(pr, labels);
    report->rate_spearman = SpearmanCorrelation(pr, labels);
  }
  return model;
}

double SpearmanCorrelation(absl::Span<const double> x,
                           absl::Span<const double> y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  const std::vector<double> rx = AverageRanks(x.subspan(0, n));
  const std::vector<double> ry = AverageRanks(y.subspan(0, n));
  const double mean = (n + 1) / 2.0;  // of ranks 1..n, ties averaged
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0;
}

void LtvModelToProto(const LtvModel& model, const LtvBacktestReport& report,
                     v1::CustomerModel::LtvBlend* out) {
  out->set_horizon_days(model.horizon_days);
  for (double w : model.weights) out->add_weights(w);
  for (const std::string& name : LtvFeatureNames()) {
    out->add_feature_names(name);
  }
  out->set_inner_split(report.inner_split);
  out->set_customers(report.customers);
  out->set_buyers(report.buyers);
  out->set_actual_total(report.actual_total);
  out->set_model_total(report.model_total);
  out->set_model_mae(report.model_mae);
  out->set_model_spearman(report.model_spearman);
  out->set_bgnbd_mae(report.bgnbd_mae);
  out->set_bgnbd_spearman(report.bgnbd_spearman);
  out->set_rate_mae(report.rate_mae);
  out->set_rate_spearman(report.rate_spearman);
}

absl::StatusOr<LtvModel> LtvModelFromProto(
    const v1::CustomerModel::LtvBlend& in) {
  const std::vector<std::string>& names = LtvFeatureNames();
  if (in.weights_size() == 0) {
    return absl::NotFoundError("the snapshot has no learned LTV model");
  }
  if (in.weights_size() != kLtvFeatures ||
      in.feature_names_size() != kLtvFeatures ||
      !std::equal(names.begin(), names.end(), in.feature_names().begin())) {
    return absl::FailedPreconditionError(
        "the snapshot's LTV model has other features than this build's");
  }
  LtvModel model;
  model.horizon_days = in.horizon_days();
  model.weights.assign(in.weights().begin(), in.weights().end());
  bool finite = true;
  for (double w : model.weights) finite &= std::isfinite(w) && w >= 0;
  if (!finite) {
    return absl::FailedPreconditionError(
        "the snapshot's LTV model has a negative or non-finite weight");
  }
  return model;
}

}  // namespace boomerang
