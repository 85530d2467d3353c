// boomerang-experiments-bench: the experiment report over N events (issue
// 14's target: 10 million in under 10 s), without a server: the events a
// shop's traffic makes are generated in memory (customers shown lists on two
// placements with an experiment each, clicks, cart adds and purchases, in
// time order), fed to the ExposureLedger the server keeps (the work of its
// listener and of a restart's replay), then the report is built. Prints the
// time of each step and the peak memory.
//
//   boomerang-experiments-bench --events 10000000 --customers 1000000
#include <sys/resource.h>

#include <chrono>
#include <iostream>
#include <random>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/experiments/assignment.h"
#include "models/experiments/exposures.h"
#include "models/experiments/tracking.h"

namespace {

using boomerang::v1::Event;
namespace ex = boomerang::experiments;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

ex::ExperimentsConfig Config() {
  ex::ExperimentsConfig c;
  for (const char* placement : {"email_picks", "product_page_fbt"}) {
    ex::ExperimentConfig e;
    e.name = absl::StrCat(placement, "_test");
    e.placement = placement;
    e.salt = e.name;
    e.arms.resize(2);
    e.arms[0].name = "control";
    e.arms[0].share = 1;
    e.arms[1].name = "ranker";
    e.arms[1].share = 1;
    c.experiments.push_back(e);
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t events = 10000000;
  int customers = 1000000;
  CLI::App app{"The experiment report over many events, in memory."};
  app.add_option("--events", events)->capture_default_str();
  app.add_option("--customers", customers)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const ex::ExperimentsConfig config = Config();
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  // Generated in batches of a day's traffic, in time order, and fed as they
  // come: the ledger is what is measured, not a 10M-event vector.
  ex::ExposureLedger ledger;
  double generate_s = 0, add_s = 0;
  int64_t made = 0;
  int64_t t = 1764547200;  // 2025-12-01
  std::vector<Event> batch;
  while (made < events) {
    auto g0 = std::chrono::steady_clock::now();
    batch.clear();
    // About 50,000 lists a "day" over all customers.
    for (int i = 0;
         i < 50000 && made + static_cast<int64_t>(batch.size()) < events; ++i) {
      const std::string customer =
          absl::StrCat("C", rng() % static_cast<uint64_t>(customers));
      const ex::ExperimentConfig& e = config.experiments[rng() % 2];
      const int arm = ex::AssignArm(e.salt, "c:" + customer, e.shares());
      const std::string rec =
          ex::NewRecommendationId(e.placement, e.name, e.arms[arm].name);
      t += 1;
      Event imp;
      imp.set_type(Event::IMPRESSION);
      imp.set_customer_id(customer);
      imp.set_recommendation_id(rec);
      imp.mutable_timestamp()->set_seconds(t);
      batch.push_back(imp);
      for (int k = 0; k < 6; ++k) {
        if (u(rng) > (arm == 1 ? 0.06 : 0.04)) continue;
        const std::string item = absl::StrCat("SKU-", rng() % 100000);
        Event click;
        click.set_type(Event::CLICK);
        click.set_customer_id(customer);
        click.set_item_id(item);
        click.set_recommendation_id(rec);
        click.mutable_timestamp()->set_seconds(t + 5);
        batch.push_back(click);
        if (u(rng) > 0.4) continue;
        Event cart = click;
        cart.set_type(Event::ADD_TO_CART);
        cart.set_recommendation_id(u(rng) < 0.5 ? rec : "");
        cart.mutable_timestamp()->set_seconds(t + 60);
        batch.push_back(cart);
        if (u(rng) > 0.6) continue;
        Event buy = cart;
        buy.set_type(Event::PURCHASE);
        buy.set_price(5 + 50 * u(rng));
        buy.set_quantity(1 + rng() % 3);
        buy.mutable_timestamp()->set_seconds(t + 600);
        batch.push_back(buy);
      }
    }
    generate_s += Seconds(g0);
    auto a0 = std::chrono::steady_clock::now();
    for (const Event& e : batch) ledger.Add(e);
    add_s += Seconds(a0);
    made += static_cast<int64_t>(batch.size());
  }
  auto r0 = std::chrono::steady_clock::now();
  const boomerang::v1::ExperimentReport report = ledger.Report(config);
  const double report_s = Seconds(r0);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  int64_t impressions = 0, purchases = 0;
  for (const auto& p : report.placements()) {
    for (const auto& a : p.arms()) {
      impressions += a.impressions();
      purchases += a.purchases();
    }
  }
  std::cout << absl::StrFormat(
      "events %d (impressions %d, credited purchases %d), customers held %d\n"
      "ledger: %.2f s (%.0f events/s); report: %.3f s; ledger + report: "
      "%.2f s; generating the events: %.2f s (not counted)\n"
      "peak memory %.0f MiB\n",
      made, impressions, purchases, ledger.customers(), add_s, made / add_s,
      report_s, add_s + report_s, generate_s, ru.ru_maxrss / 1024.0);
  for (const auto& p : report.placements()) {
    for (const auto& a : p.arms()) {
      if (a.control()) continue;
      std::cout << absl::StrFormat(
          "%s %s vs control: CTR %+.2f%% (p %.2g), conversion p %.2g, "
          "revenue/customer p %.2g\n",
          p.placement(), a.arm(), 100 * a.click_through_vs_control().relative(),
          a.click_through_vs_control().p_value(),
          a.conversion_vs_control().p_value(),
          a.revenue_per_customer_vs_control().p_value());
    }
  }
  return 0;
}
