#include "server/request_limits.h"

#include "absl/strings/str_cat.h"

namespace boomerang {
namespace {

absl::Status CheckIds(
    const google::protobuf::RepeatedPtrField<std::string>& ids,
    absl::string_view field, int max_count) {
  if (ids.size() > max_count) {
    return absl::InvalidArgumentError(absl::StrCat(field, " has ", ids.size(),
                                                   " entries; at most ",
                                                   max_count, " are allowed"));
  }
  for (int i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "] is empty"));
    }
    if (ids[i].size() > kMaxRequestIdBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i, "] is ", ids[i].size(), " bytes; ids are at most ",
          kMaxRequestIdBytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateFbtRequest(
    const v1::FrequentlyBoughtTogetherRequest& request, int* limit) {
  if (request.item_ids().empty()) {
    return absl::InvalidArgumentError(
        "item_ids is empty: name at least one item to find products bought "
        "together with");
  }
  absl::Status s = CheckIds(request.item_ids(), "item_ids", kMaxAnchorItems);
  if (!s.ok()) return s;
  s = CheckIds(request.exclude_item_ids(), "exclude_item_ids",
               kMaxExcludedItems);
  if (!s.ok()) return s;
  if (request.limit() < 0 || request.limit() > kMaxLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit ", request.limit(), " is out of range: use 1..",
                     kMaxLimit, " (0 means the default, ", kDefaultLimit, ")"));
  }
  *limit = request.limit() == 0 ? kDefaultLimit : request.limit();
  return absl::OkStatus();
}

}  // namespace boomerang
