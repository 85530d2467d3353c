#include "server/engine/request_limits.h"

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
          max_count == 1 ? absl::StrCat(field, " is empty")
                         : absl::StrCat(field, "[", i, "] is empty"));
    }
    if (ids[i].size() > kMaxRequestIdBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i, "] is ", ids[i].size(), " bytes; ids are at most ",
          kMaxRequestIdBytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOptionalId(const std::string& id, absl::string_view field) {
  if (id.size() > kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", id.size(), " bytes; ids are at most ",
                     kMaxRequestIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckLimit(int32_t requested, int* limit) {
  if (requested < 0 || requested > kMaxLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit ", requested, " is out of range: use 1..",
                     kMaxLimit, " (0 means the default, ", kDefaultLimit, ")"));
  }
  *limit = requested == 0 ? kDefaultLimit : requested;
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSimilarRequest(const v1::SimilarItemsRequest& request,
                                    int* limit) {
  google::protobuf::RepeatedPtrField<std::string> id;
  *id.Add() = request.item_id();
  absl::Status s = CheckIds(id, "item_id", 1);
  if (!s.ok()) return s;
  s = CheckIds(request.filter().exclude_item_ids(), "filter.exclude_item_ids",
               kMaxExcludedItems);
  if (s.ok()) s = CheckOptionalId(request.customer_id(), "customer_id");
  if (!s.ok()) return s;
  return CheckLimit(request.limit(), limit);
}

absl::Status ValidatePicksRequest(const v1::PersonalPicksRequest& request,
                                  int* limit) {
  google::protobuf::RepeatedPtrField<std::string> id;
  *id.Add() = request.customer_id();
  absl::Status s = CheckIds(id, "customer_id", 1);
  if (!s.ok()) return s;
  if (!v1::PersonalPicksRequest::Mode_IsValid(request.mode())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mode ", request.mode(), " is not MIXED, NEW_ONLY or REPEAT_ONLY"));
  }
  if (request.has_as_of() &&
      (request.as_of().seconds() < 0 || request.as_of().nanos() < 0)) {
    return absl::InvalidArgumentError("as_of is before 1970");
  }
  if (request.has_as_of() &&
      (request.as_of().seconds() > kMaxTimestampSeconds ||
       request.as_of().nanos() > 999999999)) {
    return absl::InvalidArgumentError("as_of is after 9999-12-31");
  }
  s = CheckIds(request.filter().exclude_item_ids(), "filter.exclude_item_ids",
               kMaxExcludedItems);
  if (!s.ok()) return s;
  return CheckLimit(request.limit(), limit);
}

absl::Status ValidateCrossSellRequest(const v1::CrossSellRequest& request,
                                      int* limit) {
  if (request.item_ids().empty()) {
    return absl::InvalidArgumentError(
        "item_ids is empty: name the cart's items (or a customer_id whose "
        "live cart has some)");
  }
  absl::Status s = CheckIds(request.item_ids(), "item_ids", kMaxAnchorItems);
  if (s.ok()) s = CheckOptionalId(request.customer_id(), "customer_id");
  if (s.ok()) {
    s = CheckIds(request.filter().exclude_item_ids(), "filter.exclude_item_ids",
                 kMaxExcludedItems);
  }
  if (!s.ok()) return s;
  return CheckLimit(request.limit(), limit);
}

absl::Status ValidateUpsellRequest(const v1::UpsellRequest& request, int* limit,
                                   double* min_ratio, double* max_ratio) {
  google::protobuf::RepeatedPtrField<std::string> id;
  *id.Add() = request.item_id();
  absl::Status s = CheckIds(id, "item_id", 1);
  if (s.ok()) s = CheckOptionalId(request.customer_id(), "customer_id");
  if (s.ok()) {
    s = CheckIds(request.filter().exclude_item_ids(), "filter.exclude_item_ids",
                 kMaxExcludedItems);
  }
  if (!s.ok()) return s;
  *min_ratio =
      request.min_price_ratio() == 0 ? 1.05 : request.min_price_ratio();
  *max_ratio = request.max_price_ratio() == 0 ? 2.0 : request.max_price_ratio();
  if (!(*min_ratio > 0) || !(*max_ratio >= *min_ratio) || *max_ratio > 1000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "price band ", *min_ratio, "..", *max_ratio,
        " is invalid: need 0 < min_price_ratio <= max_price_ratio <= 1000"));
  }
  return CheckLimit(request.limit(), limit);
}

absl::Status ValidateFbtRequest(
    const v1::FrequentlyBoughtTogetherRequest& request, int* limit) {
  if (request.item_ids().empty()) {
    return absl::InvalidArgumentError(
        "item_ids is empty: name at least one item to find products bought "
        "together with");
  }
  absl::Status s = CheckIds(request.item_ids(), "item_ids", kMaxAnchorItems);
  if (s.ok()) {
    s = CheckIds(request.exclude_item_ids(), "exclude_item_ids",
                 kMaxExcludedItems);
  }
  if (s.ok()) {
    s = CheckIds(request.filter().exclude_item_ids(), "filter.exclude_item_ids",
                 kMaxExcludedItems - request.exclude_item_ids_size());
  }
  if (s.ok()) s = CheckOptionalId(request.customer_id(), "customer_id");
  if (!s.ok()) return s;
  return CheckLimit(request.limit(), limit);
}

}  // namespace boomerang
