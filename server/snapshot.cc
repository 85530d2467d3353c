#include "server/snapshot.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "server/store/snapshot_dir.h"
#include "server/store/tables.h"

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
  auto tables = TableReader::Open(absl::StrCat(dir, "/", kTablesDir),
                                  options.cache_bytes);
  if (!tables.ok()) return tables.status();

  auto unreadable = [&dir](absl::string_view what, absl::string_view key) {
    return absl::DataLossError(absl::StrCat("snapshot ", dir, ": ", what, " '",
                                            key, "' is unreadable"));
  };
  absl::Status parse_error;
  const int64_t expected = snap->manifest_.counts().items();
  snap->item_ids_.reserve(expected);
  snap->items_.reserve(expected);
  snap->index_.reserve(expected);
  absl::Status s = (*tables)->ForEach(
      kItemsTable, [&](absl::string_view key, absl::string_view value) {
        v1::ItemRecord& rec = snap->items_.emplace_back();
        if (!rec.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = unreadable("item record", key);
          return false;
        }
        snap->index_.emplace(std::string(key),
                             static_cast<int32_t>(snap->item_ids_.size()));
        snap->item_ids_.emplace_back(key);
        return true;
      });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;

  // Co-purchase lists -> one edge array indexed by dense item index. Keys of
  // both tables are item ids in the same sorted order.
  const int32_t n = snap->num_items();
  snap->edge_offsets_.assign(n + 1, 0);
  snap->anchor_orders_.assign(n, 0);
  snap->edges_.reserve(snap->manifest_.counts().pairs_kept());
  int32_t next = 0;
  s = (*tables)->ForEach(kFbtTable, [&](absl::string_view key,
                                        absl::string_view value) {
    int32_t a = snap->FindItem(key);
    v1::FbtList list;
    if (a < 0 || a < next ||
        !list.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = a < 0 ? absl::DataLossError(absl::StrCat(
                                "snapshot ", dir, ": co-purchase list of '",
                                key, "', an item not in the item table"))
                          : unreadable("co-purchase list", key);
      return false;
    }
    for (; next <= a; ++next) snap->edge_offsets_[next] = snap->edges_.size();
    snap->anchor_orders_[a] = list.anchor_orders();
    for (const v1::FbtNeighbor& nb : list.neighbors()) {
      int32_t b = snap->FindItem(nb.item_id());
      if (b < 0) {
        parse_error = absl::DataLossError(
            absl::StrCat("snapshot ", dir, ": co-purchase list of '", key,
                         "' names unknown item '", nb.item_id(), "'"));
        return false;
      }
      snap->edges_.push_back(Neighbor{b, static_cast<float>(nb.score()),
                                      static_cast<int32_t>(nb.co_orders()),
                                      static_cast<float>(nb.lift())});
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  for (; next <= n; ++next) snap->edge_offsets_[next] = snap->edges_.size();

  // Similar-item lists, the same way.
  snap->similar_offsets_.assign(n + 1, 0);
  next = 0;
  s = (*tables)->ForEach(kSimilarTable, [&](absl::string_view key,
                                            absl::string_view value) {
    int32_t a = snap->FindItem(key);
    v1::SimilarList list;
    if (a < 0 || a < next ||
        !list.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = unreadable("similar-item list", key);
      return false;
    }
    for (; next <= a; ++next) {
      snap->similar_offsets_[next] = snap->similar_edges_.size();
    }
    for (const v1::SimilarNeighbor& nb : list.neighbors()) {
      int32_t b = snap->FindItem(nb.item_id());
      if (b < 0) {
        parse_error = unreadable("similar-item list", key);
        return false;
      }
      snap->similar_edges_.push_back(
          SimilarEdge{b, nb.similarity(), nb.title_similarity(),
                      nb.behavior_similarity(), nb.same_category()});
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  for (; next <= n; ++next) {
    snap->similar_offsets_[next] = snap->similar_edges_.size();
  }

  // Best sellers per category, for cold-start fallbacks.
  for (int32_t i = 0; i < n; ++i) {
    const std::string& c = snap->items_[i].category();
    if (!c.empty()) snap->category_best_[c].push_back(i);
  }
  for (auto& [category, list] : snap->category_best_) {
    std::stable_sort(list.begin(), list.end(), [&](int32_t x, int32_t y) {
      return snap->items_[x].orders() > snap->items_[y].orders();
    });
  }

  std::string popular;
  s = (*tables)->Get(kMetaTable, "popular", &popular);
  if (s.ok() && !snap->popular_.ParseFromString(popular)) {
    return unreadable("table", "popular");
  }
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

absl::Span<const int32_t> Snapshot::CategoryBestSellers(
    absl::string_view category) const {
  auto it = category_best_.find(category);
  if (it == category_best_.end()) return {};
  return it->second;
}

int32_t Snapshot::FindItem(absl::string_view item_id) const {
  auto it = index_.find(item_id);
  return it == index_.end() ? -1 : it->second;
}

}  // namespace boomerang
