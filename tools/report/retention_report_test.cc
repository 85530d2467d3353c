#include "tools/report/retention_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tools/report/report_html.h"

namespace boomerang {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

int64_t At(int m, int d, int h) {
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(2024, m, d, h), absl::UTCTimeZone()));
}

// Thirteen orders, five customers (A=0 .. E=4), three months of 2024:
//
//   #   time          who    value
//   1   01-05 10:00   A      10    } A twice on one day
//   2   01-05 15:00   A      20    }
//   3   01-10 09:00   B      30    } B twice on one day, never again
//   4   01-10 18:00   B       5    }
//   5   01-20 12:00   C      40
//   6   01-25 12:00   guest  50
//   7   02-03 12:00   A      30
//   8   02-14 12:00   D      60
//   9   03-02 10:00   A      40    } A and D on the same day
//  10   03-02 11:00   D      10    }
//  11   03-15 12:00   E     100
//  12   03-20 12:00   C      20    C skips February and comes back
//  13   03-31 23:00   guest  40
//
// as_of defaults to 2024-04-01T00:00Z, the midnight after the last order.
struct Example {
  std::vector<int64_t> times = {
      At(1, 5, 10),  At(1, 5, 15),  At(1, 10, 9),  At(1, 10, 18), At(1, 20, 12),
      At(1, 25, 12), At(2, 3, 12),  At(2, 14, 12), At(3, 2, 10),  At(3, 2, 11),
      At(3, 15, 12), At(3, 20, 12), At(3, 31, 23)};
  std::vector<int32_t> customers = {0, 0, 1, 1, 2, -1, 0, 3, 0, 3, 4, 2, -1};
  std::vector<double> revenue = {10, 20, 30, 5,   40, 50, 30,
                                 60, 40, 10, 100, 20, 40};
  ReportOrders Orders() const {
    ReportOrders o;
    o.timestamps = times;
    o.customers = customers;
    o.revenue = revenue;
    o.num_customers = 5;
    return o;
  }
};

class RetentionReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = ComputeRetentionReport(example_.Orders(), {});
    ASSERT_TRUE(r.ok()) << r.status();
    report_ = *r;
  }
  Example example_;
  RetentionReport report_;
};

TEST_F(RetentionReportTest, Totals) {
  const RetentionReport& r = report_;
  EXPECT_EQ(FormatUtc(r.as_of), "2024-04-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(r.data_start), "2024-01-05T10:00:00Z");
  EXPECT_EQ(FormatUtc(r.data_end), "2024-03-31T23:00:00Z");
  EXPECT_EQ(r.customers, 5);
  EXPECT_EQ(r.orders, 13);
  EXPECT_EQ(r.guest_orders, 2);
  // 10+20+30+5+40+50+30+60+40+10+100+20+40 = 455; guests 50+40 = 90.
  EXPECT_DOUBLE_EQ(r.revenue, 455);
  EXPECT_DOUBLE_EQ(r.guest_revenue, 90);
  // Guest orders count for AOV: 455 / 13.
  ASSERT_TRUE(r.aov.has_value());
  EXPECT_DOUBLE_EQ(*r.aov, 35);
}

TEST_F(RetentionReportTest, RepeatPurchaseRate) {
  // >= 2 orders: A (4), B (2, same day), C (2), D (2); not E: 4 of 5.
  EXPECT_EQ(report_.repeat_customers, 4);
  EXPECT_DOUBLE_EQ(report_.repeat_purchase_rate, 0.8);
  // >= 2 distinct days: A (3 days), C, D; B's two orders are on one day.
  EXPECT_EQ(report_.repeat_customers_by_days, 3);
  EXPECT_DOUBLE_EQ(report_.repeat_purchase_rate_by_days, 0.6);
  // 11 customer orders / 5 customers (guests left out).
  EXPECT_DOUBLE_EQ(report_.orders_per_customer, 2.2);
}

TEST_F(RetentionReportTest, Months) {
  const auto& m = report_.months;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].month, "2024-01");
  EXPECT_EQ(m[1].month, "2024-02");
  EXPECT_EQ(m[2].month, "2024-03");
  // The data starts on Jan 5: January is partial; March ends at as_of.
  EXPECT_TRUE(m[0].partial);
  EXPECT_FALSE(m[1].partial);
  EXPECT_FALSE(m[2].partial);

  // January: orders 1-6 (one guest), 10+20+30+5+40+50 = 155; active and
  // new A, B, C; no retention in the first month.
  EXPECT_EQ(m[0].orders, 6);
  EXPECT_EQ(m[0].guest_orders, 1);
  EXPECT_DOUBLE_EQ(m[0].revenue, 155);
  EXPECT_DOUBLE_EQ(*m[0].aov, 155.0 / 6);
  EXPECT_EQ(m[0].active_customers, 3);
  EXPECT_EQ(m[0].new_customers, 3);
  EXPECT_EQ(m[0].returning_customers, 0);
  EXPECT_FALSE(m[0].retention_rate.has_value());
  EXPECT_FALSE(m[0].classic_crr.has_value());

  // February: orders 7-8, 30+60 = 90; active A, D; new D; of January's
  // A, B, C only A is back: 1/3, and classic (2-1)/3 = 1/3 too.
  EXPECT_EQ(m[1].orders, 2);
  EXPECT_DOUBLE_EQ(m[1].revenue, 90);
  EXPECT_DOUBLE_EQ(*m[1].aov, 45);
  EXPECT_EQ(m[1].active_customers, 2);
  EXPECT_EQ(m[1].new_customers, 1);
  EXPECT_EQ(m[1].retained_customers, 1);
  EXPECT_DOUBLE_EQ(*m[1].retention_rate, 1.0 / 3);
  EXPECT_DOUBLE_EQ(*m[1].classic_crr, 1.0 / 3);

  // March: orders 9-13, 40+10+100+20+40 = 210, AOV 42; active A, D, E, C;
  // new E. February's A and D both came back: retention 2/2 = 1. Classic
  // CRR also counts C (back after skipping February): (4-1)/2 = 1.5.
  EXPECT_EQ(m[2].orders, 5);
  EXPECT_EQ(m[2].guest_orders, 1);
  EXPECT_DOUBLE_EQ(m[2].revenue, 210);
  EXPECT_DOUBLE_EQ(*m[2].aov, 42);
  EXPECT_EQ(m[2].active_customers, 4);
  EXPECT_EQ(m[2].new_customers, 1);
  EXPECT_EQ(m[2].returning_customers, 3);
  EXPECT_EQ(m[2].retained_customers, 2);
  EXPECT_DOUBLE_EQ(*m[2].retention_rate, 1.0);
  EXPECT_DOUBLE_EQ(*m[2].classic_crr, 1.5);
}

TEST_F(RetentionReportTest, Cohorts) {
  const auto& c = report_.cohorts;
  ASSERT_EQ(c.size(), 3u);
  // January cohort A, B, C: Feb only A (1/3), March A and C (2/3).
  // Revenue: Jan 30 (A) + 35 (B) + 40 (C) = 105, Feb 30, Mar 40 + 20 = 60.
  EXPECT_EQ(c[0].month, "2024-01");
  EXPECT_EQ(c[0].customers, 3);
  EXPECT_THAT(c[0].active, ElementsAre(3, 1, 2));
  EXPECT_THAT(
      c[0].customer_retention,
      ElementsAre(1.0, DoubleNear(1.0 / 3, 1e-12), DoubleNear(2.0 / 3, 1e-12)));
  EXPECT_THAT(c[0].revenue, ElementsAre(105, 30, 60));
  ASSERT_EQ(c[0].revenue_retention.size(), 3u);
  EXPECT_DOUBLE_EQ(*c[0].revenue_retention[0], 1.0);
  EXPECT_DOUBLE_EQ(*c[0].revenue_retention[1], 30.0 / 105);
  EXPECT_DOUBLE_EQ(*c[0].revenue_retention[2], 60.0 / 105);
  // February cohort D: 60 then 10 in March.
  EXPECT_EQ(c[1].month, "2024-02");
  EXPECT_EQ(c[1].customers, 1);
  EXPECT_THAT(c[1].customer_retention, ElementsAre(1.0, 1.0));
  EXPECT_THAT(c[1].revenue, ElementsAre(60, 10));
  EXPECT_DOUBLE_EQ(*c[1].revenue_retention[1], 10.0 / 60);
  // March cohort E.
  EXPECT_EQ(c[2].customers, 1);
  EXPECT_THAT(c[2].customer_retention, ElementsAre(1.0));
  // Weighted average: +1 over Jan and Feb cohorts (1+1)/(3+1), +2 only
  // January's 2/3.
  EXPECT_THAT(report_.cohort_average_retention,
              ElementsAre(1.0, 0.5, DoubleNear(2.0 / 3, 1e-12)));
}

TEST_F(RetentionReportTest, HistoricLtv) {
  // Customer revenue: A 100, B 35, C 60, D 70, E 100.
  const ValueDistribution& d = report_.historic_ltv;
  EXPECT_EQ(d.count, 5);
  EXPECT_DOUBLE_EQ(d.total, 365);
  EXPECT_DOUBLE_EQ(d.mean, 73);
  EXPECT_DOUBLE_EQ(d.min, 35);
  EXPECT_DOUBLE_EQ(d.max, 100);
  // Sorted 35 60 70 100 100, position q/100 * 4: p10 at 0.4 -> 35 + 0.4 *
  // 25 = 45; p25 at 1 -> 60; p50 -> 70; p75 and above -> 100.
  EXPECT_DOUBLE_EQ(d.percentiles.at(10), 45);
  EXPECT_DOUBLE_EQ(d.percentiles.at(25), 60);
  EXPECT_DOUBLE_EQ(d.percentiles.at(50), 70);
  EXPECT_DOUBLE_EQ(d.percentiles.at(75), 100);
  EXPECT_DOUBLE_EQ(d.percentiles.at(99), 100);
  // The scale starts at the nice number below p1 (36): 20, 50, 100, 200.
  ASSERT_EQ(d.buckets.size(), 4u);
  EXPECT_EQ(d.buckets[0].lo, 0);
  EXPECT_EQ(d.buckets[0].hi, 20);
  EXPECT_EQ(d.buckets[0].count, 0);
  EXPECT_EQ(d.buckets[1].hi, 50);
  EXPECT_EQ(d.buckets[1].count, 1);  // 35
  EXPECT_EQ(d.buckets[2].count, 2);  // 60, 70
  EXPECT_DOUBLE_EQ(d.buckets[2].value_sum, 130);
  EXPECT_EQ(d.buckets[3].lo, 100);
  EXPECT_EQ(d.buckets[3].count, 2);  // 100, 100: [100, 200)
}

TEST_F(RetentionReportTest, RfmSegments) {
  // As of 2024-04-01, days since the last order day: A 30 (Mar 2), B 82
  // (Jan 10; 2024 is a leap year), C 12, D 30, E 17. Recency quintiles of
  // 12 17 30 30 82 at positions 0.8 1.6 2.4 3.2: 16, 24.8, 30, 40.4, so
  // R = 5 - (cutoffs strictly below): A 3, B 1, C 5, D 3, E 4.
  EXPECT_THAT(report_.rfm_cutoffs.recency_days,
              ElementsAre(DoubleNear(16, 1e-9), DoubleNear(24.8, 1e-9), 30,
                          DoubleNear(40.4, 1e-9)));
  // Orders 1 2 2 2 4: cutoffs 1.8, 2, 2, 2.4, F = 1 + below: A 5, B 2,
  // C 2, D 2, E 1.
  EXPECT_THAT(report_.rfm_cutoffs.frequency,
              ElementsAre(DoubleNear(1.8, 1e-9), 2, 2, DoubleNear(2.4, 1e-9)));
  // Grid: A R3 F5 loyal; B R1 F2 hibernating; C R5 F2 potential_loyalist;
  // D R3 F2 about_to_sleep; E R4 F1 promising.
  std::map<std::string, const SegmentRow*> seg;
  int64_t total = 0;
  for (const SegmentRow& s : report_.segments) {
    seg[s.name] = &s;
    total += s.customers;
  }
  EXPECT_EQ(total, 5);
  EXPECT_EQ(seg.size(), RfmSegmentNames().size());
  EXPECT_EQ(seg["loyal"]->customers, 1);
  EXPECT_DOUBLE_EQ(seg["loyal"]->revenue, 100);
  EXPECT_DOUBLE_EQ(seg["loyal"]->revenue_share, 100.0 / 365);
  EXPECT_DOUBLE_EQ(*seg["loyal"]->mean_recency_days, 30);
  EXPECT_DOUBLE_EQ(*seg["loyal"]->mean_frequency, 4);
  EXPECT_EQ(seg["hibernating"]->customers, 1);
  EXPECT_DOUBLE_EQ(*seg["hibernating"]->mean_recency_days, 82);
  EXPECT_EQ(seg["potential_loyalist"]->customers, 1);
  EXPECT_EQ(seg["about_to_sleep"]->customers, 1);
  EXPECT_DOUBLE_EQ(seg["about_to_sleep"]->revenue, 70);
  EXPECT_EQ(seg["promising"]->customers, 1);
  EXPECT_DOUBLE_EQ(seg["promising"]->share, 0.2);
  EXPECT_EQ(seg["champions"]->customers, 0);
  EXPECT_FALSE(seg["champions"]->mean_recency_days.has_value());
}

// Revenue as of April 1st: A 100, E 100, D 70, C 60, B 35 (total 365).
// A, E, D and C are A (0, 27%, 55% and 74% before them), B is B (90%
// before it). Monthly spend Jan..Mar: A 30 30 40 (CV 0.14, X), B 35 0 0
// (CV 1.41, Y), C 40 0 20 (CV 0.82, X); D (Feb, Mar) and E (Mar) have
// under 3 months: Z.
TEST_F(RetentionReportTest, AbcXyzMatrixOfCustomers) {
  const ClassMatrix& m = report_.customer_classes;
  ASSERT_TRUE(m.available);
  EXPECT_EQ(m.cutoffs.abc_a_min, 60);
  EXPECT_EQ(m.cutoffs.abc_b_min, 35);
  EXPECT_EQ(m.count, 5);
  EXPECT_DOUBLE_EQ(m.revenue, 365);
  EXPECT_EQ(m.cells[0][0].count, 2);  // AX: A, C
  EXPECT_DOUBLE_EQ(m.cells[0][0].revenue, 160);
  EXPECT_DOUBLE_EQ(m.cells[0][0].share, 0.4);
  EXPECT_DOUBLE_EQ(m.cells[0][0].revenue_share, 160.0 / 365);
  EXPECT_EQ(m.cells[0][2].count, 2);  // AZ: D, E
  EXPECT_DOUBLE_EQ(m.cells[0][2].revenue, 170);
  EXPECT_EQ(m.cells[1][1].count, 1);  // BY: B
  EXPECT_EQ(m.cells[0][1].count + m.cells[1][0].count + m.cells[1][2].count +
                m.cells[2][0].count + m.cells[2][1].count + m.cells[2][2].count,
            0);
  EXPECT_FALSE(report_.item_classes.available);  // no item data given
  const nlohmann::json j = ReportToJson(report_);
  const nlohmann::json& cells = j["abc_xyz"]["customers"]["cells"];
  ASSERT_EQ(cells.size(), 9u);
  EXPECT_EQ(cells[2]["abc"], "A");
  EXPECT_EQ(cells[2]["xyz"], "Z");
  EXPECT_EQ(cells[2]["count"], 2);
  EXPECT_FALSE(j["abc_xyz"]["items"]["available"].get<bool>());
}

TEST_F(RetentionReportTest, AbcXyzMatrixOfItems) {
  const int64_t jan = 2024 * 12;
  // Item 0: 10 units a month, 90 in all: A, X. Item 1: 5 units in January
  // for 10: B (90% before it), Z; its April sale is after as_of.
  const std::vector<std::vector<ItemMonth>> items = {
      {{jan, 10, 30}, {jan + 1, 10, 30}, {jan + 2, 10, 30}},
      {{jan, 5, 10}, {jan + 3, 1000, 5000}}};
  ReportOrders orders = example_.Orders();
  orders.item_months = items;
  auto r = ComputeRetentionReport(orders, {});
  ASSERT_TRUE(r.ok()) << r.status();
  const ClassMatrix& m = r->item_classes;
  ASSERT_TRUE(m.available);
  EXPECT_EQ(m.count, 2);
  EXPECT_EQ(m.cells[0][0].count, 1);
  EXPECT_DOUBLE_EQ(m.cells[0][0].revenue_share, 0.9);
  EXPECT_EQ(m.cells[1][2].count, 1);
  EXPECT_DOUBLE_EQ(m.cells[1][2].revenue, 10);
}

TEST_F(RetentionReportTest, PredictionNeedsMoreCustomers) {
  // BG/NBD wants at least 10 customers: the report says so instead of
  // failing.
  EXPECT_FALSE(report_.predicted_available);
  EXPECT_THAT(report_.predicted_unavailable_reason, HasSubstr("BG/NBD"));
}

TEST_F(RetentionReportTest, AsOfLeavesLaterOrdersOut) {
  RetentionReportOptions options;
  options.as_of = At(3, 1, 0);  // orders 1-8
  auto r = ComputeRetentionReport(example_.Orders(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->orders, 8);
  EXPECT_EQ(r->orders_after_as_of, 5);
  EXPECT_DOUBLE_EQ(r->revenue, 245);  // 155 + 90
  ASSERT_EQ(r->months.size(), 2u);
  EXPECT_FALSE(r->months[1].partial);  // February ends exactly at as_of
  EXPECT_EQ(r->customers, 4);          // E is not there yet
  EXPECT_DOUBLE_EQ(r->repeat_purchase_rate, 0.5);  // A and B
}

TEST_F(RetentionReportTest, BadInputIsAnError) {
  RetentionReportOptions options;
  options.as_of = At(1, 1, 0);  // before every order
  EXPECT_FALSE(ComputeRetentionReport(example_.Orders(), options).ok());
  ReportOrders bad = example_.Orders();
  bad.num_customers = 3;  // D and E out of range
  EXPECT_FALSE(ComputeRetentionReport(bad, {}).ok());
  ReportOrders none;
  EXPECT_FALSE(ComputeRetentionReport(none, {}).ok());
}

TEST_F(RetentionReportTest, JsonHasEveryNumberAndItsDefinition) {
  nlohmann::json j = ReportToJson(report_);
  EXPECT_EQ(j["totals"]["customers"], 5);
  EXPECT_EQ(j["totals"]["guest_orders"], 2);
  EXPECT_DOUBLE_EQ(j["repeat_purchase"]["repeat_purchase_rate"], 0.8);
  EXPECT_TRUE(j["monthly"][0]["retention_rate"].is_null());
  EXPECT_DOUBLE_EQ(j["monthly"][2]["classic_crr"], 1.5);
  EXPECT_DOUBLE_EQ(j["cohorts"]["rows"][0]["revenue_retention"][1], 30.0 / 105);
  EXPECT_FALSE(j["ltv"]["predicted"]["available"]);
  EXPECT_EQ(j["rfm"]["segments"].size(), RfmSegmentNames().size());
  for (const char* key :
       {"repeat_purchase_rate", "repeat_purchase_rate_by_days",
        "retention_rate", "classic_crr", "aov", "cohort_customer_retention",
        "cohort_revenue_retention", "historic_ltv", "predicted_ltv", "rfm"}) {
    EXPECT_TRUE(j["definitions"].contains(key)) << key;
  }
}

// A population big enough for the models: 200 customers, some buying every
// month, some once, deterministic.
TEST(RetentionReportModelTest, PredictedValueAndSegmentsCoverEveryone) {
  std::vector<int64_t> times;
  std::vector<int32_t> customers;
  std::vector<double> revenue;
  for (int c = 0; c < 200; ++c) {
    const int first_month = 1 + c % 6;
    const int orders = 1 + (c * 7) % 5;  // 1..5
    for (int k = 0; k < orders && first_month + k * (1 + c % 2) <= 12; ++k) {
      times.push_back(At(first_month + k * (1 + c % 2), 1 + c % 27, 12));
      customers.push_back(c);
      revenue.push_back(10 + (c % 13) * 5 + k);
    }
  }
  ReportOrders o;
  o.timestamps = times;
  o.customers = customers;
  o.revenue = revenue;
  o.num_customers = 200;
  auto r = ComputeRetentionReport(o, {});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->predicted_available) << r->predicted_unavailable_reason;
  EXPECT_EQ(r->predicted_ltv.count, 200);
  EXPECT_GT(r->predicted_ltv.mean, 0);
  EXPECT_GT(r->mean_probability_alive, 0);
  EXPECT_LE(r->mean_probability_alive, 1);
  int64_t in_segments = 0, in_buckets = 0;
  for (const SegmentRow& s : r->segments) in_segments += s.customers;
  for (const auto& b : r->predicted_ltv.buckets) in_buckets += b.count;
  EXPECT_EQ(in_segments, 200);
  EXPECT_EQ(in_buckets, 200);
  EXPECT_LE(r->predicted_ltv.buckets.size(), 18u);
}

TEST(ReportHtmlTest, EmbeddedJsonCannotCloseTheScript) {
  nlohmann::json j = {{"evil", "</script><script>alert(1)</script><!--"}};
  const std::string s = JsonForScript(j);
  EXPECT_THAT(s, Not(HasSubstr("</")));
  EXPECT_THAT(s, Not(HasSubstr("<!--")));
  EXPECT_EQ(nlohmann::json::parse(s), j);

  ReportHtmlOptions options;
  options.title = "<b>Shop & co</b>";
  const std::string page = RenderReportHtml(j, options);
  EXPECT_THAT(page, HasSubstr("&lt;b&gt;Shop &amp; co&lt;/b&gt;"));
  EXPECT_THAT(page, Not(HasSubstr("</script><script>alert")));
  // Self-contained: nothing to fetch.
  EXPECT_THAT(page, Not(HasSubstr("src=")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));
}

}  // namespace
}  // namespace boomerang
