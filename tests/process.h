// Running the project's binaries from tests: one-shot commands and a
// server in the background that is waited for with a health check.
#ifndef BOOMERANG_TESTS_PROCESS_H_
#define BOOMERANG_TESTS_PROCESS_H_

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"

extern char** environ;

namespace boomerang::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts argv[0] (a path) with stdout/stderr going to files; returns the pid.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& out,
                   const std::string& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0)
    pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

inline int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

// Runs a command to completion, capturing its output.
inline CommandResult Run(const std::vector<std::string>& argv,
                         const std::string& scratch_dir) {
  static int counter = 0;
  std::string base = scratch_dir + "/cmd" + std::to_string(++counter);
  CommandResult r;
  pid_t pid = Spawn(argv, base + ".out", base + ".err");
  if (pid < 0) return r;
  r.exit_code = WaitExit(pid);
  r.out = ReadAll(base + ".out");
  r.err = ReadAll(base + ".err");
  return r;
}

// The built-in demo shop generated into dir/demo and indexed into
// dir/snaps (with bin_dir's boomerang-demo-shop and boomerang-indexer):
// the indexer's result, or the generator's when that failed.
inline CommandResult BuildDemoSnapshot(const std::string& bin_dir,
                                       const std::string& dir) {
  CommandResult gen =
      Run({bin_dir + "/boomerang-demo-shop", "--out", dir + "/demo"}, dir);
  if (gen.exit_code != 0) return gen;
  return Run({bin_dir + "/boomerang-indexer", "--purchases",
              dir + "/demo/orders.csv.gz", "--catalog",
              dir + "/demo/catalog.csv", "--out", dir + "/snaps", "--quiet"},
             dir);
}

// bin_dir's boomerang-indexer over an export in UCI Online Retail's columns
// (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice,
// CustomerID), mapped as the README says, into `out`.
inline CommandResult IndexOnlineRetailExport(const std::string& bin_dir,
                                             const std::string& purchases,
                                             const std::string& out,
                                             const std::string& scratch_dir) {
  return Run({bin_dir + "/boomerang-indexer",
              "--purchases",
              purchases,
              "--column",
              "order_id=InvoiceNo",
              "--column",
              "item_id=StockCode",
              "--column",
              "customer_id=CustomerID",
              "--column",
              "timestamp=InvoiceDate",
              "--column",
              "quantity=Quantity",
              "--column",
              "price=UnitPrice",
              "--column",
              "title=Description",
              "--out",
              out,
              "--quiet"},
             scratch_dir);
}

// Headless Chromium, for tests of pages (the demo page, the report): its
// path and the arguments that make it render `virtual_time_ms` of page time
// without a window, sandbox or network chatter, with its own profile.
inline constexpr char kChromium[] = "/usr/bin/chromium";
inline std::vector<std::string> HeadlessChromiumArgs(const std::string& profile,
                                                     int virtual_time_ms) {
  return {kChromium,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + profile,
          "--virtual-time-budget=" + std::to_string(virtual_time_ms)};
}

// boomerang-server in the background on 127.0.0.1 with an OS-chosen port.
class ServerProcess {
 public:
  ServerProcess(const std::string& bin_dir, const std::string& snapshots,
                const std::string& scratch_dir,
                std::vector<std::string> extra_args = {}) {
    port_file_ = scratch_dir + "/port";
    err_path_ = scratch_dir + "/server.err";
    ::unlink(port_file_.c_str());
    std::vector<std::string> argv = {bin_dir + "/boomerang-server",
                                     "--snapshots",
                                     snapshots,
                                     "--port",
                                     "0",
                                     "--port-file",
                                     port_file_};
    for (auto& a : extra_args) argv.push_back(a);
    pid_ = Spawn(argv, scratch_dir + "/server.out", err_path_);
  }
  ~ServerProcess() { Kill(); }

  // kill -9: no chance to flush or clean up.
  void Kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      WaitExit(pid_);
      pid_ = -1;
    }
  }

  // Waits (bounded) for the port file and a SERVING health answer.
  bool WaitServing(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;  // exited early
        return false;
      }
      std::string port = ReadAll(port_file_);
      if (!port.empty() && port.back() == '\n') {
        port_ = std::stoi(port);
        auto stub = grpc::health::v1::Health::NewStub(Channel());
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
        grpc::health::v1::HealthCheckRequest req;
        grpc::health::v1::HealthCheckResponse resp;
        if (stub->Check(&ctx, req, &resp).ok() &&
            resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Sends SIGTERM and returns the exit code.
  int Stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int code = WaitExit(pid_);
    pid_ = -1;
    return code;
  }

  std::shared_ptr<grpc::Channel> Channel() const {
    return grpc::CreateChannel(Address(), grpc::InsecureChannelCredentials());
  }
  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::string Stderr() const { return ReadAll(err_path_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string port_file_;
  std::string err_path_;
};

}  // namespace boomerang::testing

#endif  // BOOMERANG_TESTS_PROCESS_H_
