// `boomerang report` end to end: the demo shop's orders -> the report's JSON
// (numbers consistent with each other) and HTML page, opened in headless
// Chromium to check that every chart drew its marks without a script error.
// The Chromium checks skip when /usr/bin/chromium is absent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using testing::kChromium;

class ReportHtmlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    auto gen =
        testing::Run({bin + "/boomerang-demo-shop", "--out", tmp_->Sub("demo")},
                     tmp_->path());
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    report_ = new testing::CommandResult(testing::Run(
        {bin + "/boomerang", "report", "--purchases",
         tmp_->Sub("demo/orders.csv.gz"), "--json", tmp_->Sub("report.json"),
         "--html", tmp_->Sub("report.html"), "--currency", "EUR", "--quiet"},
        tmp_->path()));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete tmp_;
  }
  void SetUp() override {
    ASSERT_NE(report_, nullptr);
    ASSERT_EQ(report_->exit_code, 0) << report_->err;
  }

  static std::vector<std::string> ChromiumArgs(const std::string& profile) {
    return testing::HeadlessChromiumArgs(profile, 5000);
  }

  static testing::TempDir* tmp_;
  static testing::CommandResult* report_;
};
testing::TempDir* ReportHtmlTest::tmp_ = nullptr;
testing::CommandResult* ReportHtmlTest::report_ = nullptr;

TEST_F(ReportHtmlTest, PrintsASummary) {
  EXPECT_THAT(report_->out, HasSubstr("customers"));
  EXPECT_THAT(report_->out, HasSubstr("repeat"));
  EXPECT_THAT(report_->out, HasSubstr("segments"));
  EXPECT_THAT(report_->out, HasSubstr("report.html"));
}

TEST_F(ReportHtmlTest, JsonNumbersAreConsistent) {
  auto j = nlohmann::json::parse(testing::ReadAll(tmp_->Sub("report.json")));
  const auto& t = j["totals"];
  const int64_t customers = t["customers"];
  const int64_t orders = t["orders"];
  const double revenue = t["revenue"];
  ASSERT_GT(customers, 100);
  EXPECT_GT(t["guest_orders"].get<int64_t>(), 0);  // the demo shop has guests
  EXPECT_NEAR(t["aov"].get<double>(), revenue / orders, 1e-6);
  EXPECT_EQ(j["currency"], "EUR");
  EXPECT_EQ(j["input"]["purchases"], "orders.csv.gz");  // no directory
  EXPECT_GT(j["input"]["return_lines"].get<int64_t>(), 0);

  const double repeat = j["repeat_purchase"]["repeat_purchase_rate"];
  const double repeat_days =
      j["repeat_purchase"]["repeat_purchase_rate_by_days"];
  EXPECT_GT(repeat, 0);
  EXPECT_LE(repeat, 1);
  EXPECT_LE(repeat_days, repeat);

  // Months add up to the totals; every customer is new exactly once.
  int64_t month_orders = 0, new_customers = 0;
  double month_revenue = 0;
  for (const auto& m : j["monthly"]) {
    month_orders += m["orders"].get<int64_t>();
    month_revenue += m["revenue"].get<double>();
    new_customers += m["new_customers"].get<int64_t>();
    if (!m["retention_rate"].is_null()) {
      EXPECT_GE(m["retention_rate"].get<double>(), 0);
      EXPECT_LE(m["retention_rate"].get<double>(), 1);
      EXPECT_GE(m["classic_crr"].get<double>(),
                m["retention_rate"].get<double>() - 1e-12);
    }
  }
  EXPECT_EQ(j["monthly"].size(), 12u);  // the demo shop's year
  EXPECT_EQ(month_orders, orders);
  EXPECT_EQ(new_customers, customers);
  EXPECT_NEAR(month_revenue, revenue, 1e-6 * revenue);

  // Cohorts partition the customers; month +0 retention is 1.
  int64_t cohort_customers = 0;
  for (const auto& c : j["cohorts"]["rows"]) {
    cohort_customers += c["customers"].get<int64_t>();
    EXPECT_DOUBLE_EQ(c["customer_retention"][0].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(c["revenue_retention"][0].get<double>(), 1.0);
  }
  EXPECT_EQ(cohort_customers, customers);

  // Segments and histogram buckets partition the customers too.
  int64_t segment_customers = 0;
  double segment_revenue = 0, segment_share = 0;
  for (const auto& s : j["rfm"]["segments"]) {
    segment_customers += s["customers"].get<int64_t>();
    segment_revenue += s["revenue"].get<double>();
    segment_share += s["share"].get<double>();
  }
  EXPECT_EQ(segment_customers, customers);
  EXPECT_NEAR(segment_share, 1.0, 1e-9);
  const double customer_revenue = t["customer_revenue"];
  EXPECT_NEAR(segment_revenue, customer_revenue, 1e-6 * customer_revenue);
  const auto& hist = j["ltv"]["historic"];
  int64_t bucket_customers = 0;
  for (const auto& b : hist["buckets"]) {
    bucket_customers += b["customers"].get<int64_t>();
  }
  EXPECT_EQ(bucket_customers, customers);
  EXPECT_NEAR(hist["total"].get<double>(), customer_revenue,
              1e-6 * customer_revenue);
  EXPECT_LE(hist["percentiles"]["p10"].get<double>(),
            hist["percentiles"]["p50"].get<double>());
  EXPECT_LE(hist["percentiles"]["p50"].get<double>(),
            hist["percentiles"]["p99"].get<double>());

  const auto& pred = j["ltv"]["predicted"];
  ASSERT_TRUE(pred["available"].get<bool>()) << pred.dump();
  EXPECT_EQ(pred["distribution"]["customers"].get<int64_t>(), customers);
  EXPECT_GT(pred["distribution"]["mean"].get<double>(), 0);

  for (const char* key :
       {"repeat_purchase_rate", "retention_rate", "classic_crr",
        "cohort_customer_retention", "predicted_ltv", "rfm", "scope"}) {
    EXPECT_TRUE(j["definitions"].contains(key)) << key;
  }
}

TEST_F(ReportHtmlTest, PageIsSelfContained) {
  const std::string page = testing::ReadAll(tmp_->Sub("report.html"));
  ASSERT_FALSE(page.empty());
  EXPECT_THAT(page, Not(HasSubstr("src=")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));
  EXPECT_THAT(page, Not(HasSubstr("url(")));
  EXPECT_THAT(page, Not(HasSubstr("@import")));
  EXPECT_THAT(page, Not(HasSubstr("fetch(")));
  EXPECT_THAT(page, HasSubstr("id=\"report-data\""));
}

TEST_F(ReportHtmlTest, ChartsRenderInHeadlessChromium) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " is absent (apt-get install chromium): "
                 << "skipping the rendering check";
  }
  const std::string url = "file://" + tmp_->Sub("report.html");
  auto args = ChromiumArgs(tmp_->Sub("profile-dom"));
  args.push_back("--dump-dom");
  args.push_back(url);
  auto dom = testing::Run(args, tmp_->path());
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  const std::string& html = dom.out;

  EXPECT_THAT(html, Not(HasSubstr("data-js-error")));
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(html, m, std::regex("data-charts-expected=\"(\\d+)\"")))
      << html.substr(0, 2000);
  const int expected = std::stoi(m[1]);
  ASSERT_TRUE(std::regex_search(html, m,
                                std::regex("data-charts-rendered=\"(\\d+)\"")));
  const int rendered = std::stoi(m[1]);
  EXPECT_GE(expected, 9);
  EXPECT_EQ(rendered, expected);

  // Every chart holds an <svg> (or, for cohorts, a heatmap table) with its
  // data marks.
  int figures = 0;
  for (size_t at = html.find("<figure"); at != std::string::npos;
       at = html.find("<figure", at + 1)) {
    const size_t end = html.find("</figure>", at);
    ASSERT_NE(end, std::string::npos);
    const std::string fig = html.substr(at, end - at);
    std::smatch name;
    ASSERT_TRUE(
        std::regex_search(fig, name, std::regex("data-chart=\"([a-z-]+)\"")));
    const bool heatmap = name[1].str().rfind("cohort", 0) == 0;
    EXPECT_THAT(fig, HasSubstr(heatmap ? "<table" : "<svg")) << name[1];
    int marks = 0;
    for (size_t p = fig.find("class=\""); p != std::string::npos;
         p = fig.find("class=\"", p + 1)) {
      const size_t q = fig.find('"', p + 7);
      const std::string cls = fig.substr(p + 7, q - p - 7);
      if (std::regex_search(cls, std::regex("(^| )mark( |$)"))) ++marks;
    }
    EXPECT_GE(marks, 3) << "chart " << name[1] << " drew " << marks << " marks";
    std::smatch counted;
    ASSERT_TRUE(
        std::regex_search(fig, counted, std::regex("data-marks=\"(\\d+)\"")))
        << name[1];
    EXPECT_GT(std::stoi(counted[1]), 0) << name[1];
    ++figures;
  }
  EXPECT_EQ(figures, expected);

  // A screenshot of the top of the page, for people to look at.
  const std::string png = tmp_->Sub("report.png");
  auto shot_args = ChromiumArgs(tmp_->Sub("profile-shot"));
  shot_args.push_back("--hide-scrollbars");
  shot_args.push_back("--window-size=1280,4000");
  shot_args.push_back("--screenshot=" + png);
  shot_args.push_back(url);
  auto shot = testing::Run(shot_args, tmp_->path());
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  const std::string bytes = testing::ReadFileBytes(png);
  ASSERT_GT(bytes.size(), 10000u);
  EXPECT_EQ(bytes.substr(0, 4), "\x89PNG");
}

// A report is mailed to a shop owner: it names the input file, not the
// directory it was made in.
TEST_F(ReportHtmlTest, NamesTheInputFileWithoutItsDirectory) {
  auto j = nlohmann::json::parse(testing::ReadAll(tmp_->Sub("report.json")));
  EXPECT_EQ(j["input"]["purchases"], "orders.csv.gz");
  for (const char* file : {"report.json", "report.html"}) {
    EXPECT_THAT(testing::ReadAll(tmp_->Sub(file)), Not(HasSubstr(tmp_->path())))
        << file;
  }
  // Nor do the bad-line examples in it.
  std::string csv = "order_id,customer_id,item_id,timestamp,quantity,price\n";
  for (int i = 0; i < 40; ++i) {
    csv += "o" + std::to_string(i) + ",c" + std::to_string(i % 4) + ",i1," +
           (i == 3 ? "yesterday" : "2024-01-1" + std::to_string(i % 10)) +
           ",1,2.50\n";
  }
  auto run =
      testing::Run({testing::BinDir() + "/boomerang", "report", "--purchases",
                    testing::WriteFile(tmp_->Sub("one-bad.csv"), csv), "--json",
                    tmp_->Sub("one-bad.json"), "--html",
                    tmp_->Sub("one-bad.html"), "--quiet"},
                   tmp_->path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto bad = nlohmann::json::parse(testing::ReadAll(tmp_->Sub("one-bad.json")));
  EXPECT_THAT(bad["input"]["bad"]["bad_timestamp"]["first"].get<std::string>(),
              ::testing::StartsWith("one-bad.csv:5: field 'timestamp'"));
  for (const char* file : {"one-bad.json", "one-bad.html"}) {
    EXPECT_THAT(testing::ReadAll(tmp_->Sub(file)), Not(HasSubstr(tmp_->path())))
        << file;
  }
}

// Every fifth line numeric garbage: the report drew 504 months from 1970.
TEST_F(ReportHtmlTest, NumericGarbageIsBadTimestampsNotMonthsFrom1970) {
  std::string csv = "order_id,customer_id,item_id,timestamp,quantity,price\n";
  for (int i = 0; i < 100; ++i) {
    if (i % 5 == 4) {
      csv += "1,2,3,4,5,6,7,8,9,10,11\n";
    } else {
      csv += "o" + std::to_string(i) + ",c" + std::to_string(i % 9) + ",SKU-" +
             std::to_string(i % 6) + ",2024-0" + std::to_string(1 + i % 6) +
             "-15T10:00:00Z,1,2.50\n";
    }
  }
  const std::string bin = testing::BinDir() + "/boomerang";
  const std::string path = testing::WriteFile(tmp_->Sub("garbage.csv"), csv);
  auto refused = testing::Run({bin, "report", "--purchases", path, "--quiet"},
                              tmp_->path());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("20 of 100 lines (20.0%) are bad"));
  EXPECT_THAT(refused.err, HasSubstr("before --min-date 1990-01-01"));

  auto run = testing::Run(
      {bin, "report", "--purchases", path, "--json", tmp_->Sub("garbage.json"),
       "--max-bad-share", "0.25", "--quiet"},
      tmp_->path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto j = nlohmann::json::parse(testing::ReadAll(tmp_->Sub("garbage.json")));
  EXPECT_EQ(j["input"]["bad"]["bad_timestamp"]["lines"], 20);
  EXPECT_EQ(j["totals"]["orders"], 80);
  EXPECT_LE(j["monthly"].size(), 7u);
  EXPECT_EQ(j["monthly"][0]["month"], "2024-01");

  // --min-date is the knob: an earlier one reads the garbage as 1970.
  auto old = testing::Run(
      {bin, "report", "--purchases", path, "--json",
       tmp_->Sub("garbage-1970.json"), "--min-date", "1970-01-01", "--quiet"},
      tmp_->path());
  ASSERT_EQ(old.exit_code, 0) << old.err;
  auto j1970 =
      nlohmann::json::parse(testing::ReadAll(tmp_->Sub("garbage-1970.json")));
  EXPECT_EQ(j1970["monthly"][0]["month"], "1970-01");
}

TEST_F(ReportHtmlTest, BadInputAndUnwritableOutputHaveTheirExitCodes) {
  const std::string bin = testing::BinDir() + "/boomerang";
  auto missing = testing::Run(
      {bin, "report", "--purchases", tmp_->Sub("nope.csv"), "--quiet"},
      tmp_->path());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("nope.csv"));

  // Over 5% bad lines: the first bad line is named with its field.
  std::string csv = "order_id,customer_id,item_id,timestamp,quantity,price\n";
  for (int i = 0; i < 10; ++i) {
    csv += "o" + std::to_string(i) + ",c1,i1," +
           (i == 3 ? "yesterday" : "2024-01-0" + std::to_string(1 + i % 9)) +
           ",1,2.50\n";
  }
  auto bad =
      testing::Run({bin, "report", "--purchases",
                    testing::WriteFile(tmp_->Sub("bad.csv"), csv), "--quiet"},
                   tmp_->path());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("bad.csv:5"));
  EXPECT_THAT(bad.err, HasSubstr("timestamp"));

  auto flag = testing::Run(
      {bin, "report", "--purchases", tmp_->Sub("demo/orders.csv.gz"),
       "--column", "nonsense=X", "--quiet"},
      tmp_->path());
  EXPECT_EQ(flag.exit_code, 1);
  EXPECT_THAT(flag.err, HasSubstr("nonsense"));

  auto unwritable = testing::Run(
      {bin, "report", "--purchases", tmp_->Sub("demo/orders.csv.gz"), "--json",
       tmp_->Sub("no/such/dir/report.json"), "--quiet"},
      tmp_->path());
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_THAT(unwritable.err, HasSubstr("report.json"));
}

}  // namespace
}  // namespace boomerang
