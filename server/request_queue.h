// RequestQueue: bounded admission for the unary RPCs. A handler hands its
// work to the queue and returns at once; a fixed set of worker threads (one
// per usable core by default) runs it and finishes the call.
//
// A new call is refused at once (the caller answers RESOURCE_EXHAUSTED)
// when the calls already waiting would keep it waiting longer than
// `max_wait` at the recent pace (mean time per call over about the last 64,
// each counted at most max_wait, divided among the workers), or when
// `max_queued` calls already wait. Before the first calls finish the pace is
// unknown and only `max_queued` applies.
// Under overload, accepted calls keep their latency (about max_wait of
// waiting) and the excess fails fast, so clients can back off or go
// elsewhere; bounding predicted time, not only count, holds whatever the
// calls cost. The queue's length, not how long calls happened to wait, is
// what refuses: when the workers are merely slow for a moment (a snapshot
// being loaded beside them, another process taking the cores), the few
// calls waiting are not refused, because refusing them would not make the
// server any less loaded. Nor is a queue of fewer than kMinQueuedPerWorker
// calls per worker: where calls are slow (a big catalog, a sanitizer
// build), the time budget alone would refuse a handful of concurrent
// callers, which is not overload. A call whose deadline passed while it waited
// is not run (the caller answers DEADLINE_EXCEEDED).
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
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace boomerang {

struct RequestQueueOptions {
  // Worker threads (at least one).
  int workers = 1;
  // At most this many calls wait (0: no limit).
  int max_queued = 256;
  // The longest predicted wait a new call is admitted with (zero: no
  // limit).
  absl::Duration max_wait = absl::Milliseconds(5);
};

class RequestQueue {
 public:
  explicit RequestQueue(const RequestQueueOptions& options);
  // Runs what is queued, then stops the workers.
  ~RequestQueue();

  // Why TrySubmit refused a call.
  enum class Refusal { kNone, kFull, kTooSlow };
  // Queues `work`; on refusal `work` is dropped and the reason returned.
  Refusal TrySubmit(std::function<void()> work);

  // A queue shorter than this many calls per worker is never refused for
  // time.
  static constexpr int kMinQueuedPerWorker = 8;

  // What a refused caller is told (for RESOURCE_EXHAUSTED).
  std::string RefusalMessage(Refusal refusal) const;

  int queued() const;
  // The wait a call submitted now is predicted to have.
  absl::Duration PredictedWait() const;

  // Worker threads for `requested` (> 0: that many), otherwise one per core
  // this process may run on (UsableCores()).
  static int DefaultWorkers(int requested);

 private:
  void Loop();
  double PredictedWaitNs() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RequestQueueOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // Recent mean time a worker spends on one call.
  double mean_service_ns_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_REQUEST_QUEUE_H_
