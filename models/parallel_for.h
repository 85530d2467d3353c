// ParallelFor: a loop split into chunks over a few short-lived threads, for
// the batch fits of models/ (ALS, the customer value likelihoods). Callers
// make each chunk's result independent of the thread that ran it, so
// results never depend on the thread count.
//
// Thread-safety: each call is independent; `fn` runs concurrently with
// itself on disjoint chunks.
#ifndef BOOMERANG_MODELS_PARALLEL_FOR_H_
#define BOOMERANG_MODELS_PARALLEL_FOR_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <system_error>
#include <thread>
#include <vector>

namespace boomerang {

// threads <= 0: all cores.
inline int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Calls fn(begin, end) over [0, n) in chunks, on up to `threads` threads
// pulling chunks from an atomic counter. Callers make each chunk's result
// independent of which thread ran it, so the result never depends on
// `threads`.
template <typename Fn>
void ParallelFor(int64_t n, int64_t chunk, int threads, const Fn& fn) {
  std::atomic<int64_t> next{0};
  auto worker = [&]() {
    while (true) {
      const int64_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) return;
      fn(begin, std::min(n, begin + chunk));
    }
  };
  const int64_t chunks = (n + chunk - 1) / chunk;
  const int64_t extra = std::min<int64_t>(threads, chunks) - 1;
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < extra; ++t) {
    // If the system refuses a thread, the others do its share: same result,
    // and no exception leaves the module.
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_PARALLEL_FOR_H_
