#include "models/experiments/assignment.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "models/stable_hash.h"

namespace boomerang::experiments {
namespace {

TEST(AssignmentTest, StickyAndTheSameEverywhere) {
  const std::vector<double> shares = {0.5, 0.5};
  for (int i = 0; i < 100; ++i) {
    const std::string id = absl::StrCat("C", i);
    EXPECT_EQ(AssignArm("exp1", id, shares), AssignArm("exp1", id, shares));
  }
  // Fixed values (computed independently in Python from the definition in
  // models/stable_hash.h): a build that hashed differently would move
  // customers between arms in the middle of an experiment.
  EXPECT_EQ(StableHash("abc"), 996580060897260808ull);
  EXPECT_EQ(StableHash(""), 17665956581633026203ull);
  EXPECT_DOUBLE_EQ(UnitPosition("exp1", "C00010"), 0.10469376751528114);
  EXPECT_EQ(AssignArm("exp1", "C00010", shares), 0);
  EXPECT_EQ(AssignArm("exp1", "C00010", {0.1, 0.9}), 1);
}

TEST(AssignmentTest, SharesAreHonouredAndSaltsIndependent) {
  const std::vector<double> shares = {70, 20, 10};
  std::vector<int> counts(3, 0);
  int same = 0;
  constexpr int kUnits = 100000;
  for (int i = 0; i < kUnits; ++i) {
    const std::string id = absl::StrCat("customer-", i);
    const int arm = AssignArm("salt-a", id, shares);
    ASSERT_GE(arm, 0);
    ++counts[arm];
    same += AssignArm("salt-b", id, {0.5, 0.5}) ==
                    AssignArm("salt-a", id, {0.5, 0.5})
                ? 1
                : 0;
  }
  EXPECT_NEAR(counts[0] / double{kUnits}, 0.70, 0.01);
  EXPECT_NEAR(counts[1] / double{kUnits}, 0.20, 0.01);
  EXPECT_NEAR(counts[2] / double{kUnits}, 0.10, 0.01);
  // Another salt reshuffles: about half keep their arm by chance.
  EXPECT_NEAR(same / double{kUnits}, 0.5, 0.01);
  // A zero share is never chosen; no positive share: no arm.
  for (int i = 0; i < 1000; ++i) {
    EXPECT_NE(AssignArm("s", absl::StrCat(i), {0.5, 0, 0.5}), 1);
  }
  EXPECT_EQ(AssignArm("s", "x", {0, 0}), -1);
  EXPECT_EQ(AssignArm("s", "x", {}), -1);
}

}  // namespace
}  // namespace boomerang::experiments
