// The purchase-input flags, declared once for every program that reads an
// order export the way boomerang-indexer does: the indexer itself,
// `boomerang report`, `boomerang eval`, boomerang-fbt-eval and
// boomerang-retention-eval. A flag added here reaches all of them, with the
// same name, default and help.
//
//   --purchases FILE (required)  --column canonical=TheirName (repeatable)
//   --delimiter auto|,|;|tab||   --cancel-prefix P
//   --exclude-item PATTERN       --exclude-items-file FILE
//   --no-default-exclusions      --min-date DATE   --max-bad-share S
//
// Thread-safety: used while parsing a command line, on one thread.
#ifndef BOOMERANG_INDEXER_INPUT_FLAGS_H_
#define BOOMERANG_INDEXER_INPUT_FLAGS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "indexer/indexer.h"

namespace boomerang {

// The flags' raw values until ApplyPurchaseInputFlags reads them. Must
// outlive the CLI::App it is added to.
struct PurchaseInputFlags {
  std::vector<std::string> columns;
  std::string delimiter = "auto";
  std::vector<std::string> exclude_items;
  std::string exclude_file;
  bool no_default_exclusions = false;
  std::string min_date = "1990-01-01";
};

// Declares the flags on `app`; --purchases, --cancel-prefix and
// --max-bad-share write straight into `options`, the others into `flags`.
// `columns_help` describes --column for this program (which columns it
// uses).
void AddPurchaseInputFlags(CLI::App* app, PurchaseInputFlags* flags,
                           IndexerOptions* options,
                           const std::string& columns_help =
                               "map a canonical column to your header name, "
                               "e.g. order_id=InvoiceNo (columns: order_id, "
                               "customer_id, item_id, timestamp; optional "
                               "quantity, price, amount, title). Repeatable.");

// After parsing: fills options->columns, delimiter, excluded_item_patterns
// (the built-in non-products unless --no-default-exclusions, then
// --exclude-item and --exclude-items-file) and min_timestamp.
// INVALID_ARGUMENT naming the flag; NOT_FOUND for a missing exclusions file.
absl::Status ApplyPurchaseInputFlags(const PurchaseInputFlags& flags,
                                     IndexerOptions* options);

}  // namespace boomerang

#endif  // BOOMERANG_INDEXER_INPUT_FLAGS_H_
