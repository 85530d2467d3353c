#include "models/ltv_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace boomerang {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kEpoch = 19700 * kDay;  // midnight UTC, 2023-12-09

// A synthetic shop over `days` days: each customer buys at a Poisson rate
// (Gamma-distributed across customers) with their own mean order value, and
// a third of them stop buying at a random day. Fixed seed.
struct Shop {
  std::vector<std::vector<int64_t>> times;
  std::vector<std::vector<double>> values;
  std::vector<LtvCustomerOrders> Orders() const {
    std::vector<LtvCustomerOrders> out;
    for (size_t i = 0; i < times.size(); ++i)
      out.push_back({times[i], values[i]});
    return out;
  }
};

Shop MakeShop(int customers, int days, uint32_t seed) {
  std::mt19937 rng(seed);
  std::gamma_distribution<double> rate(0.8, 1.0 / 40);  // ~1 order / 50 days
  std::lognormal_distribution<double> value(std::log(50.0), 0.8);
  std::uniform_real_distribution<double> u(0, 1);
  Shop shop;
  for (int c = 0; c < customers; ++c) {
    const double lambda = rate(rng) + 1e-3;
    const double mean_value = value(rng);
    const double start = u(rng) * days * 0.6;
    const double stop = u(rng) < 1.0 / 3 ? start + u(rng) * days : days;
    std::exponential_distribution<double> gap(lambda);
    std::vector<int64_t> t;
    std::vector<double> v;
    for (double d = start; d < std::min<double>(stop, days); d += gap(rng)) {
      t.push_back(kEpoch + static_cast<int64_t>(d * kDay));
      v.push_back(mean_value * (0.5 + u(rng)));
    }
    if (t.empty()) {
      t.push_back(kEpoch + static_cast<int64_t>(start * kDay));
      v.push_back(mean_value);
    }
    shop.times.push_back(std::move(t));
    shop.values.push_back(std::move(v));
  }
  return shop;
}

LtvModel ModelWithWeight(double w) {
  LtvModel m;
  m.weights.assign(kLtvFeatures, w);
  return m;
}

TEST(FitLtvBlendTest, RecoversAKnownBlend) {
  // label = 0.4 x0 + 0.7 x1 exactly: the fit finds those weights and leaves
  // the other predictors out.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 500);
  std::vector<LtvFeatureRow> x(500);
  std::vector<double> label(500);
  for (size_t i = 0; i < x.size(); ++i) {
    for (double& f : x[i]) f = u(rng);
    label[i] = 0.4 * x[i][0] + 0.7 * x[i][1];
  }
  auto m = FitLtvBlend(x, label, 90);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_NEAR(m->weights[0], 0.4, 1e-3);
  EXPECT_NEAR(m->weights[1], 0.7, 1e-3);
  for (int j = 2; j < kLtvFeatures; ++j) EXPECT_NEAR(m->weights[j], 0, 1e-3);
  EXPECT_EQ(m->horizon_days, 90);
  EXPECT_NEAR(PredictLtv(*m, x[3]), label[3], 1e-2 * (1 + label[3]));
}

TEST(FitLtvBlendTest, WeightsStayNonNegative) {
  // label = x0 - 0.5 x1: the best non-negative blend has no weight on x1,
  // and no prediction is negative.
  std::mt19937 rng(8);
  std::uniform_real_distribution<double> u(0, 100);
  std::vector<LtvFeatureRow> x(300);
  std::vector<double> label(300);
  for (size_t i = 0; i < x.size(); ++i) {
    for (double& f : x[i]) f = u(rng);
    label[i] = std::max(0.0, x[i][0] - 0.5 * x[i][1]);
  }
  auto m = FitLtvBlend(x, label, 30);
  ASSERT_TRUE(m.ok()) << m.status();
  for (double w : m->weights) EXPECT_GE(w, 0);
  EXPECT_EQ(m->weights[1], 0);
  for (const auto& row : x) EXPECT_GE(PredictLtv(*m, row), 0);
}

TEST(FitLtvBlendTest, TooFewRowsOrNonFiniteInputAreRefused) {
  std::vector<LtvFeatureRow> x(1);
  std::vector<double> label = {10};
  EXPECT_EQ(FitLtvBlend(x, label, 90).status().code(),
            absl::StatusCode::kInvalidArgument);
  x.resize(3);
  label = {1, 2, 3};
  x[1][2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(FitLtvBlend(x, label, 90).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FitLtvBlendTest, ZeroLabelsGiveZero) {
  // Nobody bought in the window: every weight 0, predictions 0, not NaN.
  std::vector<LtvFeatureRow> x(20);
  for (auto& row : x) row.fill(1.5);
  std::vector<double> label(20, 0);
  auto m = FitLtvBlend(x, label, 30);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(PredictLtv(*m, x[0]), 0);
}

TEST(BacktestLtvModelTest, FitsOnASyntheticShopAndBeatsTheRevenueRate) {
  const Shop shop = MakeShop(2000, 360, 11);
  LtvBacktestReport report;
  auto m = BacktestLtvModel(shop.Orders(), kEpoch, kEpoch + 360 * kDay,
                            LtvFitOptions(), &report);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(report.horizon_days, 180);  // min(180, 360 / 2)
  EXPECT_EQ(report.inner_split, kEpoch + 180 * kDay);
  EXPECT_GT(report.customers, 1000);
  EXPECT_GT(report.buyers, 100);
  // Tuned for absolute error, on these very examples: it must not lose to
  // the revenue rate it can copy.
  EXPECT_LT(report.model_mae, report.rate_mae);
  EXPECT_GT(report.model_spearman, 0.3);
  for (double w : m->weights) EXPECT_TRUE(std::isfinite(w));
}

TEST(BacktestLtvModelTest, RecentHighSpenderIsWorthMoreThanALapsedSmallOne) {
  const Shop shop = MakeShop(2000, 360, 12);
  const int64_t as_of = kEpoch + 360 * kDay;
  auto m = BacktestLtvModel(shop.Orders(), kEpoch, as_of, LtvFitOptions());
  ASSERT_TRUE(m.ok()) << m.status();
  LtvContext context;
  context.observed_days = 360;
  std::vector<CustomerSummary> summaries;
  for (size_t i = 0; i < shop.times.size(); ++i) {
    summaries.push_back(
        SummarizeCustomer(shop.times[i], shop.values[i], as_of));
  }
  auto bg = FitBgNbd(summaries);
  auto gg = FitGammaGamma(summaries);
  ASSERT_TRUE(bg.ok() && gg.ok());
  context.bg = *bg;
  context.gg = *gg;
  // Both bought 6 times; one every 10 days up to last week for 200 each,
  // the other long ago for 20 each.
  std::vector<int64_t> recent_t, lapsed_t;
  std::vector<double> recent_v, lapsed_v;
  for (int k = 0; k < 6; ++k) {
    recent_t.push_back(as_of - (7 + 10 * k) * kDay);
    recent_v.push_back(200);
    lapsed_t.push_back(kEpoch + (10 + 10 * k) * kDay);
    lapsed_v.push_back(20);
  }
  auto predict = [&](const std::vector<int64_t>& t,
                     const std::vector<double>& v) {
    const CustomerSummary s = SummarizeCustomer(t, v, as_of);
    return PredictLtv(
        *m, ComputeLtvFeatures(context, s, RecentRevenue(t, v, as_of), 365));
  };
  const double recent = predict(recent_t, recent_v);
  const double lapsed = predict(lapsed_t, lapsed_v);
  EXPECT_GT(recent, 0);
  EXPECT_GT(recent, 5 * lapsed);
}

TEST(BacktestLtvModelTest, DegenerateShopsAreRefusedWithAReason) {
  const int64_t as_of = kEpoch + 200 * kDay;
  // One customer.
  std::vector<int64_t> t = {kEpoch, kEpoch + 150 * kDay};
  std::vector<double> v = {10, 20};
  std::vector<LtvCustomerOrders> one = {{t, v}};
  auto m = BacktestLtvModel(one, kEpoch, as_of, LtvFitOptions());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("customers"), std::string::npos);
  // Everyone bought on the same day: no history to split.
  std::vector<int64_t> same = {kEpoch + 3600};
  std::vector<double> zero = {0};
  std::vector<LtvCustomerOrders> many(500, {same, zero});
  m = BacktestLtvModel(many, kEpoch, kEpoch + kDay, LtvFitOptions());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("history"), std::string::npos);
  // A long history of zero-revenue orders: nobody "buys" in the window.
  std::vector<int64_t> spread = {kEpoch, kEpoch + 50 * kDay,
                                 kEpoch + 150 * kDay};
  std::vector<double> zeros = {0, 0, 0};
  std::vector<LtvCustomerOrders> free(500, {spread, zeros});
  m = BacktestLtvModel(free, kEpoch, as_of, LtvFitOptions());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  // No customers at all.
  m = BacktestLtvModel({}, kEpoch, as_of, LtvFitOptions());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LtvFeaturesTest, FiniteForDegenerateCustomersAndParameters) {
  LtvContext context;  // all-zero BG/NBD and Gamma-Gamma parameters
  context.observed_days = 0;
  const CustomerSummary nobody;
  CustomerSummary huge;
  huge.frequency = 1e6;
  huge.recency = 10;
  huge.age = 10;
  huge.monetary = 1e300;
  huge.orders = 1000000;
  huge.revenue = std::numeric_limits<double>::infinity();
  for (const CustomerSummary* s :
       {&nobody, static_cast<const CustomerSummary*>(&huge)}) {
    for (double h : {0.0, 1.0, 365.0}) {
      const LtvFeatureRow x = ComputeLtvFeatures(context, *s, 0, h);
      for (double f : x) EXPECT_TRUE(std::isfinite(f));
      for (double w : {0.0, 5.0, 1e300}) {
        const double p = PredictLtv(ModelWithWeight(w), x);
        EXPECT_TRUE(std::isfinite(p));
        EXPECT_GE(p, 0);
      }
    }
  }
}

TEST(LtvFeaturesTest, RecentRevenueCountsTheLast90Days) {
  const int64_t as_of = kEpoch + 100 * kDay;
  const std::vector<int64_t> t = {kEpoch + 5 * kDay, kEpoch + 20 * kDay,
                                  kEpoch + 99 * kDay, as_of + kDay};
  const std::vector<double> v = {40, 10, 5, 99};
  // Day 5 is more than 90 days before day 100; day 101 is after as_of.
  EXPECT_EQ(RecentRevenue(t, v, as_of), 15);
  EXPECT_EQ(RecentRevenue(t, v, kEpoch), 0);
}

TEST(LtvFeaturesTest, RecentHighSpendScoresHigherOnEveryRate) {
  // Same orders and revenue; one bought last week, one long ago.
  LtvContext context;
  context.bg = {0.7, 60, 0.5, 5};
  context.gg = {3, 3, 200};
  context.observed_days = 200;
  const int64_t as_of = kEpoch + 200 * kDay;
  const std::vector<double> v = {100, 100, 100};
  const std::vector<int64_t> recent = {as_of - 30 * kDay, as_of - 20 * kDay,
                                       as_of - 7 * kDay};
  const std::vector<int64_t> lapsed = {kEpoch, kEpoch + 10 * kDay,
                                       kEpoch + 20 * kDay};
  const LtvFeatureRow a =
      ComputeLtvFeatures(context, SummarizeCustomer(recent, v, as_of),
                         RecentRevenue(recent, v, as_of), 180);
  const LtvFeatureRow b =
      ComputeLtvFeatures(context, SummarizeCustomer(lapsed, v, as_of),
                         RecentRevenue(lapsed, v, as_of), 180);
  EXPECT_GT(a[0], b[0]);  // BG/NBD x Gamma-Gamma
  EXPECT_EQ(a[1], b[1]);  // revenue rate: the same revenue
  EXPECT_GT(a[2], b[2]);  // recent revenue
  EXPECT_GT(a[3], b[3]);  // alive x rate
  // A blend of them all ranks the recent customer first.
  EXPECT_GT(PredictLtv(ModelWithWeight(1), a),
            PredictLtv(ModelWithWeight(1), b));
}

TEST(LtvModelProtoTest, RoundTripsAndRefusesWhatItCannotUse) {
  LtvModel m = ModelWithWeight(0.25);
  m.weights[3] = 0.5;
  m.horizon_days = 95;
  LtvBacktestReport report;
  report.inner_split = kEpoch;
  report.model_mae = 12;
  v1::CustomerModel::LtvBlend p;
  LtvModelToProto(m, report, &p);
  auto back = LtvModelFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->weights, m.weights);
  EXPECT_EQ(back->horizon_days, 95);
  EXPECT_EQ(p.inner_split(), kEpoch);
  // A snapshot from an older indexer: no model; the server falls back.
  EXPECT_EQ(LtvModelFromProto(v1::CustomerModel::LtvBlend()).status().code(),
            absl::StatusCode::kNotFound);
  // Another build's features.
  v1::CustomerModel::LtvBlend other = p;
  other.set_feature_names(2, "something_else");
  EXPECT_EQ(LtvModelFromProto(other).status().code(),
            absl::StatusCode::kFailedPrecondition);
  other = p;
  other.set_weights(0, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(LtvModelFromProto(other).status().code(),
            absl::StatusCode::kFailedPrecondition);
  other.set_weights(0, -1);
  EXPECT_EQ(LtvModelFromProto(other).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SpearmanCorrelationTest, RanksWithTies) {
  EXPECT_NEAR(SpearmanCorrelation({1, 2, 3, 4}, {10, 20, 30, 40}), 1, 1e-12);
  EXPECT_NEAR(SpearmanCorrelation({1, 2, 3, 4}, {4, 3, 2, 1}), -1, 1e-12);
  EXPECT_EQ(SpearmanCorrelation({1, 1, 1}, {1, 2, 3}), 0);
  EXPECT_EQ(SpearmanCorrelation({1}, {1}), 0);
  // Ties take the mean rank: x ranks 1.5, 1.5, 3.
  EXPECT_NEAR(SpearmanCorrelation({0, 0, 5}, {1, 2, 3}), std::sqrt(0.75),
              1e-12);
}

}  // namespace
}  // namespace boomerang
