// One loaded, immutable snapshot version, and the holder of the one that
// currently serves.
//
// Open() reads the RocksDB tables once (read-only) and decodes them into a
// compact in-memory index: dense item indices, one array of co-purchase
// edges (16 bytes each). Requests then touch no disk, parse no protobuf and
// allocate little: measured, parsing each anchor's list per request took
// ~30% of the server's CPU (BENCHMARKS.md).
//
// A request copies the current std::shared_ptr<const Snapshot> once at its
// start (SnapshotHolder::Current) and uses only that, so a later swap never
// changes the data under a running request; the old version is freed when
// the last request holding it finishes.
//
// Thread-safety: Snapshot is immutable after Open() and safe to share.
// SnapshotHolder is thread-safe.
#ifndef BOOMERANG_MODELS_SNAPSHOT_SNAPSHOT_H_
#define BOOMERANG_MODELS_SNAPSHOT_SNAPSHOT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/ann/vector_index.h"
#include "models/cooccurrence.h"
#include "models/rank/item_graph.h"
#include "models/rank/picks_ranker.h"
#include "models/snapshot/internal/tables.h"

namespace boomerang {

struct SnapshotOptions {
  // Verify every file's SHA-256 against the manifest before serving.
  // Costs one read of the snapshot (about 1 s per GB).
  bool verify_checksums = true;
  // Upper bound of the RocksDB block cache used while loading.
  size_t cache_bytes = size_t{64} << 20;
};

// The item side is an ItemGraph: what the rankers of models/rank/ read.
class Snapshot final : public ItemGraph {
 public:
  // Opens the snapshot directory `dir` (a complete version directory).
  // FAILED_PRECONDITION when its format version is not the one this build
  // reads (the message says to rebuild it with boomerang-indexer);
  // DATA_LOSS for a corrupt or unreadable file.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Open(
      const std::string& dir, const SnapshotOptions& options);

  // The newest complete version directory under `root`. NOT_FOUND with a
  // message telling the user how to make one when there is none.
  static absl::StatusOr<std::string> FindNewest(const std::string& root);

  // Opens the newest complete version under `root` that loads, or exactly
  // `version` when it is not 0. A version that fails to load (corrupt,
  // unreadable) is skipped for the next older one; each failure is passed
  // to `on_skip` (directory, why). Fails when no version loads.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> OpenNewest(
      const std::string& root, int64_t version, const SnapshotOptions& options,
      const std::function<void(const std::string&, const absl::Status&)>&
          on_skip);

  const std::string& version() const { return manifest_.version(); }
  const std::string& dir() const { return dir_; }
  const v1::SnapshotManifest& manifest() const { return manifest_; }
  // The manifest's data_end (the latest purchase) in unix seconds, parsed
  // once at load; 0 when the manifest has none.
  int64_t data_end_seconds() const { return data_end_seconds_; }

  // Dense index of an item, or -1 when the snapshot does not know it. An
  // id the indexer merged into another (--merge-item-case: "85123a" into
  // "85123A") finds the item it was merged into; item_id() then gives the
  // kept spelling.
  int32_t FindItem(absl::string_view item_id) const override;
  int32_t num_items() const override {
    return static_cast<int32_t>(item_ids_.size());
  }
  // REQUIRES: 0 <= index < num_items().
  const std::string& item_id(int32_t index) const override {
    return item_ids_[index];
  }
  const v1::ItemRecord& item(int32_t index) const override {
    return items_[index];
  }

  // The item's co-purchase list, best first (empty when it has none), and
  // the number of orders it was counted in.
  absl::Span<const Neighbor> Fbt(int32_t index) const override {
    return absl::MakeConstSpan(edges_.data() + edge_offsets_[index],
                               edges_.data() + edge_offsets_[index + 1]);
  }
  int64_t fbt_anchor_orders(int32_t index) const override {
    return anchor_orders_[index];
  }

  const v1::PopularItems& popular() const override { return popular_; }
  int recent_days() const override {
    return manifest_.parameters().recent_days();
  }

  // Items nearest to `index` by embedding, best first (empty when the item
  // has no vector).
  using SimilarEdge = boomerang::SimilarEdge;
  absl::Span<const SimilarEdge> Similar(int32_t index) const override {
    return absl::MakeConstSpan(
        similar_edges_.data() + similar_offsets_[index],
        similar_edges_.data() + similar_offsets_[index + 1]);
  }

  // Items of exactly this category, most orders first (empty for an unknown
  // or empty category).
  absl::Span<const int32_t> CategoryBestSellers(
      absl::string_view category) const override;

  // Items of exactly this category, cheapest first (for price bands).
  absl::Span<const int32_t> CategoryByPrice(
      absl::string_view category) const override;
  // |item vector| (0 without one, or for an index past num_items(): the
  // live catalog's new items have no vector).
  float ItemNorm(int32_t index) const {
    return item_norms_.empty() || index < 0 || index >= num_items()
               ? 0
               : item_norms_[index];
  }
  // The item's price history from the "prices" table, oldest first (empty
  // when the snapshot has none for it).
  absl::Span<const v1::PriceChange> PriceHistory(int32_t index) const {
    auto it = prices_.find(index);
    return it == prices_.end() ? absl::Span<const v1::PriceChange>()
                               : absl::MakeConstSpan(it->second);
  }

  // log(1 + orders) / log(1 + the best seller's orders), in [0, 1].
  float Popularity(int32_t index) const override { return popularity_[index]; }

  // Embeddings (dim() == 0 when the snapshot has none).
  int dim() const { return dim_; }
  // REQUIRES: dim() > 0.
  const float* item_vector(int32_t index) const {
    return item_vectors_.data() + int64_t{index} * dim_;
  }
  // Cosine of two items' vectors (0 when either has none).
  float ItemCosine(int32_t a, int32_t b) const;
  // x . y_item for a query of dim() floats (a customer vector).
  float ItemDot(const float* query, int32_t index) const;
  // Nearest items to `query` by inner product (the customer's taste).
  absl::Status SearchItems(absl::Span<const float> query, int k,
                           std::vector<int64_t>* ids,
                           std::vector<float>* scores) const;

  // A customer's record (history, vector). NOT_FOUND for an unknown one.
  // Reads the customers table (block cache, then disk).
  absl::Status GetCustomer(absl::string_view customer_id,
                           v1::CustomerRecord* out) const;

  // Customer records in key order, from the first id after `after` (from
  // the start when empty); stops when fn returns false. For batch jobs.
  absl::Status ScanCustomers(
      absl::string_view after,
      const std::function<bool(absl::string_view, absl::string_view)>& fn)
      const;
  int64_t num_customers() const { return manifest_.counts().customers(); }

  // BG/NBD, Gamma-Gamma and RFM cutoffs (empty in snapshots made before
  // they existed: profiles then have no predictions).
  const v1::CustomerModel& customer_model() const { return customer_model_; }

  // The learned picks ranker (layout.h kPicksRankerFile), or null when the
  // snapshot has none: PersonalPicks then ranks by hand-set weights.
  const PicksRanker* picks_ranker() const { return picks_ranker_.get(); }
  // Why a ranker the snapshot has is not used (empty when it is, or when
  // there is none).
  const std::string& picks_ranker_note() const { return picks_ranker_note_; }

 private:
  Snapshot() = default;
  // The steps of Open(), in order; each fills its members from `tables`.
  absl::Status LoadItems(const TableReader& tables);
  absl::Status LoadFbt(const TableReader& tables);
  absl::Status LoadSimilar(const TableReader& tables);
  // The "prices" table, when the snapshot has one.
  absl::Status LoadPrices(const TableReader& tables);
  // Popularity and the per-category lists, from the item records.
  void RankItems();
  // Best sellers, the customer model and the item aliases.
  absl::Status LoadMeta(const TableReader& tables);
  absl::Status LoadEmbeddings(const TableReader& tables);
  absl::Status LoadPicksRanker();
  // SearchItems for exact indexes, from item_vectors_.
  void ExactTopK(const float* query, int k, std::vector<int64_t>* ids,
                 std::vector<float>* scores) const;

  // Constant after construction.
  std::string dir_;
  v1::SnapshotManifest manifest_;
  int64_t data_end_seconds_ = 0;
  std::vector<std::string> item_ids_;  // sorted (the table's key order)
  absl::flat_hash_map<std::string, int32_t> index_;
  // Merged spellings (meta "item_aliases") -> dense index.
  absl::flat_hash_map<std::string, int32_t> aliases_;
  std::vector<v1::ItemRecord> items_;
  std::vector<int64_t> edge_offsets_;  // num_items + 1
  std::vector<Neighbor> edges_;
  std::vector<int64_t> anchor_orders_;
  std::vector<int64_t> similar_offsets_;  // num_items + 1
  std::vector<SimilarEdge> similar_edges_;
  std::vector<float> popularity_;
  int dim_ = 0;
  std::vector<float> item_vectors_;
  std::vector<float> item_norms_;
  std::unique_ptr<ann::VectorIndex> item_index_;
  std::unique_ptr<TableReader> tables_;
  absl::flat_hash_map<int32_t, std::vector<v1::PriceChange>> prices_;
  absl::flat_hash_map<std::string, std::vector<int32_t>> category_best_;
  absl::flat_hash_map<std::string, std::vector<int32_t>> category_by_price_;
  v1::PopularItems popular_;
  v1::CustomerModel customer_model_;
  std::unique_ptr<const PicksRanker> picks_ranker_;
  std::string picks_ranker_note_;
};

class SnapshotHolder {
 public:
  std::shared_ptr<const Snapshot> Current() const {
    absl::MutexLock lock(&mu_);
    return current_;
  }
  void Set(std::shared_ptr<const Snapshot> snapshot) {
    absl::MutexLock lock(&mu_);
    current_.swap(snapshot);
    // `snapshot` (the old one) is released here, outside of any request.
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_SNAPSHOT_SNAPSHOT_H_
