#include "models/snapshot/snapshot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "indexer/indexer.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string BuildSnapshot(const testing::TempDir& tmp) {
  std::string csv = "order_id,customer_id,item_id,timestamp\n";
  for (int o = 0; o < 20; ++o) {
    std::string id = "o" + std::to_string(o);
    csv += id + ",c1,CUP,2024-01-01\n";
    if (o % 2 == 0) csv += id + ",c1,SAUCER,2024-01-01\n";
    if (o >= 10) csv += id + ",c2,SPOON,2024-01-02\n";
  }
  for (int o = 20; o < 40; ++o)
    csv += "o" + std::to_string(o) + ",c3,KETTLE,2024-01-03\n";
  IndexerOptions opts;
  opts.purchases_path = testing::WriteFile(tmp.Sub("o.csv"), csv);
  opts.out_root = tmp.Sub("snaps");
  IndexReport report;
  absl::Status s = RunIndexer(opts, &report);
  EXPECT_TRUE(s.ok()) << s;
  return report.snapshot_dir;
}

TEST(SnapshotTest, OpensTheNewestCompleteVersion) {
  testing::TempDir tmp;
  BuildSnapshot(tmp);
  std::string second = BuildSnapshot(tmp);
  fs::create_directories(tmp.Sub("snaps/000009/tables"));  // incomplete
  auto newest = Snapshot::FindNewest(tmp.Sub("snaps"));
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(*newest, second);

  auto snap = Snapshot::Open(*newest, SnapshotOptions());
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ((*snap)->version(), "000002");
  const Snapshot& s = **snap;
  const int32_t cup = s.FindItem("CUP");
  ASSERT_GE(cup, 0);
  EXPECT_EQ(s.item_id(cup), "CUP");
  EXPECT_EQ(s.item(cup).orders(), 20);
  EXPECT_EQ(s.FindItem("TEAPOT"), -1);
  const int32_t saucer = s.FindItem("SAUCER");
  ASSERT_FALSE(s.Fbt(saucer).empty());
  EXPECT_EQ(s.item_id(s.Fbt(saucer)[0].item), "CUP");
  EXPECT_EQ(s.Fbt(saucer)[0].co_orders, 10);
  EXPECT_EQ(s.fbt_anchor_orders(saucer), 10);
  EXPECT_TRUE(s.Fbt(s.FindItem("KETTLE")).empty());
  EXPECT_EQ((*snap)->popular().overall(0).item_id(), "CUP");
}

// --merge-item-case: a request may still name a merged spelling.
TEST(SnapshotTest, FindsAMergedItemByEitherSpelling) {
  testing::TempDir tmp;
  std::string csv = "order_id,customer_id,item_id,timestamp\n";
  for (int o = 0; o < 6; ++o) {
    const std::string id = "o" + std::to_string(o);
    csv += id + ",c1,CUP,2024-01-01\n";
    csv += id + ",c1," + (o == 0 ? "85123a" : "85123A") + ",2024-01-01\n";
    csv += "k" + std::to_string(o) + ",c2,KETTLE,2024-01-02\n";
  }
  IndexerOptions opts;
  opts.purchases_path = testing::WriteFile(tmp.Sub("o.csv"), csv);
  opts.out_root = tmp.Sub("snaps");
  opts.merge_item_case = true;
  IndexReport report;
  ASSERT_TRUE(RunIndexer(opts, &report).ok());
  auto snap = Snapshot::Open(report.snapshot_dir, SnapshotOptions());
  ASSERT_TRUE(snap.ok()) << snap.status();
  const Snapshot& s = **snap;
  EXPECT_EQ(s.num_items(), 3);
  const int32_t heart = s.FindItem("85123A");
  ASSERT_GE(heart, 0);
  EXPECT_EQ(s.FindItem("85123a"), heart);
  EXPECT_EQ(s.item_id(heart), "85123A");
  EXPECT_EQ(s.item(heart).orders(), 6);
  ASSERT_EQ(s.Fbt(s.FindItem("CUP")).size(), 1u);
  EXPECT_EQ(s.Fbt(s.FindItem("CUP"))[0].item, heart);
  // Only spellings seen in the data are aliases: ids stay case-sensitive.
  EXPECT_EQ(s.FindItem("cup"), -1);

  // Without merging both spellings are items of their own.
  opts.merge_item_case = false;
  opts.out_root = tmp.Sub("unmerged");
  ASSERT_TRUE(RunIndexer(opts, &report).ok());
  snap = Snapshot::Open(report.snapshot_dir, SnapshotOptions());
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_NE((*snap)->FindItem("85123a"), (*snap)->FindItem("85123A"));
  EXPECT_EQ((*snap)->item((*snap)->FindItem("85123a")).orders(), 1);
}

TEST(SnapshotTest, OpeningNeverChangesThePublishedFiles) {
  testing::TempDir tmp;
  std::string dir = BuildSnapshot(tmp);
  for (int i = 0; i < 3; ++i) {
    // Each open verifies every checksum, so a file a reader rewrote (such as
    // RocksDB's rotating info LOG) would fail the second open.
    auto snap = Snapshot::Open(dir, SnapshotOptions());
    ASSERT_TRUE(snap.ok()) << snap.status();
  }
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().rfind("LOG", 0), std::string::npos)
        << e.path();
  }
}

TEST(SnapshotTest, RefusesMissingOrCorruptSnapshots) {
  testing::TempDir tmp;
  auto none = Snapshot::FindNewest(tmp.path());
  EXPECT_TRUE(absl::IsNotFound(none.status()));
  EXPECT_THAT(none.status().message(), HasSubstr("boomerang-indexer"));

  std::string dir = BuildSnapshot(tmp);
  // Flip one byte of one table file.
  for (const auto& e : fs::recursive_directory_iterator(dir + "/tables")) {
    if (e.path().extension() == ".sst") {
      std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(10);
      f.put('\x7f');
      break;
    }
  }
  auto snap = Snapshot::Open(dir, SnapshotOptions());
  EXPECT_TRUE(absl::IsDataLoss(snap.status()));
  EXPECT_THAT(snap.status().message(), HasSubstr("is corrupt"));
}

void CorruptOneTableFile(const std::string& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir + "/tables")) {
    if (e.path().extension() == ".sst") {
      std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(10);
      f.put('\x7f');
      return;
    }
  }
}

TEST(SnapshotTest, FallsBackToTheNewestVersionThatLoads) {
  testing::TempDir tmp;
  BuildSnapshot(tmp);
  CorruptOneTableFile(BuildSnapshot(tmp));  // 000002 is corrupt
  std::vector<std::string> skipped;
  auto snap = Snapshot::OpenNewest(
      tmp.Sub("snaps"), 0, SnapshotOptions(),
      [&](const std::string& dir, const absl::Status& why) {
        skipped.push_back(fs::path(dir).filename().string());
        EXPECT_THAT(why.message(), HasSubstr("is corrupt"));
      });
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ((*snap)->version(), "000001");
  EXPECT_THAT(skipped, ::testing::ElementsAre("000002"));

  // A pinned version is served exactly, or refused.
  auto pinned =
      Snapshot::OpenNewest(tmp.Sub("snaps"), 1, SnapshotOptions(), {});
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ((*pinned)->version(), "000001");
  EXPECT_TRUE(absl::IsDataLoss(
      Snapshot::OpenNewest(tmp.Sub("snaps"), 2, SnapshotOptions(), {})
          .status()));
  EXPECT_THAT(Snapshot::OpenNewest(tmp.Sub("snaps"), 7, SnapshotOptions(), {})
                  .status()
                  .message(),
              HasSubstr("version 7 is not a complete snapshot"));

  CorruptOneTableFile(tmp.Sub("snaps/000001"));
  auto none = Snapshot::OpenNewest(tmp.Sub("snaps"), 0, SnapshotOptions(), {});
  EXPECT_THAT(none.status().message(), HasSubstr("none of the 2 snapshots"));
}

TEST(SnapshotHolderTest, ARequestKeepsItsSnapshotAcrossASwap) {
  testing::TempDir tmp;
  auto first = Snapshot::Open(BuildSnapshot(tmp), SnapshotOptions());
  auto second = Snapshot::Open(BuildSnapshot(tmp), SnapshotOptions());
  ASSERT_TRUE(first.ok() && second.ok());
  SnapshotHolder holder;
  holder.Set(*first);
  std::shared_ptr<const Snapshot> in_flight = holder.Current();
  holder.Set(*second);
  EXPECT_EQ(in_flight->version(), "000001");
  EXPECT_GE(in_flight->FindItem("CUP"), 0);  // still usable
  EXPECT_EQ(holder.Current()->version(), "000002");
}

}  // namespace
}  // namespace boomerang
