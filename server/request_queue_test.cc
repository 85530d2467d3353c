#include "server/request_queue.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace boomerang {
namespace {

// A work item that blocks its worker until `release` is notified.
RequestQueue::Work Blocker(absl::Notification* started,
                           absl::Notification* release) {
  return [started, release](bool, absl::Duration) {
    started->Notify();
    release->WaitForNotification();
  };
}

TEST(RequestQueueTest, RunsEverySubmittedCallOnce) {
  std::atomic<int> ran{0};
  {
    RequestQueue queue(2, 0, absl::ZeroDuration());
    for (int i = 0; i < 1000; ++i) {
      ASSERT_EQ(queue.TrySubmit([&ran](bool shed, absl::Duration) {
        EXPECT_FALSE(shed);
        ran.fetch_add(1);
      }),
                RequestQueue::Refusal::kNone);
    }
  }  // the destructor runs what is queued
  EXPECT_EQ(ran.load(), 1000);
}

TEST(RequestQueueTest, RefusesWhenTheQueueIsFull) {
  absl::Notification started, release;
  RequestQueue queue(1, 3, absl::ZeroDuration());
  ASSERT_EQ(queue.TrySubmit(Blocker(&started, &release)),
            RequestQueue::Refusal::kNone);
  started.WaitForNotification();  // the only worker is busy
  std::atomic<int> ran{0};
  auto count = [&ran](bool, absl::Duration) { ran.fetch_add(1); };
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(queue.TrySubmit(count), RequestQueue::Refusal::kNone);
  }
  EXPECT_EQ(queue.queued(), 3);
  EXPECT_EQ(queue.TrySubmit(count), RequestQueue::Refusal::kFull);
  release.Notify();
  while (queue.queued() > 0) absl::SleepFor(absl::Milliseconds(1));
  // Room again once the worker drained the queue.
  EXPECT_EQ(queue.TrySubmit(count), RequestQueue::Refusal::kNone);
}

TEST(RequestQueueTest, ShedsCallsThatWaitedTooLongAndRefusesNewOnes) {
  absl::Notification started, release;
  RequestQueue queue(1, 0, absl::Milliseconds(20));
  ASSERT_EQ(queue.TrySubmit(Blocker(&started, &release)),
            RequestQueue::Refusal::kNone);
  started.WaitForNotification();
  std::atomic<int> run{0}, shed{0};
  absl::Duration longest_shed_wait;
  absl::Notification done;
  ASSERT_EQ(queue.TrySubmit([&](bool is_shed, absl::Duration waited) {
    (is_shed ? shed : run).fetch_add(1);
    longest_shed_wait = waited;
    done.Notify();
  }),
            RequestQueue::Refusal::kNone);
  absl::SleepFor(absl::Milliseconds(60));
  // The waiting call is older than the limit: the queue stands, and a new
  // call is refused at once instead of joining it.
  EXPECT_EQ(queue.TrySubmit([](bool, absl::Duration) {}),
            RequestQueue::Refusal::kStanding);
  release.Notify();
  done.WaitForNotification();
  EXPECT_EQ(run.load(), 0);
  EXPECT_EQ(shed.load(), 1);
  EXPECT_GE(longest_shed_wait, absl::Milliseconds(60));
  // Once the queue drained, calls are accepted and run again.
  absl::Notification ran_fresh;
  bool fresh_shed = true;
  ASSERT_EQ(queue.TrySubmit([&](bool is_shed, absl::Duration) {
    fresh_shed = is_shed;
    ran_fresh.Notify();
  }),
            RequestQueue::Refusal::kNone);
  ran_fresh.WaitForNotification();
  EXPECT_FALSE(fresh_shed);
}

TEST(RequestQueueTest, RefusesAtOnceWhenTheCallsAheadWouldTakeTooLong) {
  RequestQueue queue(1, 0, absl::Milliseconds(50));
  // Teach the queue its pace: calls of 5 ms each.
  for (int i = 0; i < 64; ++i) {
    absl::Notification done;
    ASSERT_EQ(queue.TrySubmit([&done](bool, absl::Duration) {
      absl::SleepFor(absl::Milliseconds(5));
      done.Notify();
    }),
              RequestQueue::Refusal::kNone);
    done.WaitForNotification();
  }
  absl::Notification started, release;
  ASSERT_EQ(queue.TrySubmit(Blocker(&started, &release)),
            RequestQueue::Refusal::kNone);
  started.WaitForNotification();
  // The oldest waiting call is young, so only the predicted wait (calls
  // ahead x their pace) can refuse: 64 calls of ~5 ms would need ~320 ms.
  const absl::Time first = absl::Now();
  int accepted = 0;
  RequestQueue::Refusal refusal = RequestQueue::Refusal::kNone;
  for (int i = 0; i < 64 && refusal == RequestQueue::Refusal::kNone; ++i) {
    refusal = queue.TrySubmit([](bool, absl::Duration) {});
    if (refusal == RequestQueue::Refusal::kNone) ++accepted;
  }
  const absl::Duration took = absl::Now() - first;
  release.Notify();
  EXPECT_EQ(refusal, RequestQueue::Refusal::kStanding);
  EXPECT_GE(accepted, 1);
  EXPECT_LT(accepted, 64);
  // Refused at once, not after the call would have waited 50 ms.
  EXPECT_LT(took, absl::Milliseconds(50));
}

TEST(RequestQueueTest, DefaultWorkersFollowTheRequestOrTheUsableCores) {
  EXPECT_EQ(RequestQueue::DefaultWorkers(3), 3);
  EXPECT_GE(RequestQueue::DefaultWorkers(0), 1);
}

}  // namespace
}  // namespace boomerang
