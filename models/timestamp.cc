#include "models/timestamp.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace boomerang {
namespace {

// Reads exactly `n` digits at text[*pos]; returns -1 if they are not there.
int ReadDigits(absl::string_view text, size_t* pos, int n) {
  if (*pos + n > text.size()) return -1;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  return v;
}

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", text.substr(0, 40), "' is not a timestamp: ", why,
                   " (expected ISO 8601 like 2011-12-09T12:50:00Z or unix "
                   "seconds)"));
}

}  // namespace

absl::StatusOr<int64_t> ParseTimestamp(absl::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return Bad(text, "empty");

  // Unix seconds: digits only, optionally a fractional part.
  if (text.size() < 10 || text[4] != '-') {
    int64_t v = 0;
    size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (i >= 12) return Bad(text, "number too large for unix seconds");
      v = v * 10 + (text[i] - '0');
    }
    if (i == 0) return Bad(text, "unrecognised format");
    if (i < text.size()) {
      if (text[i] != '.') return Bad(text, "unrecognised format");
      for (++i; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') {
          return Bad(text, "unrecognised format");
        }
      }
    }
    return v;
  }

  size_t p = 0;
  int year = ReadDigits(text, &p, 4);
  if (year < 0 || p >= text.size() || text[p++] != '-') {
    return Bad(text, "bad year");
  }
  int month = ReadDigits(text, &p, 2);
  if (month < 1 || month > 12 || p >= text.size() || text[p++] != '-') {
    return Bad(text, "bad month");
  }
  int day = ReadDigits(text, &p, 2);
  if (day < 1) return Bad(text, "bad day");
  int hour = 0, minute = 0, second = 0;
  int64_t offset_seconds = 0;
  if (p < text.size()) {
    if (text[p] != 'T' && text[p] != 't' && text[p] != ' ') {
      return Bad(text, "expected 'T' or ' ' between date and time");
    }
    ++p;
    hour = ReadDigits(text, &p, 2);
    if (hour < 0 || hour > 23 || p >= text.size() || text[p++] != ':') {
      return Bad(text, "bad hour");
    }
    minute = ReadDigits(text, &p, 2);
    if (minute < 0 || minute > 59) return Bad(text, "bad minute");
    if (p < text.size() && text[p] == ':') {
      ++p;
      second = ReadDigits(text, &p, 2);
      if (second < 0 || second > 60) return Bad(text, "bad second");
      if (second == 60) second = 59;  // leap second: keep it in the minute
      if (p < text.size() && (text[p] == '.' || text[p] == ',')) {
        ++p;
        size_t start = p;
        while (p < text.size() && text[p] >= '0' && text[p] <= '9') ++p;
        if (p == start) return Bad(text, "bad fraction of a second");
      }
    }
    if (p < text.size()) {
      char z = text[p];
      if ((z == 'Z' || z == 'z') && p + 1 == text.size()) {
        ++p;
      } else if (z == '+' || z == '-') {
        ++p;
        int oh = ReadDigits(text, &p, 2);
        int om = 0;
        if (p < text.size() && text[p] == ':') {
          ++p;
          om = ReadDigits(text, &p, 2);  // "+01:" alone is not an offset
        } else if (p < text.size()) {
          om = ReadDigits(text, &p, 2);
        }
        if (oh < 0 || oh > 23 || om < 0 || om > 59 || p != text.size()) {
          return Bad(text, "bad zone offset");
        }
        offset_seconds = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
      } else {
        return Bad(text, "unexpected text after the time");
      }
    }
  }
  absl::CivilSecond cs(year, month, day, hour, minute, second);
  if (cs.day() != day || cs.month() != month) {
    return Bad(text, "no such day");
  }
  int64_t local = absl::ToUnixSeconds(absl::FromCivil(cs, absl::UTCTimeZone()));
  return local - offset_seconds;
}

std::string FormatTimestamp(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

}  // namespace boomerang
