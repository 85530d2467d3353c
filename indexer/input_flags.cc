#include "indexer/input_flags.h"

#include "absl/strings/str_cat.h"
#include "models/item_exclusion.h"
#include "models/list_file.h"
#include "models/purchase_line.h"
#include "models/timestamp.h"

namespace boomerang {

void AddPurchaseInputFlags(CLI::App* app, PurchaseInputFlags* flags,
                           IndexerOptions* options,
                           const std::string& columns_help) {
  app->add_option("--purchases", options->purchases_path,
                  "CSV or gzipped CSV, one row per order line, with a header "
                  "(- reads standard input)")
      ->required();
  app->add_option("--column", flags->columns, columns_help);
  app->add_option("--delimiter", flags->delimiter,
                  "field separator of the CSV files: auto (detect ',', ';', "
                  "tab or '|' from the header), ',', ';', tab or '|'")
      ->capture_default_str();
  app->add_option("--cancel-prefix", options->cancel_order_prefix,
                  "order ids starting with this are cancellations (returns); "
                  "none by default: negative quantities are returns anyway");
  app->add_option("--exclude-item", flags->exclude_items,
                  "item id pattern that is not a product (trailing * = "
                  "prefix). Repeatable.");
  app->add_option("--exclude-items-file", flags->exclude_file,
                  "file with one non-product item pattern per line");
  app->add_flag("--no-default-exclusions", flags->no_default_exclusions,
                "do not exclude the built-in non-product ids (POST, DOT, M, "
                "BANK CHARGES, POSTAGE, ...)");
  app->add_option("--min-date", flags->min_date,
                  "purchases dated before this (ISO 8601), or more than a "
                  "day after the clock, are bad_timestamp lines")
      ->capture_default_str();
  app->add_option("--max-bad-share", options->max_bad_share,
                  "fail (publish nothing) when more than this share of lines "
                  "is bad")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
}

absl::Status ApplyPurchaseInputFlags(const PurchaseInputFlags& flags,
                                     IndexerOptions* options) {
  auto columns = ParseColumnMappings(flags.columns, AllPurchaseColumns());
  if (!columns.ok()) return columns.status();
  options->columns = *columns;
  const std::string& d = flags.delimiter;
  if (d == "auto") {
    options->delimiter = 0;
  } else if (d == "tab" || d == "\\t" || d == "\t") {
    options->delimiter = '\t';
  } else if (d.size() == 1 && std::string(",;|").find(d) != std::string::npos) {
    options->delimiter = d[0];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--delimiter '", d, "' is not one of auto, ',', ';', tab, '|'"));
  }
  options->excluded_item_patterns.clear();
  if (!flags.no_default_exclusions) {
    options->excluded_item_patterns = DefaultExcludedItemPatterns();
  }
  for (const auto& p : flags.exclude_items) {
    options->excluded_item_patterns.push_back(p);
  }
  if (!flags.exclude_file.empty()) {
    auto patterns = ReadListFile(flags.exclude_file);
    if (!patterns.ok()) return patterns.status();
    for (const auto& p : *patterns)
      options->excluded_item_patterns.push_back(p);
  }
  auto min_t = ParseTimestamp(flags.min_date);
  if (!min_t.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--min-date '", flags.min_date, "': ", min_t.status().message()));
  }
  options->min_timestamp = *min_t;
  return absl::OkStatus();
}

}  // namespace boomerang
