// ParallelFor: runs fn(0..n-1) on the calling thread plus up to
// `workers - 1` short-lived helper threads, and returns when all are done.
//
// For the batch streams (StreamPersonalPicks, DueReplenishments), which
// compute a chunk of customers between two writes: one stream would
// otherwise use one core. Threads are started per chunk rather than pooled:
// a chunk is milliseconds of work and a thread start is tens of
// microseconds, and nothing outlives the call. FAISS's OpenMP is not used
// for this because libgomp keeps a thread team per calling thread (see
// pitfalls in the server's main.cc).
//
// Thread-safety: fn must be safe to call concurrently for different i.
#ifndef BOOMERANG_SERVER_PARALLEL_H_
#define BOOMERANG_SERVER_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace boomerang {

// The default number of workers: the machine's hardware threads, at most 8.
inline int DefaultWorkers() {
  const unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 8u));
}

template <typename Fn>
void ParallelFor(int n, int workers, Fn fn) {
  std::atomic<int> next{0};
  auto run = [&] {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  // Below a few items a thread costs more than it saves.
  const int helpers = std::min(workers, n / 4) - 1;
  std::vector<std::thread> threads;
  threads.reserve(std::max(0, helpers));
  for (int t = 0; t < helpers; ++t) threads.emplace_back(run);
  run();
  for (std::thread& t : threads) t.join();
}

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_PARALLEL_H_
