#include "models/snapshot/writer.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "models/snapshot/internal/tables.h"
#include "models/snapshot/layout.h"
#include "models/snapshot/snapshot.h"

namespace boomerang {
namespace {

// Opens the complete, unpublished version in `dir` the way the server will
// and reads every customer record, which the server reads only on request.
absl::Status CheckWithReader(const std::string& dir) {
  SnapshotOptions options;
  // The manifest's checksums were computed from these very files a moment
  // ago (the server verifies them at load); hashing them again cost the
  // Online Retail build ~10% of its time (BENCHMARKS.md).
  options.verify_checksums = false;
  options.cache_bytes = size_t{8} << 20;
  absl::Status s;
  auto snap = Snapshot::Open(dir, options);
  if (snap.ok()) {
    absl::Status bad;
    s = (*snap)->ScanCustomers(
        "", [&bad](absl::string_view key, absl::string_view value) {
          v1::CustomerRecord record;
          if (!record.ParseFromArray(value.data(),
                                     static_cast<int>(value.size()))) {
            bad = absl::DataLossError(
                absl::StrCat("customers row '", key, "' does not read back"));
            return false;
          }
          return true;
        });
    if (s.ok()) s = bad;
  } else {
    s = snap.status();
  }
  if (s.ok()) return s;
  // What we just wrote does not load: our fault, not the input's (DATA_LOSS
  // would read as a bad input file).
  return absl::Status(absl::IsUnavailable(s) ? absl::StatusCode::kUnavailable
                                             : absl::StatusCode::kInternal,
                      absl::StrCat("snapshot check failed: ", s.message(),
                                   "; nothing was published"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SnapshotWriter>> SnapshotWriter::Begin(
    const std::string& root) {
  auto builder = SnapshotBuilder::Begin(root);
  if (!builder.ok()) return builder.status();
  std::unique_ptr<SnapshotWriter> w(new SnapshotWriter());
  w->builder_ = std::move(*builder);
  return w;
}

void SnapshotWriter::AddItem(const std::string& item_id,
                             const v1::ItemRecord& record) {
  items_.emplace_back(item_id, record.SerializeAsString());
}

void SnapshotWriter::AddFbtList(const std::string& item_id,
                                const v1::FbtList& list) {
  fbt_.emplace_back(item_id, list.SerializeAsString());
}

void SnapshotWriter::AddPriceHistory(const std::string& item_id,
                                     const v1::PriceHistory& history) {
  prices_.emplace_back(item_id, history.SerializeAsString());
}

void SnapshotWriter::AddSimilarList(const std::string& item_id,
                                    const v1::SimilarList& list) {
  similar_.emplace_back(item_id, list.SerializeAsString());
}

void SnapshotWriter::AddCustomer(const std::string& customer_id,
                                 const v1::CustomerRecord& record) {
  customers_.emplace_back(customer_id, record.SerializeAsString());
}

SnapshotWriter::~SnapshotWriter() = default;

absl::Status SnapshotWriter::WriteCustomers(
    const std::function<bool(std::string* id, v1::CustomerRecord* record)>&
        next) {
  absl::Status s = OpenTables();
  if (!s.ok()) return s;
  if (customers_written_ || !customers_.empty()) {
    return absl::FailedPreconditionError("customers written twice");
  }
  customers_written_ = true;
  v1::CustomerRecord record;
  return tables_->WriteSortedTable(kCustomersTable,
                                   [&](std::string* key, std::string* value) {
                                     record.Clear();
                                     if (!next(key, &record)) return false;
                                     record.SerializeToString(value);
                                     return true;
                                   });
}

void SnapshotWriter::SetPopular(const v1::PopularItems& popular) {
  meta_.emplace_back(kPopularKey, popular.SerializeAsString());
}

void SnapshotWriter::SetCustomerModel(const v1::CustomerModel& model) {
  meta_.emplace_back(kCustomerModelKey, model.SerializeAsString());
}

void SnapshotWriter::SetItemAliases(const v1::ItemAliases& aliases) {
  if (aliases.aliases().empty()) return;
  meta_.emplace_back(kItemAliasesKey, aliases.SerializeAsString());
}

absl::Status SnapshotWriter::WriteEmbeddings(const v1::EmbeddingInfo& info,
                                             const ann::VectorIndex* index,
                                             absl::Span<const float> vectors) {
  meta_.emplace_back(kEmbeddingsKey, info.SerializeAsString());
  if (index != nullptr) {
    absl::Status s =
        index->Save(absl::StrCat(builder_->dir(), "/", kItemIndexFile));
    if (!s.ok()) return s;
  }
  const std::string path = absl::StrCat(builder_->dir(), "/", kItemVectorsFile);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(vectors.data()),
            static_cast<std::streamsize>(vectors.size() * sizeof(float)));
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status SnapshotWriter::OpenTables() {
  if (tables_ != nullptr) return absl::OkStatus();
  if (tables_written_) return absl::FailedPreconditionError("tables written");
  auto writer =
      TableWriter::Create(absl::StrCat(builder_->dir(), "/", kTablesDir));
  if (!writer.ok()) return writer.status();
  tables_ = std::move(*writer);
  return absl::OkStatus();
}

absl::Status SnapshotWriter::WriteTables() {
  if (tables_written_) return absl::OkStatus();
  absl::Status s = OpenTables();
  if (s.ok()) s = tables_->WriteTable(kItemsTable, std::move(items_));
  if (s.ok()) s = tables_->WriteTable(kFbtTable, std::move(fbt_));
  if (s.ok()) s = tables_->WriteTable(kMetaTable, std::move(meta_));
  if (s.ok()) s = tables_->WriteTable(kSimilarTable, std::move(similar_));
  if (s.ok()) s = tables_->WriteTable(kPricesTable, std::move(prices_));
  if (s.ok() && !customers_written_) {
    s = tables_->WriteTable(kCustomersTable, std::move(customers_));
  }
  // Closed before the check opens it read-only (pitfalls.md: never both).
  if (s.ok()) s = tables_->Close();
  if (s.ok()) {
    tables_.reset();
    tables_written_ = true;
  }
  return s;
}

absl::Status SnapshotWriter::WritePicksRanker(absl::string_view model) {
  const std::string path = absl::StrCat(builder_->dir(), "/", kPicksRankerFile);
  std::ofstream out(path, std::ios::binary);
  out.write(model.data(), static_cast<std::streamsize>(model.size()));
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotWriter::OpenUnpublished(
    const v1::SnapshotManifest& manifest) {
  absl::Status s = WriteTables();
  if (!s.ok()) return s;
  v1::SnapshotManifest provisional = manifest;
  provisional.set_format_version(kSnapshotFormatVersion);
  std::string json;
  google::protobuf::util::JsonPrintOptions jopts;
  jopts.preserve_proto_field_names = true;
  auto js =
      google::protobuf::util::MessageToJsonString(provisional, &json, jopts);
  if (!js.ok()) return absl::InternalError(js.ToString());
  const std::string path = absl::StrCat(builder_->dir(), "/", kManifestFile);
  std::ofstream out(path, std::ios::binary);
  out << json;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  SnapshotOptions options;
  options.verify_checksums = false;
  return Snapshot::Open(builder_->dir(), options);
}

absl::StatusOr<std::string> SnapshotWriter::Publish(
    v1::SnapshotManifest manifest) {
  absl::Status s = WriteTables();
  if (!s.ok()) return s;
  return builder_->Publish(std::move(manifest), CheckWithReader);
}

}  // namespace boomerang
