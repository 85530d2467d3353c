// ClassesOf, InSegment and ValidateSegment (retention.h) on a snapshot the
// indexer built from a hand-written shop, and on one made before the
// classes existed.
#include "server/engine/retention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "indexer/indexer.h"
#include "tests/test_util.h"
#include "tests/tiny_snapshot.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

// Five customers, one item each (quantity 1, price = the order's value),
// 2024-01-10 .. 2024-04-10; the indexer's as-of is 2024-04-11T00:00Z.
//   c1 BEANS  100 on Jan 10, Feb 10, Mar 10, Apr 10   400
//   c2 TV     300 on Jan 15                           300
//   c3 BAG     25 on Mar 1 and Apr 1                   50
//   c4 TEA     10 on Feb 1, Mar 1, Apr 1               30
//   c5 MUG     20 on Apr 5                             20
// ABC, of 800: 400 and 300 have 0 and 400 (< 640, 80%) before them: A,
// cut-off 300; 50 and 30 have 700 and 750 (< 760, 95%): B, cut-off 30; 20
// (780 before it): C. Customers' XYZ over Jan..Apr: c1 CV 0 X; c2 [300, 0,
// 0, 0] CV sqrt(3) = 1.73 <= 2: Y; c3 two months: Z; c4 Feb..Apr CV 0: X;
// c5 one month: Z. Items (X up to 0.5, Y up to 1.0, by units): BEANS X,
// TV Z (1.73), BAG Z, TEA X, MUG Z.
constexpr char kOrders[] =
    "order_id,customer_id,item_id,timestamp,quantity,price\n"
    "1,c1,BEANS,2024-01-10,1,100\n"
    "2,c1,BEANS,2024-02-10,1,100\n"
    "3,c1,BEANS,2024-03-10,1,100\n"
    "4,c1,BEANS,2024-04-10,1,100\n"
    "5,c2,TV,2024-01-15,1,300\n"
    "6,c3,BAG,2024-03-01,1,25\n"
    "7,c3,BAG,2024-04-01,1,25\n"
    "8,c4,TEA,2024-02-01,1,10\n"
    "9,c4,TEA,2024-03-01,1,10\n"
    "10,c4,TEA,2024-04-01,1,10\n"
    "11,c5,MUG,2024-04-05,1,20\n";
constexpr int64_t kAsOf = 1712793600;  // 2024-04-11T00:00:00Z

class SegmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IndexerOptions opts;
    opts.purchases_path = testing::WriteFile(tmp_.Sub("o.csv"), kOrders);
    opts.out_root = tmp_.Sub("snaps");
    opts.embeddings.enabled = false;
    opts.ranker.enabled = false;
    IndexReport report;
    absl::Status s = RunIndexer(opts, &report);
    ASSERT_TRUE(s.ok()) << s;
    auto snap = Snapshot::Open(report.snapshot_dir, SnapshotOptions());
    ASSERT_TRUE(snap.ok()) << snap.status();
    snapshot_ = *snap;
  }
  v1::CustomerRecord Record(const std::string& id) {
    v1::CustomerRecord r;
    EXPECT_TRUE(snapshot_->GetCustomer(id, &r).ok()) << id;
    return r;
  }
  testing::TempDir tmp_;
  std::shared_ptr<const Snapshot> snapshot_;
};

TEST_F(SegmentsTest, CutoffsAndClassesMatchTheHandComputedOnes) {
  const v1::CustomerModel& m = snapshot_->customer_model();
  EXPECT_EQ(m.abc_a_min(), 300);
  EXPECT_EQ(m.abc_b_min(), 30);
  EXPECT_EQ(m.xyz_x_max(), 1.0);
  EXPECT_EQ(m.xyz_y_max(), 2.0);
  const std::map<std::string, std::string> expected = {
      {"c1", "AX"}, {"c2", "AY"}, {"c3", "BZ"}, {"c4", "BX"}, {"c5", "CZ"}};
  for (const auto& [id, classes] : expected) {
    const CustomerClasses c = ClassesOf(*snapshot_, Record(id), kAsOf);
    EXPECT_EQ(std::string(c.abc) + std::string(c.xyz), classes) << id;
  }
  const std::map<std::string, std::string> items = {{"BEANS", "AX"},
                                                    {"TV", "AZ"},
                                                    {"BAG", "BZ"},
                                                    {"TEA", "BX"},
                                                    {"MUG", "CZ"}};
  for (const auto& [id, classes] : items) {
    const int32_t i = snapshot_->FindItem(id);
    ASSERT_GE(i, 0) << id;
    const v1::ItemRecord& rec = snapshot_->item(i);
    EXPECT_EQ(rec.abc_class() + rec.xyz_class(), classes) << id;
  }
}

TEST_F(SegmentsTest, InSegmentTakesLettersPairsAndRfmNames) {
  auto members = [&](absl::string_view segment) {
    std::string out;
    for (const char* id : {"c1", "c2", "c3", "c4", "c5"}) {
      if (InSegment(*snapshot_, Record(id), kAsOf, segment)) out += id;
    }
    return out;
  };
  EXPECT_EQ(members("A"), "c1c2");
  EXPECT_EQ(members("B"), "c3c4");
  EXPECT_EQ(members("C"), "c5");
  EXPECT_EQ(members("X"), "c1c4");
  EXPECT_EQ(members("Y"), "c2");
  EXPECT_EQ(members("Z"), "c3c5");
  EXPECT_EQ(members("AX"), "c1");
  EXPECT_EQ(members("BZ"), "c3");
  EXPECT_EQ(members("CX"), "");
  EXPECT_EQ(members("XA"), "");  // not a segment
  // An RFM name: the same as SegmentOf.
  const std::string seg(SegmentOf(*snapshot_, Record("c5"), kAsOf));
  ASSERT_FALSE(seg.empty());
  EXPECT_THAT(members(seg), HasSubstr("c5"));
  // Before c2's order (Jan 1), c2 has no classes.
  EXPECT_FALSE(InSegment(*snapshot_, Record("c2"), 1704067200, "A"));

  for (const char* ok : {"A", "Z", "AX", "CZ", "champions", "hibernating"}) {
    EXPECT_TRUE(ValidateSegment(*snapshot_, ok).ok()) << ok;
  }
  for (const char* bad : {"", "a", "XA", "AXY", "D", "vip"}) {
    const absl::Status s = ValidateSegment(*snapshot_, bad);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << bad << ": " << s;
    EXPECT_THAT(s.message(), HasSubstr("A, B, C, X, Y, Z")) << bad;
  }
}

// A snapshot made before the classes (and RFM): no classes, and a class
// segment is refused as FAILED_PRECONDITION saying to rebuild.
TEST(OlderSnapshotTest, HasNoClassesAndRefusesClassSegments) {
  testing::TempDir tmp;
  auto dir = testing::WriteTinySnapshot(tmp.Sub("snaps"));
  ASSERT_TRUE(dir.ok()) << dir.status();
  auto snap = Snapshot::Open(*dir, SnapshotOptions());
  ASSERT_TRUE(snap.ok()) << snap.status();
  v1::CustomerRecord r;
  r.add_order_times(1704067200);
  r.add_order_values(50);
  const CustomerClasses c = ClassesOf(**snap, r, 1704153600);
  EXPECT_EQ(c.abc, "");
  EXPECT_EQ(c.xyz, "");
  EXPECT_FALSE(InSegment(**snap, r, 1704153600, "C"));
  for (const char* segment : {"A", "AX", "champions"}) {
    const absl::Status s = ValidateSegment(**snap, segment);
    EXPECT_TRUE(absl::IsFailedPrecondition(s)) << segment << ": " << s;
    EXPECT_THAT(s.message(), HasSubstr("rebuild")) << segment;
  }
}

}  // namespace
}  // namespace boomerang
