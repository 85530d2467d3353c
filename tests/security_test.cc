// TLS, mutual TLS and bearer tokens across processes: a server configured
// from a TOML file (with a flag overriding it) refuses calls without a
// token, with an unknown token, a read token on a write call, and clients
// without a certificate; it never logs a token. Certificates are made at
// test time with the openssl command (skipped when it is absent).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "boomerang/v1/admin.grpc.pb.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

constexpr char kReadToken[] = "read-token-3b9f0c27e1d84a56";
constexpr char kWriteToken[] = "write-token-7c1e2d9a40f35b68";

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // httplib's TLS client writes with write(): a server that drops the
    // connection (no client certificate) must not kill the test.
    signal(SIGPIPE, SIG_IGN);
    if (::access("/usr/bin/openssl", X_OK) != 0) return;
    tmp_ = new testing::TempDir();
    const std::string d = tmp_->path();
    // A CA, a server certificate for 127.0.0.1/localhost, a client one.
    const std::string script =
        "set -e; cd '" + d +
        "'; "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "
        "-days 2 -subj '/CN=Boomerang Test CA' 2>/dev/null; "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out "
        "server.csr -subj '/CN=localhost' 2>/dev/null; "
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext; "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null; "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out "
        "client.csr -subj '/CN=client' 2>/dev/null; "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out client.pem -days 2 2>/dev/null";
    auto certs = testing::Run({"/bin/sh", "-c", script}, d);
    ASSERT_EQ(certs.exit_code, 0) << certs.err;
    std::ofstream(d + "/read.txt") << "# readers\n" << kReadToken << "\n";
    std::ofstream(d + "/write.txt") << kWriteToken << "\n";

    const std::string bin = testing::BinDir();
    auto gen = testing::Run({bin + "/boomerang-demo-shop", "--out",
                             tmp_->Sub("demo"), "--customers", "300"},
                            d);
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    auto idx = testing::Run({bin + "/boomerang-indexer", "--purchases",
                             tmp_->Sub("demo/orders.csv.gz"), "--catalog",
                             tmp_->Sub("demo/catalog.csv"), "--out",
                             tmp_->Sub("snaps"), "--quiet", "--no-embeddings"},
                            d);
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    // Settings from a config file; the command line's --port 0 (from
    // ServerProcess) overrides its port = 1.
    std::ofstream(d + "/server.toml")
        << "# boomerang-server\n"
        << "port = 1\n"
        << "poll-seconds = 0\n"
        << "tls-cert = \"" << d << "/server.pem\"\n"
        << "tls-key = \"" << d << "/server.key\"\n"
        << "tls-client-ca = \"" << d << "/ca.pem\"\n"
        << "require-client-cert = true\n"
        << "read-tokens-file = \"" << d << "/read.txt\"\n"
        << "write-tokens-file = \"" << d << "/write.txt\"\n"
        << "http-port = 0\n"
        << "http-port-file = \"" << d << "/http_port\"\n";
    server_ = new testing::ServerProcess(bin, tmp_->Sub("snaps"), d,
                                         {"--config", d + "/server.toml"});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tmp_;
  }
  void SetUp() override {
    if (tmp_ == nullptr) GTEST_SKIP() << "no /usr/bin/openssl";
    ASSERT_NE(server_, nullptr);
  }

  // A TLS channel; with `client_cert`, one that presents the client's.
  static std::shared_ptr<grpc::Channel> TlsChannel(bool client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Slurp(tmp_->Sub("ca.pem"));
    if (client_cert) {
      ssl.pem_cert_chain = Slurp(tmp_->Sub("client.pem"));
      ssl.pem_private_key = Slurp(tmp_->Sub("client.key"));
    }
    return grpc::CreateChannel("localhost:" + std::to_string(Port()),
                               grpc::SslCredentials(ssl));
  }
  static int Port() { return std::stoi(Slurp(tmp_->Sub("port"))); }
  static int HttpPort() { return std::stoi(Slurp(tmp_->Sub("http_port"))); }

  // POST /v1/FrequentlyBoughtTogether over HTTPS; with `client_cert`
  // presenting the client's certificate. The HTTP status, 0 when the
  // connection failed (`error` says why).
  static int HttpsFbt(bool client_cert, const std::string& token,
                      std::string* error) {
    std::unique_ptr<httplib::SSLClient> client;
    if (client_cert) {
      client = std::make_unique<httplib::SSLClient>("localhost", HttpPort(),
                                                    tmp_->Sub("client.pem"),
                                                    tmp_->Sub("client.key"));
    } else {
      client = std::make_unique<httplib::SSLClient>("localhost", HttpPort());
    }
    client->set_ca_cert_path(tmp_->Sub("ca.pem").c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(std::chrono::seconds(5));
    client->set_read_timeout(std::chrono::seconds(10));
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    auto res = client->Post("/v1/FrequentlyBoughtTogether", headers,
                            R"({"item_ids":["SKU-0001"]})", "application/json");
    if (!res) {
      *error = httplib::to_string(res.error());
      return 0;
    }
    return res->status;
  }

  static grpc::Status Fbt(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& token) {
    auto stub = v1::Recommender::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    v1::FrequentlyBoughtTogetherRequest req;
    req.add_item_ids("SKU-0001");
    v1::FrequentlyBoughtTogetherResponse resp;
    return stub->FrequentlyBoughtTogether(&ctx, req, &resp);
  }
  static grpc::Status Reload(const std::string& token) {
    auto stub = v1::Admin::NewStub(TlsChannel(true));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    v1::ServerStatus status;
    return stub->Reload(&ctx, v1::ReloadRequest(), &status);
  }

  static testing::TempDir* tmp_;
  static testing::ServerProcess* server_;
};
testing::TempDir* SecurityTest::tmp_ = nullptr;
testing::ServerProcess* SecurityTest::server_ = nullptr;

TEST_F(SecurityTest, ServesWithTlsClientCertificateAndToken) {
  // WaitServing's own health probe is plaintext; wait on the port file and
  // a real call instead.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  grpc::Status s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Slurp(tmp_->Sub("port")).empty()) {
      s = Fbt(TlsChannel(true), kReadToken);
      if (s.ok()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << server_->Stderr();
  EXPECT_THAT(server_->Stderr(),
              HasSubstr("TLS with client certificates required; "
                        "authorization: 1 read and 1 write tokens"));
}

TEST_F(SecurityTest, MissingOrWrongTokenIsRejected) {
  grpc::Status s = Fbt(TlsChannel(true), "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("authorization"));
  s = Fbt(TlsChannel(true), "not-a-known-token-000000");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SecurityTest, ReadTokenCannotWrite) {
  EXPECT_TRUE(Fbt(TlsChannel(true), kReadToken).ok());
  grpc::Status s = Reload(kReadToken);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("write token"));
  s = Reload(kWriteToken);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(Fbt(TlsChannel(true), kWriteToken).ok());
}

TEST_F(SecurityTest, ClientWithoutCertificateIsRefused) {
  grpc::Status s = Fbt(TlsChannel(false), kReadToken);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  // Plaintext to a TLS port fails too.
  s = Fbt(grpc::CreateChannel("127.0.0.1:" + std::to_string(Port()),
                              grpc::InsecureChannelCredentials()),
          kReadToken);
  EXPECT_FALSE(s.ok());
}

TEST_F(SecurityTest, HttpSideDoorUsesTheSameTlsCertificatesAndTokens) {
  std::string error;
  EXPECT_EQ(HttpsFbt(true, kReadToken, &error), 200) << error;
  EXPECT_EQ(HttpsFbt(true, "", &error), 401);
  EXPECT_EQ(HttpsFbt(true, "not-a-known-token-000000", &error), 401);
  // No client certificate: the handshake fails.
  EXPECT_EQ(HttpsFbt(false, kReadToken, &error), 0);
  EXPECT_FALSE(error.empty());
  // Plaintext HTTP to the HTTPS port gets no answer.
  httplib::Client plain("127.0.0.1", HttpPort());
  plain.set_connection_timeout(std::chrono::seconds(5));
  plain.set_read_timeout(std::chrono::seconds(5));
  auto res = plain.Get("/healthz");
  EXPECT_FALSE(res) << res->status;
}

TEST_F(SecurityTest, TokensAreNeverLogged) {
  Fbt(TlsChannel(true), "");
  Reload(kReadToken);
  const std::string log = server_->Stderr();
  EXPECT_THAT(log, ::testing::Not(HasSubstr(kReadToken)));
  EXPECT_THAT(log, ::testing::Not(HasSubstr(kWriteToken)));
}

}  // namespace
}  // namespace boomerang
