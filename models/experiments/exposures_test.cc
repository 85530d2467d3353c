#include "models/experiments/exposures.h"

#include "gtest/gtest.h"
#include "models/experiments/assignment.h"

namespace boomerang::experiments {
namespace {

constexpr int64_t kT0 = 1764547200;  // 2025-12-01

v1::Event Make(v1::Event::Type type, const std::string& customer,
               const std::string& item, const std::string& rec, int64_t t) {
  v1::Event e;
  e.set_type(type);
  e.set_customer_id(customer);
  e.set_item_id(item);
  e.set_recommendation_id(rec);
  e.mutable_timestamp()->set_seconds(t);
  return e;
}

v1::Event Purchase(const std::string& customer, const std::string& item,
                   double price, int64_t t, const std::string& rec = "") {
  v1::Event e = Make(v1::Event::PURCHASE, customer, item, rec, t);
  e.set_price(price);
  e.set_quantity(2);
  return e;
}

ExperimentsConfig TwoArms() {
  ExperimentsConfig c;
  ExperimentConfig e;
  e.name = "exp";
  e.placement = "email_picks";
  e.salt = "exp";
  e.arms.resize(2);
  e.arms[0].name = "control";
  e.arms[0].share = 1;
  e.arms[1].name = "ranker";
  e.arms[1].share = 1;
  c.experiments.push_back(e);
  return c;
}

TEST(ExposureLedger, CreditsAClickedPurchaseInsideTheWindowOnly) {
  ExposureLedger ledger;
  const std::string rec = NewRecommendationId("email_picks", "exp", "ranker");
  ledger.Add(Make(v1::Event::IMPRESSION, "c1", "", rec, kT0));
  ledger.Add(Make(v1::Event::CLICK, "c1", "A", rec, kT0 + 10));
  ledger.Add(Purchase("c1", "A", 5, kT0 + 3600));       // credited
  ledger.Add(Purchase("c1", "B", 7, kT0 + 3600));       // other item
  ledger.Add(Purchase("c1", "A", 5, kT0 + 25 * 3600));  // after 24 h
  const v1::ExperimentReport r = ledger.Report(TwoArms());
  ASSERT_EQ(r.placements_size(), 1);
  const v1::PlacementReport& p = r.placements(0);
  ASSERT_EQ(p.arms_size(), 2);
  const v1::ArmReport& ranker = p.arms(1);
  EXPECT_EQ(ranker.arm(), "ranker");
  EXPECT_EQ(ranker.customers(), 1);
  EXPECT_EQ(ranker.impressions(), 1);
  EXPECT_EQ(ranker.clicks(), 1);
  EXPECT_EQ(ranker.purchases(), 1);
  EXPECT_EQ(ranker.purchases_by_last_click(), 1);
  EXPECT_DOUBLE_EQ(ranker.revenue(), 10);
  EXPECT_EQ(ranker.conversion_rate().successes(), 1);
  EXPECT_EQ(p.arms(0).customers(), 0);  // configured, never shown
}

TEST(ExposureLedger, AnExplicitIdWinsAndCountsForItsArm) {
  ExposureLedger ledger;
  const std::string a = NewRecommendationId("email_picks", "exp", "control");
  ledger.Add(Make(v1::Event::IMPRESSION, "c2", "", a, kT0));
  ledger.Add(Purchase("c2", "X", 3, kT0 + 100 * 3600, a));  // days later
  ledger.Add(Make(v1::Event::ADD_TO_CART, "c2", "X", a, kT0 + 50));
  const v1::ExperimentReport r = ledger.Report(TwoArms());
  const v1::ArmReport& control = r.placements(0).arms(0);
  EXPECT_TRUE(control.control());
  EXPECT_EQ(control.purchases_by_id(), 1);
  EXPECT_EQ(control.add_to_carts(), 1);
  EXPECT_EQ(control.add_to_cart_rate().successes(), 1);
  EXPECT_DOUBLE_EQ(control.revenue(), 6);
}

TEST(ExposureLedger, GuestsCountBySessionAndReplayKeepsClicksPerCustomer) {
  ExposureLedger ledger;
  const std::string rec = NewRecommendationId("product_page", "", "");
  v1::Event imp = Make(v1::Event::IMPRESSION, "", "", rec, kT0);
  imp.set_session_id("s1");
  v1::Event click = Make(v1::Event::CLICK, "", "A", rec, kT0 + 5);
  click.set_session_id("s1");
  v1::Event buy = Purchase("", "A", 4, kT0 + 60);
  buy.set_session_id("s1");
  // The store's order: guests (empty customer) first, then by customer.
  for (const v1::Event& e : {imp, click, buy}) ledger.AddReplayed(e);
  ledger.AddReplayed(Make(v1::Event::CLICK, "c9", "B", rec, kT0 + 7 * 86400));
  ledger.AddReplayed(Purchase("c9", "B", 1, kT0 + 7 * 86400 + 60));
  const v1::ExperimentReport r = ledger.Report({});
  const v1::PlacementReport& p = r.placements(0);
  EXPECT_EQ(p.placement(), "product_page");
  ASSERT_EQ(p.arms_size(), 1);
  EXPECT_EQ(p.arms(0).customers(), 2);  // s1, and c9 credited by its click
  EXPECT_EQ(p.arms(0).purchases(), 2);
  EXPECT_FALSE(p.sample_ratio_mismatch());
  EXPECT_EQ(p.days_size(), 2);
}

TEST(ExposureLedger, ABrokenSplitTripsTheSampleRatioCheck) {
  // 50/50 configured; arm "ranker" logs only 3 of 7 of its impressions.
  ExposureLedger ledger;
  const ExperimentsConfig config = TwoArms();
  const std::vector<double> shares = config.experiments[0].shares();
  for (int i = 0; i < 4000; ++i) {
    const std::string c = "cust" + std::to_string(i);
    const int arm = AssignArm("exp", "c:" + c, shares);
    if (arm == 1 && i % 7 >= 3) continue;
    const std::string rec = NewRecommendationId(
        "email_picks", "exp", config.experiments[0].arms[arm].name);
    ledger.Add(Make(v1::Event::IMPRESSION, c, "", rec, kT0 + i));
  }
  const v1::ExperimentReport r = ledger.Report(config);
  const v1::PlacementReport& p = r.placements(0);
  EXPECT_TRUE(p.sample_ratio_mismatch());
  EXPECT_LT(p.sample_ratio_p_value(), 0.001);
  ASSERT_GT(p.warnings_size(), 0);
  EXPECT_NE(p.warnings(0).find("sample ratio mismatch"), std::string::npos);
}

TEST(ExposureLedger, MalformedIdsAndOtherEventsAreIgnored) {
  ExposureLedger ledger;
  ledger.Add(Make(v1::Event::IMPRESSION, "c", "", "not-an-id", kT0));
  ledger.Add(Make(v1::Event::VIEW, "c", "A", "", kT0));
  ledger.Add(Purchase("c", "A", 1, kT0));
  EXPECT_EQ(ledger.events(), 0);
  EXPECT_EQ(ledger.Report({}).placements_size(), 0);
}

}  // namespace
}  // namespace boomerang::experiments
