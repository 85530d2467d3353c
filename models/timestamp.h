// Parsing the timestamps found in order exports.
//
// Accepted forms (UTC unless a zone is given):
//   2011-12-09                      a date (midnight)
//   2011-12-09T12:50  2011-12-09 12:50:00  2011-12-09T12:50:00.123
//   2011-12-09T12:50:00Z  2011-12-09 12:50:00+01:00  ...-0500  ...+01
//   1323435000                      unix seconds (optionally "1323435000.5")
// Hand-written rather than absl::ParseTime with a list of formats: one pass
// over the bytes is ~20x faster on 500k-line files and lets us say exactly
// what is wrong. absl's civil-time types do the calendar arithmetic.
#ifndef BOOMERANG_MODELS_TIMESTAMP_H_
#define BOOMERANG_MODELS_TIMESTAMP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace boomerang {

// Returns unix seconds, or INVALID_ARGUMENT saying what is wrong.
absl::StatusOr<int64_t> ParseTimestamp(absl::string_view text);

// RFC 3339 in UTC, e.g. "2011-12-09T12:50:00Z".
std::string FormatTimestamp(int64_t unix_seconds);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_TIMESTAMP_H_
