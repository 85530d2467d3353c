// ParallelFor: runs fn(0..n-1) on the calling thread and a process-wide pool
// of helper threads, and returns when all are done.
//
// For the batch streams (StreamPersonalPicks, DueReplenishments), which
// compute a chunk of customers between two writes: one stream would
// otherwise use one core. The pool's threads are started once and kept
// (threads started per chunk cost their thread-local buffers and malloc
// arenas every time: measured, malloc_consolidate was 6% of a batch-picks
// profile). FAISS's OpenMP is not used for this because libgomp keeps a
// thread team per calling thread (see the server's main.cc).
//
// Thread-safety: ParallelFor may be called from many threads at once; jobs
// share the pool. fn must be safe to call concurrently for different i.
#ifndef BOOMERANG_SERVER_PARALLEL_H_
#define BOOMERANG_SERVER_PARALLEL_H_

#include <functional>

namespace boomerang {

// Cores this process may run on: its CPU affinity, which taskset and cgroup
// cpusets (docker --cpuset-cpus) set; std::thread::hardware_concurrency
// counts every core of the machine. A CPU quota (docker --cpus, Kubernetes
// limits) is not an affinity and is not seen here.
int UsableCores();

// UsableCores(), at most 8: the pool's helpers plus the caller.
int DefaultWorkers();

// Runs fn(i) for i in [0, n) on up to `workers` threads (the caller
// included). Small n runs inline.
void ParallelFor(int n, int workers, const std::function<void(int)>& fn);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_PARALLEL_H_
