// boomerang-replicas-bench: the replicated setup of issue 15 measured on one
// machine. Starts 3 NATS nodes as a JetStream cluster, 3 boomerang-server
// replicas sharing live events through it and HAProxy in front (the
// harness of tests/replicas_e2e_test.cc), then:
//   1. propagation, idle: a marker purchase recorded through replica w,
//      polled on replica w+1 every 0.5 ms until it answers (p50/p99 from
//      the write's acknowledgement and from the start of the call);
//   2. propagation under read load: the same while boomerang-loadgen sends
//      --qps FrequentlyBoughtTogether calls through HAProxy;
//   3. failover: reads at --qps and writes at --writes-per-second through
//      HAProxy; kill -9 of one NATS node and one replica; the replica is
//      started again; failed calls, lost acknowledged events, catch-up time;
//   4. every NATS node down: how soon RecordEvents says UNAVAILABLE,
//      whether reads are served, and how soon writes succeed again after
//      the nodes are restarted (nothing acknowledged lost).
//
//   boomerang-replicas-bench --bin build/bin [--qps 2000] [--samples 300]
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "tests/process.h"
#include "tests/replica_cluster.h"

namespace bt = boomerang::testing;
namespace v1 = boomerang::v1;

namespace {

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Summary {
  int n = 0, seen = 0;
  double ack_p50 = 0, ack_p99 = 0, send_p50 = 0, send_p99 = 0, max = 0;
};
Summary Summarize(const std::vector<bt::PropagationSample>& samples) {
  Summary s;
  std::vector<double> ack, send;
  for (const auto& p : samples) {
    ++s.n;
    if (!p.seen) continue;
    ++s.seen;
    ack.push_back(p.from_ack_ms);
    send.push_back(p.from_send_ms);
    s.max = std::max(s.max, p.from_send_ms);
  }
  s.ack_p50 = bt::Percentile(ack, 0.5);
  s.ack_p99 = bt::Percentile(ack, 0.99);
  s.send_p50 = bt::Percentile(send, 0.5);
  s.send_p99 = bt::Percentile(send, 0.99);
  return s;
}
void Print(const char* what, const Summary& s) {
  std::printf(
      "%-28s %d/%d seen; from ack p50 %.2f ms p99 %.2f ms; from send p50 "
      "%.2f ms p99 %.2f ms; max %.2f ms\n",
      what, s.seen, s.n, s.ack_p50, s.ack_p99, s.send_p50, s.send_p99, s.max);
}
nlohmann::json ToJson(const Summary& s) {
  return {{"samples", s.n},
          {"seen", s.seen},
          {"ack_p50_ms", s.ack_p50},
          {"ack_p99_ms", s.ack_p99},
          {"send_p50_ms", s.send_p50},
          {"send_p99_ms", s.send_p99},
          {"max_ms", s.max}};
}

std::unique_ptr<bt::Proc> Loadgen(const std::string& bin,
                                  const bt::ReplicaCluster& c,
                                  const std::string& items, int qps,
                                  int seconds, const std::string& log) {
  auto p = std::make_unique<bt::Proc>(
      std::vector<std::string>{
          bin + "/boomerang-loadgen", "--server", c.lb_address(), "--rpc",
          "fbt", "--items", items, "--qps", std::to_string(qps), "--duration",
          std::to_string(seconds), "--warmup", "1", "--deadline-ms", "5000",
          "--concurrency", "256", "--json"},
      log);
  p->Start();
  return p;
}

nlohmann::json LoadgenReport(bt::Proc& p, const std::string& log) {
  p.Wait();
  return nlohmann::json::parse(bt::ReadAll(log + ".1.out"), nullptr, false);
}

// What the phases share.
struct Bench {
  std::string bin, snapshots, work, items;
  int qps = 2000, samples = 300, writes_per_second = 100, fail_seconds = 20;
  bt::ReplicaCluster* cluster = nullptr;
  nlohmann::json out;
};

// 1 and 2: propagation idle and under read load.
void MeasurePropagationPhases(Bench& b) {
  const std::string& bin = b.bin;
  const std::string& work = b.work;
  const std::string& items = b.items;
  bt::ReplicaCluster& cluster = *b.cluster;
  nlohmann::json& out = b.out;
  const int qps = b.qps, samples = b.samples;
  // 1. Idle.
  Summary idle =
      Summarize(bt::MeasurePropagation(cluster, samples, "idle", "SKU-0001"));
  Print("propagation, idle:", idle);
  out["propagation_idle"] = ToJson(idle);

  // 2. Under read load.
  {
    const int seconds = 15;
    auto lg = Loadgen(bin, cluster, items, qps, seconds, work + "/lg_prop");
    std::this_thread::sleep_for(std::chrono::seconds(2));
    Summary busy = Summarize(bt::MeasurePropagation(
        cluster, std::min(samples, 200), "busy", "SKU-0002"));
    nlohmann::json r = LoadgenReport(*lg, work + "/lg_prop");
    Print(absl::StrFormat("propagation, %d QPS reads:", qps).c_str(), busy);
    out["propagation_under_load"] = ToJson(busy);
    if (!r.is_discarded()) {
      std::printf("  reads meanwhile: %lld sent, %lld ok, p99 %.0f us\n",
                  r["sent"].get<long long>(), r["ok"].get<long long>(),
                  r["latency_us"]["p99"].get<double>());
      out["propagation_under_load"]["reads"] = r;
    }
  }
}

// 3: kill -9 of a NATS node and a replica under load.
void Failover(Bench& b) {
  const std::string& bin = b.bin;
  const std::string& work = b.work;
  const std::string& items = b.items;
  bt::ReplicaCluster& cluster = *b.cluster;
  nlohmann::json& out = b.out;
  const int qps = b.qps, fail_seconds = b.fail_seconds;
  const int writes_per_second = b.writes_per_second;
  // 3. Failover.
  {
    auto lg =
        Loadgen(bin, cluster, items, qps, fail_seconds, work + "/lg_fail");
    bt::Writer writer(cluster, "fail", "SKU-0003", writes_per_second);
    std::this_thread::sleep_for(std::chrono::seconds(5));
    cluster.nats(1).Kill();
    cluster.replica(1).Kill();
    std::printf(
        "failover: killed NATS node 1 and replica 1 (kill -9) at 5 s\n");
    std::this_thread::sleep_for(std::chrono::seconds(5));
    cluster.replica(1).Start();
    const auto restarted = std::chrono::steady_clock::now();
    const bool up = cluster.WaitReplica(1);
    const double up_ms = Ms(std::chrono::steady_clock::now() - restarted);
    nlohmann::json r = LoadgenReport(*lg, work + "/lg_fail");
    bt::WriterResult w = writer.Finish();
    const auto check0 = std::chrono::steady_clock::now();
    const size_t lost0 = bt::MissingOn(cluster, 0, w.acked, 30).size();
    const size_t lost2 = bt::MissingOn(cluster, 2, w.acked, 30).size();
    const size_t lost1 = bt::MissingOn(cluster, 1, w.acked, 60).size();
    const double verify_ms = Ms(std::chrono::steady_clock::now() - check0);
    const long long sent = r.is_discarded() ? 0 : r["sent"].get<long long>();
    const long long ok = r.is_discarded() ? 0 : r["ok"].get<long long>();
    std::printf(
        "failover: reads %lld sent, %lld failed (%.4f%%), p99 %.0f us\n"
        "          writes %lld calls, %lld RPCs, %lld RPCs failed (%.4f%%), "
        "%lld calls failed after retries, %zu acknowledged\n"
        "          acknowledged but missing: replica 0: %zu, replica 2: %zu, "
        "restarted replica 1: %zu (serving %.0f ms after restart: %s; all "
        "checked in %.0f ms)\n",
        sent, sent - ok, sent > 0 ? 100.0 * (sent - ok) / sent : 0.0,
        r.is_discarded() ? 0.0 : r["latency_us"]["p99"].get<double>(),
        static_cast<long long>(w.calls), static_cast<long long>(w.attempts),
        static_cast<long long>(w.failed_attempts),
        w.attempts > 0 ? 100.0 * w.failed_attempts / w.attempts : 0.0,
        static_cast<long long>(w.failed_calls), w.acked.size(), lost0, lost2,
        lost1, up_ms, up ? "yes" : "NO", verify_ms);
    out["failover"] = {{"reads", r},
                       {"write_calls", w.calls},
                       {"write_rpcs", w.attempts},
                       {"write_rpcs_failed", w.failed_attempts},
                       {"write_calls_failed", w.failed_calls},
                       {"acknowledged", w.acked.size()},
                       {"missing_replica0", lost0},
                       {"missing_replica2", lost2},
                       {"missing_restarted_replica1", lost1},
                       {"restart_to_serving_ms", up_ms}};
    cluster.nats(1).Start();
  }
}

// 4: every NATS node down.
void AllNatsDown(Bench& b) {
  bt::ReplicaCluster& cluster = *b.cluster;
  nlohmann::json& out = b.out;
  // 4. Every NATS node down.
  {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    auto r0 = cluster.Stub(cluster.replica_address(0));
    auto r2 = cluster.Stub(cluster.replica_address(2));
    for (int i = 0; i < 3; ++i) cluster.nats(i).Kill();
    const v1::Event e = bt::MarkerPurchase("outage", "SKU-0004");
    v1::RecordEventsResponse resp;
    auto t0 = std::chrono::steady_clock::now();
    grpc::Status st = bt::Record(r0.get(), {e}, &resp, 30000);
    const double refuse_ms = Ms(std::chrono::steady_clock::now() - t0);
    int reads_ok = 0;
    for (int k = 0; k < 200; ++k) {
      v1::FrequentlyBoughtTogetherRequest req;
      req.add_item_ids(absl::StrFormat("SKU-%04d", 1 + k % 300));
      v1::FrequentlyBoughtTogetherResponse lists;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
      if (r2->FrequentlyBoughtTogether(&ctx, req, &lists).ok()) ++reads_ok;
    }
    for (int i = 0; i < 3; ++i) cluster.nats(i).Start();
    t0 = std::chrono::steady_clock::now();
    bool stored = false;
    int attempts = 0;
    while (!stored && attempts < 120) {
      ++attempts;
      stored = bt::Record(r0.get(), {e}, &resp, 10000).ok();
      if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    const double back_ms = Ms(std::chrono::steady_clock::now() - t0);
    size_t missing = 0;
    for (int i = 0; i < 3; ++i) {
      missing +=
          bt::MissingOn(cluster, i, {"outage", "idle-0", "fail-0"}, 30).size();
    }
    std::printf(
        "all NATS down: RecordEvents -> %s after %.0f ms (\"%s\"); reads "
        "served %d/200; after restarting the nodes the same write "
        "succeeded after %.0f ms (%d attempts); missing after: %zu\n",
        st.ok() ? "OK (!)"
        : st.error_code() == grpc::StatusCode::UNAVAILABLE
            ? "UNAVAILABLE"
            : std::to_string(st.error_code()).c_str(),
        refuse_ms, st.error_message().substr(0, 80).c_str(), reads_ok, back_ms,
        attempts, missing);
    out["all_nats_down"] = {{"status", st.error_code()},
                            {"refused_after_ms", refuse_ms},
                            {"reads_ok_of_200", reads_ok},
                            {"write_ok_again_after_ms", back_ms},
                            {"missing_after", missing}};
  }
}

// 5: ingest through a replica against one server alone.
void Ingest(Bench& b) {
  const std::string& bin = b.bin;
  const std::string& work = b.work;
  const std::string& items = b.items;
  bt::ReplicaCluster& cluster = *b.cluster;
  nlohmann::json& out = b.out;
  const std::string& snapshots = b.snapshots;
  // 5. Ingest: RecordEvents through one replica (published to the
  // 3-copy stream, then its own store) against one server alone (its own
  // store only), same machine, same run. 20 view events per call, each with
  // its own key; 64 callers, closed loop.
  {
    auto ingest = [&](const std::string& address, const std::string& label) {
      const std::string log = work + "/ingest_" + label;
      bt::Proc lg({bin + "/boomerang-loadgen",
                   "--server",
                   address,
                   "--rpc",
                   "events",
                   "--items",
                   items,
                   "--items-per-request",
                   "20",
                   "--concurrency",
                   "64",
                   "--qps",
                   "0",
                   "--duration",
                   "5",
                   "--warmup",
                   "1",
                   "--deadline-ms",
                   "10000",
                   "--pool",
                   "60000",
                   "--seed",
                   std::to_string(getpid()),
                   "--json"},
                  log);
      lg.Start();
      nlohmann::json r = LoadgenReport(lg, log);
      if (r.is_discarded()) return r;
      std::printf(
          "ingest, %-22s %.0f calls/s (%.0f events/s), p50 %.1f ms, p99 %.1f "
          "ms, errors %s\n",
          (label + ":").c_str(), r["qps"].get<double>(),
          20 * r["qps"].get<double>(),
          r["latency_us"]["p50"].get<double>() / 1000,
          r["latency_us"]["p99"].get<double>() / 1000,
          r["errors"].dump().c_str());
      return r;
    };
    out["ingest_replica"] = ingest(cluster.replica_address(0), "replica");
    const int port = bt::FreePort();
    bt::Proc single({bin + "/boomerang-server", "--snapshots", snapshots,
                     "--host", "127.0.0.1", "--port", std::to_string(port),
                     "--events-dir", work + "/single-events"},
                    work + "/single");
    single.Start();
    const std::string address = absl::StrFormat("127.0.0.1:%d", port);
    if (bt::ReplicaCluster::WaitFor([&] { return bt::Serving(address); }, 60)) {
      out["ingest_single"] = ingest(address, "single_server");
    }
    single.Stop();
  }
}

}  // namespace

int main(int argc, char** argv) {
  Bench b;
  b.bin = "build/bin";
  std::string& bin = b.bin;
  std::string& snapshots = b.snapshots;
  std::string& work = b.work;
  int& qps = b.qps;
  int& samples = b.samples;
  int& writes_per_second = b.writes_per_second;
  int& fail_seconds = b.fail_seconds;
  CLI::App app{"Replicas on loopback: propagation delay and failover."};
  app.add_option("--bin", bin, "directory of the built programs")
      ->capture_default_str();
  app.add_option("--snapshots", snapshots,
                 "snapshot root to serve (default: the demo shop, built)");
  app.add_option("--qps", qps, "read load through HAProxy")
      ->capture_default_str();
  app.add_option("--samples", samples, "propagation samples per phase")
      ->capture_default_str();
  app.add_option("--writes-per-second", writes_per_second,
                 "RecordEvents calls per second during the failover")
      ->capture_default_str();
  app.add_option("--failover-seconds", fail_seconds,
                 "length of the failover run")
      ->capture_default_str()
      ->check(CLI::Range(12, 600));
  app.add_option("--work", work, "scratch directory (default: a temp dir)");
  bt::ClusterOptions copts;
  app.add_option("--haproxy-template", copts.haproxy_template,
                 "the HAProxy configuration to fill in")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (access(bt::kNatsServer, X_OK) != 0 || access(bt::kHaproxy, X_OK) != 0) {
    std::cerr
        << "needs nats-server and haproxy: tools/install_deps.sh --test\n";
    return 2;
  }
  char tmpl[] = "/tmp/boomerang-replicas-XXXXXX";
  if (work.empty()) work = mkdtemp(tmpl);
  if (snapshots.empty()) {
    bt::CommandResult r = bt::BuildDemoSnapshot(bin, work);
    if (r.exit_code != 0) {
      std::cerr << "building the demo snapshot failed: " << r.err;
      return 1;
    }
    snapshots = work + "/snaps";
  }
  std::string ids;
  for (int i = 1; i <= 300; ++i) ids += absl::StrFormat("SKU-%04d\n", i);
  b.items = work + "/items.txt";
  std::ofstream(b.items) << ids;

  bt::ReplicaCluster cluster(bin, snapshots, work, copts);
  std::string why;
  if (!cluster.Start(&why)) {
    std::cerr << "cluster: " << why << "\n";
    return 1;
  }
  std::printf("cluster: 3 NATS nodes (%s), 3 replicas, HAProxy on %s\n",
              cluster.NatsUrls().c_str(), cluster.lb_address().c_str());

  b.cluster = &cluster;
  MeasurePropagationPhases(b);
  Failover(b);
  AllNatsDown(b);
  Ingest(b);
  std::printf("%s\n", b.out.dump().c_str());
  return 0;
}
