#include "indexer/customer_histories.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace boomerang {
namespace {

using ::testing::ElementsAre;

// Lines of three orders given out of order (as an export may interleave
// them): order 0 (customer 1) items 5, 3, 5; order 1 (guest) item 3;
// order 2 (customer 1) item 5.
OrderTable Orders() {
  OrderTable t;
  EXPECT_EQ(t.AddOrder(100), 0);
  EXPECT_EQ(t.AddOrder(50), 1);
  EXPECT_EQ(t.AddOrder(30), 2);
  t.customers = {1, -1, 1};
  t.AddLine(0, 5, 1.5f);
  t.AddLine(1, 3, 1);
  t.AddLine(0, 3, 2);
  t.AddLine(2, 5, 4);
  t.AddLine(0, 5, 0.5f);
  return t;
}

TEST(GroupLinesByOrderTest, GroupsKeepingLineOrderAndFreesLines) {
  OrderTable t = Orders();
  OrderLines g = GroupLinesByOrder(&t);
  EXPECT_THAT(g.offsets, ElementsAre(0, 3, 4, 5));
  EXPECT_THAT(g.items, ElementsAre(5, 3, 5, 3, 5));
  EXPECT_THAT(g.quantities, ElementsAre(1.5f, 2, 0.5f, 1, 4));
  EXPECT_TRUE(t.line_orders.empty());
  EXPECT_TRUE(t.line_items.empty());
  EXPECT_EQ(t.num_orders(), 3u);  // the per-order arrays stay
}

TEST(BuildCustomerHistoriesTest, PerCustomerItemsOrdersAndUnits) {
  OrderTable t = Orders();
  const OrderLines g = GroupLinesByOrder(&t);
  const CustomerHistories h =
      BuildCustomerHistories(g, t.customers, t.timestamps, 3, 10);
  ASSERT_EQ(h.num_customers(), 3);
  // Customer 0 bought nothing; customer 1 has orders 0 and 2.
  EXPECT_THAT(h.order_begin, ElementsAre(0, 0, 2, 2));
  EXPECT_THAT(h.orders, ElementsAre(0, 2));
  EXPECT_THAT(h.item_begin, ElementsAre(0, 0, 2, 2));
  // Items in the order first bought: 5, then 3.
  EXPECT_THAT(h.items, ElementsAre(5, 3));
  EXPECT_THAT(h.quantities, ElementsAre(6.0, 2.0));
  // Item 5: orders 0 (two lines: 2 units) and 2, in order-number order.
  EXPECT_EQ(h.orders_of(0), 2);
  EXPECT_THAT(h.times_of(0), ElementsAre(100, 30));
  EXPECT_EQ(h.orders_of(1), 1);
  EXPECT_THAT(h.times_of(1), ElementsAre(100));
  EXPECT_THAT(h.order_quantities, ElementsAre(2, 4, 2));
}

}  // namespace
}  // namespace boomerang
