#include "indexer/customer_histories.h"

#include <algorithm>
#include <numeric>

namespace boomerang {
namespace {

// Counting sort of rows by key: offsets[k] .. offsets[k + 1] will hold the
// rows with key k. Fills `offsets` (num_keys + 1) from the keys' counts;
// `place(row, slot)` is then called for every row, rows of one key in their
// original order. Keys < 0 are skipped.
template <typename Key, typename Place>
void CountingSort(const std::vector<Key>& keys, size_t num_keys,
                  std::vector<int64_t>* offsets, Place place) {
  offsets->assign(num_keys + 1, 0);
  for (Key k : keys) {
    if (k >= 0) ++(*offsets)[k + 1];
  }
  std::partial_sum(offsets->begin(), offsets->end(), offsets->begin());
  // offsets[k] serves as key k's fill position, which ends at offsets[k + 1];
  // shifting by one afterwards restores the starts (no second array).
  for (size_t r = 0; r < keys.size(); ++r) {
    if (keys[r] >= 0) place(r, (*offsets)[keys[r]]++);
  }
  for (size_t k = num_keys; k > 0; --k) (*offsets)[k] = (*offsets)[k - 1];
  (*offsets)[0] = 0;
}

template <typename T>
void Free(std::vector<T>* v) {
  std::vector<T>().swap(*v);
}

}  // namespace

int32_t OrderTable::AddOrder(int64_t timestamp) {
  timestamps.push_back(timestamp);
  customers.push_back(-1);
  revenue.push_back(0);
  return static_cast<int32_t>(timestamps.size() - 1);
}

void OrderTable::AddLine(int32_t order, int32_t item, float quantity) {
  line_orders.push_back(order);
  line_items.push_back(item);
  line_quantities.push_back(quantity);
}

OrderLines GroupLinesByOrder(OrderTable* table) {
  OrderLines out;
  out.items.resize(table->line_items.size());
  out.quantities.resize(table->line_quantities.size());
  CountingSort(table->line_orders, table->num_orders(), &out.offsets,
               [&](size_t line, int64_t slot) {
                 out.items[slot] = table->line_items[line];
                 out.quantities[slot] = table->line_quantities[line];
               });
  Free(&table->line_orders);
  Free(&table->line_items);
  Free(&table->line_quantities);
  return out;
}

CustomerHistories BuildCustomerHistories(
    const OrderLines& lines, const std::vector<int32_t>& order_customers,
    const std::vector<int64_t>& order_timestamps, int64_t num_customers,
    size_t num_items) {
  CustomerHistories h;
  h.orders.resize(std::count_if(order_customers.begin(), order_customers.end(),
                                [](int32_t c) { return c >= 0; }));
  CountingSort(order_customers, num_customers, &h.order_begin,
               [&](size_t order, int64_t slot) {
                 h.orders[slot] = static_cast<int32_t>(order);
               });
  h.item_begin.reserve(num_customers + 1);
  h.item_begin.push_back(0);
  h.time_begin.push_back(0);
  // Per customer: item -> its entry (relative to the customer's first), and
  // per entry the last order seen and where its next order goes. Reset
  // after each customer, so they cost O(items + one customer's entries).
  std::vector<int32_t> entry_of(num_items, -1);
  std::vector<int64_t> last_order, next;
  for (int64_t c = 0; c < num_customers; ++c) {
    const int64_t first = static_cast<int64_t>(h.items.size());
    auto for_each_line = [&](auto fn) {
      for (int64_t j = h.order_begin[c]; j < h.order_begin[c + 1]; ++j) {
        const int32_t o = h.orders[j];
        for (int64_t l = lines.offsets[o]; l < lines.offsets[o + 1]; ++l) {
          fn(o, lines.items[l], lines.quantities[l]);
        }
      }
    };
    // Pass 1: the entries, their units and how many orders hold each.
    std::vector<int64_t>& count = next;
    for_each_line([&](int32_t o, int32_t item, float q) {
      int32_t& e = entry_of[item];
      if (e < 0) {
        e = static_cast<int32_t>(h.items.size() - first);
        h.items.push_back(item);
        h.quantities.push_back(0);
        last_order.push_back(-1);
        count.push_back(0);
      }
      h.quantities[first + e] += q;
      if (last_order[e] != o) {
        last_order[e] = o;
        ++count[e];
      }
    });
    for (size_t e = 0; e < count.size(); ++e) {
      const int64_t begin = h.time_begin.back();
      h.time_begin.push_back(begin + count[e]);
      next[e] = begin;  // count becomes the fill position
      last_order[e] = -1;
    }
    h.times.resize(h.time_begin.back());
    h.order_quantities.resize(h.time_begin.back());
    // Pass 2: each entry's orders; several lines of one order add up.
    for_each_line([&](int32_t o, int32_t item, float q) {
      const int32_t e = entry_of[item];
      if (last_order[e] != o) {
        last_order[e] = o;
        h.times[next[e]] = order_timestamps[o];
        h.order_quantities[next[e]++] = q;
      } else {
        h.order_quantities[next[e] - 1] += q;
      }
    });
    for (size_t e = first; e < h.items.size(); ++e) entry_of[h.items[e]] = -1;
    last_order.clear();
    next.clear();
    h.item_begin.push_back(static_cast<int64_t>(h.items.size()));
  }
  return h;
}

}  // namespace boomerang
