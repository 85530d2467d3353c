#include "models/purchase_line.h"

#include <cmath>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "models/timestamp.h"

namespace boomerang {

absl::string_view BadReasonName(BadReason reason) {
  switch (reason) {
    case BadReason::kBrokenQuote:
      return "broken_quote";
    case BadReason::kFieldCount:
      return "too_few_fields";
    case BadReason::kMissingField:
      return "missing_field";
    case BadReason::kBadNumber:
      return "bad_number";
    case BadReason::kBadTimestamp:
      return "bad_timestamp";
    case BadReason::kFieldTooLong:
      return "field_too_long";
    case BadReason::kCount:
      break;
  }
  return "unknown";
}

const std::vector<std::string>& RequiredPurchaseColumns() {
  static const auto* kCols = new std::vector<std::string>{
      "order_id", "customer_id", "item_id", "timestamp"};
  return *kCols;
}

const std::vector<std::string>& OptionalPurchaseColumns() {
  static const auto* kCols =
      new std::vector<std::string>{"quantity", "price", "amount", "title"};
  return *kCols;
}

std::string DescribeHeader(const std::vector<std::string>& header) {
  std::string out;
  for (size_t i = 0; i < header.size(); ++i) {
    if (out.size() > 200) {
      absl::StrAppend(&out, ", ... (", header.size(), " columns)");
      break;
    }
    absl::StrAppend(&out, i ? ", " : "", ToUtf8(header[i].substr(0, 60)));
  }
  if (header.size() == 1 && (header[0].find(';') != std::string::npos ||
                             header[0].find('\t') != std::string::npos)) {
    absl::StrAppend(&out,
                    " (one column: is the file separated by ';' or tabs? "
                    "use --delimiter)");
  }
  return out;
}

namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      if (!IsContinuation(s[i + k])) return false;
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    // Overlong forms, surrogates and values beyond Unicode.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Windows-1252's 0x80-0x9F; 0 where it defines nothing.
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

}  // namespace

std::string ToUtf8(absl::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0xA0) {
      uint16_t cp = kCp1252High[c - 0x80];
      AppendUtf8(cp ? cp : 0xFFFD, &out);
    } else {
      AppendUtf8(c, &out);  // Latin-1 and Windows-1252 agree here
    }
  }
  return out;
}

std::vector<std::string> AllPurchaseColumns() {
  std::vector<std::string> all = RequiredPurchaseColumns();
  for (const auto& c : OptionalPurchaseColumns()) all.push_back(c);
  return all;
}

absl::StatusOr<std::map<std::string, std::string>> ParseColumnMappings(
    const std::vector<std::string>& flags,
    const std::vector<std::string>& allowed) {
  std::map<std::string, std::string> out;
  for (const std::string& flag : flags) {
    size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == flag.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("column mapping '", flag,
                       "' must look like canonical=TheirHeaderName (e.g. "
                       "order_id=InvoiceNo)"));
    }
    std::string canonical = flag.substr(0, eq);
    bool known = false;
    for (const auto& a : allowed) known = known || a == canonical;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "column mapping '", flag, "': unknown column '", canonical,
          "'; known columns are ", absl::StrJoin(allowed, ", ")));
    }
    if (out.count(canonical)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "column '", canonical, "' is mapped twice (to '", out[canonical],
          "' and to '", flag.substr(eq + 1), "')"));
    }
    out[canonical] = flag.substr(eq + 1);
  }
  return out;
}

absl::StatusOr<ColumnIndex> ColumnIndex::Resolve(
    const std::vector<std::string>& header,
    const std::vector<std::string>& required,
    const std::vector<std::string>& optional,
    const std::map<std::string, std::string>& mapping) {
  ColumnIndex index;
  auto find = [&](const std::string& name) -> int {
    int found = -1;
    for (size_t i = 0; i < header.size(); ++i) {
      if (absl::StripAsciiWhitespace(header[i]) == name) {
        if (found >= 0) return -2;  // ambiguous
        found = static_cast<int>(i);
      }
    }
    if (found >= 0) return found;
    // Header names are matched case-insensitively as a second chance.
    for (size_t i = 0; i < header.size(); ++i) {
      if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(header[i]), name)) {
        return i;
      }
    }
    return -1;
  };
  auto resolve = [&](const std::string& canonical,
                     bool is_required) -> absl::Status {
    auto it = mapping.find(canonical);
    const std::string& name = it == mapping.end() ? canonical : it->second;
    int pos = find(name);
    if (pos == -2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "column '", name, "' appears more than once in the header"));
    }
    for (const auto& [other, other_pos] : index.positions_) {
      if (other_pos == pos) {
        return absl::InvalidArgumentError(
            absl::StrCat("columns '", other, "' and '", canonical,
                         "' are both read from header column '", name, "'"));
      }
    }
    if (pos < 0) {
      if (it != mapping.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("column '", name, "' (mapped to ", canonical,
                         ") is not in the header; the header has: ",
                         absl::StrJoin(header, ", ")));
      }
      if (is_required) {
        return absl::InvalidArgumentError(absl::StrCat(
            "required column '", canonical,
            "' is not in the header (map it with --column ", canonical,
            "=TheirName); the header has: ", DescribeHeader(header)));
      }
      return absl::OkStatus();
    }
    index.positions_[canonical] = pos;
    index.header_names_[canonical] = name;
    index.min_fields_ = std::max(index.min_fields_, pos + 1);
    return absl::OkStatus();
  };
  for (const auto& c : required) {
    absl::Status s = resolve(c, true);
    if (!s.ok()) return s;
  }
  for (const auto& c : optional) {
    absl::Status s = resolve(c, false);
    if (!s.ok()) return s;
  }
  return index;
}

int ColumnIndex::Position(absl::string_view canonical) const {
  auto it = positions_.find(canonical);
  return it == positions_.end() ? -1 : it->second;
}

std::string ColumnIndex::HeaderName(absl::string_view canonical) const {
  auto it = header_names_.find(canonical);
  return it == header_names_.end() ? std::string(canonical) : it->second;
}

bool ParseNumber(absl::string_view text, double* out) {
  text = absl::StripAsciiWhitespace(text);
  // A currency symbol before or after the number.
  for (absl::string_view sym : {"\xC2\xA3", "\xE2\x82\xAC", "$", "\xC2\xA5"}) {
    if (absl::ConsumePrefix(&text, sym) || absl::ConsumeSuffix(&text, sym)) {
      text = absl::StripAsciiWhitespace(text);
      break;
    }
  }
  if (text.empty()) return false;
  // Plain decimal notation only: SimpleAtod would also take hex and "inf".
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && c != '.' && c != '-' && c != '+' &&
        c != 'e' && c != 'E') {
      return false;
    }
  }
  if (!absl::SimpleAtod(text, out)) return false;
  return std::isfinite(*out);
}

std::string NormalizeId(absl::string_view id) {
  id = absl::StripAsciiWhitespace(id);
  size_t dot = id.find('.');
  if (dot != absl::string_view::npos && dot > 0 && dot + 1 < id.size()) {
    bool digits = true;
    for (size_t i = 0; i < dot; ++i)
      digits = digits && absl::ascii_isdigit(id[i]);
    for (size_t i = dot + 1; i < id.size(); ++i)
      digits = digits && id[i] == '0';
    if (digits) return std::string(id.substr(0, dot));
  }
  return std::string(id);
}

std::string FormatDateLimit(int64_t unix_seconds) {
  std::string t = FormatTimestamp(unix_seconds);
  return unix_seconds % 86400 == 0 ? t.substr(0, 10) : t;
}

DecodeResult DecodePurchase(const CsvRecord& record, const ColumnIndex& columns,
                            const DecodeOptions& options, PurchaseLine* out) {
  DecodeResult r;
  auto bad = [&r](BadReason reason, absl::string_view field,
                  std::string detail) -> DecodeResult& {
    r.kind = LineKind::kBad;
    r.reason = reason;
    r.field = std::string(field);
    r.detail = std::move(detail);
    return r;
  };
  if (static_cast<int>(record.fields.size()) < columns.min_fields()) {
    return bad(BadReason::kFieldCount, "",
               absl::StrCat("has ", record.fields.size(),
                            " fields, needs at least ", columns.min_fields()));
  }
  auto field = [&](absl::string_view name) -> absl::string_view {
    int pos = columns.Position(name);
    return pos < 0 ? absl::string_view()
                   : absl::StripAsciiWhitespace(record.fields[pos]);
  };
  // Required ids.
  struct IdField {
    const char* name;
    std::string* dest;
    bool is_customer;
  };
  const IdField ids[] = {{"order_id", &out->order_id, false},
                         {"item_id", &out->item_id, false},
                         {"customer_id", &out->customer_id, true}};
  for (const IdField& f : ids) {
    absl::string_view v = field(f.name);
    if (v.empty() && !f.is_customer) {
      return bad(BadReason::kMissingField, f.name,
                 absl::StrCat(columns.HeaderName(f.name), " is empty"));
    }
    if (v.size() > kMaxIdBytes) {
      return bad(BadReason::kFieldTooLong, f.name,
                 absl::StrCat(columns.HeaderName(f.name), " is ", v.size(),
                              " bytes, more than ", kMaxIdBytes));
    }
    *f.dest = ToUtf8(f.is_customer ? NormalizeId(v) : v);
  }
  absl::string_view ts = field("timestamp");
  if (ts.empty()) {
    return bad(BadReason::kMissingField, "timestamp",
               absl::StrCat(columns.HeaderName("timestamp"), " is empty"));
  }
  absl::StatusOr<int64_t> t = ParseTimestamp(ts);
  if (!t.ok()) {
    return bad(BadReason::kBadTimestamp, "timestamp",
               std::string(t.status().message()));
  }
  if (*t < options.min_timestamp) {
    return bad(
        BadReason::kBadTimestamp, "timestamp",
        absl::StrCat(columns.HeaderName("timestamp"), " '", ts.substr(0, 40),
                     "' is ", FormatTimestamp(*t), ", before --min-date ",
                     FormatDateLimit(options.min_timestamp)));
  }
  if (*t > options.max_timestamp) {
    return bad(BadReason::kBadTimestamp, "timestamp",
               absl::StrCat(columns.HeaderName("timestamp"), " '",
                            ts.substr(0, 40), "' is ", FormatTimestamp(*t),
                            ", more than a day after the clock (later than ",
                            FormatTimestamp(options.max_timestamp), ")"));
  }
  out->timestamp = *t;

  out->quantity = 1;
  if (columns.Position("quantity") >= 0) {
    absl::string_view q = field("quantity");
    if (!ParseNumber(q, &out->quantity)) {
      return bad(BadReason::kBadNumber, "quantity",
                 absl::StrCat(columns.HeaderName("quantity"), " '",
                              q.substr(0, 40), "' is not a number"));
    }
    if (out->quantity == 0) {
      r.kind = LineKind::kZeroQuantity;
      return r;
    }
  }
  out->has_price = false;
  out->price = 0;
  if (columns.Position("price") >= 0) {
    absl::string_view p = field("price");
    if (!p.empty()) {  // an empty price is "unknown", not an error
      if (!ParseNumber(p, &out->price)) {
        return bad(BadReason::kBadNumber, "price",
                   absl::StrCat(columns.HeaderName("price"), " '",
                                p.substr(0, 40), "' is not a number"));
      }
      out->has_price = true;
    }
  }
  // A line total ("amount", e.g. dunnhumby's sales_value) gives the unit
  // price when no price column is mapped.
  if (!out->has_price && columns.Position("amount") >= 0) {
    absl::string_view a = field("amount");
    double amount = 0;
    if (!a.empty()) {
      if (!ParseNumber(a, &amount)) {
        return bad(BadReason::kBadNumber, "amount",
                   absl::StrCat(columns.HeaderName("amount"), " '",
                                a.substr(0, 40), "' is not a number"));
      }
      out->price = amount / std::abs(out->quantity);
      out->has_price = true;
      if (!std::isfinite(out->price)) {
        return bad(
            BadReason::kBadNumber, "amount",
            absl::StrCat(columns.HeaderName("amount"), " '", a.substr(0, 40),
                         "' over quantity '", field("quantity").substr(0, 40),
                         "' is not a finite unit price"));
      }
    }
  }
  // Each number is finite, but a line total that is not (1e300 x 1e300)
  // would make an order's revenue infinite and poison every mean and
  // quantile over customers (found by tests/fuzz/csv_fuzz).
  if (out->has_price && !std::isfinite(out->quantity * out->price)) {
    return bad(BadReason::kBadNumber, "price",
               absl::StrCat("quantity x price is not a finite number (",
                            columns.HeaderName("quantity"), " '",
                            field("quantity").substr(0, 40), "')"));
  }
  out->title.clear();
  if (columns.Position("title") >= 0) out->title = ToUtf8(field("title"));

  const bool cancelled =
      !options.cancel_order_prefix.empty() &&
      absl::StartsWith(out->order_id, options.cancel_order_prefix);
  r.kind = (out->quantity < 0 || cancelled) ? LineKind::kReturn
                                            : LineKind::kPurchase;
  return r;
}

}  // namespace boomerang
