// VectorIndex: nearest-neighbour search over a fixed set of embedding vectors
// with caller-chosen int64 ids. This folder is the only place in Boomerang
// that includes FAISS; nothing from FAISS (types, raw owning pointers,
// exceptions) crosses this header.
//
// An index is built once (indexer) or loaded once (server) and is immutable
// afterwards. Small catalogs use exact search ("IDMap,Flat"), large ones HNSW
// ("IDMap,HNSW<M>"); see IndexOptions::exact_below and ChooseIndex().
//
// Thread safety: a VectorIndex is immutable after Build()/Load(). Search(),
// Save() and the accessors are const and may be called concurrently from any
// number of threads without external locking. Search knobs (ef_search,
// threads) travel with each call in SearchOptions; no call mutates the index.
//
// Threads: FAISS parallelises with OpenMP. This library never changes the
// process-wide OpenMP setting. A `threads` option > 0 sets the OpenMP thread
// count of the *calling thread only* for the duration of the call (OpenMP's
// nthreads-var is per thread/task) and restores it afterwards; 0 inherits the
// calling thread's setting. Note for callers: with GNU libgomp,
// omp_set_num_threads() in main() does NOT reach threads created later with
// std::thread/pthreads (e.g. gRPC handlers); those start from OMP_NUM_THREADS
// (default: all cores). That is why SearchOptions::threads defaults to 1.
// Exact (Flat) batches of >= 20 queries also call BLAS (OpenBLAS), which has
// its own thread pool sized by OPENBLAS_NUM_THREADS, not by these options.

#ifndef BOOMERANG_MODELS_ANN_VECTOR_INDEX_H_
#define BOOMERANG_MODELS_ANN_VECTOR_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace faiss {
struct Index;
}  // namespace faiss

namespace boomerang::ann {

enum class Metric {
  // Score = inner product; higher is better. For cosine similarity,
  // L2-normalise vectors and queries first.
  kInnerProduct,
  // Score = squared Euclidean distance; lower is better.
  kL2,
};

// "inner_product" or "l2".
absl::string_view MetricName(Metric metric);

struct IndexOptions {
  // Default: inner product (embeddings are compared by dot product / cosine).
  Metric metric = Metric::kInnerProduct;

  // HNSW graph degree (level 0 keeps 2*hnsw_m links). Default 32. Higher
  // raises recall and memory (about 8 * hnsw_m bytes per vector on top of
  // the 4 * dim bytes of the vectors) and build time. Range [2, 512].
  int hnsw_m = 32;

  // HNSW candidate list size while building. Default 200. Build time is
  // roughly linear in it: 100 halves it, with unchanged recall on clustered
  // data (BENCHMARKS.md); 200 leaves headroom for less structured vectors.
  int ef_construction = 200;

  // Catalogs with fewer than this many vectors use exact (Flat) search;
  // larger ones use HNSW. 0 forces HNSW; INT64_MAX forces exact search.
  // Default 20,000, measured on the 2-core VM at dim 64 (BENCHMARKS.md):
  // one exact query costs ~25 us per 1,000 vectors (0.5 ms at 20k, 1.2 ms
  // at 50k, 2.6 ms at 100k) and needs no build; HNSW answers in 0.11-0.24 ms
  // (clustered data, recall@10 >= 0.997) but takes 0.1-0.3 ms per vector to
  // build on one thread (3.4 s at 20k, 28 s at 100k) and several times that
  // on unstructured data. Batched exact search (BLAS) is cheaper per query
  // than HNSW up to at least 100k (75-150 us vs 120-210 us), so an index
  // built only for one batch of self-queries should force exact search.
  int64_t exact_below = 20000;

  // Upper bound on SearchOptions::ef_search, fixed when the index is built
  // and stored with it. Default 256. FAISS 1.7.3 sizes the HNSW candidate
  // queue from the index (hnsw.efSearch) and takes only the stopping rule
  // from the per-query SearchParametersHNSW (fixed upstream in FAISS 1.8,
  // PR #3233), so a per-query ef above this bound cannot help and is
  // clamped. Costs nothing in memory; a larger bound makes every query a
  // little slower (measured at 20k x 32, ef 128: ~10% from 128 to 256, ~35%
  // to 512). Range [1, 4096].
  int max_ef_search = 256;

  // OpenMP threads for building (HNSW insertion is parallel). 0 = the
  // calling thread's OpenMP setting. Multi-threaded HNSW builds are not
  // bit-for-bit reproducible (insertion order races); 1 thread is.
  int threads = 0;
};

struct SearchOptions {
  // HNSW candidate list size per query; the effective value is
  // max(min(ef_search, the index's max_ef_search), k). Default 128 (recall@10
  // >= 0.99 on the tests' data). Ignored by exact indexes. Must be >= 1.
  int ef_search = 128;

  // OpenMP threads for this call (queries are spread over them), capped at
  // the number of queries. Default 1: right for request threads. Batch
  // callers (indexer) should pass their core count, or 0 to inherit the
  // calling thread's OpenMP setting. Exact indexes ignore it for batches of
  // >= 20 queries: those run as one BLAS matrix product, threaded by
  // OpenBLAS (OPENBLAS_NUM_THREADS), and extra OpenMP threads there measured
  // 5x slower.
  int threads = 1;
};

// Which index Build() makes for `num_vectors` vectors, and why.
struct IndexChoice {
  // FAISS index_factory string: "IDMap,Flat" or "IDMap,HNSW32".
  std::string factory;
  // One line for the snapshot manifest, e.g. "exact search: 4000 vectors <
  // exact_below=20000".
  std::string reason;
};
IndexChoice ChooseIndex(int64_t num_vectors, const IndexOptions& options);

class VectorIndex {
 public:
  // Builds an index over n = ids.size() vectors of `dim` floats, row-major in
  // `vectors` (vector i is vectors[i*dim, (i+1)*dim)). ids[i] is vector i's
  // external id; ids need not be contiguous or start at 0. The input is
  // copied; the caller keeps ownership of the spans.
  // REQUIRES: dim >= 1, vectors.size() == ids.size() * dim, all values
  //   finite, ids >= 0 and unique (-1 means "no result" in Search), n < 2^31.
  // Errors: InvalidArgument for any violated requirement or bad option;
  //   ResourceExhausted if memory runs out; Internal for other FAISS errors.
  // An empty index (n = 0) is allowed; every search on it returns -1 ids.
  static absl::StatusOr<std::unique_ptr<VectorIndex>> Build(
      absl::Span<const float> vectors, absl::Span<const int64_t> ids, int dim,
      const IndexOptions& options);

  // Save() and Load() without the file: the exact bytes they write and
  // read, for callers that do their own I/O. Deserialize() verifies a header
  // and checksum before handing bytes to FAISS, then checks the index's
  // structure (graph links in range, sizes consistent), so corrupt input is
  // an error, never a crash.
  // Errors: DataLoss for a wrong magic, size, checksum or structure;
  //   InvalidArgument for a newer format version or an unsupported index
  //   type.
  absl::StatusOr<std::string> Serialize() const;
  static absl::StatusOr<std::unique_ptr<VectorIndex>> Deserialize(
      absl::string_view bytes);

  // Writes the index to `path` (created or truncated) and fsyncs the file.
  // Publishing (rename, directory fsync) is the caller's job.
  // Errors: the errno-derived code (e.g. NotFound, PermissionDenied) naming
  //   the path.
  absl::Status Save(const std::string& path) const;

  // Reads an index written by Save(). Errors: as Deserialize(), plus the
  // errno-derived code naming the path if it cannot be read.
  static absl::StatusOr<std::unique_ptr<VectorIndex>> Load(
      const std::string& path);

  // Batched search. `queries` holds nq = queries.size() / dim() queries,
  // row-major. On success, *ids and *scores are resized to nq * k: row q
  // holds query q's k results, best first (scores as described at Metric).
  // Fewer than k results (k > size(), or HNSW finding fewer) are padded with
  // id -1 and score -inf (kInnerProduct) or +inf (kL2).
  // nq = 0 is allowed and returns empty vectors.
  // REQUIRES: ids, scores non-null; k >= 1; queries.size() a multiple of
  //   dim(); all query values finite; nq * k <= 2^30.
  // Errors: InvalidArgument for any violated requirement or bad option (the
  //   outputs are then left unchanged); ResourceExhausted / Internal from
  //   FAISS.
  absl::Status Search(absl::Span<const float> queries, int k,
                      const SearchOptions& options, std::vector<int64_t>* ids,
                      std::vector<float>* scores) const;

  int dim() const { return dim_; }
  int64_t size() const { return static_cast<int64_t>(id_map_.size()); }
  Metric metric() const { return metric_; }
  bool is_exact() const { return hnsw_ == nullptr; }

  // The index's FAISS factory string plus parameters, for the snapshot
  // manifest, e.g. "IDMap,HNSW32 metric=inner_product dim=64 size=100000
  // efConstruction=200 maxEfSearch=256" or "IDMap,Flat metric=l2 dim=64
  // size=4000".
  std::string description() const;

  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

 private:
  // Takes ownership of `index`, a validated faiss::IndexIDMap.
  explicit VectorIndex(std::unique_ptr<faiss::Index> index);

  // Constant after construction.
  std::unique_ptr<faiss::Index> index_;  // the IndexIDMap; owns inner_
  // The IDMap's sub-index (IndexFlat or IndexHNSWFlat). Search() calls it
  // directly: in FAISS 1.7.3 IndexIDMap::search rejects SearchParameters, so
  // we pass SearchParametersHNSW to the sub-index and map labels ourselves.
  const faiss::Index* inner_ = nullptr;
  const faiss::Index* hnsw_ = nullptr;  // == inner_ if HNSW, else nullptr
  absl::Span<const int64_t> id_map_;    // internal row -> external id
  int dim_ = 0;
  Metric metric_ = Metric::kInnerProduct;
  int hnsw_m_ = 0;
  int ef_construction_ = 0;
  int max_ef_search_ = 0;  // the HNSW's stored hnsw.efSearch
};

}  // namespace boomerang::ann

#endif  // BOOMERANG_MODELS_ANN_VECTOR_INDEX_H_
