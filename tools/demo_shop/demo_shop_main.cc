// boomerang-demo-shop: writes a deterministic demo online shop (orders.csv.gz, catalog.csv,
// truth.json) into --out DIR. See tools/demo_shop/demo_shop.h for what the data contains.
//
//   boomerang-demo-shop --out demo                       # 300 items, 2000 customers, 2025
//   boomerang-demo-shop --out big --items 100000 --customers 1000000 --seed 7

#include <cstdint>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "tools/demo_shop/demo_shop.h"

namespace {

constexpr char kProgram[] = "boomerang-demo-shop";

int Fail(const std::string& message) {
  std::cerr << kProgram << ": error: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  boomerang::demo::ShopOptions options;
  std::string out_dir;
  std::string start = absl::FormatCivilTime(options.start);

  CLI::App app{
      "Writes a deterministic demo online shop: orders.csv.gz, catalog.csv and truth.json "
      "(the planted complements, substitutes, re-buy cycles and seasons).",
      kProgram};
  app.add_option("--out", out_dir, "Output directory (created if missing)")->required();
  app.add_option("--items", options.items, "Catalog size")
      ->capture_default_str()
      ->check(CLI::Range(20, 100'000'000));
  app.add_option("--customers", options.customers, "Registered customers")
      ->capture_default_str()
      ->check(CLI::Range(1, 500'000'000));
  app.add_option("--days", options.days, "Days of history")
      ->capture_default_str()
      ->check(CLI::Range(1, 36'500));
  app.add_option("--seed", options.seed, "Random seed; the same flags give identical files")
      ->capture_default_str();
  app.add_option("--start", start, "First day, YYYY-MM-DD (UTC)")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(e.what());
  }

  // ParseCivilTime normalizes out-of-range fields (2025-02-30 becomes March 2), so insist that
  // the date reads back unchanged.
  absl::CivilDay start_day;
  if (!absl::ParseCivilTime(start, &start_day) || absl::FormatCivilTime(start_day) != start) {
    return Fail(absl::StrCat("--start: '", start, "' is not a valid date YYYY-MM-DD"));
  }
  options.start = start_day;

  const absl::StatusOr<boomerang::demo::WrittenShop> written =
      boomerang::demo::WriteShop(options, out_dir);
  if (!written.ok()) return Fail(std::string(written.status().message()));

  const boomerang::demo::GeneratedShop& shop = written->shop;
  const boomerang::demo::ShopStats& stats = shop.stats;
  const absl::CivilDay last = options.start + (options.days - 1);
  std::cout << "Wrote a demo shop with " << shop.catalog.size() << " items and "
            << options.customers << " customers (" << stats.active_customers
            << " with orders): " << stats.orders << " orders (" << stats.guest_orders
            << " guest, " << stats.cycle_orders << " with a re-buy cycle, "
            << stats.return_orders << " returns, " << stats.wholesale_orders
            << " wholesale) and " << stats.lines << " lines (" << stats.postage_lines
            << " POSTAGE) from " << absl::FormatCivilTime(options.start) << " to "
            << absl::FormatCivilTime(last) << ", seed " << options.seed << ". Planted: "
            << shop.truth.complements.size() << " complements, "
            << shop.truth.substitutes.size() << " substitute groups, "
            << shop.truth.cycles.size() << " cycles, " << shop.truth.seasonal.size()
            << " seasonal categories. Files: " << absl::StrJoin(written->files, ", ") << "\n";
  return 0;
}
