// Turning CSV records of an order export into purchase lines.
//
// A PurchaseSchema maps the canonical columns (order_id, customer_id,
// item_id, timestamp required; quantity, price optional) to the positions of
// the user's header names, following `--column canonical=TheirName`.
// Optional columns: quantity, price (unit price), amount (line total, used
// for the unit price when there is no price column), title.
// DecodePurchase() then classifies each record as a purchase, a return, or a
// bad line with a reason and the offending field. Excluding non-product
// items is the caller's job (see item_exclusion.h).
//
// Thread-safety: PurchaseSchema is immutable after Resolve(); DecodePurchase
// is a pure function.
#ifndef BOOMERANG_MODELS_PURCHASE_LINE_H_
#define BOOMERANG_MODELS_PURCHASE_LINE_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "models/csv.h"

namespace boomerang {

// Why a line was skipped. Stable names (BadReasonName) appear in summaries.
enum class BadReason {
  kBrokenQuote = 0,  // CSV quoting is broken
  kFieldCount,       // fewer fields than the header's mapped columns need
  kMissingField,     // a required field is empty
  kBadNumber,        // quantity or price is not a number (or zero quantity)
  kBadTimestamp,     // timestamp does not parse
  kFieldTooLong,     // an id longer than kMaxIdBytes, or a record too long
  kCount,
};
inline constexpr int kNumBadReasons = static_cast<int>(BadReason::kCount);
absl::string_view BadReasonName(BadReason reason);

// Ids longer than this are rejected (they are not ids, and they would be
// rejected by the server's request limits anyway).
inline constexpr size_t kMaxIdBytes = 256;

// Parses "canonical=TheirName" mapping flags into a map, checking the
// canonical names. `allowed` lists the valid canonical names.
absl::StatusOr<std::map<std::string, std::string>> ParseColumnMappings(
    const std::vector<std::string>& flags,
    const std::vector<std::string>& allowed);

// Resolves canonical column names to positions in a header.
class ColumnIndex {
 public:
  // `required` and `optional` are canonical names; `mapping` renames some of
  // them to header names. Fails (one clear message) when a required column
  // is missing from the header or a mapped name is not in it.
  static absl::StatusOr<ColumnIndex> Resolve(
      const std::vector<std::string>& header,
      const std::vector<std::string>& required,
      const std::vector<std::string>& optional,
      const std::map<std::string, std::string>& mapping);

  // Position of a canonical column, or -1 when absent (optional only).
  int Position(absl::string_view canonical) const;
  // Number of fields a record must have to contain every resolved column.
  int min_fields() const { return min_fields_; }
  // The header name a canonical column was read from (for messages).
  std::string HeaderName(absl::string_view canonical) const;

 private:
  std::map<std::string, int, std::less<>> positions_;
  std::map<std::string, std::string, std::less<>> header_names_;
  int min_fields_ = 0;
};

struct PurchaseLine {
  std::string order_id;
  std::string customer_id;  // empty: a guest order
  std::string item_id;
  std::string title;      // optional free text (e.g. Online Retail Description)
  int64_t timestamp = 0;  // unix seconds
  double quantity = 1;    // 1 when the column is absent
  double price = 0;
  bool has_price = false;
};

// kZeroQuantity: a line with quantity 0 (seen in real exports as
// placeholders); skipped and counted, but not a sign of a broken file.
enum class LineKind { kPurchase, kReturn, kZeroQuantity, kBad };

struct DecodeResult {
  LineKind kind = LineKind::kPurchase;
  BadReason reason = BadReason::kCount;  // set when kind == kBad
  std::string field;                     // canonical field name when kBad
  std::string detail;                    // what was wrong, for messages
};

// 1990-01-01T00:00:00Z, the default earliest plausible purchase (--min-date).
inline constexpr int64_t kDefaultMinTimestamp = 631152000;

struct DecodeOptions {
  // Orders whose id starts with this prefix are cancellations: their lines
  // are returns (Online Retail uses "C"). Empty: none.
  std::string cancel_order_prefix;
  // A purchase is dated in [min_timestamp, max_timestamp] (unix seconds);
  // outside, the line is a bad_timestamp. Numeric garbage such as
  // "1,2,3,4,5,..." parses ("5" as unix seconds in 1970), and a date far
  // ahead is a typo or a clock in milliseconds: either would stretch the
  // data span (a report drew 504 months from 1970) instead of being
  // counted against --max-bad-share. The decoder reads no clock: callers
  // pass MaxPlausibleTimestamp(now); the default leaves the future open.
  int64_t min_timestamp = kDefaultMinTimestamp;
  int64_t max_timestamp = INT64_MAX;
};

// The latest plausible purchase time for a clock reading `now`: a day after
// it, so that time zones and a clock a little behind never reject a real
// order.
inline int64_t MaxPlausibleTimestamp(int64_t now) { return now + 86400; }

// "1990-01-01" for a midnight, else the RFC 3339 time (for messages about
// --min-date).
std::string FormatDateLimit(int64_t unix_seconds);

// The canonical purchase columns.
const std::vector<std::string>& RequiredPurchaseColumns();
const std::vector<std::string>& OptionalPurchaseColumns();
// Required then optional: every name `--column` accepts.
std::vector<std::string> AllPurchaseColumns();

// Decodes one record. A negative quantity, or an order id with the cancel
// prefix, makes a return. A timestamp outside the options' range is a
// bad_timestamp whose detail says which limit it crossed. Text that is not
// valid UTF-8 is read as Windows-1252 (what spreadsheet exports usually are)
// and converted.
DecodeResult DecodePurchase(const CsvRecord& record, const ColumnIndex& columns,
                            const DecodeOptions& options, PurchaseLine* out);

// Parses a decimal number ("3.50", "-2", "1e3", " 4 "), allowing a currency
// symbol before or after it ("£9.99", "9.99 €"); false if it is not one
// (hex, "1,5", "inf" and "nan" are not).
bool ParseNumber(absl::string_view text, double* out);

// `text` itself when it is valid UTF-8; otherwise `text` read as
// Windows-1252 and converted to UTF-8 (bytes it leaves undefined become
// U+FFFD). The result is always valid UTF-8.
std::string ToUtf8(absl::string_view text);

// A header list for messages: the names, cut short when long.
std::string DescribeHeader(const std::vector<std::string>& header);

// Online Retail writes customer ids as floats ("17850.0"): an id made of
// digits followed by ".0..." is shortened to the digits.
std::string NormalizeId(absl::string_view id);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_PURCHASE_LINE_H_
