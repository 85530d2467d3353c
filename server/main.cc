// boomerang-server: serves the newest complete snapshot under --snapshots
// over gRPC (boomerang.v1.Recommender, boomerang.v1.Admin, grpc.health.v1,
// reflection), and swaps in newer versions as the indexer publishes them
// (polled every --poll-seconds, or at once on Admin.Reload).
//
//   boomerang-server --snapshots snapshots/ --port 50051
//
// --http-port N adds the HTTP side door (server/http_gateway.h): /metrics,
// /healthz, the RPCs as JSON and a demo page.
//
// Start-up: find a snapshot (exit 1 with one line if there is none), bind
// the port (exit 1 if it is taken), load the newest version that loads
// (older versions are tried when the newest is corrupt; --version pins one),
// then turn health to SERVING. --port 0 lets the OS choose; the chosen port
// is printed ("listening on 127.0.0.1:PORT") and written to --port-file.
//
// SIGTERM/SIGINT: health turns NOT_SERVING, the server keeps answering for
// --shutdown-grace-seconds (so load balancers see it leave), then stops
// accepting calls, lets running ones finish (up to --drain-seconds) and
// exits 0.
#include <grpc/support/log.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <omp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/timestamp.h"
#include "server/admin_service.h"
#include "server/auth.h"
#include "server/clock.h"
#include "server/http_gateway.h"
#include "server/live_events.h"
#include "server/recommender_service.h"
#include "server/request_queue.h"
#include "models/snapshot/snapshot.h"
#include "server/snapshot_manager.h"
#include "models/events/event_store.h"
#include "server/tls.h"

namespace {

void Log(const std::string& msg) {
  std::cerr << absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                absl::UTCTimeZone())
            << " boomerang-server: " << msg << std::endl;
}

int Fail(const std::string& msg) {
  std::cerr << "boomerang-server: error: " << msg << "\n";
  return 1;
}

// gRPC's own log lines while the server binds: a taken port makes gRPC
// log an internal error (a JSON blob) before BuildAndStart returns null, and
// the user should see only our one clear line. Kept to pick the words of
// that line; outside BuildAndStart gRPC logs as usual.
// gRPC may log from its own threads: the capture is guarded.
absl::Mutex g_bind_log_mu;
std::vector<std::string>* g_bind_log ABSL_GUARDED_BY(g_bind_log_mu) = nullptr;
void CaptureGrpcLog(gpr_log_func_args* args) {
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    absl::MutexLock lock(&g_bind_log_mu);
    if (g_bind_log != nullptr) {
      g_bind_log->push_back(args->message);
      return;
    }
  }
  // Everything else as our own log lines (gRPC 1.51 does not export its
  // default writer to chain to).
  Log(absl::StrCat("grpc ", gpr_log_severity_string(args->severity), " ",
                   args->file, ":", args->line, ": ", args->message));
}

std::chrono::system_clock::time_point After(double seconds) {
  seconds = std::clamp(seconds, 0.0, 86400.0);
  return std::chrono::system_clock::now() +
         std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

int main(int argc, char** argv) {
  std::string snapshots, host = "127.0.0.1", port_file;
  int port = 50051;
  int64_t version = 0;
  double drain_seconds = 10, grace_seconds = 0, poll_seconds = 10;
  bool skip_verify = false;
  CLI::App app{"Boomerang recommendation server."};
  app.add_option("--snapshots", snapshots,
                 "snapshot root written by boomerang-indexer")
      ->required();
  app.add_option("--host", host, "address to listen on (0.0.0.0 for all)")
      ->capture_default_str();
  app.add_option("--port", port, "port to listen on; 0 lets the OS choose")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", port_file, "write the bound port to this file");
  app.add_option("--version", version,
                 "serve exactly this snapshot version (e.g. 3 for 000003) "
                 "instead of the newest: a rollback")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--drain-seconds", drain_seconds,
                 "on SIGTERM, how long running calls may take to finish")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--shutdown-grace-seconds", grace_seconds,
                 "on SIGTERM, keep serving this long after health turns "
                 "NOT_SERVING (give load balancers time to notice)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--poll-seconds", poll_seconds,
                 "look for a new snapshot version this often and swap it in "
                 "(0: only on an Admin Reload)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  std::string clock_spec = "system";
  app.add_option("--clock", clock_spec,
                 "what a request without as_of is answered for: system (the "
                 "machine's time), data-end (the end of the serving "
                 "snapshot's data: for a historical export) or a fixed moment "
                 "such as 2011-12-10")
      ->capture_default_str();
  std::string currency;
  app.add_option("--currency", currency,
                 "currency sign the demo page shows before prices, e.g. "
                 "\"£\" or \"EUR \" (the API sends plain numbers)");
  app.add_flag("--skip-checksums", skip_verify,
               "do not verify snapshot checksums at load (faster start)");
  // The HTTP side door (server/http_gateway.h): off unless --http-port.
  int http_port = -1;
  std::string http_port_file;
  bool no_http_demo = false;
  app.add_option("--http-port", http_port,
                 "also serve /metrics, /healthz, JSON versions of the RPCs "
                 "(POST /v1/Method) and a demo page over HTTP on this port "
                 "(same --host); 0 lets the OS choose")
      ->check(CLI::Range(0, 65535));
  app.add_option("--http-port-file", http_port_file,
                 "write the bound HTTP port to this file");
  app.add_flag("--no-http-demo", no_http_demo,
               "do not serve the demo page (/, /demo) on the HTTP port");
  int http_threads = 8, http_max_waiting = 64;
  app.add_option("--http-threads", http_threads,
                 "threads serving HTTP connections (one connection each at a "
                 "time)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--http-max-waiting-connections", http_max_waiting,
                 "HTTP connections allowed to wait for a thread; beyond it a "
                 "connection is answered 503 with Retry-After and closed")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  // Security. Secrets live in files named here, never on the command line.
  std::string read_tokens_file, write_tokens_file, tls_cert, tls_key,
      tls_client_ca;
  bool require_client_cert = false;
  int workers = 0, max_queued = 256;
  app.add_option(
         "--workers", workers,
         "threads answering unary calls (0: one per core this process may use)")
      ->check(CLI::Range(0, 256));
  app.add_option("--max-queued", max_queued,
                 "unary calls allowed to wait for a worker; beyond it calls "
                 "get RESOURCE_EXHAUSTED at once (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  int max_message_bytes = 4 << 20;
  app.add_option("--max-message-bytes", max_message_bytes,
                 "largest gRPC request message accepted; larger ones get "
                 "RESOURCE_EXHAUSTED before any handler runs (the HTTP side "
                 "door takes bodies up to 1 MiB)")
      ->capture_default_str()
      ->check(CLI::Range(1024, 64 << 20));
  int max_queue_ms = 5;
  app.add_option("--max-queue-ms", max_queue_ms,
                 "refuse a unary call (RESOURCE_EXHAUSTED) when the calls "
                 "already waiting would keep it waiting longer than this for "
                 "a worker, at the recent pace (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  std::string events_dir;
  int events_retention_days = 30;
  app.add_option("--events-retention-days", events_retention_days,
                 "drop live events older than the serving snapshot's data end "
                 "minus this many days (the nightly export has them by then; "
                 "done as the store compacts, at least daily); 0 keeps all")
      ->capture_default_str()
      ->check(CLI::Range(0, 36500));
  app.add_option("--events-dir", events_dir,
                 "keep live events (RecordEvents) in this directory, durably; "
                 "without it RecordEvents is refused");
  app.add_option("--read-tokens-file", read_tokens_file,
                 "bearer tokens (one per line) allowed to call the "
                 "recommendation RPCs and Admin.GetStatus");
  app.add_option("--write-tokens-file", write_tokens_file,
                 "bearer tokens allowed to call everything, including "
                 "Admin.Reload and Admin.Pin");
  app.add_option("--tls-cert", tls_cert,
                 "server certificate chain (PEM); with --tls-key turns TLS on");
  app.add_option("--tls-key", tls_key, "server private key (PEM)");
  app.add_option(
      "--tls-client-ca", tls_client_ca,
      "CA certificates (PEM) that client certificates must chain to");
  app.add_flag("--require-client-cert", require_client_cert,
               "mutual TLS: refuse clients without a certificate signed by "
               "--tls-client-ca");
  app.set_config("--config", "",
                 "read settings from this TOML file (keys are the flag names "
                 "without dashes, e.g. port = 50051); flags given on the "
                 "command line win");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return Fail(absl::StrCat(e.what(), " (see --help)"));
  }

  // Signals are taken by a dedicated thread with sigwait(); block them
  // before gRPC starts its threads so that they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that disconnects while we write must not kill the server:
  // OpenSSL (HTTPS) writes with write(), which raises SIGPIPE.
  signal(SIGPIPE, SIG_IGN);

  // Debian's Abseil runs mutex deadlock detection on every lock; profiling
  // showed it at ~2% of the server's CPU. Our locks are few and held briefly.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // FAISS uses OpenMP, and libgomp makes a thread team per calling thread:
  // with many gRPC threads that multiplies. Every search on a request path
  // passes threads=1 (Snapshot::SearchItems), which is what bounds it:
  // omp_set_num_threads() here only sets this thread's own default (libgomp
  // gives new threads the OMP_NUM_THREADS value), so it covers the loading
  // done on this thread, not the gRPC threads.
  omp_set_num_threads(1);

  auto clock = boomerang::ServingClock::Parse(clock_spec);
  if (!clock.ok()) return Fail(std::string(clock.status().message()));
  boomerang::SetServingClock(*clock);
  if (!events_dir.empty() &&
      clock->mode != boomerang::ServingClock::Mode::kSystem) {
    Log(absl::StrCat(
        "note: with --clock ", clock->Describe(),
        " live events recorded now lie after the moment requests without "
        "as_of are answered for: their purchases count only for requests "
        "that give a later as_of"));
  }

  // Fail fast, before binding, when there is nothing to serve.
  auto newest = boomerang::Snapshot::FindNewest(snapshots);
  if (!newest.ok()) return Fail(std::string(newest.status().message()));

  boomerang::SnapshotHolder holder;
  // Declared before the gRPC server so that it outlives the server's calls.
  boomerang::RequestQueueOptions qopts;
  qopts.workers = boomerang::RequestQueue::DefaultWorkers(workers);
  qopts.max_queued = max_queued;
  qopts.max_wait = absl::Milliseconds(max_queue_ms);
  boomerang::RequestQueue request_queue(qopts);
  boomerang::RecommenderService service(&holder);
  service.set_request_queue(&request_queue);
  boomerang::AdminService admin;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC 1.51 binds with SO_REUSEPORT by default: a second server on the same
  // port would "start" and steal connections. Make it fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  // Detect vanished clients (a batch job's machine rebooted): their streams
  // are cancelled instead of holding a reactor and a snapshot forever.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  int bound_port = 0;
  const std::string address = absl::StrCat(
      host.find(':') != std::string::npos ? "[" + host + "]" : host, ":", port);
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (!tls_cert.empty() || !tls_key.empty() || require_client_cert) {
    auto tls = boomerang::MakeServerTlsCredentials(
        tls_cert, tls_key, tls_client_ca, require_client_cert);
    if (!tls.ok()) return Fail(std::string(tls.status().message()));
    credentials = *tls;
  }
  auto auth =
      boomerang::Authenticator::FromFiles(read_tokens_file, write_tokens_file);
  if (!auth.ok()) return Fail(std::string(auth.status().message()));
  service.set_authenticator(auth->get());
  std::unique_ptr<boomerang::EventStore> events;
  if (!events_dir.empty()) {
    boomerang::EventStoreOptions eopts;
    if (events_retention_days > 0) {
      // Asked by RocksDB's compaction threads; the store closes before the
      // holder goes.
      eopts.keep_after = [&holder, events_retention_days]() -> int64_t {
        std::shared_ptr<const boomerang::Snapshot> snapshot = holder.Current();
        if (snapshot == nullptr) return 0;
        // The export's end, not the data end: with --events, snapshots take
        // live purchases too, and those exist nowhere else until an export
        // has them.
        const int64_t end = boomerang::ExportDataEnd(*snapshot);
        return end > 0 ? end - int64_t{events_retention_days} * 86400 : 0;
      };
    }
    auto opened = boomerang::EventStore::Open(events_dir, eopts);
    if (!opened.ok()) return Fail(std::string(opened.status().message()));
    events = std::move(*opened);
    boomerang::SetEventStore(events.get());
    Log(absl::StrCat("live events in ", events_dir, " (",
                     events->events_accepted(), " accepted so far, ",
                     events->ApproximateBytes() >> 20, " MiB)"));
  }
  admin.set_authenticator(auth->get());
  builder.AddListeningPort(address, credentials, &bound_port);
  builder.RegisterService(&service);
  builder.RegisterService(&admin);
  std::vector<std::string> bind_log;
  {
    absl::MutexLock lock(&g_bind_log_mu);
    g_bind_log = &bind_log;
  }
  gpr_set_log_function(CaptureGrpcLog);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  {
    absl::MutexLock lock(&g_bind_log_mu);
    g_bind_log = nullptr;
  }
  if (server == nullptr || bound_port == 0) {
    bool in_use = false;
    for (const std::string& line : bind_log) {
      in_use =
          in_use || line.find("Address already in use") != std::string::npos;
    }
    return Fail(absl::StrCat(
        "cannot listen on ", address,
        in_use ? ": the port is in use (another boomerang-server? pick "
                 "another with --port, or --port 0 to let the OS choose)"
               : " (port in use, or not a local address)"));
  }
  // Errors gRPC logged while binding that did not stop it (none expected).
  for (const std::string& line : bind_log) Log(absl::StrCat("grpc: ", line));
  // Until a snapshot is loaded, health says NOT_SERVING and calls get
  // UNAVAILABLE.
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus("boomerang.v1.Recommender", false);
  health->SetServingStatus(false);

  boomerang::SnapshotManagerOptions mopts;
  mopts.root = snapshots;
  mopts.pinned_version = version;
  mopts.poll_seconds = poll_seconds;
  mopts.load.verify_checksums = !skip_verify;
  mopts.log = Log;
  auto manager = boomerang::SnapshotManager::Start(mopts, &holder);
  if (!manager.ok()) {
    server->Shutdown(After(0));
    return Fail(absl::StrCat("cannot load a snapshot from ", snapshots, ": ",
                             manager.status().message()));
  }
  admin.set_manager(manager->get());
  Log(absl::StrCat(
      "transport: ", tls_cert.empty() ? "plaintext" : "TLS",
      require_client_cert ? " with client certificates required" : "",
      "; authorization: ",
      (*auth)->enabled()
          ? absl::StrCat((*auth)->read_tokens(), " read and ",
                         (*auth)->write_tokens(), " write tokens")
          : "off (no token files)"));
  health->SetServingStatus("boomerang.v1.Recommender", true);
  // The HTTP side door, once a snapshot serves; its port file is written
  // before the gRPC one, so whoever waits for that finds both.
  std::unique_ptr<boomerang::HttpGateway> http;
  if (http_port >= 0) {
    boomerang::HttpGatewayOptions hopts;
    hopts.host = host;
    hopts.port = http_port;
    hopts.demo = !no_http_demo;
    hopts.currency = currency;
    hopts.authenticator = auth->get();
    hopts.threads = http_threads;
    hopts.max_waiting_connections = http_max_waiting;
    hopts.queue = &request_queue;
    // The same certificate, key and client CA as gRPC.
    hopts.tls_cert_file = tls_cert;
    hopts.tls_key_file = tls_key;
    hopts.tls_client_ca_file = tls_client_ca;
    hopts.require_client_cert = require_client_cert;
    hopts.extra_metrics = [&events, &holder]() -> std::string {
      if (events == nullptr) return "";
      // How far the serving snapshot's data is behind the live events: the
      // overlay covers the gap until the nightly rebuild takes the events
      // in. Growing past a day means the rebuild is not running.
      int64_t lag = 0, export_lag = 0;
      const int64_t newest = events->newest_event_time();
      // Events may be dated up to a day ahead (clock skew): the lags count
      // to now at most, so that they cannot raise a false alert.
      const int64_t newest_past =
          std::min<int64_t>(newest, absl::ToUnixSeconds(absl::Now()));
      if (std::shared_ptr<const boomerang::Snapshot> snapshot =
              holder.Current();
          snapshot != nullptr && newest > 0) {
        auto end = boomerang::ParseTimestamp(snapshot->manifest().data_end());
        lag = end.ok() ? std::max<int64_t>(0, newest_past - *end) : 0;
        const int64_t export_end = boomerang::ExportDataEnd(*snapshot);
        export_lag =
            export_end > 0 ? std::max<int64_t>(0, newest_past - export_end) : 0;
      }
      return absl::StrCat(
          "# HELP boomerang_events_accepted_total Live events accepted "
          "into the event store since it was created (duplicates not "
          "counted).\n"
          "# TYPE boomerang_events_accepted_total counter\n"
          "boomerang_events_accepted_total ",
          events->events_accepted(), "\n",
          "# HELP boomerang_event_store_bytes What the event store takes "
          "now (files and memory tables; old events leave with "
          "--events-retention-days).\n"
          "# TYPE boomerang_event_store_bytes gauge\n"
          "boomerang_event_store_bytes ",
          events->ApproximateBytes(), "\n",
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
          events->last_append_time(), "\n");
    };
    auto started =
        boomerang::HttpGateway::Start(hopts, &holder, manager->get());
    if (!started.ok()) {
      server->Shutdown(After(0));
      return Fail(std::string(started.status().message()));
    }
    http = std::move(*started);
    if (!http_port_file.empty()) {
      std::ofstream(http_port_file + ".tmp") << http->port() << "\n";
      std::rename((http_port_file + ".tmp").c_str(), http_port_file.c_str());
    }
    std::cout << (tls_cert.empty() ? "HTTP" : "HTTPS") << " side door on "
              << host << ":" << http->port() << std::endl;
  }
  health->SetServingStatus(true);
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << bound_port << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  std::cout << "listening on " << host << ":" << bound_port << std::endl;
  Log(absl::StrCat("serving snapshot ", holder.Current()->version(), " on ",
                   host, ":", bound_port,
                   "; requests without as_of are "
                   "answered for the ",
                   clock->Describe(), " clock"));

  int sig = 0;
  sigwait(&signals, &sig);
  Log(absl::StrCat("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   ", health is NOT_SERVING"));
  health->SetServingStatus("boomerang.v1.Recommender", false);
  health->SetServingStatus(false);
  if (http) http->SetServing(false);  // /healthz: 503
  if (grace_seconds > 0) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(static_cast<int64_t>(grace_seconds * 1000)));
  }
  Log("draining running calls");
  // HTTP stops accepting at the same time and finishes its running requests.
  std::thread http_stop([&http] {
    if (http) http->Stop();
  });
  server->Shutdown(After(drain_seconds));
  server->Wait();
  http_stop.join();
  boomerang::SetEventStore(nullptr);
  Log("stopped");
  return 0;
}
