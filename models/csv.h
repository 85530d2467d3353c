// CSV reading for purchase exports: RFC 4180 records (quoted fields with
// commas, doubled quotes and line breaks), tolerant of CRLF and a UTF-8 BOM.
//
// Why our own parser rather than Debian's libcsv or fast-cpp-csv-parser: the
// indexer must report *which* physical line broke and why, keep going after a
// broken quote without swallowing the rest of the file, and map columns by
// name at run time. libcsv reports neither line numbers nor recoverable
// errors; fast-cpp-csv-parser fixes the column count at compile time and
// throws on bad input. The state machine below is ~100 lines.
//
// Thread-safety: a CsvParser is used by one thread at a time.
#ifndef BOOMERANG_MODELS_CSV_H_
#define BOOMERANG_MODELS_CSV_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace boomerang {

// A source of physical lines without their terminator. Implemented by the
// indexer over (gzipped) files and by tests over strings.
class LineSource {
 public:
  virtual ~LineSource() = default;
  // Sets *line to the next line (without '\n'; a trailing '\r' may remain).
  // Returns false at the end of input or on a read error (see error()).
  virtual bool NextLine(std::string* line) = 0;
  // Non-empty when reading failed (e.g. a corrupt gzip stream).
  virtual std::string error() const { return {}; }
};

// Splits a string into lines; for tests and small inputs.
class StringLineSource : public LineSource {
 public:
  explicit StringLineSource(std::string text) : text_(std::move(text)) {}
  bool NextLine(std::string* line) override;

 private:
  std::string text_;
  size_t pos_ = 0;
};

struct CsvRecord {
  std::vector<std::string> fields;
  int64_t line_number = 0;  // 1-based physical line where the record starts
};

enum class CsvStatus {
  kOk,
  // A quote that never closes (within kMaxRecordLines lines or before the
  // end of input), or text right after a closing quote (`"abc"def`).
  kBrokenQuote,
  // A record (or a physical line) longer than kMaxRecordBytes.
  kTooLong,
};

class CsvParser {
 public:
  // A quoted field may span at most this many physical lines; beyond it the
  // quote is taken as broken and reading resumes at the next line, so one
  // stray quote cannot swallow the rest of a file.
  static constexpr int kMaxRecordLines = 8;
  static constexpr size_t kMaxRecordBytes = 1 << 20;

  // REQUIRES: `source` outlives the parser.
  explicit CsvParser(LineSource* source, char delimiter = ',')
      : source_(source), delimiter_(delimiter) {}

  // Reads the next record. Returns false at the end of input. When the
  // returned status is not kOk, `record->line_number` names the line and the
  // fields are unspecified; the parser has already resynchronised.
  // Blank lines are skipped.
  bool Next(CsvRecord* record, CsvStatus* status);

  // Looks at the first line (without consuming it) and switches the
  // delimiter to ';' or tab when that line has more of them than of the
  // current delimiter. Returns the delimiter in use.
  char DetectDelimiter();

  // Physical lines consumed so far.
  int64_t lines_read() const { return lines_read_; }

 private:
  bool Pull(std::string* line);
  // Parses `text` into fields. Returns kOk, kBrokenQuote, or sets
  // *needs_more when a quoted field is still open at the end of `text`.
  CsvStatus Split(absl::string_view text, std::vector<std::string>* fields,
                  bool* needs_more) const;

  LineSource* source_;
  char delimiter_;
  int64_t lines_read_ = 0;
  bool first_line_ = true;
  // Lines read ahead while looking for a closing quote that did not come;
  // they are parsed again as records of their own.
  std::deque<std::pair<std::string, int64_t>> pushed_back_;
  int64_t current_line_number_ = 0;
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_CSV_H_
