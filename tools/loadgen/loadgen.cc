// boomerang-loadgen: a gRPC load generator for the list RPCs of
// boomerang.v1.Recommender.
//
//   # open loop at a fixed rate:
//   boomerang-loadgen --server 127.0.0.1:50051 --items items.txt --qps 1000
//       --duration 10 --warmup 2
//   # closed loop, as fast as possible:
//   boomerang-loadgen --server 127.0.0.1:50051 --items items.txt --qps 0
//       --concurrency 64 --duration 10
//   # another RPC:
//   boomerang-loadgen --server 127.0.0.1:50051 --rpc picks
//       --customers customers.txt --qps 500
//
// --rpc picks the RPC (default fbt):
//   fbt        FrequentlyBoughtTogether{item_ids: --items-per-request items}
//   similar    SimilarItems{item_id}
//   picks      PersonalPicks{customer_id} (mode MIXED, as_of now); needs
//              --customers, not --items
//   crosssell  CrossSell{item_ids: --items-per-request items, customer_id
//              when --customers is given}
//   upsell     Upsell{item_id, customer_id when --customers is given}
// all with limit --limit and no filter.
//
// It uses the asynchronous client API (PrepareUnaryCall + StartCall +
// Finish with a tag on a CompletionQueue) so that one thread keeps many calls
// in flight; --threads CompletionQueue-polling threads each own one queue.
// The calls go through grpc::GenericStub with requests serialized once, up
// front, into a pool of grpc::ByteBuffers, and answers are not parsed: one
// code path serves every RPC (no template per request/response type), and
// the client spends no CPU on protobuf in the loop, which matters when it
// shares a small machine with the server. A ByteBuffer copy only takes
// references on its slices, so every call can share the pool's buffers.
// Before the run, one sample request (the pool's first) is sent and its
// answer parsed: a warning is printed on stderr unless it is OK with a
// non-empty item list (e.g. the ids are not in the snapshot, or the server
// does not implement the RPC), since a load test of empty answers or errors
// measures little.
//
// Concurrency model:
//   --concurrency N  the most calls in flight at once.
//   --channels C     TCP connections (default: min(N, 4)); calls are spread
//                    round-robin over them. Each channel gets its own
//                    subchannel pool, so C channels really are C connections
//                    (gRPC would otherwise share one connection between
//                    channels with equal arguments). A few connections let
//                    the server spread work over its polling threads; many
//                    more only add per-connection overhead on a small machine
//                    (measured on 2 cores at concurrency 64: 1 connection
//                    gave 20-30% less QPS than 2 or 4; 8 gave no more).
//
// Open loop (--qps > 0): request i is due at start + i/qps whatever happened
// to earlier requests. Its latency is measured from that *intended* send
// time, so time spent waiting for a free slot (all N in flight) or behind a
// late sender thread counts against the server, as a real client population
// would see it (no coordinated omission). Requests still due but unsent
// when the run ends are reported as "unsent".
// Closed loop (--qps 0): N calls in flight; each completion starts the next.
// Latency is measured from the actual send.
//
// The first --warmup seconds are sent but not recorded; then --duration
// seconds are measured; then no new calls start and the run waits for the
// calls in flight (each has --deadline-ms) before printing. Every loop is
// bounded by the clock; the program always ends.
//
// Item ids come from --items, customer ids from --customers (one per line).
// A deterministic pool of requests is generated from --seed; calls take the
// pool's requests in order, so the same flags send the same sequence of
// requests (for fbt, the same sequence as before --rpc existed).
//
// Exit status: 0 when the run completed (look at the error counts and the
// sample warning), 1 on bad flags, an unreadable items or customers file, or
// a server that cannot be reached.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/prctl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "boomerang/v1/recommender.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
using boomerang::v1::CrossSellRequest;
using boomerang::v1::FrequentlyBoughtTogetherRequest;
using boomerang::v1::FrequentlyBoughtTogetherResponse;
using boomerang::v1::PersonalPicksRequest;
using boomerang::v1::RecommendationsResponse;
using boomerang::v1::RecordEventsRequest;
using boomerang::v1::RecordEventsResponse;
using boomerang::v1::SimilarItemsRequest;
using boomerang::v1::UpsellRequest;

// The RPCs --rpc can drive.
enum class Rpc {
  kFbt,
  kSimilar,
  kPicks,
  kCrossSell,
  kUpsell,
  kEvents,
  kExposures
};

struct RpcInfo {
  Rpc rpc;
  const char* flag;    // --rpc value
  const char* method;  // gRPC method path
  bool multi_item;     // takes --items-per-request item ids
};

constexpr RpcInfo kRpcs[] = {
    {Rpc::kFbt, "fbt", "/boomerang.v1.Recommender/FrequentlyBoughtTogether",
     true},
    {Rpc::kSimilar, "similar", "/boomerang.v1.Recommender/SimilarItems", false},
    {Rpc::kPicks, "picks", "/boomerang.v1.Recommender/PersonalPicks", false},
    {Rpc::kCrossSell, "crosssell", "/boomerang.v1.Recommender/CrossSell", true},
    {Rpc::kUpsell, "upsell", "/boomerang.v1.Recommender/Upsell", false},
    // --items-per-request events per call, each with its own idempotency
    // key: size --pool to at least the calls sent, or later calls repeat
    // keys and store nothing.
    {Rpc::kEvents, "events", "/boomerang.v1.Recommender/RecordEvents", true},
    // Impressions and clicks (issue 14): per call, lists of 6 items each
    // shown (IMPRESSION) and one in five clicked (CLICK), --items-per-request
    // events in all; unique recommendation ids, so unique keys.
    {Rpc::kExposures, "exposures", "/boomerang.v1.Recommender/RecordEvents",
     true},
};

const RpcInfo& Info(Rpc rpc) {
  for (const RpcInfo& i : kRpcs)
    if (i.rpc == rpc) return i;
  return kRpcs[0];
}

constexpr int kNumStatusCodes = 17;  // grpc::StatusCode 0..16

// Canonical code names ("INVALID_ARGUMENT"); gRPC and absl share the codes.
std::string StatusName(int c) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(c));
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

// A log-linear histogram of non-negative nanosecond values in the manner of
// HdrHistogram: values below 128 are exact; above, each power of two is cut
// into 64 equal sub-buckets, so a reported value is within 1/64 (1.6%) of
// the true one, with a fixed size (~37 KB) whatever the run length or rate.
// Chosen over storing every sample because a 30 s run at 50k QPS is 1.5M
// samples, and because one histogram per polling thread merges exactly and
// without locks. The exact minimum, maximum and sum are kept beside it.
//
// Thread-compatible: one writer; merge after the writers have stopped.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 6;
  static constexpr int64_t kSub = int64_t{1} << kSubBits;  // 64
  static constexpr int kBuckets = 2 * kSub + (64 - kSubBits - 1) * kSub;

  LatencyHistogram() : counts_(kBuckets, 0) {}

  void Record(int64_t v) {
    if (v < 0) v = 0;
    ++counts_[Index(v)];
    ++count_;
    sum_ += static_cast<double>(v);
    max_ = std::max(max_, v);
    min_ = std::min(min_, v);
  }

  void Merge(const LatencyHistogram& o) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
    min_ = std::min(min_, o.min_);
  }

  int64_t count() const { return count_; }
  int64_t max() const { return count_ ? max_ : 0; }
  int64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? sum_ / count_ : 0; }

  // The smallest recorded bucket's upper bound such that at least q of the
  // values are at or below it (q in [0, 1]); never above the exact max.
  int64_t Quantile(double q) const {
    if (count_ == 0) return 0;
    int64_t rank = static_cast<int64_t>(std::ceil(q * count_));
    rank = std::clamp<int64_t>(rank, 1, count_);
    int64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(UpperBound(i), max_);
    }
    return max_;
  }

 private:
  static int Index(int64_t v) {
    if (v < 2 * kSub) return static_cast<int>(v);
    int msb = 63 - __builtin_clzll(static_cast<uint64_t>(v));
    int shift = msb - kSubBits;  // (v >> shift) is in [kSub, 2*kSub)
    return static_cast<int>(shift * kSub + (v >> shift));
  }
  static int64_t UpperBound(int i) {
    if (i < 2 * kSub) return i;
    int shift = i / kSub - 1;
    int64_t m = i % kSub + kSub;
    return ((m + 1) << shift) - 1;
  }

  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  double sum_ = 0;
  int64_t max_ = 0;
  int64_t min_ = INT64_MAX;
};

struct Options {
  std::string server;
  Rpc rpc = Rpc::kFbt;
  std::string customers_file;
  int concurrency = 32;
  int channels = 0;  // 0: min(concurrency, 4)
  double qps = 0;
  double duration_s = 10;
  double warmup_s = 2;
  std::string items_file;
  int items_per_request = 1;
  int limit = 10;
  int deadline_ms = 1000;
  int threads = 1;
  uint64_t seed = 1;
  int pool_size = 10000;
  bool json = false;
};

// What one polling thread saw during the measured window.
struct ThreadStats {
  LatencyHistogram latency;  // intended (open) or actual (closed) send -> done
  // The same, split: calls answered OK, and calls refused with
  // RESOURCE_EXHAUSTED (under overload, what matters is that accepted calls
  // stay fast and refusals come back quickly).
  LatencyHistogram ok_latency;
  LatencyHistogram rejected_latency;
  int64_t codes[kNumStatusCodes] = {};
  int64_t warmup_done = 0;
  // Calls that finished inside the window, whenever they were due: the
  // achieved throughput, even when an overloaded open loop falls behind.
  int64_t finished_in_window = 0;
};

// One RPC in flight; its address is the CompletionQueue tag.
struct Call {
  grpc::ClientContext context;
  grpc::ByteBuffer response;  // not parsed: only the status counts
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> reader;
  int64_t start_ns = 0;  // latency is measured from here
  int slot = 0;          // closed loop: which of the N callers this is
  bool measured = false;
};

class LoadGenerator {
 public:
  // `pool`: serialized requests of opts.rpc; `describe_first` says in words
  // what pool[0] asks (for the sample check's messages).
  LoadGenerator(const Options& opts, std::vector<grpc::ByteBuffer> pool,
                std::string describe_first)
      : opts_(opts),
        method_(Info(opts.rpc).method),
        pool_(std::move(pool)),
        describe_first_(std::move(describe_first)),
        stats_(opts.threads) {}

  // Opens the channels and waits (bounded) until each is connected.
  bool Connect() {
    int n =
        opts_.channels > 0 ? opts_.channels : std::min(opts_.concurrency, 4);
    for (int i = 0; i < n; ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("boomerang.loadgen.channel", i);  // defeat channel sharing
      auto channel = grpc::CreateCustomChannel(
          opts_.server, grpc::InsecureChannelCredentials(), args);
      if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::seconds(5))) {
        std::cerr << "boomerang-loadgen: error: cannot connect to "
                  << opts_.server
                  << " within 5 s (is boomerang-server running?)\n";
        return false;
      }
      stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
    }
    for (int i = 0; i < opts_.threads; ++i) {
      cqs_.push_back(std::make_unique<grpc::CompletionQueue>());
    }
    return true;
  }

  // Sends the pool's first request once and checks that the answer is OK
  // with a non-empty item list; prints a warning on stderr otherwise.
  // Returns whether it was.
  bool CheckSample() {
    grpc::CompletionQueue cq;
    grpc::ClientContext context;
    context.set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::milliseconds(std::max(opts_.deadline_ms, 5000)));
    grpc::ByteBuffer response;
    grpc::Status status;
    auto reader = stubs_[0]->PrepareUnaryCall(&context, method_, pool_[0], &cq);
    reader->StartCall();
    reader->Finish(&response, &status, &cq);
    void* tag = nullptr;
    bool ok = false;
    // Bounded by the deadline set above.
    if (!cq.Next(&tag, &ok) || !ok)
      status =
          grpc::Status(grpc::StatusCode::UNKNOWN, "completion queue failed");
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    const std::string what =
        std::string(Info(opts_.rpc).method + 1) + " " + describe_first_;
    if (!status.ok()) {
      std::cerr << "boomerang-loadgen: warning: sample request " << what
                << " failed: " << StatusName(status.error_code()) << ": "
                << status.error_message() << "\n";
      return false;
    }
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (response.Dump(&slices).ok()) {
      for (const grpc::Slice& sl : slices)
        bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    }
    int items = -1;
    std::string note;
    if (opts_.rpc == Rpc::kEvents || opts_.rpc == Rpc::kExposures) {
      RecordEventsResponse r;
      if (r.ParseFromString(bytes)) items = r.accepted() + r.duplicates();
    } else if (opts_.rpc == Rpc::kFbt) {
      FrequentlyBoughtTogetherResponse r;
      if (r.ParseFromString(bytes)) {
        items = r.items_size();
        if (r.all_items_unknown()) note = " (all items unknown)";
      }
    } else {
      RecommendationsResponse r;
      if (r.ParseFromString(bytes)) {
        items = r.items_size();
        if (r.unknown_item_ids_size() > 0) note = " (unknown item ids)";
        if (r.fallback()) note += " (fallback)";
      }
    }
    if (items < 0) {
      std::cerr << "boomerang-loadgen: warning: sample request " << what
                << " returned OK but an answer that does not parse\n";
      return false;
    }
    if (items == 0) {
      std::cerr << "boomerang-loadgen: warning: sample request " << what
                << " returned OK with no items" << note
                << "; the load test may measure empty answers\n";
      return false;
    }
    if (!opts_.json) {
      std::printf("sample        %s -> OK, %d items%s\n", what.c_str(), items,
                  note.c_str());
    }
    return true;
  }

  void Run() {
    start_ns_ = NowNs();
    measure_start_ns_ = start_ns_ + static_cast<int64_t>(opts_.warmup_s * 1e9);
    end_ns_ = measure_start_ns_ + static_cast<int64_t>(opts_.duration_s * 1e9);

    std::vector<std::thread> pollers;
    for (int i = 0; i < opts_.threads; ++i) {
      pollers.emplace_back([this, i] { Poll(i); });
    }
    if (opts_.qps > 0) {
      // The default 50 us timer slack would add that much to every
      // sleep_for and so to every open-loop latency; ask for 1 ns.
      prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
      SendOpenLoop();
    } else {
      for (int slot = 0; slot < opts_.concurrency; ++slot) {
        outstanding_.fetch_add(1);
        Start(slot, NowNs());
      }
    }
    // No new calls start after end_ns_. Wait for those in flight: each has a
    // deadline, so this ends; the extra bound is belt and braces.
    int64_t drain_until =
        end_ns_ + (opts_.deadline_ms + 2000) * int64_t{1000000};
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (outstanding_.load() > 0 && NowNs() < drain_until) {
        slot_free_.wait_for(lock, std::chrono::milliseconds(10));
      }
    }
    for (auto& cq : cqs_) cq->Shutdown();
    for (auto& t : pollers) t.join();
  }

  void Report() const {
    ThreadStats total;
    for (const ThreadStats& s : stats_) {
      total.latency.Merge(s.latency);
      total.ok_latency.Merge(s.ok_latency);
      total.rejected_latency.Merge(s.rejected_latency);
      for (int c = 0; c < kNumStatusCodes; ++c) total.codes[c] += s.codes[c];
      total.warmup_done += s.warmup_done;
      total.finished_in_window += s.finished_in_window;
    }
    int64_t done = total.latency.count();
    int64_t ok = total.codes[0];
    double qps = total.finished_in_window / opts_.duration_s;
    int64_t unsent = unsent_.load();
    auto us = [](int64_t ns) { return ns / 1000.0; };
    const LatencyHistogram& h = total.latency;
    int channels = static_cast<int>(stubs_.size());
    if (opts_.json) {
      std::printf("{\"rpc\":\"%s\",", Info(opts_.rpc).flag);
      std::printf(
          "\"mode\":\"%s\",\"target_qps\":%.0f,\"concurrency\":%d,"
          "\"channels\":%d,"
          "\"threads\":%d,\"items_per_request\":%d,\"duration_s\":%.3f,"
          "\"warmup_s\":%.3f,\"warmup_completed\":%" PRId64 ",\"sent\":%" PRId64
          ",\"completed\":%" PRId64 ",\"ok\":%" PRId64 ",\"unsent\":%" PRId64
          ",\"errors\":{",
          opts_.qps > 0 ? "open" : "closed", opts_.qps, opts_.concurrency,
          channels, opts_.threads, opts_.items_per_request, opts_.duration_s,
          opts_.warmup_s, total.warmup_done, sent_measured_.load(), done, ok,
          unsent);
      bool first = true;
      for (int c = 1; c < kNumStatusCodes; ++c) {
        if (total.codes[c] == 0) continue;
        std::printf("%s\"%s\":%" PRId64, first ? "" : ",",
                    StatusName(c).c_str(), total.codes[c]);
        first = false;
      }
      std::printf(
          "},\"qps\":%.1f,\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%."
          "1f,"
          "\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f,\"min\":%.1f},"
          "\"send_lag_us\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
          "\"ok_latency_us\":{\"p50\":%.1f,\"p99\":%.1f},"
          "\"rejected_latency_us\":{\"p50\":%.1f,\"p99\":%.1f}}\n",
          qps, us(h.Quantile(0.5)), us(h.Quantile(0.9)), us(h.Quantile(0.99)),
          us(h.Quantile(0.999)), us(h.max()),
          us(static_cast<int64_t>(h.mean())), us(h.min()),
          us(send_lag_.Quantile(0.5)), us(send_lag_.Quantile(0.99)),
          us(send_lag_.max()), us(total.ok_latency.Quantile(0.5)),
          us(total.ok_latency.Quantile(0.99)),
          us(total.rejected_latency.Quantile(0.5)),
          us(total.rejected_latency.Quantile(0.99)));
      return;
    }
    if (opts_.rpc != Rpc::kFbt)
      std::printf("rpc           %s\n", Info(opts_.rpc).method + 1);
    std::printf("mode          %s",
                opts_.qps > 0 ? "open loop" : "closed loop");
    if (opts_.qps > 0) std::printf(" at %.0f QPS", opts_.qps);
    std::printf(
        ", concurrency %d, %d channel(s), %d polling thread(s), %d "
        "item(s)/request\n",
        opts_.concurrency, channels, opts_.threads, opts_.items_per_request);
    std::printf("window        %.1f s measured after %.1f s warmup (%" PRId64
                " warmup calls)\n",
                opts_.duration_s, opts_.warmup_s, total.warmup_done);
    std::printf("requests      sent %" PRId64 ", completed %" PRId64
                ", ok %" PRId64,
                sent_measured_.load(), done, ok);
    if (opts_.qps > 0)
      std::printf(", unsent (behind schedule at end) %" PRId64, unsent);
    std::printf("\n");
    std::printf("errors        ");
    bool any = false;
    for (int c = 1; c < kNumStatusCodes; ++c) {
      if (total.codes[c] == 0) continue;
      std::printf("%s%s=%" PRId64, any ? ", " : "", StatusName(c).c_str(),
                  total.codes[c]);
      any = true;
    }
    std::printf("%s\n", any ? "" : "none");
    std::printf("achieved      %.1f QPS (calls finished in the window)\n", qps);
    if (unsent > 0) {
      std::printf("warning       fell behind --qps: %" PRId64
                  " calls due in the window were never sent; the latency below"
                  " covers only those that were (raise --concurrency, or the"
                  " server is saturated)\n",
                  unsent);
    }
    std::printf(
        "latency (us)  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  "
        "(mean %.1f)\n",
        us(h.Quantile(0.5)), us(h.Quantile(0.9)), us(h.Quantile(0.99)),
        us(h.Quantile(0.999)), us(h.max()), us(static_cast<int64_t>(h.mean())));
    if (ok != done && ok > 0) {
      std::printf("ok calls (us) p50 %.1f  p99 %.1f\n",
                  us(total.ok_latency.Quantile(0.5)),
                  us(total.ok_latency.Quantile(0.99)));
    }
    if (total.rejected_latency.count() > 0) {
      std::printf("refused (us)  p50 %.1f  p99 %.1f  (RESOURCE_EXHAUSTED)\n",
                  us(total.rejected_latency.Quantile(0.5)),
                  us(total.rejected_latency.Quantile(0.99)));
    }
    if (opts_.qps > 0) {
      std::printf(
          "send lag (us) p50 %.1f  p99 %.1f  max %.1f  (intended -> actual "
          "send;"
          " included in latency)\n",
          us(send_lag_.Quantile(0.5)), us(send_lag_.Quantile(0.99)),
          us(send_lag_.max()));
    }
  }

 private:
  // Starts one call whose latency counts from `start_ns`. REQUIRES: the
  // caller has already counted it in outstanding_.
  void Start(int slot, int64_t start_ns) {
    uint64_t n = next_request_.fetch_add(1, std::memory_order_relaxed);
    auto* call = new Call;
    call->slot = slot;
    call->start_ns = start_ns;
    call->measured = start_ns >= measure_start_ns_;
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::milliseconds(opts_.deadline_ms));
    const int cq_index = static_cast<int>(n % cqs_.size());
    grpc::GenericStub* stub = stubs_[n % stubs_.size()].get();
    int64_t now = NowNs();
    if (call->measured) {
      sent_measured_.fetch_add(1, std::memory_order_relaxed);
      if (opts_.qps > 0) send_lag_.Record(now - start_ns);
    }
    call->reader = stub->PrepareUnaryCall(
        &call->context, method_, pool_[n % pool_.size()], cqs_[cq_index].get());
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

  void Poll(int index) {
    grpc::CompletionQueue* cq = cqs_[index].get();
    ThreadStats& stats = stats_[index];
    void* tag = nullptr;
    bool ok = false;
    while (cq->Next(&tag, &ok)) {
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      int64_t now = NowNs();
      if (now >= measure_start_ns_ && now < end_ns_) ++stats.finished_in_window;
      if (call->measured) {
        int code = static_cast<int>(call->status.error_code());
        stats.codes[code >= 0 && code < kNumStatusCodes ? code : 2]++;
        stats.latency.Record(now - call->start_ns);
        if (code == 0) stats.ok_latency.Record(now - call->start_ns);
        if (code == static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED)) {
          stats.rejected_latency.Record(now - call->start_ns);
        }
      } else {
        ++stats.warmup_done;
      }
      if (opts_.qps <= 0 && now < end_ns_) {
        Start(call->slot, now);  // closed loop: the slot goes again
        continue;
      }
      outstanding_.fetch_sub(1);
      // Wake the open-loop sender (a slot is free) or Run() (draining).
      std::lock_guard<std::mutex> lock(mu_);
      slot_free_.notify_all();
    }
  }

  void SendOpenLoop() {
    const double period_ns = 1e9 / opts_.qps;
    for (uint64_t i = 0;; ++i) {
      int64_t due =
          start_ns_ + static_cast<int64_t>(std::llround(i * period_ns));
      if (due >= end_ns_) return;
      int64_t now = NowNs();
      if (due > now)
        std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
      // Wait for a free slot; the wait counts in the latency (from `due`).
      std::unique_lock<std::mutex> lock(mu_);
      while (outstanding_.load() >= opts_.concurrency && NowNs() < end_ns_) {
        slot_free_.wait_for(lock, std::chrono::milliseconds(1));
      }
      lock.unlock();
      if (NowNs() >= end_ns_) {
        // Requests i.. were due before the end but never sent; count those
        // due inside the measured window.
        auto index_at = [&](int64_t t) {
          return static_cast<int64_t>(std::ceil((t - start_ns_) / period_ns));
        };
        int64_t first_unsent =
            std::max<int64_t>(i, index_at(measure_start_ns_));
        unsent_.store(std::max<int64_t>(index_at(end_ns_) - first_unsent, 0));
        return;
      }
      outstanding_.fetch_add(1);
      Start(0, due);
    }
  }

  const Options opts_;
  const std::string method_;  // e.g. "/boomerang.v1.Recommender/SimilarItems"
  const std::vector<grpc::ByteBuffer> pool_;
  const std::string describe_first_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::vector<std::unique_ptr<grpc::CompletionQueue>> cqs_;
  // stats_[i] is written only by polling thread i; send_lag_ only by the
  // open-loop sender (the main thread). Read after those threads stopped.
  std::vector<ThreadStats> stats_;
  LatencyHistogram send_lag_;  // open loop: intended -> actual send

  // Constant once Run() has started the threads.
  int64_t start_ns_ = 0, measure_start_ns_ = 0, end_ns_ = 0;
  std::atomic<uint64_t> next_request_{0};
  std::atomic<int64_t> outstanding_{0};
  std::atomic<int64_t> sent_measured_{0};
  std::atomic<int64_t> unsent_{0};
  std::mutex mu_;
  std::condition_variable slot_free_;
};

// Reads one id per line (blank lines and surrounding whitespace ignored);
// `flag` names the file in messages ("--items").
bool ReadIds(const std::string& path, const char* flag,
             std::vector<std::string>* items) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "boomerang-loadgen: error: cannot read " << flag << " " << path
              << "\n";
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    size_t e = line.find_last_not_of(" \t\r");
    items->push_back(line.substr(b, e - b + 1));
  }
  if (items->empty()) {
    std::cerr << "boomerang-loadgen: error: " << flag << " " << path
              << " has no ids\n";
    return false;
  }
  return true;
}

// Picks K distinct indices of `items` (K <= items.size(), checked), as the
// original fbt pool did, so that fbt pools are unchanged by --rpc.
void PickDistinct(std::mt19937_64& rng, size_t n, int k,
                  std::vector<size_t>* chosen) {
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  chosen->clear();
  // Distinct picks exist; the attempts are bounded anyway, falling back to
  // repeats (the server dedupes).
  for (int attempt = 0;
       static_cast<int>(chosen->size()) < k && attempt < 100 * k; ++attempt) {
    size_t i = pick(rng);
    if (std::find(chosen->begin(), chosen->end(), i) == chosen->end())
      chosen->push_back(i);
  }
  while (static_cast<int>(chosen->size()) < k) chosen->push_back(pick(rng));
}

grpc::ByteBuffer Serialize(const google::protobuf::MessageLite& m) {
  std::string bytes = m.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// A fixed pool of requests of opts.rpc drawn uniformly from `items` and
// `customers` with opts.seed, serialized. `*describe_first` says what the
// first one asks, for messages.
std::vector<grpc::ByteBuffer> MakePool(
    const std::vector<std::string>& items,
    const std::vector<std::string>& customers, const Options& opts,
    std::string* describe_first) {
  std::mt19937_64 rng(opts.seed);
  std::vector<grpc::ByteBuffer> pool;
  pool.reserve(opts.pool_size);
  std::vector<size_t> chosen;
  auto customer = [&]() -> std::string {
    if (customers.empty()) return "";
    std::uniform_int_distribution<size_t> pick(0, customers.size() - 1);
    return customers[pick(rng)];
  };
  for (int n = 0; n < opts.pool_size; ++n) {
    std::ostringstream what;
    switch (opts.rpc) {
      case Rpc::kFbt: {
        FrequentlyBoughtTogetherRequest req;
        PickDistinct(rng, items.size(), opts.items_per_request, &chosen);
        for (size_t i : chosen) req.add_item_ids(items[i]);
        req.set_limit(opts.limit);
        if (n == 0)
          what << "item_ids [" << req.item_ids(0)
               << (chosen.size() > 1 ? ", ...]" : "]");
        pool.push_back(Serialize(req));
        break;
      }
      case Rpc::kSimilar: {
        SimilarItemsRequest req;
        PickDistinct(rng, items.size(), 1, &chosen);
        req.set_item_id(items[chosen[0]]);
        req.set_limit(opts.limit);
        if (n == 0) what << "item_id " << req.item_id();
        pool.push_back(Serialize(req));
        break;
      }
      case Rpc::kPicks: {
        PersonalPicksRequest req;
        req.set_customer_id(customer());
        req.set_limit(opts.limit);
        if (n == 0) what << "customer_id " << req.customer_id();
        pool.push_back(Serialize(req));
        break;
      }
      case Rpc::kCrossSell: {
        CrossSellRequest req;
        PickDistinct(rng, items.size(), opts.items_per_request, &chosen);
        for (size_t i : chosen) req.add_item_ids(items[i]);
        req.set_customer_id(customer());
        req.set_limit(opts.limit);
        if (n == 0) {
          what << "item_ids [";
          for (int i = 0; i < req.item_ids_size(); ++i)
            what << (i ? ", " : "") << req.item_ids(i);
          what << "]";
          if (!req.customer_id().empty())
            what << " customer_id " << req.customer_id();
        }
        pool.push_back(Serialize(req));
        break;
      }
      case Rpc::kEvents: {
        // Views (a shop's most frequent event) of random items by random
        // customers, a minute ago.
        RecordEventsRequest req;
        const int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
        PickDistinct(rng, items.size(), opts.items_per_request, &chosen);
        const std::string who = customers.empty()
                                    ? "loadgen-" + std::to_string(n % 1000)
                                    : customer();
        for (size_t i : chosen) {
          boomerang::v1::Event* e = req.add_events();
          e->set_type(boomerang::v1::Event::VIEW);
          e->set_customer_id(who);
          e->set_item_id(items[i]);
          e->mutable_timestamp()->set_seconds(now - 60);
          e->set_idempotency_key("loadgen-" + std::to_string(opts.seed) + "-" +
                                 std::to_string(now) + "-" + std::to_string(n) +
                                 "-" + items[i]);
        }
        if (n == 0) what << req.events_size() << " view event(s) of " << who;
        pool.push_back(Serialize(req));
        break;
      }
      case Rpc::kExposures: {
        RecordEventsRequest req;
        const int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
        int list = 0;
        while (req.events_size() < opts.items_per_request) {
          // A recommendation id as the server makes them (13 base-32
          // characters, placement, experiment, arm).
          static const char kDigits[] = "0123456789abcdefghijklmnopqrstuv";
          std::string rec(13, '0');
          for (char& c : rec) c = kDigits[rng() % 32];
          rec += (list++ % 2) ? ".bench_page.bench.b" : ".bench_page.bench.a";
          const std::string who =
              customers.empty() ? "loadgen-" + std::to_string(rng() % 100000)
                                : customer();
          boomerang::v1::Event* imp = req.add_events();
          imp->set_type(boomerang::v1::Event::IMPRESSION);
          imp->set_customer_id(who);
          imp->set_recommendation_id(rec);
          imp->mutable_timestamp()->set_seconds(now - 60);
          PickDistinct(rng, items.size(), 6, &chosen);
          for (size_t i : chosen) imp->add_shown_item_ids(items[i]);
          if (rng() % 5 == 0 && req.events_size() < opts.items_per_request) {
            boomerang::v1::Event* click = req.add_events();
            click->set_type(boomerang::v1::Event::CLICK);
            click->set_customer_id(who);
            click->set_recommendation_id(rec);
            click->set_item_id(items[chosen[0]]);
            click->set_position(1);
            click->mutable_timestamp()->set_seconds(now - 50);
          }
        }
        if (n == 0) what << req.events_size() << " impressions and clicks";
        pool.push_back(Serialize(req));
        break;
      }
      case Rpc::kUpsell: {
        UpsellRequest req;
        PickDistinct(rng, items.size(), 1, &chosen);
        req.set_item_id(items[chosen[0]]);
        req.set_customer_id(customer());
        req.set_limit(opts.limit);
        if (n == 0) {
          what << "item_id " << req.item_id();
          if (!req.customer_id().empty())
            what << " customer_id " << req.customer_id();
        }
        pool.push_back(Serialize(req));
        break;
      }
    }
    if (n == 0) *describe_first = what.str();
  }
  return pool;
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  CLI::App app{"Load generator for boomerang-server's list RPCs."};
  app.add_option("--server", opts.server, "host:port of boomerang-server")
      ->required();
  std::string rpc_name = "fbt";
  std::vector<std::string> rpc_names;
  for (const RpcInfo& i : kRpcs) rpc_names.push_back(i.flag);
  app.add_option("--rpc", rpc_name,
                 "the RPC: fbt (FrequentlyBoughtTogether), similar "
                 "(SimilarItems), picks (PersonalPicks), crosssell "
                 "(CrossSell), upsell (Upsell), events (RecordEvents: "
                 "--items-per-request views per call, unique keys; make "
                 "--pool at least the calls sent), exposures (RecordEvents "
                 "of impressions and clicks, as many per call)")
      ->capture_default_str()
      ->check(CLI::IsMember(rpc_names));
  app.add_option("--customers", opts.customers_file,
                 "file of customer ids, one per line: needed by picks; with "
                 "crosssell or upsell, every request names a customer");
  app.add_option("--concurrency", opts.concurrency,
                 "most calls in flight; in closed loop, the number of callers")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option(
         "--channels", opts.channels,
         "TCP connections to spread calls over (0: min(concurrency, 4))")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("--qps", opts.qps,
                 "open loop at this rate; 0 = closed loop, as fast as possible")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  app.add_option("--duration", opts.duration_s, "seconds measured")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--warmup", opts.warmup_s, "seconds sent before measuring")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--items", opts.items_file,
                 "file of item ids, one per line (every RPC but picks)");
  CLI::Option* per_request =
      app.add_option("--items-per-request", opts.items_per_request,
                     "distinct item ids per request, fbt and crosssell "
                     "(cart-style when > 1)")
          ->capture_default_str()
          ->check(CLI::Range(1, 1000));
  app.add_option("--limit", opts.limit, "limit field of each request")
      ->capture_default_str();
  app.add_option("--deadline-ms", opts.deadline_ms, "deadline of each call")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_option("--threads", opts.threads, "CompletionQueue polling threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--seed", opts.seed, "seed for the choice of item ids")
      ->capture_default_str();
  app.add_option("--pool", opts.pool_size,
                 "distinct requests generated and cycled")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  app.add_flag("--json", opts.json, "print one JSON line instead of text");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "boomerang-loadgen: error: " << e.what() << " (see --help)\n";
    return 1;
  }

  for (const RpcInfo& i : kRpcs)
    if (rpc_name == i.flag) opts.rpc = i.rpc;
  const RpcInfo& rpc = Info(opts.rpc);
  auto flag_error = [](const std::string& message) {
    std::cerr << "boomerang-loadgen: error: " << message << " (see --help)\n";
    return 1;
  };
  if (opts.rpc == Rpc::kPicks && opts.customers_file.empty())
    return flag_error("--rpc picks needs --customers");
  if (opts.rpc != Rpc::kPicks && opts.items_file.empty())
    return flag_error(std::string("--rpc ") + rpc.flag + " needs --items");
  if (!rpc.multi_item && per_request->count() > 0 &&
      opts.items_per_request != 1) {
    return flag_error(std::string("--rpc ") + rpc.flag +
                      " takes one item per request; --items-per-request is "
                      "for fbt and crosssell");
  }
  if (!rpc.multi_item) opts.items_per_request = 1;
  if (opts.rpc == Rpc::kFbt && !opts.customers_file.empty())
    return flag_error("--rpc fbt takes no --customers");
  std::vector<std::string> items, customers;
  if (!opts.items_file.empty() && !ReadIds(opts.items_file, "--items", &items))
    return 1;
  if (!opts.customers_file.empty() &&
      !ReadIds(opts.customers_file, "--customers", &customers))
    return 1;
  if (opts.rpc != Rpc::kPicks &&
      opts.items_per_request > static_cast<int>(items.size())) {
    std::cerr << "boomerang-loadgen: error: --items-per-request "
              << opts.items_per_request << " is more than the " << items.size()
              << " ids in " << opts.items_file << "\n";
    return 1;
  }
  std::string describe_first;
  auto pool = MakePool(items, customers, opts, &describe_first);
  LoadGenerator gen(opts, std::move(pool), std::move(describe_first));
  if (!gen.Connect()) return 1;
  gen.CheckSample();
  gen.Run();
  gen.Report();
  return 0;
}
