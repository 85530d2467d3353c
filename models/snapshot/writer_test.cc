// What SnapshotWriter writes, Snapshot::Open reads back: a tiny snapshot of
// a handful of items, co-purchase and similar lists, customers and meta
// records, round-tripped through a temporary directory.
#include "models/snapshot/writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "models/snapshot/layout.h"
#include "models/snapshot/snapshot.h"
#include "rocksdb/db.h"
#include "tests/test_util.h"
#include "tests/tiny_snapshot.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

using testing::TinyItem;
using testing::WriteTinySnapshot;

TEST(SnapshotWriterTest, WhatIsWrittenReadsBack) {
  testing::TempDir tmp;
  auto dir = WriteTinySnapshot(tmp.Sub("snaps"));
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, tmp.Sub("snaps/000001"));

  auto snap = Snapshot::Open(*dir, SnapshotOptions());
  ASSERT_TRUE(snap.ok()) << snap.status();
  const Snapshot& s = **snap;
  EXPECT_EQ(s.version(), "000001");
  EXPECT_EQ(s.manifest().format_version(), kSnapshotFormatVersion);
  EXPECT_EQ(s.recent_days(), 30);
  EXPECT_GT(s.data_end_seconds(), 0);

  // Items, in key order, with their records; the alias finds its item.
  ASSERT_EQ(s.num_items(), 3);
  EXPECT_EQ(s.item_id(0), "CUP");
  EXPECT_EQ(s.item_id(1), "SAUCER");
  EXPECT_EQ(s.item_id(2), "TEAPOT");
  EXPECT_EQ(s.item(0).title(), "Cup");
  EXPECT_EQ(s.item(2).orders(), 3);
  EXPECT_EQ(s.FindItem("cup"), 0);
  EXPECT_EQ(s.FindItem("MUG"), -1);
  EXPECT_FLOAT_EQ(s.Popularity(0), 1.f);
  ASSERT_EQ(s.CategoryBestSellers("kitchen").size(), 3u);
  EXPECT_EQ(s.CategoryBestSellers("kitchen")[0], 0);

  // Co-purchase and similar lists.
  ASSERT_EQ(s.Fbt(1).size(), 1u);
  EXPECT_EQ(s.Fbt(1)[0].item, 0);
  EXPECT_EQ(s.Fbt(1)[0].co_orders, 5);
  EXPECT_FLOAT_EQ(s.Fbt(1)[0].score, 0.75f);
  EXPECT_FLOAT_EQ(s.Fbt(1)[0].lift, 1.5f);
  EXPECT_EQ(s.fbt_anchor_orders(1), 6);
  EXPECT_TRUE(s.Fbt(0).empty());
  EXPECT_TRUE(s.Fbt(2).empty());
  ASSERT_EQ(s.Similar(0).size(), 1u);
  EXPECT_EQ(s.Similar(0)[0].item, 1);
  EXPECT_TRUE(s.Similar(1).empty());

  // Meta records.
  ASSERT_EQ(s.popular().overall_size(), 1);
  EXPECT_EQ(s.popular().overall(0).item_id(), "CUP");
  EXPECT_EQ(s.customer_model().note(), "tiny");

  // Customers, by id and by scan.
  v1::CustomerRecord c;
  ASSERT_TRUE(s.GetCustomer("c1", &c).ok());
  EXPECT_EQ(c.orders(), 2);
  ASSERT_EQ(c.items_size(), 1);
  EXPECT_EQ(c.items(0).item_id(), "CUP");
  EXPECT_TRUE(absl::IsNotFound(s.GetCustomer("c9", &c)));
  std::vector<std::string> ids;
  ASSERT_TRUE(s.ScanCustomers("", [&](absl::string_view id, absl::string_view) {
                 ids.emplace_back(id);
                 return true;
               }).ok());
  EXPECT_THAT(ids, ::testing::ElementsAre("c1", "c2"));

  // Embeddings: vectors in table order and the item index.
  ASSERT_EQ(s.dim(), 2);
  EXPECT_FLOAT_EQ(s.item_vector(1)[1], 1.f);
  EXPECT_FLOAT_EQ(s.ItemNorm(2), 0.f);
  std::vector<int64_t> found;
  std::vector<float> scores;
  const std::vector<float> query = {0.f, 2.f};
  ASSERT_TRUE(s.SearchItems(query, 1, &found, &scores).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], 1);
}

TEST(SnapshotWriterTest, WritesTheLayoutsFiles) {
  testing::TempDir tmp;
  auto dir = WriteTinySnapshot(tmp.Sub("snaps"));
  ASSERT_TRUE(dir.ok()) << dir.status();
  auto manifest = ReadManifest(*dir);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  std::vector<std::string> top;
  for (const auto& f : manifest->files()) {
    if (f.path().find('/') == std::string::npos) top.push_back(f.path());
  }
  EXPECT_THAT(
      top, ::testing::UnorderedElementsAre(kItemIndexFile, kItemVectorsFile));
  for (const auto& f : manifest->files()) {
    if (f.path().find('/') != std::string::npos) {
      EXPECT_EQ(f.path().rfind(absl::StrCat(kTablesDir, "/"), 0), 0u)
          << f.path();
    }
  }
}

// A version of the format this build does not know (a newer indexer wrote
// it) is refused, and the message says how to get one that loads.
TEST(SnapshotWriterTest, RefusesAnUnknownFormatVersion) {
  testing::TempDir tmp;
  auto dir = WriteTinySnapshot(tmp.Sub("snaps"));
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string path = absl::StrCat(*dir, "/", kManifestFile);
  std::string json = testing::ReadFileBytes(path);
  const std::string current =
      absl::StrCat("\"format_version\": ", kSnapshotFormatVersion);
  ASSERT_THAT(json, HasSubstr(current));
  testing::WriteFile(
      path, absl::StrReplaceAll(
                json, {{current, absl::StrCat("\"format_version\": ",
                                              kSnapshotFormatVersion + 1)}}));
  auto snap = Snapshot::Open(*dir, SnapshotOptions());
  ASSERT_FALSE(snap.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(snap.status())) << snap.status();
  EXPECT_THAT(snap.status().message(),
              HasSubstr(absl::StrCat("has format version ",
                                     kSnapshotFormatVersion + 1)));
  EXPECT_THAT(snap.status().message(), HasSubstr("boomerang-indexer"));
  // The server's way in says the same.
  auto newest =
      Snapshot::OpenNewest(tmp.Sub("snaps"), 0, SnapshotOptions(), nullptr);
  ASSERT_FALSE(newest.ok());
  EXPECT_THAT(newest.status().message(), HasSubstr("boomerang-indexer"));
}

// Nothing is published when the writer is dropped before Publish().
TEST(SnapshotWriterTest, AnUnpublishedWriterLeavesNothing) {
  testing::TempDir tmp;
  {
    auto w = SnapshotWriter::Begin(tmp.Sub("snaps"));
    ASSERT_TRUE(w.ok()) << w.status();
    (*w)->AddItem("CUP", TinyItem("Cup", 0, 1));
  }
  auto versions = ListCompleteVersions(tmp.Sub("snaps"));
  ASSERT_TRUE(versions.ok());
  EXPECT_TRUE(versions->empty());
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path() + "/snaps"));
}

// A duplicate key fails the run instead of publishing one of the two.
TEST(SnapshotWriterTest, ADuplicateKeyPublishesNothing) {
  testing::TempDir tmp;
  auto w = SnapshotWriter::Begin(tmp.Sub("snaps"));
  ASSERT_TRUE(w.ok()) << w.status();
  (*w)->AddItem("CUP", TinyItem("Cup", 0, 1));
  (*w)->AddItem("CUP", TinyItem("Cup", 0, 2));
  auto dir = (*w)->Publish(v1::SnapshotManifest());
  ASSERT_FALSE(dir.ok());
  EXPECT_THAT(dir.status().message(), HasSubstr("duplicate key 'CUP'"));
  auto versions = ListCompleteVersions(tmp.Sub("snaps"));
  ASSERT_TRUE(versions.ok());
  EXPECT_TRUE(versions->empty());
}

// Customers streamed in id order read back like added ones; ids out of
// order or repeated fail the call and nothing is published.
TEST(SnapshotWriterTest, StreamedCustomersReadBackAndMustComeInOrder) {
  testing::TempDir tmp;
  auto stream = [](std::vector<std::string> ids) {
    return [ids, next = size_t{0}](std::string* id,
                                   v1::CustomerRecord* record) mutable {
      if (next == ids.size()) return false;
      *id = ids[next++];
      record->set_orders(static_cast<int64_t>(next));
      return true;
    };
  };
  {
    auto w = SnapshotWriter::Begin(tmp.Sub("snaps"));
    ASSERT_TRUE(w.ok()) << w.status();
    (*w)->AddItem("CUP", TinyItem("Cup", 0, 1));
    ASSERT_TRUE((*w)->WriteCustomers(stream({"c1", "c2", "c3"})).ok());
    auto dir = (*w)->Publish(v1::SnapshotManifest());
    ASSERT_TRUE(dir.ok()) << dir.status();
    auto snap = Snapshot::Open(*dir, SnapshotOptions());
    ASSERT_TRUE(snap.ok()) << snap.status();
    v1::CustomerRecord c;
    ASSERT_TRUE((*snap)->GetCustomer("c3", &c).ok());
    EXPECT_EQ(c.orders(), 3);
    int rows = 0;
    ASSERT_TRUE((*snap)
                    ->ScanCustomers("",
                                    [&](absl::string_view, absl::string_view) {
                                      ++rows;
                                      return true;
                                    })
                    .ok());
    EXPECT_EQ(rows, 3);
  }
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"c1", "c1"},
        std::vector<std::string>{"c2", "c1"}}) {
    testing::TempDir tmp2;
    auto w = SnapshotWriter::Begin(tmp2.Sub("snaps"));
    ASSERT_TRUE(w.ok()) << w.status();
    absl::Status s = (*w)->WriteCustomers(stream(bad));
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_THAT(s.message(), HasSubstr(bad[0] == bad[1] ? "duplicate key 'c1'"
                                                        : "out of order"));
  }
}

// The writer checks with the reader: what the server would refuse (an alias
// naming no item) is not published, and the message says why.
TEST(SnapshotWriterTest, WhatTheReaderRefusesIsNotPublished) {
  testing::TempDir tmp;
  auto w = SnapshotWriter::Begin(tmp.Sub("snaps"));
  ASSERT_TRUE(w.ok()) << w.status();
  (*w)->AddItem("CUP", TinyItem("Cup", 0, 1));
  v1::ItemAliases aliases;
  v1::ItemAlias* alias = aliases.add_aliases();
  alias->set_alias("mug");
  alias->set_item_id("MUG");
  (*w)->SetItemAliases(aliases);
  auto dir = (*w)->Publish(v1::SnapshotManifest());
  ASSERT_FALSE(dir.ok());
  EXPECT_TRUE(absl::IsInternal(dir.status())) << dir.status();
  EXPECT_THAT(dir.status().message(), HasSubstr("snapshot check failed"));
  EXPECT_THAT(dir.status().message(),
              HasSubstr("item alias 'mug' names unknown item 'MUG'"));
  EXPECT_THAT(dir.status().message(), HasSubstr("nothing was published"));
  auto versions = ListCompleteVersions(tmp.Sub("snaps"));
  ASSERT_TRUE(versions.ok());
  EXPECT_TRUE(versions->empty());
}

// A model with `features` columns, trained on a few random rows.
std::string Model(int features) {
  std::vector<float> m(200 * features), labels(200);
  for (size_t k = 0; k < m.size(); ++k) m[k] = static_cast<float>(k % 7);
  for (size_t k = 0; k < labels.size(); ++k) labels[k] = k % 3 == 0;
  DMatrixHandle d = nullptr;
  BoosterHandle b = nullptr;
  bst_ulong len = 0;
  const char* buf = nullptr;
  EXPECT_EQ(XGDMatrixCreateFromMat(m.data(), 200, features, -1.f, &d), 0);
  EXPECT_EQ(XGDMatrixSetFloatInfo(d, "label", labels.data(), 200), 0);
  EXPECT_EQ(XGBoosterCreate(&d, 1, &b), 0);
  XGBoosterSetParam(b, "objective", "binary:logistic");
  XGBoosterSetParam(b, "nthread", "1");
  EXPECT_EQ(XGBoosterUpdateOneIter(b, 0, d), 0);
  EXPECT_EQ(XGBoosterSaveModelToBuffer(b, "{\"format\": \"ubj\"}", &len, &buf),
            0);
  std::string out(buf, len);
  XGBoosterFree(b);
  XGDMatrixFree(d);
  return out;
}

// The picks ranker travels with the snapshot (checksummed like every
// file); one made by a build with other features does not stop the
// snapshot from serving: it is left out, with a note saying why.
TEST(SnapshotWriterTest, ThePicksRankerRoundTripsOrIsLeftOut) {
  for (int features : {static_cast<int>(kNumPicksFeatures), 3}) {
    testing::TempDir tmp;
    auto w = SnapshotWriter::Begin(tmp.Sub("snaps"));
    ASSERT_TRUE(w.ok()) << w.status();
    (*w)->AddItem("CUP", TinyItem("Cup", 0, 1));
    ASSERT_TRUE((*w)->WritePicksRanker(Model(features)).ok());
    auto dir = (*w)->Publish(v1::SnapshotManifest());
    ASSERT_TRUE(dir.ok()) << dir.status();
    auto snap = Snapshot::Open(*dir, {});
    ASSERT_TRUE(snap.ok()) << snap.status();
    if (features == kNumPicksFeatures) {
      EXPECT_NE((*snap)->picks_ranker(), nullptr);
      EXPECT_EQ((*snap)->picks_ranker_note(), "");
    } else {
      EXPECT_EQ((*snap)->picks_ranker(), nullptr);
      EXPECT_THAT((*snap)->picks_ranker_note(),
                  HasSubstr("has 3 features; this build uses"));
    }
  }
  // A snapshot without one (every snapshot before issue 12) has none.
  testing::TempDir tmp;
  auto w = SnapshotWriter::Begin(tmp.Sub("snaps"));
  ASSERT_TRUE(w.ok());
  (*w)->AddItem("CUP", TinyItem("Cup", 0, 1));
  auto dir = (*w)->Publish(v1::SnapshotManifest());
  ASSERT_TRUE(dir.ok());
  auto snap = Snapshot::Open(*dir, {});
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->picks_ranker(), nullptr);
}

TEST(SnapshotWriterTest, PriceHistoriesRoundTripAndOlderSnapshotsLoad) {
  testing::TempDir tmp;
  auto w = SnapshotWriter::Begin(tmp.Sub("snaps"));
  ASSERT_TRUE(w.ok());
  (*w)->AddItem("CUP", TinyItem("Cup", 0, 1));
  (*w)->AddItem("SAUCER", TinyItem("Saucer", 1, 1));
  v1::PriceHistory h;
  v1::PriceChange* c = h.add_changes();
  c->set_time(100);
  c->set_to_price(2.5);
  c->set_source("catalog");
  c = h.add_changes();
  c->set_time(200);
  c->set_from_price(2.5);
  c->set_to_price(1.99);
  c->set_source("update");
  (*w)->AddPriceHistory("CUP", h);
  auto dir = (*w)->Publish(v1::SnapshotManifest());
  ASSERT_TRUE(dir.ok()) << dir.status();
  {
    auto snap = Snapshot::Open(*dir, {});
    ASSERT_TRUE(snap.ok()) << snap.status();
    auto cup = (*snap)->PriceHistory((*snap)->FindItem("CUP"));
    ASSERT_EQ(cup.size(), 2u);
    EXPECT_EQ(cup[1].to_price(), 1.99);
    EXPECT_EQ(cup[1].source(), "update");
    EXPECT_TRUE((*snap)->PriceHistory((*snap)->FindItem("SAUCER")).empty());
  }
  // A snapshot written before the table existed: no "prices" column
  // family at all. It still loads, without histories.
  const std::string tables = *dir + "/" + kTablesDir;
  std::vector<std::string> names;
  ASSERT_TRUE(
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), tables, &names)
          .ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : names)
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(rocksdb::DBOptions(), tables, cfs, &handles, &db).ok());
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == kPricesTable)
      ASSERT_TRUE(db->DropColumnFamily(handles[i]).ok());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  SnapshotOptions no_checks;
  no_checks.verify_checksums = false;  // the tables' files changed
  auto old = Snapshot::Open(*dir, no_checks);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_TRUE((*old)->PriceHistory((*old)->FindItem("CUP")).empty());
  EXPECT_EQ((*old)->item((*old)->FindItem("CUP")).title(), "Cup");
}

}  // namespace
}  // namespace boomerang
