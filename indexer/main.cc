// boomerang-indexer: builds a snapshot from an order export.
//
//   boomerang-indexer --purchases orders.csv.gz
//       --column order_id=InvoiceNo --column item_id=StockCode
//       --column customer_id=CustomerID --column timestamp=InvoiceDate
//       --column quantity=Quantity --column price=UnitPrice
//       --out snapshots/
//
// Exit status: 0 published; 1 bad input or flags, or data that shrank
// against the newest snapshot (one error line); 2 an I/O or internal
// failure. Nothing is published unless it exits 0.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "indexer/indexer.h"
#include "indexer/input_flags.h"
#include "models/item_exclusion.h"
#include "models/list_file.h"
#include "models/timestamp.h"

namespace {

using boomerang::IndexerOptions;

// The flags that are parsed into something other than IndexerOptions
// fields, and turned into them by ApplyFlags.
struct CommandFlags {
  std::vector<std::string> catalog_columns;  // --catalog-column
  std::vector<std::string> catalog_lookups;  // --catalog-lookup
  std::string catalog_time;                  // --catalog-time
  std::string event_log;                     // --event-log
  std::string scoring = "llr";
  bool quiet = false;
  int threads = 0;
  bool no_embeddings = false;
  bool no_ranker = false;
};

// Where the data comes from and where the snapshot goes: --events, the
// catalog flags and --out.
void AddSourceFlags(CLI::App& app, IndexerOptions* opts, CommandFlags* flags) {
  app.add_option("--events", opts->events_dir,
                 "the server's live event store (its --events-dir): adds its "
                 "purchases after the export's last one (safe while the server "
                 "runs)");
  app.add_option("--event-log", flags->event_log,
                 "with replicas, instead of --events: the shared NATS "
                 "JetStream stream (nats://host:4222,...), read to its end, "
                 "each idempotency key once");
  app.add_option("--event-log-stream", opts->event_log.stream,
                 "the stream's name (the servers' --event-log-stream)")
      ->capture_default_str();
  app.add_option("--event-log-subject", opts->event_log.subject,
                 "the stream's subject (the servers' --event-log-subject)")
      ->capture_default_str();
  app.add_option("--nats-tls-ca", opts->event_log.tls_ca,
                 "CA certificates (PEM) to trust for NATS over TLS");
  app.add_option("--nats-tls-cert", opts->event_log.tls_cert,
                 "client certificate (PEM) for NATS mutual TLS");
  app.add_option("--nats-tls-key", opts->event_log.tls_key,
                 "client key (PEM) for NATS mutual TLS");
  app.add_option("--nats-creds", opts->event_log.credentials_file,
                 "NATS credentials file (user JWT and NKey seed)");
  app.add_option("--catalog-time", flags->catalog_time,
                 "the catalog file's moment (ISO 8601): live catalog updates "
                 "(UpdateItems) after it are applied on top of it (default: "
                 "the file's modification time; no --catalog: all updates)");
  app.add_option("--catalog", opts->catalog_path,
                 "optional catalog CSV: item_id, title, category (a path such "
                 "as Home/Kitchen/Mugs), brand, price, in_stock, "
                 "recommendable (0 marks a non-product)");
  app.add_option("--catalog-column", flags->catalog_columns,
                 "map a catalog column, e.g. item_id=sku; a category may join "
                 "several columns: category=department+aisle. Repeatable.");
  app.add_option("--catalog-lookup", flags->catalog_lookups,
                 "COLUMN=FILE: translate the catalog column's ids with FILE "
                 "(CSV: id, name), e.g. aisle_id=aisles.csv.gz. Repeatable.");
  app.add_option("--out", opts->out_root, "snapshot root directory")
      ->required();
}

// The "bought together" tables: --top-k, --min-support, --max-order-items,
// --scoring.
void AddPairFlags(CLI::App& app, IndexerOptions* opts, CommandFlags* flags) {
  app.add_option("--top-k", opts->cooccurrence.top_k,
                 "co-purchased items kept per item")
      ->capture_default_str();
  app.add_option("--min-support", opts->cooccurrence.min_support,
                 "minimum orders containing both items of a pair")
      ->capture_default_str();
  app.add_option("--max-order-items", opts->cooccurrence.max_order_items,
                 "orders with more distinct items are left out of pair "
                 "counting (wholesale restocks)")
      ->capture_default_str();
  app.add_option("--scoring", flags->scoring,
                 "pair score: llr, cosine, lift or count")
      ->capture_default_str();
}

// The shrink guard, item-id merging, the recent window and --threads.
void AddDataFlags(CLI::App& app, IndexerOptions* opts, CommandFlags* flags) {
  app.add_option("--max-shrink", opts->max_shrink,
                 "fail (publish nothing) when orders, customers or the days "
                 "covered fall by more than this share against the newest "
                 "snapshot under --out, or the data ends earlier: a "
                 "truncated export reads like a clean end of input")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_flag("--allow-shrink", opts->allow_shrink,
               "publish even when the data shrank (see --max-shrink)");
  app.add_flag("--merge-item-case", opts->merge_item_case,
               "merge item ids that differ only in case (85123A, 85123a) "
               "into the spelling with the most lines; the others stay "
               "findable as aliases (the summary lists such ids either way)");
  app.add_option(
         "--recent-days", opts->recent_days,
         "window for recent popularity, in days before the last purchase")
      ->capture_default_str();
  app.add_option("--threads", flags->threads, "worker threads (0: all cores)")
      ->capture_default_str();
  app.add_option("--abc-a-share", opts->abc_shares.a,
                 "share of revenue of the A class of customers and items")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 0.99));
  app.add_option("--abc-b-share", opts->abc_shares.b,
                 "share of revenue of the B class (C takes the rest)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.99));
}

// Item and customer embeddings (ALS) and the similar items from them.
void AddEmbeddingFlags(CLI::App& app, IndexerOptions* opts,
                       CommandFlags* flags) {
  auto& emb = opts->embeddings;
  app.add_flag("--no-embeddings", flags->no_embeddings,
               "skip item/customer embeddings (no personal picks; similar "
               "items from names and categories only)");
  app.add_flag("--no-ranker", flags->no_ranker,
               "train no learned picks ranker (PersonalPicks then ranks by "
               "hand-set weights)");
  app.add_option("--ranker-customers", opts->ranker.max_customers,
                 "customers sampled to train the picks ranker")
      ->capture_default_str()
      ->check(CLI::Range(20, 100000000));
  app.add_option("--factors", emb.als.factors, "embedding size")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--iterations", emb.als.iterations, "ALS iterations")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--regularization", emb.als.regularization,
                 "ALS L2 regularization")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--alpha", emb.als.alpha,
                 "ALS confidence scale: c = 1 + alpha * weight")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option(
         "--recency-half-life-days", emb.recency_half_life_days,
         "a purchase this many days before the end of the data weighs half")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--similar-k", emb.similar_k, "similar items kept per item")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--seed", emb.als.seed,
                 "random seed (same seed, same snapshot)")
      ->capture_default_str();
}

// Turns the parsed flags into `opts`; an error is bad input (exit 1).
absl::Status ApplyFlags(const boomerang::PurchaseInputFlags& input,
                        const CommandFlags& flags, IndexerOptions* opts) {
  if (absl::Status s = boomerang::ApplyPurchaseInputFlags(input, opts);
      !s.ok()) {
    return s;
  }
  std::vector<std::string> catalog_names = {"item_id"};
  for (const auto& c : boomerang::CatalogOptionalColumns())
    catalog_names.push_back(c);
  auto catalog_columns =
      boomerang::ParseColumnMappings(flags.catalog_columns, catalog_names);
  if (!catalog_columns.ok()) return catalog_columns.status();
  opts->catalog_columns = *catalog_columns;
  for (const std::string& f : flags.catalog_lookups) {
    const size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == f.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--catalog-lookup '", f, "' must look like COLUMN=FILE"));
    }
    opts->catalog_lookups[f.substr(0, eq)] = f.substr(eq + 1);
  }
  // With slack: shares such as 0.85 and 0.15 need not add up to exactly 1
  // in binary.
  if (opts->abc_shares.a + opts->abc_shares.b > 1 + 1e-9) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--abc-a-share ", opts->abc_shares.a, " and --abc-b-share ",
        opts->abc_shares.b, " add up to more than 1"));
  }
  if (!flags.event_log.empty()) {
    if (!opts->events_dir.empty()) {
      return absl::InvalidArgumentError(
          "--events and --event-log: give one (a replica's store, or the "
          "shared stream)");
    }
    auto servers = boomerang::ParseNatsServers(flags.event_log);
    if (!servers.ok()) return servers.status();
    opts->event_log.servers = *servers;
  }
  if (!flags.catalog_time.empty()) {
    auto t = boomerang::ParseTimestamp(flags.catalog_time);
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--catalog-time: ", t.status().message()));
    }
    opts->catalog_time = *t;
  }
  auto sc = boomerang::ParseScoring(flags.scoring);
  if (!sc.ok()) return sc.status();
  opts->cooccurrence.scoring = *sc;
  opts->cooccurrence.threads = flags.threads;
  opts->embeddings.enabled = !flags.no_embeddings;
  opts->ranker.enabled = !flags.no_ranker;
  opts->ranker.model.threads = flags.threads;
  opts->embeddings.als.threads = flags.threads;
  opts->embeddings.ann.threads = flags.threads;
  if (!flags.quiet) {
    opts->progress = [](const std::string& line) {
      std::cerr << "boomerang-indexer: " << line << "\n";
    };
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  IndexerOptions opts;
  CommandFlags flags;
  CLI::App app{
      "Builds a Boomerang snapshot (\"bought together\" tables, popularity) "
      "from "
      "a purchase export and publishes it atomically as the next version under "
      "--out."};
  boomerang::PurchaseInputFlags input;
  boomerang::AddPurchaseInputFlags(&app, &input, &opts);
  AddSourceFlags(app, &opts, &flags);
  AddPairFlags(app, &opts, &flags);
  AddDataFlags(app, &opts, &flags);
  AddEmbeddingFlags(app, &opts, &flags);
  app.add_flag("--quiet", flags.quiet, "no progress lines");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "boomerang-indexer: error: " << e.what() << " (see --help)\n";
    return 1;
  }

  auto fail = [](const absl::Status& s, int code) {
    std::cerr << "boomerang-indexer: error: " << s.message() << "\n";
    return code;
  };
  if (absl::Status s = ApplyFlags(input, flags, &opts); !s.ok()) {
    return fail(s, 1);
  }

  boomerang::IndexReport report;
  absl::Status s = boomerang::RunIndexer(opts, &report);
  if (!s.ok()) {
    bool input_error = absl::IsInvalidArgument(s) || absl::IsNotFound(s) ||
                       absl::IsPermissionDenied(s) || absl::IsDataLoss(s);
    return fail(s, input_error ? 1 : 2);
  }
  std::cout << boomerang::FormatReport(report);
  return 0;
}
