// libFuzzer target: the purchase-file path of the indexer over hostile
// bytes. The input is a whole file: CsvParser (models/csv.h) with the
// delimiter detected from the first line, as the indexer reads it, and every
// record through DecodePurchase (models/purchase_line.h), both with the
// columns named by the first record when it is a usable header and with a
// fixed canonical schema (so that decoding is reached without a header).
//
// Besides crashes and sanitizer reports it checks what the headers promise:
//   - a record parsed without error, written back as RFC 4180 CSV, parses
//     to the same fields (the parser loses or invents nothing; see
//     CheckRoundTrip for the one exception);
//   - record line numbers lie within the lines read, and parsing ends;
//   - a decoded purchase or return has non-empty order and item ids of
//     valid UTF-8, a nonzero finite quantity and, when it has a price, a
//     finite line total (quantity x price).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "models/csv.h"
#include "models/purchase_line.h"

namespace boomerang {
namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "csv_fuzz: invariant broken: %s\n", what);
  std::abort();
}

#define FUZZ_CHECK(cond) \
  if (!(cond)) Fail(#cond)

// ToUtf8 returns valid UTF-8 unchanged, so valid UTF-8 is a fixed point.
bool IsUtf8(const std::string& s) { return ToUtf8(s) == s; }

std::string Quote(const std::vector<std::string>& fields, char delimiter) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(delimiter);
    out.push_back('"');
    for (char c : fields[i]) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out;
}

void CheckRoundTrip(const CsvRecord& record, char delimiter) {
  StringLineSource source(Quote(record.fields, delimiter));
  CsvParser again(&source, delimiter);
  CsvRecord copy;
  CsvStatus status;
  FUZZ_CHECK(again.Next(&copy, &status));
  FUZZ_CHECK(status == CsvStatus::kOk);
  // The one thing a writer cannot express: a field holding "\r\n" (from a
  // CRLF file's "\r\r\n" inside quotes) is written as a line ending in
  // '\r', which the reader takes for a CRLF line end.
  std::vector<std::string> expected = record.fields;
  for (std::string& f : expected) f = absl::StrReplaceAll(f, {{"\r\n", "\n"}});
  FUZZ_CHECK(copy.fields == expected);
}

void CheckDecoded(const DecodeResult& r, const PurchaseLine& line) {
  if (r.kind == LineKind::kBad) {
    FUZZ_CHECK(r.reason != BadReason::kCount);
    return;
  }
  if (r.kind == LineKind::kZeroQuantity) return;
  FUZZ_CHECK(!line.order_id.empty());
  FUZZ_CHECK(!line.item_id.empty());
  FUZZ_CHECK(IsUtf8(line.order_id));
  FUZZ_CHECK(IsUtf8(line.item_id));
  FUZZ_CHECK(IsUtf8(line.customer_id));
  FUZZ_CHECK(IsUtf8(line.title));
  FUZZ_CHECK(std::isfinite(line.quantity) && line.quantity != 0);
  FUZZ_CHECK(!line.has_price || std::isfinite(line.quantity * line.price));
  FUZZ_CHECK((r.kind == LineKind::kReturn) ==
             (line.quantity < 0 || line.order_id.rfind("C", 0) == 0));
}

ColumnIndex CanonicalColumns() {
  std::vector<std::string> header = AllPurchaseColumns();
  auto index = ColumnIndex::Resolve(header, RequiredPurchaseColumns(),
                                    OptionalPurchaseColumns(), {});
  if (!index.ok()) Fail("the canonical header does not resolve");
  return *index;
}

}  // namespace
}  // namespace boomerang

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace boomerang;
  static const ColumnIndex kCanonical = CanonicalColumns();
  DecodeOptions options;
  options.cancel_order_prefix = "C";

  StringLineSource source(
      std::string(reinterpret_cast<const char*>(data), size));
  CsvParser parser(&source);
  const char delimiter = parser.DetectDelimiter();
  FUZZ_CHECK(delimiter == ',' || delimiter == ';' || delimiter == '\t' ||
             delimiter == '|');

  bool first = true;
  bool has_header = false;
  ColumnIndex header_columns;
  CsvRecord record;
  CsvStatus status;
  int64_t records = 0;
  while (parser.Next(&record, &status)) {
    FUZZ_CHECK(++records <= parser.lines_read());
    FUZZ_CHECK(record.line_number >= 1 &&
               record.line_number <= parser.lines_read());
    if (status != CsvStatus::kOk) continue;
    CheckRoundTrip(record, delimiter);
    // What the indexer does with the header: messages describe it.
    if (first) {
      first = false;
      (void)DescribeHeader(record.fields);
      auto resolved =
          ColumnIndex::Resolve(record.fields, RequiredPurchaseColumns(),
                               OptionalPurchaseColumns(), {});
      if (resolved.ok()) {
        header_columns = *resolved;
        has_header = true;
        continue;
      }
    }
    PurchaseLine line;
    CheckDecoded(DecodePurchase(record, kCanonical, options, &line), line);
    if (has_header) {
      PurchaseLine mapped;
      CheckDecoded(DecodePurchase(record, header_columns, options, &mapped),
                   mapped);
    }
  }
  return 0;
}
