#include "models/ann/vector_index.h"

#include <errno.h>
#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/HNSW.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/Heap.h>
#include <faiss/utils/distances.h>
#include <fcntl.h>
#include <omp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "models/ann/dot.h"

namespace boomerang::ann {
namespace {

// Bounds on IndexOptions::max_ef_search (and what a loaded file may hold:
// FAISS allocates a queue of this size per query).
constexpr int kMaxEfSearchLimit = 4096;

// At most this many results per Search() call (nq * k), so that a bad k
// is an error rather than a multi-gigabyte allocation.
constexpr int64_t kMaxResults = int64_t{1} << 30;

// File format (all integers little-endian, as FAISS's own payload):
//   0  char[8]  magic "BMGANN\r\n" (the \r\n catches text-mode mangling)
//   8  uint32   format version (kFormatVersion)
//  12  uint32   header size in bytes (kHeaderSize)
//  16  uint64   payload size in bytes
//  24  uint64   FNV-1a 64 of the payload
//  32  payload: faiss::write_index() of the IndexIDMap
// The checksum is verified before FAISS parses anything: FAISS trusts sizes
// read from the stream and a corrupt one can allocate without bound.
constexpr char kMagic[8] = {'B', 'M', 'G', 'A', 'N', 'N', '\r', '\n'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderSize = 32;

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

template <typename T>
void AppendLittleEndian(T value, std::string* out) {
  static_assert(std::is_integral_v<T>);
  for (size_t i = 0; i < sizeof(T); ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

template <typename T>
T ReadLittleEndian(absl::string_view bytes, size_t offset) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<unsigned char>(bytes[offset + i]))
             << (8 * i);
  }
  return value;
}

faiss::MetricType ToFaiss(Metric metric) {
  return metric == Metric::kL2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
}

// The worst possible score, used for padding missing results.
float WorstScore(Metric metric) {
  return metric == Metric::kL2 ? std::numeric_limits<float>::infinity()
                               : -std::numeric_limits<float>::infinity();
}

// The only place FAISS (and allocation) exceptions become absl::Status.
// Call from inside a catch block.
absl::Status StatusFromCurrentException(absl::string_view context) {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(context, ": out of memory"));
  } catch (const faiss::FaissException& e) {
    return absl::InternalError(absl::StrCat(context, ": FAISS: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(context, ": ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat(context, ": unknown exception"));
  }
}

// Sets the OpenMP thread count of the calling thread (OpenMP's nthreads-var
// is per task, and libgomp keeps it per thread) for one scope and restores
// it. Other threads, and the process-wide default, are never touched, so
// concurrent callers with different settings do not interfere.
class ScopedOmpThreads {
 public:
  // n <= 0: leave the setting alone.
  explicit ScopedOmpThreads(int n) : saved_(omp_get_max_threads()) {
    if (n > 0 && n != saved_) {
      omp_set_num_threads(n);
      active_ = true;
    }
  }
  ~ScopedOmpThreads() {
    if (active_) omp_set_num_threads(saved_);
  }
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  const int saved_;
  bool active_ = false;
};

// OpenMP threads for a search of nq queries: requested (0 = inherit), but
// never more than nq. FAISS opens an OpenMP team even for one query, and
// with HNSW every team member allocates a visited table of size(); a lone
// query on a 16-thread default would pay for 16 of them.
//
// Exact batches large enough for FAISS's BLAS path get one thread: there
// the work is one sgemm (threaded by OpenBLAS itself) between many tiny
// OpenMP regions that merge results into heaps, and libgomp's spin-waiting
// workers fight the BLAS call for the cores. Measured on the 2-core VM, 50k
// x 64, 1000 queries: 86 us/query with 1 thread, 403 with 2 (see
// BENCHMARKS.md).
int SearchThreads(int requested, int64_t nq, bool exact) {
  if (exact && nq >= faiss::distance_compute_blas_threshold) return 1;
  const int64_t base = requested > 0 ? requested : omp_get_max_threads();
  return static_cast<int>(std::max<int64_t>(1, std::min(base, nq)));
}

// Checks that FAISS's search code can run on `index` without reading out of
// bounds: the types we build, consistent sizes, and graph links in range.
// Corrupt files are caught by the checksum first; this guards against a
// file that was written wrong, or by something else.
absl::Status ValidateIndex(const faiss::Index& index) {
  const auto* idmap = dynamic_cast<const faiss::IndexIDMap*>(&index);
  if (idmap == nullptr) {
    return absl::InvalidArgumentError(
        "unsupported index type: expected an IndexIDMap");
  }
  const faiss::Index* inner = idmap->index;
  if (inner == nullptr) return absl::DataLossError("IndexIDMap has no index");
  const int64_t n = idmap->ntotal;
  const int d = idmap->d;
  if (d < 1) return absl::DataLossError(absl::StrCat("bad dimension ", d));
  if (idmap->metric_type != faiss::METRIC_L2 &&
      idmap->metric_type != faiss::METRIC_INNER_PRODUCT) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported metric type ", static_cast<int>(idmap->metric_type)));
  }
  if (n < 0 || n > std::numeric_limits<int32_t>::max()) {
    return absl::DataLossError(absl::StrCat("bad vector count ", n));
  }
  if (inner->d != d || inner->metric_type != idmap->metric_type ||
      inner->ntotal != n || static_cast<int64_t>(idmap->id_map.size()) != n) {
    return absl::DataLossError(
        absl::StrCat("inconsistent index: dim ", d, "/", inner->d, ", size ", n,
                     "/", inner->ntotal, ", id map ", idmap->id_map.size()));
  }
  for (int64_t id : idmap->id_map) {
    if (id < 0) return absl::DataLossError(absl::StrCat("negative id ", id));
  }

  // Both kinds keep the vectors in an IndexFlat.
  const faiss::IndexFlat* flat = dynamic_cast<const faiss::IndexFlat*>(inner);
  const auto* hnsw = dynamic_cast<const faiss::IndexHNSWFlat*>(inner);
  if (hnsw != nullptr) {
    if (hnsw->reconstruct_from_neighbors != nullptr) {
      return absl::InvalidArgumentError("unsupported HNSW variant");
    }
    flat = dynamic_cast<const faiss::IndexFlat*>(hnsw->storage);
    if (flat == nullptr) return absl::DataLossError("HNSW has no flat storage");
  } else if (flat == nullptr) {
    return absl::InvalidArgumentError(
        "unsupported index type: expected IDMap,Flat or IDMap,HNSW");
  }
  if (flat->d != d || flat->metric_type != idmap->metric_type ||
      flat->ntotal != n || flat->code_size != sizeof(float) * d ||
      flat->codes.size() != static_cast<size_t>(n) * flat->code_size) {
    return absl::DataLossError("inconsistent flat storage");
  }
  if (hnsw == nullptr) return absl::OkStatus();

  const faiss::HNSW& g = hnsw->hnsw;
  const std::vector<int>& cum = g.cum_nneighbor_per_level;
  if (cum.size() < 2 || cum[0] != 0) {
    return absl::DataLossError("HNSW: bad neighbours-per-level table");
  }
  for (size_t l = 1; l < cum.size(); ++l) {
    if (cum[l] < cum[l - 1]) {
      return absl::DataLossError("HNSW: bad neighbours-per-level table");
    }
  }
  if (static_cast<int64_t>(g.levels.size()) != n ||
      static_cast<int64_t>(g.offsets.size()) != n + 1 || g.offsets[0] != 0 ||
      g.offsets[n] != g.neighbors.size()) {
    return absl::DataLossError("HNSW: inconsistent graph sizes");
  }
  for (int64_t i = 0; i < n; ++i) {
    const int level = g.levels[i];
    if (level < 1 || static_cast<size_t>(level) >= cum.size() ||
        g.offsets[i + 1] < g.offsets[i] ||
        g.offsets[i + 1] - g.offsets[i] != static_cast<size_t>(cum[level])) {
      return absl::DataLossError(
          absl::StrCat("HNSW: bad level or offsets at node ", i));
    }
  }
  for (faiss::HNSW::storage_idx_t nb : g.neighbors) {
    if (nb < -1 || nb >= n) {
      return absl::DataLossError(absl::StrCat("HNSW: link to node ", nb));
    }
  }
  if (n > 0 && (g.entry_point < 0 || g.entry_point >= n ||
                g.max_level != g.levels[g.entry_point] - 1)) {
    return absl::DataLossError("HNSW: bad entry point");
  }
  // Our search path is the plain greedy descent (upper_beam == 1); the
  // beam variant is never built by us and would trust more fields.
  if (g.efSearch < 1 || g.efSearch > kMaxEfSearchLimit) {
    return absl::DataLossError(absl::StrCat("HNSW: bad efSearch ", g.efSearch));
  }
  if (g.upper_beam != 1) {
    return absl::InvalidArgumentError("unsupported HNSW upper_beam");
  }
  return absl::OkStatus();
}

// Distances for FAISS's HNSW graph walk over the flat storage's vectors,
// with our inner product kernel (models/ann/dot.h says why). HNSW walks
// toward smaller values, so a similarity is negated, as FAISS's own
// storage_distance_computer does for METRIC_INNER_PRODUCT.
class NegativeInnerProduct final : public faiss::DistanceComputer {
 public:
  NegativeInnerProduct(const float* base, int dim) : base_(base), dim_(dim) {}
  void set_query(const float* x) override { query_ = x; }
  float operator()(idx_t i) override {
    return -Dot(query_, base_ + i * dim_, dim_);
  }
  float symmetric_dis(idx_t i, idx_t j) override {
    return -Dot(base_ + i * dim_, base_ + j * dim_, dim_);
  }

 private:
  const float* const base_;
  const int dim_;
  const float* query_ = nullptr;
};

// IndexHNSW::search for queries answered on the calling thread, the way
// FAISS 1.7.3 does it per query (heapify, HNSW::search, reorder, negate)
// with two differences: the distance kernel above, and a visited table per
// thread reused across calls (IndexHNSW::search allocates and clears one
// of size() bytes for every call: 100 kB per query at 100k items). Each
// request thread keeps one table of the last index's size() bytes (1 MB
// per thread at 1M items) until it exits.
void SearchHnswOnThisThread(const faiss::IndexHNSW& index, int64_t nq,
                            const float* queries, int k,
                            const faiss::SearchParametersHNSW& params,
                            float* distances, int64_t* labels) {
  const auto& flat = dynamic_cast<const faiss::IndexFlat&>(*index.storage);
  const int dim = static_cast<int>(index.d);
  thread_local std::unique_ptr<faiss::VisitedTable> visited;
  if (visited == nullptr ||
      visited->visited.size() != static_cast<size_t>(index.ntotal)) {
    visited = std::make_unique<faiss::VisitedTable>(index.ntotal);
  }
  NegativeInnerProduct dis(flat.get_xb(), dim);
  for (int64_t q = 0; q < nq; ++q) {
    float* d = distances + q * k;
    int64_t* l = labels + q * k;
    dis.set_query(queries + q * dim);
    faiss::maxheap_heapify(k, d, l);
    // HNSW::search advances the table when it returns; a search that threw
    // (bad_alloc) left its marks: a fresh round first (advancing twice is
    // harmless).
    visited->advance();
    index.hnsw.search(dis, k, l, d, *visited, &params);
    faiss::maxheap_reorder(k, d, l);
    for (int j = 0; j < k; ++j) d[j] = -d[j];
  }
}

}  // namespace

absl::string_view MetricName(Metric metric) {
  return metric == Metric::kL2 ? "l2" : "inner_product";
}

IndexChoice ChooseIndex(int64_t num_vectors, const IndexOptions& options) {
  IndexChoice choice;
  if (num_vectors < options.exact_below) {
    choice.factory = "IDMap,Flat";
    choice.reason =
        absl::StrCat("exact search: ", num_vectors,
                     " vectors < exact_below=", options.exact_below);
  } else {
    choice.factory = absl::StrCat("IDMap,HNSW", options.hnsw_m);
    choice.reason = absl::StrCat(
        "HNSW (M=", options.hnsw_m,
        ", efConstruction=", options.ef_construction,
        ", maxEfSearch=", options.max_ef_search, "): ", num_vectors,
        " vectors >= exact_below=", options.exact_below);
  }
  return choice;
}

VectorIndex::VectorIndex(std::unique_ptr<faiss::Index> index)
    : index_(std::move(index)) {
  // ValidateIndex() has checked these casts.
  const auto& idmap = dynamic_cast<const faiss::IndexIDMap&>(*index_);
  inner_ = idmap.index;
  id_map_ = absl::MakeConstSpan(idmap.id_map);
  dim_ = idmap.d;
  metric_ = idmap.metric_type == faiss::METRIC_L2 ? Metric::kL2
                                                  : Metric::kInnerProduct;
  if (const auto* h = dynamic_cast<const faiss::IndexHNSWFlat*>(inner_)) {
    hnsw_ = inner_;
    // Level 0 has 2*M links and every level above M.
    hnsw_m_ = h->hnsw.cum_nneighbor_per_level.size() > 2
                  ? h->hnsw.nb_neighbors(1)
                  : h->hnsw.nb_neighbors(0) / 2;
    ef_construction_ = h->hnsw.efConstruction;
    max_ef_search_ = h->hnsw.efSearch;
  }
}

VectorIndex::~VectorIndex() = default;

absl::StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Build(
    absl::Span<const float> vectors, absl::Span<const int64_t> ids, int dim,
    const IndexOptions& options) {
  if (dim < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("dim must be >= 1, got ", dim));
  }
  const int64_t n = static_cast<int64_t>(ids.size());
  if (vectors.size() / dim != ids.size() || vectors.size() % dim != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "got ", vectors.size(), " floats for ", ids.size(), " ids of dim ", dim,
        " (want ", ids.size(), " * ", dim, ")"));
  }
  if (n > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(absl::StrCat("too many vectors: ", n));
  }
  if (options.hnsw_m < 2 || options.hnsw_m > 512 ||
      options.ef_construction < 1 || options.exact_below < 0 ||
      options.max_ef_search < 1 || options.max_ef_search > kMaxEfSearchLimit ||
      options.threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad IndexOptions: hnsw_m=", options.hnsw_m, " ef_construction=",
        options.ef_construction, " max_ef_search=", options.max_ef_search,
        " exact_below=", options.exact_below, " threads=", options.threads));
  }
  for (size_t i = 0; i < vectors.size(); ++i) {
    if (!std::isfinite(vectors[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("vector ", i / dim, " (id ", ids[i / dim],
                       ") component ", i % dim, " is not finite"));
    }
  }
  {
    std::unordered_set<int64_t> seen;
    seen.reserve(ids.size());
    for (int64_t id : ids) {
      if (id < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("ids must be >= 0, got ", id));
      }
      if (!seen.insert(id).second) {
        return absl::InvalidArgumentError(absl::StrCat("duplicate id ", id));
      }
    }
  }

  const IndexChoice choice = ChooseIndex(n, options);
  ScopedOmpThreads threads(options.threads);
  try {
    std::unique_ptr<faiss::Index> index(faiss::index_factory(
        dim, choice.factory.c_str(), ToFaiss(options.metric)));
    auto* idmap = dynamic_cast<faiss::IndexIDMap*>(index.get());
    if (idmap == nullptr) {
      return absl::InternalError(
          absl::StrCat(choice.factory, " did not make an IndexIDMap"));
    }
    if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(idmap->index)) {
      hnsw->hnsw.efConstruction = options.ef_construction;
      // Written once here, before anyone can search; saved with the index.
      // In FAISS 1.7.3 it bounds every query's candidate queue (see
      // IndexOptions::max_ef_search).
      hnsw->hnsw.efSearch = options.max_ef_search;
    }
    if (n > 0) index->add_with_ids(n, vectors.data(), ids.data());
    if (absl::Status s = ValidateIndex(*index); !s.ok()) {
      return absl::InternalError(
          absl::StrCat("built index fails validation: ", s.message()));
    }
    return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(index)));
  } catch (...) {
    return StatusFromCurrentException(
        absl::StrCat("building ", choice.factory));
  }
}

absl::StatusOr<std::string> VectorIndex::Serialize() const {
  faiss::VectorIOWriter writer;
  try {
    faiss::write_index(index_.get(), &writer);
  } catch (...) {
    return StatusFromCurrentException("serializing index");
  }
  absl::string_view payload(reinterpret_cast<const char*>(writer.data.data()),
                            writer.data.size());
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  out.append(kMagic, sizeof(kMagic));
  AppendLittleEndian<uint32_t>(kFormatVersion, &out);
  AppendLittleEndian<uint32_t>(kHeaderSize, &out);
  AppendLittleEndian<uint64_t>(payload.size(), &out);
  AppendLittleEndian<uint64_t>(Fnv1a64(payload), &out);
  out.append(payload.data(), payload.size());
  return out;
}

absl::StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Deserialize(
    absl::string_view bytes) {
  if (bytes.size() < kHeaderSize ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::DataLossError("not a Boomerang vector index (bad magic)");
  }
  const auto version = ReadLittleEndian<uint32_t>(bytes, 8);
  const auto header_size = ReadLittleEndian<uint32_t>(bytes, 12);
  const auto payload_size = ReadLittleEndian<uint64_t>(bytes, 16);
  const auto checksum = ReadLittleEndian<uint64_t>(bytes, 24);
  if (version != kFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("vector index format version ", version,
                     ", this build reads ", kFormatVersion));
  }
  if (header_size != kHeaderSize ||
      payload_size != bytes.size() - kHeaderSize) {
    return absl::DataLossError(absl::StrCat(
        "vector index truncated or padded: header says ", payload_size,
        " payload bytes, have ", bytes.size() - kHeaderSize));
  }
  const absl::string_view payload = bytes.substr(kHeaderSize);
  if (Fnv1a64(payload) != checksum) {
    return absl::DataLossError("vector index checksum mismatch");
  }
  try {
    faiss::VectorIOReader reader;
    reader.data.assign(payload.begin(), payload.end());
    std::unique_ptr<faiss::Index> index(faiss::read_index(&reader));
    if (reader.rp != reader.data.size()) {
      return absl::DataLossError(absl::StrCat("vector index has ",
                                              reader.data.size() - reader.rp,
                                              " trailing bytes"));
    }
    if (absl::Status s = ValidateIndex(*index); !s.ok()) return s;
    return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(index)));
  } catch (...) {
    // The checksum matched, so the writer produced something FAISS cannot
    // read back: still the file's fault, not ours.
    absl::Status s = StatusFromCurrentException("reading vector index");
    if (absl::IsResourceExhausted(s)) return s;
    return absl::DataLossError(s.message());
  }
}

absl::Status VectorIndex::Save(const std::string& path) const {
  absl::StatusOr<std::string> bytes = Serialize();
  if (!bytes.ok()) return bytes.status();
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  const char* p = bytes->data();
  size_t left = bytes->size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return absl::ErrnoToStatus(e, absl::StrCat("write ", path));
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    return absl::ErrnoToStatus(e, absl::StrCat("fsync ", path));
  }
  if (::close(fd) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("close ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Load(
    const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  std::string bytes;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) bytes.reserve(st.st_size);
  char buf[1 << 16];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof(buf));
    if (r < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return absl::ErrnoToStatus(e, absl::StrCat("read ", path));
    }
    if (r == 0) break;
    bytes.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  absl::StatusOr<std::unique_ptr<VectorIndex>> index = Deserialize(bytes);
  if (!index.ok()) {
    return absl::Status(index.status().code(),
                        absl::StrCat(path, ": ", index.status().message()));
  }
  return index;
}

absl::Status VectorIndex::Search(absl::Span<const float> queries, int k,
                                 const SearchOptions& options,
                                 std::vector<int64_t>* ids,
                                 std::vector<float>* scores) const {
  if (ids == nullptr || scores == nullptr) {
    return absl::InvalidArgumentError("ids and scores must be non-null");
  }
  if (k < 1) {
    return absl::InvalidArgumentError(absl::StrCat("k must be >= 1, got ", k));
  }
  if (options.ef_search < 1 || options.threads < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad SearchOptions: ef_search=", options.ef_search,
                     " threads=", options.threads));
  }
  if (queries.size() % dim_ != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("query size ", queries.size(),
                     " is not a multiple of the index dimension ", dim_));
  }
  const int64_t nq = static_cast<int64_t>(queries.size() / dim_);
  if (nq > kMaxResults / k) {
    return absl::InvalidArgumentError(absl::StrCat(
        nq, " queries x k=", k, " exceeds ", kMaxResults, " results"));
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    if (!std::isfinite(queries[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query ", i / dim_, " component ", i % dim_, " is not finite"));
    }
  }

  const size_t total = static_cast<size_t>(nq) * k;
  std::vector<int64_t> labels;
  std::vector<float> distances;
  try {
    labels.assign(total, -1);
    distances.resize(total);
    if (nq > 0 && size() > 0) {
      const int threads_wanted =
          SearchThreads(options.threads, nq, /*exact=*/hnsw_ == nullptr);
      ScopedOmpThreads threads(threads_wanted);
      if (hnsw_ != nullptr) {
        // Per-call parameters on the sub-index; the shared index's
        // hnsw.efSearch is never written after Build()/Load(). FAISS 1.7.3
        // takes the queue size from hnsw.efSearch (our max_ef_search_, or k
        // if larger) and the stopping rule from params.efSearch, so clamp.
        faiss::SearchParametersHNSW params;
        params.efSearch =
            std::max(std::min(options.ef_search, max_ef_search_), k);
        if (threads_wanted == 1 && metric_ == Metric::kInnerProduct) {
          SearchHnswOnThisThread(dynamic_cast<const faiss::IndexHNSW&>(*hnsw_),
                                 nq, queries.data(), k, params,
                                 distances.data(), labels.data());
        } else {
          hnsw_->search(nq, queries.data(), k, distances.data(), labels.data(),
                        &params);
        }
      } else {
        inner_->search(nq, queries.data(), k, distances.data(), labels.data());
      }
    }
  } catch (...) {
    return StatusFromCurrentException("vector search");
  }

  // Internal row numbers -> external ids; pad misses.
  const float worst = WorstScore(metric_);
  const int64_t n = size();
  for (size_t i = 0; i < total; ++i) {
    const int64_t row = labels[i];
    if (row >= 0 && row < n) {
      labels[i] = id_map_[row];
    } else {
      labels[i] = -1;
      distances[i] = worst;
    }
  }
  ids->swap(labels);
  scores->swap(distances);
  return absl::OkStatus();
}

std::string VectorIndex::description() const {
  std::string s = hnsw_ != nullptr ? absl::StrCat("IDMap,HNSW", hnsw_m_)
                                   : std::string("IDMap,Flat");
  absl::StrAppend(&s, " metric=", MetricName(metric_), " dim=", dim_,
                  " size=", size());
  if (hnsw_ != nullptr) {
    absl::StrAppend(&s, " efConstruction=", ef_construction_,
                    " maxEfSearch=", max_ef_search_);
  }
  return s;
}

}  // namespace boomerang::ann
