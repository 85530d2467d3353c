#include "models/events/event_store.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/rocks_status.h"
#include "rocksdb/compaction_filter.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace boomerang {
namespace {

using internal::FromRocksStatus;

constexpr char kEventsFamily[] = "events";
constexpr char kKeysFamily[] = "keys";
// In the default column family: "<events> <newest event seconds>", written
// in the same batch as the events it counts.
constexpr char kStatsKey[] = "stats";

void PutBigEndian(int64_t v, std::string* out) {
  const uint64_t u = static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((u >> shift) & 0xff));
  }
}

int64_t GetBigEndian(const char* p) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(u ^ (uint64_t{1} << 63));
}

// Retention, applied by RocksDB as it compacts: drops events (their time is
// in the key) and idempotency keys (their time is the value) older than
// keep_after(), asked once per compaction.
// Catalog updates (ITEM_UPDATE: empty customer id, so the key starts with
// '\0') have their own cutoff: the serving snapshot's catalog_time, since
// an update its catalog does not have exists nowhere else.
class RetentionFilter : public rocksdb::CompactionFilter {
 public:
  RetentionFilter(bool events, int64_t cutoff_seconds, int64_t catalog_cutoff)
      : events_(events),
        cutoff_seconds_(cutoff_seconds),
        catalog_cutoff_(catalog_cutoff) {}
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string*, bool*) const override {
    if (events_) {
      // customer id, '\0', 8 bytes of microseconds, idempotency key.
      const char* zero =
          static_cast<const char*>(std::memchr(key.data(), '\0', key.size()));
      if (zero == nullptr || key.data() + key.size() - (zero + 1) < 8) {
        return false;
      }
      const int64_t seconds = GetBigEndian(zero + 1) / 1000000;
      if (zero == key.data()) {
        return catalog_cutoff_ > 0 && seconds < catalog_cutoff_;
      }
      return cutoff_seconds_ > 0 && seconds < cutoff_seconds_;
    }
    if (cutoff_seconds_ <= 0) return false;
    return value.size() == 8 && GetBigEndian(value.data()) < cutoff_seconds_;
  }
  const char* Name() const override { return "BoomerangEventRetention"; }

 private:
  const bool events_;
  const int64_t cutoff_seconds_;
  const int64_t catalog_cutoff_;
};

class RetentionFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  RetentionFilterFactory(
      bool events, std::shared_ptr<const std::function<int64_t()>> keep,
      std::shared_ptr<const std::function<int64_t()>> keep_catalog)
      : events_(events),
        keep_(std::move(keep)),
        keep_catalog_(std::move(keep_catalog)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context&) override {
    const int64_t cutoff = *keep_ ? (*keep_)() : 0;
    // No catalog cutoff: catalog updates are kept for ever.
    const int64_t catalog =
        cutoff > 0 && *keep_catalog_ ? (*keep_catalog_)() : 0;
    if (cutoff <= 0) return nullptr;  // keep everything
    return std::make_unique<RetentionFilter>(events_, cutoff,
                                             std::min(catalog, cutoff));
  }
  const char* Name() const override { return "BoomerangEventRetention"; }

 private:
  const bool events_;
  const std::shared_ptr<const std::function<int64_t()>> keep_;
  const std::shared_ptr<const std::function<int64_t()>> keep_catalog_;
};

std::string EncodeStats(int64_t events, int64_t newest) {
  return absl::StrCat(events, " ", newest);
}

std::string CustomerPrefix(absl::string_view customer_id) {
  std::string p(customer_id);
  p.push_back('\0');
  return p;
}

std::string EventKey(const v1::Event& e) {
  std::string key = CustomerPrefix(e.customer_id());
  const int64_t micros =
      e.timestamp().seconds() * 1000000 + e.timestamp().nanos() / 1000;
  // Big-endian, sign bit flipped: byte order = time order.
  PutBigEndian(micros, &key);
  key += e.idempotency_key();
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(
    const std::string& dir, const EventStoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("--events-dir ", dir, ": cannot create: ", ec.message()));
  }
  std::unique_ptr<EventStore> store(new EventStore());
  store->dir_ = dir;
  store->sync_writes_ = options.sync_writes;
  store->keep_after_ =
      std::make_shared<const std::function<int64_t()>>(options.keep_after);
  store->keep_catalog_after_ = std::make_shared<const std::function<int64_t()>>(
      options.keep_catalog_after);
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  // Periodic compaction (below) needs every file open.
  db_opts.max_open_files = -1;
  auto family = [&store](bool events) {
    rocksdb::ColumnFamilyOptions o;
    o.compaction_filter_factory = std::make_shared<RetentionFilterFactory>(
        events, store->keep_after_, store->keep_catalog_after_);
    // Rewrite files at least every 3 days, so that retention applies even
    // when few new events cause compactions (daily would rewrite the whole
    // store daily).
    o.periodic_compaction_seconds = 3 * 86400;
    return o;
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kEventsFamily, family(true)},
      {kKeysFamily, family(false)}};
  rocksdb::DB* db = nullptr;
  absl::Status s = FromRocksStatus(
      rocksdb::DB::Open(db_opts, dir, cfs, &store->handles_, &db),
      absl::StrCat("opening the event store ", dir));
  if (!s.ok()) return s;
  store->db_.reset(db);
  store->events_ = store->handles_[1];
  store->keys_ = store->handles_[2];
  s = store->LoadStats(/*writable=*/true);
  if (!s.ok()) return s;
  EventStore* raw = store.get();
  store->writer_ = std::thread([raw] { raw->WriterLoop(); });
  return store;
}

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::OpenReader(
    const std::string& dir, const std::string& scratch_dir) {
  if (!std::filesystem::exists(absl::StrCat(dir, "/CURRENT"))) {
    return absl::NotFoundError(
        absl::StrCat("--events ", dir, ": not an event store (no CURRENT)"));
  }
  // The server compacts while we open: a file listed in its manifest can
  // be gone by the time we open it. Try again a few times.
  absl::StatusOr<std::unique_ptr<EventStore>> store;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) absl::SleepFor(absl::Milliseconds(200 * attempt));
    store = OpenReaderOnce(dir, scratch_dir);
    if (store.ok()) break;
  }
  return store;
}

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::OpenReaderOnce(
    const std::string& dir, const std::string& scratch_dir) {
  std::unique_ptr<EventStore> store(new EventStore());
  store->dir_ = dir;
  store->read_only_ = true;
  rocksdb::DBOptions db_opts;
  db_opts.max_open_files = -1;  // required for secondary instances
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kEventsFamily, rocksdb::ColumnFamilyOptions()},
      {kKeysFamily, rocksdb::ColumnFamilyOptions()}};
  rocksdb::DB* db = nullptr;
  absl::Status s =
      FromRocksStatus(rocksdb::DB::OpenAsSecondary(db_opts, dir, scratch_dir,
                                                   cfs, &store->handles_, &db),
                      absl::StrCat("opening the event store ", dir));
  if (!s.ok()) return s;
  store->db_.reset(db);
  store->events_ = store->handles_[1];
  store->keys_ = store->handles_[2];
  s = FromRocksStatus(db->TryCatchUpWithPrimary(),
                      absl::StrCat("reading the event store ", dir));
  if (!s.ok()) return s;
  s = store->LoadStats(/*writable=*/false);
  if (!s.ok()) return s;
  return store;
}

absl::Status EventStore::LoadStats(bool writable) {
  std::string value;
  rocksdb::Status got = db_->Get(rocksdb::ReadOptions(),
                                 db_->DefaultColumnFamily(), kStatsKey, &value);
  int64_t events = 0, newest = 0;
  if (got.ok()) {
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(value, ' ');
    if (!absl::SimpleAtoi(parts.first, &events) ||
        !absl::SimpleAtoi(parts.second, &newest)) {
      return absl::DataLossError(
          absl::StrCat("event store ", dir_, ": its counters are unreadable ('",
                       value, "')"));
    }
  } else if (got.IsNotFound()) {
    // A store written before the counters existed: count once.
    absl::Status s = ForEach([&](const v1::Event& e) {
      ++events;
      newest = std::max<int64_t>(newest, e.timestamp().seconds());
      return true;
    });
    if (!s.ok()) return s;
    if (writable && events > 0) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      s = FromRocksStatus(db_->Put(wo, db_->DefaultColumnFamily(), kStatsKey,
                                   EncodeStats(events, newest)),
                          "writing to the event store");
      if (!s.ok()) return s;
    }
  } else {
    return FromRocksStatus(got, "reading the event store");
  }
  events_stored_.store(events);
  newest_event_.store(newest);
  return absl::OkStatus();
}

EventStore::~EventStore() {
  {
    absl::MutexLock lock(&writer_mu_);
    writer_stop_ = true;
  }
  // Writes (and acknowledges) what is pending, then ends.
  if (writer_.joinable()) writer_.join();
  if (db_ == nullptr) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<EventStore::AppendResult> EventStore::Append(
    std::vector<v1::Event> events) {
  absl::StatusOr<AppendResult> result;
  absl::Notification done;
  AppendAsync(std::move(events), [&](absl::StatusOr<AppendResult> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

void EventStore::AppendAsync(std::vector<v1::Event> events,
                             AppendCallback done) {
  if (read_only_) {
    done(absl::FailedPreconditionError("the event store is open read-only"));
    return;
  }
  bool stopping = false;
  {
    absl::MutexLock lock(&writer_mu_);
    stopping = writer_stop_;
    if (!stopping && pending_events_ + static_cast<int64_t>(events.size()) <=
                         kMaxPendingEvents) {
      pending_events_ += static_cast<int64_t>(events.size());
      pending_.push_back(Pending{std::move(events), std::move(done)});
      return;
    }
  }
  if (stopping) {
    done(absl::UnavailableError("the event store is closing"));
    return;
  }
  done(absl::ResourceExhaustedError(
      absl::StrCat("the event store is behind: ", kMaxPendingEvents,
                   " events already wait to be written; retry with backoff")));
}

void EventStore::WriterLoop() {
  for (;;) {
    std::vector<Pending> group;
    {
      absl::MutexLock lock(&writer_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_) {
        return writer_stop_ || !pending_.empty();
      };
      writer_mu_.Await(absl::Condition(&ready));
      if (pending_.empty()) return;  // stopping, and nothing left
      group.swap(pending_);
    }
    std::vector<absl::StatusOr<AppendResult>> results = WriteGroup(group);
    {
      // The group counted against the bound until it was written.
      int64_t written = 0;
      for (const Pending& p : group) {
        written += static_cast<int64_t>(p.events.size());
      }
      absl::MutexLock lock(&writer_mu_);
      pending_events_ -= written;
    }
    for (size_t i = 0; i < group.size(); ++i) {
      group[i].done(std::move(results[i]));
    }
  }
}

std::vector<absl::StatusOr<EventStore::AppendResult>> EventStore::WriteGroup(
    const std::vector<Pending>& group) {
  std::vector<absl::StatusOr<AppendResult>> results(group.size());
  rocksdb::WriteBatch batch;
  // Keys seen in this group, across its calls: the first call to send a key
  // stores it, the others count it as a duplicate.
  absl::flat_hash_set<absl::string_view> in_group;
  int64_t accepted = 0;
  std::vector<const v1::Event*> accepted_events;  // for the listener
  int64_t newest = newest_event_.load();
  std::string unused;
  for (size_t i = 0; i < group.size(); ++i) {
    AppendResult r;
    for (const v1::Event& e : group[i].events) {
      const std::string& key = e.idempotency_key();
      if (!in_group.insert(key).second) {
        ++r.duplicates;
        continue;
      }
      rocksdb::Status got =
          db_->Get(rocksdb::ReadOptions(), keys_, key, &unused);
      if (got.ok()) {
        ++r.duplicates;
        continue;
      }
      if (!got.IsNotFound()) {
        const absl::Status error =
            FromRocksStatus(got, "reading the event store");
        return std::vector<absl::StatusOr<AppendResult>>(group.size(), error);
      }
      batch.Put(events_, EventKey(e), e.SerializeAsString());
      std::string when;
      PutBigEndian(e.timestamp().seconds(), &when);
      batch.Put(keys_, key, when);
      newest = std::max<int64_t>(newest, e.timestamp().seconds());
      accepted_events.push_back(&e);
      ++r.accepted;
    }
    accepted += r.accepted;
    results[i] = r;
  }
  if (accepted == 0) return results;
  const int64_t stored = events_stored_.load() + accepted;
  batch.Put(db_->DefaultColumnFamily(), kStatsKey, EncodeStats(stored, newest));
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;  // on disk before any call is acknowledged
  const absl::Status s =
      FromRocksStatus(db_->Write(wo, &batch), "writing to the event store");
  if (!s.ok()) {
    // The batch is atomic: none of the group's events is stored.
    return std::vector<absl::StatusOr<AppendResult>>(group.size(), s);
  }
  events_stored_.store(stored);
  newest_event_.store(newest);
  last_append_.store(absl::ToUnixSeconds(absl::Now()));
  write_groups_.fetch_add(1);
  // Before the calls are acknowledged: whoever follows the log (the live
  // view) has the events by the time a caller hears they are stored.
  absl::MutexLock lock(&listener_mu_);
  if (listener_) listener_(accepted_events);
  return results;
}

int64_t EventStore::ApproximateBytes() const {
  uint64_t total = 0;
  for (rocksdb::ColumnFamilyHandle* h : {events_, keys_}) {
    for (const char* property :
         {"rocksdb.total-sst-files-size", "rocksdb.cur-size-all-mem-tables"}) {
      uint64_t v = 0;
      if (db_->GetIntProperty(h, property, &v)) total += v;
    }
  }
  return static_cast<int64_t>(total);
}

absl::Status EventStore::Compact() {
  for (rocksdb::ColumnFamilyHandle* h : {events_, keys_}) {
    rocksdb::CompactRangeOptions o;
    o.bottommost_level_compaction =
        rocksdb::BottommostLevelCompaction::kForceOptimized;
    absl::Status s = FromRocksStatus(db_->CompactRange(o, h, nullptr, nullptr),
                                     "compacting the event store");
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

bool EventStore::HasKey(absl::string_view key) const {
  std::string unused;
  return db_
      ->Get(rocksdb::ReadOptions(), keys_,
            rocksdb::Slice(key.data(), key.size()), &unused)
      .ok();
}

absl::Status EventStore::ForCustomer(absl::string_view customer_id,
                                     std::vector<v1::Event>* out,
                                     size_t max_events) const {
  out->clear();
  const std::string prefix = CustomerPrefix(customer_id);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), events_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    v1::Event e;
    if (!e.ParseFromArray(it->value().data(),
                          static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("event store ", dir_,
                                              ": an event of customer '",
                                              customer_id, "' is unreadable"));
    }
    out->push_back(std::move(e));
  }
  absl::Status s = FromRocksStatus(it->status(), "reading the event store");
  if (out->size() > max_events) {
    out->erase(out->begin(), out->end() - max_events);
  }
  return s;
}

absl::Status EventStore::ForEach(
    const std::function<bool(const v1::Event&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), events_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::Event e;
    if (!e.ParseFromArray(it->value().data(),
                          static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("event store ", dir_, ": an event is unreadable"));
    }
    if (!fn(e)) break;
  }
  return FromRocksStatus(it->status(), "reading the event store");
}

}  // namespace boomerang
