// Fakes for unit tests of the engine: an in-memory event log and a clock
// the test moves. Part of the test-fixture library with test_util.h (temp
// dirs, files), process.h (child processes) and server_fixture.h (a server
// in-process).
#ifndef BOOMERANG_TESTS_FAKES_H_
#define BOOMERANG_TESTS_FAKES_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "models/events/event_log.h"

namespace boomerang::testing {

// An EventLog in memory: appends are "durable" at once, on the caller's
// thread (listener, then done), duplicates dropped by idempotency key.
class FakeEventLog final : public EventLog {
 public:
  void AppendAsync(std::vector<v1::Event> events,
                   AppendCallback done) override {
    AppendResult r;
    std::vector<v1::Event> accepted;
    {
      absl::MutexLock lock(&mu_);
      for (v1::Event& e : events) {
        if (!keys_.insert(e.idempotency_key()).second) {
          ++r.duplicates;
          continue;
        }
        newest_ = std::max<int64_t>(newest_, e.timestamp().seconds());
        events_.push_back(e);
        accepted.push_back(std::move(e));
        ++r.accepted;
      }
    }
    // Outside the events' lock, as the store calls it from its writer
    // thread (the listener may take locks a Replay caller holds), under the
    // listener's own lock (SetListener waits for it).
    std::vector<const v1::Event*> pointers;
    for (const v1::Event& e : accepted) pointers.push_back(&e);
    {
      absl::MutexLock lock(&listener_mu_);
      if (listener_ && !pointers.empty()) listener_(pointers);
    }
    done(r);
  }
  absl::Status Replay(
      const std::function<bool(const v1::Event&)>& fn) const override {
    absl::MutexLock lock(&mu_);
    if (fail_replay_) return absl::DataLossError("the fake log is unreadable");
    for (const v1::Event& e : events_) {
      if (!fn(e)) break;
    }
    return absl::OkStatus();
  }
  void SetListener(Listener listener) override {
    absl::MutexLock lock(&listener_mu_);
    listener_ = std::move(listener);
  }
  int64_t events_accepted() const override {
    absl::MutexLock lock(&mu_);
    return events_.size();
  }
  int64_t newest_event_time() const override {
    absl::MutexLock lock(&mu_);
    return newest_;
  }
  int64_t last_append_time() const override { return 0; }
  // Replay fails from now on (an unreadable log).
  void FailReplay(bool fail) {
    absl::MutexLock lock(&mu_);
    fail_replay_ = fail;
  }
  int64_t ApproximateBytes() const override { return 0; }

 private:
  mutable absl::Mutex mu_;
  std::vector<v1::Event> events_;
  absl::flat_hash_set<std::string> keys_;
  absl::Mutex listener_mu_;
  Listener listener_;
  int64_t newest_ = 0;
  bool fail_replay_ = false;
};

// A machine time the test sets (ServingClock::system_now).
class FakeClock {
 public:
  explicit FakeClock(int64_t now) : now_(now) {}
  void Set(int64_t now) { now_.store(now); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds); }
  int64_t Now() const { return now_.load(); }
  std::function<int64_t()> AsFunction() const {
    return [this] { return Now(); };
  }

 private:
  std::atomic<int64_t> now_;
};

// An event for tests: `type` of `item` by `customer` at `time`.
inline v1::Event MakeEvent(v1::Event::Type type, const std::string& customer,
                           const std::string& item, int64_t time,
                           const std::string& key) {
  v1::Event e;
  e.set_type(type);
  e.set_customer_id(customer);
  e.set_item_id(item);
  e.mutable_timestamp()->set_seconds(time);
  e.set_idempotency_key(key);
  return e;
}

}  // namespace boomerang::testing

#endif  // BOOMERANG_TESTS_FAKES_H_
