// boomerang-shopper-sim: simulated shoppers against a running server
// (tools/sim/shopper_sim.h). Prints what it sent as JSON.
//
//   boomerang-shopper-sim --server 127.0.0.1:50051 \
//       --purchases demo/orders.csv.gz --catalog demo/catalog.csv \
//       --placement email_picks=picks --placement product_page_fbt=fbt \
//       --shoppers 2000 --visits 3 --seed 7
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_split.h"
#include "tools/sim/shopper_sim.h"

int main(int argc, char** argv) {
  boomerang::sim::SimOptions o;
  std::vector<std::string> placements;
  CLI::App app{"Simulated shoppers: lists, impressions, clicks, purchases."};
  app.add_option("--server", o.server, "host:port")->capture_default_str();
  app.add_option("--purchases", o.purchases, "the shop's order export")
      ->required();
  app.add_option("--catalog", o.catalog, "the shop's catalog CSV")->required();
  app.add_option("--placement", placements,
                 "NAME=picks or NAME=fbt (repeatable; default "
                 "email_picks=picks)");
  app.add_option("--shoppers", o.shoppers)->capture_default_str();
  app.add_option("--visits", o.visits, "lists per shopper")
      ->capture_default_str();
  app.add_option("--limit", o.limit)->capture_default_str();
  app.add_option("--seed", o.seed)->capture_default_str();
  app.add_option("--base-click", o.base_click)->capture_default_str();
  app.add_option("--taste-weight", o.taste_weight)->capture_default_str();
  app.add_option("--buy-after-click", o.buy_after_click)->capture_default_str();
  app.add_option("--cart-without-buying", o.cart_without_buying,
                 "clickers who cart the item and do not buy it")
      ->capture_default_str();
  app.add_option("--explicit-id-share", o.explicit_id_share,
                 "purchases that name their recommendation id")
      ->capture_default_str();
  app.add_option("--late-share", o.late_share,
                 "purchases 30 h after the click, without an id")
      ->capture_default_str();
  app.add_option("--drop-arm", o.drop_arm,
                 "break this arm's logging (the sample-ratio check)");
  app.add_option("--drop-share", o.drop_share,
                 "share of that arm's shoppers whose events are lost");
  app.add_option("--start", o.start,
                 "first visit, unix seconds (0: now - "
                 "visits days)");
  CLI11_PARSE(app, argc, argv);
  if (!placements.empty()) o.placements.clear();
  for (const std::string& p : placements) {
    std::vector<std::string> kv = absl::StrSplit(p, absl::MaxSplits('=', 1));
    if (kv.size() != 2) {
      std::cerr << "boomerang-shopper-sim: --placement wants NAME=picks|fbt\n";
      return 1;
    }
    o.placements[kv[0]] = kv[1];
  }
  auto r = boomerang::sim::RunShopperSim(o);
  if (!r.ok()) {
    std::cerr << "boomerang-shopper-sim: " << r.status().message() << "\n";
    return 1;
  }
  std::cout << r->ToJson();
  return 0;
}
