#include "server/snapshot.h"

#include "absl/strings/str_cat.h"
#include "server/store/snapshot_dir.h"

namespace boomerang {

absl::StatusOr<std::string> Snapshot::FindNewest(const std::string& root) {
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
  auto tables =
      TableReader::Open(absl::StrCat(dir, "/", kTablesDir), options.cache_bytes);
  if (!tables.ok()) return tables.status();
  snap->tables_ = std::move(*tables);

  absl::Status parse_error;
  snap->items_.reserve(snap->manifest_.counts().items());
  absl::Status s = snap->tables_->ForEach(
      kItemsTable, [&](absl::string_view key, absl::string_view value) {
        v1::ItemRecord rec;
        if (!rec.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError(
              absl::StrCat("snapshot ", dir, ": item record '", key,
                           "' is unreadable"));
          return false;
        }
        snap->items_.emplace(std::string(key), std::move(rec));
        return true;
      });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;

  std::string popular;
  s = snap->tables_->Get(kMetaTable, "popular", &popular);
  if (s.ok() && !snap->popular_.ParseFromString(popular)) {
    return absl::DataLossError(
        absl::StrCat("snapshot ", dir, ": popularity table is unreadable"));
  }
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  if (options.warm) {
    s = snap->tables_->Warm();
    if (!s.ok()) return s;
  }
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

const v1::ItemRecord* Snapshot::FindItem(const std::string& item_id) const {
  auto it = items_.find(item_id);
  return it == items_.end() ? nullptr : &it->second;
}

absl::Status Snapshot::GetFbt(const std::string& item_id,
                              v1::FbtList* out) const {
  std::string value;
  absl::Status s = tables_->Get(kFbtTable, item_id, &value);
  if (!s.ok()) return s;
  if (!out->ParseFromString(value)) {
    return absl::DataLossError(
        absl::StrCat("co-purchase list of '", item_id, "' is unreadable"));
  }
  return absl::OkStatus();
}

}  // namespace boomerang
