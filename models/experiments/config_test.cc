#include "models/experiments/config.h"

#include "gtest/gtest.h"
#include "models/experiments/tracking.h"

namespace boomerang::experiments {
namespace {

constexpr char kTwoArms[] = R"(port = 50051
snapshots = "snaps"

[[experiments]]
name = "picks_ranker"
placement = "email_picks"
control = "best_sellers"
  [[experiments.arms]]
  name = "best_sellers"
  share = 50
  kind = "best_sellers"
  [[experiments.arms]]
  name = "ranker"
  share = 50
  picks_ranker = "weights"
  [experiments.arms.options]
  "picks.recency_weight" = 0.5
  "picks_candidates.als" = 80
)";

TEST(ExperimentsConfig, ReadsArmsSharesKindsAndOptions) {
  auto config = ParseExperiments(kTwoArms, "server.toml", RankingOptions());
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->experiments.size(), 1u);
  const ExperimentConfig& e = config->experiments[0];
  EXPECT_EQ(e.salt, "picks_ranker");  // the name by default
  EXPECT_EQ(e.control, 0);
  ASSERT_EQ(e.arms.size(), 2u);
  EXPECT_EQ(e.arms[0].kind, ArmKind::kBestSellers);
  EXPECT_EQ(e.arms[1].kind, ArmKind::kRanker);
  EXPECT_FALSE(e.arms[1].ranking.learned_picks);
  EXPECT_DOUBLE_EQ(e.arms[1].ranking.picks.recency_weight, 0.5);
  EXPECT_EQ(e.arms[1].ranking.picks_candidates.als, 80);
  // The other arm keeps the server's options.
  EXPECT_TRUE(e.arms[0].ranking.learned_picks);
  EXPECT_EQ(config->ForPlacement("email_picks"), &e);
  EXPECT_EQ(config->ForPlacement("cart_cross_sell"), nullptr);
}

TEST(ExperimentsConfig, AFileWithoutExperimentsIsEmpty) {
  auto config = ParseExperiments("port = 1\n", "server.toml", {});
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->experiments.empty());
}

TEST(ExperimentsConfig, ErrorsNameFileLineAndField) {
  std::string bad = kTwoArms;
  bad.replace(bad.find("\"picks.recency_weight\""), 22,
              "\"picks.recency_wait\"");
  auto config = ParseExperiments(bad, "server.toml", {});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("server.toml:17"), std::string::npos)
      << config.status();
  EXPECT_NE(config.status().message().find("picks.recency_wait"),
            std::string::npos);

  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"[[experiments]]\nname = \"a\"\n",
       "experiments[0].placement is missing"},
      {"[[experiments]]\nname = \"a b\"\nplacement = \"p\"\n",
       "experiments[0].name must be"},
      {"[[experiments]]\nname = \"a\"\nplacement = "
       "\"p\"\n[[experiments.arms]]\n"
       "name = \"x\"\nshare = 1\n",
       "needs at least two"},
      {"[[experiments]]\nname = \"a\"\nplacement = \"p\"\ncontrol = \"z\"\n"
       "[[experiments.arms]]\nname = \"x\"\nshare = 1\n[[experiments.arms]]\n"
       "name = \"y\"\nshare = 1\n",
       "experiments[0].control must name one of the arms"},
      {"[[experiments]]\nname = \"a\"\nplacement = \"p\"\n"
       "[[experiments.arms]]\nname = \"x\"\nshare = -1\n[[experiments.arms]]\n"
       "name = \"y\"\nshare = 1\n",
       "experiments[0].arms[0].share must be"},
      {"[[experiments]]\nname = \"a\"\nplacement = \"p\"\n"
       "[[experiments.arms]]\nname = \"x\"\nshare = 1\nkind = \"magic\"\n"
       "[[experiments.arms]]\nname = \"y\"\nshare = 1\n",
       "experiments[0].arms[0].kind must be"},
      {"[[experiments]]\nname = \"a\"\nplacement = \"p\"\n"
       "[[experiments.arms]]\nname = \"x\"\nshare = 1\n[[experiments.arms]]\n"
       "name = \"x\"\nshare = 1\n",
       "is used twice"},
      {"[[experiments]\n", "server.toml:1"},
  };
  for (const Case& c : cases) {
    auto r = ParseExperiments(c.text, "server.toml", {});
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << r.status() << " for\n"
        << c.text;
  }
}

TEST(RecommendationId, IsUniqueAndNamesPlacementExperimentAndArm) {
  const std::string a = NewRecommendationId("email_picks", "exp", "ranker");
  const std::string b = NewRecommendationId("email_picks", "exp", "ranker");
  EXPECT_NE(a, b);
  TrackingKey key;
  ASSERT_TRUE(ParseRecommendationId(a, &key)) << a;
  EXPECT_EQ(key.placement, "email_picks");
  EXPECT_EQ(key.experiment, "exp");
  EXPECT_EQ(key.arm, "ranker");
  const std::string plain = NewRecommendationId("similar_items", "", "");
  ASSERT_TRUE(ParseRecommendationId(plain, &key)) << plain;
  EXPECT_EQ(key.placement, "similar_items");
  EXPECT_EQ(key.arm, "");
  for (const char* bad :
       {"", "abc", "k2f9x4m1q7c3b", "k2f9x4m1q7c3b.", "K2F9X4M1Q7C3B.p",
        "k2f9x4m1q7c3b.p.e", "k2f9x4m1q7c3b.p q"}) {
    EXPECT_FALSE(ParseRecommendationId(bad, &key)) << bad;
  }
}

}  // namespace
}  // namespace boomerang::experiments
