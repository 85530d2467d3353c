#include "models/snapshot/snapshot_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/test_util.h"

namespace boomerang {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<std::string> PublishOne(const std::string& root,
                                       const std::string& content) {
  auto b = SnapshotBuilder::Begin(root);
  if (!b.ok()) return b.status();
  fs::create_directories((*b)->dir() + "/tables");
  testing::WriteFile((*b)->dir() + "/tables/data.sst", content);
  v1::SnapshotManifest m;
  m.mutable_counts()->set_items(3);
  return (*b)->Publish(m);
}

TEST(SnapshotDirTest, PublishesNumberedVersionsWithManifestAndChecksums) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  auto first = PublishOne(root, "one");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(fs::path(*first).filename(), "000001");
  auto second = PublishOne(root, "two");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(fs::path(*second).filename(), "000002");
  EXPECT_THAT(*ListCompleteVersions(root), ElementsAre(1, 2));

  auto m = ReadManifest(*second);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->version(), "000002");
  EXPECT_EQ(m->format_version(), kSnapshotFormatVersion);
  ASSERT_EQ(m->files_size(), 1);
  EXPECT_EQ(m->files(0).path(), "tables/data.sst");
  EXPECT_EQ(m->files(0).size_bytes(), 3);
  // sha256("two")
  EXPECT_EQ(m->files(0).sha256(),
            "3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3");
  EXPECT_TRUE(VerifyChecksums(*second, *m).ok());
  // No temporary directory is left behind.
  for (const auto& e : fs::directory_iterator(root)) {
    EXPECT_NE(e.path().filename().string().rfind(".tmp-", 0), 0u);
  }
}

TEST(SnapshotDirTest, IncompleteDirectoriesAreInvisible) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  ASSERT_TRUE(PublishOne(root, "one").ok());
  fs::create_directories(root + "/000005/tables");  // no manifest: half written
  fs::create_directories(root + "/.tmp-1-2");
  fs::create_directories(root + "/latest");
  EXPECT_THAT(*ListCompleteVersions(root), ElementsAre(1));
  // The next version still skips past the incomplete 000005.
  auto next = PublishOne(root, "two");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(fs::path(*next).filename(), "000006");
}

TEST(SnapshotDirTest, AbandonedBuildLeavesNothingAndPreviousIsUntouched) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  ASSERT_TRUE(PublishOne(root, "one").ok());
  std::string tmp_dir;
  {
    auto b = SnapshotBuilder::Begin(root);
    ASSERT_TRUE(b.ok());
    tmp_dir = (*b)->dir();
    testing::WriteFile(tmp_dir + "/partial", "x");
  }  // destroyed without Publish(): e.g. the run failed
  EXPECT_FALSE(fs::exists(tmp_dir));
  EXPECT_THAT(*ListCompleteVersions(root), ElementsAre(1));
  EXPECT_TRUE(
      VerifyChecksums(root + "/000001", *ReadManifest(root + "/000001")).ok());
}

TEST(SnapshotDirTest, LeftoversOfDeadRunsAreCleanedUp) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  // A killed run's directory, and a lone lock file of another one.
  fs::create_directories(root + "/.tmp-999999999-1/tables");
  testing::WriteFile(root + "/.tmp-999999999-2.lock", "");
  ASSERT_TRUE(PublishOne(root, "one").ok());
  EXPECT_FALSE(fs::exists(root + "/.tmp-999999999-1"));
  EXPECT_FALSE(fs::exists(root + "/.tmp-999999999-1.lock"));
  EXPECT_FALSE(fs::exists(root + "/.tmp-999999999-2.lock"));
}

TEST(SnapshotDirTest, ALiveRunsDirectoryIsNeverCleanedUp) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  auto running = SnapshotBuilder::Begin(root);  // holds its lock
  ASSERT_TRUE(running.ok());
  testing::WriteFile((*running)->dir() + "/partial", "x");
  // A second run starting meanwhile (same pid here, as a run in another
  // PID namespace could be) must leave the first one's directory alone.
  ASSERT_TRUE(PublishOne(root, "two").ok());
  EXPECT_TRUE(fs::exists((*running)->dir() + "/partial"));
}

TEST(SnapshotDirTest, CorruptionIsDetected) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  auto dir = PublishOne(root, "one");
  ASSERT_TRUE(dir.ok());
  testing::WriteFile(*dir + "/tables/data.sst", "onf");
  absl::Status s = VerifyChecksums(*dir, *ReadManifest(*dir));
  EXPECT_TRUE(absl::IsDataLoss(s));
  EXPECT_THAT(s.message(), HasSubstr("data.sst is corrupt"));
  fs::remove(*dir + "/tables/data.sst");
  EXPECT_THAT(VerifyChecksums(*dir, *ReadManifest(*dir)).message(),
              HasSubstr("missing"));
}

TEST(SnapshotDirTest, UnreadableManifest) {
  testing::TempDir tmp;
  fs::create_directories(tmp.Sub("000001"));
  testing::WriteFile(tmp.Sub("000001/manifest.json"), "{not json");
  EXPECT_TRUE(absl::IsDataLoss(ReadManifest(tmp.Sub("000001")).status()));
  EXPECT_TRUE(absl::IsNotFound(ListCompleteVersions(tmp.Sub("nope")).status()));
}

}  // namespace
}  // namespace boomerang
