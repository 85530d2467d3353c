#include "models/snapshot/internal/tables.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace boomerang {
namespace {

TEST(TablesTest, WriteThenReadBack) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("db");
  {
    auto w = TableWriter::Create(dir);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE(
        (*w)->WriteTable(kItemsTable, {{"b", "2"}, {"a", "1"}, {"c", "3"}})
            .ok());
    ASSERT_TRUE((*w)->WriteTable(kFbtTable, {{"a", "x"}}).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto r = TableReader::Open(dir, 1 << 20);
  ASSERT_TRUE(r.ok()) << r.status();
  std::string v;
  ASSERT_TRUE((*r)->Get(kItemsTable, "b", &v).ok());
  EXPECT_EQ(v, "2");
  EXPECT_TRUE(absl::IsNotFound((*r)->Get(kItemsTable, "zz", &v)));
  EXPECT_TRUE(absl::IsNotFound((*r)->Get(kMetaTable, "a", &v)));
  EXPECT_TRUE(absl::IsInvalidArgument((*r)->Get("nope", "a", &v)));
  std::string keys;
  ASSERT_TRUE((*r)->ForEach(kItemsTable,
                            [&](absl::string_view k, absl::string_view) {
                              keys += std::string(k);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(keys, "abc");
  EXPECT_TRUE((*r)->Warm().ok());
}

TEST(TablesTest, DuplicateKeysAreRejected) {
  testing::TempDir tmp;
  auto w = TableWriter::Create(tmp.Sub("db"));
  ASSERT_TRUE(w.ok());
  absl::Status s = (*w)->WriteTable(kItemsTable, {{"a", "1"}, {"a", "2"}});
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_NE(s.message().find("duplicate key 'a'"), absl::string_view::npos);
}

TEST(TablesTest, OpeningAMissingDatabaseFails) {
  testing::TempDir tmp;
  auto r = TableReader::Open(tmp.Sub("absent"), 1 << 20);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace boomerang
