#include "server/http/http_gateway.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boomerang/v1/recommender.pb.h"
#include "boomerang/v1/snapshot.pb.h"
#include "google/protobuf/util/json_util.h"
#include "models/experiments/report_html.h"
#include "models/timestamp.h"
#include "server/engine/audiences.h"
#include "server/engine/clock.h"
#include "server/engine/lists.h"
#include "server/engine/retention.h"
#include "server/http/http_demo_page.h"
#include "server/metrics.h"

namespace boomerang {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kDemoDefaultsPath[] = "demo-defaults";
constexpr int kListenBacklog = 512;

// ---- Connections under overload -----------------------------------------

// Whether this thread is SheddingTaskQueue's shedding thread.
thread_local bool t_shedding = false;

// cpp-httplib serves each connection on one pool thread, for as long as the
// client keeps it alive; its ThreadPool queues the others without bound, so
// under overload every new connection waits for seconds behind the others'
// keep-alive. This queue lets at most `max_waiting` connections wait; one
// beyond that goes to the shedding threads, where the pre-routing handler
// answers its requests 503 with Retry-After and "Connection: close" (a
// request takes microseconds there). Limits: cpp-httplib 0.11 ends a
// connection only when the client's request says "Connection: close" (as
// clients do on seeing it in a response) or at the keep-alive timeout, and
// a client that sends nothing holds a thread until the read timeout; so
// connections that misbehave on purpose can still delay the shedding
// threads by seconds each (a reason for a proxy in front on the open
// internet). Our own queue because cpp-httplib 0.11's TaskQueue cannot
// refuse a connection (later versions return false from enqueue for that).
class SheddingTaskQueue : public httplib::TaskQueue {
 public:
  SheddingTaskQueue(int threads, int max_waiting) : max_waiting_(max_waiting) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Work(&jobs_, false); });
    }
    for (int i = 0; i < kSheddingThreads; ++i) {
      threads_.emplace_back([this] { Work(&shed_, true); });
    }
  }
  ~SheddingTaskQueue() override = default;

  void enqueue(std::function<void()> fn) override {
    absl::MutexLock lock(&mu_);
    // Connections that no idle thread will take at once wait; at most
    // max_waiting_ of them.
    if (static_cast<int>(jobs_.size()) >= idle_ + max_waiting_) {
      shed_.push_back(std::move(fn));
    } else {
      jobs_.push_back(std::move(fn));
    }
  }

  // Lets every queued connection be served, then joins the threads.
  void shutdown() override {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }

 private:
  void Work(std::deque<std::function<void()>>* jobs, bool shedding) {
    t_shedding = shedding;
    for (;;) {
      std::function<void()> fn;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this, jobs]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stop_ || !jobs->empty();
        };
        if (!shedding) ++idle_;
        mu_.Await(absl::Condition(&ready));
        if (!shedding) --idle_;
        if (jobs->empty()) return;  // stopping, and nothing left
        fn = std::move(jobs->front());
        jobs->pop_front();
      }
      fn();
    }
  }

  static constexpr int kSheddingThreads = 2;
  const int max_waiting_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  std::deque<std::function<void()>> shed_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int idle_ ABSL_GUARDED_BY(mu_) = 0;  // pool threads waiting for a job
  std::vector<std::thread> threads_;
};

// ---- TLS ----------------------------------------------------------------

// The OpenSSL error queue as text, emptied.
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    absl::StrAppend(&out, out.empty() ? "" : "; ", buf);
  }
  return out.empty() ? "unknown error" : out;
}

// Sets up `ctx` from the options' PEM files; the error names the file.
absl::Status SetUpTls(const HttpGatewayOptions& o, SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Without a session id context, OpenSSL fails a TLS 1.2 client that
  // resumes a session once client certificates are asked for.
  static constexpr unsigned char kSessionContext[] = "boomerang-http";
  SSL_CTX_set_session_id_context(ctx, kSessionContext,
                                 sizeof(kSessionContext) - 1);
  if (SSL_CTX_use_certificate_chain_file(ctx, o.tls_cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-cert ", o.tls_cert_file,
                     ": cannot use it as a PEM certificate chain for HTTPS (",
                     OpenSslErrors(), ")"));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, o.tls_key_file.c_str(),
                                  SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls-key ", o.tls_key_file,
        ": cannot use it as the PEM private key of --tls-cert for HTTPS (",
        OpenSslErrors(), ")"));
  }
  if (!o.tls_client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, o.tls_client_ca_file.c_str(),
                                      nullptr) != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls-client-ca ", o.tls_client_ca_file,
          ": cannot read PEM CA certificates from it (", OpenSslErrors(), ")"));
    }
    STACK_OF(X509_NAME)* names =
        SSL_load_client_CA_file(o.tls_client_ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(
        ctx,
        SSL_VERIFY_PEER |
            (o.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
        nullptr);
  } else if (o.require_client_cert) {
    return absl::InvalidArgumentError(
        "--require-client-cert needs --tls-client-ca (the CA that signs "
        "client certificates)");
  }
  return absl::OkStatus();
}

// ---- JSON and Prometheus text -------------------------------------------

// `text` as a JSON string literal (quotes included). Our strings are UTF-8
// (request strings passed protobuf's JSON parser; snapshot text was made
// UTF-8 by the indexer), so only quotes, backslashes and control characters
// need escaping.
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// A Prometheus label value: backslash, quote and newline escaped.
std::string LabelValue(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

// ---- Status codes -----------------------------------------------------------

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

void SetError(int http_status, absl::StatusCode code, absl::string_view message,
              httplib::Response& res) {
  res.status = http_status;
  res.set_content(
      absl::StrCat("{\"code\":", JsonString(absl::StatusCodeToString(code)),
                   ",\"message\":", JsonString(message), "}\n"),
      kJson);
}

void SetError(const absl::Status& status, httplib::Response& res) {
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    res.set_header("WWW-Authenticate", "Bearer");
  }
  SetError(HttpStatusOf(status.code()), status.code(), status.message(), res);
}

// OK when `auth` is null or off, or the request carries a token of `scope`.
absl::Status Authorize(const Authenticator* auth, const httplib::Request& req,
                       Scope scope = Scope::kRead) {
  if (auth == nullptr || !auth->enabled()) return absl::OkStatus();
  return auth->Check(req.get_header_value("Authorization"), scope);
}

// RecordEvents changes the server: it needs a write token.
Scope ScopeOf(const std::string& method) {
  return method == "RecordEvents" || method == "UpdateItems" ? Scope::kWrite
                                                             : Scope::kRead;
}

// The JSON endpoints are called from shop pages on other origins.
void AllowCrossOrigin(httplib::Response& res) {
  res.set_header("Access-Control-Allow-Origin", "*");
  res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  res.set_header("Access-Control-Allow-Headers", "Content-Type, Authorization");
  res.set_header("Access-Control-Max-Age", "600");
}

void MethodNotAllowed(const char* allow, httplib::Response& res) {
  res.set_header("Allow", allow);
  SetError(405, absl::StatusCode::kInvalidArgument,
           absl::StrCat("method not allowed; use ", allow), res);
}

// ---- The JSON methods -----------------------------------------------------

// protobuf 3.21's own Status: its message as a string.
std::string MessageOf(const google::protobuf::util::Status& s) {
  const auto message = s.message();
  return std::string(message.data(), message.size());
}

// Parses `body` (JSON, protobuf's mapping) into `request`, runs `fn` with
// the engine and prints the response as JSON into *out.
using JsonCall = std::function<absl::Status(
    const Engine&, const std::string& body, std::string* out)>;

template <typename Request, typename Response>
JsonCall MakeEngineJsonCall(
    std::function<absl::Status(const Engine&, const Request&, Response*)> fn) {
  return [fn](const Engine& engine, const std::string& body,
              std::string* out) -> absl::Status {
    Request request;
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "empty request body: send a ", Request::descriptor()->full_name(),
          " as JSON (at least {})"));
    }
    google::protobuf::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = false;
    auto parsed =
        google::protobuf::util::JsonStringToMessage(body, &request, parse);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid JSON for ", Request::descriptor()->full_name(),
                       ": ", MessageOf(parsed)));
    }
    Response response;
    absl::Status s = fn(engine, request, &response);
    if (!s.ok()) return s;
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    print.always_print_primitive_fields = true;
    auto printed =
        google::protobuf::util::MessageToJsonString(response, out, print);
    if (!printed.ok()) {
      return absl::InternalError(absl::StrCat(
          "cannot print the response as JSON: ", MessageOf(printed)));
    }
    out->push_back('\n');
    return absl::OkStatus();
  };
}

// A use case on one View: a swap during the request does not change its
// data.
template <typename Request, typename Response>
JsonCall MakeJsonCall(absl::Status (*fn)(const View&, const Request&,
                                         Response*)) {
  return MakeEngineJsonCall<Request, Response>(
      [fn](const Engine& engine, const Request& request, Response* response) {
        absl::StatusOr<View> view = engine.Acquire();
        if (!view.ok()) return view.status();
        return fn(*view, request, response);
      });
}

// Audiences over HTTP: the whole run, one AudiencesResponse per line as
// the gRPC stream sends them (the last with done and the counts). Built in
// memory, so it stops at kMaxHttpAudience entries; larger runs use the gRPC
// stream (`boomerang audience`).
absl::Status AudiencesAsJsonLines(const Engine& engine, const std::string& body,
                                  std::string* out) {
  constexpr int64_t kMaxHttpAudience = 100000;
  v1::AudiencesRequest request;
  google::protobuf::util::JsonParseOptions parse;
  if (body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto parsed =
        google::protobuf::util::JsonStringToMessage(body, &request, parse);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid JSON for boomerang.v1.AudiencesRequest: ",
                       MessageOf(parsed)));
    }
  }
  absl::StatusOr<View> view = engine.Acquire();
  if (!view.ok()) return view.status();
  AudienceSettings settings;
  absl::Status s = ValidateAudiencesRequest(*view, request, &settings);
  if (!s.ok()) return s;
  AudienceScan scan(std::move(*view), std::move(settings));
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  int64_t entries = 0;
  for (bool more = true; more;) {
    std::vector<v1::AudienceEntry> batch;
    absl::StatusOr<bool> next = scan.Next(&batch);
    if (!next.ok()) return next.status();
    more = *next;
    v1::AudiencesResponse response;
    for (v1::AudienceEntry& e : batch) *response.add_entries() = std::move(e);
    entries += response.entries_size();
    if (entries > kMaxHttpAudience) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "more than ", kMaxHttpAudience,
          " audience entries: use the gRPC stream (boomerang audience), or "
          "narrow the request (triggers, segments)"));
    }
    response.set_snapshot_version(scan.view().snapshot().version());
    response.mutable_as_of()->set_seconds(scan.settings().as_of);
    response.set_customers_scanned(scan.scanned());
    response.set_customers_total(scan.total());
    if (!more) {
      response.set_done(true);
      for (v1::TriggerCount& c : scan.Counts()) {
        *response.add_counts() = std::move(c);
      }
    } else if (response.entries_size() == 0) {
      continue;  // progress only: nobody reads it here
    }
    std::string line;
    auto printed =
        google::protobuf::util::MessageToJsonString(response, &line, print);
    if (!printed.ok()) return absl::InternalError(MessageOf(printed));
    absl::StrAppend(out, line, "\n");
  }
  return absl::OkStatus();
}

const std::map<std::string, JsonCall>& JsonMethods() {
  static const auto* methods = new std::map<std::string, JsonCall>{
      {"FrequentlyBoughtTogether", MakeJsonCall(&FrequentlyBoughtTogether)},
      {"SimilarItems", MakeJsonCall(&SimilarItems)},
      {"PersonalPicks", MakeJsonCall(&PersonalPicks)},
      {"CrossSell", MakeJsonCall(&CrossSell)},
      {"Upsell", MakeJsonCall(&Upsell)},
      {"BuyAgain", MakeJsonCall(&BuyAgain)},
      {"GetCustomerProfile", MakeJsonCall(&GetCustomerProfile)},
      {"Audiences", &AudiencesAsJsonLines},
      // RecordEvents changes the server's state, not a view of it.
      {"RecordEvents",
       MakeEngineJsonCall<v1::RecordEventsRequest, v1::RecordEventsResponse>(
           [](const Engine& engine, const v1::RecordEventsRequest& request,
              v1::RecordEventsResponse* response) {
             return engine.RecordEvents(request, response);
           })},
      // Live catalog changes (server/engine/catalog_updates.h).
      {"UpdateItems",
       MakeEngineJsonCall<v1::UpdateItemsRequest, v1::UpdateItemsResponse>(
           [](const Engine& engine, const v1::UpdateItemsRequest& request,
              v1::UpdateItemsResponse* response) {
             return engine.UpdateItems(request, response);
           })},
  };
  return *methods;
}

std::string MethodList() {
  std::vector<std::string> names;
  for (const auto& [name, call] : JsonMethods()) names.push_back(name);
  return absl::StrJoin(names, ", ");
}

bool IsGetPath(const std::string& path, bool demo) {
  return path == "/metrics" || path == "/healthz" ||
         path == "/v1/experiments/report" || path == "/experiments" ||
         (demo && (path == "/" || path == "/demo" ||
                   path == absl::StrCat("/v1/", kDemoDefaultsPath)));
}

// ---- /metrics -------------------------------------------------------------

std::string SnapshotGauges(const Snapshot* snapshot,
                           const SnapshotManager* manager) {
  std::string out;
  if (snapshot != nullptr) {
    absl::StrAppend(&out,
                    "# HELP boomerang_snapshot_info The snapshot version "
                    "serving now.\n"
                    "# TYPE boomerang_snapshot_info gauge\n"
                    "boomerang_snapshot_info{version=\"",
                    LabelValue(snapshot->version()), "\"} 1\n");
    auto created = ParseTimestamp(snapshot->manifest().created_at());
    if (created.ok()) {
      const double age =
          absl::ToDoubleSeconds(absl::Now() - absl::FromUnixSeconds(*created));
      absl::StrAppendFormat(&out,
                            "# HELP boomerang_snapshot_age_seconds Seconds "
                            "since the serving snapshot was created.\n"
                            "# TYPE boomerang_snapshot_age_seconds gauge\n"
                            "boomerang_snapshot_age_seconds %.3f\n",
                            age);
    }
  }
  if (manager != nullptr) {
    const v1::ServerStatus status = manager->Status();
    absl::StrAppendFormat(
        &out,
        "# HELP boomerang_snapshot_swaps_total Snapshot versions swapped in "
        "since start.\n"
        "# TYPE boomerang_snapshot_swaps_total counter\n"
        "boomerang_snapshot_swaps_total %d\n"
        "# HELP boomerang_snapshot_failed_loads_total Snapshot versions that "
        "failed to load since start.\n"
        "# TYPE boomerang_snapshot_failed_loads_total counter\n"
        "boomerang_snapshot_failed_loads_total %d\n"
        "# HELP boomerang_snapshot_load_seconds How long the last snapshot "
        "load took.\n"
        "# TYPE boomerang_snapshot_load_seconds gauge\n"
        "boomerang_snapshot_load_seconds %.6f\n",
        status.swaps(), status.failed_loads(), status.last_load_seconds());
  }
  return out;
}

// ---- The route table, by group ---------------------------------------------

// A connection the pool had no room for (SheddingTaskQueue): refuse at
// once and close, so that the client retries later or elsewhere.
void RefuseShedConnections(httplib::Server& server) {
  server.set_pre_routing_handler(
      [](const httplib::Request& req, httplib::Response& res) {
        if (!t_shedding) return httplib::Server::HandlerResponse::Unhandled;
        Metrics::Global().CountRejected("(connection)", "http");
        Metrics::Global().Record("(connection)", "http",
                                 absl::StatusCode::kUnavailable, 0);
        if (absl::StartsWith(req.path, "/v1/")) AllowCrossOrigin(res);
        SetError(503, absl::StatusCode::kUnavailable,
                 "server overloaded: too many HTTP connections waiting; "
                 "retry with backoff",
                 res);
        res.set_header("Retry-After", "1");
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      });
}

// GET / and /demo: the demo product page.
void RouteDemoPage(httplib::Server& server) {
  auto page = [](const httplib::Request&, httplib::Response& res) {
    // The page fetches only from this origin and loads nothing else.
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; "
                   "style-src 'unsafe-inline'; connect-src 'self'; "
                   "img-src data:; base-uri 'none'; form-action 'none'");
    res.set_content(kHttpDemoPage, "text/html; charset=utf-8");
  };
  server.Get("/", page);
  server.Get("/demo", page);
}

// PUT, PATCH and DELETE: 405 where another verb would do, else 404; and the
// CORS preflight (OPTIONS) of the JSON methods.
void RouteOtherVerbs(httplib::Server& server, bool demo) {
  auto not_allowed = [demo](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader&) {
    res.set_header("Connection", "close");
    const bool is_v1 = absl::StartsWith(req.path, "/v1/");
    if (is_v1) AllowCrossOrigin(res);
    if (IsGetPath(req.path, demo)) {
      MethodNotAllowed("GET", res);
    } else if (is_v1 && JsonMethods().count(req.path.substr(4)) > 0) {
      MethodNotAllowed("POST, OPTIONS", res);
    } else {
      SetError(404, absl::StatusCode::kNotFound,
               absl::StrCat("no such path: ", req.path), res);
    }
  };
  server.Put(R"(/.*)", not_allowed);
  server.Patch(R"(/.*)", not_allowed);
  server.Delete(R"(/.*)", not_allowed);
  // A DELETE without a body skips the content-reader handlers.
  server.Delete(R"(/.*)", [not_allowed](const httplib::Request& req,
                                        httplib::Response& res) {
    not_allowed(req, res, httplib::ContentReader(nullptr, nullptr));
  });

  // CORS preflight: a page on another origin asks before POSTing JSON.
  server.Options(R"(/v1/.*)",
                 [](const httplib::Request&, httplib::Response& res) {
                   AllowCrossOrigin(res);
                   res.set_header("Allow", "GET, POST, OPTIONS");
                   res.status = 204;
                 });
}

// cpp-httplib's own errors (no route: 404; an unreadable request: 400)
// get the JSON error body too.
void SetErrorHandlers(httplib::Server& server) {
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        const absl::StatusCode code =
            res.status == 404   ? absl::StatusCode::kNotFound
            : res.status == 413 ? absl::StatusCode::kResourceExhausted
            : res.status >= 500 ? absl::StatusCode::kInternal
                                : absl::StatusCode::kInvalidArgument;
        const std::string message =
            res.status == 404   ? absl::StrCat("no such path: ", req.path)
            : res.status == 413 ? "request body too large"
                                : absl::StrCat("HTTP ", res.status);
        if (absl::StartsWith(req.path, "/v1/")) AllowCrossOrigin(res);
        SetError(res.status, code, message, res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SetError(500, absl::StatusCode::kInternal, "internal error", res);
      });
}

// Reads a JSON method's body into *body, at most `max_bytes`. On failure
// the answer (413 or 400, "Connection: close") is already set on `res`.
absl::Status ReadBody(const httplib::ContentReader& reader, size_t max_bytes,
                      httplib::Response& res, std::string* body) {
  bool too_large = false;
  const bool read = reader([&](const char* data, size_t size) {
    if (body->size() + size > max_bytes) {
      too_large = true;
      return false;
    }
    body->append(data, size);
    return true;
  });
  // cpp-httplib refuses a Content-Length over the limit itself (413).
  too_large = too_large || res.status == 413;
  absl::Status status;
  if (too_large) {
    // gRPC says RESOURCE_EXHAUSTED for a message over its size limit.
    status = absl::ResourceExhaustedError(
        absl::StrCat("request body over ", max_bytes, " bytes"));
    SetError(413, status.code(), status.message(), res);
    res.set_header("Connection", "close");
  } else if (!read) {
    status = absl::InvalidArgumentError("cannot read the request body");
    SetError(status, res);
    res.set_header("Connection", "close");
  }
  return status;
}

}  // namespace

// ---- HttpGateway ------------------------------------------------------------

HttpGateway::HttpGateway(const HttpGatewayOptions& options,
                         const Engine* engine, const SnapshotManager* manager)
    : options_(options), engine_(engine), manager_(manager) {}

HttpGateway::~HttpGateway() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    const HttpGatewayOptions& options, const Engine* engine,
    const SnapshotManager* manager) {
  if (options.threads < 1) {
    return absl::InvalidArgumentError("the HTTP gateway needs a thread");
  }
  std::unique_ptr<HttpGateway> gateway(
      new HttpGateway(options, engine, manager));
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    absl::Status tls;
    auto https =
        std::make_unique<httplib::SSLServer>([&options, &tls](SSL_CTX& ctx) {
          tls = SetUpTls(options, &ctx);
          return tls.ok();
        });
    if (!tls.ok()) return tls;
    if (!https->is_valid()) {
      return absl::InternalError(
          absl::StrCat("cannot set up HTTPS: ", OpenSslErrors()));
    }
    gateway->server_ = std::move(https);
  } else {
    gateway->server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *gateway->server_;
  const int threads = options.threads;
  const int max_waiting = std::max(0, options.max_waiting_connections);
  server.new_task_queue = [threads, max_waiting] {
    return new SheddingTaskQueue(threads, max_waiting);
  };
  // cpp-httplib binds with SO_REUSEPORT by default: a second server on the
  // same port would "start" and steal connections. SO_REUSEADDR only, so a
  // taken port fails and a restart does not wait for TIME_WAIT.
  auto listen_socket = std::make_shared<socket_t>(INVALID_SOCKET);
  server.set_socket_options([listen_socket](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    *listen_socket = sock;  // the last one tried is the one bound
  });
  auto micros = [](double seconds) {
    return std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
  };
  server.set_read_timeout(micros(options.read_timeout_seconds));
  server.set_write_timeout(micros(options.write_timeout_seconds));
  server.set_keep_alive_timeout(options.keep_alive_seconds);
  server.set_payload_max_length(options.max_body_bytes);
  gateway->Route();

  if (options.port == 0) {
    gateway->port_ = server.bind_to_any_port(options.host);
  } else {
    gateway->port_ =
        server.bind_to_port(options.host, options.port) ? options.port : -1;
  }
  if (gateway->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.host, ":", options.port,
                     " for HTTP (port in use, or not a local address)"));
  }
  // cpp-httplib listens with a backlog of 5 (compiled into Debian's
  // library): a burst of new connections overflows it and the kernel drops
  // their SYNs, which clients retry after a second. Calling listen() again
  // on the bound socket raises it.
  if (*listen_socket != INVALID_SOCKET) {
    ::listen(*listen_socket, kListenBacklog);
  }
  auto listening = std::make_shared<std::atomic<bool>>(true);
  {
    absl::MutexLock lock(&gateway->stop_mu_);
    gateway->listener_ = std::thread([&server, listening] {
      server.listen_after_bind();
      listening->store(false);
    });
  }
  // stop() only stops a server that is running: wait for the listener to
  // start, so that an early Stop() cannot miss it (milliseconds).
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!server.is_running() && listening->load() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (!server.is_running()) {
    gateway->Stop();
    return absl::InternalError("the HTTP server did not start");
  }
  return gateway;
}

void HttpGateway::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (!listener_.joinable()) return;
  // Closes the listening socket; listen_after_bind() then shuts the thread
  // pool down, which lets every running request finish.
  server_->stop();
  listener_.join();
}

absl::Status HttpGateway::Admitted(const std::string& method,
                                   const std::function<absl::Status()>& call) {
  if (options_.queue == nullptr || ScopeOf(method) == Scope::kWrite) {
    return call();
  }
  absl::Status status;
  absl::Notification done;
  const RequestQueue::Refusal refusal = options_.queue->TrySubmit([&] {
    status = call();
    done.Notify();
  });
  if (refusal != RequestQueue::Refusal::kNone) {
    Metrics::Global().CountRejected(method, "http");
    return absl::ResourceExhaustedError(
        options_.queue->RefusalMessage(refusal));
  }
  done.WaitForNotification();
  return status;
}

HttpGateway::DemoDefaults HttpGateway::DemoDefaultsFor(
    const Snapshot& snapshot) {
  absl::MutexLock lock(&demo_mu_);
  if (demo_.version == snapshot.version()) return demo_;
  DemoDefaults d;
  d.version = snapshot.version();
  // The best seller that has something to show in every section, else the
  // best seller.
  const auto& popular = snapshot.popular().overall();
  for (const v1::PopularItem& p : popular) {
    const int32_t i = snapshot.FindItem(p.item_id());
    if (i < 0) continue;
    if (d.item_id.empty()) d.item_id = p.item_id();
    if (!snapshot.Fbt(i).empty() && !snapshot.Similar(i).empty() &&
        snapshot.item(i).in_stock()) {
      d.item_id = p.item_id();
      break;
    }
  }
  if (d.item_id.empty() && snapshot.num_items() > 0) {
    d.item_id = snapshot.item_id(0);
  }
  // A regular customer (the most orders among the first customers in key
  // order): a bounded scan, done once per version.
  int64_t best_orders = 0, scanned = 0;
  snapshot
      .ScanCustomers("",
                     [&](absl::string_view id, absl::string_view value) {
                       v1::CustomerRecord record;
                       if (record.ParseFromArray(value.data(), value.size()) &&
                           record.orders() > best_orders) {
                         best_orders = record.orders();
                         d.customer_id = std::string(id);
                       }
                       return ++scanned < 2000;
                     })
      .IgnoreError();  // no customer: the page asks for one
  demo_ = d;
  return d;
}

std::string HttpGateway::DemoDefaultsJson(const View& view,
                                          const std::string* item_param) {
  const Snapshot& snapshot = view.snapshot();
  const DemoDefaults d = DemoDefaultsFor(snapshot);
  const std::string& item_id = item_param == nullptr ? d.item_id : *item_param;
  std::string item = "null";
  // The live catalog's record: the product header shows today's price and
  // stock (and new items), as the lists below it do.
  const ItemGraph& items = view.items();
  const int32_t i = items.FindItem(item_id);
  if (i >= 0) {
    const v1::ItemRecord& rec = items.item(i);
    // fbt_orders: the orders "bought together" counts (orders of at most
    // --max-order-items items), what the cards' "of N" refers to.
    item = absl::StrFormat(
        "{\"item_id\":%s,\"title\":%s,\"category\":%s,\"price\":%.2f,"
        "\"in_stock\":%s,\"orders\":%d,\"fbt_orders\":%d,"
        "\"max_order_items\":%d}",
        JsonString(item_id), JsonString(rec.title()),
        JsonString(rec.category()), rec.price(),
        rec.in_stock() ? "true" : "false", rec.orders(),
        items.fbt_anchor_orders(i),
        snapshot.manifest().parameters().max_order_items());
    // Live stock and "recommendable" (UpdateItems) for the header.
    item.pop_back();
    if (rec.has_stock_quantity()) {
      absl::StrAppend(&item, ",\"stock_quantity\":", rec.stock_quantity());
    }
    absl::StrAppend(&item, ",\"recommendable\":",
                    rec.not_recommendable() ? "false" : "true", "}");
  }
  return absl::StrCat(
      "{\"snapshot_version\":", JsonString(d.version),
      ",\"item_id\":", JsonString(d.item_id),
      ",\"customer_id\":", JsonString(d.customer_id),
      // What a request without as_of is answered for (the server's clock,
      // server/engine/clock.h); the page sends none.
      ",\"as_of\":",
      JsonString(FormatTimestamp(engine_->clock().DefaultAsOf(snapshot))),
      ",\"data_end\":", JsonString(snapshot.manifest().data_end()),
      ",\"currency\":", JsonString(options_.currency), ",\"item\":", item,
      "}\n");
}

void HttpGateway::Route() {
  httplib::Server& server = *server_;
  RefuseShedConnections(server);
  RouteProbes();
  RouteExperiments();
  if (options_.demo) RouteDemoPage(server);
  // GET /v1/...: the demo defaults; the RPCs want POST.
  server.Get(R"(/v1/([^/]*))",
             [this](const httplib::Request& req, httplib::Response& res) {
               ServeV1Get(req, res);
             });
  // Every POST, PUT, PATCH and DELETE. A content-reader handler, so that the
  // body is read here, bounded (also when chunked or compressed), and only
  // where one is expected.
  server.Post(R"(/.*)",
              [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
                ServePost(req, res, reader);
              });
  RouteOtherVerbs(server, options_.demo);
  SetErrorHandlers(server);
}

void HttpGateway::RouteProbes() {
  httplib::Server& server = *server_;
  server.Get(
      "/healthz", [this](const httplib::Request&, httplib::Response& res) {
        std::shared_ptr<const Snapshot> snapshot = engine_->holder().Current();
        const bool serving = serving_.load() && snapshot != nullptr;
        res.status = serving ? 200 : 503;
        res.set_header("Cache-Control", "no-store");
        res.set_content(
            absl::StrCat(
                "{\"status\":", serving ? "\"SERVING\"" : "\"NOT_SERVING\"",
                ",\"snapshot_version\":",
                JsonString(snapshot ? snapshot->version() : ""), "}\n"),
            kJson);
      });

  server.Get(
      "/metrics", [this](const httplib::Request&, httplib::Response& res) {
        std::shared_ptr<const Snapshot> snapshot = engine_->holder().Current();
        std::string extra = SnapshotGauges(snapshot.get(), manager_);
        // The event store's size and lag (main.cc).
        if (options_.extra_metrics) extra += options_.extra_metrics();
        res.set_header("Cache-Control", "no-store");
        res.set_content(Metrics::Global().RenderPrometheus(extra),
                        "text/plain; version=0.0.4");
      });
}

void HttpGateway::RouteExperiments() {
  // The experiment report (Admin.GetExperimentReport): JSON, or the HTML
  // page with ?format=html; /experiments is the page.
  auto serve = [this](const httplib::Request& req, httplib::Response& res,
                      bool html) {
    if (req.path != "/experiments") AllowCrossOrigin(res);
    absl::Status allowed = Authorize(options_.authenticator, req);
    if (!allowed.ok()) {
      SetError(allowed, res);
      return;
    }
    if (engine_->event_log() == nullptr) {
      SetError(absl::FailedPreconditionError(
                   "this server keeps no events (start it with "
                   "--events-dir): nothing to report"),
               res);
      return;
    }
    const std::string placement =
        req.has_param("placement") ? req.get_param_value("placement") : "";
    const v1::ExperimentReport report =
        engine_->experiments().Report(placement);
    res.set_header("Cache-Control", "no-store");
    if (html || req.get_param_value("format") == "html") {
      res.set_content(experiments::ExperimentReportHtml(report),
                      "text/html; charset=utf-8");
      return;
    }
    std::string json;
    google::protobuf::util::JsonPrintOptions print;
    print.always_print_primitive_fields = true;
    print.preserve_proto_field_names = true;
    // Cannot fail for a message of known types.
    (void)google::protobuf::util::MessageToJsonString(report, &json, print);
    res.set_content(json + "\n", kJson);
  };
  server_->Get("/v1/experiments/report",
               [serve](const httplib::Request& req, httplib::Response& res) {
                 serve(req, res, false);
               });
  server_->Get("/experiments",
               [serve](const httplib::Request& req, httplib::Response& res) {
                 serve(req, res, true);
               });
}

void HttpGateway::ServeV1Get(const httplib::Request& req,
                             httplib::Response& res) {
  AllowCrossOrigin(res);
  const std::string name = req.matches[1];
  if (JsonMethods().count(name) > 0) {
    MethodNotAllowed("POST, OPTIONS", res);
    return;
  }
  if (!options_.demo || name != kDemoDefaultsPath) {
    SetError(404, absl::StatusCode::kNotFound,
             absl::StrCat("no method ", name, "; methods: ", MethodList()),
             res);
    return;
  }
  absl::Status allowed = Authorize(options_.authenticator, req);
  if (!allowed.ok()) {
    SetError(allowed, res);
    return;
  }
  absl::StatusOr<View> view = engine_->Acquire();
  if (!view.ok()) {
    SetError(view.status(), res);
    return;
  }
  // ?item_id=X describes that item instead (the page's product header).
  const std::string item_param =
      req.has_param("item_id") ? req.get_param_value("item_id") : "";
  res.set_content(
      DemoDefaultsJson(*view, req.has_param("item_id") ? &item_param : nullptr),
      kJson);
}

void HttpGateway::ServePost(const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
  const bool is_v1 = absl::StartsWith(req.path, "/v1/");
  if (is_v1) AllowCrossOrigin(res);
  const std::string name = is_v1 ? req.path.substr(4) : "";
  auto method = JsonMethods().find(name);
  if (method == JsonMethods().end()) {
    // Its body is not read: close the connection after the answer.
    res.set_header("Connection", "close");
    if (IsGetPath(req.path, options_.demo)) {
      MethodNotAllowed("GET", res);
    } else {
      SetError(
          404, absl::StatusCode::kNotFound,
          is_v1 ? absl::StrCat("no method ", name, "; methods: ", MethodList())
                : absl::StrCat("no such path: ", req.path),
          res);
    }
    return;
  }
  const absl::Time started = absl::Now();
  Metrics::Global().AddInFlight(1);
  struct Done {
    ~Done() { Metrics::Global().AddInFlight(-1); }
  } done;
  absl::Status status = Authorize(options_.authenticator, req, ScopeOf(name));
  if (!status.ok()) {
    // The body is not read.
    res.set_header("Connection", "close");
    SetError(status, res);
    Metrics::Global().Record(name, "http", status.code(),
                             absl::ToDoubleSeconds(absl::Now() - started));
    return;
  }
  std::string body, out;
  status = ReadBody(reader, options_.max_body_bytes, res, &body);
  if (status.ok()) {
    status =
        Admitted(name, [&] { return method->second(*engine_, body, &out); });
    if (status.code() == absl::StatusCode::kResourceExhausted) {
      res.set_header("Retry-After", "1");
    }
    if (status.ok()) {
      res.status = 200;
      res.set_content(out, kJson);
    } else {
      SetError(status, res);
    }
  }
  Metrics::Global().Record(name, "http", status.code(),
                           absl::ToDoubleSeconds(absl::Now() - started));
}

}  // namespace boomerang
