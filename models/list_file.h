// Reads a list file: one entry per line, surrounding spaces trimmed, blank
// lines and lines starting with '#' skipped. For --exclude-items-file,
// customer id lists and token files; shared by the indexer, the server and
// the tools.
//
// Thread-safety: a pure function of the file.
#ifndef BOOMERANG_MODELS_LIST_FILE_H_
#define BOOMERANG_MODELS_LIST_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace boomerang {

// NOT_FOUND naming the file when it cannot be opened.
absl::StatusOr<std::vector<std::string>> ReadListFile(const std::string& path);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_LIST_FILE_H_
