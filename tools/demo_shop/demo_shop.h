// A deterministic generator of a realistic demo online shop.
//
// GenerateShop() simulates a year (by default) of purchases in a small general
// store: a catalog with categories, price tiers and out-of-stock items;
// registered and guest customers; Zipf-like item popularity; and planted truths
// that a recommender should recover:
//
//   complements: an anchor pulls in its complement (coffee machine ->
//       descaler) in 40-70% of the anchor's orders. Complements are moderately
//       popular on their own but never best sellers, so association and raw
//       co-count disagree.
//   substitutes: groups of budget / standard / premium items (price about 1x,
//       1.6x, 2.5x) in one category. A customer sticks to a tier and an order
//       almost never holds two of a group.
//   cycles: about 30% of customers re-buy 1-3 consumables every N days
//       (N in 14..60, +-15%).
//   seasonal: Garden sells in spring and summer, Christmas in November and
//       December, fitness in January.
//
// Around that sits a little realistic mess: guest orders without a customer
// id, promotions that lower a line's unit price, a POSTAGE line on orders under
// 50.00, returns as later orders with a negative quantity, and rare wholesale
// baskets of 40-80 lines. Nothing is malformed: every file parses cleanly.
//
// After the orders comes a live period (ShopOptions::live_days; live_period.h):
// shopper events, catalog changes and the trigger audiences planted in them,
// written to their own files so that the orders never change.
//
// The same ShopOptions always produce byte-identical output (see demo_shop.cc
// for why the generator carries its own PRNG and distributions). Time and
// memory are linear in items + customers + one day's orders: orders are
// streamed to the sink a day at a time, so --items 100000 --customers 1000000
// runs in under 200 MB.
//
// Thread safety: the functions here keep no shared state; concurrent calls are
// safe.

#ifndef BOOMERANG_TOOLS_DEMO_SHOP_DEMO_SHOP_H_
#define BOOMERANG_TOOLS_DEMO_SHOP_DEMO_SHOP_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace boomerang::demo {

// The shipping line's item id. It is not in the catalog; the indexer's default
// exclusion list drops it, as it must drop POST/DOT/... in real exports.
inline constexpr absl::string_view kPostageItemId = "POSTAGE";

// File names inside the output directory of WriteShop().
inline constexpr absl::string_view kOrdersFileName = "orders.csv.gz";
inline constexpr absl::string_view kCatalogFileName = "catalog.csv";
inline constexpr absl::string_view kTruthFileName = "truth.json";
// The live period's files (live_period.h); written only when live_days > 0.
inline constexpr absl::string_view kEventsFileName = "events.jsonl";
inline constexpr absl::string_view kCatalogUpdatesFileName =
    "catalog_updates.jsonl";
inline constexpr absl::string_view kTriggersTruthFileName =
    "triggers_truth.json";

struct ShopOptions {
  // Number of catalog items, SKU-0001 onwards (wider ids past 9999). The
  // planted structures scale with it: items/12 complement pairs, items/25
  // substitute groups of 3, items/20 consumables (25, 12 and 15 by default).
  // REQUIRES: >= 20.
  int items = 300;

  // Number of registered customers, C00001 onwards. Guests come on top
  // (guest_order_share). REQUIRES: >= 1.
  int customers = 2000;

  // Length of the simulated history in days, starting at `start`.
  // REQUIRES: >= 1.
  int days = 365;

  // Seeds everything. Different seeds give different shops (and different
  // planted pairs).
  uint64_t seed = 42;

  // First day of the history; all timestamps are UTC.
  absl::CivilDay start = absl::CivilDay(2025, 1, 1);

  // Mean number of ordinary (non-cycle) orders a registered customer places per
  // year; activity is log-normally spread across customers, so a few buy very
  // often and many buy once or twice. Together with the cycle and guest orders
  // the defaults give about 27k orders and 90k lines.
  double orders_per_customer_year = 7.0;

  // Share of all purchase orders placed by guests (empty customer_id).
  // REQUIRES: [0, 0.9].
  double guest_order_share = 0.17;

  // Share of registered customers with 1-3 consumables on a re-buy cycle.
  // REQUIRES: [0, 1].
  double cycle_customer_share = 0.30;

  // Probability that a product line of a registered customer's ordinary order
  // is returned 3-30 days later (as a separate order with a negative quantity).
  // REQUIRES: [0, 0.5].
  double return_rate = 0.01;

  // Share of ordinary registered orders that are wholesale baskets (40-80
  // lines, quantities 6-48). REQUIRES: [0, 0.1].
  double wholesale_share = 0.002;

  // zlib level for orders.csv.gz. 1 writes about 2x faster than 6 (zlib's
  // default) for a 25% larger file; worth it only for benchmark-sized shops.
  // REQUIRES: [1, 9].
  int gzip_level = 6;

  // Days of live activity after the orders end (views, carts, purchases,
  // messages and catalog changes, with planted trigger audiences: see
  // live_period.h). 0 writes no live files. It never changes the orders,
  // the catalog or truth.json. REQUIRES: 0 or [7, 365].
  int live_days = 14;
};

// Returns InvalidArgument naming the first field that breaks a REQUIRES above.
absl::Status ValidateShopOptions(const ShopOptions& options);

struct CatalogItem {
  std::string item_id;   // "SKU-0001"
  std::string title;     // "Espresso Machine"; never contains a comma or quote
  std::string category;  // "Kitchen/Coffee"
  int64_t price_cents = 0;
  bool in_stock = true;  // about 3% are out of stock; planted items never are
};

struct ComplementTruth {
  std::string anchor;
  std::string complement;
  // The chance that the complement joins an order holding the anchor.
  double probability = 0;
};

struct SubstituteTruth {
  std::vector<std::string> items;  // budget, standard, premium
  std::string category;
};

struct CycleTruth {
  std::string customer_id;
  std::string item_id;
  // The nominal period; actual gaps vary +-15% and are now and then doubled
  // (a skipped delivery).
  double days = 0;
  // Purchases in the generated window; only cycles with >= 4 are reported.
  int purchases = 0;
};

struct SeasonalTruth {
  std::string category;
  // January first; 1.0 is the category's average.
  std::array<double, 12> month_multipliers{};
};

struct ShopTruth {
  uint64_t seed = 0;
  std::vector<ComplementTruth> complements;
  std::vector<SubstituteTruth> substitutes;
  std::vector<CycleTruth> cycles;  // sorted by customer_id, then item_id
  std::vector<SeasonalTruth> seasonal;
};

struct ShopStats {
  int64_t orders = 0;  // all orders, including guest and return orders
  int64_t guest_orders = 0;
  int64_t return_orders = 0;
  // Orders that contain at least one planted cycle purchase.
  int64_t cycle_orders = 0;
  int64_t wholesale_orders = 0;
  int64_t lines = 0;  // all rows of orders.csv.gz, POSTAGE and returns included
  int64_t postage_lines = 0;
  int64_t active_customers = 0;  // registered customers with at least one order
};

// One row of orders.csv.gz. The views point into the generator's buffers and
// are valid only during the sink call.
struct OrderLine {
  absl::string_view order_id;     // "O000123"; also used for return orders
  absl::string_view customer_id;  // empty for guest orders
  absl::string_view item_id;      // a catalog id or kPostageItemId
  absl::string_view timestamp;    // "2025-03-14T09:26:53Z"
  int64_t unix_seconds = 0;
  int quantity = 0;         // negative on return lines, never zero
  int64_t price_cents = 0;  // unit price, always positive
};

// Receives every order line in file order: sorted by timestamp, an order's
// lines together. A non-OK status stops the generation and is returned by
// GenerateShop().
using OrderLineSink = std::function<absl::Status(const OrderLine&)>;

// What the live period needs to know of a registered customer's orders (the
// purchase orders, returns excluded, unless said otherwise). Collected only
// when ShopOptions::live_days > 0.
struct CustomerActivity {
  int32_t orders = 0;
  int64_t first_order = 0;  // unix seconds; 0 without orders
  int64_t last_order = 0;
  int64_t last_any_order = 0;  // returns included
  uint32_t categories = 0;     // bit i: bought in Categories()[i]
  bool has_cycle = false;      // planted on a re-buy cycle (any length)
};

struct GeneratedShop {
  std::vector<CatalogItem> catalog;  // in item id order
  ShopTruth truth;
  ShopStats stats;
  // By customer index (C00001 is 0); empty when live_days is 0.
  std::vector<CustomerActivity> activity;
  // The category paths in the order of CustomerActivity::categories' bits.
  std::vector<std::string> category_paths;
};

// Generates the shop, streaming order lines to `sink` and returning the
// catalog, the truths and counts. Errors: InvalidArgument for bad options;
// otherwise whatever the sink returns.
absl::StatusOr<GeneratedShop> GenerateShop(const ShopOptions& options,
                                           const OrderLineSink& sink);

struct WrittenShop {
  GeneratedShop shop;
  std::vector<std::string> files;  // paths written, orders first
  // The live period's size (0 without one) and its end, for the summary.
  int64_t live_events = 0;
  int64_t live_updates = 0;
  int64_t live_planted = 0;  // planted trigger customers (decoys not counted)
  int64_t live_as_of = 0;    // unix seconds
};

// Generates the shop into `out_dir` (created if missing): orders.csv.gz,
// catalog.csv, truth.json and, when live_days > 0, events.jsonl,
// catalog_updates.jsonl and triggers_truth.json (live_period.h). Each file is
// written under a temporary name and renamed into place, so a failed run never
// leaves a truncated file behind under the final name (it may leave a stale
// *.tmp). Errors: InvalidArgument for bad options; file-system failures as
// Internal, naming the path.
absl::StatusOr<WrittenShop> WriteShop(const ShopOptions& options,
                                      const std::string& out_dir);

// "12.34" for 1234; REQUIRES: cents >= 0.
std::string FormatPrice(int64_t cents);

// The catalog.csv text: header `item_id,title,category,price,in_stock`, one row
// per item.
std::string CatalogToCsv(const std::vector<CatalogItem>& catalog);

// The truth.json text, one object (substitute items are listed budget,
// standard, premium; multipliers January first):
//   {"seed": 42,
//    "non_product_items": ["POSTAGE"],
//    "complements": [
//      {"anchor": "SKU-0003", "complement": "SKU-0017", "probability": 0.60},
//      ...],
//    "substitutes": [
//      {"items": ["SKU-0040", "SKU-0041", "SKU-0042"],
//       "category": "Kitchen/Coffee"}, ...],
//    "cycles": [
//      {"customer_id": "C00012", "item_id": "SKU-0100", "days": 30.0,
//       "purchases": 9}, ...],
//    "seasonal": [
//      {"category": "Garden/Tools", "month_multipliers": [0.25, ..., 0.25]},
//      ...]}
std::string TruthToJson(const ShopTruth& truth);

}  // namespace boomerang::demo

#endif  // BOOMERANG_TOOLS_DEMO_SHOP_DEMO_SHOP_H_
