// A Boomerang server in the test's own process (server/server.h): a tiny
// snapshot (tiny_snapshot.h) in a temp dir, a fake event log and a fake
// machine clock (fakes.h), gRPC on 127.0.0.1 with an OS-chosen port, and a
// stub to call it. Part of the test-fixture library; cross-process tests
// that must run the real binaries use process.h instead.
#ifndef BOOMERANG_TESTS_SERVER_FIXTURE_H_
#define BOOMERANG_TESTS_SERVER_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "server/server.h"
#include "tests/fakes.h"
#include "tests/test_util.h"
#include "tests/tiny_snapshot.h"

namespace boomerang::testing {

class InProcessServer {
 public:
  // The tiny snapshot's data ends 2024-01-02; the fake machine clock
  // starts a day later.
  static constexpr int64_t kNow = 1704240000;  // 2024-01-03T00:00:00Z

  // Writes the tiny snapshot and starts a server on it with `options`
  // (snapshots, port, event log, clock and log filled in here).
  absl::Status Start(ServerOptions options = {}) {
    auto dir = WriteTinySnapshot(tmp_.Sub("snapshots"));
    if (!dir.ok()) return dir.status();
    options.snapshots = tmp_.Sub("snapshots");
    options.port = 0;
    options.poll_seconds = 0;
    options.event_log = &log_;
    options.clock.system_now = clock_.AsFunction();
    options.log = [](const std::string&) {};  // quiet
    auto server = Server::Start(options);
    if (!server.ok()) return server.status();
    server_ = std::move(*server);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
    stub_ = v1::Recommender::NewStub(channel_);
    return absl::OkStatus();
  }

  Server& server() { return *server_; }
  v1::Recommender::Stub& stub() { return *stub_; }
  const std::shared_ptr<grpc::Channel>& channel() { return channel_; }
  FakeEventLog& log() { return log_; }
  FakeClock& clock() { return clock_; }
  const TempDir& dir() const { return tmp_; }

 private:
  TempDir tmp_;
  FakeEventLog log_;
  FakeClock clock_{kNow};
  std::unique_ptr<Server> server_;  // stops before the log and clock go
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Recommender::Stub> stub_;
};

}  // namespace boomerang::testing

#endif  // BOOMERANG_TESTS_SERVER_FIXTURE_H_
