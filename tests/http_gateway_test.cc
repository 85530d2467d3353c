// The HTTP side door across processes: boomerang-server with --http-port 0
// on the generated demo shop, called with cpp-httplib's client. /healthz,
// /metrics in valid Prometheus text, every JSON method answering exactly
// what the gRPC method answers, error mapping, CORS, a clean SIGTERM, and
// the demo page rendered in headless Chromium (skipped when
// /usr/bin/chromium is absent).
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::kChromium;

class HttpGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    auto idx = testing::BuildDemoSnapshot(bin, tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    server_ = StartServer(tmp_->Sub("server"), {}, &http_port_);
    ASSERT_NE(server_, nullptr);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tmp_;
  }

  // A server with an HTTP port in `dir`; null when it does not come up.
  static testing::ServerProcess* StartServer(const std::string& dir,
                                             std::vector<std::string> extra,
                                             int* http_port) {
    std::filesystem::create_directories(dir);
    const std::string port_file = dir + "/http_port";
    extra.insert(extra.end(), {"--http-port", "0", "--http-port-file",
                               port_file, "--poll-seconds", "0"});
    auto* server = new testing::ServerProcess(testing::BinDir(),
                                              tmp_->Sub("snaps"), dir, extra);
    if (!server->WaitServing()) {
      ADD_FAILURE() << server->Stderr();
      delete server;
      return nullptr;
    }
    // Written before the gRPC port file, so it is there now.
    const std::string port = testing::ReadAll(port_file);
    EXPECT_FALSE(port.empty()) << server->Stderr();
    *http_port = port.empty() ? 0 : std::stoi(port);
    return server;
  }

  static httplib::Client Client(int port = 0) {
    httplib::Client client("127.0.0.1", port == 0 ? http_port_ : port);
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(10));
    return client;
  }

  // POST /v1/{method} with a JSON body; the parsed answer (null when it is
  // not JSON) and the status.
  static json Post(const std::string& method, const std::string& body,
                   int* status) {
    auto client = Client();
    auto res = client.Post("/v1/" + method, body, "application/json");
    if (!res) {
      ADD_FAILURE() << "POST " << method << ": "
                    << httplib::to_string(res.error());
      *status = 0;
      return nullptr;
    }
    *status = res->status;
    EXPECT_THAT(res->get_header_value("Content-Type"),
                HasSubstr("application/json"));
    return json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  }
  static json PostOk(const std::string& method, const json& request) {
    int status = 0;
    json answer = Post(method, request.dump(), &status);
    EXPECT_EQ(status, 200) << method << " " << request.dump() << " -> "
                           << answer.dump();
    return answer;
  }

  static std::vector<std::string> Ids(const json& answer) {
    std::vector<std::string> ids;
    if (answer.is_object() && answer.contains("items")) {
      for (const auto& item : answer["items"]) ids.push_back(item["item_id"]);
    }
    return ids;
  }
  template <typename Response>
  static std::vector<std::string> Ids(const Response& response) {
    std::vector<std::string> ids;
    for (const auto& item : response.items()) ids.push_back(item.item_id());
    return ids;
  }

  static json DemoDefaults() {
    auto res = Client().Get("/v1/demo-defaults");
    EXPECT_TRUE(res);
    if (!res) return nullptr;
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body, nullptr, false);
  }

  static std::unique_ptr<v1::Recommender::Stub> Stub() {
    return v1::Recommender::NewStub(server_->Channel());
  }
  static std::unique_ptr<grpc::ClientContext> Context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
    return ctx;
  }

  static std::vector<std::string> ChromiumArgs(const std::string& profile) {
    return testing::HeadlessChromiumArgs(profile, 10000);
  }

  static testing::TempDir* tmp_;
  static testing::ServerProcess* server_;
  static int http_port_;
};
testing::TempDir* HttpGatewayTest::tmp_ = nullptr;
testing::ServerProcess* HttpGatewayTest::server_ = nullptr;
int HttpGatewayTest::http_port_ = 0;

TEST_F(HttpGatewayTest, HealthzSaysServingWithTheVersion) {
  auto res = Client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json j = json::parse(res->body);
  EXPECT_EQ(j["status"], "SERVING");
  EXPECT_EQ(j["snapshot_version"], "000001");
}

TEST_F(HttpGatewayTest, JsonMethodsAnswerWhatGrpcAnswers) {
  const json defaults = DemoDefaults();
  const std::string item = defaults["item_id"],
                    customer = defaults["customer_id"];
  const std::string as_of = defaults["as_of"];
  ASSERT_FALSE(item.empty());
  ASSERT_FALSE(customer.empty());
  ASSERT_FALSE(as_of.empty());
  google::protobuf::Timestamp as_of_ts;
  ASSERT_TRUE(google::protobuf::util::TimeUtil::FromString(as_of, &as_of_ts));
  auto stub = Stub();

  // FrequentlyBoughtTogether, for several anchors and a cart of two.
  const std::vector<std::vector<std::string>> anchors = {
      {item}, {"SKU-0001"}, {"SKU-0002"}, {"SKU-0001", "SKU-0002"}};
  for (const auto& a : anchors) {
    json http =
        PostOk("FrequentlyBoughtTogether", {{"item_ids", a}, {"limit", 10}});
    v1::FrequentlyBoughtTogetherRequest req;
    for (const auto& i : a) req.add_item_ids(i);
    req.set_limit(10);
    v1::FrequentlyBoughtTogetherResponse grpc_resp;
    ASSERT_TRUE(
        stub->FrequentlyBoughtTogether(Context().get(), req, &grpc_resp).ok());
    EXPECT_FALSE(grpc_resp.items().empty());
    EXPECT_EQ(Ids(http), Ids(grpc_resp)) << a[0];
    EXPECT_EQ(http["snapshot_version"], "000001");
    // Field names as in the .proto; defaults printed.
    ASSERT_FALSE(http["items"].empty());
    const json& first = http["items"][0];
    EXPECT_EQ(first["explanation"], grpc_resp.items(0).explanation());
    EXPECT_EQ(first["reason"]["code"], "BOUGHT_TOGETHER");
    EXPECT_TRUE(first["evidence"][0].contains("co_purchase_orders"));
    EXPECT_TRUE(http.contains("all_items_unknown"));
    EXPECT_EQ(http["all_items_unknown"], false);
  }

  // PersonalPicks at a fixed as_of (RFC 3339 in JSON, a Timestamp in gRPC).
  {
    json http =
        PostOk("PersonalPicks",
               {{"customer_id", customer}, {"as_of", as_of}, {"limit", 10}});
    v1::PersonalPicksRequest req;
    req.set_customer_id(customer);
    *req.mutable_as_of() = as_of_ts;
    req.set_limit(10);
    v1::RecommendationsResponse grpc_resp;
    ASSERT_TRUE(stub->PersonalPicks(Context().get(), req, &grpc_resp).ok());
    EXPECT_FALSE(grpc_resp.items().empty());
    EXPECT_EQ(Ids(http), Ids(grpc_resp));
    EXPECT_EQ(http["fallback"], false);
  }
  {
    json http = PostOk("SimilarItems", {{"item_id", item}});
    v1::SimilarItemsRequest req;
    req.set_item_id(item);
    v1::RecommendationsResponse grpc_resp;
    ASSERT_TRUE(stub->SimilarItems(Context().get(), req, &grpc_resp).ok());
    EXPECT_EQ(Ids(http), Ids(grpc_resp));
  }
  {
    json http =
        PostOk("CrossSell", {{"item_ids", {item}}, {"customer_id", customer}});
    v1::CrossSellRequest req;
    req.add_item_ids(item);
    req.set_customer_id(customer);
    v1::RecommendationsResponse grpc_resp;
    ASSERT_TRUE(stub->CrossSell(Context().get(), req, &grpc_resp).ok());
    EXPECT_EQ(Ids(http), Ids(grpc_resp));
  }
  {
    json http = PostOk("Upsell", {{"item_id", item}});
    v1::UpsellRequest req;
    req.set_item_id(item);
    v1::RecommendationsResponse grpc_resp;
    ASSERT_TRUE(stub->Upsell(Context().get(), req, &grpc_resp).ok());
    EXPECT_EQ(Ids(http), Ids(grpc_resp));
  }
  {
    json http =
        PostOk("BuyAgain", {{"customer_id", customer}, {"as_of", as_of}});
    v1::BuyAgainRequest req;
    req.set_customer_id(customer);
    *req.mutable_as_of() = as_of_ts;
    v1::BuyAgainResponse grpc_resp;
    ASSERT_TRUE(stub->BuyAgain(Context().get(), req, &grpc_resp).ok());
    EXPECT_EQ(Ids(http), Ids(grpc_resp));
  }
  {
    json http = PostOk("GetCustomerProfile", {{"customer_id", customer}});
    v1::CustomerProfileRequest req;
    req.set_customer_id(customer);
    v1::CustomerProfile grpc_resp;
    ASSERT_TRUE(
        stub->GetCustomerProfile(Context().get(), req, &grpc_resp).ok());
    // int64 is a string in protobuf's JSON mapping.
    EXPECT_EQ(http["orders"], std::to_string(grpc_resp.orders()));
    EXPECT_GT(grpc_resp.orders(), 0);
  }
}

TEST_F(HttpGatewayTest, MetricsAreValidPrometheusTextForBothTransports) {
  // A few calls over each transport first.
  auto stub = Stub();
  for (int i = 0; i < 3; ++i) {
    v1::FrequentlyBoughtTogetherRequest req;
    req.add_item_ids("SKU-0001");
    v1::FrequentlyBoughtTogetherResponse resp;
    ASSERT_TRUE(
        stub->FrequentlyBoughtTogether(Context().get(), req, &resp).ok());
    PostOk("FrequentlyBoughtTogether", {{"item_ids", {"SKU-0001"}}});
  }
  int status = 0;
  Post("FrequentlyBoughtTogether", R"({"limit": 1000})", &status);
  EXPECT_EQ(status, 400);

  auto res = Client().Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"),
              HasSubstr("text/plain; version=0.0.4"));
  const std::string& text = res->body;
  const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 20);
  EXPECT_THAT(text, HasSubstr("boomerang_requests_total{method="
                              "\"FrequentlyBoughtTogether\",transport=\"grpc\","
                              "code=\"OK\"}"));
  EXPECT_THAT(text, HasSubstr("boomerang_requests_total{method="
                              "\"FrequentlyBoughtTogether\",transport=\"http\","
                              "code=\"OK\"}"));
  EXPECT_THAT(text, HasSubstr("boomerang_requests_total{method="
                              "\"FrequentlyBoughtTogether\",transport=\"http\","
                              "code=\"INVALID_ARGUMENT\"} "));
  EXPECT_THAT(text, HasSubstr("boomerang_request_duration_seconds_bucket{"
                              "method=\"FrequentlyBoughtTogether\","
                              "transport=\"http\",le=\"+Inf\"}"));
  EXPECT_THAT(text,
              HasSubstr("boomerang_snapshot_info{version=\"000001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nboomerang_snapshot_swaps_total 0\n"));
  EXPECT_THAT(text, HasSubstr("\nboomerang_snapshot_failed_loads_total 0\n"));
  EXPECT_THAT(text, HasSubstr("\nboomerang_snapshot_load_seconds "));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      text, m, std::regex("\nboomerang_snapshot_age_seconds ([0-9.]+)\n")));
  EXPECT_GE(std::stod(m[1]), 0);
  EXPECT_LT(std::stod(m[1]), 3600);  // indexed by this test
}

TEST_F(HttpGatewayTest, ErrorsMapToHttpStatusesWithJsonBodies) {
  int status = 0;
  // Malformed JSON.
  json j = Post("FrequentlyBoughtTogether", R"({"item_ids": [)", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(j["code"], "INVALID_ARGUMENT");
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("invalid JSON"));
  // An unknown field is named.
  j = Post("FrequentlyBoughtTogether", R"({"item_idz": ["SKU-0001"]})",
           &status);
  EXPECT_EQ(status, 400);
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("item_idz"));
  // A wrong type.
  j = Post("SimilarItems", R"({"item_id": "SKU-0001", "limit": "many"})",
           &status);
  EXPECT_EQ(status, 400);
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("limit"));
  // Empty body.
  j = Post("SimilarItems", "", &status);
  EXPECT_EQ(status, 400);
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("empty"));

  // A bad limit: the server's own message, as over gRPC.
  j = Post("FrequentlyBoughtTogether",
           R"({"item_ids": ["SKU-0001"], "limit": 1000})", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(j["code"], "INVALID_ARGUMENT");
  {
    v1::FrequentlyBoughtTogetherRequest req;
    req.add_item_ids("SKU-0001");
    req.set_limit(1000);
    v1::FrequentlyBoughtTogetherResponse resp;
    grpc::Status s =
        Stub()->FrequentlyBoughtTogether(Context().get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(j["message"], s.error_message());
    EXPECT_THAT(s.error_message(), HasSubstr("limit"));
  }

  // An unknown customer's profile.
  j = Post("GetCustomerProfile", R"({"customer_id": "no-such-customer"})",
           &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(j["code"], "NOT_FOUND");
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("no-such-customer"));

  // Unknown method and path.
  j = Post("NoSuchMethod", "{}", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(j["code"], "NOT_FOUND");
  EXPECT_THAT(j["message"].get<std::string>(),
              HasSubstr("FrequentlyBoughtTogether"));
  auto client = Client();
  auto res = client.Get("/no/such/path");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["code"], "NOT_FOUND");

  // Wrong verbs.
  res = client.Get("/v1/FrequentlyBoughtTogether");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_THAT(res->get_header_value("Allow"), HasSubstr("POST"));
  res = Client().Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET");
  res = Client().Delete("/v1/SimilarItems");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);

  // A body over 1 MiB.
  const std::string big =
      R"({"item_ids": [")" + std::string(size_t{2} << 20, 'x') + R"("]})";
  j = Post("FrequentlyBoughtTogether", big, &status);
  EXPECT_EQ(status, 413);
  EXPECT_EQ(j["code"], "RESOURCE_EXHAUSTED");

  // The connection still serves after all of that.
  res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpGatewayTest, CorsPreflightAndHeaders) {
  auto client = Client();
  auto res =
      client.Options("/v1/FrequentlyBoughtTogether",
                     {{"Origin", "https://shop.example"},
                      {"Access-Control-Request-Method", "POST"},
                      {"Access-Control-Request-Headers", "content-type"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_THAT(res->get_header_value("Access-Control-Allow-Methods"),
              HasSubstr("POST"));
  EXPECT_THAT(res->get_header_value("Access-Control-Allow-Headers"),
              HasSubstr("Content-Type"));

  res = client.Post("/v1/SimilarItems", {{"Origin", "https://shop.example"}},
                    R"({"item_id": "SKU-0001"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
  // Errors too, so that the page can read them.
  res = client.Post("/v1/SimilarItems", {{"Origin", "https://shop.example"}},
                    "{", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
}

TEST_F(HttpGatewayTest, ConcurrentRequestsAllSucceed) {
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      auto client = Client();
      for (int i = 0; i < 10; ++i) {
        auto res = client.Post(
            "/v1/FrequentlyBoughtTogether",
            absl::StrCat(R"({"item_ids": ["SKU-000)", 1 + (t + i) % 9, "\"]}"),
            "application/json");
        (res && res->status == 200 ? ok : failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), 160);
}

TEST_F(HttpGatewayTest, DemoPageIsSelfContained) {
  auto res = Client().Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/html"));
  const std::string& page = res->body;
  EXPECT_THAT(page, HasSubstr("Frequently bought together"));
  EXPECT_THAT(page, Not(HasSubstr("http://")));
  EXPECT_THAT(page, Not(HasSubstr("https://")));
  EXPECT_THAT(page, Not(HasSubstr("src=")));
  EXPECT_THAT(page, Not(HasSubstr("@import")));
  res = Client().Get("/demo");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);

  const json d = DemoDefaults();
  EXPECT_EQ(d["snapshot_version"], "000001");
  EXPECT_EQ(d["item"]["item_id"], d["item_id"]);
  EXPECT_FALSE(d["item"]["title"].get<std::string>().empty());
  res = Client().Get("/v1/demo-defaults?item_id=no-such-item");
  ASSERT_TRUE(res);
  EXPECT_TRUE(json::parse(res->body)["item"].is_null());
}

TEST_F(HttpGatewayTest, DemoPageRendersInHeadlessChromium) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " is absent (apt-get install chromium): "
                 << "skipping the rendering check";
  }
  const std::string url = absl::StrCat("http://127.0.0.1:", http_port_, "/");
  auto args = ChromiumArgs(tmp_->Sub("profile-dom"));
  args.push_back("--dump-dom");
  args.push_back(url);
  auto dom = testing::Run(args, tmp_->path());
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  const std::string& html = dom.out;
  std::smatch m;
  EXPECT_FALSE(
      std::regex_search(html, m, std::regex("data-error=\"([^\"]*)\"")))
      << m[1];
  ASSERT_TRUE(std::regex_search(html, m, std::regex("data-ready=\"(\\d+)\"")))
      << html.substr(0, 3000);
  EXPECT_GT(std::stoi(m[1]), 0);
  // This server keeps no events: the page says impressions are off, and
  // still renders.
  EXPECT_TRUE(std::regex_search(
      html, m, std::regex("data-impressions=\"off: [^\"]*--events-dir")))
      << html.substr(0, 3000);
  // Four shelves: the product's three and the customer's picks, each with
  // cards carrying an explanation.
  for (const char* shelf : {"fbt", "similar", "upsell", "picks"}) {
    const size_t at = html.find(absl::StrCat("id=\"", shelf, "\""));
    ASSERT_NE(at, std::string::npos) << shelf;
    const size_t next = html.find("</section>", at);
    const std::string section = html.substr(at, next - at);
    EXPECT_THAT(section, HasSubstr("class=\"card\"")) << shelf;
    EXPECT_THAT(section, HasSubstr("class=\"why\"")) << shelf;
  }

  // A screenshot, for people to look at.
  const std::string png = tmp_->Sub("demo.png");
  auto shot_args = ChromiumArgs(tmp_->Sub("profile-shot"));
  shot_args.push_back("--hide-scrollbars");
  shot_args.push_back("--window-size=1280,1600");
  shot_args.push_back("--screenshot=" + png);
  shot_args.push_back(url);
  auto shot = testing::Run(shot_args, tmp_->path());
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  const std::string bytes = testing::ReadFileBytes(png);
  ASSERT_GT(bytes.size(), 10000u);
  EXPECT_EQ(bytes.substr(0, 4), "\x89PNG");
}

// Issue 14: with an event store the page records one IMPRESSION per list
// (with its placement), and the experiment report counts them.
TEST_F(HttpGatewayTest, DemoPageRecordsImpressionsWithAnEventStore) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " is absent (apt-get install chromium): "
                 << "skipping the rendering check";
  }
  int port = 0;
  std::unique_ptr<testing::ServerProcess> server(
      StartServer(tmp_->Sub("with-events"),
                  {"--events-dir", tmp_->Sub("with-events/events")}, &port));
  ASSERT_NE(server, nullptr);
  auto args = ChromiumArgs(tmp_->Sub("profile-events"));
  args.push_back("--dump-dom");
  args.push_back(absl::StrCat("http://127.0.0.1:", port, "/"));
  auto dom = testing::Run(args, tmp_->path());
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom.out, m,
                                std::regex("data-impressions=\"([^\"]*)\"")))
      << dom.out.substr(0, 3000);
  EXPECT_EQ(m[1], "4");
  auto res = Client(port).Get("/v1/experiments/report");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json report = json::parse(res->body);
  std::set<std::string> placements;
  for (const json& p : report["placements"]) {
    placements.insert(p["placement"]);
    EXPECT_EQ(p["arms"][0]["impressions"], "1") << p.dump();
  }
  EXPECT_EQ(placements, (std::set<std::string>{"home_picks", "product_page_fbt",
                                               "product_page_similar",
                                               "product_page_upsell"}));
}

TEST_F(HttpGatewayTest, SigtermTurnsHealthzAndStopsCleanly) {
  int port = 0;
  std::unique_ptr<testing::ServerProcess> server(StartServer(
      tmp_->Sub("sigterm"), {"--shutdown-grace-seconds", "2"}, &port));
  ASSERT_NE(server, nullptr);
  auto res = Client(port).Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);

  std::atomic<int> exit_code{-2};
  std::thread stopper([&] { exit_code = server->Stop(); });
  // During the grace period: /healthz says NOT_SERVING, calls still work.
  bool saw_not_serving = false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!saw_not_serving && std::chrono::steady_clock::now() < deadline) {
    auto r = Client(port).Get("/healthz");
    if (r && r->status == 503) {
      saw_not_serving = true;
      EXPECT_EQ(json::parse(r->body)["status"], "NOT_SERVING");
      auto call = Client(port).Post(
          "/v1/SimilarItems", R"({"item_id": "SKU-0001"})", "application/json");
      ASSERT_TRUE(call);
      EXPECT_EQ(call->status, 200);
    }
  }
  stopper.join();
  EXPECT_TRUE(saw_not_serving);
  EXPECT_EQ(exit_code.load(), 0);
  EXPECT_FALSE(Client(port).Get("/healthz"));  // nobody listens any more
}

TEST_F(HttpGatewayTest, JsonCallsNeedAReadTokenWhenTokensAreOn) {
  const std::string dir = tmp_->Sub("tokens");
  std::filesystem::create_directories(dir);
  const std::string token = "http-read-token-0123456789abcdef";
  testing::WriteFile(dir + "/read", token + "\n");
  int port = 0;
  std::unique_ptr<testing::ServerProcess> server(
      StartServer(dir, {"--read-tokens-file", dir + "/read"}, &port));
  ASSERT_NE(server, nullptr);
  const std::string body = R"({"item_id": "SKU-0001"})";
  auto res = Client(port).Post("/v1/SimilarItems", body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body)["code"], "UNAUTHENTICATED");
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  res = Client(port).Post("/v1/SimilarItems",
                          {{"Authorization", "Bearer wrong-token-0123456789"}},
                          body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  res = Client(port).Post("/v1/SimilarItems",
                          {{"Authorization", "Bearer " + token}}, body,
                          "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = Client(port).Get("/v1/demo-defaults");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  // Load balancers and scrapers need no token.
  res = Client(port).Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = Client(port).Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpGatewayTest, ATakenHttpPortIsAClearError) {
  testing::TempDir tmp;
  auto r = testing::Run({testing::BinDir() + "/boomerang-server", "--snapshots",
                         tmp_->Sub("snaps"), "--port", "0", "--http-port",
                         std::to_string(http_port_), "--skip-checksums"},
                        tmp.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("HTTP"));
  EXPECT_THAT(r.err, HasSubstr(std::to_string(http_port_)));
}

}  // namespace
}  // namespace boomerang
