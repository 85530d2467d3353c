#include "indexer/file_line_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> ReadAll(LineSource* src) {
  std::vector<std::string> lines;
  std::string line;
  while (src->NextLine(&line)) lines.push_back(line);
  return lines;
}

TEST(FileLineSourceTest, ReadsPlainAndGzippedFilesAlike) {
  testing::TempDir tmp;
  const std::string text = "a,b\n1,2\nlast-without-newline";
  for (const std::string& path :
       {testing::WriteFile(tmp.Sub("x.csv"), text),
        testing::WriteGzFile(tmp.Sub("x.csv.gz"), text)}) {
    auto src = FileLineSource::Open(path);
    ASSERT_TRUE(src.ok()) << src.status();
    EXPECT_THAT(ReadAll(src->get()),
                ::testing::ElementsAre("a,b", "1,2", "last-without-newline"));
    EXPECT_EQ((*src)->error(), "");
  }
}

TEST(FileLineSourceTest, LongLinesSurviveBufferRefills) {
  testing::TempDir tmp;
  std::string longline(FileLineSource::kMaxLineBytes - 10, 'x');
  auto src = FileLineSource::Open(
      testing::WriteFile(tmp.Sub("long.csv"), "h\n" + longline + "\nz\n"));
  ASSERT_TRUE(src.ok());
  auto lines = ReadAll(src->get());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].size(), longline.size());
}

TEST(FileLineSourceTest, OverlongLinesAreCutNotBuffered) {
  testing::TempDir tmp;
  std::string huge(5 * FileLineSource::kMaxLineBytes, 'x');
  auto src = FileLineSource::Open(
      testing::WriteGzFile(tmp.Sub("huge.csv.gz"), "h\n" + huge + "\nz\n"));
  ASSERT_TRUE(src.ok());
  auto lines = ReadAll(src->get());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].size(), FileLineSource::kMaxLineBytes);
  EXPECT_EQ(lines[2], "z");
}

TEST(FileLineSourceTest, ClearErrorsForMissingEmptyAndDirectory) {
  testing::TempDir tmp;
  EXPECT_THAT(FileLineSource::Open(tmp.Sub("nope.csv")).status().message(),
              HasSubstr("nope.csv: no such file"));
  EXPECT_THAT(FileLineSource::Open(testing::WriteFile(tmp.Sub("e.csv"), ""))
                  .status()
                  .message(),
              HasSubstr("file is empty"));
  EXPECT_THAT(FileLineSource::Open(tmp.path()).status().message(),
              HasSubstr("is a directory"));
}

TEST(FileLineSourceTest, TruncatedGzipIsAnError) {
  testing::TempDir tmp;
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "line " + std::to_string(i * 7919) + "\n";
  std::string gz = testing::WriteGzFile(tmp.Sub("t.csv.gz"), text);
  std::filesystem::resize_file(gz, std::filesystem::file_size(gz) / 2);
  auto src = FileLineSource::Open(gz);
  ASSERT_TRUE(src.ok());
  ReadAll(src->get());
  EXPECT_NE((*src)->error(), "");
}

}  // namespace
}  // namespace boomerang
