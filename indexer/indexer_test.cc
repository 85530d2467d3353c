#include "indexer/indexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "models/item_exclusion.h"
#include "models/snapshot/internal/tables.h"
#include "models/snapshot/snapshot_dir.h"
#include "models/timestamp.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Six clean orders (mug+coaster go together), a return, a postage line,
// a guest order, and one bad line of every kind.
constexpr char kShop[] =
    "order_id,customer_id,item_id,timestamp,quantity,price\n"
    "o1,c1,MUG,2024-01-01T10:00:00Z,1,5.00\n"  // line 2
    "o1,c1,COASTER,2024-01-01T10:00:00Z,2,1.50\n"
    "o1,c1,POSTAGE,2024-01-01T10:00:00Z,1,4.95\n"  // non-product
    "o2,c2,MUG,2024-01-02T10:00:00Z,1,5.00\n"
    "o2,c2,COASTER,2024-01-02T10:00:00Z,1,1.50\n"
    "o3,,MUG,2024-01-03 11:00:00,1,5.50\n"  // guest
    "o3,,COASTER,2024-01-03 11:00:00,1,1.50\n"
    "o4,c3,MUG,2024-01-04,1,4.50\n"
    "o4,c3,TEAPOT,2024-01-04,1,20\n"
    "o5,c1,TEAPOT,2024-02-01,1,20\n"
    "o5,c1,\"COASTER\",2024-02-01,1,1.50\n"
    "C6,c1,TEAPOT,2024-02-02,1,20\n"   // cancellation
    "o7,c2,MUG,2024-02-03,-1,5.00\n"   // return
    "o8,c2,MUG,\"2024-02-04\"x,1,5\n"  // line 15: broken quote
    "o9,c2,MUG\n"                      // too few fields
    ",c2,MUG,2024-02-05,1,5\n"         // missing order id
    "o10,c2,MUG,2024-02-05,lots,5\n"   // bad number
    "o11,c2,MUG,last tuesday,1,5\n"    // bad timestamp
    "o12,c3,KETTLE,2024-03-01,1,30\n"
    "o13,c3,KETTLE,2024-03-02,1,30\n"
    "o14,c2,KETTLE,2024-03-03,1,30\n"
    "o15,c1,KETTLE,2024-03-04,1,30\n";

IndexerOptions Options(const std::string& purchases, const std::string& out) {
  IndexerOptions o;
  o.purchases_path = purchases;
  o.out_root = out;
  o.cooccurrence.min_support = 1;
  o.excluded_item_patterns = DefaultExcludedItemPatterns();
  o.max_bad_share = 0.5;
  o.cancel_order_prefix = "C";
  return o;
}

TEST(IndexerTest, CountsEveryKindOfLineAndPublishes) {
  testing::TempDir tmp;
  IndexReport r;
  absl::Status s = RunIndexer(
      Options(testing::WriteFile(tmp.Sub("o.csv"), kShop), tmp.Sub("snaps")),
      &r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(r.purchases.data_rows, 22);
  EXPECT_EQ(r.purchase_lines, 14);
  EXPECT_EQ(r.return_lines, 2);
  EXPECT_EQ(r.excluded_lines, 1);
  EXPECT_EQ(r.purchases.bad_total(), 5);
  auto bad = [&](BadReason reason) {
    return r.purchases.bad[static_cast<int>(reason)];
  };
  EXPECT_THAT(bad(BadReason::kBrokenQuote).first_lines, ElementsAre(15));
  EXPECT_THAT(bad(BadReason::kFieldCount).first_lines, ElementsAre(16));
  EXPECT_THAT(bad(BadReason::kMissingField).first_lines, ElementsAre(17));
  EXPECT_THAT(bad(BadReason::kBadNumber).first_lines, ElementsAre(18));
  EXPECT_THAT(bad(BadReason::kBadTimestamp).first_lines, ElementsAre(19));
  EXPECT_THAT(bad(BadReason::kBadNumber).first_detail,
              HasSubstr("o.csv:18: field 'quantity'"));
  EXPECT_EQ(r.orders, 9);
  EXPECT_EQ(r.guest_orders, 1);
  EXPECT_EQ(r.customers, 3);
  EXPECT_EQ(r.items, 4);  // POSTAGE never enters the snapshot
  EXPECT_EQ(fs::path(r.snapshot_dir).filename(), "000001");

  std::string summary = FormatReport(r);
  EXPECT_THAT(summary, HasSubstr("bad_timestamp 1 (lines 19)"));
  EXPECT_THAT(summary, HasSubstr("non-product ids: POSTAGE 1"));
  EXPECT_THAT(summary,
              HasSubstr("14 purchase lines, 2 return lines, 1 non-product"));

  auto manifest = ReadManifest(r.snapshot_dir);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(manifest->counts().orders(), 9);
  EXPECT_EQ(manifest->parameters().scoring(), "llr");
  EXPECT_EQ(manifest->inputs(0).role(), "purchases");
  EXPECT_TRUE(VerifyChecksums(r.snapshot_dir, *manifest).ok());

  auto tables = TableReader::Open(r.snapshot_dir + "/tables", 1 << 20);
  ASSERT_TRUE(tables.ok());
  std::string value;
  ASSERT_TRUE((*tables)->Get(kFbtTable, "MUG", &value).ok());
  v1::FbtList mug;
  ASSERT_TRUE(mug.ParseFromString(value));
  EXPECT_EQ(mug.anchor_orders(), 4);
  ASSERT_GE(mug.neighbors_size(), 1);
  EXPECT_EQ(mug.neighbors(0).item_id(), "COASTER");
  EXPECT_EQ(mug.neighbors(0).co_orders(), 3);
  ASSERT_TRUE((*tables)->Get(kItemsTable, "MUG", &value).ok());
  v1::ItemRecord rec;
  ASSERT_TRUE(rec.ParseFromString(value));
  EXPECT_EQ(rec.orders(), 4);
  EXPECT_DOUBLE_EQ(rec.price(), 5.0);  // median unit price
  EXPECT_EQ(rec.customers(), 3);       // c1, c2, c3 (the guest is not one)
  EXPECT_TRUE(absl::IsNotFound((*tables)->Get(kItemsTable, "POSTAGE", &value)));
}

// The next-basket protocol's hold-out: a customer's lines at or after
// their own cut-off are left out, other customers' are kept.
TEST(IndexerTest, CustomerUntilHoldsOutThatCustomersLaterLines) {
  testing::TempDir tmp;
  IndexerOptions o =
      Options(testing::WriteFile(tmp.Sub("o.csv"), kShop), tmp.Sub("snaps"));
  ASSERT_TRUE(ParseTimestamp("2024-03-04").ok());
  o.customer_until["c1"] = *ParseTimestamp("2024-03-04");  // o15
  o.customer_until["c3"] = *ParseTimestamp("2024-03-01");  // o12, o13
  IndexReport r;
  absl::Status s = RunIndexer(o, &r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(r.after_until_lines, 3);
  auto tables = TableReader::Open(r.snapshot_dir + "/tables", 1 << 20);
  ASSERT_TRUE(tables.ok());
  std::string value;
  ASSERT_TRUE((*tables)->Get(kItemsTable, "KETTLE", &value).ok());
  v1::ItemRecord kettle;
  ASSERT_TRUE(kettle.ParseFromString(value));
  EXPECT_EQ(kettle.orders(), 1);  // o14, by c2 (no cut-off)
}

TEST(IndexerTest, TooManyBadLinesPublishesNothingAndKeepsThePrevious) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  IndexReport r;
  ASSERT_TRUE(
      RunIndexer(Options(testing::WriteFile(tmp.Sub("o.csv"), kShop), root), &r)
          .ok());
  IndexerOptions strict = Options(tmp.Sub("o.csv"), root);
  strict.max_bad_share = 0.05;  // 5 of 22 lines are bad
  absl::Status s = RunIndexer(strict, &r);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("5 of 22 lines"));
  EXPECT_THAT(s.message(), HasSubstr("nothing was published"));
  EXPECT_THAT(*ListCompleteVersions(root), ElementsAre(1));
  int entries = 0;
  for (const auto& e : fs::directory_iterator(root)) entries += e.exists();
  EXPECT_EQ(entries, 1);  // no temporary directory left behind
}

// The names of the entries of a snapshot root: versions and leftovers.
std::vector<std::string> RootEntries(const std::string& root) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(root)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A truncated export (the first lines of kShop) reads like a clean one; it
// must not replace the full snapshot unless asked.
TEST(IndexerTest, DataThatShrankSharplyIsNotPublished) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  IndexReport r;
  ASSERT_TRUE(
      RunIndexer(Options(testing::WriteFile(tmp.Sub("o.csv"), kShop), root), &r)
          .ok());
  const std::string shop(kShop);
  size_t cut = 0;
  for (int line = 0; line < 6; ++line) cut = shop.find('\n', cut) + 1;
  // Orders o1 and o2: 2 of 9 orders, 2 of 3 customers, one day of 63.
  IndexerOptions truncated =
      Options(testing::WriteFile(tmp.Sub("t.csv"), shop.substr(0, cut)), root);
  absl::Status s = RunIndexer(truncated, &r);
  ASSERT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("t.csv: the data shrank against "
                                     "snapshot 000001"));
  EXPECT_THAT(s.message(), HasSubstr("orders 9 -> 2 (-78%)"));
  EXPECT_THAT(s.message(), HasSubstr("customers 3 -> 2 (-33%)"));
  EXPECT_THAT(s.message(), HasSubstr("data span 63 -> 1 days (-98%)"));
  EXPECT_THAT(s.message(), HasSubstr("data end 2024-03-04T00:00:00Z -> "
                                     "2024-01-02T10:00:00Z (earlier)"));
  EXPECT_THAT(s.message(), HasSubstr("nothing was published"));
  EXPECT_THAT(s.message(), HasSubstr("pass --allow-shrink"));
  // No version, and no temporary directory or lock left behind.
  EXPECT_THAT(RootEntries(root), ElementsAre("000001"));

  // A looser --max-shrink lets the counts pass, not the earlier end.
  truncated.max_shrink = 1;
  s = RunIndexer(truncated, &r);
  EXPECT_THAT(s.message(), Not(HasSubstr("orders")));
  EXPECT_THAT(s.message(), HasSubstr("(earlier)"));

  truncated.allow_shrink = true;
  s = RunIndexer(truncated, &r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(r.version, "000002");
  // Growing back is never refused.
  ASSERT_TRUE(RunIndexer(Options(tmp.Sub("o.csv"), root), &r).ok());
  EXPECT_EQ(r.version, "000003");
}

TEST(IndexerTest, DataEndingEarlierIsRefusedWhateverTheShare) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  IndexReport r;
  ASSERT_TRUE(
      RunIndexer(Options(testing::WriteFile(tmp.Sub("o.csv"), kShop), root), &r)
          .ok());
  // The last line gone (the end of a file sorted by time): 8 of 9 orders.
  std::string shop(kShop);
  shop.erase(shop.rfind('\n', shop.size() - 2) + 1);
  absl::Status s =
      RunIndexer(Options(testing::WriteFile(tmp.Sub("t.csv"), shop), root), &r);
  ASSERT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("data end 2024-03-04T00:00:00Z -> "
                                     "2024-03-03T00:00:00Z (earlier)"));
  EXPECT_THAT(s.message(), Not(HasSubstr("orders")));
  EXPECT_THAT(*ListCompleteVersions(root), ElementsAre(1));
}

// A file where every fifth line is numeric garbage: the garbage used to be
// read as purchases in 1970 (timestamp "4" as unix seconds).
TEST(IndexerTest, NumericGarbageLinesAreBadTimestamps) {
  testing::TempDir tmp;
  std::string csv = "order_id,customer_id,item_id,timestamp,quantity,price\n";
  for (int i = 0; i < 20; ++i) {
    if (i % 5 == 4) {
      csv += "1,2,3,4,5,6,7,8,9,10,11\n";
    } else {
      csv += "o" + std::to_string(i / 2) + ",c" + std::to_string(i % 3) +
             ",SKU" + std::to_string(i % 4) + ",2024-05-0" +
             std::to_string(1 + i % 9) + ",1,2.50\n";
    }
  }
  const std::string path = testing::WriteFile(tmp.Sub("g.csv"), csv);
  IndexerOptions o = Options(path, tmp.Sub("snaps"));
  IndexReport r;
  ASSERT_TRUE(RunIndexer(o, &r).ok());
  const BadLineStats& bad =
      r.purchases.bad[static_cast<int>(BadReason::kBadTimestamp)];
  EXPECT_EQ(bad.count, 4);
  EXPECT_THAT(bad.first_lines, ElementsAre(6, 11, 16, 21));
  EXPECT_THAT(bad.first_detail,
              HasSubstr("g.csv:6: field 'timestamp': timestamp '4' is "
                        "1970-01-01T00:00:04Z, before --min-date 1990-01-01"));
  EXPECT_EQ(FormatTimestamp(r.data_start), "2024-05-01T00:00:00Z");
  EXPECT_THAT(FormatReport(r), HasSubstr("bad_timestamp 4 (lines 6, 11, 16, "
                                         "21)"));

  // At the default --max-bad-share the run fails and says why.
  o.max_bad_share = 0.05;
  absl::Status s = RunIndexer(o, &r);
  EXPECT_THAT(s.message(), HasSubstr("4 of 20 lines (20.0%) are bad"));
  EXPECT_THAT(s.message(), HasSubstr("bad_timestamp 4"));

  // A later --min-date, and a clock the data is ahead of (into another
  // root: it covers fewer days, which the shrink guard would refuse).
  o.out_root = tmp.Sub("snaps2");
  o.max_bad_share = 1;
  o.min_timestamp = *ParseTimestamp("2024-05-03");
  o.now = *ParseTimestamp("2024-05-06T12:00:00Z");  // a day later: 05-07 12h
  s = RunIndexer(o, &r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(r.purchases.bad[static_cast<int>(BadReason::kBadTimestamp)].count,
            4 + 4 + 4);  // garbage, 05-01 and 05-02, 05-08 and 05-09
  EXPECT_EQ(FormatTimestamp(r.data_start), "2024-05-03T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(r.data_end), "2024-05-07T00:00:00Z");
}

// Online Retail has "85123A" and "85123a", one product.
TEST(IndexerTest, ItemIdsDifferingOnlyInCaseAreListedAndMergedOnRequest) {
  testing::TempDir tmp;
  std::string csv = "order_id,customer_id,item_id,timestamp,price\n";
  for (int o = 0; o < 6; ++o) {
    const std::string order = "o" + std::to_string(o);
    const std::string day = "2024-01-0" + std::to_string(1 + o);
    csv += order + ",c" + std::to_string(o % 3) + ",MUG," + day + ",5\n";
    csv += order + ",c" + std::to_string(o % 3) + "," +
           (o == 5 ? "85123a" : "85123A") + "," + day + ",2.55\n";
    if (o < 2) csv += order + ",c3,Tea," + day + ",1\n";
    if (o == 2) csv += order + ",c3,TEA," + day + ",1\n";
  }
  const std::string path = testing::WriteFile(tmp.Sub("o.csv"), csv);
  IndexReport r;
  IndexerOptions o = Options(path, tmp.Sub("snaps"));
  ASSERT_TRUE(RunIndexer(o, &r).ok());
  EXPECT_EQ(r.items, 5);
  EXPECT_EQ(r.case_groups_total, 2);
  EXPECT_THAT(FormatReport(r),
              HasSubstr("2 groups of item ids differ only in case "
                        "(--merge-item-case merges each into its most "
                        "frequent spelling): 85123A 5 / 85123a 1; Tea 2 / "
                        "TEA 1\n"));

  o.merge_item_case = true;
  ASSERT_TRUE(RunIndexer(o, &r).ok());
  EXPECT_EQ(r.items, 3);
  EXPECT_THAT(FormatReport(r), HasSubstr("merged into their most frequent "
                                         "spelling: 85123A 5 / 85123a 1"));
  auto tables = TableReader::Open(r.snapshot_dir + "/tables", 1 << 20);
  ASSERT_TRUE(tables.ok());
  std::string value;
  EXPECT_TRUE(absl::IsNotFound((*tables)->Get(kItemsTable, "85123a", &value)));
  ASSERT_TRUE((*tables)->Get(kItemsTable, "85123A", &value).ok());
  v1::ItemRecord item;
  ASSERT_TRUE(item.ParseFromString(value));
  EXPECT_EQ(item.orders(), 6);
  EXPECT_EQ(item.customers(), 3);
  ASSERT_TRUE((*tables)->Get(kMetaTable, "item_aliases", &value).ok());
  v1::ItemAliases aliases;
  ASSERT_TRUE(aliases.ParseFromString(value));
  ASSERT_EQ(aliases.aliases_size(), 2);
  EXPECT_EQ(aliases.aliases(0).alias(), "85123a");
  EXPECT_EQ(aliases.aliases(0).item_id(), "85123A");
  EXPECT_EQ(aliases.aliases(1).alias(), "TEA");
  EXPECT_EQ(aliases.aliases(1).item_id(), "Tea");
  ASSERT_TRUE((*tables)->Get(kItemsTable, "Tea", &value).ok());
  ASSERT_TRUE(item.ParseFromString(value));
  EXPECT_EQ(item.orders(), 3);
  // Customer histories name the kept spelling only.
  int tea_buyers = 0;
  ASSERT_TRUE((*tables)
                  ->ForEach(kCustomersTable,
                            [&](absl::string_view, absl::string_view v) {
                              v1::CustomerRecord c;
                              EXPECT_TRUE(c.ParseFromArray(v.data(), v.size()));
                              for (const auto& bought : c.items()) {
                                EXPECT_NE(bought.item_id(), "TEA");
                                tea_buyers += bought.item_id() == "Tea";
                              }
                              return true;
                            })
                  .ok());
  EXPECT_EQ(tea_buyers, 3);
  EXPECT_TRUE(ReadManifest(r.snapshot_dir)->parameters().merge_item_case());
}

TEST(IndexerTest, ColumnMappingGzipAndCatalog) {
  testing::TempDir tmp;
  std::string purchases = testing::WriteGzFile(
      tmp.Sub("retail.csv.gz"),
      "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
      "CustomerID\n"
      "1,CUP,\"CUP, BLUE\",1,2011-01-01 10:00:00,1.0,17850.0\n"
      "1,SAUCER,SAUCER,1,2011-01-01 10:00:00,1.0,17850.0\n"
      "2,CUP,\"CUP, BLUE\",1,2011-01-02 10:00:00,1.0,\n"
      "2,SAUCER,SAUCER,1,2011-01-02 10:00:00,1.0,\n"
      "2,WRAP,GIFT WRAP,1,2011-01-02 10:00:00,1.0,\n");
  std::string catalog =
      testing::WriteFile(tmp.Sub("catalog.csv"),
                         "sku,name,category,price,in_stock,recommendable\n"
                         "CUP,Blue cup,Home/Kitchen/Cups,2.5,1,1\n"
                         "SAUCER,Saucer,Home/Kitchen/Cups,1.5,no,1\n"
                         "WRAP,Gift wrap,,0.5,1,0\n"
                         "Z,Never sold,Home/Garden,9,1,1\n");
  IndexerOptions o = Options(purchases, tmp.Sub("snaps"));
  o.columns = {{"order_id", "InvoiceNo"},     {"item_id", "StockCode"},
               {"customer_id", "CustomerID"}, {"timestamp", "InvoiceDate"},
               {"quantity", "Quantity"},      {"price", "UnitPrice"},
               {"title", "Description"}};
  o.catalog_path = catalog;
  o.catalog_columns = {{"item_id", "sku"}, {"title", "name"}};
  IndexReport r;
  absl::Status s = RunIndexer(o, &r);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(r.excluded_lines, 1);  // WRAP marked recommendable=0
  EXPECT_EQ(r.customers, 1);
  EXPECT_EQ(r.items, 3);  // CUP, SAUCER and the unsold catalog item Z
  auto tables = TableReader::Open(r.snapshot_dir + "/tables", 1 << 20);
  ASSERT_TRUE(tables.ok());
  std::string value;
  ASSERT_TRUE((*tables)->Get(kItemsTable, "SAUCER", &value).ok());
  v1::ItemRecord rec;
  rec.ParseFromString(value);
  EXPECT_EQ(rec.title(), "Saucer");  // the catalog wins over the description
  EXPECT_EQ(rec.category(), "Home/Kitchen/Cups");
  EXPECT_DOUBLE_EQ(rec.price(), 1.5);
  EXPECT_FALSE(rec.in_stock());
}

TEST(IndexerTest, SpreadsheetExportsLoad) {
  // Semicolons, CRLF, a BOM and Windows-1252 text, as Excel writes them.
  testing::TempDir tmp;
  std::string csv =
      "\xEF\xBB\xBF"
      "order_id;customer_id;item_id;timestamp;quantity;price;title\r\n";
  for (int o = 0; o < 6; ++o) {
    std::string id = "o" + std::to_string(o);
    csv += id +
           ";c1;CAF\xC9;2024-03-05T10:00:00+02:00;1;\xA3"
           "3,50;Caf\xE9 cr\xE8me\r\n";
    csv += id + ";c1;MUG;2024-03-05T10:00:00+02:00;1;2;Mug\r\n";
  }
  for (int o = 6; o < 12; ++o) {
    csv += "o" + std::to_string(o) + ";c2;TEA;2024-03-06;1;2;Tea\r\n";
  }
  IndexerOptions opts =
      Options(testing::WriteFile(tmp.Sub("excel.csv"), csv), tmp.Sub("snaps"));
  IndexReport r;
  absl::Status s = RunIndexer(opts, &r);
  ASSERT_TRUE(s.ok()) << s;
  // "£3,50" has a decimal comma, which is ambiguous (thousands or decimals):
  // a bad number, counted and shown, never guessed.
  EXPECT_EQ(r.purchases.bad[static_cast<int>(BadReason::kBadNumber)].count, 6);
  auto tables = TableReader::Open(r.snapshot_dir + "/tables", 1 << 20);
  ASSERT_TRUE(tables.ok());
  std::string value;
  ASSERT_TRUE((*tables)->Get(kItemsTable, "MUG", &value).ok());
  v1::ItemRecord rec;
  ASSERT_TRUE(rec.ParseFromString(value));
  EXPECT_EQ(rec.title(), "Mug");
}

TEST(IndexerTest, Windows1252TextBecomesUtf8AndTheSnapshotLoads) {
  testing::TempDir tmp;
  std::string csv = "order_id,customer_id,item_id,timestamp,title\n";
  for (int o = 0; o < 6; ++o) {
    std::string id = "o" + std::to_string(o);
    csv += id + ",c1,CAF\xC9,2024-03-05,Caf\xE9 cr\xE8me\n";
    csv += id + ",c1,MUG,2024-03-05,Mug\n";
  }
  for (int o = 6; o < 12; ++o)
    csv += "o" + std::to_string(o) + ",c2,TEA,2024-03-06,Tea\n";
  IndexReport r;
  absl::Status s = RunIndexer(
      Options(testing::WriteFile(tmp.Sub("latin1.csv"), csv), tmp.Sub("snaps")),
      &r);
  ASSERT_TRUE(s.ok()) << s;
  auto tables = TableReader::Open(r.snapshot_dir + "/tables", 1 << 20);
  ASSERT_TRUE(tables.ok());
  std::string value;
  ASSERT_TRUE((*tables)->Get(kItemsTable, "CAF\xC3\x89", &value).ok());
  v1::ItemRecord rec;
  ASSERT_TRUE(rec.ParseFromString(value));
  EXPECT_EQ(rec.title(), "Caf\xC3\xA9 cr\xC3\xA8me");
  ASSERT_TRUE((*tables)->Get(kFbtTable, "MUG", &value).ok());
  v1::FbtList list;
  ASSERT_TRUE(list.ParseFromString(value));
  EXPECT_EQ(list.neighbors(0).item_id(), "CAF\xC3\x89");
}

TEST(IndexerTest, CategoryPathFromSeveralCatalogColumns) {
  testing::TempDir tmp;
  std::string csv = "order_id,customer_id,item_id,timestamp\n";
  for (int o = 0; o < 4; ++o)
    csv += "o" + std::to_string(o) + ",c1,ICE,2024-01-01\n";
  IndexerOptions o =
      Options(testing::WriteFile(tmp.Sub("o.csv"), csv), tmp.Sub("snaps"));
  o.catalog_path = testing::WriteFile(
      tmp.Sub("products.csv"),
      "product_id,department,brand,product_category,product_type\n"
      "ICE,GROCERY,National,FRZN ICE,ICE - CRUSHED/CUBED\n"
      "BAG,MISC,Private,,\n");
  o.catalog_columns = {
      {"item_id", "product_id"},
      {"category", "department+product_category+product_type"}};
  IndexReport r;
  ASSERT_TRUE(RunIndexer(o, &r).ok());
  auto tables = TableReader::Open(r.snapshot_dir + "/tables", 1 << 20);
  ASSERT_TRUE(tables.ok());
  std::string value;
  v1::ItemRecord rec;
  ASSERT_TRUE((*tables)->Get(kItemsTable, "ICE", &value).ok());
  rec.ParseFromString(value);
  EXPECT_EQ(rec.category(), "GROCERY/FRZN ICE/ICE - CRUSHED/CUBED");
  EXPECT_EQ(rec.brand(), "National");
  ASSERT_TRUE((*tables)->Get(kItemsTable, "BAG", &value).ok());
  rec.ParseFromString(value);
  EXPECT_EQ(rec.category(), "MISC");  // empty parts are skipped

  // Ids translated by lookup files (Instacart: aisle_id -> aisles.csv).
  o.catalog_path = testing::WriteFile(tmp.Sub("products2.csv"),
                                      "product_id,department_id,aisle_id\n"
                                      "ICE,19,61\n");
  o.catalog_columns = {{"item_id", "product_id"},
                       {"category", "department_id+aisle_id"}};
  o.catalog_lookups = {
      {"department_id",
       testing::WriteFile(tmp.Sub("departments.csv"),
                          "department_id,department\n19,frozen\n")},
      {"aisle_id", testing::WriteFile(tmp.Sub("aisles.csv"),
                                      "aisle_id,aisle\n61,ice cream\n")}};
  ASSERT_TRUE(RunIndexer(o, &r).ok());
  {
    auto t2 = TableReader::Open(r.snapshot_dir + "/tables", 1 << 20);
    ASSERT_TRUE(t2.ok());
    ASSERT_TRUE((*t2)->Get(kItemsTable, "ICE", &value).ok());
    rec.ParseFromString(value);
    EXPECT_EQ(rec.category(), "frozen/ice cream");
  }
  o.catalog_lookups.clear();
  o.catalog_columns["category"] = "department+aisle";
  EXPECT_THAT(RunIndexer(o, &r).message(),
              HasSubstr("(part of category) is not in the header"));
}

std::map<std::string, std::string> DumpTables(const std::string& dir) {
  std::map<std::string, std::string> rows;
  auto tables = TableReader::Open(dir + "/tables", 1 << 20);
  EXPECT_TRUE(tables.ok());
  for (const std::string& t : SnapshotTableNames()) {
    EXPECT_TRUE((*tables)
                    ->ForEach(t,
                              [&](absl::string_view k, absl::string_view v) {
                                rows[t + "/" + std::string(k)] = std::string(v);
                                return true;
                              })
                    .ok());
  }
  return rows;
}

TEST(IndexerTest, SameSeedSameSnapshotContents) {
  testing::TempDir tmp;
  std::string csv = "order_id,customer_id,item_id,timestamp,title\n";
  uint64_t x = 7;
  for (int o = 0; o < 400; ++o) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const int customer = static_cast<int>((x >> 33) % 40);
    for (int k = 0; k < 3; ++k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      const int item = static_cast<int>((x >> 33) % 30) + (customer % 2) * 10;
      csv += "o" + std::to_string(o) + ",c" + std::to_string(customer) + ",I" +
             std::to_string(item) + ",2024-01-" + std::to_string(1 + o % 28) +
             ",Item " + std::to_string(item) + "\n";
    }
  }
  const std::string path = testing::WriteFile(tmp.Sub("o.csv"), csv);
  IndexReport a, b;
  IndexerOptions opts = Options(path, tmp.Sub("snaps"));
  opts.cooccurrence.threads = 1;
  ASSERT_TRUE(RunIndexer(opts, &a).ok());
  opts.cooccurrence.threads = 2;
  opts.embeddings.als.threads = 2;
  ASSERT_TRUE(RunIndexer(opts, &b).ok());
  EXPECT_GT(a.similar_pairs, 0);
  auto manifest = ReadManifest(a.snapshot_dir);
  ASSERT_TRUE(manifest.ok());
  EXPECT_THAT(manifest->ann_index(), HasSubstr("Flat"));  // 40 items: exact
  EXPECT_FALSE(manifest->ann_index_reason().empty());
  EXPECT_EQ(manifest->embeddings().factors(), 64);
  auto da = DumpTables(a.snapshot_dir), db = DumpTables(b.snapshot_dir);
  EXPECT_EQ(da.size(), db.size());
  int differ = 0;
  for (const auto& [key, value] : da) {
    if (db[key] != value && ++differ <= 3)
      ADD_FAILURE() << "rows differ: " << key;
  }
  EXPECT_EQ(differ, 0);
  EXPECT_EQ(testing::ReadFileBytes(a.snapshot_dir + "/item_vectors.f32"),
            testing::ReadFileBytes(b.snapshot_dir + "/item_vectors.f32"));
  // A different seed trains different vectors.
  opts.embeddings.als.seed = 43;
  IndexReport c;
  ASSERT_TRUE(RunIndexer(opts, &c).ok());
  EXPECT_NE(testing::ReadFileBytes(a.snapshot_dir + "/item_vectors.f32"),
            testing::ReadFileBytes(c.snapshot_dir + "/item_vectors.f32"));
}

TEST(IndexerTest, ClearErrorsForBadInputFiles) {
  testing::TempDir tmp;
  IndexReport r;
  auto run = [&](const std::string& path) {
    return RunIndexer(Options(path, tmp.Sub("snaps")), &r);
  };
  EXPECT_THAT(run(tmp.Sub("missing.csv")).message(),
              HasSubstr("missing.csv: no such file"));
  EXPECT_THAT(run(testing::WriteFile(tmp.Sub("empty.csv"), "")).message(),
              HasSubstr("empty.csv: file is empty"));
  EXPECT_THAT(
      run(testing::WriteFile(tmp.Sub("nocol.csv"),
                             "order_id,item_id,timestamp\n1,A,2024-01-01\n"))
          .message(),
      HasSubstr("required column 'customer_id'"));
  EXPECT_THAT(
      run(testing::WriteFile(tmp.Sub("header-only.csv"),
                             "order_id,customer_id,item_id,timestamp\n"))
          .message(),
      HasSubstr("has a header but no data lines"));
  EXPECT_THAT(run(testing::WriteFile(tmp.Sub("returns-only.csv"),
                                     "order_id,customer_id,item_id,timestamp,"
                                     "quantity\n1,c,A,2024-01-01,-1\n"))
                  .message(),
              HasSubstr("no usable purchase lines"));
  // A bad --out fails before any input is read.
  IndexerOptions bad_out = Options(tmp.Sub("missing.csv"),
                                   testing::WriteFile(tmp.Sub("a-file"), "x"));
  EXPECT_THAT(RunIndexer(bad_out, &r).message(), HasSubstr("a-file"));
  EXPECT_EQ(r.purchases.lines_read, 0);
  IndexerOptions o = Options(tmp.Sub("o.csv"), tmp.Sub("snaps"));
  testing::WriteFile(tmp.Sub("o.csv"), kShop);
  o.columns = {{"quantity", "Qty"}};
  EXPECT_THAT(RunIndexer(o, &r).message(),
              HasSubstr("'Qty' (mapped to quantity)"));
  EXPECT_FALSE(fs::exists(tmp.Sub("snaps/000001")));
}

}  // namespace
}  // namespace boomerang
