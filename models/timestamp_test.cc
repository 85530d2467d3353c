#include "models/timestamp.h"

#include <gtest/gtest.h>

namespace boomerang {
namespace {

constexpr int64_t k20111209_1250 = 1323435000;  // 2011-12-09T12:50:00Z

TEST(TimestampTest, AcceptsIsoForms) {
  EXPECT_EQ(*ParseTimestamp("2011-12-09T12:50:00Z"), k20111209_1250);
  EXPECT_EQ(*ParseTimestamp("2011-12-09 12:50:00"), k20111209_1250);
  EXPECT_EQ(*ParseTimestamp("2011-12-09T12:50"), k20111209_1250);
  EXPECT_EQ(*ParseTimestamp("2011-12-09T12:50:00.750Z"), k20111209_1250);
  EXPECT_EQ(*ParseTimestamp("2011-12-09T13:50:00+01:00"), k20111209_1250);
  EXPECT_EQ(*ParseTimestamp("2011-12-09T07:50:00-0500"), k20111209_1250);
  EXPECT_EQ(*ParseTimestamp("2011-12-09"),
            k20111209_1250 - 12 * 3600 - 50 * 60);
  EXPECT_EQ(*ParseTimestamp(" 2011-12-09 12:50:00 "), k20111209_1250);
}

TEST(TimestampTest, AcceptsUnixSeconds) {
  EXPECT_EQ(*ParseTimestamp("1323435000"), k20111209_1250);
  EXPECT_EQ(*ParseTimestamp("1323435000.25"), k20111209_1250);
}

TEST(TimestampTest, RejectsGarbageWithAReason) {
  for (const char* bad :
       {"", "yesterday", "2011-13-01", "2011-02-30", "2011-12-09X12:50",
        "2011-12-09T25:00", "2011-12-09T12:50:00 PST", "12/09/2011 12:50",
        "2011-12-09T12:50:00+1x", "2011-12-09T12:50:00+01:"}) {
    auto t = ParseTimestamp(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_NE(t.status().message().find("not a timestamp"),
                absl::string_view::npos);
    }
  }
}

TEST(TimestampTest, FormatsRfc3339) {
  EXPECT_EQ(FormatTimestamp(k20111209_1250), "2011-12-09T12:50:00Z");
}

}  // namespace
}  // namespace boomerang
