#include "server/request_queue.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/parallel.h"

namespace boomerang {

RequestQueue::RequestQueue(const RequestQueueOptions& options)
    : options_(options) {
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.emplace_back([this] { Loop(); });
  }
}

RequestQueue::~RequestQueue() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

int RequestQueue::DefaultWorkers(int requested) {
  return requested > 0 ? requested : UsableCores();
}

double RequestQueue::PredictedWaitNs() const {
  return static_cast<double>(queue_.size()) * mean_service_ns_ /
         static_cast<double>(std::max(1, options_.workers));
}

absl::Duration RequestQueue::PredictedWait() const {
  absl::MutexLock lock(&mu_);
  return absl::Nanoseconds(PredictedWaitNs());
}

RequestQueue::Refusal RequestQueue::TrySubmit(std::function<void()> work) {
  absl::MutexLock lock(&mu_);
  if (options_.max_queued > 0 &&
      static_cast<int>(queue_.size()) >= options_.max_queued) {
    return Refusal::kFull;
  }
  if (options_.max_wait > absl::ZeroDuration() &&
      static_cast<int>(queue_.size()) >=
          kMinQueuedPerWorker * std::max(1, options_.workers) &&
      PredictedWaitNs() > absl::ToDoubleNanoseconds(options_.max_wait)) {
    return Refusal::kTooSlow;
  }
  queue_.push_back(std::move(work));
  return Refusal::kNone;
}

std::string RequestQueue::RefusalMessage(Refusal refusal) const {
  if (refusal == Refusal::kFull) {
    return absl::StrCat("server overloaded: ", options_.max_queued,
                        " calls already waiting; retry with backoff");
  }
  return absl::StrCat(
      "server overloaded: the calls already waiting would "
      "keep this one waiting longer than ",
      absl::FormatDuration(options_.max_wait), "; retry with backoff");
}

int RequestQueue::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

void RequestQueue::Loop() {
  double last_service_ns = -1;  // the previous call's, not yet averaged in
  for (;;) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      if (last_service_ns >= 0) {
        // Exponentially weighted over roughly the last 64 calls. A sample is
        // capped at max_wait: one slow call (a huge customer, page faults
        // after a swap) must not make the queue refuse for the next hundred.
        const double cap = options_.max_wait > absl::ZeroDuration()
                               ? absl::ToDoubleNanoseconds(options_.max_wait)
                               : last_service_ns;
        mean_service_ns_ +=
            (std::min(last_service_ns, cap) - mean_service_ns_) / 64;
      }
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    const absl::Time started = absl::Now();
    work();
    last_service_ns = absl::ToDoubleNanoseconds(absl::Now() - started);
  }
}

}  // namespace boomerang
