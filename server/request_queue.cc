#include "server/request_queue.h"

#include <utility>

namespace boomerang {

RequestQueue::RequestQueue(int workers, int max_queued)
    : max_queued_(max_queued) {
  for (int i = 0; i < std::max(1, workers); ++i) {
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

bool RequestQueue::TrySubmit(std::function<void()> work) {
  absl::MutexLock lock(&mu_);
  if (max_queued_ > 0 && static_cast<int>(queue_.size()) >= max_queued_) {
    return false;
  }
  queue_.push_back(std::move(work));
  return true;
}

int RequestQueue::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

void RequestQueue::Loop() {
  for (;;) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace boomerang
