#include "models/csv.h"

#include <utility>

namespace boomerang {

bool StringLineSource::NextLine(std::string* line) {
  if (pos_ >= text_.size()) return false;
  size_t end = text_.find('\n', pos_);
  if (end == std::string::npos) end = text_.size();
  line->assign(text_, pos_, end - pos_);
  pos_ = end + 1;
  return true;
}

bool CsvParser::Pull(std::string* line) {
  if (!pushed_back_.empty()) {
    *line = std::move(pushed_back_.front().first);
    current_line_number_ = pushed_back_.front().second;
    pushed_back_.pop_front();
    return true;
  }
  if (!source_->NextLine(line)) return false;
  current_line_number_ = ++lines_read_;
  if (first_line_) {
    first_line_ = false;
    if (line->size() >= 3 && (*line)[0] == '\xEF' && (*line)[1] == '\xBB' &&
        (*line)[2] == '\xBF') {
      line->erase(0, 3);
    }
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

char CsvParser::DetectDelimiter() {
  std::string line;
  if (!Pull(&line)) return delimiter_;
  const int64_t number = current_line_number_;
  auto count = [&line](char c) {
    int n = 0;
    bool quoted = false;
    for (char x : line) {
      if (x == '"') quoted = !quoted;
      n += !quoted && x == c;
    }
    return n;
  };
  int best = count(delimiter_);
  for (char c : {';', '\t', '|'}) {
    int n = count(c);
    if (n > best) {
      best = n;
      delimiter_ = c;
    }
  }
  pushed_back_.emplace_front(std::move(line), number);
  return delimiter_;
}

CsvStatus CsvParser::Split(absl::string_view text,
                           std::vector<std::string>* fields,
                           bool* needs_more) const {
  *needs_more = false;
  fields->clear();
  size_t i = 0;
  const size_t n = text.size();
  while (true) {
    fields->emplace_back();
    std::string& field = fields->back();
    if (i < n && text[i] == '"') {
      ++i;
      while (true) {
        if (i >= n) {
          *needs_more = true;
          return CsvStatus::kOk;
        }
        char c = text[i];
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          field.push_back(c);
          ++i;
        }
      }
      if (i < n && text[i] != delimiter_) return CsvStatus::kBrokenQuote;
    } else {
      size_t end = text.find(delimiter_, i);
      if (end == absl::string_view::npos) end = n;
      field.assign(text.data() + i, end - i);
      i = end;
    }
    if (i >= n) return CsvStatus::kOk;
    ++i;  // the delimiter
    if (i == n) {
      fields->emplace_back();  // trailing delimiter: one more, empty field
      return CsvStatus::kOk;
    }
  }
}

bool CsvParser::Next(CsvRecord* record, CsvStatus* status) {
  std::string line;
  do {
    if (!Pull(&line)) return false;
  } while (line.empty());
  record->line_number = current_line_number_;
  *status = CsvStatus::kOk;
  if (line.size() > kMaxRecordBytes) {
    record->fields.clear();
    *status = CsvStatus::kTooLong;
    return true;
  }

  bool needs_more = false;
  CsvStatus s = Split(line, &record->fields, &needs_more);
  if (!needs_more) {
    *status = s;
    return true;
  }
  // A quoted field continues on the next physical line(s).
  std::vector<std::pair<std::string, int64_t>> extra;
  std::string text = line;
  while (needs_more) {
    std::string next;
    if (static_cast<int>(extra.size()) + 1 >= kMaxRecordLines ||
        text.size() > kMaxRecordBytes || !Pull(&next)) {
      // Give the lines we read ahead back: they are records of their own.
      for (auto it = extra.rbegin(); it != extra.rend(); ++it) {
        pushed_back_.push_front(std::move(*it));
      }
      *status = text.size() > kMaxRecordBytes ? CsvStatus::kTooLong
                                              : CsvStatus::kBrokenQuote;
      return true;
    }
    extra.emplace_back(next, current_line_number_);
    text.push_back('\n');
    text.append(next);
    s = Split(text, &record->fields, &needs_more);
  }
  if (s != CsvStatus::kOk) {
    // The quote that opened on the first line was broken, so the lines read
    // ahead were never part of it: they are records of their own.
    for (auto it = extra.rbegin(); it != extra.rend(); ++it) {
      pushed_back_.push_front(std::move(*it));
    }
  }
  *status = s;
  return true;
}

}  // namespace boomerang
