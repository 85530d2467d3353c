// A replicated Boomerang on loopback, for the replicas test and benchmark
// (issue 15): N NATS nodes as one JetStream cluster, M boomerang-server
// replicas sharing live events through it, and HAProxy in front (gRPC over
// HTTP/2 and the HTTP side door, health-checked on /healthz). Every piece
// is a real process that can be killed with SIGKILL and started again on
// the same ports and directories.
#ifndef BOOMERANG_TESTS_REPLICA_CLUSTER_H_
#define BOOMERANG_TESTS_REPLICA_CLUSTER_H_

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/process.h"

namespace boomerang::testing {

inline constexpr char kNatsServer[] = "/usr/sbin/nats-server";
inline constexpr char kHaproxy[] = "/usr/sbin/haproxy";

// A port nobody listens on now (bound and released: another process could
// take it before us, which loopback tests accept).
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    socklen_t len = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

inline bool PortOpen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok =
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

inline bool Serving(const std::string& address, int timeout_ms = 1000) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(timeout_ms));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  return stub->Check(&ctx, req, &resp).ok() &&
         resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

// A process started again with the same argv after a kill.
class Proc {
 public:
  Proc() = default;
  Proc(std::vector<std::string> argv, std::string log_base)
      : argv_(std::move(argv)), log_(std::move(log_base)) {}
  ~Proc() { Kill(); }
  Proc(const Proc&) = delete;
  Proc& operator=(const Proc&) = delete;
  void Start() {
    if (pid_ > 0) return;
    ++starts_;
    pid_ = Spawn(argv_, absl::StrCat(log_, ".", starts_, ".out"),
                 absl::StrCat(log_, ".", starts_, ".err"));
  }
  void Kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      WaitExit(pid_);
      pid_ = -1;
    }
  }
  int Stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const int code = WaitExit(pid_);
    pid_ = -1;
    return code;
  }
  // Waits for the process to end by itself; its exit code.
  int Wait() {
    if (pid_ <= 0) return -1;
    const int code = WaitExit(pid_);
    pid_ = -1;
    return code;
  }
  bool running() const { return pid_ > 0; }
  std::string Stderr() const {
    return ReadAll(absl::StrCat(log_, ".", starts_, ".err"));
  }

 private:
  std::vector<std::string> argv_;
  std::string log_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

struct ClusterOptions {
  int nats_nodes = 3;
  int replicas = 3;
  // Passed to every replica after the cluster's own flags.
  std::vector<std::string> server_args;
  bool haproxy = true;
  // The HAProxy configuration to fill in (the shipped one by default).
  std::string haproxy_template = "deploy/haproxy/boomerang.cfg.template";
};

class ReplicaCluster {
 public:
  ReplicaCluster(std::string bin_dir, std::string snapshots, std::string dir,
                 ClusterOptions options = {})
      : bin_(std::move(bin_dir)),
        snapshots_(std::move(snapshots)),
        dir_(std::move(dir)),
        o_(std::move(options)) {}

  // Starts everything and waits until each piece answers; false with the
  // reason in *why.
  bool Start(std::string* why) {
    std::vector<std::string> routes;
    for (int i = 0; i < o_.nats_nodes; ++i) {
      nats_ports_.push_back(FreePort());
      route_ports_.push_back(FreePort());
      routes.push_back(
          absl::StrCat("nats-route://127.0.0.1:", route_ports_[i]));
    }
    for (int i = 0; i < o_.nats_nodes; ++i) {
      const std::string conf = absl::StrCat(dir_, "/nats", i, ".conf");
      std::ofstream(conf) << "server_name: n" << i << "\n"
                          << "listen: 127.0.0.1:" << nats_ports_[i] << "\n"
                          << "jetstream { store_dir: \"" << dir_ << "/js" << i
                          << "\" }\n"
                          << "cluster { name: boomerang, listen: 127.0.0.1:"
                          << route_ports_[i] << ", routes: ["
                          << absl::StrJoin(routes, ", ") << "] }\n";
      nats_.push_back(std::make_unique<Proc>(
          std::vector<std::string>{kNatsServer, "-c", conf},
          absl::StrCat(dir_, "/nats", i)));
      nats_.back()->Start();
    }
    for (int i = 0; i < o_.nats_nodes; ++i) {
      if (!WaitFor([&] { return PortOpen(nats_ports_[i]); }, 20)) {
        *why = absl::StrCat("NATS node ", i,
                            " did not listen: ", nats_[i]->Stderr());
        return false;
      }
    }
    for (int i = 0; i < o_.replicas; ++i) {
      grpc_ports_.push_back(FreePort());
      http_ports_.push_back(FreePort());
      std::vector<std::string> argv = {bin_ + "/boomerang-server",
                                       "--snapshots",
                                       snapshots_,
                                       "--host",
                                       "127.0.0.1",
                                       "--port",
                                       std::to_string(grpc_ports_[i]),
                                       "--http-port",
                                       std::to_string(http_ports_[i]),
                                       "--events-dir",
                                       absl::StrCat(dir_, "/events", i),
                                       "--event-log",
                                       NatsUrls(),
                                       "--replica-id",
                                       absl::StrCat("r", i)};
      for (const std::string& a : o_.server_args) argv.push_back(a);
      replicas_.push_back(
          std::make_unique<Proc>(argv, absl::StrCat(dir_, "/replica", i)));
      replicas_.back()->Start();
    }
    for (int i = 0; i < o_.replicas; ++i) {
      if (!WaitReplica(i)) {
        *why = absl::StrCat("replica ", i,
                            " did not serve: ", replicas_[i]->Stderr());
        return false;
      }
    }
    if (o_.haproxy) {
      lb_grpc_port_ = FreePort();
      lb_http_port_ = FreePort();
      const std::string cfg = dir_ + "/haproxy.cfg";
      std::ofstream(cfg) << HaproxyConfig();
      haproxy_ = std::make_unique<Proc>(
          std::vector<std::string>{kHaproxy, "-db", "-f", cfg},
          dir_ + "/haproxy");
      if (ReadAll(o_.haproxy_template).empty()) {
        *why = "no HAProxy template at " + o_.haproxy_template;
        return false;
      }
      haproxy_->Start();
      if (!WaitFor([&] { return Serving(lb_address()); }, 30)) {
        *why = absl::StrCat("HAProxy did not serve: ", haproxy_->Stderr());
        return false;
      }
    }
    return true;
  }

  // deploy/haproxy/boomerang.cfg.template (the file we ship) on this
  // cluster's ports.
  std::string HaproxyConfig() const {
    std::string text = ReadAll(o_.haproxy_template);
    std::string grpc_servers, http_servers;
    for (int i = 0; i < o_.replicas; ++i) {
      absl::StrAppend(&grpc_servers, "  server r", i,
                      " 127.0.0.1:", grpc_ports_[i], " proto h2 check port ",
                      http_ports_[i], " check-proto h1\n");
      absl::StrAppend(&http_servers, "  server r", i,
                      " 127.0.0.1:", http_ports_[i], " check\n");
    }
    // Only the lines that are not comments carry placeholders.
    std::string out;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      std::string l(line);
      if (!absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "#")) {
        l = absl::StrReplaceAll(
            l, {{"{{GRPC_BIND}}", absl::StrCat("127.0.0.1:", lb_grpc_port_)},
                {"{{HTTP_BIND}}", absl::StrCat("127.0.0.1:", lb_http_port_)},
                {"{{GRPC_SERVERS}}", grpc_servers},
                {"{{HTTP_SERVERS}}", http_servers}});
      }
      absl::StrAppend(&out, l, "\n");
    }
    return out;
  }

  bool WaitReplica(int i, int seconds = 60) {
    return WaitFor([&] { return Serving(replica_address(i)); }, seconds);
  }

  std::string NatsUrls() const {
    std::vector<std::string> urls;
    for (int p : nats_ports_)
      urls.push_back(absl::StrCat("nats://127.0.0.1:", p));
    return absl::StrJoin(urls, ",");
  }
  std::string replica_address(int i) const {
    return absl::StrCat("127.0.0.1:", grpc_ports_[i]);
  }
  int replica_http_port(int i) const { return http_ports_[i]; }
  std::string lb_address() const {
    return absl::StrCat("127.0.0.1:", lb_grpc_port_);
  }
  int lb_http_port() const { return lb_http_port_; }
  Proc& nats(int i) { return *nats_[i]; }
  Proc& replica(int i) { return *replicas_[i]; }
  int replicas() const { return o_.replicas; }
  int nats_nodes() const { return o_.nats_nodes; }

  std::unique_ptr<v1::Recommender::Stub> Stub(
      const std::string& address) const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // own connection
    return v1::Recommender::NewStub(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args));
  }

  static bool WaitFor(const std::function<bool()>& ok, int seconds) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  std::string bin_, snapshots_, dir_;
  ClusterOptions o_;
  std::vector<int> nats_ports_, route_ports_, grpc_ports_, http_ports_;
  int lb_grpc_port_ = 0, lb_http_port_ = 0;
  std::vector<std::unique_ptr<Proc>> nats_;
  std::vector<std::unique_ptr<Proc>> replicas_;
  std::unique_ptr<Proc> haproxy_;
};

// One PURCHASE by a customer no snapshot knows, dated now: visible in
// GetCustomerProfile on a replica once that replica has it.
inline v1::Event MarkerPurchase(const std::string& customer,
                                const std::string& item) {
  v1::Event e;
  e.set_type(v1::Event::PURCHASE);
  e.set_customer_id(customer);
  e.set_item_id(item);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  e.mutable_timestamp()->set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(now).count());
  e.set_quantity(1);
  e.set_price(1.0);
  e.set_idempotency_key("purchase:" + customer);
  return e;
}

inline grpc::Status Record(v1::Recommender::Stub* stub,
                           const std::vector<v1::Event>& events,
                           v1::RecordEventsResponse* resp, int timeout_ms) {
  v1::RecordEventsRequest req;
  for (const v1::Event& e : events) *req.add_events() = e;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(timeout_ms));
  return stub->RecordEvents(&ctx, req, resp);
}

// The orders the replica behind `stub` knows of `customer` (-1: it does
// not know the customer, or did not answer).
inline int64_t Orders(v1::Recommender::Stub* stub,
                      const std::string& customer) {
  v1::CustomerProfileRequest req;
  req.set_customer_id(customer);
  v1::CustomerProfile resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return stub->GetCustomerProfile(&ctx, req, &resp).ok() ? resp.orders() : -1;
}

// True when the replica behind `stub` has a live purchase of `customer`.
inline bool HasCustomer(v1::Recommender::Stub* stub,
                        const std::string& customer) {
  return Orders(stub, customer) > 0;
}

// Propagation: a marker purchase recorded through replica w (direct, not
// through HAProxy), then the time until replica (w+1) % n answers it, polled
// every `poll_us`. Milliseconds from the write's acknowledgement, and from
// the start of the write call.
struct PropagationSample {
  double from_ack_ms = 0;
  double from_send_ms = 0;
  bool seen = false;
};
inline std::vector<PropagationSample> MeasurePropagation(
    ReplicaCluster& cluster, int samples, const std::string& tag,
    const std::string& item, int timeout_ms = 5000, int poll_us = 500) {
  std::vector<std::unique_ptr<v1::Recommender::Stub>> stubs;
  for (int i = 0; i < cluster.replicas(); ++i) {
    stubs.push_back(cluster.Stub(cluster.replica_address(i)));
  }
  std::vector<PropagationSample> out;
  for (int k = 0; k < samples; ++k) {
    const int w = k % cluster.replicas();
    const int r = (w + 1) % cluster.replicas();
    const std::string customer = absl::StrCat(tag, "-", k);
    PropagationSample s;
    const auto t0 = std::chrono::steady_clock::now();
    v1::RecordEventsResponse resp;
    if (!Record(stubs[w].get(), {MarkerPurchase(customer, item)}, &resp, 5000)
             .ok()) {
      out.push_back(s);
      continue;
    }
    const auto acked = std::chrono::steady_clock::now();
    const auto deadline = acked + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (HasCustomer(stubs[r].get(), customer)) {
        const auto t = std::chrono::steady_clock::now();
        s.seen = true;
        s.from_ack_ms =
            std::chrono::duration<double, std::milli>(t - acked).count();
        s.from_send_ms =
            std::chrono::duration<double, std::milli>(t - t0).count();
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(poll_us));
    }
    out.push_back(s);
  }
  return out;
}

inline double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5));
  return v[i];
}

// Writes through HAProxy at a steady pace from one thread: one marker
// purchase per call, each call retried (same idempotency key) on
// UNAVAILABLE or DEADLINE_EXCEEDED as the README tells clients to.
struct WriterResult {
  int64_t calls = 0;               // logical writes attempted
  int64_t attempts = 0;            // RPCs sent, retries included
  int64_t failed_attempts = 0;     // RPCs that did not succeed
  int64_t failed_calls = 0;        // writes that failed after all retries
  std::vector<std::string> acked;  // customers whose write was acknowledged
};
class Writer {
 public:
  Writer(const ReplicaCluster& cluster, std::string tag, std::string item,
         int calls_per_second)
      : stub_(cluster.Stub(cluster.lb_address())),
        tag_(std::move(tag)),
        item_(std::move(item)),
        period_(std::chrono::microseconds(1000000 / calls_per_second)) {
    thread_ = std::thread([this] { Loop(); });
  }
  WriterResult Finish() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return result_;
  }
  ~Writer() { Finish(); }

 private:
  void Loop() {
    auto next = std::chrono::steady_clock::now();
    for (int64_t k = 0; !stop_.load(); ++k) {
      std::this_thread::sleep_until(next);
      next += period_;
      const std::string customer = absl::StrCat(tag_, "-", k);
      const v1::Event e = MarkerPurchase(customer, item_);
      ++result_.calls;
      bool ok = false;
      for (int attempt = 0; attempt < 10 && !ok; ++attempt) {
        if (attempt > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
        }
        ++result_.attempts;
        v1::RecordEventsResponse resp;
        grpc::Status st = Record(stub_.get(), {e}, &resp, 20000);
        ok = st.ok();
        if (!ok) {
          ++result_.failed_attempts;
          if (st.error_code() != grpc::StatusCode::UNAVAILABLE &&
              st.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
            break;
          }
        }
      }
      if (ok) {
        result_.acked.push_back(customer);
      } else {
        ++result_.failed_calls;
      }
    }
  }
  std::unique_ptr<v1::Recommender::Stub> stub_;
  std::string tag_, item_;
  std::chrono::microseconds period_;
  std::atomic<bool> stop_{false};
  WriterResult result_;
  std::thread thread_;
};

// Customers of `wanted` that replica i does not answer within `seconds`.
inline std::vector<std::string> MissingOn(
    ReplicaCluster& cluster, int i, const std::vector<std::string>& wanted,
    int seconds) {
  auto stub = cluster.Stub(cluster.replica_address(i));
  std::vector<std::string> missing = wanted;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!missing.empty() && std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> still;
    for (const std::string& c : missing) {
      if (!HasCustomer(stub.get(), c)) still.push_back(c);
    }
    missing.swap(still);
    if (!missing.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return missing;
}

}  // namespace boomerang::testing

#endif  // BOOMERANG_TESTS_REPLICA_CLUSTER_H_
