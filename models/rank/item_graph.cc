#include "models/rank/item_graph.h"

namespace boomerang {

void DescribeItem(const ItemGraph& graph, int32_t index,
                  v1::RecommendedItem* out) {
  const v1::ItemRecord& rec = graph.item(index);
  out->set_item_id(graph.item_id(index));
  out->set_title(rec.title());
  out->set_category(rec.category());
  out->set_price(rec.price());
}

}  // namespace boomerang
