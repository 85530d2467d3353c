#include "server/engine/live_view.h"

#include <algorithm>

#include "absl/hash/hash.h"

namespace boomerang {

absl::StatusOr<std::unique_ptr<LiveView>> LiveView::Build(const EventLog& log,
                                                          int64_t after) {
  std::unique_ptr<LiveView> view(new LiveView());
  absl::Status s = view->KeepAfter(log, after);
  if (!s.ok()) return s;
  return view;
}

LiveView::Shard& LiveView::ShardOf(absl::string_view customer_id) const {
  return shards_[absl::Hash<absl::string_view>()(customer_id) % kShards];
}

void LiveView::AddOne(const v1::Event& e) {
  const int64_t t = e.timestamp().seconds();
  Shard& shard = ShardOf(e.customer_id());
  absl::MutexLock lock(&shard.mu);
  std::vector<LiveEvent>& events = shard.by_customer[e.customer_id()];
  for (const LiveEvent& have : events) {
    if (have.key == e.idempotency_key()) return;
  }
  LiveEvent le;
  le.type = e.type();
  le.time = t;
  le.micros = t * 1000000 + e.timestamp().nanos() / 1000;
  le.item_id = e.item_id();
  le.order_id = e.order_id();
  le.key = e.idempotency_key();
  le.quantity = e.quantity();
  le.price = e.price();
  // The event store's order: time (microseconds), then key.
  auto pos = std::upper_bound(
      events.begin(), events.end(), le,
      [](const LiveEvent& a, const LiveEvent& b) {
        return a.micros != b.micros ? a.micros < b.micros : a.key < b.key;
      });
  events.insert(pos, std::move(le));
  ++shard.events;
  if (events.size() > kMaxEventsPerCustomer) {
    events.erase(events.begin());
    --shard.events;
  }
}

void LiveView::Add(const std::vector<const v1::Event*>& events) {
  absl::MutexLock lock(&rebuild_mu_);
  for (const v1::Event* e : events) {
    if (e->timestamp().seconds() > after_) AddOne(*e);
  }
}

std::vector<LiveEvent> LiveView::ForCustomer(
    absl::string_view customer_id) const {
  Shard& shard = ShardOf(customer_id);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.by_customer.find(customer_id);
  if (it == shard.by_customer.end()) return {};
  return it->second;
}

void LiveView::Clear() {
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    shard.by_customer.clear();
    shard.events = 0;
  }
}

absl::Status LiveView::KeepAfter(const EventLog& log, int64_t after) {
  absl::MutexLock lock(&rebuild_mu_);
  const bool first = after_ == 0 && events() == 0;
  if (!first && after >= after_) {
    // A newer snapshot: drop what it already has.
    for (Shard& shard : shards_) {
      absl::MutexLock shard_lock(&shard.mu);
      for (auto it = shard.by_customer.begin();
           it != shard.by_customer.end();) {
        std::vector<LiveEvent>& events = it->second;
        auto keep = std::find_if(
            events.begin(), events.end(),
            [after](const LiveEvent& e) { return e.time > after; });
        shard.events -= keep - events.begin();
        events.erase(events.begin(), keep);
        if (events.empty()) {
          shard.by_customer.erase(it++);
        } else {
          ++it;
        }
      }
    }
    after_ = after;
    return absl::OkStatus();
  }
  // The first build, or an older snapshot: read the log again. Appends
  // wait for the lock meanwhile (their listener call does), so none is
  // missed; one already replayed is skipped by its key.
  Clear();
  after_ = after;
  return log.Replay([this, after](const v1::Event& e) {
    if (e.timestamp().seconds() > after) AddOne(e);
    return true;
  });
}

int64_t LiveView::after() const {
  absl::MutexLock lock(&rebuild_mu_);
  return after_;
}

int64_t LiveView::events() const {
  int64_t n = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.events;
  }
  return n;
}

int64_t LiveView::customers() const {
  int64_t n = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.by_customer.size();
  }
  return n;
}

}  // namespace boomerang
