// Reads lines from a plain or gzip-compressed file (zlib detects which).
//
// Thread-safety: one thread at a time.
#ifndef BOOMERANG_INDEXER_FILE_LINE_SOURCE_H_
#define BOOMERANG_INDEXER_FILE_LINE_SOURCE_H_

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/csv.h"

namespace boomerang {

class FileLineSource : public LineSource {
 public:
  // Longer lines are cut to this length (plus one byte, so that the CSV
  // parser sees them as too long) and the rest of the line is dropped.
  static constexpr size_t kMaxLineBytes = CsvParser::kMaxRecordBytes + 1;

  // `path` "-" reads standard input.
  // Fails with NOT_FOUND / PERMISSION_DENIED / INVALID_ARGUMENT (a
  // directory, or an empty file) and a message naming the file.
  static absl::StatusOr<std::unique_ptr<FileLineSource>> Open(
      const std::string& path);
  ~FileLineSource() override;

  bool NextLine(std::string* line) override;
  std::string error() const override { return error_; }

  // Size of the file on disk and uncompressed bytes consumed so far.
  int64_t file_size() const { return file_size_; }
  int64_t bytes_read() const { return bytes_read_; }

 private:
  FileLineSource() = default;
  bool Fill();

  std::string path_;
  gzFile gz_ = nullptr;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;
  std::string error_;
  int64_t file_size_ = 0;
  int64_t bytes_read_ = 0;
};

}  // namespace boomerang

#endif  // BOOMERANG_INDEXER_FILE_LINE_SOURCE_H_
