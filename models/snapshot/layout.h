// The names of the snapshot contract, spelled once: the format version, the
// files of a version directory, the tables (RocksDB column families) and the
// keys of the meta table. The writer (models/snapshot/writer.h) writes with
// these names, the reader (models/snapshot/snapshot.h) reads with them; the
// records themselves are the messages of proto/boomerang/v1/snapshot.proto.
//
// Changing any value here changes the on-disk format: snapshots already
// published would no longer load. Add a name, never rename one; a change
// that old readers cannot follow bumps kSnapshotFormatVersion.
//
// A version directory <root>/<NNNNNN>/ holds:
//   manifest.json     SnapshotManifest (protobuf JSON), written last
//   tables/           the RocksDB database of the tables below
//   items.faiss       with embeddings: the item vectors as an ANN index
//                     (models/ann/), ids are ItemRecord.index
//   item_vectors.f32  with embeddings: the same vectors as raw float32, items
//                     in table order, EmbeddingInfo.factors floats each
//
// Thread-safety: constants only.
#ifndef BOOMERANG_MODELS_SNAPSHOT_LAYOUT_H_
#define BOOMERANG_MODELS_SNAPSHOT_LAYOUT_H_

namespace boomerang {

// SnapshotManifest.format_version of what this build writes and reads. A
// reader refuses any other version (ReadManifest in snapshot_dir.h).
inline constexpr int kSnapshotFormatVersion = 1;

// Files and directories of a version directory.
inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr const char* kTablesDir = "tables";
inline constexpr const char* kItemIndexFile = "items.faiss";
inline constexpr const char* kItemVectorsFile = "item_vectors.f32";
// The learned picks ranker (models/rank/picks_ranker.h, XGBoost UBJSON).
// Optional: a snapshot without it (made before issue 12, or with
// `boomerang-indexer --no-ranker`) serves PersonalPicks with the
// hand-weighted ranking (models/personal_picks.h).
inline constexpr const char* kPicksRankerFile = "picks_ranker.ubj";

// Tables (column families; keys are UTF-8 item ids unless stated).
// ItemRecord per item.
inline constexpr const char* kItemsTable = "items";
// FbtList per item: its co-purchased items, best first (only items with
// some).
inline constexpr const char* kFbtTable = "fbt";
// One record per key, each of its own message: the k*Key names below.
inline constexpr const char* kMetaTable = "meta";
// SimilarList per item: nearest items, best first (only items with some).
inline constexpr const char* kSimilarTable = "similar";
// CustomerRecord per customer id.
inline constexpr const char* kCustomersTable = "customers";
// PriceHistory per item id (only items with a known price). Absent in
// snapshots written before it: the reader then has no price histories.
inline constexpr const char* kPricesTable = "prices";

// Keys of the meta table.
// PopularItems: best sellers overall and recently. Always written.
inline constexpr const char* kPopularKey = "popular";
// CustomerModel: BG/NBD, Gamma-Gamma and RFM cutoffs. Always written (absent
// in snapshots made before it existed).
inline constexpr const char* kCustomerModelKey = "customer_model";
// ItemAliases: merged spellings (--merge-item-case). Only when ids were
// merged.
inline constexpr const char* kItemAliasesKey = "item_aliases";
// EmbeddingInfo: how the vectors were trained and indexed. Only when
// embeddings were trained; then item_vectors.f32 exists, and items.faiss
// unless EmbeddingInfo.ann_index is kNoItemIndex.
inline constexpr const char* kEmbeddingsKey = "embeddings";
// EmbeddingInfo.ann_index when no item had a vector to index.
inline constexpr const char* kNoItemIndex = "none";

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_SNAPSHOT_LAYOUT_H_
