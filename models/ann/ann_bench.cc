// boomerang-ann-bench: build time and query latency of exact (Flat) vs HNSW
// VectorIndex, to choose IndexOptions::exact_below. Results and the commands
// that produced them: models/ann/BENCHMARKS.md.
//
//   boomerang-ann-bench [--sizes=4000,50000,100000] [--dim=64] [--k=10]
//       [--threads=1,2] [--batch=1000] [--single=300] [--ef_search=128]
//       [--hnsw_m=32] [--ef_construction=200] [--max_ef_search=256]
//       [--data=gaussian|clustered]
//       [--metric=ip|l2] [--seed=1] [--kinds=flat,hnsw]
//
// For every size, kind and thread count it builds the index with that many
// OpenMP threads, then times `single` one-query Search() calls and one
// Search() of `batch` queries, with SearchOptions::threads set to the same
// count. HNSW recall@k is measured against the exact index on the batch.
// Note: exact batches of >= 20 queries go through BLAS (OpenBLAS), whose
// threads follow OPENBLAS_NUM_THREADS, not --threads; run with
// OPENBLAS_NUM_THREADS=1 to pin everything to one core.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "models/ann/vector_index.h"

namespace {

using boomerang::ann::IndexOptions;
using boomerang::ann::Metric;
using boomerang::ann::SearchOptions;
using boomerang::ann::VectorIndex;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::vector<int64_t> sizes = {4000, 50000, 100000};
  std::vector<int64_t> threads = {1, 2};
  std::vector<std::string> kinds = {"flat", "hnsw"};
  int64_t dim = 64, k = 10, batch = 1000, single = 300, ef_search = 128,
          hnsw_m = 32, ef_construction = 200, max_ef_search = 256, seed = 1;
  std::string data = "gaussian", metric = "ip";
};

[[noreturn]] void Usage(const char* bad) {
  std::fprintf(stderr, "bad flag: %s (see the comment in ann_bench.cc)\n", bad);
  std::exit(2);
}

std::vector<int64_t> IntList(absl::string_view s, const char* arg) {
  std::vector<int64_t> out;
  for (absl::string_view part : absl::StrSplit(s, ',')) {
    int64_t v;
    if (!absl::SimpleAtoi(part, &v)) Usage(arg);
    out.push_back(v);
  }
  return out;
}

Flags Parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(absl::string_view(arg), absl::MaxSplits('=', 1));
    const absl::string_view key = kv.first, value = kv.second;
    auto integer = [&](int64_t* out) {
      if (!absl::SimpleAtoi(value, out)) Usage(arg);
    };
    if (key == "--sizes")
      f.sizes = IntList(value, arg);
    else if (key == "--threads")
      f.threads = IntList(value, arg);
    else if (key == "--kinds")
      f.kinds = absl::StrSplit(value, ',');
    else if (key == "--dim")
      integer(&f.dim);
    else if (key == "--k")
      integer(&f.k);
    else if (key == "--batch")
      integer(&f.batch);
    else if (key == "--single")
      integer(&f.single);
    else if (key == "--ef_search")
      integer(&f.ef_search);
    else if (key == "--hnsw_m")
      integer(&f.hnsw_m);
    else if (key == "--ef_construction")
      integer(&f.ef_construction);
    else if (key == "--max_ef_search")
      integer(&f.max_ef_search);
    else if (key == "--seed")
      integer(&f.seed);
    else if (key == "--data")
      f.data = std::string(value);
    else if (key == "--metric")
      f.metric = std::string(value);
    else
      Usage(arg);
  }
  if (f.data != "gaussian" && f.data != "clustered") Usage("--data");
  if (f.metric != "ip" && f.metric != "l2") Usage("--metric");
  return f;
}

std::vector<float> MakeVectors(int64_t n, int dim, const std::string& kind,
                               uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> v(n * dim);
  if (kind == "gaussian") {
    for (float& x : v) x = g(rng);
    return v;
  }
  // 100 clusters with fixed centres (same seed for base and queries).
  std::mt19937 crng(12345);
  std::vector<float> centres(100 * dim);
  for (float& x : centres) x = 3.0f * g(crng);
  std::uniform_int_distribution<int> pick(0, 99);
  for (int64_t i = 0; i < n; ++i) {
    const int c = pick(rng);
    for (int j = 0; j < dim; ++j)
      v[i * dim + j] = centres[c * dim + j] + g(rng);
  }
  return v;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Check(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Flags f = Parse(argc, argv);
  const int dim = static_cast<int>(f.dim);
  const int k = static_cast<int>(f.k);
  const char* blas = std::getenv("OPENBLAS_NUM_THREADS");
  std::printf(
      "# dim=%d k=%d data=%s metric=%s M=%lld efC=%lld efS=%lld "
      "maxEfS=%lld batch=%lld single=%lld OPENBLAS_NUM_THREADS=%s\n",
      dim, k, f.data.c_str(), f.metric.c_str(),
      static_cast<long long>(f.hnsw_m),
      static_cast<long long>(f.ef_construction),
      static_cast<long long>(f.ef_search),
      static_cast<long long>(f.max_ef_search), static_cast<long long>(f.batch),
      static_cast<long long>(f.single), blas ? blas : "(unset)");
  std::printf(
      "| n | index | threads | build s | single query us (mean / p50 / "
      "p99) | batch us/query | recall@%d |\n|---|---|---|---|---|---|---|\n",
      k);
  std::fflush(stdout);

  const int64_t max_queries = std::max(f.batch, f.single);
  const std::vector<float> queries =
      MakeVectors(max_queries, dim, f.data, static_cast<uint32_t>(f.seed) + 1);
  for (int64_t n : f.sizes) {
    const std::vector<float> base =
        MakeVectors(n, dim, f.data, static_cast<uint32_t>(f.seed));
    std::vector<int64_t> ids(n);
    for (int64_t i = 0; i < n; ++i) ids[i] = 1'000'000 + 3 * i;
    const absl::Span<const float> batch(queries.data(), f.batch * dim);
    std::vector<int64_t> exact_ids;  // for recall

    for (const std::string& kind : f.kinds) {
      for (int64_t t : f.threads) {
        IndexOptions options;
        options.metric = f.metric == "l2" ? Metric::kL2 : Metric::kInnerProduct;
        options.hnsw_m = static_cast<int>(f.hnsw_m);
        options.ef_construction = static_cast<int>(f.ef_construction);
        options.max_ef_search = static_cast<int>(f.max_ef_search);
        options.exact_below =
            kind == "flat" ? std::numeric_limits<int64_t>::max() : 0;
        options.threads = static_cast<int>(t);
        const auto b0 = Clock::now();
        auto index = VectorIndex::Build(base, ids, dim, options);
        const double build_s = Seconds(b0, Clock::now());
        Check(index.status());

        SearchOptions search;
        search.ef_search = static_cast<int>(f.ef_search);
        search.threads = static_cast<int>(t);
        std::vector<int64_t> out_ids;
        std::vector<float> out_scores;
        // Warm-up (page in the index, start the OpenMP team).
        Check((*index)->Search(absl::MakeConstSpan(queries.data(), dim), k,
                               search, &out_ids, &out_scores));
        std::vector<double> lat_us;
        for (int64_t q = 0; q < f.single; ++q) {
          const auto t0 = Clock::now();
          Check((*index)->Search(
              absl::MakeConstSpan(queries.data() + q * dim, dim), k, search,
              &out_ids, &out_scores));
          lat_us.push_back(Seconds(t0, Clock::now()) * 1e6);
        }
        std::sort(lat_us.begin(), lat_us.end());
        double mean = 0;
        for (double x : lat_us) mean += x;
        mean /= std::max<size_t>(1, lat_us.size());
        auto pct = [&](double p) {
          return lat_us.empty()
                     ? 0.0
                     : lat_us[std::min(lat_us.size() - 1,
                                       static_cast<size_t>(p * lat_us.size()))];
        };

        const auto s0 = Clock::now();
        Check((*index)->Search(batch, k, search, &out_ids, &out_scores));
        const double batch_us = Seconds(s0, Clock::now()) * 1e6 / f.batch;

        std::string recall = "exact";
        if (kind == "flat") {
          exact_ids = out_ids;
        } else if (!exact_ids.empty()) {
          int64_t hits = 0;
          for (int64_t q = 0; q < f.batch; ++q) {
            auto b = exact_ids.begin() + q * k;
            for (int i = 0; i < k; ++i) {
              hits += std::find(b, b + k, out_ids[q * k + i]) != b + k;
            }
          }
          char buf[32];
          std::snprintf(buf, sizeof(buf), "%.4f",
                        static_cast<double>(hits) / (f.batch * k));
          recall = buf;
        } else {
          recall = "-";
        }
        std::printf(
            "| %lld | %s | %lld | %.3f | %.0f / %.0f / %.0f | %.1f | %s |\n",
            static_cast<long long>(n),
            (*index)
                ->description()
                .substr(0, (*index)->description().find(' '))
                .c_str(),
            static_cast<long long>(t), build_s, mean, pct(0.5), pct(0.99),
            batch_us, recall.c_str());
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
