// The shopper simulator (issue 14): simulated customers with planted
// tastes ask a running server for lists, look at them, click and buy by a
// known model, and report it all back with RecordEvents (IMPRESSION, CLICK,
// PURCHASE), as a shop's pages and emails would. It is how the experiment
// report is proven: a better ranker must win, identical arms must not,
// and a broken split must be caught.
//
// The shoppers are the shop's customers (its purchase file): a shopper's
// taste is the share of their past order lines in each category (the demo
// shop plants favourite categories per customer). The model, per list:
//   - the shopper sees it: one IMPRESSION (unless the arm's logging is
//     broken on purpose: `drop_arm`);
//   - clicks the item at position k with probability
//     (base_click + taste_weight * taste[item's category]) / sqrt(k);
//   - after a click buys it with probability buy_after_click: an
//     ADD_TO_CART five minutes after the click, then one unit at the listed
//     price ten minutes after it, both naming the recommendation id with
//     probability explicit_id_share (else the server's last-click rule must
//     credit them); late_share of these purchases come 30 hours after the
//     click instead, without an id: outside a 24-hour window, not credited.
//     Of those who do not buy, cart_without_buying still put it in the
//     cart (credited too: within the window).
//
// Thread-safety: RunShopperSim is a function of its options (a fixed seed
// gives the same shoppers, lists and choices against the same snapshot).
#ifndef BOOMERANG_TOOLS_SIM_SHOPPER_SIM_H_
#define BOOMERANG_TOOLS_SIM_SHOPPER_SIM_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace boomerang::sim {

struct SimOptions {
  std::string server = "127.0.0.1:50051";
  std::string purchases;  // the shop's order export (indexer columns)
  std::string catalog;    // item_id,title,category,price,... CSV
  // Where shoppers see lists: placement name -> "picks" (PersonalPicks,
  // an email or home page) or "fbt" (FrequentlyBoughtTogether on the page
  // of an item the shopper bought).
  std::map<std::string, std::string> placements = {{"email_picks", "picks"}};
  int shoppers = 1000;  // customers with at least min_orders orders
  int min_orders = 2;
  int visits = 3;  // lists per shopper, each at a random placement
  int limit = 6;
  uint64_t seed = 1;
  double base_click = 0.02;
  double taste_weight = 0.25;
  double buy_after_click = 0.35;
  double cart_without_buying = 0.2;
  double explicit_id_share = 0.5;
  double late_share = 0.0;
  // The arm whose logging is broken: the impressions of drop_share of its
  // shoppers are never sent (their clicks and purchases neither).
  std::string drop_arm;
  double drop_share = 0;
  // First visit's time (unix seconds); 0: now minus 3 x `visits` days and
  // two more. Visits are three days apart.
  int64_t start = 0;
  int batch = 500;  // events per RecordEvents call
};

struct ArmCounts {
  int64_t lists = 0, impressions = 0, clicks = 0, add_to_carts = 0,
          purchases = 0;
  // Purchases the report should credit (by id, or within the window).
  int64_t credited = 0;
  double credited_revenue = 0;
};

struct SimResult {
  int64_t lists = 0, impressions = 0, clicks = 0, add_to_carts = 0,
          purchases = 0;
  int64_t purchases_with_id = 0, purchases_in_window = 0,
          purchases_after_window = 0;
  // "placement/arm" -> counts.
  std::map<std::string, ArmCounts> arms;
  std::string ToJson() const;
};

absl::StatusOr<SimResult> RunShopperSim(const SimOptions& options);

}  // namespace boomerang::sim

#endif  // BOOMERANG_TOOLS_SIM_SHOPPER_SIM_H_
