#include "models/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace boomerang {
namespace {

using ::testing::ElementsAre;

struct Parsed {
  std::vector<std::vector<std::string>> records;
  std::vector<int64_t> lines;
  std::vector<CsvStatus> statuses;
};

Parsed ParseAll(const std::string& text) {
  StringLineSource src(text);
  CsvParser parser(&src);
  Parsed out;
  CsvRecord rec;
  CsvStatus st;
  while (parser.Next(&rec, &st)) {
    out.records.push_back(rec.fields);
    out.lines.push_back(rec.line_number);
    out.statuses.push_back(st);
  }
  return out;
}

TEST(CsvParserTest, SplitsPlainFields) {
  Parsed p = ParseAll("a,b,c\n1,2,3\n");
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_THAT(p.records[1], ElementsAre("1", "2", "3"));
  EXPECT_THAT(p.lines, ElementsAre(1, 2));
}

TEST(CsvParserTest, QuotedFieldsWithCommasAndDoubledQuotes) {
  Parsed p = ParseAll("1,\"SET OF 3, \"\"RED\"\" HEARTS\",2\n");
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.statuses[0], CsvStatus::kOk);
  EXPECT_THAT(p.records[0], ElementsAre("1", "SET OF 3, \"RED\" HEARTS", "2"));
}

TEST(CsvParserTest, EmptyFieldsAndTrailingDelimiter) {
  Parsed p = ParseAll("a,,c,\n");
  EXPECT_THAT(p.records[0], ElementsAre("a", "", "c", ""));
}

TEST(CsvParserTest, CrLfAndBomAndBlankLines) {
  Parsed p = ParseAll("\xEF\xBB\xBFid,name\r\n\r\n1,x\r\n");
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_THAT(p.records[0], ElementsAre("id", "name"));
  EXPECT_THAT(p.records[1], ElementsAre("1", "x"));
  EXPECT_EQ(p.lines[1], 3);
}

TEST(CsvParserTest, DetectsSemicolonAndTabDelimiters) {
  for (char d : {';', '\t', ','}) {
    std::string text = std::string("a") + d + "\"b" + d + "c\"" + d + "d\n1" +
                       d + "2" + d + "3\n";
    StringLineSource src(text);
    CsvParser parser(&src);
    EXPECT_EQ(parser.DetectDelimiter(), d);
    CsvRecord rec;
    CsvStatus st;
    ASSERT_TRUE(parser.Next(&rec, &st));
    EXPECT_EQ(rec.line_number, 1);
    EXPECT_THAT(rec.fields, ElementsAre("a", std::string("b") + d + "c", "d"));
    ASSERT_TRUE(parser.Next(&rec, &st));
    EXPECT_THAT(rec.fields, ElementsAre("1", "2", "3"));
    EXPECT_EQ(parser.lines_read(), 2);
  }
}

TEST(CsvParserTest, QuotedFieldSpanningLines) {
  Parsed p = ParseAll("1,\"two\nlines\",3\n4,5,6\n");
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_THAT(p.records[0], ElementsAre("1", "two\nlines", "3"));
  EXPECT_EQ(p.lines[0], 1);
  EXPECT_EQ(p.lines[1], 3);
}

TEST(CsvParserTest, TextAfterClosingQuoteIsBroken) {
  Parsed p = ParseAll("1,\"abc\"def,3\n4,5,6\n");
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.statuses[0], CsvStatus::kBrokenQuote);
  EXPECT_EQ(p.statuses[1], CsvStatus::kOk);
  EXPECT_THAT(p.records[1], ElementsAre("4", "5", "6"));
}

TEST(CsvParserTest, UnclosedQuoteDoesNotSwallowTheRestOfTheFile) {
  std::string text = "1,\"never closed,3\n";
  for (int i = 0; i < 20; ++i) text += "x" + std::to_string(i) + ",y,z\n";
  Parsed p = ParseAll(text);
  ASSERT_GE(p.records.size(), 20u);
  EXPECT_EQ(p.statuses[0], CsvStatus::kBrokenQuote);
  EXPECT_EQ(p.lines[0], 1);
  // Every following line is read again as a record of its own.
  EXPECT_EQ(p.records.size(), 21u);
  EXPECT_THAT(p.records[1], ElementsAre("x0", "y", "z"));
  EXPECT_EQ(p.lines[1], 2);
  EXPECT_EQ(p.lines.back(), 21);
}

TEST(CsvParserTest, BrokenQuoteDoesNotSwallowTheLinesReadAhead) {
  // An unescaped inch mark opens a quote; a later line closes it with text
  // after it. Every following line must still be read as its own record.
  Parsed p =
      ParseAll("o1,\"TV 55\"\" screen,1\nMUG,2,3\nCUP,\"ok\",4\nPLATE,5,6\n");
  ASSERT_EQ(p.records.size(), 4u);
  EXPECT_EQ(p.statuses[0], CsvStatus::kBrokenQuote);
  EXPECT_THAT(p.records[1], ElementsAre("MUG", "2", "3"));
  EXPECT_THAT(p.records[2], ElementsAre("CUP", "ok", "4"));
  EXPECT_THAT(p.lines, ElementsAre(1, 2, 3, 4));
}

TEST(CsvParserTest, OverlongLinesAreReportedNotParsed) {
  Parsed p = ParseAll(
      "a,b\n" + std::string(CsvParser::kMaxRecordBytes + 1, 'x') + "\nc,d\n");
  ASSERT_EQ(p.records.size(), 3u);
  EXPECT_EQ(p.statuses[1], CsvStatus::kTooLong);
  EXPECT_EQ(p.lines[1], 2);
  EXPECT_THAT(p.records[2], ElementsAre("c", "d"));
}

TEST(CsvParserTest, UnclosedQuoteAtEndOfInput) {
  Parsed p = ParseAll("a,b\n1,\"open");
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.statuses[1], CsvStatus::kBrokenQuote);
}

}  // namespace
}  // namespace boomerang
