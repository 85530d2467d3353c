// boomerang-server: serves the newest complete snapshot under --snapshots
// over gRPC (boomerang.v1.Recommender, boomerang.v1.Admin, grpc.health.v1,
// reflection), and swaps in newer versions as the indexer publishes them
// (polled every --poll-seconds, or at once on Admin.Reload).
//
//   boomerang-server --snapshots snapshots/ --port 50051
//
// --http-port N adds the HTTP side door (server/http/http_gateway.h): /metrics,
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
#include <omp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/server.h"

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

// Writes `port` to `path` atomically (a reader never sees half a number).
void WritePortFile(const std::string& path, int port) {
  if (path.empty()) return;
  std::ofstream(path + ".tmp") << port << "\n";
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// Flags that are not ServerOptions fields.
struct MainFlags {
  std::string port_file, http_port_file;
  std::string clock_spec = "system";
  bool no_http_demo = false;
  std::string picks_ranker = "learned";
  std::string event_log;
  double event_log_max_age_hours = 720;
};

// Replicas sharing live events through NATS JetStream (issue 15).
void AddReplicaFlags(CLI::App& app, boomerang::ServerOptions* o, MainFlags* f) {
  boomerang::NatsEventLogOptions& n = o->nats;
  app.add_option("--event-log", f->event_log,
                 "share live events with other replicas through NATS "
                 "JetStream: nats://host:4222,nats://host2:4222,... "
                 "(tls://... for TLS); --events-dir keeps this replica's "
                 "copy. Without it the server keeps its events alone");
  app.add_option("--replica-id", n.replica_id,
                 "this replica's name on the shared log (its durable "
                 "consumer; stable across restarts); default: the host name");
  app.add_option("--event-log-stream", n.stream,
                 "the JetStream stream holding the events (created when "
                 "missing)")
      ->capture_default_str();
  app.add_option("--event-log-subject", n.subject,
                 "the subject events are published on")
      ->capture_default_str();
  app.add_option("--event-log-copies", n.stream_replicas,
                 "NATS nodes that store each event when the stream is "
                 "created (3 survives the loss of one node)")
      ->capture_default_str()
      ->check(CLI::Range(1, 5));
  app.add_option("--event-log-max-age-hours", f->event_log_max_age_hours,
                 "how long the stream keeps events when it is created (a "
                 "replica away longer misses the rest until the next "
                 "snapshot)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 24.0 * 3650));
  app.add_option("--event-log-timeout-ms", n.publish_timeout_ms,
                 "how long RecordEvents and UpdateItems wait for the stream "
                 "to store their events (resends included) before "
                 "answering UNAVAILABLE")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  app.add_option("--nats-tls-ca", n.tls_ca,
                 "CA certificates (PEM) to trust for NATS over TLS");
  app.add_option("--nats-tls-cert", n.tls_cert,
                 "client certificate (PEM) for NATS mutual TLS");
  app.add_option("--nats-tls-key", n.tls_key,
                 "client key (PEM) for NATS mutual TLS");
  app.add_option("--nats-creds", n.credentials_file,
                 "NATS credentials file (user JWT and NKey seed)");
}

void AddServingFlags(CLI::App& app, boomerang::ServerOptions* o, MainFlags* f) {
  app.add_option("--snapshots", o->snapshots,
                 "snapshot root written by boomerang-indexer")
      ->required();
  app.add_option("--host", o->host, "address to listen on (0.0.0.0 for all)")
      ->capture_default_str();
  app.add_option("--port", o->port, "port to listen on; 0 lets the OS choose")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", f->port_file,
                 "write the bound port to this file");
  app.add_option("--version", o->version,
                 "serve exactly this snapshot version (e.g. 3 for 000003) "
                 "instead of the newest: a rollback")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--drain-seconds", o->drain_seconds,
                 "on SIGTERM, how long running calls may take to finish")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--shutdown-grace-seconds", o->shutdown_grace_seconds,
                 "on SIGTERM, keep serving this long after health turns "
                 "NOT_SERVING (give load balancers time to notice)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--poll-seconds", o->poll_seconds,
                 "look for a new snapshot version this often and swap it in "
                 "(0: only on an Admin Reload)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--clock", f->clock_spec,
                 "what a request without as_of is answered for: system (the "
                 "machine's time), data-end (the end of the serving "
                 "snapshot's data: for a historical export) or a fixed moment "
                 "such as 2011-12-10")
      ->capture_default_str();
  app.add_option("--currency", o->currency,
                 "currency sign the demo page shows before prices, e.g. "
                 "\"£\" or \"EUR \" (the API sends plain numbers)");
  app.add_option("--picks-ranker", f->picks_ranker,
                 "how PersonalPicks and BuyAgain rank when the snapshot has "
                 "a learned ranker: learned (its model), or weights (the "
                 "hand-set weights and BuyAgain's timing order: 1.2-1.4x "
                 "cheaper per customer, for batch runs that need the speed)")
      ->capture_default_str()
      ->check(CLI::IsMember({"learned", "weights"}));
  app.add_flag("--skip-checksums", o->skip_checksums,
               "do not verify snapshot checksums at load (faster start)");
}

void AddHttpFlags(CLI::App& app, boomerang::ServerOptions* o, MainFlags* f) {
  // The HTTP side door (server/http/http_gateway.h): off unless --http-port.
  app.add_option("--http-port", o->http_port,
                 "also serve /metrics, /healthz, JSON versions of the RPCs "
                 "(POST /v1/Method) and a demo page over HTTP on this port "
                 "(same --host); 0 lets the OS choose")
      ->check(CLI::Range(0, 65535));
  app.add_option("--http-port-file", f->http_port_file,
                 "write the bound HTTP port to this file");
  app.add_flag("--no-http-demo", f->no_http_demo,
               "do not serve the demo page (/, /demo) on the HTTP port");
  app.add_option("--http-threads", o->http_threads,
                 "threads serving HTTP connections (one connection each at a "
                 "time)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--http-max-waiting-connections",
                 o->http_max_waiting_connections,
                 "HTTP connections allowed to wait for a thread; beyond it a "
                 "connection is answered 503 with Retry-After and closed")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
}

// Admission, live events and security.
void AddLimitFlags(CLI::App& app, boomerang::ServerOptions* o) {
  app.add_option(
         "--workers", o->workers,
         "threads answering unary calls (0: one per core this process may use)")
      ->check(CLI::Range(0, 256));
  app.add_option("--max-queued", o->max_queued,
                 "unary calls allowed to wait for a worker; beyond it calls "
                 "get RESOURCE_EXHAUSTED at once (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app.add_option("--max-message-bytes", o->max_message_bytes,
                 "largest gRPC request message accepted; larger ones get "
                 "RESOURCE_EXHAUSTED before any handler runs (the HTTP side "
                 "door takes bodies up to 1 MiB)")
      ->capture_default_str()
      ->check(CLI::Range(1024, 64 << 20));
  app.add_option("--max-queue-ms", o->max_queue_ms,
                 "refuse a unary call (RESOURCE_EXHAUSTED) when the calls "
                 "already waiting would keep it waiting longer than this for "
                 "a worker, at the recent pace (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--events-retention-days", o->events_retention_days,
                 "drop live events older than the serving snapshot's data end "
                 "minus this many days (the nightly export has them by then; "
                 "done as the store compacts, at least daily); 0 keeps all")
      ->capture_default_str()
      ->check(CLI::Range(0, 36500));
  app.add_option("--click-window-hours", o->click_window_hours,
                 "credit a purchase or cart add without a recommendation id "
                 "to the customer's (or session's) last click on the same "
                 "item within this many hours")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 24.0 * 90));
  app.add_option("--events-dir", o->events_dir,
                 "keep live events (RecordEvents) in this directory, durably; "
                 "without it RecordEvents is refused");
  // Security. Secrets live in files named here, never on the command line.
  app.add_option("--read-tokens-file", o->read_tokens_file,
                 "bearer tokens (one per line) allowed to call the "
                 "recommendation RPCs and Admin.GetStatus");
  app.add_option("--write-tokens-file", o->write_tokens_file,
                 "bearer tokens allowed to call everything, including "
                 "Admin.Reload and Admin.Pin");
  app.add_option("--tls-cert", o->tls_cert,
                 "server certificate chain (PEM); with --tls-key turns TLS on");
  app.add_option("--tls-key", o->tls_key, "server private key (PEM)");
  app.add_option(
      "--tls-client-ca", o->tls_client_ca,
      "CA certificates (PEM) that client certificates must chain to");
  app.add_flag("--require-client-cert", o->require_client_cert,
               "mutual TLS: refuse clients without a certificate signed by "
               "--tls-client-ca");
}

}  // namespace

int main(int argc, char** argv) {
  boomerang::ServerOptions options;
  MainFlags flags;
  CLI::App app{"Boomerang recommendation server."};
  AddServingFlags(app, &options, &flags);
  AddHttpFlags(app, &options, &flags);
  AddLimitFlags(app, &options);
  AddReplicaFlags(app, &options, &flags);
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
  options.http_demo = !flags.no_http_demo;
  // The same file holds the experiments ([[experiments]], issue 14).
  if (const CLI::Option* config = app.get_config_ptr();
      config != nullptr && config->count() > 0) {
    options.config_file = config->as<std::string>();
  }
  options.ranking.learned_picks = flags.picks_ranker == "learned";
  if (!flags.event_log.empty()) {
    auto servers = boomerang::ParseNatsServers(flags.event_log);
    if (!servers.ok()) return Fail(std::string(servers.status().message()));
    options.nats.servers = *servers;
    options.nats.max_age_seconds =
        static_cast<int64_t>(flags.event_log_max_age_hours * 3600);
    if (options.nats.replica_id.empty()) {
      char host[256] = {0};
      gethostname(host, sizeof(host) - 1);
      options.nats.replica_id = host;
      // Durable names allow letters, digits, '-' and '_' only.
      for (char& c : options.nats.replica_id) {
        if (!absl::ascii_isalnum(c) && c != '-' && c != '_') c = '_';
      }
    }
  }
  options.log = Log;
  auto clock = boomerang::ServingClock::Parse(flags.clock_spec);
  if (!clock.ok()) return Fail(std::string(clock.status().message()));
  options.clock = *clock;
  if (!options.events_dir.empty() &&
      clock->mode != boomerang::ServingClock::Mode::kSystem) {
    Log(absl::StrCat(
        "note: with --clock ", clock->Describe(),
        " live events recorded now lie after the moment requests without "
        "as_of are answered for: their purchases count only for requests "
        "that give a later as_of"));
  }

  // Signals are taken by this thread with sigwait(); block them before
  // gRPC starts its threads so that they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
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

  auto server = boomerang::Server::Start(options);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  // The HTTP port file before the gRPC one, so whoever waits for that
  // finds both.
  if ((*server)->http_port() >= 0) {
    WritePortFile(flags.http_port_file, (*server)->http_port());
    std::cout << (options.tls_cert.empty() ? "HTTP" : "HTTPS")
              << " side door on " << options.host << ":"
              << (*server)->http_port() << std::endl;
  }
  WritePortFile(flags.port_file, (*server)->port());
  std::cout << "listening on " << options.host << ":" << (*server)->port()
            << std::endl;
  Log(absl::StrCat("serving snapshot ", (*server)->serving_version(), " on ",
                   options.host, ":", (*server)->port(),
                   "; requests without as_of are answered for the ",
                   options.clock.Describe(), " clock"));

  int sig = 0;
  sigwait(&signals, &sig);
  Log(absl::StrCat("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   ", health is NOT_SERVING"));
  (*server)->Shutdown();
  return 0;
}
