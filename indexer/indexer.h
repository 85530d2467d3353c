// The batch pipeline: purchase export (+ optional catalog) -> one immutable,
// versioned snapshot directory, published atomically.
//
// Phases: read purchases (classify every line: purchase, return, non-product,
// bad with a reason), read the catalog, count "bought together" pairs,
// compute popularity, write the snapshot through models/snapshot/writer.h
// (which loads it with the server's reader before publishing), publish. If the
// share of bad lines exceeds `max_bad_share`, the data shrank sharply against
// the newest published version (`max_shrink`), or anything fails, nothing is
// published and the previous snapshots are untouched.
//
// Thread-safety: RunIndexer may be called from one thread at a time per
// snapshot root (concurrent runs on one root are safe but wasteful: each
// publishes its own version).
#ifndef BOOMERANG_INDEXER_INDEXER_H_
#define BOOMERANG_INDEXER_INDEXER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "indexer/embeddings.h"
#include "indexer/ranker_training.h"
#include "models/cooccurrence.h"
#include "models/events/nats_event_log.h"
#include "models/purchase_line.h"
#include "models/segments.h"

namespace boomerang {

struct IndexerOptions {
  std::string purchases_path;                  // required
  std::map<std::string, std::string> columns;  // canonical -> header name
  std::string catalog_path;                    // optional
  std::map<std::string, std::string> catalog_columns;
  // Catalog header column -> a CSV file translating its ids to names.
  std::map<std::string, std::string> catalog_lookups;
  std::string out_root;  // snapshot root, required
  // The server's live event store (--events-dir), optional: its purchases
  // after the export's last purchase are added as purchase lines (earlier
  // ones are taken to be in the export already: no double counting).
  std::string events_dir;
  // Instead of events_dir, with replicas: the shared NATS JetStream stream
  // (servers non-empty), read to its end, each idempotency key once.
  NatsEventLogOptions event_log;
  // The catalog's moment (unix seconds): ITEM_UPDATE events of the event
  // store after it are applied on top of the catalog (earlier ones are
  // taken to be in it). -1 (the default): the catalog file's modification
  // time; without a catalog file, every update applies.
  int64_t catalog_time = -1;

  CooccurrenceOptions cooccurrence;
  EmbeddingOptions embeddings;
  // The learned picks ranker trained on the new snapshot (--no-ranker).
  RankerTrainingOptions ranker;
  // Lines of orders whose id starts with this are returns; empty (the
  // default) disables. Negative quantities are returns regardless, which
  // already covers Online Retail's "C" invoices. A default of "C" would
  // turn real orders such as "CA-2016-..." into returns.
  std::string cancel_order_prefix;
  // CSV delimiter; 0 detects ',', ';', tab or '|' from the header line.
  char delimiter = 0;
  // When > 0, purchase lines at or after this time (unix seconds) are left
  // out: a snapshot "as of" a moment, for time-split evaluation.
  int64_t until = 0;
  // Per customer (by normalized id): that customer's purchase lines at or
  // after this time are left out too (counted with `until`'s): the
  // next-basket protocol holds out each customer's last order.
  absl::flat_hash_map<std::string, int64_t> customer_until;
  // Non-product item id patterns (see models/item_exclusion.h).
  std::vector<std::string> excluded_item_patterns;
  // The run fails (and publishes nothing) when bad lines exceed this share
  // of data lines.
  double max_bad_share = 0.05;
  // Purchase lines dated before this (unix seconds; --min-date) or more
  // than a day after the clock are bad_timestamp lines (see DecodeOptions).
  int64_t min_timestamp = kDefaultMinTimestamp;
  // The clock for that upper bound, unix seconds; 0 reads the system clock
  // (tests fix it).
  int64_t now = 0;
  // The shrink guard: the run fails (and publishes nothing) when, against
  // the newest version already published under out_root, its orders,
  // customers or covered time span (data_end - data_start) fall by more
  // than this share, or its data ends earlier. A truncated input (a failed
  // `zcat` in a pipe) reads as a clean end of input; without this check a
  // sliver of the data would replace a full snapshot overnight. 0.2: a
  // nightly rebuild of a growing or rolling export moves these by a few
  // percent (a rolling year loses one day, 0.3%; a rolling quarter rebuilt
  // weekly after a peak season, ~15%), while a truncated file loses far
  // more; an export sorted by time also ends earlier, which is refused
  // whatever the share.
  double max_shrink = 0.2;
  bool allow_shrink = false;  // publish even when the guard would refuse
  // Item ids that differ only in ASCII case ("85123A" / "85123a") are
  // listed in the report either way; with this they become one item under
  // the spelling with the most purchase lines, and the other spellings are
  // stored as aliases the server also finds the item by.
  bool merge_item_case = false;
  // The revenue shares of the A and B classes of customers and items
  // (models/segments.h; --abc-shares).
  AbcShares abc_shares;
  // "Recent" popularity looks at this many days before the last purchase.
  int recent_days = 30;
  // Best sellers kept for fallbacks.
  int popular_items = 1000;
  // Progress lines go here (every `progress_interval_s`); may be null.
  std::function<void(const std::string&)> progress;
  double progress_interval_s = 1.0;
};

// How many lines of one bad reason, and where the first ones are.
struct BadLineStats {
  int64_t count = 0;
  std::vector<int64_t> first_lines;  // at most kMaxExampleLines
  std::string first_detail;          // "line 17: field 'quantity' ..."
};
inline constexpr int kMaxExampleLines = 5;
// Groups of item ids differing only in case listed in the summary.
inline constexpr int kMaxCaseGroups = 10;

struct InputStats {
  std::string path;
  int64_t lines_read = 0;  // physical lines, header included
  int64_t data_rows = 0;   // records after the header
  int64_t rows_used = 0;
  std::array<BadLineStats, kNumBadReasons> bad{};
  int64_t bad_total() const;
};

struct IndexReport {
  InputStats purchases;
  InputStats catalog;
  int64_t purchase_lines = 0;
  int64_t return_lines = 0;
  int64_t excluded_lines = 0;  // non-product lines
  int64_t zero_quantity_lines = 0;
  int64_t after_until_lines = 0;  // left out by IndexerOptions::until
  // From the event store: purchases added, and purchases left out because
  // the export already covers their time.
  int64_t live_purchase_lines = 0;
  int64_t live_purchases_in_export = 0;
  // Catalog updates (ITEM_UPDATE) applied, and the catalog's moment they
  // were after (0: every update).
  int64_t catalog_updates = 0;
  int64_t catalog_time = 0;
  int64_t catalog_updates_end = 0;  // the newest update applied
  // The latest purchase of the export alone (data_end also counts live
  // purchases).
  int64_t export_data_end = 0;
  // The non-product ids that were dropped, most lines first (at most 10).
  std::vector<std::pair<std::string, int64_t>> excluded_items;
  int64_t huge_order_lines = 0;  // purchase lines in orders left out of pairs
  int64_t orders = 0;
  int64_t guest_orders = 0;
  int64_t customers = 0;
  int64_t items = 0;
  int64_t pairs_kept = 0;
  int64_t similar_pairs = 0;
  int64_t huge_orders_skipped = 0;
  int64_t data_start = 0, data_end = 0;
  // Item ids that differ only in case: the groups with the most purchase
  // lines first (at most kMaxCaseGroups), each spelling with its lines,
  // most first; how many groups there are; whether they were merged (each
  // into its first spelling).
  std::vector<std::vector<std::pair<std::string, int64_t>>> case_groups;
  int64_t case_groups_total = 0;
  bool case_merged = false;
  std::string snapshot_dir;  // set when published
  std::string version;
  double wall_seconds = 0;
  // The picks ranker's training (customers 0: none trained) and, when it
  // was on but could not train, why.
  v1::PicksRankerInfo ranker;
  std::string ranker_skipped;
  int64_t peak_rss_bytes = 0;
};

// The purchase history as read, for evaluation tools: orders with their
// time, customer and items (dense ids into item_ids).
struct OrderHistory {
  std::vector<std::string> item_ids;
  std::vector<int64_t> order_timestamps;
  std::vector<int32_t> order_customers;  // -1 for a guest order
  // Sum of quantity x unit price over the order's priced purchase lines
  // (returns are not netted); 0 when the export has no prices.
  std::vector<double> order_revenue;
  std::vector<std::string> customer_ids;  // by the indices above
  OrderItems orders;                      // sorted, unique items per order
  // Per item (as item_ids): units and revenue per calendar month, for the
  // items' ABC / XYZ classes (models/segments.h).
  std::vector<std::vector<ItemMonth>> item_months;
};

// Reads and classifies the purchase file exactly as RunIndexer does (the
// catalog is not read).
absl::StatusOr<OrderHistory> LoadOrderHistory(const IndexerOptions& options,
                                              IndexReport* report);

// The catalog's optional columns (item_id is required).
const std::vector<std::string>& CatalogOptionalColumns();

// Runs the pipeline. On failure the status says what went wrong (naming
// the file, line and field where there is one) and `report` holds what was
// counted so far.
absl::Status RunIndexer(const IndexerOptions& options, IndexReport* report);

// A multi-line human summary of a report.
std::string FormatReport(const IndexReport& report);

}  // namespace boomerang

#endif  // BOOMERANG_INDEXER_INDEXER_H_
