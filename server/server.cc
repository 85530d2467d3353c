#include "server/server.h"

#include <grpc/support/log.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/events/event_store.h"
#include "models/snapshot/snapshot.h"
#include "server/auth.h"
#include "server/engine/catalog_view.h"
#include "server/engine/engine.h"
#include "server/engine/live_events.h"
#include "server/engine/live_view.h"
#include "server/engine/snapshot_manager.h"
#include "server/grpc/admin_service.h"
#include "server/grpc/recommender_service.h"
#include "server/http/http_gateway.h"
#include "server/request_queue.h"
#include "server/tls.h"

namespace boomerang {
namespace {

// gRPC's own log lines while the server binds: a taken port makes gRPC
// log an internal error (a JSON blob) before BuildAndStart returns null, and
// the user should see only our one clear line. Kept to pick the words of
// that line; outside BuildAndStart gRPC logs as usual. gRPC's log function
// is process-wide, hence a global; gRPC may log from its own threads, hence
// the lock.
absl::Mutex g_log_mu;
std::vector<std::string>* g_bind_log ABSL_GUARDED_BY(g_log_mu) = nullptr;
std::function<void(const std::string&)>* g_grpc_log ABSL_GUARDED_BY(g_log_mu) =
    nullptr;

void CaptureGrpcLog(gpr_log_func_args* args) {
  absl::MutexLock lock(&g_log_mu);
  if (args->severity == GPR_LOG_SEVERITY_ERROR && g_bind_log != nullptr) {
    g_bind_log->push_back(args->message);
    return;
  }
  // Everything else as our own log lines (gRPC 1.51 does not export its
  // default writer to chain to).
  const std::string line =
      absl::StrCat("grpc ", gpr_log_severity_string(args->severity), " ",
                   args->file, ":", args->line, ": ", args->message);
  if (g_grpc_log != nullptr && *g_grpc_log) {
    (*g_grpc_log)(line);
  } else {
    std::cerr << line << std::endl;
  }
}

std::chrono::system_clock::time_point After(double seconds) {
  seconds = std::clamp(seconds, 0.0, 86400.0);
  return std::chrono::system_clock::now() +
         std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// The live event store's gauges for /metrics.
// Per placement, experiment and arm: what the report counts, as counters
// (a dashboard divides them; the report has the intervals and tests).
std::string ExperimentMetrics(const ExperimentsState& experiments) {
  std::string out;
  const auto totals = experiments.Totals();
  if (totals.empty()) return out;
  struct Counter {
    const char* name;
    const char* help;
    double (*get)(const experiments::ArmTotals&);
  };
  static const Counter kCounters[] = {
      {"boomerang_experiment_impressions_total", "lists shown (IMPRESSION)",
       [](const experiments::ArmTotals& t) { return double(t.impressions); }},
      {"boomerang_experiment_clicks_total", "clicks on listed items",
       [](const experiments::ArmTotals& t) { return double(t.clicks); }},
      {"boomerang_experiment_add_to_carts_total", "attributed cart adds",
       [](const experiments::ArmTotals& t) { return double(t.add_to_carts); }},
      {"boomerang_experiment_purchases_total", "attributed purchase lines",
       [](const experiments::ArmTotals& t) { return double(t.purchases); }},
      {"boomerang_experiment_revenue_total", "attributed revenue",
       [](const experiments::ArmTotals& t) { return t.revenue; }},
      {"boomerang_experiment_customers", "customers shown a list",
       [](const experiments::ArmTotals& t) { return double(t.customers); }},
  };
  for (const Counter& c : kCounters) {
    absl::StrAppend(
        &out, "# HELP ", c.name, " ", c.help,
        " per placement, experiment and arm\n# TYPE ", c.name,
        absl::EndsWith(c.name, "_total") ? " counter\n" : " gauge\n");
    for (const auto& [key, t] : totals) {
      absl::StrAppend(&out, c.name, "{placement=\"", key.placement,
                      "\",experiment=\"", key.experiment, "\",arm=\"", key.arm,
                      "\"} ", absl::StrFormat("%.17g", c.get(t)), "\n");
    }
  }
  return out;
}

std::string EventMetrics(const EventLog& events, const LiveView* live,
                         const SnapshotHolder& holder, int64_t now) {
  // How far the serving snapshot's data is behind the live events: the
  // overlay covers the gap until the nightly rebuild takes the events in.
  // Growing past a day means the rebuild is not running.
  int64_t lag = 0, export_lag = 0;
  const int64_t newest = events.newest_event_time();
  // Events may be dated up to a day ahead (clock skew): the lags count to
  // now at most, so that they cannot raise a false alert.
  const int64_t newest_past = std::min<int64_t>(newest, now);
  if (std::shared_ptr<const Snapshot> snapshot = holder.Current();
      snapshot != nullptr && newest > 0) {
    const int64_t end = snapshot->data_end_seconds();
    lag = end > 0 ? std::max<int64_t>(0, newest_past - end) : 0;
    const int64_t export_end = ExportDataEnd(*snapshot);
    export_lag =
        export_end > 0 ? std::max<int64_t>(0, newest_past - export_end) : 0;
  }
  return absl::StrCat(
      "# HELP boomerang_events_accepted_total Live events accepted "
      "into the event store since it was created (duplicates not "
      "counted).\n"
      "# TYPE boomerang_events_accepted_total counter\n"
      "boomerang_events_accepted_total ",
      events.events_accepted(), "\n",
      "# HELP boomerang_event_store_bytes What the event store takes "
      "now (files and memory tables; old events leave with "
      "--events-retention-days).\n"
      "# TYPE boomerang_event_store_bytes gauge\n"
      "boomerang_event_store_bytes ",
      events.ApproximateBytes(), "\n",
      "# HELP boomerang_events_newest_timestamp_seconds The newest event "
      "time stored (0: none).\n"
      "# TYPE boomerang_events_newest_timestamp_seconds gauge\n"
      "boomerang_events_newest_timestamp_seconds ",
      newest, "\n",
      "# HELP boomerang_events_snapshot_lag_seconds How much newer the "
      "newest live event (at most now) is than the serving snapshot's "
      "data (its data end): what the live overlay carries until the "
      "nightly rebuild "
      "takes the events in (0: no newer events).\n"
      "# TYPE boomerang_events_snapshot_lag_seconds gauge\n"
      "boomerang_events_snapshot_lag_seconds ",
      lag, "\n",
      "# HELP boomerang_events_export_lag_seconds How much newer the "
      "newest live event (at most now) is than the purchase export the "
      "serving snapshot was built from: live purchases in this window "
      "exist only in the event store (and snapshots built with "
      "--events). Growing past a day means the export has stopped.\n"
      "# TYPE boomerang_events_export_lag_seconds gauge\n"
      "boomerang_events_export_lag_seconds ",
      export_lag, "\n",
      "# HELP boomerang_events_last_append_timestamp_seconds When events "
      "were last stored (0: not since start).\n"
      "# TYPE boomerang_events_last_append_timestamp_seconds gauge\n"
      "boomerang_events_last_append_timestamp_seconds ",
      events.last_append_time(), "\n",
      "# HELP boomerang_live_view_events Live events held in memory for "
      "requests (those after the serving snapshot's data end): grows until "
      "the nightly rebuild takes them in.\n"
      "# TYPE boomerang_live_view_events gauge\n"
      "boomerang_live_view_events ",
      live != nullptr ? live->events() : 0, "\n");
}

std::string NatsMetrics(const NatsEventLog& log) {
  const NatsEventLog::Stats st = log.stats();
  std::string out = absl::StrCat(
      "# HELP boomerang_event_log_connected 1 while this replica is "
      "connected to a NATS node.\n"
      "# TYPE boomerang_event_log_connected gauge\n"
      "boomerang_event_log_connected ",
      st.connected ? 1 : 0, "\n",
      "# HELP boomerang_event_log_following 1 while this replica's durable "
      "consumer follows the shared stream.\n"
      "# TYPE boomerang_event_log_following gauge\n"
      "boomerang_event_log_following ",
      st.following ? 1 : 0, "\n",
      "# HELP boomerang_event_log_published_total Events the shared stream "
      "acknowledged for this replica's callers.\n"
      "# TYPE boomerang_event_log_published_total counter\n"
      "boomerang_event_log_published_total ",
      st.published, "\n",
      "# HELP boomerang_event_log_publish_resends_total Publishes sent again "
      "after no answer (same message id).\n"
      "# TYPE boomerang_event_log_publish_resends_total counter\n"
      "boomerang_event_log_publish_resends_total ",
      st.publish_resends, "\n",
      "# HELP boomerang_event_log_publish_failures_total Appends answered "
      "UNAVAILABLE because the stream did not store them in time.\n"
      "# TYPE boomerang_event_log_publish_failures_total counter\n"
      "boomerang_event_log_publish_failures_total ",
      st.publish_failures, "\n",
      "# HELP boomerang_event_log_consumed_total Stream messages applied to "
      "this replica's store (its own writes and redeliveries included).\n"
      "# TYPE boomerang_event_log_consumed_total counter\n"
      "boomerang_event_log_consumed_total ",
      st.consumed, "\n",
      "# HELP boomerang_event_log_malformed_total Stream messages that were "
      "not events (skipped).\n"
      "# TYPE boomerang_event_log_malformed_total counter\n"
      "boomerang_event_log_malformed_total ",
      st.malformed, "\n",
      "# HELP boomerang_event_log_position The last stream sequence this "
      "replica applied.\n"
      "# TYPE boomerang_event_log_position gauge\n"
      "boomerang_event_log_position ",
      st.stream_position, "\n",
      "# HELP boomerang_event_log_pending Stream messages this replica has "
      "not fetched yet (its lag).\n"
      "# TYPE boomerang_event_log_pending gauge\n"
      "boomerang_event_log_pending ",
      st.pending, "\n",
      "# HELP boomerang_event_log_propagation_seconds From another replica's "
      "publish to this replica's store.\n"
      "# TYPE boomerang_event_log_propagation_seconds histogram\n");
  for (size_t i = 0; i < st.delay_bounds.size(); ++i) {
    absl::StrAppend(&out,
                    "boomerang_event_log_propagation_seconds_bucket{le=\"",
                    st.delay_bounds[i], "\"} ", st.delay_counts[i], "\n");
  }
  absl::StrAppend(
      &out, "boomerang_event_log_propagation_seconds_bucket{le=\"+Inf\"} ",
      st.delay_count, "\n", "boomerang_event_log_propagation_seconds_sum ",
      absl::StrFormat("%.6f", st.delay_sum), "\n",
      "boomerang_event_log_propagation_seconds_count ", st.delay_count, "\n");
  return out;
}

}  // namespace

// Declared in the order they are built; destroyed in reverse, so that each
// part outlives whatever uses it (the gRPC server the services, the
// services the engine, the engine the event store, the store the holder its
// retention asks).
struct Server::Parts {
  ServerOptions options;
  std::function<void(const std::string&)> log;
  SnapshotHolder holder;
  std::unique_ptr<EventStore> store;   // owned when events_dir is given
  std::unique_ptr<NatsEventLog> nats;  // with replicas: holds the store
  EventLog* events = nullptr;          // the store or options.event_log
  std::unique_ptr<Engine> engine;
  std::unique_ptr<RequestQueue> queue;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<RecommenderService> service;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<grpc::Server> grpc;
  int port = 0;
  std::unique_ptr<SnapshotManager> manager;
  std::unique_ptr<HttpGateway> http;
  bool stopped = false;

  absl::Status OpenEvents();
  absl::Status BindGrpc(std::shared_ptr<grpc::ServerCredentials> credentials);
  absl::Status LoadSnapshots();
  absl::Status StartHttp();
  void SetHealth(bool serving);
};

absl::Status Server::Parts::OpenEvents() {
  if (options.event_log != nullptr) {
    events = options.event_log;
    return absl::OkStatus();
  }
  if (options.events_dir.empty()) {
    if (!options.nats.servers.empty()) {
      return absl::InvalidArgumentError(
          "--event-log needs --events-dir: each replica keeps its own copy "
          "of the shared events there");
    }
    return absl::OkStatus();
  }
  EventStoreOptions eopts;
  if (options.events_retention_days > 0) {
    // Asked by RocksDB's compaction threads; the store closes before the
    // holder goes.
    const int64_t days = options.events_retention_days;
    eopts.keep_after = [this, days]() -> int64_t {
      std::shared_ptr<const Snapshot> snapshot = holder.Current();
      if (snapshot == nullptr) return 0;
      // The export's end, not the data end: with --events, snapshots take
      // live purchases too, and those exist nowhere else until an export
      // has them.
      const int64_t end = ExportDataEnd(*snapshot);
      return end > 0 ? end - days * 86400 : 0;
    };
    // Catalog updates after the serving snapshot's catalog exist only in
    // the log: kept until a snapshot's catalog_time passes them.
    eopts.keep_catalog_after = [this]() -> int64_t {
      std::shared_ptr<const Snapshot> snapshot = holder.Current();
      return snapshot == nullptr ? 0 : CatalogTimeOf(*snapshot);
    };
  }
  auto opened = EventStore::Open(options.events_dir, eopts);
  if (!opened.ok()) return opened.status();
  store = std::move(*opened);
  events = store.get();
  if (!options.nats.servers.empty()) {
    NatsEventLogOptions nopts = options.nats;
    if (!nopts.log) nopts.log = log;
    auto shared = NatsEventLog::Open(nopts, std::move(store));
    if (!shared.ok()) return shared.status();
    nats = std::move(*shared);
    events = nats.get();
    log(absl::StrCat("replica ", nopts.replica_id,
                     ": live events shared "
                     "through NATS JetStream stream ",
                     nopts.stream, " (", nopts.stream_replicas, " copies) on ",
                     absl::StrJoin(nopts.servers, ","),
                     "; this replica's "
                     "copy in ",
                     options.events_dir));
  }
  log(absl::StrCat("live events in ", options.events_dir, " (",
                   events->events_accepted(), " accepted so far, ",
                   events->ApproximateBytes() >> 20, " MiB)"));
  return absl::OkStatus();
}

absl::Status Server::Parts::BindGrpc(
    std::shared_ptr<grpc::ServerCredentials> credentials) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC 1.51 binds with SO_REUSEPORT by default: a second server on the same
  // port would "start" and steal connections. Make it fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  // Detect vanished clients (a batch job's machine rebooted): their streams
  // are cancelled instead of holding a reactor and a snapshot forever.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  const std::string& host = options.host;
  const std::string address = absl::StrCat(
      host.find(':') != std::string::npos ? "[" + host + "]" : host, ":",
      options.port);
  builder.AddListeningPort(address, credentials, &port);
  builder.RegisterService(service.get());
  builder.RegisterService(admin.get());
  std::vector<std::string> bind_log;
  {
    absl::MutexLock lock(&g_log_mu);
    g_bind_log = &bind_log;
  }
  gpr_set_log_function(CaptureGrpcLog);
  grpc = builder.BuildAndStart();
  {
    absl::MutexLock lock(&g_log_mu);
    g_bind_log = nullptr;
  }
  if (grpc == nullptr || port == 0) {
    bool in_use = false;
    for (const std::string& line : bind_log) {
      in_use =
          in_use || line.find("Address already in use") != std::string::npos;
    }
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address,
        in_use ? ": the port is in use (another boomerang-server? pick "
                 "another with --port, or --port 0 to let the OS choose)"
               : " (port in use, or not a local address)"));
  }
  // Errors gRPC logged while binding that did not stop it (none expected).
  for (const std::string& line : bind_log) log(absl::StrCat("grpc: ", line));
  // Until a snapshot is loaded, health says NOT_SERVING and calls get
  // UNAVAILABLE.
  SetHealth(false);
  return absl::OkStatus();
}

void Server::Parts::SetHealth(bool serving) {
  grpc::HealthCheckServiceInterface* health = grpc->GetHealthCheckService();
  health->SetServingStatus("boomerang.v1.Recommender", serving);
  health->SetServingStatus(serving);
}

absl::Status Server::Parts::LoadSnapshots() {
  SnapshotManagerOptions mopts;
  mopts.root = options.snapshots;
  mopts.pinned_version = options.version;
  mopts.poll_seconds = options.poll_seconds;
  mopts.load.verify_checksums = !options.skip_checksums;
  mopts.log = log;
  Engine* e = engine.get();
  auto log_line = log;
  mopts.before_swap = [e, log_line](const Snapshot& incoming) {
    absl::Status s = e->BeforeSnapshotSwap(incoming);
    if (!s.ok()) {
      log_line(
          absl::StrCat("re-reading the live events for an older "
                       "snapshot failed (requests miss some of them "
                       "until the next swap): ",
                       s.message()));
    }
  };
  mopts.on_retired_freed = [e] { e->OnOlderSnapshotsFreed(); };
  auto started = SnapshotManager::Start(mopts, &holder);
  if (!started.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load a snapshot from ", options.snapshots, ": ",
                     started.status().message()));
  }
  manager = std::move(*started);
  admin->set_manager(manager.get());
  // The live view, now that the serving snapshot says which events matter.
  absl::Status s = engine->Start();
  if (!s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("reading the live events in ",
                                     options.events_dir, ": ", s.message()));
  }
  // Replicas: follow the shared stream now that the store was read (what
  // arrives from here on reaches the views through the listener only).
  if (nats != nullptr) nats->Follow();
  if (engine->live_view() != nullptr) {
    log(absl::StrCat("live view: ", engine->live_view()->events(),
                     " events of ", engine->live_view()->customers(),
                     " customers after the snapshot's data"));
  }
  return absl::OkStatus();
}

absl::Status Server::Parts::StartHttp() {
  if (options.http_port < 0) return absl::OkStatus();
  HttpGatewayOptions hopts;
  hopts.host = options.host;
  hopts.port = options.http_port;
  hopts.demo = options.http_demo;
  hopts.currency = options.currency;
  hopts.authenticator = auth.get();
  hopts.threads = options.http_threads;
  hopts.max_waiting_connections = options.http_max_waiting_connections;
  hopts.queue = queue.get();
  // The same certificate, key and client CA as gRPC.
  hopts.tls_cert_file = options.tls_cert;
  hopts.tls_key_file = options.tls_key;
  hopts.tls_client_ca_file = options.tls_client_ca;
  hopts.require_client_cert = options.require_client_cert;
  if (events != nullptr) {
    const EventLog* log = events;
    const Engine* e = engine.get();
    const NatsEventLog* shared = nats.get();
    hopts.extra_metrics = [log, e, shared] {
      return EventMetrics(*log, e->live_view(), e->holder(),
                          e->clock().SystemNow()) +
             ExperimentMetrics(e->experiments()) +
             (shared != nullptr ? NatsMetrics(*shared) : std::string());
    };
  }
  auto started = HttpGateway::Start(hopts, engine.get(), manager.get());
  if (!started.ok()) return started.status();
  http = std::move(*started);
  return absl::OkStatus();
}

Server::Server() : parts_(new Parts) {}

Server::~Server() {
  // Not shut down by its owner (a test's early return): at once.
  parts_->options.shutdown_grace_seconds = 0;
  parts_->options.drain_seconds = 0;
  Shutdown();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options) {
  // A client that disconnects while we write must not kill the process:
  // OpenSSL (HTTPS) writes with write(), which raises SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<Server> server(new Server());
  Parts& p = *server->parts_;
  p.options = options;
  p.log = options.log ? options.log : [](const std::string& line) {
    std::cerr << "boomerang-server: " << line << std::endl;
  };
  {
    absl::MutexLock lock(&g_log_mu);
    g_grpc_log = &p.log;
  }
  // Fail fast, before binding, when there is nothing to serve.
  auto newest = Snapshot::FindNewest(options.snapshots);
  if (!newest.ok()) return newest.status();

  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (!options.tls_cert.empty() || !options.tls_key.empty() ||
      options.require_client_cert) {
    auto tls = MakeServerTlsCredentials(options.tls_cert, options.tls_key,
                                        options.tls_client_ca,
                                        options.require_client_cert);
    if (!tls.ok()) return tls.status();
    credentials = *tls;
  }
  auto auth = Authenticator::FromFiles(options.read_tokens_file,
                                       options.write_tokens_file);
  if (!auth.ok()) return auth.status();
  p.auth = std::move(*auth);
  absl::Status s = p.OpenEvents();
  if (!s.ok()) return s;
  ExperimentsSettings experiments;
  experiments.config_file = options.config_file;
  experiments.click_window_hours = options.click_window_hours;
  experiments.poll_seconds = options.poll_seconds > 0 ? 2 : 0;
  experiments.log = p.log;
  p.engine = std::make_unique<Engine>(&p.holder, p.events, options.clock,
                                      options.ranking, std::move(experiments));
  RequestQueueOptions qopts;
  qopts.workers = RequestQueue::DefaultWorkers(options.workers);
  qopts.max_queued = options.max_queued;
  qopts.max_wait = absl::Milliseconds(options.max_queue_ms);
  p.queue = std::make_unique<RequestQueue>(qopts);
  p.service = std::make_unique<RecommenderService>(p.engine.get());
  p.service->set_request_queue(p.queue.get());
  p.service->set_authenticator(p.auth.get());
  p.admin = std::make_unique<AdminService>();
  p.admin->set_authenticator(p.auth.get());
  p.admin->set_engine(p.engine.get());
  s = p.BindGrpc(credentials);
  if (s.ok()) s = p.LoadSnapshots();
  if (s.ok()) {
    p.log(absl::StrCat(
        "transport: ", options.tls_cert.empty() ? "plaintext" : "TLS",
        options.require_client_cert ? " with client certificates required" : "",
        "; authorization: ",
        p.auth->enabled()
            ? absl::StrCat(p.auth->read_tokens(), " read and ",
                           p.auth->write_tokens(), " write tokens")
            : "off (no token files)"));
    // HTTP once a snapshot serves.
    s = p.StartHttp();
  }
  if (!s.ok()) {
    if (p.grpc != nullptr) p.grpc->Shutdown(After(0));
    p.stopped = true;
    return s;
  }
  p.SetHealth(true);
  return server;
}

int Server::port() const { return parts_->port; }

int Server::http_port() const {
  return parts_->http != nullptr ? parts_->http->port() : -1;
}

std::string Server::serving_version() const {
  std::shared_ptr<const Snapshot> s = parts_->holder.Current();
  return s != nullptr ? s->version() : "";
}

void Server::Shutdown() {
  Parts& p = *parts_;
  // A server that failed to start has nothing to stop (or no gRPC server).
  if (!p.stopped && p.grpc != nullptr) {
    p.stopped = true;
    p.SetHealth(false);
    if (p.http) p.http->SetServing(false);  // /healthz: 503
    if (p.options.shutdown_grace_seconds > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(
          static_cast<int64_t>(p.options.shutdown_grace_seconds * 1000)));
    }
    p.log("draining running calls");
    // HTTP stops accepting at the same time and finishes its running
    // requests.
    std::thread http_stop([&p] {
      if (p.http) p.http->Stop();
    });
    p.grpc->Shutdown(After(p.options.drain_seconds));
    p.grpc->Wait();
    http_stop.join();
    p.log("stopped");
  }
  absl::MutexLock lock(&g_log_mu);
  if (g_grpc_log == &p.log) g_grpc_log = nullptr;
}

}  // namespace boomerang
