#include "server/request_queue.h"

#include <algorithm>
#include <utility>

#include "server/parallel.h"

namespace boomerang {

RequestQueue::RequestQueue(int workers, int max_queued, absl::Duration max_wait)
    : max_queued_(max_queued),
      max_wait_(max_wait),
      workers_(std::max(1, workers)) {
  for (int i = 0; i < workers_; ++i) {
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

RequestQueue::Refusal RequestQueue::TrySubmit(Work work) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  if (max_queued_ > 0 && static_cast<int>(queue_.size()) >= max_queued_) {
    return Refusal::kFull;
  }
  if (max_wait_ > absl::ZeroDuration() && !queue_.empty()) {
    // The queue stands (its oldest call has waited too long), or the calls
    // ahead would take longer than max_wait to run at the recent pace: the
    // new call would be shed when it got to a worker anyway, so say so now.
    if (now - queue_.front().queued_at > max_wait_) return Refusal::kStanding;
    const double ahead_ns = static_cast<double>(queue_.size()) *
                            mean_service_ns_ / static_cast<double>(workers_);
    if (ahead_ns > absl::ToDoubleNanoseconds(max_wait_)) {
      return Refusal::kStanding;
    }
  }
  queue_.push_back(Item{std::move(work), now});
  return Refusal::kNone;
}

int RequestQueue::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

void RequestQueue::Loop() {
  double last_service_ns = -1;  // the previous call's, not yet averaged in
  for (;;) {
    Item item;
    {
      absl::MutexLock lock(&mu_);
      if (last_service_ns >= 0) {
        // Exponentially weighted over roughly the last 64 calls.
        mean_service_ns_ += (last_service_ns - mean_service_ns_) / 64;
      }
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    const absl::Time started = absl::Now();
    const absl::Duration waited = started - item.queued_at;
    const bool shed = max_wait_ > absl::ZeroDuration() && waited > max_wait_;
    item.work(shed, waited);
    // Shed calls cost next to nothing and would drag the pace down.
    last_service_ns =
        shed ? -1 : absl::ToDoubleNanoseconds(absl::Now() - started);
  }
}

}  // namespace boomerang
