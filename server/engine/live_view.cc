#include "server/engine/live_view.h"

#include <algorithm>

#include "absl/hash/hash.h"

namespace boomerang {
namespace {

// The event store's order: time in microseconds, then idempotency key.
bool Before(const LiveEvent& a, const LiveEvent& b) {
  return a.micros != b.micros ? a.micros < b.micros : a.key < b.key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LiveView>> LiveView::Build(const EventLog& log,
                                                          int64_t after) {
  auto view = std::make_unique<LiveView>();
  absl::Status s = view->KeepAfter(log, after);
  if (!s.ok()) return s;
  return view;
}

size_t LiveView::ShardIndex(absl::string_view customer_id) {
  return absl::Hash<absl::string_view>()(customer_id) % kShards;
}

LiveEvent LiveView::ToLive(const v1::Event& e) {
  LiveEvent le;
  le.type = e.type();
  le.time = e.timestamp().seconds();
  le.micros = le.time * 1000000 + e.timestamp().nanos() / 1000;
  le.item_id = e.item_id();
  le.order_id = e.order_id();
  le.key = e.idempotency_key();
  le.quantity = e.quantity();
  le.price = e.price();
  le.session_id = e.session_id();
  if (e.type() == v1::Event::MESSAGE_SENT) {
    le.message = std::make_shared<const v1::MessageSent>(e.message());
  }
  return le;
}

template <typename E>
int64_t LiveView::Insert(E&& event, Events* events) {
  // A duplicate has the same time and key: binary search finds it.
  auto pos = std::lower_bound(events->begin(), events->end(), event, Before);
  if (pos != events->end() && pos->micros == event.micros &&
      pos->key == event.key) {
    return 0;
  }
  events->insert(pos, std::forward<E>(event));
  if (events->size() <= 2 * kMaxEventsPerCustomer) return 1;
  const int64_t dropped =
      static_cast<int64_t>(events->size() - kMaxEventsPerCustomer);
  events->erase(events->begin(), events->begin() + dropped);
  return 1 - dropped;
}

void LiveView::Add(const std::vector<const v1::Event*>& events) {
  absl::MutexLock bound(&bound_mu_);
  for (const v1::Event* e : events) {
    // Catalog changes are the catalog view's (catalog_view.h).
    if (e->type() == v1::Event::ITEM_UPDATE || e->customer_id().empty()) {
      continue;
    }
    if (!Keeps(e->type(), e->timestamp().seconds(), after_)) continue;
    Shard& shard = shards_[ShardIndex(e->customer_id())];
    absl::MutexLock lock(&shard.mu);
    shard.events += Insert(ToLive(*e), &shard.by_customer[e->customer_id()]);
  }
}

std::vector<LiveEvent> LiveView::ForCustomer(
    absl::string_view customer_id) const {
  const Shard& shard = shards_[ShardIndex(customer_id)];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.by_customer.find(customer_id);
  if (it == shard.by_customer.end()) return {};
  const Events& events = it->second;
  const size_t skip = events.size() > kMaxEventsPerCustomer
                          ? events.size() - kMaxEventsPerCustomer
                          : 0;
  return Events(events.begin() + skip, events.end());
}

void LiveView::PruneInPlace(int64_t after) {
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (auto it = shard.by_customer.begin(); it != shard.by_customer.end();) {
      Events& events = it->second;
      auto keep = std::remove_if(events.begin(), events.end(),
                                 [after](const LiveEvent& e) {
                                   return !Keeps(e.type, e.time, after);
                                 });
      shard.events -= events.end() - keep;
      events.erase(keep, events.end());
      if (events.empty()) {
        shard.by_customer.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

absl::Status LiveView::ReadLog(const EventLog& log, int64_t after) {
  int64_t previous;
  {
    // From now on the listener keeps what the new bound needs: an event
    // appended while the log is read may be too late for the read.
    absl::MutexLock bound(&bound_mu_);
    previous = after_;
    after_ = std::min(after_, after);
  }
  // Read beside the serving view, which readers and the listener keep
  // using meanwhile.
  std::array<Map, kShards> fresh;
  std::array<int64_t, kShards> counts{};
  absl::Status s = log.Replay([&](const v1::Event& e) {
    if (e.type() != v1::Event::ITEM_UPDATE && !e.customer_id().empty() &&
        Keeps(e.type(), e.timestamp().seconds(), after)) {
      const size_t k = ShardIndex(e.customer_id());
      counts[k] += Insert(ToLive(e), &fresh[k][e.customer_id()]);
    }
    return true;
  });
  if (!s.ok()) {
    // The view still has what it had (and maybe more): its old bound holds.
    absl::MutexLock bound(&bound_mu_);
    after_ = previous;
    return s;
  }
  {
    absl::MutexLock bound(&bound_mu_);
    after_ = after;
  }
  // Merge what the view has (the listener's additions during the read
  // above all) and swap, one shard at a time: the listener adds to a shard
  // either before its merge (and is merged) or after its swap.
  for (int k = 0; k < kShards; ++k) {
    Shard& shard = shards_[k];
    absl::MutexLock lock(&shard.mu);
    for (const auto& [customer, events] : shard.by_customer) {
      Events* into = nullptr;
      for (const LiveEvent& e : events) {
        if (!Keeps(e.type, e.time, after)) continue;
        if (into == nullptr) into = &fresh[k][customer];
        counts[k] += Insert(e, into);
      }
    }
    shard.by_customer.swap(fresh[k]);
    shard.events = counts[k];
  }
  absl::MutexLock bound(&bound_mu_);
  read_ = true;
  return absl::OkStatus();
}

absl::Status LiveView::KeepAfter(const EventLog& log, int64_t after) {
  absl::MutexLock keep(&keep_mu_);
  bool prune = false;
  {
    absl::MutexLock bound(&bound_mu_);
    if (read_ && after >= after_) {
      // No event at or below the new bound is added from here on.
      after_ = after;
      prune = true;
    }
  }
  if (!prune) return ReadLog(log, after);
  PruneInPlace(after);
  return absl::OkStatus();
}

std::vector<std::string> LiveView::Customers() const {
  std::vector<std::string> ids;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (const auto& [id, events] : shard.by_customer) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

int64_t LiveView::after() const {
  absl::MutexLock lock(&bound_mu_);
  return after_;
}

bool LiveView::read() const {
  absl::MutexLock lock(&bound_mu_);
  return read_;
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
