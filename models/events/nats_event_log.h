// The shared event log for several replicas (issue 15): NATS JetStream.
//
// Every replica publishes what it accepts (RecordEvents' events, catalog
// updates, impressions and clicks) to one JetStream stream, replicated on
// the NATS cluster (3 nodes by default), and follows that stream with its
// own durable consumer into its own local EventStore, which is what the
// replica reads (live view, catalog overlay, experiments) and what the
// nightly indexer may read.
//
//   append:  publish each event, message id = its idempotency key (the
//            stream's duplicate window drops a retry), wait until the stream
//            acknowledged every one (stored on a quorum of nodes), then
//            append them to the local store (read-your-writes: the caller
//            sees its events on this replica as soon as it is answered),
//            then acknowledge the caller. An unacknowledged publish is
//            resent (same message id) until `publish_timeout_ms`; then the
//            call fails with UNAVAILABLE and nothing is acknowledged.
//   follow:  a durable pull consumer named after the replica fetches the
//            stream from where this replica stopped (its acknowledged
//            position survives restarts of the replica and of NATS nodes),
//            appends each batch to the local store, which drops keys it
//            already has (this replica's own writes, redeliveries), and
//            acknowledges the batch only once it is synced locally. So an
//            event acknowledged by any replica reaches every replica's store
//            exactly once, also after kill -9 of the replica.
//
// Why we wrote this glue rather than use something bigger: JetStream already
// does replication, ordering, de-duplication and consumer positions; this
// file only maps EventLog's calls onto the C client's (libnats 3.4).
//
// Thread-safety: thread-safe.
#ifndef BOOMERANG_MODELS_EVENTS_NATS_EVENT_LOG_H_
#define BOOMERANG_MODELS_EVENTS_NATS_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/events/event_log.h"
#include "models/events/event_store.h"

namespace boomerang {

struct NatsEventLogOptions {
  // nats://host:port (tls://host:port for TLS), user:password@ allowed.
  std::vector<std::string> servers;
  std::string stream = "BOOMERANG_EVENTS";
  std::string subject = "boomerang.events";
  // The durable consumer's name: one per replica, stable across restarts
  // (letters, digits, '-' and '_').
  std::string replica_id;
  // Copies of the stream (NATS nodes that store each event); a cluster of 3
  // survives the loss of one node.
  int stream_replicas = 3;
  // What the stream keeps (as long as a single server's store keeps events
  // by default, 30 days): a replica whose store is new replays this much.
  int64_t max_age_seconds = 30 * 86400;
  // JetStream's de-duplication window for message ids (the local stores
  // keep every key longer, so a retry after it is still dropped there).
  int64_t duplicate_window_seconds = 600;
  // A replica's durable consumer is deleted by NATS after this long without
  // the replica (replicas named after Kubernetes pods come and go); one
  // that comes back later replays the stream, and its store drops what it
  // already has.
  int64_t consumer_inactive_seconds = 24 * 3600;
  // How long an append may wait for the stream's acknowledgement, resends
  // included, before it fails with UNAVAILABLE.
  int64_t publish_timeout_ms = 5000;
  // TLS to NATS (a CA to trust; a client certificate and key for mutual
  // TLS) and a credentials file (JWT and NKey seed, `nsc` format).
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string credentials_file;
  std::function<void(const std::string&)> log;
};

class NatsEventLog final : public EventLog {
 public:
  // Connects (in the background when no NATS node answers yet: the replica
  // serves from its local store meanwhile and appends fail with
  // UNAVAILABLE) and creates the stream when missing. `local` is this
  // replica's store.
  static absl::StatusOr<std::unique_ptr<NatsEventLog>> Open(
      const NatsEventLogOptions& options, std::unique_ptr<EventStore> local);
  ~NatsEventLog() override;

  void AppendAsync(std::vector<v1::Event> events, AppendCallback done) override;
  absl::Status Replay(
      const std::function<bool(const v1::Event&)>& fn) const override;
  void SetListener(Listener listener) override;
  // Starts following the stream into the local store; call once the
  // readers have read the store (Replay) so that nothing reaches them twice.
  void Follow();

  int64_t events_accepted() const override;
  int64_t newest_event_time() const override;
  int64_t last_append_time() const override;
  int64_t ApproximateBytes() const override;

  EventStore* local() const;

  struct Stats {
    bool connected = false;
    bool following = false;
    int64_t published = 0;         // events the stream acknowledged
    int64_t publish_resends = 0;   // publishes sent again after no answer
    int64_t publish_failures = 0;  // appends failed (UNAVAILABLE)
    int64_t consumed = 0;          // stream messages applied to the store
    int64_t consumed_new = 0;      // of which the store did not have yet
    int64_t malformed = 0;         // messages that were not an Event
    uint64_t stream_position = 0;  // last stream sequence applied
    uint64_t pending = 0;          // messages the consumer has not fetched
    // Publish-to-applied delay of events written by other replicas:
    // histogram counts per bucket upper bound (seconds).
    std::vector<double> delay_bounds;
    std::vector<int64_t> delay_counts;  // cumulative, Prometheus style
    double delay_sum = 0;
    int64_t delay_count = 0;
    std::string last_error;
  };
  Stats stats() const;
  const NatsEventLogOptions& options() const;

  // Reads every event the stream keeps, each idempotency key once, up to
  // the stream's last message at the call (the nightly indexer without a
  // replica's store). Fails when NATS does not answer within the timeout.
  static absl::Status ReadStream(
      const NatsEventLogOptions& options,
      const std::function<bool(const v1::Event&)>& fn);

  struct Impl;

 private:
  NatsEventLog() = default;
  std::unique_ptr<Impl> impl_;
};

// Parses --event-log: "nats://h1:4222,nats://h2:4222" (a bare host:port
// means nats://). Fails naming the bad part.
absl::StatusOr<std::vector<std::string>> ParseNatsServers(
    const std::string& spec);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_EVENTS_NATS_EVENT_LOG_H_
