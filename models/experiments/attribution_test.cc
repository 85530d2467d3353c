#include "models/experiments/attribution.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace boomerang::experiments {
namespace {

constexpr int64_t kT = 1700000000;
constexpr int64_t kHour = 3600;

TEST(AttributionTest, APurchaseWithinTheWindowAfterAClickIsCredited) {
  ClickLedger ledger;
  ledger.Click("C1", "", "mug", "r-1", kT);
  Credit c = ledger.Attribute("C1", "", "mug", "", kT + 23 * kHour);
  EXPECT_EQ(c.rule, CreditRule::kLastClick);
  EXPECT_EQ(c.recommendation_id, "r-1");
  EXPECT_EQ(c.click_time, kT);
  EXPECT_EQ(CreditRuleName(c.rule), "last_click");
  // After the 24-hour window: not credited.
  EXPECT_EQ(ledger.Attribute("C1", "", "mug", "", kT + 25 * kHour).rule,
            CreditRule::kNone);
  // Another item, another customer, a purchase before the click: no.
  EXPECT_EQ(ledger.Attribute("C1", "", "plate", "", kT + kHour).rule,
            CreditRule::kNone);
  EXPECT_EQ(ledger.Attribute("C2", "", "mug", "", kT + kHour).rule,
            CreditRule::kNone);
  EXPECT_EQ(ledger.Attribute("C1", "", "mug", "", kT - 1).rule,
            CreditRule::kNone);
}

TEST(AttributionTest, TheLastClickWinsAndAnExplicitIdWinsOverAll) {
  ClickLedger ledger;
  ledger.Click("C1", "", "mug", "r-1", kT);
  ledger.Click("C1", "", "mug", "r-2", kT + kHour);
  ledger.Click("C1", "", "mug", "r-0", kT - kHour);  // late, older
  EXPECT_EQ(
      ledger.Attribute("C1", "", "mug", "", kT + 2 * kHour).recommendation_id,
      "r-2");
  Credit c = ledger.Attribute("C1", "", "mug", "r-9", kT + 2 * kHour);
  EXPECT_EQ(c.rule, CreditRule::kRecommendationId);
  EXPECT_EQ(c.recommendation_id, "r-9");
  // A configurable window.
  AttributionOptions one_hour;
  one_hour.click_window_seconds = kHour;
  ClickLedger hour(one_hour);
  hour.Click("C1", "", "mug", "r-1", kT);
  EXPECT_EQ(hour.Attribute("C1", "", "mug", "", kT + 2 * kHour).rule,
            CreditRule::kNone);
}

TEST(AttributionTest, AGuestIsFollowedByTheirSession) {
  ClickLedger ledger;
  ledger.Click("", "s-7", "mug", "r-1", kT);
  EXPECT_EQ(ledger.Attribute("", "s-7", "mug", "", kT + kHour).rule,
            CreditRule::kLastClick);
  // The guest logs in at checkout: the session still links the purchase.
  EXPECT_EQ(
      ledger.Attribute("C5", "s-7", "mug", "", kT + kHour).recommendation_id,
      "r-1");
  EXPECT_EQ(ledger.Attribute("", "s-8", "mug", "", kT + kHour).rule,
            CreditRule::kNone);
}

TEST(AttributionTest, ExpiryBoundsTheLedger) {
  ClickLedger ledger;
  for (int i = 0; i < 1000; ++i) {
    ledger.Click(absl::StrCat("C", i), "", "mug", "r", kT + i * 60);
  }
  EXPECT_EQ(ledger.size(), 1000u);
  // A day after the 500th click, the first 500 cannot be credited.
  ledger.Expire(kT + 500 * 60 + 24 * kHour);
  EXPECT_EQ(ledger.size(), 500u);
  EXPECT_EQ(ledger.Attribute("C999", "", "mug", "", kT + 999 * 60 + kHour).rule,
            CreditRule::kLastClick);
  // A newer click on a key keeps it past its older entry's expiry.
  ClickLedger again;
  again.Click("C1", "", "mug", "r-1", kT);
  again.Click("C1", "", "mug", "r-2", kT + 20 * kHour);
  again.Expire(kT + 25 * kHour);
  EXPECT_EQ(again.size(), 1u);
  EXPECT_EQ(
      again.Attribute("C1", "", "mug", "", kT + 26 * kHour).recommendation_id,
      "r-2");
}

}  // namespace
}  // namespace boomerang::experiments
