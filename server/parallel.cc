#include "server/parallel.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace boomerang {
namespace {

struct Job {
  const std::function<void(int)>* fn;
  int n = 0;
  int helpers_wanted = 0;  // helper threads that may still join
  int active = 0;          // helpers inside Work(); guarded by the pool's mutex
  std::atomic<int> next{0};

  // Runs items until none are left.
  void Work() {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) (*fn)(i);
  }
};

class Pool {
 public:
  explicit Pool(int helpers) {
    for (int t = 0; t < helpers; ++t) threads_.emplace_back([this] { Loop(); });
  }
  // Never destroyed (a function-local static leaked on purpose): helper
  // threads must not outlive a pool that exit() is tearing down.

  void Run(Job* job) {
    {
      absl::MutexLock lock(&mu_);
      jobs_.push_back(job);
    }
    job->Work();
    absl::MutexLock lock(&mu_);
    // Stop new helpers from picking it up, then wait for those inside:
    // every item has been claimed, so when they leave all are done.
    jobs_.erase(std::remove(jobs_.begin(), jobs_.end(), job), jobs_.end());
    auto finished = [job] { return job->active == 0; };
    mu_.Await(absl::Condition(&finished));
  }

 private:
  void Loop() {
    for (;;) {
      Job* job = nullptr;
      {
        absl::MutexLock lock(&mu_);
        auto has_job = [this] { return !jobs_.empty(); };
        mu_.Await(absl::Condition(&has_job));
        job = jobs_.front();
        ++job->active;
        if (--job->helpers_wanted <= 0) jobs_.pop_front();
      }
      job->Work();
      absl::MutexLock lock(&mu_);
      --job->active;  // the caller's Await re-checks when the lock drops
    }
  }

  absl::Mutex mu_;
  std::deque<Job*> jobs_;
  std::vector<std::thread> threads_;
};

Pool& GetPool() {
  static Pool* pool = new Pool(DefaultWorkers() - 1);
  return *pool;
}

}  // namespace

int UsableCores() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
    return std::max(1, CPU_COUNT(&cpus));
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int DefaultWorkers() { return std::clamp(UsableCores(), 1, 8); }

void ParallelFor(int n, int workers, const std::function<void(int)>& fn) {
  if (n <= 0) return;
  if (workers <= 1 || n < 4) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  Job job;
  job.fn = &fn;
  job.n = n;
  job.helpers_wanted = std::min(workers - 1, DefaultWorkers() - 1);
  if (job.helpers_wanted <= 0) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  GetPool().Run(&job);
}

}  // namespace boomerang
