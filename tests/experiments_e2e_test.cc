// Experiments and attribution end to end (issue 14) on the demo shop:
// generator -> indexer -> server (--config with [[experiments]], an event
// store, the HTTP port) -> the shopper simulator (tools/sim/) asking for
// lists and sending impressions, clicks and purchases -> `boomerang
// experiments report` (gRPC) and GET /v1/experiments/report, /experiments,
// /metrics (HTTP). Proven with the simulator's known click model:
//   - the learned ranker against best sellers: the report calls the ranker
//     the winner, significantly;
//   - 120 A/A experiments (two identical arms each): about 1 in 20 is
//     significant by chance, metric by metric, as a 5% test should be;
//   - a 50/50 split whose arm "b" loses the events of 4 in 7 shoppers (a
//     70/30 split, as a broken logger makes it) trips the sample-ratio check;
//   - a purchase 10 minutes after a click is credited by the last-click
//     rule, one 30 hours after it is not, one naming its id always is;
// and the counts survive a kill -9 and restart (rebuilt from the log);
// a changed config is picked up by `boomerang admin reload`, a broken one is
// refused with its line while the old experiments keep running.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <array>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

std::string Config(const std::string& control_share,
                   const std::string& ranker_share) {
  std::string c =
      absl::StrCat(R"(# The server's config: flags, then experiments.
clock = "data-end"

[[experiments]]
name = "ranker_vs_best_sellers"
placement = "email_picks"
control = "best_sellers"
  [[experiments.arms]]
  name = "best_sellers"
  share = )",
                   control_share, R"(
  kind = "best_sellers"
  [[experiments.arms]]
  name = "ranker"
  share = )",
                   ranker_share, R"(

[[experiments]]
name = "srm_check"
placement = "email_srm"
  [[experiments.arms]]
  name = "a"
  share = 50
  [[experiments.arms]]
  name = "b"
  share = 50

[[experiments]]
name = "hold_out"
placement = "home_holdout"
  [[experiments.arms]]
  name = "shown"
  share = 50
  [[experiments.arms]]
  name = "nothing"
  share = 50
  kind = "holdout"
)");
  for (int i = 0; i < 120; ++i) {
    absl::StrAppend(&c, "\n[[experiments]]\nname = \"aa_", i,
                    "\"\nplacement = \"aa_", i, "\"\nsalt = \"aa-salt-", i,
                    "\"\n  [[experiments.arms]]\n  name = \"a\"\n  share = 1\n"
                    "  [[experiments.arms]]\n  name = \"b\"\n  share = 1\n");
  }
  return c;
}

class ExperimentsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    auto gen = testing::Run(
        {bin + "/boomerang-demo-shop", "--out", tmp_->Sub("demo"),
         "--customers", "2500", "--days", "240", "--live-days", "0"},
        tmp_->path());
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    auto idx = testing::Run(
        {bin + "/boomerang-indexer", "--purchases",
         tmp_->Sub("demo/orders.csv.gz"), "--catalog",
         tmp_->Sub("demo/catalog.csv"), "--out", tmp_->Sub("snaps"), "--quiet"},
        tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    config_ = new std::string(tmp_->Sub("server.toml"));
    std::ofstream(*config_) << Config("50", "50");
    StartServer();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete config_;
    delete tmp_;
  }

  static void StartServer() {
    delete server_;
    server_ = new testing::ServerProcess(
        testing::BinDir(), tmp_->Sub("snaps"), tmp_->path(),
        {"--config", *config_, "--events-dir", tmp_->Sub("events"),
         "--http-port", "0", "--http-port-file", tmp_->Sub("http_port")});
    ASSERT_TRUE(server_->WaitServing()) << server_->Stderr();
  }

  static testing::CommandResult Cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::BinDir() + "/boomerang",
                                     "--server", server_->Address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, tmp_->path());
  }

  // The simulator's summary (what it sent). Each run gets its own 20 days
  // (`slot`), later slots later, as a shop's days follow each other: a
  // purchase is credited to its shopper's last click on the item whatever
  // the placement, so overlapping runs would credit each other.
  static json Sim(int slot, std::vector<std::string> args) {
    const int64_t start = absl::ToUnixSeconds(absl::Now()) -
                          static_cast<int64_t>(8 - slot) * 20 * 86400;
    std::vector<std::string> argv = {
        testing::BinDir() + "/boomerang-shopper-sim",
        "--server",
        server_->Address(),
        "--purchases",
        tmp_->Sub("demo/orders.csv.gz"),
        "--catalog",
        tmp_->Sub("demo/catalog.csv"),
        "--start",
        std::to_string(start)};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = testing::Run(argv, tmp_->path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }

  static json Report(const std::string& placement) {
    auto r = Cli({"experiments", "report", "--placement", placement});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return json();
    json j = json::parse(r.out);
    EXPECT_EQ(j["placements"].size(), 1u) << r.out;
    return j["placements"][0];
  }

  static const json& Arm(const json& placement, const std::string& name) {
    for (const json& a : placement["arms"]) {
      if (a["arm"] == name) return a;
    }
    static const json kNone;
    ADD_FAILURE() << "no arm " << name << " in " << placement.dump();
    return kNone;
  }

  // An int64 of the report (proto JSON writes them as strings).
  static int64_t N(const json& j) {
    return j.is_string() ? std::stoll(std::string(j)) : j.get<int64_t>();
  }

  // Equal counts; real numbers to 1e-9 (sums over a restart's replay may
  // add in another order).
  static void ExpectSame(const json& a, const json& b, const std::string& at) {
    if (a.is_number_float() || b.is_number_float()) {
      EXPECT_NEAR(a.get<double>(), b.get<double>(),
                  1e-9 * std::max(1.0, std::abs(a.get<double>())))
          << at;
    } else if (a.is_object() && b.is_object()) {
      EXPECT_EQ(a.size(), b.size()) << at;
      for (auto it = a.begin(); it != a.end(); ++it) {
        ASSERT_TRUE(b.contains(it.key())) << at << "." << it.key();
        ExpectSame(it.value(), b[it.key()], at + "." + it.key());
      }
    } else if (a.is_array() && b.is_array()) {
      ASSERT_EQ(a.size(), b.size()) << at;
      for (size_t i = 0; i < a.size(); ++i) {
        ExpectSame(a[i], b[i], at + "[" + std::to_string(i) + "]");
      }
    } else {
      EXPECT_EQ(a, b) << at;
    }
  }

  static int HttpPort() {
    return std::stoi(testing::ReadAll(tmp_->Sub("http_port")));
  }

  static testing::TempDir* tmp_;
  static std::string* config_;
  static testing::ServerProcess* server_;
};

testing::TempDir* ExperimentsE2eTest::tmp_ = nullptr;
std::string* ExperimentsE2eTest::config_ = nullptr;
testing::ServerProcess* ExperimentsE2eTest::server_ = nullptr;

TEST_F(ExperimentsE2eTest, EveryListCarriesItsTrackingAndArmsAreSticky) {
  std::string arm;
  for (int i = 0; i < 2; ++i) {
    auto r =
        Cli({"picks", "--customer", "C00007", "--placement", "email_picks"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    const json& t = j["tracking"];
    EXPECT_EQ(t["placement"], "email_picks");
    EXPECT_EQ(t["experiment"], "ranker_vs_best_sellers");
    EXPECT_THAT(std::string(t["recommendation_id"]),
                HasSubstr(".email_picks.ranker_vs_best_sellers."));
    if (i == 0) arm = t["arm"];
    EXPECT_EQ(t["arm"], arm) << "the same customer, the same arm";
  }
  // No placement: the RPC's name, no experiment.
  auto r = Cli({"fbt", "--item", "SKU-0001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json fbt = json::parse(r.out);
  EXPECT_EQ(fbt["tracking"]["placement"], "frequently_bought_together");
  EXPECT_EQ(fbt["tracking"].value("arm", ""), "");
  // A guest is placed by session.
  auto guest = Cli({"fbt", "--item", "SKU-0001", "--placement", "aa_3",
                    "--session", "guest-42"});
  ASSERT_EQ(guest.exit_code, 0) << guest.err;
  EXPECT_EQ(json::parse(guest.out)["tracking"]["experiment"], "aa_3");
  // A bad placement is the caller's error.
  auto bad = Cli({"picks", "--customer", "C00007", "--placement", "a b"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("placement"));
}

TEST_F(ExperimentsE2eTest, AHoldOutArmShowsNothing) {
  int empty = 0, shown = 0;
  for (int c = 1; c <= 40; ++c) {
    char id[16];
    snprintf(id, sizeof id, "C%05d", c);
    auto r = Cli({"picks", "--customer", id, "--placement", "home_holdout"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    const bool holdout = j["tracking"]["arm"] == "nothing";
    (holdout ? empty : shown) += 1;
    EXPECT_EQ(j.value("items", json::array()).empty(), holdout) << r.out;
  }
  EXPECT_GT(empty, 5);
  EXPECT_GT(shown, 5);
}

TEST_F(ExperimentsE2eTest, TheRankerBeatsBestSellersSignificantly) {
  const json sent = Sim(0, {"--placement", "email_picks=picks", "--shoppers",
                            "1500", "--visits", "2", "--seed", "11"});
  ASSERT_FALSE(sent.is_null());
  const json p = Report("email_picks");
  EXPECT_FALSE(p["sample_ratio_mismatch"]) << p.dump();
  const json& ranker = Arm(p, "ranker");
  const json& control = Arm(p, "best_sellers");
  EXPECT_TRUE(control["control"]);
  // The report counts what the simulator sent, arm by arm.
  for (const std::string arm : {"ranker", "best_sellers"}) {
    const json& s = sent["arms"]["email_picks/" + arm];
    EXPECT_EQ(N(Arm(p, arm)["impressions"]), N(s["impressions"])) << arm;
    EXPECT_EQ(N(Arm(p, arm)["clicks"]), N(s["clicks"])) << arm;
    EXPECT_EQ(N(Arm(p, arm)["add_to_carts"]), N(s["add_to_carts"])) << arm;
    EXPECT_EQ(N(Arm(p, arm)["purchases"]), N(s["credited"])) << arm;
    EXPECT_NEAR(Arm(p, arm)["revenue"], s["credited_revenue"], 0.05) << arm;
  }
  const json& ctr = ranker["click_through_vs_control"];
  EXPECT_GT(double(ranker["click_through_rate"]["value"]),
            double(control["click_through_rate"]["value"]));
  EXPECT_TRUE(ctr["significant"]) << ranker.dump(1);
  EXPECT_LT(double(ctr["p_value"]), 0.05);
  EXPECT_TRUE(ranker["conversion_vs_control"]["significant"]) << ranker.dump(1);
  EXPECT_GT(double(ranker["revenue_per_customer"]),
            double(control["revenue_per_customer"]));
}

// A/A: 120 experiments of two identical arms (three simulator runs of 40
// placements each, other shoppers and choices each time). At alpha 0.05 a
// calibrated test calls 5% of them significant by chance (6 of 120); the
// report must stay near that, metric by metric, and never see a sample-ratio
// mismatch. (Per set of 40, 2 significant is the expectation and 3 or more
// happens one time in three: the counts are printed.)
TEST_F(ExperimentsE2eTest, IdenticalArmsAreSignificantAboutOneTimeIn20) {
  for (int run = 0; run < 3; ++run) {
    std::vector<std::string> args = {"--shoppers", "2400",
                                     "--visits",   "4",
                                     "--seed",     std::to_string(23 + run)};
    for (int i = 40 * run; i < 40 * (run + 1); ++i) {
      args.push_back("--placement");
      args.push_back(absl::StrCat("aa_", i, "=picks"));
    }
    ASSERT_FALSE(Sim(1 + run, args).is_null());
  }
  auto r = Cli({"experiments", "report"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  int seen = 0;
  std::map<std::string, std::array<int, 3>> significant;  // per set of 40
  for (const json& p : report["placements"]) {
    const std::string name = p["placement"];
    if (name.rfind("aa_", 0) != 0) continue;
    ++seen;
    const int set = std::stoi(name.substr(3)) / 40;
    const json& b = Arm(p, "b");
    for (const char* metric :
         {"click_through_vs_control", "add_to_cart_vs_control",
          "conversion_vs_control", "revenue_per_customer_vs_control"}) {
      if (b[metric].value("significant", false)) ++significant[metric][set];
    }
    EXPECT_FALSE(p["sample_ratio_mismatch"]) << name;
  }
  EXPECT_EQ(seen, 120);
  for (const auto& [metric, sets] : significant) {
    const int n = sets[0] + sets[1] + sets[2];
    // Binomial(120, 0.05): mean 6, standard deviation 2.4.
    EXPECT_LE(n, 11) << metric;
    std::cout << metric << ": significant in " << sets[0] << ", " << sets[1]
              << " and " << sets[2] << " of 40 A/A tests (" << n
              << " of 120)\n";
  }
}

TEST_F(ExperimentsE2eTest, ABrokenSplitTripsTheSampleRatioCheck) {
  // Arm b loses the events of 4 in 7 of its shoppers: 50/50 seen as 70/30.
  ASSERT_FALSE(Sim(4, {"--placement", "email_srm=picks", "--shoppers", "1500",
                       "--visits", "1", "--seed", "5", "--drop-arm", "b",
                       "--drop-share", "0.5714"})
                   .is_null());
  const json p = Report("email_srm");
  EXPECT_TRUE(p["sample_ratio_mismatch"]) << p.dump();
  EXPECT_LT(double(p["sample_ratio_p_value"]), 0.001);
  EXPECT_THAT(p["warnings"].dump(), HasSubstr("sample ratio mismatch"));
}

TEST_F(ExperimentsE2eTest, AClickCreditsAPurchaseInsideTheWindowOnly) {
  const json sent =
      Sim(5, {"--placement", "window_check=picks", "--shoppers", "800",
              "--visits", "2", "--seed", "3", "--late-share", "0.3",
              "--explicit-id-share", "0.4", "--buy-after-click", "0.8"});
  ASSERT_FALSE(sent.is_null());
  ASSERT_GT(N(sent["purchases_after_window"]), 0);
  ASSERT_GT(N(sent["purchases_in_window"]), 0);
  const json p = Report("window_check");
  const json& all = p["arms"][0];
  EXPECT_EQ(N(all["purchases_by_id"]), N(sent["purchases_with_id"]));
  EXPECT_EQ(N(all["purchases_by_last_click"]), N(sent["purchases_in_window"]));
  EXPECT_EQ(N(all["purchases"]),
            N(sent["purchases"]) - N(sent["purchases_after_window"]));
}

TEST_F(ExperimentsE2eTest, HttpReportPageAndMetrics) {
  ASSERT_FALSE(Sim(6, {"--placement", "product_page_fbt=fbt", "--shoppers",
                       "200", "--visits", "1", "--seed", "9"})
                   .is_null());
  httplib::Client http("127.0.0.1", HttpPort());
  auto j = http.Get("/v1/experiments/report?placement=product_page_fbt");
  ASSERT_TRUE(j);
  ASSERT_EQ(j->status, 200) << j->body;
  const json report = json::parse(j->body);
  ASSERT_EQ(report["placements"].size(), 1u);
  EXPECT_GT(N(report["placements"][0]["arms"][0]["impressions"]), 100);
  auto page = http.Get("/experiments");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("<h2>product_page_fbt</h2>"));
  EXPECT_THAT(page->body, HasSubstr("<svg"));
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body,
              HasSubstr("boomerang_experiment_impressions_total{placement="
                        "\"product_page_fbt\",experiment=\"\",arm=\"\"}"));
  // The CLI's page.
  auto html = Cli({"experiments", "report", "--format", "html", "--out",
                   tmp_->Sub("report.html")});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_THAT(testing::ReadAll(tmp_->Sub("report.html")),
              HasSubstr("ranker_vs_best_sellers"));
}

TEST_F(ExperimentsE2eTest, ZCountsSurviveARestartAndConfigReloads) {
  // (Runs last: it restarts the server.)
  auto before = Cli({"experiments", "report"});
  ASSERT_EQ(before.exit_code, 0);
  server_->Kill();
  StartServer();
  auto after = Cli({"experiments", "report"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  json a = json::parse(before.out), b = json::parse(after.out);
  a.erase("generated_at");
  b.erase("generated_at");
  ExpectSame(a, b, "report");  // rebuilt from the event log

  // A broken config is refused with its line; the old one keeps serving.
  std::ofstream(*config_) << Config("50", "\"fifty\"");
  auto reload = Cli({"admin", "reload"});
  EXPECT_NE(reload.exit_code, 0);
  EXPECT_THAT(reload.err, HasSubstr("server.toml:"));
  EXPECT_THAT(reload.err, HasSubstr("experiments[0].arms[1].share"));
  auto status = Cli({"admin", "status"});
  ASSERT_EQ(status.exit_code, 0);
  EXPECT_EQ(json::parse(status.out)["experiments"], 123);
  // A good one is taken: all traffic to the ranker.
  std::ofstream(*config_) << Config("0", "100");
  reload = Cli({"admin", "reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload.err;
  for (int c = 1; c <= 10; ++c) {
    char id[16];
    snprintf(id, sizeof id, "C%05d", c);
    auto r = Cli({"picks", "--customer", id, "--placement", "email_picks"});
    ASSERT_EQ(r.exit_code, 0);
    EXPECT_EQ(json::parse(r.out)["tracking"]["arm"], "ranker");
  }
}

}  // namespace
}  // namespace boomerang
