#include "models/snapshot/snapshot.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "models/ann/dot.h"
#include "models/snapshot/internal/tables.h"
#include "models/snapshot/layout.h"
#include "models/snapshot/snapshot_dir.h"
#include "models/timestamp.h"

namespace boomerang {

absl::StatusOr<std::string> Snapshot::FindNewest(const std::string& root) {
  std::error_code ec;
  if (std::filesystem::exists(root, ec) &&
      !std::filesystem::is_directory(root, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(root, " is a file, not a snapshot directory"));
  }
  auto versions = ListCompleteVersions(root);
  if (!versions.ok()) return versions.status();
  if (versions->empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no complete snapshot in ", root,
        "; build one with: boomerang-indexer --purchases orders.csv --out ",
        root));
  }
  return absl::StrCat(root, "/", VersionName(versions->back()));
}

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::OpenNewest(
    const std::string& root, int64_t version, const SnapshotOptions& options,
    const std::function<void(const std::string&, const absl::Status&)>&
        on_skip) {
  absl::Status newest = FindNewest(root).status();
  if (!newest.ok()) return newest;
  auto versions = ListCompleteVersions(root);
  if (!versions.ok()) return versions.status();
  if (version != 0) {
    if (std::find(versions->begin(), versions->end(), version) ==
        versions->end()) {
      return absl::NotFoundError(absl::StrCat("snapshot version ", version,
                                              " is not a complete snapshot in ",
                                              root));
    }
    return Open(absl::StrCat(root, "/", VersionName(version)), options);
  }
  absl::Status last;
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    const std::string dir = absl::StrCat(root, "/", VersionName(*it));
    auto snap = Open(dir, options);
    if (snap.ok()) return snap;
    last = snap.status();
    if (on_skip) on_skip(dir, last);
  }
  return absl::DataLossError(
      absl::StrCat("none of the ", versions->size(), " snapshots in ", root,
                   " loads; the oldest failed with: ", last.message()));
}

namespace {

absl::Status Unreadable(const std::string& dir, absl::string_view what,
                        absl::string_view key) {
  return absl::DataLossError(
      absl::StrCat("snapshot ", dir, ": ", what, " '", key, "' is unreadable"));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Open(
    const std::string& dir, const SnapshotOptions& options) {
  auto manifest = ReadManifest(dir);
  if (!manifest.ok()) return manifest.status();
  if (options.verify_checksums) {
    absl::Status s = VerifyChecksums(dir, *manifest);
    if (!s.ok()) return s;
  }
  std::shared_ptr<Snapshot> snap(new Snapshot());
  snap->dir_ = dir;
  snap->manifest_ = std::move(*manifest);
  if (auto end = ParseTimestamp(snap->manifest_.data_end()); end.ok()) {
    snap->data_end_seconds_ = std::max<int64_t>(0, *end);
  }
  auto tables = TableReader::Open(absl::StrCat(dir, "/", kTablesDir),
                                  options.cache_bytes);
  if (!tables.ok()) return tables.status();
  const TableReader& t = **tables;
  absl::Status s = snap->LoadItems(t);
  if (s.ok()) s = snap->LoadFbt(t);
  if (s.ok()) s = snap->LoadSimilar(t);
  if (s.ok()) s = snap->LoadPrices(t);
  if (!s.ok()) return s;
  snap->RankItems();
  s = snap->LoadMeta(t);
  if (s.ok()) s = snap->LoadEmbeddings(t);
  if (s.ok()) s = snap->LoadPicksRanker();
  if (!s.ok()) return s;
  snap->tables_ = std::move(*tables);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

absl::Status Snapshot::LoadPicksRanker() {
  const std::string path = absl::StrCat(dir_, "/", kPicksRankerFile);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return absl::OkStatus();
  std::ifstream in(path, std::ios::binary);
  std::string model((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (!in && !in.eof()) {
    return absl::UnavailableError(absl::StrCat("cannot read ", path));
  }
  auto ranker = PicksRanker::FromBuffer(model);
  if (absl::IsFailedPrecondition(ranker.status())) {
    // Made by a build with other features: serve without it (PersonalPicks
    // falls back to the hand-set weights) rather than not at all.
    picks_ranker_note_ = std::string(ranker.status().message());
    return absl::OkStatus();
  }
  if (!ranker.ok()) {
    return absl::DataLossError(
        absl::StrCat("snapshot ", dir_, ": ", ranker.status().message()));
  }
  // Same count but other features (a build that reordered them): the
  // manifest names the features it was trained on.
  const auto& names = manifest_.picks_ranker().features();
  for (int f = 0; f < names.size(); ++f) {
    if (names[f] != PicksFeatureName(f)) {
      picks_ranker_note_ = absl::StrCat(
          "picks ranker feature ", f, " is '", names[f], "'; this build's is '",
          PicksFeatureName(f), "' (rebuild the snapshot with this build)");
      return absl::OkStatus();
    }
  }
  picks_ranker_ = std::move(*ranker);
  return absl::OkStatus();
}

absl::Status Snapshot::LoadItems(const TableReader& tables) {
  absl::Status parse_error;
  const int64_t expected = manifest_.counts().items();
  item_ids_.reserve(expected);
  items_.reserve(expected);
  index_.reserve(expected);
  absl::Status s = tables.ForEach(kItemsTable, [&](absl::string_view key,
                                                   absl::string_view value) {
    v1::ItemRecord& rec = items_.emplace_back();
    if (!rec.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = Unreadable(dir_, "item record", key);
      return false;
    }
    index_.emplace(std::string(key), static_cast<int32_t>(item_ids_.size()));
    item_ids_.emplace_back(key);
    return true;
  });
  return s.ok() ? parse_error : s;
}

// Co-purchase lists -> one edge array indexed by dense item index. Keys of
// both tables are item ids in the same sorted order.
absl::Status Snapshot::LoadFbt(const TableReader& tables) {
  absl::Status parse_error;
  const int32_t n = num_items();
  edge_offsets_.assign(n + 1, 0);
  anchor_orders_.assign(n, 0);
  edges_.reserve(manifest_.counts().pairs_kept());
  int32_t next = 0;
  absl::Status s = tables.ForEach(kFbtTable, [&](absl::string_view key,
                                                 absl::string_view value) {
    int32_t a = FindItem(key);
    v1::FbtList list;
    if (a < 0 || a < next ||
        !list.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = a < 0 ? absl::DataLossError(absl::StrCat(
                                "snapshot ", dir_, ": co-purchase list of '",
                                key, "', an item not in the item table"))
                          : Unreadable(dir_, "co-purchase list", key);
      return false;
    }
    for (; next <= a; ++next) edge_offsets_[next] = edges_.size();
    anchor_orders_[a] = list.anchor_orders();
    for (const v1::FbtNeighbor& nb : list.neighbors()) {
      int32_t b = FindItem(nb.item_id());
      if (b < 0) {
        parse_error = absl::DataLossError(
            absl::StrCat("snapshot ", dir_, ": co-purchase list of '", key,
                         "' names unknown item '", nb.item_id(), "'"));
        return false;
      }
      edges_.push_back(Neighbor{b, static_cast<float>(nb.score()),
                                static_cast<int32_t>(nb.co_orders()),
                                static_cast<float>(nb.lift())});
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  for (; next <= n; ++next) edge_offsets_[next] = edges_.size();
  return absl::OkStatus();
}

// Similar-item lists, the same way.
absl::Status Snapshot::LoadSimilar(const TableReader& tables) {
  absl::Status parse_error;
  const int32_t n = num_items();
  similar_offsets_.assign(n + 1, 0);
  int32_t next = 0;
  absl::Status s = tables.ForEach(kSimilarTable, [&](absl::string_view key,
                                                     absl::string_view value) {
    int32_t a = FindItem(key);
    v1::SimilarList list;
    if (a < 0 || a < next ||
        !list.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = Unreadable(dir_, "similar-item list", key);
      return false;
    }
    for (; next <= a; ++next) similar_offsets_[next] = similar_edges_.size();
    for (const v1::SimilarNeighbor& nb : list.neighbors()) {
      int32_t b = FindItem(nb.item_id());
      if (b < 0) {
        parse_error = Unreadable(dir_, "similar-item list", key);
        return false;
      }
      similar_edges_.push_back(
          SimilarEdge{b, nb.similarity(), nb.title_similarity(),
                      nb.behavior_similarity(), nb.same_category()});
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  for (; next <= n; ++next) similar_offsets_[next] = similar_edges_.size();
  return absl::OkStatus();
}

absl::Status Snapshot::LoadPrices(const TableReader& tables) {
  if (!tables.HasTable(kPricesTable)) return absl::OkStatus();
  absl::Status parse_error;
  absl::Status s = tables.ForEach(
      kPricesTable, [&](absl::string_view key, absl::string_view value) {
        const int32_t a = FindItem(key);
        v1::PriceHistory history;
        if (a < 0 || !history.ParseFromArray(value.data(),
                                             static_cast<int>(value.size()))) {
          parse_error = Unreadable(dir_, "price history", key);
          return false;
        }
        std::vector<v1::PriceChange>& out = prices_[a];
        out.assign(history.changes().begin(), history.changes().end());
        return true;
      });
  if (!s.ok()) return s;
  return parse_error;
}

void Snapshot::RankItems() {
  const int32_t n = num_items();
  int64_t best = 1;
  for (int32_t i = 0; i < n; ++i) best = std::max(best, items_[i].orders());
  popularity_.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    popularity_[i] =
        static_cast<float>(std::log1p(items_[i].orders()) / std::log1p(best));
  }
  // Best sellers per category, for cold-start fallbacks.
  for (int32_t i = 0; i < n; ++i) {
    const std::string& c = items_[i].category();
    if (!c.empty()) category_best_[c].push_back(i);
  }
  for (auto& [category, list] : category_best_) {
    std::vector<int32_t>& by_price = category_by_price_[category];
    by_price = list;
    std::stable_sort(by_price.begin(), by_price.end(),
                     [&](int32_t x, int32_t y) {
                       return items_[x].price() < items_[y].price();
                     });
    std::stable_sort(list.begin(), list.end(), [&](int32_t x, int32_t y) {
      return items_[x].orders() > items_[y].orders();
    });
  }
}

absl::Status Snapshot::LoadMeta(const TableReader& tables) {
  std::string popular;
  absl::Status s = tables.Get(kMetaTable, kPopularKey, &popular);
  if (s.ok() && !popular_.ParseFromString(popular)) {
    return Unreadable(dir_, "table", kPopularKey);
  }
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  std::string model_bytes;
  s = tables.Get(kMetaTable, kCustomerModelKey, &model_bytes);
  if (s.ok() && !customer_model_.ParseFromString(model_bytes)) {
    return Unreadable(dir_, "table", kCustomerModelKey);
  }
  if (!s.ok() && !absl::IsNotFound(s)) return s;

  // Ids merged into another spelling, read after the lists above: their
  // keys are the kept ids, found without the aliases.
  std::string alias_bytes;
  s = tables.Get(kMetaTable, kItemAliasesKey, &alias_bytes);
  if (absl::IsNotFound(s)) return absl::OkStatus();
  if (!s.ok()) return s;
  v1::ItemAliases aliases;
  if (!aliases.ParseFromString(alias_bytes)) {
    return Unreadable(dir_, "table", kItemAliasesKey);
  }
  for (const v1::ItemAlias& a : aliases.aliases()) {
    const int32_t i = FindItem(a.item_id());
    if (i < 0) {
      return absl::DataLossError(
          absl::StrCat("snapshot ", dir_, ": item alias '", a.alias(),
                       "' names unknown item '", a.item_id(), "'"));
    }
    aliases_.emplace(a.alias(), i);
  }
  return absl::OkStatus();
}

// Embeddings, when trained.
absl::Status Snapshot::LoadEmbeddings(const TableReader& tables) {
  std::string info_bytes;
  absl::Status s = tables.Get(kMetaTable, kEmbeddingsKey, &info_bytes);
  if (absl::IsNotFound(s)) return absl::OkStatus();
  if (!s.ok()) return s;
  v1::EmbeddingInfo info;
  if (!info.ParseFromString(info_bytes)) {
    return Unreadable(dir_, "table", kEmbeddingsKey);
  }
  const int32_t n = num_items();
  dim_ = info.factors();
  const std::string vectors_path = absl::StrCat(dir_, "/", kItemVectorsFile);
  std::ifstream in(vectors_path, std::ios::binary);
  item_vectors_.resize(static_cast<size_t>(n) * dim_);
  in.read(reinterpret_cast<char*>(item_vectors_.data()),
          static_cast<std::streamsize>(item_vectors_.size() * sizeof(float)));
  if (!in.good()) {
    return absl::DataLossError(absl::StrCat(
        "snapshot ", dir_, ": ", vectors_path, " is missing or short"));
  }
  item_norms_.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    double sum = 0;
    const float* v = item_vector(i);
    for (int k = 0; k < dim_; ++k) sum += double{v[k]} * v[k];
    item_norms_[i] = static_cast<float>(std::sqrt(sum));
  }
  // No item had a vector to index: the indexer wrote no items.faiss, and
  // SearchItems finds nothing.
  if (info.ann_index() == kNoItemIndex) return absl::OkStatus();
  auto index = ann::VectorIndex::Load(absl::StrCat(dir_, "/", kItemIndexFile));
  if (!index.ok()) return index.status();
  item_index_ = std::move(*index);
  return absl::OkStatus();
}

absl::Span<const int32_t> Snapshot::CategoryBestSellers(
    absl::string_view category) const {
  auto it = category_best_.find(category);
  if (it == category_best_.end()) return {};
  return it->second;
}

namespace {

// Inner products of one query with `n` rows of `dim` floats.
void InnerProducts(const float* rows, int64_t n, int dim, const float* query,
                   float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = ann::Dot(rows + i * dim, query, dim);
}

}  // namespace

float Snapshot::ItemDot(const float* query, int32_t index) const {
  // Items added by live catalog updates (server/engine/catalog_view.h) take
  // indices after the snapshot's: they have no vector.
  if (dim_ == 0 || index < 0 || index >= num_items()) return 0;
  return ann::Dot(query, item_vector(index), dim_);
}

float Snapshot::ItemCosine(int32_t a, int32_t b) const {
  if (dim_ == 0 || a < 0 || b < 0 || a >= num_items() || b >= num_items() ||
      item_norms_[a] == 0 || item_norms_[b] == 0) {
    return 0;  // a live new item (no vector) or none at all
  }
  return ann::Dot(item_vector(a), item_vector(b), dim_) /
         (item_norms_[a] * item_norms_[b]);
}

void Snapshot::ExactTopK(const float* query, int k, std::vector<int64_t>* ids,
                         std::vector<float>* scores) const {
  const int64_t n = num_items();
  thread_local std::vector<float> dots;
  thread_local std::vector<std::pair<float, int32_t>> heap;
  dots.resize(n);
  InnerProducts(item_vectors_.data(), n, dim_, query, dots.data());
  // Top k by a min-heap of the best so far: after the first k, almost
  // every item loses one predictable comparison with the heap's minimum
  // (nth_element's partitioning mispredicts half its branches on floats).
  // Better = higher score, then lower index (deterministic ties).
  auto better = [](const std::pair<float, int32_t>& a,
                   const std::pair<float, int32_t>& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  heap.clear();
  const size_t cap = static_cast<size_t>(std::max(k, 0));
  for (int32_t i = 0; i < n; ++i) {
    if (item_norms_[i] <= 0) continue;  // no vector: not in the index
    const std::pair<float, int32_t> c(dots[i], i);
    if (heap.size() < cap) {
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (cap > 0 && better(c, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = c;
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  ids->resize(heap.size());
  scores->resize(heap.size());
  for (size_t j = 0; j < heap.size(); ++j) {
    (*ids)[j] = heap[j].second;
    (*scores)[j] = heap[j].first;
  }
}

absl::Status Snapshot::SearchItems(absl::Span<const float> query, int k,
                                   std::vector<int64_t>* ids,
                                   std::vector<float>* scores) const {
  if (item_index_ == nullptr || item_index_->size() == 0 || k <= 0) {
    ids->clear();
    scores->clear();
    return absl::OkStatus();
  }
  if (item_index_->is_exact() && dim_ > 0 &&
      static_cast<int64_t>(query.size()) == dim_) {
    ExactTopK(query.data(), k, ids, scores);
    return absl::OkStatus();
  }
  ann::SearchOptions opts;
  opts.threads = 1;  // request threads scale with gRPC, not OpenMP
  opts.ef_search = std::max(128, k);
  return item_index_->Search(query, std::min<int64_t>(k, item_index_->size()),
                             opts, ids, scores);
}

absl::Status Snapshot::GetCustomer(absl::string_view customer_id,
                                   v1::CustomerRecord* out) const {
  std::string value;
  absl::Status s = tables_->Get(kCustomersTable, customer_id, &value);
  if (!s.ok()) return s;
  if (!out->ParseFromString(value)) {
    return absl::DataLossError(
        absl::StrCat("customer record '", customer_id, "' is unreadable"));
  }
  return absl::OkStatus();
}

absl::Status Snapshot::ScanCustomers(
    absl::string_view after,
    const std::function<bool(absl::string_view, absl::string_view)>& fn) const {
  return tables_->ScanAfter(
      kCustomersTable,
      after.empty() ? std::nullopt : std::optional<absl::string_view>(after),
      fn);
}

absl::Span<const int32_t> Snapshot::CategoryByPrice(
    absl::string_view category) const {
  auto it = category_by_price_.find(category);
  if (it == category_by_price_.end()) return {};
  return it->second;
}

int32_t Snapshot::FindItem(absl::string_view item_id) const {
  auto it = index_.find(item_id);
  if (it != index_.end()) return it->second;
  auto alias = aliases_.find(item_id);
  return alias == aliases_.end() ? -1 : alias->second;
}

}  // namespace boomerang
