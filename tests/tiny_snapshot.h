// A tiny snapshot written through the real writer (models/snapshot/
// writer.h): for unit tests of the reader, the engine and an in-process
// server, without running the indexer. Part of the test-fixture library.
#ifndef BOOMERANG_TESTS_TINY_SNAPSHOT_H_
#define BOOMERANG_TESTS_TINY_SNAPSHOT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/ann/vector_index.h"
#include "models/snapshot/writer.h"

namespace boomerang::testing {

inline v1::ItemRecord TinyItem(const std::string& title, int32_t index,
                               int64_t orders) {
  v1::ItemRecord rec;
  rec.set_title(title);
  rec.set_category("kitchen");
  rec.set_index(index);
  rec.set_orders(orders);
  rec.set_price(2.5 + index);
  rec.set_in_stock(true);
  return rec;
}

// Items CUP, SAUCER, TEAPOT (table order: CUP 0, SAUCER 1, TEAPOT 2), one
// merged spelling "cup", two customers, two-dimensional vectors; data ends
// 2024-01-02. Returns the published version's directory under `root`.
inline absl::StatusOr<std::string> WriteTinySnapshot(const std::string& root) {
  auto w = SnapshotWriter::Begin(root);
  if (!w.ok()) return w.status();
  SnapshotWriter& writer = **w;
  // Out of key order on purpose: the writer sorts.
  writer.AddItem("TEAPOT", TinyItem("Teapot", 2, 3));
  writer.AddItem("CUP", TinyItem("Cup", 0, 10));
  writer.AddItem("SAUCER", TinyItem("Saucer", 1, 6));

  v1::FbtList fbt;
  fbt.set_anchor_orders(6);
  v1::FbtNeighbor* nb = fbt.add_neighbors();
  nb->set_item_id("CUP");
  nb->set_score(0.75);
  nb->set_co_orders(5);
  nb->set_lift(1.5);
  writer.AddFbtList("SAUCER", fbt);

  v1::SimilarList similar;
  v1::SimilarNeighbor* sn = similar.add_neighbors();
  sn->set_item_id("SAUCER");
  sn->set_similarity(0.5f);
  sn->set_same_category(true);
  writer.AddSimilarList("CUP", similar);

  v1::CustomerRecord c1;
  c1.set_orders(2);
  v1::CustomerItem* bought = c1.add_items();
  bought->set_item_id("CUP");
  bought->set_orders(2);
  c1.add_vector(1.f);
  c1.add_vector(0.f);
  writer.AddCustomer("c1", c1);
  v1::CustomerRecord c2;
  c2.set_orders(1);
  writer.AddCustomer("c2", c2);

  v1::PopularItems popular;
  popular.add_overall()->set_item_id("CUP");
  popular.mutable_overall(0)->set_orders(10);
  writer.SetPopular(popular);
  v1::CustomerModel model;
  model.set_note("tiny");
  writer.SetCustomerModel(model);
  v1::ItemAliases aliases;
  v1::ItemAlias* alias = aliases.add_aliases();
  alias->set_alias("cup");
  alias->set_item_id("CUP");
  writer.SetItemAliases(aliases);

  // Vectors in table order; TEAPOT has none (not in the index).
  const std::vector<float> vectors = {1.f, 0.f, 0.f, 1.f, 0.f, 0.f};
  auto index = ann::VectorIndex::Build(absl::MakeConstSpan(vectors.data(), 4),
                                       std::vector<int64_t>{0, 1}, 2,
                                       ann::IndexOptions());
  if (!index.ok()) return index.status();
  v1::EmbeddingInfo info;
  info.set_factors(2);
  info.set_ann_index((*index)->description());
  absl::Status s = writer.WriteEmbeddings(info, index->get(), vectors);
  if (!s.ok()) return s;

  v1::SnapshotManifest manifest;
  manifest.set_data_end("2024-01-02T00:00:00Z");
  manifest.mutable_counts()->set_items(3);
  manifest.mutable_counts()->set_customers(2);
  manifest.mutable_counts()->set_pairs_kept(1);
  manifest.mutable_parameters()->set_recent_days(30);
  return writer.Publish(manifest);
}

}  // namespace boomerang::testing

#endif  // BOOMERANG_TESTS_TINY_SNAPSHOT_H_
