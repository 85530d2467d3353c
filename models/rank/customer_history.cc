#include "models/rank/customer_history.h"

#include <algorithm>

#include "models/repurchase.h"

namespace boomerang {

void HistoryFromRecord(const ItemGraph& graph, const v1::CustomerRecord& record,
                       std::vector<HistoryItem>* history,
                       std::vector<absl::Span<const int64_t>>* purchase_times) {
  for (const v1::CustomerItem& ci : record.items()) {
    const int32_t i = graph.FindItem(ci.item_id());
    if (i < 0) continue;
    history->push_back(HistoryItem{i, ci.orders(), ci.quantity(),
                                   ci.first_purchase(), ci.last_purchase(),
                                   graph.Popularity(i)});
    if (purchase_times != nullptr) {
      purchase_times->push_back(absl::MakeConstSpan(ci.purchase_times().data(),
                                                    ci.purchase_times_size()));
    }
  }
}

void TimeHistory(const ItemGraph& graph, const v1::CustomerRecord& record,
                 std::vector<HistoryItem>* history) {
  // history follows record.items(), skipping items the graph lacks.
  size_t h = 0;
  for (const v1::CustomerItem& ci : record.items()) {
    if (h == history->size()) break;
    const int32_t i = graph.FindItem(ci.item_id());
    if (i < 0 || (*history)[h].item != i) continue;
    (*history)[h++].repurchase =
        EstimateRepurchase(absl::MakeConstSpan(ci.purchase_times().data(),
                                               ci.purchase_times_size()),
                           CycleOfItem(graph.item(i)));
  }
}

std::vector<absl::Span<const int64_t>> PurchaseTimes(
    const ItemGraph& graph, const v1::CustomerRecord& record,
    absl::Span<const HistoryItem> history) {
  std::vector<absl::Span<const int64_t>> out;
  out.reserve(history.size());
  for (const v1::CustomerItem& ci : record.items()) {
    if (out.size() == history.size()) break;
    const int32_t i = graph.FindItem(ci.item_id());
    if (i < 0 || history[out.size()].item != i) continue;
    out.push_back(absl::MakeConstSpan(ci.purchase_times().data(),
                                      ci.purchase_times_size()));
  }
  return out;
}

v1::CustomerRecord RecordBefore(const v1::CustomerRecord& record,
                                int64_t until) {
  v1::CustomerRecord out;
  for (const v1::CustomerItem& ci : record.items()) {
    v1::CustomerItem kept;
    kept.set_item_id(ci.item_id());
    double quantity = 0;
    for (int k = 0; k < ci.purchase_times_size(); ++k) {
      if (ci.purchase_times(k) >= until) continue;
      kept.add_purchase_times(ci.purchase_times(k));
      const float q =
          k < ci.purchase_quantities_size() ? ci.purchase_quantities(k) : 0;
      kept.add_purchase_quantities(q);
      quantity += q;
    }
    if (kept.purchase_times_size() == 0) continue;
    kept.set_orders(kept.purchase_times_size());
    kept.set_quantity(quantity);
    kept.set_first_purchase(kept.purchase_times(0));
    kept.set_last_purchase(kept.purchase_times(kept.purchase_times_size() - 1));
    *out.add_items() = std::move(kept);
  }
  // Most orders first, ties by item id, as the indexer writes records.
  std::sort(out.mutable_items()->begin(), out.mutable_items()->end(),
            [](const v1::CustomerItem& a, const v1::CustomerItem& b) {
              if (a.orders() != b.orders()) return a.orders() > b.orders();
              return a.item_id() < b.item_id();
            });
  double revenue = 0;
  for (int k = 0; k < record.order_times_size(); ++k) {
    if (record.order_times(k) >= until) continue;
    out.add_order_times(record.order_times(k));
    const double v =
        k < record.order_values_size() ? record.order_values(k) : 0;
    out.add_order_values(v);
    revenue += v;
  }
  out.set_orders(out.order_times_size());
  if (out.order_times_size() > 0) {
    out.set_first_order(out.order_times(0));
    out.set_last_order(out.order_times(out.order_times_size() - 1));
  }
  out.set_revenue(revenue);
  return out;
}

}  // namespace boomerang
