// RequestQueue: bounded admission for the unary RPCs. A handler hands its
// work to the queue and returns at once; a fixed set of worker threads (one
// per usable core by default) runs it and finishes the call. A new call is
// refused at once (the caller answers RESOURCE_EXHAUSTED) when `max_queued`
// calls already wait, or when it would wait longer than `max_wait`: the
// oldest waiting call has waited longer (the queue stands), or the calls
// ahead of it would take longer at the recent pace (mean time per call over
// about the last 64, divided among the workers). A call that still waits longer
// than `max_wait` is not run but shed with RESOURCE_EXHAUSTED when a worker
// reaches it, and one whose deadline passed while it waited is not run either.
// Under overload, accepted calls keep their latency (at most about max_wait of
// waiting) and the excess fails fast, so clients can back off or go elsewhere;
// a bound on time, not only on count, holds whatever a call costs.
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
#include "absl/time/time.h"

namespace boomerang {

class RequestQueue {
 public:
  // Called once on a worker: with `shed` false it must do the call's work;
  // with `shed` true the call waited longer than max_wait (`waited`) and
  // must only be answered with RESOURCE_EXHAUSTED.
  using Work = std::function<void(bool shed, absl::Duration waited)>;

  // `workers` threads; at most `max_queued` calls waiting (0: no limit), for
  // at most `max_wait` each (zero: no limit).
  RequestQueue(int workers, int max_queued, absl::Duration max_wait);
  // Runs what is queued, then stops the workers.
  ~RequestQueue();

  // Why TrySubmit refused a call.
  enum class Refusal { kNone, kFull, kStanding };
  // Queues `work`; on refusal `work` is dropped and the reason returned.
  Refusal TrySubmit(Work work);

  int queued() const;
  int max_queued() const { return max_queued_; }
  absl::Duration max_wait() const { return max_wait_; }

  // Worker threads for `requested` (> 0: that many), otherwise one per core
  // this process may run on (UsableCores()).
  static int DefaultWorkers(int requested);

 private:
  struct Item {
    Work work;
    absl::Time queued_at;
  };
  void Loop();

  const int max_queued_;
  const absl::Duration max_wait_;
  const int workers_;
  mutable absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  // Recent mean time a worker spends on one call, for predicting waits.
  double mean_service_ns_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_REQUEST_QUEUE_H_
