#include "tools/events_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "models/item_exclusion.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

std::string Dir() {
  const std::string dir = ::testing::TempDir() + "/events_command_test";
  std::filesystem::create_directories(dir);
  return dir;
}

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = Dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Online Retail's columns, as the README maps them.
EventsFromPurchasesOptions OnlineRetailOptions(const std::string& purchases) {
  EventsFromPurchasesOptions options;
  options.input.purchases_path = purchases;
  options.input.columns = {
      {"order_id", "InvoiceNo"}, {"item_id", "StockCode"},
      {"quantity", "Quantity"},  {"timestamp", "InvoiceDate"},
      {"price", "UnitPrice"},    {"customer_id", "CustomerID"}};
  options.input.cancel_order_prefix = "C";
  options.input.excluded_item_patterns = DefaultExcludedItemPatterns();
  options.after = 1320105600;  // 2011-11-01T00:00:00Z
  options.out_path = Dir() + "/events.jsonl";
  return options;
}

constexpr char kExport[] =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
    "CustomerID\n"
    "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850\n"  // before
    "581475,22596,STAR,12,2011-12-09 12:39:00,0.39,13069\n"
    "C581490,22178,CANDLE,-12,2011-12-09 09:57:00,1.95,14397\n"  // return
    "581492,23562,TIN,1,2011-12-09 10:03:00,2.46,\n"             // guest
    "581493,POST,POSTAGE,1,2011-12-09 10:05:00,18.00,12423\n"    // excluded
    "581494,22423,CAKE,abc,2011-12-09 10:06:00,12.75,12423\n"    // bad
    "581495,21731,LIGHT,2,2011-12-01 10:00:00,1.65,12423\n";     // earlier

TEST(EventsFromPurchasesTest, PurchasesAfterTheCutOffBecomeEventsInTimeOrder) {
  EventsFromPurchasesOptions options =
      OnlineRetailOptions(Write("export.csv", kExport));
  options.input.max_bad_share = 0.5;
  auto result = EventsFromPurchases(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows, 7);
  EXPECT_EQ(result->events, 2);
  EXPECT_EQ(result->before, 1);
  EXPECT_EQ(result->returns, 1);
  EXPECT_EQ(result->guests, 1);
  EXPECT_EQ(result->excluded, 1);
  EXPECT_EQ(result->bad, 1);
  EXPECT_THAT(result->first_bad, HasSubstr("export.csv:7: quantity"));

  std::vector<v1::Event> events;
  for (absl::string_view line :
       absl::StrSplit(Read(options.out_path), '\n', absl::SkipEmpty())) {
    v1::Event e;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(std::string(line), &e).ok())
        << line;
    events.push_back(e);
  }
  ASSERT_EQ(events.size(), 2u);
  // The export's later line comes first: it happened first.
  EXPECT_EQ(events[0].order_id(), "581495");
  EXPECT_EQ(events[0].idempotency_key(), "purchase:581495:8");
  EXPECT_EQ(events[0].type(), v1::Event::PURCHASE);
  EXPECT_EQ(events[0].customer_id(), "12423");
  EXPECT_EQ(events[0].item_id(), "21731");
  EXPECT_DOUBLE_EQ(events[0].quantity(), 2);
  EXPECT_DOUBLE_EQ(events[0].price(), 1.65);
  EXPECT_EQ(events[1].idempotency_key(), "purchase:581475:3");
  EXPECT_LT(events[0].timestamp().seconds(), events[1].timestamp().seconds());
}

TEST(EventsFromPurchasesTest, TooManyBadLinesNameTheFirst) {
  auto result =
      EventsFromPurchases(OnlineRetailOptions(Write("bad.csv", kExport)));
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("bad.csv:7: quantity"));
}

TEST(EventsFromPurchasesTest, AMissingColumnIsNamed) {
  auto result = EventsFromPurchases(
      OnlineRetailOptions(Write("no_customer.csv",
                                "InvoiceNo,StockCode,Quantity,InvoiceDate\n"
                                "1,A,1,2011-12-09 12:39:00\n")));
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("no_customer.csv"));
}

// A bad line stops the push before any call: the stub is null and would
// crash if used.
TEST(PushEventsTest, BadLinesAreRefusedBeforeAnythingIsSent) {
  const std::string good =
      R"({"type":"VIEW","customer_id":"C1","item_id":"A",)"
      R"("timestamp":"2026-01-01T00:00:00Z","idempotency_key":"k1"})";
  struct Case {
    std::string second_line;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"({"type":"LOOK","customer_id":"C1"})", "f.jsonl:3: "},
      {R"({"type":"VIEW","customer":"C1"})", "customer"},
      {R"({"type":"VIEW","customer_id":"C1","item_id":"A",)"
       R"("timestamp":"2026-01-01T00:00:00Z"})",
       "f.jsonl:3: idempotency_key is empty"},
      {R"({"customer_id":"C1","item_id":"A","idempotency_key":"k",)"
       R"("timestamp":"2026-01-01T00:00:00Z"})",
       "f.jsonl:3: type is missing"},
      {R"({"type":"VIEW","customer_id":"C1","item_id":"A",)"
       R"("idempotency_key":"k"})",
       "f.jsonl:3: timestamp is missing"},
      {"not json at all", "f.jsonl:3: not a boomerang.v1.Event"},
  };
  for (const Case& c : cases) {
    PushEventsOptions options;
    options.path = Write("f.jsonl", good + "\n\n" + c.second_line + "\n");
    auto result = PushEvents(nullptr, options, {});
    ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << c.second_line;
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(c.expected))
        << c.second_line;
  }
  PushEventsOptions options;
  options.path = Write("empty.jsonl", "\n");
  EXPECT_EQ(PushEvents(nullptr, options, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.path = Dir() + "/missing.jsonl";
  EXPECT_FALSE(PushEvents(nullptr, options, {}).ok());
  options.path = Write("f.jsonl", good + "\n");
  options.batch = 0;
  EXPECT_EQ(PushEvents(nullptr, options, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace boomerang
