#include "models/purchase_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace boomerang {
namespace {

using ::testing::HasSubstr;

ColumnIndex RetailColumns() {
  auto mapping = ParseColumnMappings(
      {"order_id=InvoiceNo", "item_id=StockCode", "customer_id=CustomerID",
       "timestamp=InvoiceDate", "quantity=Quantity", "price=UnitPrice"},
      AllPurchaseColumns());
  EXPECT_TRUE(mapping.ok());
  auto idx = ColumnIndex::Resolve(
      {"InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
       "UnitPrice", "CustomerID", "Country"},
      RequiredPurchaseColumns(), OptionalPurchaseColumns(), *mapping);
  EXPECT_TRUE(idx.ok()) << idx.status();
  return *idx;
}

DecodeResult Decode(std::vector<std::string> fields, PurchaseLine* line,
                    std::string cancel_prefix = "C") {
  CsvRecord rec;
  rec.fields = std::move(fields);
  rec.line_number = 7;
  DecodeOptions opts;
  opts.cancel_order_prefix = cancel_prefix;
  return DecodePurchase(rec, RetailColumns(), opts, line);
}

TEST(PurchaseLineTest, DecodesAnOnlineRetailLine) {
  PurchaseLine line;
  DecodeResult r = Decode({"536365", "85123A", "WHITE HANGING HEART", "6",
                           "2010-12-01 08:26:00", "2.55", "17850.0", "UK"},
                          &line);
  EXPECT_EQ(r.kind, LineKind::kPurchase);
  EXPECT_EQ(line.order_id, "536365");
  EXPECT_EQ(line.item_id, "85123A");
  EXPECT_EQ(line.customer_id, "17850");  // float-formatted id normalised
  EXPECT_EQ(line.quantity, 6);
  EXPECT_DOUBLE_EQ(line.price, 2.55);
  EXPECT_TRUE(line.has_price);
}

TEST(PurchaseLineTest, EmptyCustomerIsAGuestNotAnError) {
  PurchaseLine line;
  DecodeResult r = Decode(
      {"536365", "85123A", "", "6", "2010-12-01 08:26:00", "2.55", "", "UK"},
      &line);
  EXPECT_EQ(r.kind, LineKind::kPurchase);
  EXPECT_TRUE(line.customer_id.empty());
}

TEST(PurchaseLineTest, ReturnsFromNegativeQuantityOrCancelPrefix) {
  PurchaseLine line;
  EXPECT_EQ(
      Decode({"536365", "X", "", "-2", "2010-12-01", "1", "1", ""}, &line).kind,
      LineKind::kReturn);
  EXPECT_EQ(
      Decode({"C536379", "X", "", "1", "2010-12-01", "1", "1", ""}, &line).kind,
      LineKind::kReturn);
  // Without a cancel prefix, "C..." is an ordinary order.
  EXPECT_EQ(
      Decode({"C536379", "X", "", "1", "2010-12-01", "1", "1", ""}, &line, "")
          .kind,
      LineKind::kPurchase);
}

TEST(PurchaseLineTest, EveryBadReasonNamesTheField) {
  PurchaseLine line;
  struct Case {
    std::vector<std::string> fields;
    BadReason reason;
    std::string field;
  };
  const std::string big(300, 'x');
  const Case cases[] = {
      {{"1", "X", "", "1", "2010-12-01"}, BadReason::kFieldCount, ""},
      {{"", "X", "", "1", "2010-12-01", "1", "1", ""},
       BadReason::kMissingField,
       "order_id"},
      {{"1", "", "", "1", "2010-12-01", "1", "1", ""},
       BadReason::kMissingField,
       "item_id"},
      {{"1", "X", "", "1", "", "1", "1", ""},
       BadReason::kMissingField,
       "timestamp"},
      {{"1", "X", "", "six", "2010-12-01", "1", "1", ""},
       BadReason::kBadNumber,
       "quantity"},
      {{"1", "X", "", "1", "2010-12-01", "1,5", "1", ""},
       BadReason::kBadNumber,
       "price"},
      {{"1", "X", "", "1", "2010-13-01", "1", "1", ""},
       BadReason::kBadTimestamp,
       "timestamp"},
      {{"1", big, "", "1", "2010-12-01", "1", "1", ""},
       BadReason::kFieldTooLong,
       "item_id"},
  };
  for (const Case& c : cases) {
    DecodeResult r = Decode(c.fields, &line);
    EXPECT_EQ(r.kind, LineKind::kBad);
    EXPECT_EQ(r.reason, c.reason) << r.detail;
    EXPECT_EQ(r.field, c.field) << r.detail;
    EXPECT_FALSE(r.detail.empty());
  }
  // The message uses the user's header name.
  DecodeResult r =
      Decode({"1", "X", "", "six", "2010-12-01", "1", "1", ""}, &line);
  EXPECT_THAT(r.detail, HasSubstr("Quantity 'six'"));
  EXPECT_EQ(BadReasonName(BadReason::kBrokenQuote), "broken_quote");
}

TEST(PurchaseLineTest, ImplausibleTimestampsAreBadTimestamps) {
  // Numeric garbage: every field a small number, the timestamp "5" being
  // unix seconds in 1970.
  PurchaseLine line;
  DecodeResult r =
      Decode({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}, &line);
  EXPECT_EQ(r.kind, LineKind::kBad);
  EXPECT_EQ(r.reason, BadReason::kBadTimestamp);
  EXPECT_EQ(r.field, "timestamp");
  EXPECT_EQ(r.detail,
            "InvoiceDate '5' is 1970-01-01T00:00:05Z, before --min-date "
            "1990-01-01");

  CsvRecord rec;
  rec.line_number = 2;
  DecodeOptions opts;
  opts.min_timestamp = 946684800;  // 2000-01-01
  // 2024-06-01T12:00:00Z, as if the clock read that.
  opts.max_timestamp = MaxPlausibleTimestamp(1717243200);
  auto decode = [&](const std::string& ts) {
    rec.fields = {"536365", "85123A", "", "6", ts, "2.55", "17850", "UK"};
    return DecodePurchase(rec, RetailColumns(), opts, &line);
  };
  EXPECT_EQ(decode("2000-01-01").kind, LineKind::kPurchase);
  EXPECT_EQ(decode("2024-06-02T11:59:59Z").kind, LineKind::kPurchase);
  r = decode("1999-12-31T23:59:59Z");
  EXPECT_EQ(r.reason, BadReason::kBadTimestamp);
  EXPECT_THAT(r.detail, HasSubstr("before --min-date 2000-01-01"));
  r = decode("2024-06-02T12:00:01Z");
  EXPECT_EQ(r.reason, BadReason::kBadTimestamp);
  EXPECT_THAT(r.detail, HasSubstr("more than a day after the clock"));
  // Milliseconds read as seconds land tens of thousands of years ahead:
  // the parser already refuses them as too large.
  EXPECT_EQ(decode("1717243200000").reason, BadReason::kBadTimestamp);
  EXPECT_EQ(FormatDateLimit(631152000), "1990-01-01");
  EXPECT_EQ(FormatDateLimit(631152001), "1990-01-01T00:00:01Z");
}

TEST(PurchaseLineTest, LineTotalGivesTheUnitPrice) {
  auto idx = ColumnIndex::Resolve(
      {"basket", "household", "product", "ts", "qty", "sales_value"},
      RequiredPurchaseColumns(), OptionalPurchaseColumns(),
      {{"order_id", "basket"},
       {"customer_id", "household"},
       {"item_id", "product"},
       {"timestamp", "ts"},
       {"quantity", "qty"},
       {"amount", "sales_value"}});
  ASSERT_TRUE(idx.ok()) << idx.status();
  CsvRecord rec;
  rec.fields = {"b1", "h1", "p1", "2017-01-28 14:06:53-05:00", "2", "3.00"};
  PurchaseLine line;
  EXPECT_EQ(DecodePurchase(rec, *idx, {}, &line).kind, LineKind::kPurchase);
  EXPECT_TRUE(line.has_price);
  EXPECT_DOUBLE_EQ(line.price, 1.5);
  EXPECT_EQ(line.timestamp, 1485630413);  // 19:06:53Z
}

// Found by tests/fuzz/csv_fuzz: finite numbers whose unit price or line
// total is not finite (1e300 / 1e-300) made an infinite price or revenue.
TEST(PurchaseLineTest, NonFinitePriceOrLineTotalIsABadNumber) {
  auto idx =
      ColumnIndex::Resolve(AllPurchaseColumns(), RequiredPurchaseColumns(),
                           OptionalPurchaseColumns(), {});
  ASSERT_TRUE(idx.ok()) << idx.status();
  PurchaseLine line;
  CsvRecord rec;
  // order_id, customer_id, item_id, timestamp, quantity, price, amount, title
  rec.fields = {"o1", "c1", "i1", "2024-01-01", "1e-300", "", "1e300", ""};
  DecodeResult r = DecodePurchase(rec, *idx, {}, &line);
  EXPECT_EQ(r.kind, LineKind::kBad);
  EXPECT_EQ(r.reason, BadReason::kBadNumber);
  EXPECT_EQ(r.field, "amount");
  rec.fields = {"o1", "c1", "i1", "2024-01-01", "1e300", "1e300", "", ""};
  r = DecodePurchase(rec, *idx, {}, &line);
  EXPECT_EQ(r.kind, LineKind::kBad);
  EXPECT_EQ(r.reason, BadReason::kBadNumber);
  EXPECT_EQ(r.field, "price");
  // Large but finite totals are fine.
  rec.fields = {"o1", "c1", "i1", "2024-01-01", "1e6", "1e6", "", ""};
  EXPECT_EQ(DecodePurchase(rec, *idx, {}, &line).kind, LineKind::kPurchase);
  EXPECT_DOUBLE_EQ(line.price, 1e6);
}

TEST(PurchaseLineTest, ZeroQuantityIsSkippedNotBad) {
  PurchaseLine line;
  EXPECT_EQ(Decode({"1", "X", "", "0", "2010-12-01", "1", "1", ""}, &line).kind,
            LineKind::kZeroQuantity);
}

TEST(PurchaseLineTest, NumbersAllowCurrencySymbolsButNotHexOrCommas) {
  double v = 0;
  EXPECT_TRUE(
      ParseNumber("\xC2\xA3"
                  "9.99",
                  &v));  // £9.99
  EXPECT_DOUBLE_EQ(v, 9.99);
  EXPECT_TRUE(ParseNumber("9.99 \xE2\x82\xAC", &v));  // 9.99 €
  EXPECT_TRUE(ParseNumber("$ 3", &v));
  EXPECT_DOUBLE_EQ(v, 3);
  EXPECT_TRUE(ParseNumber(" -2.5e1 ", &v));
  EXPECT_DOUBLE_EQ(v, -25);
  for (const char* bad : {"0x10", "1,5", "inf", "nan", "", "12abc", "$"}) {
    EXPECT_FALSE(ParseNumber(bad, &v)) << bad;
  }
}

TEST(PurchaseLineTest, NonUtf8TextIsConvertedFromWindows1252) {
  EXPECT_EQ(ToUtf8("Caf\xE9 cr\xE8me"), "Caf\xC3\xA9 cr\xC3\xA8me");
  EXPECT_EQ(ToUtf8("\x80"
                   "5"),
            "\xE2\x82\xAC"
            "5");  // the euro sign
  EXPECT_EQ(ToUtf8("already \xC3\xA9"), "already \xC3\xA9");
  EXPECT_EQ(ToUtf8("\xED\xA0\x80"),
            "\xC3\xAD\xC2\xA0\xE2\x82\xAC");  // a surrogate
  PurchaseLine line;
  Decode({"1", "CAF\xC9", "Caf\xE9 mug", "1", "2010-12-01", "1", "7", ""},
         &line);
  EXPECT_EQ(line.item_id, "CAF\xC3\x89");
}

TEST(PurchaseLineTest, MappingErrorsAreClear) {
  auto bad_syntax = ParseColumnMappings({"order_id"}, AllPurchaseColumns());
  EXPECT_THAT(bad_syntax.status().message(),
              HasSubstr("canonical=TheirHeaderName"));
  auto unknown = ParseColumnMappings({"sku=StockCode"}, AllPurchaseColumns());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown column 'sku'"));

  auto missing = ColumnIndex::Resolve({"order_id", "item_id", "timestamp"},
                                      RequiredPurchaseColumns(),
                                      OptionalPurchaseColumns(), {});
  EXPECT_THAT(missing.status().message(),
              HasSubstr("required column 'customer_id' is not in the header"));
  auto not_in_header =
      ColumnIndex::Resolve({"order_id", "item_id", "timestamp", "customer_id"},
                           RequiredPurchaseColumns(), OptionalPurchaseColumns(),
                           {{"quantity", "Qty"}});
  EXPECT_THAT(not_in_header.status().message(), HasSubstr("'Qty'"));
}

TEST(PurchaseLineTest, CanonicalHeaderNeedsNoMapping) {
  auto idx = ColumnIndex::Resolve(
      {"order_id", "customer_id", "item_id", "timestamp"},
      RequiredPurchaseColumns(), OptionalPurchaseColumns(), {});
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->Position("quantity"), -1);
  EXPECT_EQ(idx->Position("item_id"), 2);
}

TEST(PurchaseLineTest, NormalizeIdOnlyStripsFloatZeros) {
  EXPECT_EQ(NormalizeId("17850.0"), "17850");
  EXPECT_EQ(NormalizeId("17850.5"), "17850.5");
  EXPECT_EQ(NormalizeId("A17.0"), "A17.0");
  EXPECT_EQ(NormalizeId(" 42 "), "42");
}

}  // namespace
}  // namespace boomerang
