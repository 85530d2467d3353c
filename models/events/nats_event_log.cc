#include "models/events/nats_event_log.h"

#include <nats/nats.h>
#include <openssl/sha.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"

namespace boomerang {
namespace {

constexpr char kSeqHeader[] = "Boomerang-Seq";
// Messages hold a RecordEventsRequest (several events) when this header
// says so, else one Event.
constexpr char kFormatHeader[] = "Boomerang-Format";
constexpr char kFormatBatch[] = "events";
constexpr size_t kMaxMessageBytes = 256 * 1024;
constexpr char kSentHeader[] = "Boomerang-Sent-Us";
constexpr char kOriginHeader[] = "Boomerang-Replica";
// One publish attempt waits this long for the stream's answer before the
// message is sent again (same message id: the stream keeps one copy).
constexpr int64_t kAttemptMs = 1000;
// Events waiting for the stream's acknowledgement, at most.
constexpr int64_t kMaxInflight = 200000;
constexpr int kFetchBatch = 100;
// Events per local append while following (the store queues at most
// EventStore::kMaxPendingEvents, other writers included).
constexpr size_t kMaxEventsPerAppend = 20000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NatsError(natsStatus s,
                      jsErrCode code = static_cast<jsErrCode>(0)) {
  std::string text = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0' && text != last) {
    absl::StrAppend(&text, " (", last, ")");
  }
  if (code != 0) absl::StrAppend(&text, " [JetStream error ", code, "]");
  return text;
}

// Prometheus-style delay buckets, seconds.
const std::vector<double>& DelayBounds() {
  static const std::vector<double> kBounds = {
      0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 60};
  return kBounds;
}

absl::Status ConnectOptions(const NatsEventLogOptions& o, natsOptions** out) {
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  std::vector<const char*> urls;
  for (const std::string& u : o.servers) urls.push_back(u.c_str());
  if (s == NATS_OK) {
    s = natsOptions_SetServers(opts, urls.data(),
                               static_cast<int>(urls.size()));
  }
  if (s == NATS_OK && !o.replica_id.empty()) {
    s = natsOptions_SetName(opts, ("boomerang-" + o.replica_id).c_str());
  }
  // Never give up: a replica outlives NATS restarts and keeps serving reads.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 2000);
  // A node that vanished without closing its sockets (kill -9 of a machine)
  // is noticed within ~3 s.
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts, 1000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts, 2);
  if (s == NATS_OK) {
    s = natsOptions_SetRetryOnFailedConnect(opts, true, nullptr, nullptr);
  }
  if (s == NATS_OK && (!o.tls_ca.empty() || !o.tls_cert.empty())) {
    s = natsOptions_SetSecure(opts, true);
    if (s == NATS_OK && !o.tls_ca.empty()) {
      s = natsOptions_LoadCATrustedCertificates(opts, o.tls_ca.c_str());
    }
    if (s == NATS_OK && !o.tls_cert.empty()) {
      s = natsOptions_LoadCertificatesChain(opts, o.tls_cert.c_str(),
                                            o.tls_key.c_str());
    }
  }
  if (s == NATS_OK && !o.credentials_file.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(
        opts, o.credentials_file.c_str(), nullptr);
  }
  if (s != NATS_OK) {
    natsOptions_Destroy(opts);
    return absl::InvalidArgumentError(
        absl::StrCat("NATS connection options: ", NatsError(s)));
  }
  *out = opts;
  return absl::OkStatus();
}

// Creates the stream, or checks the one there (another replica made it).
absl::Status EnsureStream(jsCtx* js, const NatsEventLogOptions& o) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js, o.stream.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return absl::OkStatus();
  }
  if (s != NATS_NOT_FOUND) {
    return absl::UnavailableError(
        absl::StrCat("reading stream ", o.stream, ": ", NatsError(s, jerr)));
  }
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = o.stream.c_str();
  const char* subjects[] = {o.subject.c_str()};
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = o.stream_replicas;
  cfg.MaxAge = o.max_age_seconds * int64_t{1000000000};
  cfg.Duplicates = o.duplicate_window_seconds * int64_t{1000000000};
  jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
  if (s != NATS_OK) {
    // Two replicas creating it at once: the other won.
    if (js_GetStreamInfo(&si, js, o.stream.c_str(), nullptr, nullptr) ==
        NATS_OK) {
      jsStreamInfo_Destroy(si);
      return absl::OkStatus();
    }
    return absl::UnavailableError(absl::StrCat(
        "creating stream ", o.stream, " (", o.stream_replicas,
        " replicas; a cluster needs at least that many JetStream nodes): ",
        NatsError(s, jerr)));
  }
  jsStreamInfo_Destroy(si);
  return absl::OkStatus();
}

// A stable id for a message of several events: SHA-256 of their keys.
std::string BatchId(const std::string& keys) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(keys.data()), keys.size(),
         digest);
  return absl::StrCat(
      "batch:", absl::BytesToHexString(absl::string_view(
                    reinterpret_cast<const char*>(digest), sizeof(digest))));
}

std::string Header(natsMsg* msg, const char* key) {
  const char* v = nullptr;
  if (natsMsgHeader_Get(msg, key, &v) != NATS_OK || v == nullptr) return "";
  return v;
}

// Our number of a message we published (0: none).
uint64_t SeqOf(natsMsg* msg) {
  uint64_t seq = 0;
  (void)absl::SimpleAtoi(Header(msg, kSeqHeader), &seq);
  return seq;
}

// The events of one stream message (either format); false if it is none.
bool DecodeMessage(natsMsg* m, std::vector<v1::Event>* out) {
  const char* data = natsMsg_GetData(m);
  const int len = natsMsg_GetDataLength(m);
  // The publishing replica validated the event (a guest's impression has
  // a session id and no customer id; a catalog update has neither): only
  // the key is needed here.
  auto usable = [](const v1::Event& e) { return !e.idempotency_key().empty(); };
  if (Header(m, kFormatHeader) == kFormatBatch) {
    v1::RecordEventsRequest batch;
    if (!batch.ParseFromArray(data, len)) return false;
    for (v1::Event& e : *batch.mutable_events()) {
      if (usable(e)) out->push_back(std::move(e));
    }
    return true;
  }
  v1::Event e;
  if (!e.ParseFromArray(data, len) || !usable(e)) return false;
  out->push_back(std::move(e));
  return true;
}

}  // namespace

struct NatsEventLog::Impl {
  NatsEventLogOptions o;
  std::unique_ptr<EventStore> local;
  natsOptions* nopts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;

  // One append: its events wait for the stream, then the local store.
  struct Batch {
    std::vector<v1::Event> events;
    AppendCallback done;
    int remaining = 0;
    int repeated = 0;              // keys repeated inside the call
    std::vector<int> chunk_sizes;  // events per message
    std::vector<int> chunk_of;     // each event's message
    std::vector<bool> known;       // in the local store before the call
    std::vector<bool> chunk_duplicate;
    int64_t deadline_ms = 0;
    bool finished = false;
    std::vector<uint64_t> seqs;
    std::vector<bool> resent;
  };
  absl::Mutex mu;
  uint64_t next_seq ABSL_GUARDED_BY(mu) = 1;
  struct Slot {
    std::shared_ptr<Batch> batch;
    int index = 0;
  };
  absl::flat_hash_map<uint64_t, Slot> inflight ABSL_GUARDED_BY(mu);
  std::deque<std::pair<int64_t, natsMsg*>> resend ABSL_GUARDED_BY(mu);
  bool stop ABSL_GUARDED_BY(mu) = false;
  // Set once the connection is closed; ack handlers still running are
  // counted, and the destructor waits for them.
  bool closed ABSL_GUARDED_BY(mu) = false;
  int in_handler ABSL_GUARDED_BY(mu) = 0;
  bool follow ABSL_GUARDED_BY(mu) = false;
  std::string last_error ABSL_GUARDED_BY(mu);
  std::thread resender;
  std::thread follower;

  std::atomic<bool> stream_ready{false};
  std::atomic<bool> following{false};
  std::atomic<int64_t> published{0}, resends{0}, failures{0}, consumed{0},
      consumed_new{0}, malformed{0};
  std::atomic<uint64_t> position{0}, pending{0};
  absl::Mutex delay_mu;
  std::vector<int64_t> delay_counts ABSL_GUARDED_BY(delay_mu);
  double delay_sum ABSL_GUARDED_BY(delay_mu) = 0;
  int64_t delay_count ABSL_GUARDED_BY(delay_mu) = 0;

  void Log(const std::string& line) {
    if (o.log) o.log(line);
  }
  void SetError(const std::string& e) {
    absl::MutexLock lock(&mu);
    last_error = e;
  }

  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae,
                    void* closure) {
    Impl* im = static_cast<Impl*>(closure);
    {
      absl::MutexLock lock(&im->mu);
      if (im->closed) {  // the log is going: nothing to update
        natsMsg_Destroy(msg);
        return;
      }
      ++im->in_handler;
    }
    im->Acked(msg, pa, pae);
    absl::MutexLock lock(&im->mu);
    --im->in_handler;
  }

  void Acked(natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae) {
    const uint64_t seq = SeqOf(msg);
    std::shared_ptr<Batch> complete;
    std::shared_ptr<Batch> failed;
    std::string why;
    {
      absl::MutexLock lock(&mu);
      auto it = inflight.find(seq);
      if (it == inflight.end()) {  // its call already failed
        natsMsg_Destroy(msg);
        return;
      }
      Batch& b = *it->second.batch;
      const int index = it->second.index;
      if (pa != nullptr) {
        // A duplicate of our own earlier attempt is still this call's.
        b.chunk_duplicate[index] = pa->Duplicate && !b.resent[index];
        std::shared_ptr<Batch> owner = std::move(it->second.batch);
        inflight.erase(it);
        if (--b.remaining == 0 && !b.finished) {
          b.finished = true;
          complete = std::move(owner);
        }
      } else if (!stop && NowMs() + 50 < b.deadline_ms) {
        b.resent[index] = true;
        resend.emplace_back(NowMs() + 50, msg);  // keeps the message
        if (pae != nullptr) {
          last_error =
              absl::StrCat("publish: ", NatsError(pae->Err, pae->ErrCode),
                           pae->ErrText ? pae->ErrText : "");
        }
        return;
      } else {
        why = pae != nullptr ? NatsError(pae->Err, pae->ErrCode) : "closing";
        failed = it->second.batch;
        FailLocked(failed.get());
      }
    }
    natsMsg_Destroy(msg);
    if (complete != nullptr) Complete(std::move(complete));
    if (failed != nullptr) Fail(failed.get(), why);
  }

  // Marks the batch done and forgets its messages; the caller calls Fail.
  void FailLocked(Batch* b) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    b->finished = true;
    for (uint64_t s : b->seqs) inflight.erase(s);
  }
  void Fail(Batch* b, const std::string& why) {
    failures.fetch_add(1);
    b->done(absl::UnavailableError(
        absl::StrCat("the shared event log (NATS JetStream stream ", o.stream,
                     ") did not store the events within ", o.publish_timeout_ms,
                     " ms: ", why,
                     "; nothing was acknowledged, retry with the same "
                     "idempotency keys")));
  }

  void Complete(std::shared_ptr<Batch> b) {
    published.fetch_add(static_cast<int64_t>(b->events.size()));
    // A duplicate: known here before the call (acknowledged before, by any
    // replica, and arrived), or its message was one the stream had.
    int dups = 0;
    for (size_t i = 0; i < b->known.size(); ++i) {
      dups += b->known[i] || b->chunk_duplicate[b->chunk_of[i]];
    }
    const int duplicates = dups + b->repeated;
    const int total = static_cast<int>(b->events.size()) + b->repeated;
    AppendCallback done = std::move(b->done);
    // Read-your-writes: in this replica's store before the caller hears.
    local->AppendAsync(std::move(b->events),
                       [done = std::move(done), duplicates,
                        total](absl::StatusOr<AppendResult> r) {
                         if (!r.ok()) {
                           done(r.status());
                           return;
                         }
                         // Counted above, not by this append: the follower
                         // may have stored the events here first.
                         AppendResult result;
                         result.duplicates = duplicates;
                         result.accepted = total - duplicates;
                         done(result);
                       });
  }

  // Sends messages whose attempt timed out, until their call's deadline.
  void ResendLoop() {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = kAttemptMs;
    absl::MutexLock lock(&mu);
    while (true) {
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu) {
        return stop || (!resend.empty() && resend.front().first <= NowMs());
      };
      mu.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(20));
      if (stop) break;
      while (!resend.empty() && resend.front().first <= NowMs()) {
        natsMsg* msg = resend.front().second;
        resend.pop_front();
        if (!inflight.contains(SeqOf(msg))) {  // its call failed meanwhile
          natsMsg_Destroy(msg);
          continue;
        }
        resends.fetch_add(1);
        mu.Unlock();
        natsStatus s = js_PublishMsgAsync(js, &msg, &po);
        mu.Lock();
        if (s != NATS_OK && msg != nullptr) {
          // Not even queued (closed connection): try again soon, or fail.
          auto it = inflight.find(SeqOf(msg));
          if (it == inflight.end()) {
            natsMsg_Destroy(msg);
          } else if (NowMs() + 100 < it->second.batch->deadline_ms && !stop) {
            resend.emplace_back(NowMs() + 100, msg);
          } else {
            std::shared_ptr<Batch> b = it->second.batch;
            FailLocked(b.get());
            natsMsg_Destroy(msg);
            mu.Unlock();
            Fail(b.get(), NatsError(s));
            mu.Lock();
          }
        }
      }
    }
    for (auto& [due, msg] : resend) natsMsg_Destroy(msg);
    resend.clear();
  }

  bool Connected() const {
    return nc != nullptr &&
           natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED;
  }

  void RecordDelay(int64_t sent_us) {
    const double d = std::max<int64_t>(0, NowUs() - sent_us) / 1e6;
    const std::vector<double>& bounds = DelayBounds();
    absl::MutexLock lock(&delay_mu);
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (d <= bounds[i]) ++delay_counts[i];
    }
    delay_sum += d;
    ++delay_count;
  }

  // Makes the stream (needed before anyone can publish), then, once
  // Follow() was called, follows it into the local store.
  void FollowLoop() {
    natsSubscription* sub = nullptr;
    bool reset_checked = false;
    int64_t last_logged_ms = 0;
    auto note = [&](const std::string& e) {
      SetError(e);
      if (NowMs() - last_logged_ms > 10000) {
        Log(absl::StrCat("event log: ", e));
        last_logged_ms = NowMs();
      }
    };
    auto stopped = [this] {
      absl::MutexLock lock(&mu);
      return stop;
    };
    while (!stopped()) {
      if (!Connected()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      if (!stream_ready.load()) {
        absl::Status s = EnsureStream(js, o);
        if (!s.ok()) {
          note(std::string(s.message()));
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          continue;
        }
        stream_ready.store(true);
        Log(absl::StrCat("event log: stream ", o.stream, " on ",
                         absl::StrJoin(o.servers, ","), " ready"));
      }
      {
        absl::MutexLock lock(&mu);
        if (!follow) {
          mu.AwaitWithTimeout(absl::Condition(&follow),
                              absl::Milliseconds(200));
          continue;
        }
      }
      if (sub == nullptr) {
        // Another live process pulling as the same consumer would take half
        // of the stream from this one: refuse to follow (and say so) until
        // it is gone. Our own pull requests expire within 200 ms, so a
        // replica killed a moment ago does not count.
        int busy = 0;
        jsOptions quick;
        jsOptions_Init(&quick);
        quick.Wait = 500;
        for (int check = 0; check < 2 && Connected() && !stopped(); ++check) {
          jsConsumerInfo* ci = nullptr;
          if (js_GetConsumerInfo(&ci, js, o.stream.c_str(),
                                 o.replica_id.c_str(), &quick,
                                 nullptr) == NATS_OK) {
            busy += ci->NumWaiting > 0;
            jsConsumerInfo_Destroy(ci);
          }
          if (check == 0 && busy > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1000));
          }
        }
        if (busy == 2) {
          note(absl::StrCat("another process follows stream ", o.stream,
                            " as consumer ", o.replica_id,
                            ": give each replica its own --replica-id; "
                            "not following until it is gone"));
          std::this_thread::sleep_for(std::chrono::milliseconds(5000));
          continue;
        }
      }
      if (sub == nullptr && !reset_checked) {
        // A replica whose store is new (a fresh disk under an old name)
        // must not resume where the old disk stopped: start its consumer
        // again from the stream's first event.
        reset_checked = true;
        if (local->events_accepted() == 0) {
          jsErrCode jerr = static_cast<jsErrCode>(0);
          natsStatus s = js_DeleteConsumer(
              js, o.stream.c_str(), o.replica_id.c_str(), nullptr, &jerr);
          if (s == NATS_OK) {
            Log(absl::StrCat("event log: the local store is empty: consumer ",
                             o.replica_id,
                             " starts again from the stream's "
                             "first event"));
          }
        }
      }
      if (sub == nullptr) {
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = o.stream.c_str();
        so.Config.Durable = o.replica_id.c_str();
        so.Config.AckPolicy = js_AckExplicit;
        so.Config.DeliverPolicy = js_DeliverAll;
        so.Config.MaxAckPending = 20 * kFetchBatch;
        so.Config.AckWait = int64_t{30} * 1000000000;
        so.Config.InactiveThreshold =
            o.consumer_inactive_seconds * int64_t{1000000000};
        jsErrCode jerr = static_cast<jsErrCode>(0);
        natsStatus s =
            js_PullSubscribe(&sub, js, o.subject.c_str(), o.replica_id.c_str(),
                             nullptr, &so, &jerr);
        if (s != NATS_OK) {
          sub = nullptr;
          note(absl::StrCat("following stream ", o.stream, " as consumer ",
                            o.replica_id, ": ", NatsError(s, jerr)));
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          continue;
        }
        following.store(true);
        Log(absl::StrCat("event log: following stream ", o.stream,
                         " as durable consumer ", o.replica_id));
      }
      natsMsgList list = {nullptr, 0};
      jsErrCode jerr = static_cast<jsErrCode>(0);
      // At most kFetchBatch messages (each at most kMaxMessageBytes: 25 MiB,
      // under the subscription's 64 MiB pending limit). natsSubscription_
      // Fetch returns as soon as what is there was collected; a fetch
      // request with a byte limit waits for its whole expiry instead, which
      // measured 80-200 ms of propagation.
      natsStatus s =
          natsSubscription_Fetch(&list, sub, kFetchBatch, 200, &jerr);
      if (s == NATS_TIMEOUT) continue;
      if (s != NATS_OK) {
        natsMsgList_Destroy(&list);
        note(absl::StrCat("fetching from stream ", o.stream, ": ",
                          NatsError(s, jerr)));
        if (s == NATS_INVALID_SUBSCRIPTION || s == NATS_NOT_FOUND ||
            jerr == JSConsumerNotFoundErr) {
          natsSubscription_Destroy(sub);
          sub = nullptr;
          following.store(false);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      Apply(list);
      natsMsgList_Destroy(&list);
    }
    if (sub != nullptr) natsSubscription_Destroy(sub);  // the durable stays
    following.store(false);
  }

  void Apply(natsMsgList& list) {
    std::vector<v1::Event> events;
    events.reserve(list.Count);
    std::vector<int64_t> sent;
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      if (!DecodeMessage(m, &events)) {
        malformed.fetch_add(1);
        continue;
      }
      int64_t us = 0;
      if (Header(m, kOriginHeader) != o.replica_id &&
          absl::SimpleAtoi(Header(m, kSentHeader), &us)) {
        sent.push_back(us);
      }
    }
    // In parts the local store's queue takes; a part it refuses (its queue
    // full, a disk error) is tried again, in order, until it is stored or
    // the log closes. Nothing is acknowledged to the stream before that, so
    // a crash meanwhile means the stream sends the messages again.
    int64_t accepted = 0;
    for (size_t from = 0; from < events.size(); from += kMaxEventsPerAppend) {
      const size_t to = std::min(events.size(), from + kMaxEventsPerAppend);
      std::vector<v1::Event> part(
          std::make_move_iterator(events.begin() + from),
          std::make_move_iterator(events.begin() + to));
      while (true) {
        absl::StatusOr<AppendResult> r = local->Append(part);
        if (r.ok()) {
          accepted += r->accepted;
          break;
        }
        SetError(absl::StrCat("storing followed events locally: ",
                              r.status().message()));
        {
          absl::MutexLock lock(&mu);
          if (stop) return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    for (int64_t us : sent) RecordDelay(us);
    consumed.fetch_add(list.Count);
    consumed_new.fetch_add(accepted);
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      if (i == list.Count - 1) {
        jsMsgMetaData* meta = nullptr;
        if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
          position.store(meta->Sequence.Stream);
          pending.store(meta->NumPending);
          jsMsgMetaData_Destroy(meta);
        }
      }
      natsMsg_Ack(m, nullptr);
    }
  }
};

absl::StatusOr<std::vector<std::string>> ParseNatsServers(
    const std::string& spec) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::string p(absl::StripAsciiWhitespace(part));
    if (p.empty()) continue;
    if (p.find("://") == std::string::npos) p = "nats://" + p;
    absl::string_view rest = p;
    if (!absl::ConsumePrefix(&rest, "nats://") &&
        !absl::ConsumePrefix(&rest, "tls://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--event-log: '", p, "' is not nats://host:port or tls://host:port"));
    }
    const size_t at = rest.rfind('@');
    if (at != absl::string_view::npos) rest.remove_prefix(at + 1);
    const size_t colon = rest.rfind(':');
    int port = 0;
    if (rest.empty() || colon == 0 ||
        (colon != absl::string_view::npos &&
         (!absl::SimpleAtoi(rest.substr(colon + 1), &port) || port <= 0 ||
          port > 65535))) {
      return absl::InvalidArgumentError(
          absl::StrCat("--event-log: '", p, "' has no valid host:port"));
    }
    out.push_back(p);
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        "--event-log: no NATS server given (e.g. nats://127.0.0.1:4222)");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<NatsEventLog>> NatsEventLog::Open(
    const NatsEventLogOptions& options, std::unique_ptr<EventStore> local) {
  if (options.replica_id.empty() ||
      options.replica_id.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
          std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--replica-id '", options.replica_id,
        "': needs letters, digits, '-' or '_' only (it names this replica's "
        "durable consumer)"));
  }
  if (options.stream_replicas < 1 || options.stream_replicas > 5) {
    return absl::InvalidArgumentError(
        "--event-log-replicas: JetStream keeps 1 to 5 copies");
  }
  std::unique_ptr<NatsEventLog> log(new NatsEventLog());
  log->impl_ = std::make_unique<Impl>();
  Impl& im = *log->impl_;
  im.o = options;
  im.local = std::move(local);
  im.delay_counts.assign(DelayBounds().size(), 0);
  absl::Status s = ConnectOptions(options, &im.nopts);
  if (!s.ok()) return s;
  natsStatus ns = natsConnection_Connect(&im.nc, im.nopts);
  if (ns != NATS_OK && ns != NATS_NOT_YET_CONNECTED) {
    return absl::UnavailableError(
        absl::StrCat("connecting to NATS at ",
                     absl::StrJoin(options.servers, ","), ": ", NatsError(ns)));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.AckHandler = &Impl::OnAck;
  jo.PublishAsync.AckHandlerClosure = &im;
  jo.PublishAsync.MaxPending = kMaxInflight;
  jo.Wait = 2000;
  ns = natsConnection_JetStream(&im.js, im.nc, &jo);
  if (ns != NATS_OK) {
    return absl::InternalError(
        absl::StrCat("JetStream context: ", NatsError(ns)));
  }
  im.resender = std::thread([&im] { im.ResendLoop(); });
  im.follower = std::thread([&im] { im.FollowLoop(); });
  // Give a reachable cluster a moment, so that the first appends need not
  // wait for the stream; an unreachable one is logged and retried.
  for (int i = 0; i < 50 && !im.stream_ready.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!im.stream_ready.load()) {
    im.Log(absl::StrCat(
        "event log: NATS at ", absl::StrJoin(options.servers, ","),
        " not ready yet; serving from the local store, appends fail with "
        "UNAVAILABLE until it is"));
  }
  return log;
}

NatsEventLog::~NatsEventLog() {
  if (impl_ == nullptr) return;
  Impl& im = *impl_;
  {
    absl::MutexLock lock(&im.mu);
    im.stop = true;
  }
  if (im.follower.joinable()) im.follower.join();
  if (im.resender.joinable()) im.resender.join();
  // Calls still waiting for the stream fail (their events may still be
  // stored: the caller retries with the same keys).
  std::vector<std::shared_ptr<Impl::Batch>> waiting;
  {
    absl::MutexLock lock(&im.mu);
    for (auto& [seq, slot] : im.inflight) {
      if (!slot.batch->finished) {
        slot.batch->finished = true;
        waiting.push_back(slot.batch);
      }
    }
    im.inflight.clear();
  }
  for (auto& b : waiting) im.Fail(b.get(), "the server is closing");
  {
    absl::MutexLock lock(&im.mu);
    im.closed = true;
  }
  if (im.nc != nullptr) natsConnection_Close(im.nc);
  {
    // An ack handler that started before `closed` may still run.
    absl::MutexLock lock(&im.mu);
    auto idle = [&im]() ABSL_SHARED_LOCKS_REQUIRED(im.mu) {
      return im.in_handler == 0;
    };
    im.mu.Await(absl::Condition(&idle));
  }
  if (im.js != nullptr) jsCtx_Destroy(im.js);
  if (im.nc != nullptr) natsConnection_Destroy(im.nc);
  if (im.nopts != nullptr) natsOptions_Destroy(im.nopts);
}

void NatsEventLog::AppendAsync(std::vector<v1::Event> events,
                               AppendCallback done) {
  Impl& im = *impl_;
  // A key twice in one call: the first counts (as in the local store).
  int repeated = 0;
  {
    absl::flat_hash_set<std::string> keys;
    std::vector<v1::Event> unique;
    unique.reserve(events.size());
    for (v1::Event& e : events) {
      if (keys.insert(e.idempotency_key()).second) {
        unique.push_back(std::move(e));
      } else {
        ++repeated;
      }
    }
    events.swap(unique);
  }
  if (events.empty()) {
    AppendResult r;
    r.duplicates = repeated;
    done(r);
    return;
  }
  // The events go in messages of up to kMaxMessageBytes (NATS refuses
  // more than 1 MiB by default): one message per call in practice, so a
  // call of 20 events costs one stream write, not 20.
  std::vector<std::string> payloads;
  std::vector<std::string> ids;
  std::vector<int> sizes;
  std::vector<int> chunk_of;
  std::vector<bool> known;
  known.reserve(events.size());
  for (const v1::Event& e : events) {
    known.push_back(im.local->HasKey(e.idempotency_key()));
  }
  {
    v1::RecordEventsRequest chunk;
    size_t bytes = 0;
    std::string key_text;
    auto flush = [&] {
      if (chunk.events_size() == 0) return;
      payloads.emplace_back();
      chunk.SerializeToString(&payloads.back());
      // One event: its own key, so that a retry alone is dropped by the
      // stream too; several: a digest of the keys (a retried call).
      ids.push_back(chunk.events_size() == 1 ? chunk.events(0).idempotency_key()
                                             : BatchId(key_text));
      sizes.push_back(chunk.events_size());
      chunk.Clear();
      bytes = 0;
      key_text.clear();
    };
    for (const v1::Event& e : events) {
      const size_t n = e.ByteSizeLong() + 8;
      if (bytes + n > kMaxMessageBytes) flush();
      *chunk.add_events() = e;
      chunk_of.push_back(static_cast<int>(payloads.size()));
      bytes += n;
      absl::StrAppend(&key_text, e.idempotency_key(), std::string(1, '\0'));
    }
    flush();
  }
  auto batch = std::make_shared<Impl::Batch>();
  batch->remaining = static_cast<int>(payloads.size());
  batch->repeated = repeated;
  batch->chunk_sizes = sizes;
  batch->chunk_of = std::move(chunk_of);
  batch->known = std::move(known);
  batch->chunk_duplicate.assign(payloads.size(), false);
  batch->deadline_ms = NowMs() + im.o.publish_timeout_ms;
  batch->resent.assign(payloads.size(), false);
  std::vector<natsMsg*> msgs;
  msgs.reserve(payloads.size());
  absl::Status refused;
  {
    absl::MutexLock lock(&im.mu);
    if (im.stop) {
      refused = absl::UnavailableError("the server is closing");
    } else if (static_cast<int64_t>(im.inflight.size() + payloads.size()) >
               kMaxInflight) {
      refused = absl::ResourceExhaustedError(
          absl::StrCat("the shared event log has ", im.inflight.size(),
                       " messages waiting for NATS; retry later"));
    }
  }
  if (!refused.ok()) {
    done(refused);
    return;
  }
  {
    absl::MutexLock lock(&im.mu);
    const std::string sent = absl::StrCat(NowUs());
    for (size_t i = 0; i < payloads.size(); ++i) {
      const uint64_t seq = im.next_seq++;
      natsMsg* m = nullptr;
      natsStatus st =
          natsMsg_Create(&m, im.o.subject.c_str(), nullptr, payloads[i].data(),
                         static_cast<int>(payloads[i].size()));
      if (st == NATS_OK)
        st = natsMsgHeader_Set(m, "Nats-Msg-Id", ids[i].c_str());
      if (st == NATS_OK) st = natsMsgHeader_Set(m, kFormatHeader, kFormatBatch);
      if (st == NATS_OK) {
        st = natsMsgHeader_Set(m, kSeqHeader, absl::StrCat(seq).c_str());
      }
      if (st == NATS_OK) st = natsMsgHeader_Set(m, kSentHeader, sent.c_str());
      if (st == NATS_OK) {
        st = natsMsgHeader_Set(m, kOriginHeader, im.o.replica_id.c_str());
      }
      if (st != NATS_OK) {
        natsMsg_Destroy(m);
        for (natsMsg* made : msgs) natsMsg_Destroy(made);
        for (uint64_t q : batch->seqs) im.inflight.erase(q);
        refused = absl::InternalError(
            absl::StrCat("making a NATS message: ", NatsError(st)));
        break;
      }
      batch->seqs.push_back(seq);
      im.inflight[seq] = Impl::Slot{batch, static_cast<int>(i)};
      msgs.push_back(m);
    }
    if (refused.ok()) {
      batch->events = std::move(events);
      batch->done = std::move(done);
    }
  }
  if (!refused.ok()) {
    done(refused);
    return;
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = kAttemptMs;
  for (natsMsg* m : msgs) {
    natsMsg* msg = m;
    natsStatus st = js_PublishMsgAsync(im.js, &msg, &po);
    if (st != NATS_OK && msg != nullptr) {
      absl::MutexLock lock(&im.mu);
      if (im.stop) {
        natsMsg_Destroy(msg);  // the batch fails at close
      } else {
        im.resend.emplace_back(NowMs() + 100, msg);
      }
    }
  }
}

absl::Status NatsEventLog::Replay(
    const std::function<bool(const v1::Event&)>& fn) const {
  return impl_->local->Replay(fn);
}

void NatsEventLog::SetListener(Listener listener) {
  impl_->local->SetListener(std::move(listener));
}

void NatsEventLog::Follow() {
  absl::MutexLock lock(&impl_->mu);
  impl_->follow = true;
}

int64_t NatsEventLog::events_accepted() const {
  return impl_->local->events_accepted();
}
int64_t NatsEventLog::newest_event_time() const {
  return impl_->local->newest_event_time();
}
int64_t NatsEventLog::last_append_time() const {
  return impl_->local->last_append_time();
}
int64_t NatsEventLog::ApproximateBytes() const {
  return impl_->local->ApproximateBytes();
}
EventStore* NatsEventLog::local() const { return impl_->local.get(); }
const NatsEventLogOptions& NatsEventLog::options() const { return impl_->o; }

NatsEventLog::Stats NatsEventLog::stats() const {
  const Impl& im = *impl_;
  Stats st;
  st.connected = im.Connected();
  st.following = im.following.load();
  st.published = im.published.load();
  st.publish_resends = im.resends.load();
  st.publish_failures = im.failures.load();
  st.consumed = im.consumed.load();
  st.consumed_new = im.consumed_new.load();
  st.malformed = im.malformed.load();
  st.stream_position = im.position.load();
  st.pending = im.pending.load();
  st.delay_bounds = DelayBounds();
  {
    absl::MutexLock lock(&const_cast<Impl&>(im).delay_mu);
    st.delay_counts = im.delay_counts;
    st.delay_sum = im.delay_sum;
    st.delay_count = im.delay_count;
  }
  {
    absl::MutexLock lock(&const_cast<Impl&>(im).mu);
    st.last_error = im.last_error;
  }
  return st;
}

absl::Status NatsEventLog::ReadStream(
    const NatsEventLogOptions& options,
    const std::function<bool(const v1::Event&)>& fn) {
  natsOptions* nopts = nullptr;
  absl::Status st = ConnectOptions(options, &nopts);
  if (!st.ok()) return st;
  natsOptions_SetRetryOnFailedConnect(nopts, false, nullptr, nullptr);
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  natsSubscription* sub = nullptr;
  jsStreamInfo* si = nullptr;
  auto cleanup = [&] {
    if (sub != nullptr) natsSubscription_Destroy(sub);
    if (si != nullptr) jsStreamInfo_Destroy(si);
    if (js != nullptr) jsCtx_Destroy(js);
    if (nc != nullptr) natsConnection_Destroy(nc);
    natsOptions_Destroy(nopts);
  };
  const std::string where = absl::StrCat("stream ", options.stream, " on ",
                                         absl::StrJoin(options.servers, ","));
  natsStatus s = natsConnection_Connect(&nc, nopts);
  if (s == NATS_OK) s = natsConnection_JetStream(&js, nc, nullptr);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (s == NATS_OK) {
    s = js_GetStreamInfo(&si, js, options.stream.c_str(), nullptr, &jerr);
  }
  if (s != NATS_OK) {
    cleanup();
    return absl::UnavailableError(
        absl::StrCat("reading ", where, ": ", NatsError(s, jerr)));
  }
  const uint64_t last = si->State.LastSeq;
  if (si->State.Msgs == 0) {
    cleanup();
    return absl::OkStatus();
  }
  // An ephemeral consumer from the first message, no acks needed.
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = options.stream.c_str();
  so.Config.AckPolicy = js_AckNone;
  so.Config.DeliverPolicy = js_DeliverAll;
  s = js_PullSubscribe(&sub, js, options.subject.c_str(), nullptr, nullptr, &so,
                       &jerr);
  if (s != NATS_OK) {
    // Pull consumers need acks on some servers: take explicit ones.
    so.Config.AckPolicy = js_AckExplicit;
    s = js_PullSubscribe(&sub, js, options.subject.c_str(), nullptr, nullptr,
                         &so, &jerr);
  }
  if (s != NATS_OK) {
    cleanup();
    return absl::UnavailableError(
        absl::StrCat("reading ", where, ": ", NatsError(s, jerr)));
  }
  absl::flat_hash_set<std::string> seen;
  uint64_t at = 0;
  bool go_on = true;
  int idle = 0;
  while (go_on && at < last) {
    natsMsgList list = {nullptr, 0};
    s = natsSubscription_Fetch(&list, sub, kFetchBatch, 2000, &jerr);
    if (s == NATS_TIMEOUT) {
      if (++idle < 5) continue;
      // Nothing for 10 s before the last message: fine only if retention
      // removed the rest (the stream now starts after where we are);
      // otherwise the snapshot would miss events, so fail.
      jsStreamInfo* now = nullptr;
      const bool gone = js_GetStreamInfo(&now, js, options.stream.c_str(),
                                         nullptr, nullptr) == NATS_OK &&
                        (now->State.FirstSeq > at + 1 || now->State.Msgs == 0);
      if (now != nullptr) jsStreamInfo_Destroy(now);
      if (gone) break;
      cleanup();
      return absl::UnavailableError(
          absl::StrCat("reading ", where, ": no message after ", at, " of ",
                       last, " for 10 s (a NATS leader election?); try again"));
    }
    if (s != NATS_OK) {
      cleanup();
      return absl::UnavailableError(absl::StrCat(
          "reading ", where, " at message ", at, ": ", NatsError(s, jerr)));
    }
    idle = 0;
    for (int i = 0; i < list.Count && go_on; ++i) {
      natsMsg* m = list.Msgs[i];
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
        at = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
      }
      if (so.Config.AckPolicy == js_AckExplicit) natsMsg_Ack(m, nullptr);
      if (at > last) break;
      std::vector<v1::Event> events;
      if (!DecodeMessage(m, &events)) continue;
      for (const v1::Event& e : events) {
        if (!go_on) break;
        if (!seen.insert(e.idempotency_key()).second) continue;
        go_on = fn(e);
      }
    }
    natsMsgList_Destroy(&list);
  }
  cleanup();
  return absl::OkStatus();
}

}  // namespace boomerang
