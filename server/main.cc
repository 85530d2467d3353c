// boomerang-server: serves the newest complete snapshot under --snapshots
// over gRPC (boomerang.v1.Recommender, grpc.health.v1, reflection).
//
//   boomerang-server --snapshots snapshots/ --port 50051
//
// --port 0 lets the OS choose; the chosen port is printed
// ("listening on 127.0.0.1:PORT") and written to --port-file if given.
// SIGTERM/SIGINT: health turns NOT_SERVING, in-flight calls drain (up to
// --drain-seconds), exit 0.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

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
#include "server/recommender_service.h"
#include "server/snapshot.h"

namespace {

void Log(const std::string& msg) {
  std::cerr << absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                absl::UTCTimeZone())
            << " boomerang-server: " << msg << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  std::string snapshots, host = "127.0.0.1", port_file;
  int port = 50051;
  double drain_seconds = 10;
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
  app.add_option("--drain-seconds", drain_seconds,
                 "on SIGTERM, how long in-flight calls may finish")
      ->capture_default_str();
  app.add_flag("--skip-checksums", skip_verify,
               "do not verify snapshot checksums at load (faster start)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  // Signals are taken by a dedicated thread with sigwait(); block them
  // before gRPC starts its threads so that they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Debian's Abseil runs mutex deadlock detection on every lock; profiling
  // showed it at ~2% of the server's CPU. Our locks are few and held briefly.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  auto dir = boomerang::Snapshot::FindNewest(snapshots);
  if (!dir.ok()) {
    std::cerr << "boomerang-server: error: " << dir.status().message() << "\n";
    return 1;
  }
  boomerang::SnapshotOptions sopts;
  sopts.verify_checksums = !skip_verify;
  auto started = absl::Now();
  auto snapshot = boomerang::Snapshot::Open(*dir, sopts);
  if (!snapshot.ok()) {
    std::cerr << "boomerang-server: error: cannot load snapshot " << *dir
              << ": " << snapshot.status().message() << "\n";
    return 1;
  }
  Log(absl::StrCat("loaded snapshot ", (*snapshot)->version(), " (",
                   (*snapshot)->manifest().counts().items(), " items, ",
                   (*snapshot)->manifest().counts().pairs_kept(), " pairs) in ",
                   absl::FormatDuration(absl::Now() - started)));
  boomerang::SnapshotHolder holder;
  holder.Set(*snapshot);

  boomerang::RecommenderService service(&holder);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC 1.51 binds with SO_REUSEPORT by default: a second server on the same
  // port would "start" and steal connections. Make it fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int bound_port = 0;
  const std::string address = absl::StrCat(
      host.find(':') != std::string::npos ? "[" + host + "]" : host, ":", port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(),
                           &bound_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    std::cerr << "boomerang-server: error: cannot listen on " << address
              << " (in use, or not a local address)\n";
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus("boomerang.v1.Recommender", true);
  health->SetServingStatus(true);
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << bound_port << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  std::cout << "listening on " << host << ":" << bound_port << std::endl;
  Log(absl::StrCat("serving snapshot ", (*snapshot)->version(), " on ", host,
                   ":", bound_port));

  int sig = 0;
  sigwait(&signals, &sig);
  Log(absl::StrCat("received ", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   ", draining"));
  health->SetServingStatus(false);
  server->Shutdown(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(static_cast<int>(drain_seconds * 1000)));
  server->Wait();
  Log("stopped");
  return 0;
}
