// boomerang: the command-line client.
//
//   boomerang fbt --item 22697 --limit 5          # prints JSON
//   boomerang fbt --item 22697 --item 22698 --exclude 22699
//   boomerang health
//   boomerang services      # what the server offers (server reflection)
//
// --server (default 127.0.0.1:50051, or $BOOMERANG_SERVER) picks the
// server. Exit status: 0 on success, 1 on a bad request or unreachable
// server (the gRPC status is printed on stderr).
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace {

// Canonical code names ("INVALID_ARGUMENT"); gRPC and absl share the codes.
std::string StatusName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

int PrintJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;
  auto s = google::protobuf::util::MessageToJsonString(m, &json, opts);
  if (!s.ok()) {
    std::cerr << "boomerang: error: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << json;
  return 0;
}

int Fail(const grpc::Status& s, const std::string& server) {
  std::cerr << "boomerang: error: " << StatusName(s.error_code()) << ": "
            << s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::cerr << " (is boomerang-server running on " << server << "?)";
  }
  std::cerr << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1:50051";
  if (const char* env = std::getenv("BOOMERANG_SERVER")) server = env;
  int timeout_ms = 5000;

  CLI::App app{"Boomerang command-line client. Prints answers as JSON."};
  app.add_option("--server", server, "host:port of boomerang-server")
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "deadline of each call")
      ->capture_default_str();
  app.require_subcommand(1);

  boomerang::v1::FrequentlyBoughtTogetherRequest fbt;
  std::vector<std::string> items, excludes;
  int limit = 0;
  std::string frame_out;
  CLI::App* fbt_cmd = app.add_subcommand(
      "fbt", "products frequently bought together with the given item(s)");
  fbt_cmd->add_option("--item", items, "anchor item id (repeat for a cart)")
      ->required();
  fbt_cmd->add_option("--limit", limit,
                      "how many items (default 10, at most 100)");
  fbt_cmd->add_option("--exclude", excludes,
                      "item id that must not be returned (repeatable)");
  fbt_cmd->add_option("--grpc-frame-out", frame_out,
                      "write the request as a gRPC frame to this file and exit "
                      "(for load tools such as h2load)");

  CLI::App* health_cmd =
      app.add_subcommand("health", "ask the server's health service");
  CLI::App* services_cmd = app.add_subcommand(
      "services", "list the server's gRPC services (via server reflection)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "boomerang: error: " << e.what() << " (see --help)\n";
    return 1;
  }

  auto channel =
      grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  auto deadline = [&] {
    return std::chrono::system_clock::now() +
           std::chrono::milliseconds(timeout_ms);
  };

  if (*fbt_cmd) {
    for (const auto& i : items) fbt.add_item_ids(i);
    for (const auto& e : excludes) fbt.add_exclude_item_ids(e);
    fbt.set_limit(limit);
    if (!frame_out.empty()) {
      std::string body = fbt.SerializeAsString();
      std::string frame(5, '\0');
      uint32_t n = static_cast<uint32_t>(body.size());
      frame[1] = static_cast<char>(n >> 24);
      frame[2] = static_cast<char>(n >> 16);
      frame[3] = static_cast<char>(n >> 8);
      frame[4] = static_cast<char>(n);
      std::ofstream(frame_out, std::ios::binary) << frame << body;
      return 0;
    }
    auto stub = boomerang::v1::Recommender::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    boomerang::v1::FrequentlyBoughtTogetherResponse resp;
    grpc::Status s = stub->FrequentlyBoughtTogether(&ctx, fbt, &resp);
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*health_cmd) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*services_cmd) {
    using grpc::reflection::v1alpha::ServerReflection;
    auto stub = ServerReflection::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    auto stream = stub->ServerReflectionInfo(&ctx);
    grpc::reflection::v1alpha::ServerReflectionRequest req;
    req.set_list_services("");
    grpc::reflection::v1alpha::ServerReflectionResponse resp;
    if (stream->Write(req) && stream->WritesDone() && stream->Read(&resp)) {
      for (const auto& s : resp.list_services_response().service()) {
        std::cout << s.name() << "\n";
      }
    }
    grpc::Status s = stream->Finish();
    if (!s.ok()) return Fail(s, server);
    return 0;
  }
  if (*services_cmd) {
    using grpc::reflection::v1alpha::ServerReflection;
    auto stub = ServerReflection::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    auto stream = stub->ServerReflectionInfo(&ctx);
    grpc::reflection::v1alpha::ServerReflectionRequest req;
    req.set_list_services("");
    grpc::reflection::v1alpha::ServerReflectionResponse resp;
    if (stream->Write(req) && stream->WritesDone() && stream->Read(&resp)) {
      for (const auto& s : resp.list_services_response().service()) {
        std::cout << s.name() << "\n";
      }
    }
    grpc::Status s = stream->Finish();
    if (!s.ok()) return Fail(s, server);
    return 0;
  }
  return 1;
}
