#include "server/metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace boomerang {

Metrics& Metrics::Global() {
  static Metrics* metrics = new Metrics();  // never destroyed: used at exit
  return *metrics;
}

void Metrics::Record(absl::string_view method, absl::string_view transport,
                     absl::StatusCode code, double seconds) {
  const size_t bucket =
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) -
      kBuckets.begin();
  absl::MutexLock lock(&mu_);
  Series& s = series_[{std::string(method), std::string(transport)}];
  ++s.calls[code];
  ++s.buckets[bucket];
  s.sum_seconds += seconds;
  ++s.count;
}

void Metrics::AddInFlight(int delta) {
  absl::MutexLock lock(&mu_);
  in_flight_ += delta;
}

void Metrics::CountRejected(absl::string_view method,
                            absl::string_view transport) {
  absl::MutexLock lock(&mu_);
  ++series_[{std::string(method), std::string(transport)}].rejected;
}

std::string Metrics::RenderPrometheus(const std::string& extra) const {
  std::string out;
  absl::MutexLock lock(&mu_);
  absl::StrAppend(&out,
                  "# HELP boomerang_requests_total Finished calls by method, "
                  "transport and status code.\n"
                  "# TYPE boomerang_requests_total counter\n");
  for (const auto& [key, s] : series_) {
    for (const auto& [code, n] : s.calls) {
      absl::StrAppendFormat(
          &out,
          "boomerang_requests_total{method=\"%s\",transport=\"%s\","
          "code=\"%s\"} %d\n",
          key.first, key.second, absl::StatusCodeToString(code), n);
    }
  }
  absl::StrAppend(&out,
                  "# HELP boomerang_request_errors_total Calls that did not "
                  "finish OK, by method and transport.\n"
                  "# TYPE boomerang_request_errors_total counter\n");
  for (const auto& [key, s] : series_) {
    int64_t errors = 0;
    for (const auto& [code, n] : s.calls) {
      if (code != absl::StatusCode::kOk) errors += n;
    }
    absl::StrAppendFormat(&out,
                          "boomerang_request_errors_total{method=\"%s\","
                          "transport=\"%s\"} %d\n",
                          key.first, key.second, errors);
  }
  absl::StrAppend(&out,
                  "# HELP boomerang_request_duration_seconds Call latency, "
                  "from the start of the handler to its answer.\n"
                  "# TYPE boomerang_request_duration_seconds histogram\n");
  for (const auto& [key, s] : series_) {
    if (s.count == 0) continue;
    const std::string labels = absl::StrFormat("method=\"%s\",transport=\"%s\"",
                                               key.first, key.second);
    int64_t cumulative = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += s.buckets[b];
      absl::StrAppendFormat(
          &out, "boomerang_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n",
          labels, kBuckets[b], cumulative);
    }
    cumulative += s.buckets[kBuckets.size()];
    absl::StrAppendFormat(
        &out, "boomerang_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n",
        labels, cumulative);
    absl::StrAppendFormat(&out,
                          "boomerang_request_duration_seconds_sum{%s} %.9g\n"
                          "boomerang_request_duration_seconds_count{%s} %d\n",
                          labels, s.sum_seconds, labels, s.count);
  }
  absl::StrAppend(&out,
                  "# HELP boomerang_requests_rejected_total Calls refused "
                  "for overload (RESOURCE_EXHAUSTED; over HTTP also "
                  "connections answered 503, method \"(connection)\").\n"
                  "# TYPE boomerang_requests_rejected_total counter\n");
  for (const auto& [key, s] : series_) {
    if (s.rejected == 0) continue;
    absl::StrAppendFormat(&out,
                          "boomerang_requests_rejected_total{method=\"%s\","
                          "transport=\"%s\"} %d\n",
                          key.first, key.second, s.rejected);
  }
  absl::StrAppendFormat(&out,
                        "# HELP boomerang_requests_in_flight Calls being "
                        "served now.\n"
                        "# TYPE boomerang_requests_in_flight gauge\n"
                        "boomerang_requests_in_flight %d\n",
                        in_flight_);
  out += extra;
  return out;
}

}  // namespace boomerang
