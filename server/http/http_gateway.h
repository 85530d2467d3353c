// The HTTP side door of boomerang-server, on a second port next to gRPC:
//
//   GET  /metrics           Prometheus text (request counters and latency
//                           histograms per method and transport, refusals,
//                           the serving snapshot's version, age, swaps and
//                           failed loads, the event store's size and lag)
//   GET  /healthz           200 {"status":"SERVING",...} or 503 NOT_SERVING
//   POST /v1/{Method}       the recommendation RPCs in protobuf's JSON
//                           mapping: FrequentlyBoughtTogether, SimilarItems,
//                           PersonalPicks, CrossSell, Upsell, BuyAgain,
//                           GetCustomerProfile, and RecordEvents (CORS open to
//                           any origin, so a shop's page can call them with
//                           fetch)
//   GET  /, /demo           a self-contained demo product page (optional)
//   GET  /v1/demo-defaults  the demo page's default item and customer
//
// The JSON methods run the same request logic as the gRPC service (the free
// use cases of server/engine/lists.h and server/engine/retention.h) on one
// snapshot handle per request, and are counted in Metrics under transport
// "http". Errors are {"code":"INVALID_ARGUMENT","message":"..."} with the
// HTTP status of the code (INVALID_ARGUMENT and FAILED_PRECONDITION 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
// RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, others
// 500); malformed JSON and unknown fields are 400, an unknown
// method 404, a wrong verb 405 and a body over max_body_bytes 413.
//
// Served by cpp-httplib on a bounded thread pool; its connections have read,
// write and keep-alive timeouts, so a slow client holds a thread for seconds
// at most. Overload: at most `max_waiting_connections` connections wait for
// a thread; beyond that a connection is answered 503 with Retry-After at
// once and closed, instead of waiting behind others' keep-alive. The
// recommendation methods also pass the server's RequestQueue, the same
// admission as gRPC calls (429 RESOURCE_EXHAUSTED when refused). TLS and
// mutual TLS from the same PEM files as gRPC; tokens as for gRPC.
//
// Thread-safety: thread-safe. Stop() may be called from any thread, once
// or more; the destructor calls it.
#ifndef BOOMERANG_SERVER_HTTP_HTTP_GATEWAY_H_
#define BOOMERANG_SERVER_HTTP_HTTP_GATEWAY_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "models/snapshot/snapshot.h"
#include "server/auth.h"
#include "server/engine/engine.h"
#include "server/engine/snapshot_manager.h"
#include "server/request_queue.h"

namespace httplib {
class ContentReader;
struct Request;
struct Response;
class Server;
}  // namespace httplib

namespace boomerang {

struct HttpGatewayOptions {
  // Address to listen on; an IPv6 address needs no brackets.
  std::string host = "127.0.0.1";
  // 0 lets the OS choose (see HttpGateway::port()).
  int port = 0;
  // Worker threads: each serves one connection at a time, so this bounds
  // the concurrent HTTP requests. Connections beyond it wait in a queue.
  int threads = 8;
  // Serve the demo page (/, /demo) and /v1/demo-defaults.
  bool demo = true;
  // The currency sign the demo page shows before prices (e.g. "£"); the
  // JSON methods send plain numbers.
  std::string currency;
  // A connection that sends or accepts nothing for this long is dropped.
  double read_timeout_seconds = 5;
  double write_timeout_seconds = 5;
  // An idle keep-alive connection is closed after this long. It also bounds
  // how long Stop() waits for idle connections.
  int keep_alive_seconds = 2;
  // Larger request bodies (after decompression) get 413.
  size_t max_body_bytes = size_t{1} << 20;
  // When set and enabled, the JSON endpoints (and the demo defaults) need a
  // read token in "Authorization: Bearer ..." (401 without a valid one);
  // /healthz and /metrics stay open, for load balancers and scrapers.
  const Authenticator* authenticator = nullptr;
  // At most this many connections wait for a thread (see above).
  int max_waiting_connections = 64;
  // When set, the recommendation methods run on its workers, admitted like
  // gRPC calls (RecordEvents runs on the HTTP thread, as on gRPC's).
  RequestQueue* queue = nullptr;
  // TLS: with a certificate chain and key (PEM), the port speaks HTTPS
  // only. With a client CA, client certificates are verified when sent, and
  // required with require_client_cert.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  bool require_client_cert = false;
  // More gauges for /metrics, already in Prometheus text format (may be
  // null): the server's main.cc adds the event store's size and lag here.
  std::function<std::string()> extra_metrics;
};

class HttpGateway {
 public:
  // Binds host:port and starts serving on its own threads. Fails with
  // UNAVAILABLE when the port cannot be bound (taken, or not a local
  // address). REQUIRES: `engine` (and `manager` when not null) outlive the
  // gateway. Without a manager /metrics has no swap counters.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(
      const HttpGatewayOptions& options, const Engine* engine,
      const SnapshotManager* manager);
  ~HttpGateway();

  HttpGateway(const HttpGateway&) = delete;
  HttpGateway& operator=(const HttpGateway&) = delete;

  // The bound port.
  int port() const { return port_; }

  // /healthz answers SERVING only while this is true (the default) and a
  // snapshot is loaded. The server turns it off on SIGTERM, before draining,
  // so that load balancers see it leave while calls are still answered.
  void SetServing(bool serving) { serving_.store(serving); }

  // Stops accepting connections, lets running requests finish and returns
  // when the worker threads have exited (idle keep-alive connections are
  // closed within keep_alive_seconds).
  void Stop();

 private:
  HttpGateway(const HttpGatewayOptions& options, const Engine* engine,
              const SnapshotManager* manager);
  // Registers every handler on server_ (the groups below, in order).
  void Route();
  // GET /healthz and /metrics.
  void RouteProbes();
  void RouteExperiments();
  // GET /v1/{name}: the demo defaults; a JSON method's name gets 405.
  void ServeV1Get(const httplib::Request& req, httplib::Response& res);
  // Every POST: the JSON methods (bounded body, authorized, admitted,
  // counted in Metrics), 405 or 404 for other paths.
  void ServePost(const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& reader);
  // Runs `call` through options_.queue (when set, and for read methods):
  // RESOURCE_EXHAUSTED when the queue refuses it.
  absl::Status Admitted(const std::string& method,
                        const std::function<absl::Status()>& call);

  // Constant after construction.
  const HttpGatewayOptions options_;
  const Engine* const engine_;
  const SnapshotManager* const manager_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;

  std::atomic<bool> serving_{true};

  // The demo page's default item and customer, found once per snapshot
  // version (a bounded scan of the customers table).
  struct DemoDefaults {
    std::string version;
    std::string item_id;
    std::string customer_id;
  };
  DemoDefaults DemoDefaultsFor(const Snapshot& snapshot);
  // /v1/demo-defaults' body: the defaults, the server's clock and currency,
  // and `item_param` (the default item when null) described.
  std::string DemoDefaultsJson(const View& view, const std::string* item_param);
  absl::Mutex demo_mu_;
  DemoDefaults demo_ ABSL_GUARDED_BY(demo_mu_);

  absl::Mutex stop_mu_;
  std::thread listener_ ABSL_GUARDED_BY(stop_mu_);
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_HTTP_HTTP_GATEWAY_H_
