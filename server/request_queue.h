// RequestQueue: bounded admission for the unary RPCs. A handler hands its
// work to the queue and returns at once; a fixed set of worker threads (one
// per core by default) runs it and finishes the call. When `max_queued`
// calls already wait, a new one is refused at once (the caller answers
// RESOURCE_EXHAUSTED) instead of joining a queue that only grows: under
// overload, accepted calls keep their latency (at most about max_queued x
// service time / workers of waiting) and the excess fails fast, so clients
// can back off or go elsewhere. A call whose deadline passed while it
// waited is not run.
//
// Why our own queue: the gRPC callback API has no admission control of its
// own (ResourceQuota::SetMaxThreads bounds only the sync server), and
// without one, overload turns into unbounded queueing inside gRPC where no
// handler can see it.
//
// Thread-safety: thread-safe.
#ifndef BOOMERANG_SERVER_REQUEST_QUEUE_H_
#define BOOMERANG_SERVER_REQUEST_QUEUE_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace boomerang {

class RequestQueue {
 public:
  // `workers` threads; at most `max_queued` calls waiting (0: no limit).
  RequestQueue(int workers, int max_queued);
  // Runs what is queued, then stops the workers.
  ~RequestQueue();

  // Queues `work`; false (and `work` is dropped) when the queue is full.
  bool TrySubmit(std::function<void()> work);

  int queued() const;
  int max_queued() const { return max_queued_; }

 private:
  void Loop();

  const int max_queued_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_REQUEST_QUEUE_H_
