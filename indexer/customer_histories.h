// The indexer's compact, flat forms of the orders it read and of each
// customer's purchase history.
//
// They replace a vector of items per order and, per customer, a hash map of
// per-item vectors: on the generated shop of 1M customers (13.3M orders,
// 38.5M purchase lines, ~30M distinct customer-item pairs) those small
// containers cost ~100 bytes of allocations per order and ~200 bytes per
// customer-item pair, and made up most of the indexer's 10 GiB peak
// (BENCHMARKS.md, "Indexer memory"). Here every table is a few flat arrays
// in compressed-row form (row r's entries are [begin[r], begin[r + 1])).
//
// Thread-safety: plain data; the functions are thread-compatible.
#ifndef BOOMERANG_INDEXER_CUSTOMER_HISTORIES_H_
#define BOOMERANG_INDEXER_CUSTOMER_HISTORIES_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace boomerang {

// The orders as read: per order its time, customer (-1: guest) and revenue
// (sum of quantity x unit price of its priced lines); per purchase line, in
// input order, its order, item and units.
struct OrderTable {
  std::vector<int64_t> timestamps;
  std::vector<int32_t> customers;
  std::vector<double> revenue;
  std::vector<int32_t> line_orders;
  std::vector<int32_t> line_items;
  std::vector<float> line_quantities;

  size_t num_orders() const { return timestamps.size(); }
  // A new order with no lines yet; returns its number.
  int32_t AddOrder(int64_t timestamp);
  void AddLine(int32_t order, int32_t item, float quantity);
};

// The purchase lines grouped by order, input order kept within an order.
struct OrderLines {
  std::vector<int64_t> offsets;  // num_orders + 1
  std::vector<int32_t> items;
  std::vector<float> quantities;
};

// Groups `table`'s lines by order (a counting sort) and frees its line
// arrays; the per-order arrays stay.
OrderLines GroupLinesByOrder(OrderTable* table);

// Each known customer's orders and, per item bought, the times and units of
// the orders that hold it.
struct CustomerHistories {
  // Customer c's orders: orders[order_begin[c] .. order_begin[c + 1]),
  // order numbers ascending.
  std::vector<int64_t> order_begin;
  std::vector<int32_t> orders;
  // Customer c's items ("entries"): [item_begin[c], item_begin[c + 1]),
  // in the order first bought.
  std::vector<int64_t> item_begin;
  std::vector<int32_t> items;
  std::vector<double> quantities;  // units over all the customer's lines
  // Entry e's orders: [time_begin[e], time_begin[e + 1]) into `times` (the
  // order's time) and `order_quantities` (units in that order), in order
  // number order.
  std::vector<int64_t> time_begin;
  std::vector<int64_t> times;
  std::vector<float> order_quantities;

  int64_t num_customers() const {
    return static_cast<int64_t>(item_begin.size()) - 1;
  }
  // The number of orders holding entry e's item.
  int64_t orders_of(int64_t e) const {
    return time_begin[e + 1] - time_begin[e];
  }
  absl::Span<const int64_t> times_of(int64_t e) const {
    return absl::MakeConstSpan(times.data() + time_begin[e], orders_of(e));
  }
};

// Builds the histories of customers [0, num_customers) from the grouped
// lines and the orders' customers and times. Units add up in the order of
// the lines (order numbers, then lines within an order), as float units
// into double totals and float per-order units.
CustomerHistories BuildCustomerHistories(
    const OrderLines& lines, const std::vector<int32_t>& order_customers,
    const std::vector<int64_t>& order_timestamps, int64_t num_customers,
    size_t num_items);

}  // namespace boomerang

#endif  // BOOMERANG_INDEXER_CUSTOMER_HISTORIES_H_
