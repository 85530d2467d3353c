// SnapshotWriter: what the indexer writes a snapshot through. It takes the
// records the indexer built (the messages of
// proto/boomerang/v1/snapshot.proto), lays them out as layout.h names them, and
// publishes the new version atomically (SnapshotBuilder, snapshot_dir.h).
//
// Before publishing, the writer opens the finished version with the reader
// the server loads (Snapshot::Open, checksums verified) and parses every
// customer record: a snapshot the server could not load is never published,
// and the same code verifies what it serves.
//
//   auto w = SnapshotWriter::Begin(root);  // claims a temporary directory
//   (*w)->AddItem(id, record); ...          // kept in memory, serialized
//   (*w)->WriteEmbeddings(...);             // files, written at once
//   auto dir = (*w)->Publish(manifest);     // tables, check, rename
//
// A writer that is destroyed before Publish() succeeds leaves nothing behind
// and the versions already published untouched.
//
// Thread-safety: single-threaded.
#ifndef BOOMERANG_MODELS_SNAPSHOT_WRITER_H_
#define BOOMERANG_MODELS_SNAPSHOT_WRITER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/ann/vector_index.h"
#include "models/snapshot/snapshot.h"
#include "models/snapshot/snapshot_dir.h"

namespace boomerang {

class TableWriter;

class SnapshotWriter {
 public:
  // Creates a fresh temporary version directory under `root` (creating
  // `root` if needed). Fails early on an unusable root: call it before the
  // expensive work.
  static absl::StatusOr<std::unique_ptr<SnapshotWriter>> Begin(
      const std::string& root);
  ~SnapshotWriter();

  // Rows of the tables, kept serialized until Publish(). Keys need not come
  // sorted; a key added twice to one table makes Publish() fail.
  void ReserveItems(size_t n) { items_.reserve(n); }
  void ReserveCustomers(size_t n) { customers_.reserve(n); }
  void AddItem(const std::string& item_id, const v1::ItemRecord& record);
  // Only items that have a list.
  void AddFbtList(const std::string& item_id, const v1::FbtList& list);
  void AddSimilarList(const std::string& item_id, const v1::SimilarList& list);
  // The item's price history, oldest first (table "prices").
  void AddPriceHistory(const std::string& item_id,
                       const v1::PriceHistory& history);
  void AddCustomer(const std::string& customer_id,
                   const v1::CustomerRecord& record);
  // The customers table, written now and not held in memory (1M customers'
  // records are ~1.7 GB serialized): `next(&id, &record)` sets the next
  // customer (on a cleared record) and returns true, or returns false at
  // the end. Ids must come in strictly increasing byte order; a repeated
  // id is an error. REQUIRES: no AddCustomer() calls, called at most once,
  // before OpenUnpublished() and Publish().
  absl::Status WriteCustomers(
      const std::function<bool(std::string* id, v1::CustomerRecord* record)>&
          next);

  // Meta records. Popular and the customer model are always written (empty
  // messages when not set); the aliases only when there are some.
  void SetPopular(const v1::PopularItems& popular);
  void SetCustomerModel(const v1::CustomerModel& model);
  void SetItemAliases(const v1::ItemAliases& aliases);

  // Embeddings: `info` goes to meta; `index` (may be null when no item has
  // a vector: then info.ann_index() must be kNoItemIndex) is saved as
  // items.faiss and `vectors` (num_items x info.factors() floats, items in
  // table order) as item_vectors.f32, both now.
  absl::Status WriteEmbeddings(const v1::EmbeddingInfo& info,
                               const ann::VectorIndex* index,
                               absl::Span<const float> vectors);

  // The learned picks ranker's model (TrainPicksRanker's bytes), a file
  // written now.
  absl::Status WritePicksRanker(absl::string_view model);

  // Writes the tables and opens the unpublished version with the reader
  // (checksums not verified; `manifest` is provisional, Publish() writes
  // the final one): for work that needs the snapshot as the server will
  // see it before it is published (training the picks ranker). Publish()
  // then adds nothing to the tables. The returned snapshot must be
  // released before Publish().
  absl::StatusOr<std::shared_ptr<const Snapshot>> OpenUnpublished(
      const v1::SnapshotManifest& manifest);

  // Writes the tables (unless OpenUnpublished did), completes `manifest`
  // (version, format_version, file checksums), checks the result with the
  // reader and renames it to the next version. Returns the published directory.
  // On failure nothing is published; a failed check is INTERNAL (UNAVAILABLE
  // for an I/O error) and says "snapshot check failed: ...; nothing was
  // published". REQUIRES: called once.
  absl::StatusOr<std::string> Publish(v1::SnapshotManifest manifest);

 private:
  using Rows = std::vector<std::pair<std::string, std::string>>;
  SnapshotWriter() = default;
  absl::Status OpenTables();
  absl::Status WriteTables();
  bool tables_written_ = false;
  bool customers_written_ = false;

  std::unique_ptr<SnapshotBuilder> builder_;
  std::unique_ptr<TableWriter> tables_;  // open while tables are written
  Rows items_, fbt_, meta_, similar_, customers_, prices_;
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_SNAPSHOT_WRITER_H_
