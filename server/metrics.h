// Request metrics for operators: per method, calls by status code and a
// latency histogram; rendered in the Prometheus text exposition format
// (version 0.0.4) by the HTTP side door's /metrics. prometheus-cpp is not
// in Debian 12, and the format is a few lines of text.
//
// Thread-safety: thread-safe. Record() takes one short mutex per method
// (a map lookup and a few additions).
#ifndef BOOMERANG_SERVER_METRICS_H_
#define BOOMERANG_SERVER_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace boomerang {

class Metrics {
 public:
  // Histogram bucket upper bounds, in seconds (plus +Inf).
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   5.0};

  // The process's metrics.
  static Metrics& Global();

  // One finished call of `method` (e.g. "FrequentlyBoughtTogether") over
  // `transport` ("grpc" or "http").
  void Record(absl::string_view method, absl::string_view transport,
              absl::StatusCode code, double seconds);

  // Calls currently being served, and calls refused for overload.
  void AddInFlight(int delta);
  void CountRejected(absl::string_view method,
                     absl::string_view transport = "grpc");

  // The families above, in Prometheus text format. `extra` (other gauges,
  // already formatted) is appended.
  std::string RenderPrometheus(const std::string& extra = "") const;

 private:
  struct Series {
    std::map<absl::StatusCode, int64_t> calls;
    std::array<int64_t, kBuckets.size() + 1> buckets{};
    double sum_seconds = 0;
    int64_t count = 0;
    int64_t rejected = 0;
  };
  mutable absl::Mutex mu_;
  // Keyed by (method, transport).
  std::map<std::pair<std::string, std::string>, Series> series_
      ABSL_GUARDED_BY(mu_);
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_METRICS_H_
