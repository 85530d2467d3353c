// Validation of requests against the API's limits. Every violation is an
// INVALID_ARGUMENT whose message names the field and the limit.
#ifndef BOOMERANG_SERVER_ENGINE_REQUEST_LIMITS_H_
#define BOOMERANG_SERVER_ENGINE_REQUEST_LIMITS_H_

#include "absl/status/status.h"
#include "boomerang/v1/recommender.pb.h"

namespace boomerang {

inline constexpr int kDefaultLimit = 10;
inline constexpr int kMaxLimit = 100;
inline constexpr int kMaxAnchorItems = 100;
inline constexpr int kMaxExcludedItems = 1000;
inline constexpr size_t kMaxRequestIdBytes = 256;
// 9999-12-31T23:59:59Z: the last moment RFC 3339 (and protobuf's JSON) can
// write.
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;

// Checks `request`; on success sets *limit to the effective limit.
absl::Status ValidateFbtRequest(
    const v1::FrequentlyBoughtTogetherRequest& request, int* limit);
absl::Status ValidateSimilarRequest(const v1::SimilarItemsRequest& request,
                                    int* limit);
absl::Status ValidatePicksRequest(const v1::PersonalPicksRequest& request,
                                  int* limit);
absl::Status ValidateCrossSellRequest(const v1::CrossSellRequest& request,
                                      int* limit);
// Also sets the price band (defaults 1.05 and 2.0).
absl::Status ValidateUpsellRequest(const v1::UpsellRequest& request, int* limit,
                                   double* min_ratio, double* max_ratio);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_REQUEST_LIMITS_H_
