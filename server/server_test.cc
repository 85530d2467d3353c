// The Server object in-process (tests/server_fixture.h): it starts on a
// snapshot, answers over gRPC, takes live events through its event log and
// answers with them at once, checks events against its injected clock,
// fails to start with a clear status, and shuts down.
#include "server/server.h"

#include <gmock/gmock.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/server_fixture.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;
using testing::InProcessServer;

TEST(ServerTest, ServesTheSnapshotOverGrpc) {
  InProcessServer s;
  ASSERT_TRUE(s.Start().ok());
  EXPECT_GT(s.server().port(), 0);
  EXPECT_EQ(s.server().http_port(), -1);
  EXPECT_EQ(s.server().serving_version(), "000001");
  grpc::ClientContext ctx;
  v1::FrequentlyBoughtTogetherRequest req;
  req.add_item_ids("SAUCER");
  v1::FrequentlyBoughtTogetherResponse resp;
  grpc::Status st = s.stub().FrequentlyBoughtTogether(&ctx, req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.snapshot_version(), "000001");
  ASSERT_GE(resp.items_size(), 1);
  EXPECT_EQ(resp.items(0).item_id(), "CUP");
}

// A purchase recorded through the server is in the next answer (the live
// view follows the log before the call is acknowledged) and in the log.
TEST(ServerTest, AnswersWithLiveEventsAtOnce) {
  InProcessServer s;
  ASSERT_TRUE(s.Start().ok());
  auto profile = [&s](const std::string& customer, v1::CustomerProfile* out) {
    grpc::ClientContext ctx;
    v1::CustomerProfileRequest req;
    req.set_customer_id(customer);
    return s.stub().GetCustomerProfile(&ctx, req, out);
  };
  v1::CustomerProfile before;
  EXPECT_EQ(profile("c9", &before).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext ctx;
  v1::RecordEventsRequest req;
  *req.add_events() = testing::MakeEvent(v1::Event::PURCHASE, "c9", "TEAPOT",
                                         InProcessServer::kNow - 3600, "k1");
  v1::RecordEventsResponse resp;
  ASSERT_TRUE(s.stub().RecordEvents(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.accepted(), 1);
  EXPECT_EQ(s.log().events_accepted(), 1);
  v1::CustomerProfile after;
  ASSERT_TRUE(profile("c9", &after).ok());
  EXPECT_EQ(after.orders(), 1);
}

// "More than a day after the server's clock" is the injected clock's.
TEST(ServerTest, ChecksEventTimesAgainstItsClock) {
  InProcessServer s;
  ASSERT_TRUE(s.Start().ok());
  v1::RecordEventsRequest req;
  *req.add_events() = testing::MakeEvent(
      v1::Event::VIEW, "c1", "CUP", InProcessServer::kNow + 3 * 86400, "k1");
  {
    grpc::ClientContext ctx;
    v1::RecordEventsResponse resp;
    grpc::Status st = s.stub().RecordEvents(&ctx, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), HasSubstr("more than a day after"));
  }
  s.clock().Advance(3 * 86400);
  grpc::ClientContext ctx;
  v1::RecordEventsResponse resp;
  EXPECT_TRUE(s.stub().RecordEvents(&ctx, req, &resp).ok());
}

TEST(ServerTest, WithoutASnapshotItDoesNotStart) {
  testing::TempDir tmp;
  ServerOptions options;
  options.snapshots = tmp.Sub("nothing-here");
  options.port = 0;
  auto server = Server::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()),
              HasSubstr("nothing-here"));
}

TEST(ServerTest, ASecondServerOnTheSamePortDoesNotStart) {
  InProcessServer first;
  ASSERT_TRUE(first.Start().ok());
  ServerOptions options;
  options.snapshots = first.dir().Sub("snapshots");
  options.port = first.server().port();
  options.log = [](const std::string&) {};
  auto second = Server::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("port is in use"));
}

// After Shutdown health says NOT_SERVING... and then nothing answers.
TEST(ServerTest, ShutsDown) {
  InProcessServer s;
  ASSERT_TRUE(s.Start().ok());
  s.server().Shutdown();
  s.server().Shutdown();  // idempotent
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::FrequentlyBoughtTogetherRequest req;
  req.add_item_ids("SAUCER");
  v1::FrequentlyBoughtTogetherResponse resp;
  EXPECT_FALSE(s.stub().FrequentlyBoughtTogether(&ctx, req, &resp).ok());
}

}  // namespace
}  // namespace boomerang
