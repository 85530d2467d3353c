// The one place where RocksDB errors become absl::Status (store/ only).
#ifndef BOOMERANG_MODELS_ROCKS_STATUS_H_
#define BOOMERANG_MODELS_ROCKS_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace boomerang {
namespace internal {

inline absl::Status FromRocksStatus(const rocksdb::Status& s,
                                    absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsIOError()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

}  // namespace internal
}  // namespace boomerang

#endif  // BOOMERANG_MODELS_ROCKS_STATUS_H_
