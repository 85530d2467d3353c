// boomerang-demo-shop: writes a deterministic demo online shop (orders.csv.gz,
// catalog.csv, truth.json, and the live period after the orders:
// events.jsonl, catalog_updates.jsonl, triggers_truth.json) into --out DIR.
// See tools/demo_shop/demo_shop.h and live_period.h for what the data
// contains.
//
//   boomerang-demo-shop --out demo    # 300 items, 2000 customers, 2025
//   boomerang-demo-shop --out big --items 100000 --customers 1000000
//       --gzip-level 1                # a benchmark-sized shop

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tools/demo_shop/demo_shop.h"

namespace {

constexpr char kProgram[] = "boomerang-demo-shop";

// Exit codes: 2 for a bad command line, 1 when writing the shop fails.
// Exit status as for the other tools: 1 for bad flags, 2 for I/O failures.
int Fail(const std::string& message, int exit_code = 1) {
  std::cerr << kProgram << ": error: " << message << "\n";
  return exit_code;
}

// CLI11's Range() lets "2.5" through to a confusing message and reports "abc"
// as a bad FLOAT; this says what is wanted.
CLI::Validator IntegerIn(int64_t lo, int64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        int64_t value = 0;
        if (absl::SimpleAtoi(text, &value) && value >= lo && value <= hi)
          return "";
        return absl::StrCat("'", text, "' is not an integer in ", lo, "..", hi);
      },
      absl::StrCat("[", lo, "..", hi, "]"));
}

}  // namespace

int main(int argc, char** argv) {
  boomerang::demo::ShopOptions options;
  std::string out_dir;
  std::string start = absl::FormatCivilTime(options.start);
  // Read as text: CLI11 2.1 silently wraps "-1" into 18446744073709551615.
  std::string seed = absl::StrCat(options.seed);

  CLI::App app{
      "Writes a deterministic demo online shop: orders.csv.gz, catalog.csv "
      "and truth.json (the planted complements, substitutes, re-buy cycles "
      "and seasons), and a live period after the orders: events.jsonl, "
      "catalog_updates.jsonl and triggers_truth.json (planted trigger "
      "audiences).",
      kProgram};
  app.add_option("--out", out_dir, "Output directory (created if missing)")
      ->required()
      ->type_name("DIR");
  app.add_option("--items", options.items, "Catalog size")
      ->capture_default_str()
      ->check(IntegerIn(20, 100'000'000));
  app.add_option("--customers", options.customers, "Registered customers")
      ->capture_default_str()
      ->check(IntegerIn(1, 500'000'000));
  app.add_option("--days", options.days, "Days of history")
      ->capture_default_str()
      ->check(IntegerIn(1, 36'500));
  app.add_option("--seed", seed,
                 "Random seed (0..2^64-1); the same flags give identical files")
      ->capture_default_str()
      ->type_name("UINT");
  app.add_option("--start", start, "First day, YYYY-MM-DD (UTC)")
      ->capture_default_str()
      ->type_name("DATE");
  app.add_option("--gzip-level", options.gzip_level,
                 "zlib level of orders.csv.gz; 1 writes benchmark-sized shops "
                 "~2x faster")
      ->capture_default_str()
      ->check(IntegerIn(1, 9));
  app.add_option("--live-days", options.live_days,
                 "Days of live events and catalog changes after the orders "
                 "(0: no live files; else at least 7)")
      ->capture_default_str()
      ->check(IntegerIn(0, 365));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(e.what());
  }

  // ParseCivilTime normalizes out-of-range fields (2025-02-30 becomes March 2),
  // so insist that the date reads back unchanged.
  absl::CivilDay start_day;
  if (!absl::ParseCivilTime(start, &start_day) ||
      absl::FormatCivilTime(start_day) != start) {
    return Fail(
        absl::StrCat("--start: '", start, "' is not a valid date YYYY-MM-DD"));
  }
  options.start = start_day;
  // The planted triggers look up to a week back from the period's end.
  if (options.live_days > 0 && options.live_days < 7) {
    return Fail(
        absl::StrCat("--live-days: ", options.live_days,
                     " is too short: 0 (no live period) or at least 7"));
  }
  if (seed.empty() ||
      seed.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(seed, &options.seed)) {
    return Fail(absl::StrCat("--seed: '", seed,
                             "' is not an integer in 0..18446744073709551615"));
  }

  const absl::StatusOr<boomerang::demo::WrittenShop> written =
      boomerang::demo::WriteShop(options, out_dir);
  if (!written.ok())
    return Fail(std::string(written.status().message()), /*exit_code=*/2);

  const boomerang::demo::GeneratedShop& shop = written->shop;
  const boomerang::demo::ShopStats& stats = shop.stats;
  const absl::CivilDay last = options.start + (options.days - 1);
  std::cout << "Wrote a demo shop with " << shop.catalog.size() << " items and "
            << options.customers << " customers (" << stats.active_customers
            << " with orders): " << stats.orders << " orders ("
            << stats.guest_orders << " guest, " << stats.cycle_orders
            << " with a re-buy cycle, " << stats.return_orders << " returns, "
            << stats.wholesale_orders << " wholesale) and " << stats.lines
            << " lines (" << stats.postage_lines << " POSTAGE) from "
            << absl::FormatCivilTime(options.start) << " to "
            << absl::FormatCivilTime(last) << ", seed " << options.seed
            << ". Planted: " << shop.truth.complements.size()
            << " complements, " << shop.truth.substitutes.size()
            << " substitute groups, " << shop.truth.cycles.size() << " cycles, "
            << shop.truth.seasonal.size() << " seasonal categories. "
            << (options.live_days > 0
                    ? absl::StrCat("Live period: ", written->live_events,
                                   " events, ", written->live_updates,
                                   " catalog updates, ", written->live_planted,
                                   " planted trigger customers as of ",
                                   absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                                                    absl::FromUnixSeconds(
                                                        written->live_as_of),
                                                    absl::UTCTimeZone()),
                                   ". ")
                    : std::string())
            << "Files: " << absl::StrJoin(written->files, ", ") << "\n";
  return 0;
}
