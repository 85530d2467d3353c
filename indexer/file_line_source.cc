#include "indexer/file_line_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace boomerang {

absl::StatusOr<std::unique_ptr<FileLineSource>> FileLineSource::Open(
    const std::string& path) {
  if (path == "-") {  // standard input, e.g. a pipe from another program
    std::unique_ptr<FileLineSource> src(new FileLineSource());
    src->path_ = "<stdin>";
    src->gz_ = gzdopen(::dup(0), "rb");
    if (src->gz_ == nullptr) {
      return absl::PermissionDeniedError("cannot read standard input");
    }
    src->buf_.resize(1 << 20);
    return src;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    }
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a CSV file"));
  }
  // Pipes and process substitutions (/dev/fd/N) report size 0: only a
  // regular file can be known to be empty before reading it.
  if (S_ISREG(st.st_mode) && st.st_size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": file is empty (expected a CSV header line)"));
  }
  std::unique_ptr<FileLineSource> src(new FileLineSource());
  src->path_ = path;
  src->file_size_ = st.st_size;
  src->gz_ = gzopen(path.c_str(), "rb");
  if (src->gz_ == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  gzbuffer(src->gz_, 1 << 18);
  src->buf_.resize(1 << 20);
  return src;
}

FileLineSource::~FileLineSource() {
  if (gz_ != nullptr) gzclose(gz_);
}

bool FileLineSource::Fill() {
  if (eof_) return false;
  // Keep the unconsumed tail at the front of the buffer.
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // a long line
  int n = gzread(gz_, buf_.data() + end_, buf_.size() - end_);
  if (n < 0) {
    int errnum = 0;
    const char* msg = gzerror(gz_, &errnum);
    // zlib's message may already start with the path.
    std::string m = msg ? msg : "unknown";
    if (m.rfind(path_ + ": ", 0) == 0) m = m.substr(path_.size() + 2);
    error_ = absl::StrCat(path_, ": cannot read (", m,
                          "): the file is truncated or corrupt");
    eof_ = true;
    return false;
  }
  if (n == 0) {
    int errnum = 0;
    const char* msg = gzerror(gz_, &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) {
      std::string m = msg ? msg : "corrupt gzip stream";
      if (m.rfind(path_ + ": ", 0) == 0) m = m.substr(path_.size() + 2);
      error_ = absl::StrCat(path_, ": cannot read (", m,
                            "): the file is truncated or corrupt");
    } else if (!gzeof(gz_)) {
      error_ = absl::StrCat(path_, ": unexpected end of data (truncated?)");
    }
    eof_ = true;
    return false;
  }
  end_ += n;
  bytes_read_ += n;
  return true;
}

bool FileLineSource::NextLine(std::string* line) {
  while (true) {
    const char* start = buf_.data() + pos_;
    const void* nl = std::memchr(start, '\n', end_ - pos_);
    if (nl != nullptr) {
      size_t len = static_cast<const char*>(nl) - start;
      if (skipping_) {  // the rest of an overlong line
        skipping_ = false;
        pos_ += len + 1;
        continue;
      }
      line->assign(start, len);
      pos_ += len + 1;
      return true;
    }
    if (end_ - pos_ > kMaxLineBytes) {
      // No newline within kMaxLineBytes: hand out the head of the line (the
      // parser reports it as too long) and drop the rest, so that one
      // newline-less file cannot take all memory.
      if (!skipping_) {
        line->assign(start, kMaxLineBytes);
        skipping_ = true;
        pos_ = end_;
        return true;
      }
      pos_ = end_;
    }
    if (!Fill()) {
      if (skipping_) {
        skipping_ = false;
        pos_ = end_;
        return false;
      }
      if (pos_ < end_) {  // last line without a newline
        line->assign(buf_.data() + pos_, end_ - pos_);
        pos_ = end_;
        return true;
      }
      return false;
    }
  }
}

}  // namespace boomerang
