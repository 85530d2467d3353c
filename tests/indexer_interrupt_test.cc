// kill -9 of the indexer at several points of a run never leaves a visible
// half snapshot: the previous version stays complete and loadable, and the
// next run cleans up and publishes the next version.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "models/snapshot/snapshot.h"
#include "models/snapshot/snapshot_dir.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

namespace fs = std::filesystem;

TEST(IndexerInterruptTest, KilledRunsNeverPublishHalfSnapshots) {
  testing::TempDir tmp;
  const std::string bin = testing::BinDir();
  // About 10x the default demo shop, so that a run takes long enough to be
  // killed in each phase.
  auto gen =
      testing::Run({bin + "/boomerang-demo-shop", "--out", tmp.Sub("shop"),
                    "--customers", "10000", "--items", "2000"},
                   tmp.path());
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string root = tmp.Sub("snaps");
  const std::vector<std::string> index = {bin + "/boomerang-indexer",
                                          "--purchases",
                                          tmp.Sub("shop/orders.csv.gz"),
                                          "--out",
                                          root,
                                          "--quiet"};
  const auto started = std::chrono::steady_clock::now();
  auto first = testing::Run(index, tmp.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const double run_ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - started)
                            .count();

  // Kill points spread over a whole run, whatever this machine's speed:
  // reading, counting, writing tables, checksumming and publishing.
  int killed = 0;
  for (double at : {0.02, 0.1, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98}) {
    const int delay_ms = static_cast<int>(at * run_ms);
    pid_t pid = testing::Spawn(index, tmp.Sub("run.out"), tmp.Sub("run.err"));
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    killed += testing::WaitExit(pid) == 128 + SIGKILL;

    auto versions = ListCompleteVersions(root);
    ASSERT_TRUE(versions.ok());
    ASSERT_FALSE(versions->empty());
    EXPECT_EQ(versions->front(), 1);
    // Whatever is visible is complete: every checksum matches and it loads.
    for (int64_t v : *versions) {
      const std::string dir = root + "/" + VersionName(v);
      auto manifest = ReadManifest(dir);
      ASSERT_TRUE(manifest.ok()) << manifest.status();
      EXPECT_TRUE(VerifyChecksums(dir, *manifest).ok()) << dir;
    }
    auto newest = Snapshot::FindNewest(root);
    ASSERT_TRUE(newest.ok());
    auto snap = Snapshot::Open(*newest, SnapshotOptions());
    EXPECT_TRUE(snap.ok()) << snap.status();
  }
  // Timing varies from run to run; most kills must land inside a run.
  EXPECT_GE(killed, 5) << "runs finished before they could be killed (a run "
                          "took "
                       << run_ms << " ms)";

  auto last = testing::Run(index, tmp.path());
  ASSERT_EQ(last.exit_code, 0) << last.err;
  for (const auto& e : fs::directory_iterator(root)) {
    EXPECT_NE(e.path().filename().string().rfind(".tmp-", 0), 0u)
        << "a killed run's temporary directory was not cleaned up: "
        << e.path();
  }
}

}  // namespace
}  // namespace boomerang
