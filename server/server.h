// The Boomerang server as one object: the engine (snapshot manager, live
// event log and view, clock) behind the gRPC services and the optional HTTP
// side door, with admission, authorization and TLS. main.cc parses flags
// into ServerOptions and runs one; tests run one in-process.
//
//   ServerOptions options;
//   options.snapshots = "snapshots/";
//   options.port = 0;  // the OS chooses
//   auto server = Server::Start(options);
//   ... (*server)->port() ...
//   (*server)->Shutdown();
//
// Start: find a snapshot (FAILED_PRECONDITION naming the root when there is
// none), bind the port (UNAVAILABLE naming it when it is taken), load the
// newest version that loads, build the live view, start HTTP, then turn
// health to SERVING. Shutdown: health NOT_SERVING, keep answering for
// `shutdown_grace_seconds` (load balancers see it leave), then stop
// accepting and let running calls finish (up to `drain_seconds`).
//
// Thread-safety: Start and Shutdown from one thread; the accessors from any.
#ifndef BOOMERANG_SERVER_SERVER_H_
#define BOOMERANG_SERVER_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "models/events/event_log.h"
#include "models/events/nats_event_log.h"
#include "models/rank/ranking_options.h"
#include "server/engine/clock.h"

namespace boomerang {

struct ServerOptions {
  // Snapshots (written by boomerang-indexer) and which version to serve.
  std::string snapshots;        // required
  int64_t version = 0;          // serve exactly this one (0: the newest)
  double poll_seconds = 10;     // look for a new version (0: Reload only)
  bool skip_checksums = false;  // do not verify checksums at load
  // How lists are ranked (models/rank/ranking_options.h); e.g.
  // learned_picks = false ranks PersonalPicks by the hand-set weights
  // even when the snapshot has a learned ranker (--picks-ranker weights).
  RankingOptions ranking;
  // The server's config file (--config): its [[experiments]] are read at
  // start and re-read when it changes or on Admin.Reload (issue 14).
  std::string config_file;
  // How long a click earns a later purchase or cart add of the same item
  // by the same customer (or session) without a recommendation id.
  double click_window_hours = 24;
  // Where and how to listen.
  std::string host = "127.0.0.1";
  int port = 50051;  // 0: the OS chooses
  int max_message_bytes = 4 << 20;
  // Admission (server/request_queue.h).
  int workers = 0;       // 0: one per core this process may use
  int max_queued = 256;  // 0: no limit
  int max_queue_ms = 5;  // 0: no limit
  // What a request without as_of is answered for (server/engine/clock.h).
  ServingClock clock;
  // Live events: kept in this directory (empty: RecordEvents refused),
  // dropped this many days before the serving snapshot's export end.
  std::string events_dir;
  int events_retention_days = 30;
  // Instead of events_dir: this log (not owned; must outlive the server).
  // For tests (a fake log).
  EventLog* event_log = nullptr;
  // Replicas: with NATS servers named, events go through the shared
  // JetStream stream and events_dir (required) is this replica's copy
  // (models/events/nats_event_log.h). Empty: a single server.
  NatsEventLogOptions nats;
  // The HTTP side door (server/http/http_gateway.h): -1 = off, 0 = the OS
  // chooses.
  int http_port = -1;
  bool http_demo = true;
  int http_threads = 8;
  int http_max_waiting_connections = 64;
  std::string currency;  // the demo page's price sign
  // Security: token files and TLS (server/auth.h, server/tls.h).
  std::string read_tokens_file, write_tokens_file;
  std::string tls_cert, tls_key, tls_client_ca;
  bool require_client_cert = false;
  // Shutdown.
  double shutdown_grace_seconds = 0;
  double drain_seconds = 10;
  // Log lines (timestamped by the caller); null: standard error.
  std::function<void(const std::string&)> log;
};

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options);
  // Shuts down (without grace) if Shutdown was not called.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;       // the bound gRPC port
  int http_port() const;  // the bound HTTP port, -1 without HTTP
  // The serving snapshot's version ("000003").
  std::string serving_version() const;

  // Health NOT_SERVING, grace, then drain (see above). Idempotent.
  void Shutdown();

 private:
  Server();
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_SERVER_H_
