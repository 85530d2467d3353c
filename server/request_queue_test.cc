#include "server/request_queue.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace boomerang {
namespace {

// Every test declares what its calls use before the queue, so that the
// queue (whose destructor runs what is still queued) goes first.

RequestQueueOptions Options(int workers, int max_queued, int max_wait_ms) {
  RequestQueueOptions o;
  o.workers = workers;
  o.max_queued = max_queued;
  o.max_wait = absl::Milliseconds(max_wait_ms);
  return o;
}

// A work item that blocks its worker until `release` is notified.
std::function<void()> Blocker(absl::Notification* started,
                              absl::Notification* release) {
  return [started, release] {
    started->Notify();
    release->WaitForNotification();
  };
}

// Teaches `queue` (one worker) a pace of `ms` per call.
void TeachPace(RequestQueue* queue, int ms) {
  for (int i = 0; i < 128; ++i) {
    absl::Notification done;
    ASSERT_EQ(queue->TrySubmit([&done, ms] {
      absl::SleepFor(absl::Milliseconds(ms));
      done.Notify();
    }),
              RequestQueue::Refusal::kNone);
    done.WaitForNotification();
  }
}

// Waits until `n` calls counted by `counter` ran.
void AwaitCount(const std::atomic<int>& counter, int n) {
  while (counter.load() < n) absl::SleepFor(absl::Milliseconds(1));
}

TEST(RequestQueueTest, RunsEverySubmittedCallOnce) {
  std::atomic<int> ran{0};
  {
    RequestQueue queue(Options(2, 0, 0));
    for (int i = 0; i < 1000; ++i) {
      ASSERT_EQ(queue.TrySubmit([&ran] { ran.fetch_add(1); }),
                RequestQueue::Refusal::kNone);
    }
  }  // the destructor runs what is queued
  EXPECT_EQ(ran.load(), 1000);
}

TEST(RequestQueueTest, RefusesWhenTheQueueIsFull) {
  absl::Notification started, release;
  std::atomic<int> ran{0};
  auto count = [&ran] { ran.fetch_add(1); };
  RequestQueue queue(Options(1, 3, 0));
  ASSERT_EQ(queue.TrySubmit(Blocker(&started, &release)),
            RequestQueue::Refusal::kNone);
  started.WaitForNotification();  // the only worker is busy
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(queue.TrySubmit(count), RequestQueue::Refusal::kNone);
  }
  EXPECT_EQ(queue.queued(), 3);
  EXPECT_EQ(queue.TrySubmit(count), RequestQueue::Refusal::kFull);
  EXPECT_NE(queue.RefusalMessage(RequestQueue::Refusal::kFull)
                .find("3 calls already waiting"),
            std::string::npos);
  release.Notify();
  AwaitCount(ran, 3);
  // Room again once the worker drained the queue.
  EXPECT_EQ(queue.TrySubmit(count), RequestQueue::Refusal::kNone);
  AwaitCount(ran, 4);
}

TEST(RequestQueueTest, RefusesAtOnceWhenTheCallsAheadWouldTakeTooLong) {
  absl::Notification started, release;
  RequestQueue queue(Options(1, 0, 50));
  TeachPace(&queue, 5);
  ASSERT_EQ(queue.TrySubmit(Blocker(&started, &release)),
            RequestQueue::Refusal::kNone);
  started.WaitForNotification();
  // Calls of 5 ms or more each (sleeps overrun on a busy machine; the
  // moving mean, started at 0, has reached ~87% of the pace): about 12 fit
  // in 50 ms of waiting; the next ones are refused at once, long before any
  // of them waited 50 ms.
  const absl::Time first = absl::Now();
  int accepted = 0;
  RequestQueue::Refusal refusal = RequestQueue::Refusal::kNone;
  for (int i = 0; i < 64 && refusal == RequestQueue::Refusal::kNone; ++i) {
    refusal = queue.TrySubmit([] {});
    if (refusal == RequestQueue::Refusal::kNone) ++accepted;
  }
  const absl::Duration took = absl::Now() - first;
  EXPECT_GE(queue.PredictedWait(), absl::Milliseconds(40));
  release.Notify();
  EXPECT_EQ(refusal, RequestQueue::Refusal::kTooSlow);
  EXPECT_GE(accepted, 1);
  EXPECT_LE(accepted, 16);
  EXPECT_LT(took, absl::Milliseconds(50));
}

TEST(RequestQueueTest, AFewCallsPerWorkerAreNeverRefusedForTime) {
  // Slow calls (6 ms each, as under a sanitizer or on a huge catalog) and
  // a 5 ms budget: 8 calls waiting for the one worker would wait ~40 ms,
  // but a handful of concurrent callers is not overload.
  absl::Notification started, release;
  std::atomic<int> ran{0};
  RequestQueue queue(Options(1, 0, 5));
  TeachPace(&queue, 6);
  ASSERT_EQ(queue.TrySubmit(Blocker(&started, &release)),
            RequestQueue::Refusal::kNone);
  started.WaitForNotification();
  for (int i = 0; i < RequestQueue::kMinQueuedPerWorker; ++i) {
    EXPECT_EQ(queue.TrySubmit([&ran] { ran.fetch_add(1); }),
              RequestQueue::Refusal::kNone)
        << i;
  }
  // One more per worker than that is refused.
  EXPECT_EQ(queue.TrySubmit([&ran] { ran.fetch_add(1); }),
            RequestQueue::Refusal::kTooSlow);
  release.Notify();
  AwaitCount(ran, RequestQueue::kMinQueuedPerWorker);
}

TEST(RequestQueueTest, AShortQueueIsNeverRefused) {
  // The worker stalls for 100 ms (a snapshot loading beside it, another
  // process on the cores) while a caller waits; before that, one call took
  // a whole second. A queue no longer than the number of workers is still
  // admitted: refusing it would not lower the load.
  absl::Notification started, release;
  std::atomic<int> ran{0};
  RequestQueue queue(Options(1, 0, 5));
  TeachPace(&queue, 1);
  {
    absl::Notification done;
    ASSERT_EQ(queue.TrySubmit([&done] {
      absl::SleepFor(absl::Seconds(1));
      done.Notify();
    }),
              RequestQueue::Refusal::kNone);
    done.WaitForNotification();
  }
  ASSERT_EQ(queue.TrySubmit(Blocker(&started, &release)),
            RequestQueue::Refusal::kNone);
  started.WaitForNotification();
  EXPECT_EQ(queue.TrySubmit([&ran] { ran.fetch_add(1); }),
            RequestQueue::Refusal::kNone);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_LE(queue.PredictedWait(), absl::Milliseconds(5));
  release.Notify();
  AwaitCount(ran, 1);
}

TEST(RequestQueueTest, UnderOverloadTheCallsThatRunWaitAboutTheLimit) {
  // One worker, calls of 1 ms, two submitted per millisecond for 500 ms:
  // twice what it can do. Without a limit the backlog (and every wait)
  // would grow to ~250 ms; with 10 ms, the calls that run wait about that.
  std::atomic<int> run{0}, refused{0};
  std::atomic<int64_t> longest_wait_us{0};
  RequestQueue queue(Options(1, 0, 10));
  TeachPace(&queue, 1);
  const absl::Time begin = absl::Now();
  while (absl::Now() - begin < absl::Milliseconds(500)) {
    for (int i = 0; i < 2; ++i) {
      const absl::Time submitted = absl::Now();
      auto r = queue.TrySubmit([&, submitted] {
        const int64_t us = absl::ToInt64Microseconds(absl::Now() - submitted);
        int64_t seen = longest_wait_us.load();
        while (us > seen && !longest_wait_us.compare_exchange_weak(seen, us)) {
        }
        absl::SleepFor(absl::Milliseconds(1));
        run.fetch_add(1);
      });
      if (r != RequestQueue::Refusal::kNone) refused.fetch_add(1);
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  const int submitted = run.load() + refused.load() + queue.queued();
  EXPECT_GT(refused.load(), 50);
  EXPECT_LT(longest_wait_us.load(), 120000);
  // Drain before the counters go out of scope.
  while (run.load() + refused.load() < submitted) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_GT(run.load(), 50);
}

TEST(RequestQueueTest, DefaultWorkersFollowTheRequestOrTheUsableCores) {
  EXPECT_EQ(RequestQueue::DefaultWorkers(3), 3);
  EXPECT_GE(RequestQueue::DefaultWorkers(0), 1);
}

}  // namespace
}  // namespace boomerang
