// The live event store: what customers did since the last snapshot (views,
// cart changes, purchases), appended durably and read back per customer.
//
// A RocksDB database (read-write, unlike snapshots) in its own directory:
//   events -- key: customer id, '\0', timestamp (8 bytes big-endian micro-
//             seconds since 1970, so a customer's events scan in time
//             order), idempotency key; value: a v1::Event.
//   keys   -- idempotency key -> the event's time (8 bytes big-endian
//             seconds; "" in stores written before retention) (what was
//             seen, for de-duplication).
//   default -- "stats": how many events are stored and the newest event
//             time, kept exact in the same batches as the events.
// Appends are written by one writer thread with group commit: the calls
// that arrive while a write is being synced wait, and the next write takes
// all of them in one batch, synced once (the write-ahead log on disk before
// any of them is acknowledged: an acknowledged event survives kill -9 and
// power loss). So the store takes as many calls per second as calls arrive
// per sync, not one call per sync, and no caller's thread is held while
// others write (AppendAsync). At most kMaxPendingEvents wait; beyond that an
// append is refused with RESOURCE_EXHAUSTED.
//
// Retention: with EventStoreOptions::keep_after, events (and their keys)
// older than the time it returns are dropped as RocksDB compacts, which it
// does at least daily: they are in the nightly export by then.
//
// Thread-safety: thread-safe; reads run concurrently with the writer.
#ifndef BOOMERANG_MODELS_EVENTS_EVENT_STORE_H_
#define BOOMERANG_MODELS_EVENTS_EVENT_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/events/event_log.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace boomerang {

struct EventStoreOptions {
  // Sync each write before acknowledging it. Off only for the fuzzer: then
  // an acknowledged event can be lost.
  bool sync_writes = true;
  // Unix seconds before which events may be dropped (0: keep everything);
  // asked at every compaction, so it may move (the server's follows the
  // serving snapshot's data end). Null: keep everything.
  std::function<int64_t()> keep_after;
  // The same for catalog updates (ITEM_UPDATE events), which are needed
  // until a snapshot's catalog has them (the server's follows the serving
  // snapshot's catalog_time). Null or 0: keep them all. Never later than
  // keep_after.
  std::function<int64_t()> keep_catalog_after;
};

class EventStore final : public EventLog {
 public:
  // Opens (creating when missing) the store in `dir`. Fails if another
  // process has it open.
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(
      const std::string& dir, const EventStoreOptions& options = {});
  // Opens a store that a running server may have open, for reading only
  // (the indexer's nightly rebuild): a RocksDB secondary instance, which is
  // safe beside the primary (a plain read-only open is not), caught up with
  // the primary's writes at open. `scratch_dir` holds the secondary's own
  // files. Append() fails on it.
  static absl::StatusOr<std::unique_ptr<EventStore>> OpenReader(
      const std::string& dir, const std::string& scratch_dir);
  ~EventStore() override;

  // Stores the events whose idempotency key is new (also within the call,
  // and among calls written together: the first to send a key stores it)
  // and calls `done` once they are synced to disk, on the writer thread (or
  // at once on an error). REQUIRES: events validated (non-empty customer,
  // item and key; a timestamp).
  void AppendAsync(std::vector<v1::Event> events, AppendCallback done) override;
  // The same, waiting for the result.
  absl::StatusOr<AppendResult> Append(std::vector<v1::Event> events);

  // Events allowed to wait for the writer.
  static constexpr int64_t kMaxPendingEvents = 100000;
  // Synced writes so far (each took one or more calls).
  int64_t write_groups() const { return write_groups_.load(); }

  // Whether an event with this idempotency key is stored (false also when
  // the store cannot be read).
  bool HasKey(absl::string_view key) const;

  // The customer's events in time order (at most `max_events`, the newest).
  absl::Status ForCustomer(absl::string_view customer_id,
                           std::vector<v1::Event>* out,
                           size_t max_events = 10000) const;

  // Every event in key order (customer, then time); stops when fn returns
  // false. For the indexer's nightly rebuild.
  absl::Status ForEach(const std::function<bool(const v1::Event&)>& fn) const;
  // EventLog: ForEach, and the listener called from the writer thread.
  absl::Status Replay(
      const std::function<bool(const v1::Event&)>& fn) const override {
    return ForEach(fn);
  }
  // Waits for a call of the previous listener in progress.
  void SetListener(Listener listener) override {
    absl::MutexLock lock(&listener_mu_);
    listener_ = std::move(listener);
  }

  // Events accepted since the store was created (duplicates not counted;
  // events dropped by retention still counted). A reader (OpenReader) sees
  // the count as of its open.
  int64_t events_accepted() const override { return events_stored_.load(); }
  // Bytes the store takes now (files and memory tables of events and keys).
  int64_t ApproximateBytes() const override;
  // Compacts everything now, applying retention (normally RocksDB does it
  // in the background); for tests and operators.
  absl::Status Compact();
  // The newest event time ever stored (unix seconds; 0 when none), and when
  // this process last stored events (0: not since it opened the store).
  int64_t newest_event_time() const override { return newest_event_.load(); }
  int64_t last_append_time() const override { return last_append_.load(); }
  const std::string& dir() const { return dir_; }

 private:
  EventStore() = default;
  static absl::StatusOr<std::unique_ptr<EventStore>> OpenReaderOnce(
      const std::string& dir, const std::string& scratch_dir);
  // Reads the stored counters; a store without them (written by an older
  // version) is counted once, and the counters written when `writable`.
  absl::Status LoadStats(bool writable);
  struct Pending {
    std::vector<v1::Event> events;
    AppendCallback done;
  };
  void WriterLoop();
  // Writes one group in one synced batch; a result per call.
  std::vector<absl::StatusOr<AppendResult>> WriteGroup(
      const std::vector<Pending>& group);
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* keys_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  absl::Mutex writer_mu_;
  std::vector<Pending> pending_ ABSL_GUARDED_BY(writer_mu_);
  int64_t pending_events_ ABSL_GUARDED_BY(writer_mu_) = 0;
  bool writer_stop_ ABSL_GUARDED_BY(writer_mu_) = false;
  std::thread writer_;  // not for readers
  std::atomic<int64_t> write_groups_{0};
  std::atomic<int64_t> events_stored_{0};
  std::atomic<int64_t> newest_event_{0};
  std::atomic<int64_t> last_append_{0};
  bool read_only_ = false;
  bool sync_writes_ = true;
  std::shared_ptr<const std::function<int64_t()>> keep_after_;
  std::shared_ptr<const std::function<int64_t()>> keep_catalog_after_;
  absl::Mutex listener_mu_;  // held while the listener runs
  Listener listener_ ABSL_GUARDED_BY(listener_mu_);
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_EVENTS_EVENT_STORE_H_
