#include "tools/sim/shopper_sim.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "indexer/file_line_source.h"
#include "indexer/indexer.h"
#include "models/csv.h"

namespace boomerang::sim {
namespace {

struct Shopper {
  std::string id;
  absl::flat_hash_map<std::string, double> taste;  // category -> share
  std::vector<std::string> items;                  // bought, for FBT pages
};

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> ReadCategories(
    const std::string& path) {
  auto source = FileLineSource::Open(path);
  if (!source.ok()) return source.status();
  CsvParser parser(source->get());
  CsvRecord record;
  CsvStatus status;
  int item = -1, category = -1;
  absl::flat_hash_map<std::string, std::string> out;
  while (parser.Next(&record, &status)) {
    if (status != CsvStatus::kOk) continue;
    if (item < 0) {
      for (size_t i = 0; i < record.fields.size(); ++i) {
        if (record.fields[i] == "item_id") item = i;
        if (record.fields[i] == "category") category = i;
      }
      if (item < 0 || category < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": needs item_id and category columns"));
      }
      continue;
    }
    if (static_cast<int>(record.fields.size()) > std::max(item, category)) {
      out[record.fields[item]] = record.fields[category];
    }
  }
  return out;
}

// The shoppers: customers with at least min_orders orders, drawn with the
// seed; taste = share of their order lines per category.
absl::StatusOr<std::vector<Shopper>> LoadShoppers(const SimOptions& o,
                                                  std::mt19937_64* rng) {
  auto categories = ReadCategories(o.catalog);
  if (!categories.ok()) return categories.status();
  IndexerOptions io;
  io.purchases_path = o.purchases;
  IndexReport report;
  auto history = LoadOrderHistory(io, &report);
  if (!history.ok()) return history.status();
  std::vector<std::vector<int64_t>> orders_of(history->customer_ids.size());
  for (size_t order = 0; order < history->order_customers.size(); ++order) {
    const int32_t c = history->order_customers[order];
    if (c >= 0) orders_of[c].push_back(order);
  }
  std::vector<int32_t> eligible;
  for (size_t c = 0; c < orders_of.size(); ++c) {
    if (static_cast<int>(orders_of[c].size()) >= o.min_orders) {
      eligible.push_back(c);
    }
  }
  std::shuffle(eligible.begin(), eligible.end(), *rng);
  if (static_cast<int>(eligible.size()) > o.shoppers) {
    eligible.resize(o.shoppers);
  }
  std::sort(eligible.begin(), eligible.end());
  std::vector<Shopper> shoppers;
  for (int32_t c : eligible) {
    Shopper s;
    s.id = history->customer_ids[c];
    double lines = 0;
    for (int64_t order : orders_of[c]) {
      for (int64_t k = history->orders.offsets[order];
           k < history->orders.offsets[order + 1]; ++k) {
        const std::string& item = history->item_ids[history->orders.items[k]];
        auto cat = categories->find(item);
        if (cat == categories->end()) continue;  // postage and the like
        s.taste[cat->second] += 1;
        s.items.push_back(item);
        lines += 1;
      }
    }
    if (lines == 0) continue;
    for (auto& [cat, n] : s.taste) n /= lines;
    shoppers.push_back(std::move(s));
  }
  return shoppers;
}

struct Visit {
  v1::RecommendationsResponse list;  // FBT's answer is copied in
};

grpc::Status AskList(v1::Recommender::Stub& stub, const std::string& rpc,
                     const std::string& placement, const Shopper& s,
                     std::mt19937_64* rng, int limit,
                     v1::RecommendationsResponse* out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (rpc == "fbt") {
    v1::FrequentlyBoughtTogetherRequest req;
    req.add_item_ids(s.items[(*rng)() % s.items.size()]);
    req.set_customer_id(s.id);
    req.set_limit(limit);
    req.set_placement(placement);
    v1::FrequentlyBoughtTogetherResponse resp;
    grpc::Status st = stub.FrequentlyBoughtTogether(&ctx, req, &resp);
    out->mutable_items()->Swap(resp.mutable_items());
    out->mutable_tracking()->Swap(resp.mutable_tracking());
    return st;
  }
  v1::PersonalPicksRequest req;
  req.set_customer_id(s.id);
  req.set_limit(limit);
  req.set_placement(placement);
  return stub.PersonalPicks(&ctx, req, out);
}

class Sender {
 public:
  Sender(v1::Recommender::Stub* stub, int batch) : stub_(stub), batch_(batch) {}
  absl::Status Add(v1::Event e) {
    *request_.add_events() = std::move(e);
    if (request_.events_size() >= batch_) return Flush();
    return absl::OkStatus();
  }
  absl::Status Flush() {
    if (request_.events_size() == 0) return absl::OkStatus();
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(60));
    v1::RecordEventsResponse resp;
    grpc::Status s = stub_->RecordEvents(&ctx, request_, &resp);
    request_.Clear();
    if (!s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("RecordEvents: ", s.error_message()));
    }
    return absl::OkStatus();
  }

 private:
  v1::Recommender::Stub* stub_;
  const int batch_;
  v1::RecordEventsRequest request_;
};

v1::Event MakeEvent(v1::Event::Type type, const Shopper& s, int64_t t,
                    const std::string& rec) {
  v1::Event e;
  e.set_type(type);
  e.set_customer_id(s.id);
  e.mutable_timestamp()->set_seconds(t);
  e.set_recommendation_id(rec);
  return e;
}

}  // namespace

std::string SimResult::ToJson() const {
  std::string arms_json;
  for (const auto& [name, a] : arms) {
    absl::StrAppendFormat(
        &arms_json,
        "%s\"%s\":{\"lists\":%d,\"impressions\":%d,\"clicks\":%d,"
        "\"add_to_carts\":%d,\"purchases\":%d,\"credited\":%d,"
        "\"credited_revenue\":%.2f}",
        arms_json.empty() ? "" : ",", name, a.lists, a.impressions, a.clicks,
        a.add_to_carts, a.purchases, a.credited, a.credited_revenue);
  }
  return absl::StrFormat(
      "{\"lists\":%d,\"impressions\":%d,\"clicks\":%d,"
      "\"add_to_carts\":%d,\"purchases\":%d,"
      "\"purchases_with_id\":%d,\"purchases_in_window\":%d,"
      "\"purchases_after_window\":%d,\"arms\":{%s}}\n",
      lists, impressions, clicks, add_to_carts, purchases, purchases_with_id,
      purchases_in_window, purchases_after_window, arms_json);
}

absl::StatusOr<SimResult> RunShopperSim(const SimOptions& o) {
  if (o.placements.empty()) {
    return absl::InvalidArgumentError("no placements");
  }
  for (const auto& [placement, rpc] : o.placements) {
    if (rpc != "picks" && rpc != "fbt") {
      return absl::InvalidArgumentError(absl::StrCat(
          "placement ", placement, ": the list must be picks or fbt"));
    }
  }
  std::mt19937_64 rng(o.seed);
  auto shoppers = LoadShoppers(o, &rng);
  if (!shoppers.ok()) return shoppers.status();
  auto channel =
      grpc::CreateChannel(o.server, grpc::InsecureChannelCredentials());
  auto stub = v1::Recommender::NewStub(channel);
  Sender sender(stub.get(), o.batch);
  // Visits three days apart: a purchase 30 hours after a click can then
  // only be credited to that click (outside the window), never to a click
  // of the shopper's next visit.
  constexpr int64_t kVisitGap = 3 * 86400;
  const int64_t start = o.start > 0 ? o.start
                                    : absl::ToUnixSeconds(absl::Now()) -
                                          o.visits * kVisitGap - 2 * 86400;
  std::vector<std::pair<std::string, std::string>> places(o.placements.begin(),
                                                          o.placements.end());
  std::uniform_real_distribution<double> u(0, 1);
  SimResult r;
  int64_t key = 0;
  for (int v = 0; v < o.visits; ++v) {
    for (size_t i = 0; i < shoppers->size(); ++i) {
      const Shopper& s = (*shoppers)[i];
      const auto& [placement, rpc] = places[rng() % places.size()];
      v1::RecommendationsResponse list;
      grpc::Status st = AskList(*stub, rpc, placement, s, &rng, o.limit, &list);
      if (!st.ok()) {
        return absl::UnavailableError(
            absl::StrCat(placement, " for ", s.id, ": ", st.error_message()));
      }
      const std::string rec = list.tracking().recommendation_id();
      ArmCounts& arm =
          r.arms[absl::StrCat(placement, "/", list.tracking().arm())];
      ++r.lists;
      ++arm.lists;
      // A broken logger on one arm: the same shoppers every time.
      if (!o.drop_arm.empty() && list.tracking().arm() == o.drop_arm &&
          std::hash<std::string>()(s.id + "drop") % 1000 <
              o.drop_share * 1000) {
        continue;
      }
      const int64_t t = start + v * kVisitGap + static_cast<int64_t>(i % 3600);
      v1::Event imp = MakeEvent(v1::Event::IMPRESSION, s, t, rec);
      for (const v1::RecommendedItem& item : list.items()) {
        imp.add_shown_item_ids(item.item_id());
      }
      absl::Status sent = sender.Add(std::move(imp));
      if (!sent.ok()) return sent;
      ++r.impressions;
      ++arm.impressions;
      for (int k = 0; k < list.items_size(); ++k) {
        const v1::RecommendedItem& item = list.items(k);
        auto taste = s.taste.find(item.category());
        const double p =
            (o.base_click +
             o.taste_weight * (taste == s.taste.end() ? 0 : taste->second)) /
            std::sqrt(k + 1.0);
        if (u(rng) >= p) continue;
        v1::Event click = MakeEvent(v1::Event::CLICK, s, t + 30 + k, rec);
        click.set_item_id(item.item_id());
        click.set_position(k + 1);
        if (!(sent = sender.Add(std::move(click))).ok()) return sent;
        ++r.clicks;
        ++arm.clicks;
        const bool buys = u(rng) < o.buy_after_click;
        // Every buyer, and some who do not buy, put it in the cart first,
        // five minutes after the click (inside any window).
        const bool id = u(rng) < o.explicit_id_share;
        if (buys || u(rng) < o.cart_without_buying) {
          v1::Event cart =
              MakeEvent(v1::Event::ADD_TO_CART, s, t + 300 + k, id ? rec : "");
          cart.set_item_id(item.item_id());
          cart.set_quantity(1);
          cart.set_price(item.price());
          cart.set_idempotency_key(absl::StrCat("sim-", o.seed, "-c", ++key));
          if (!(sent = sender.Add(std::move(cart))).ok()) return sent;
          ++r.add_to_carts;
          ++arm.add_to_carts;
        }
        if (!buys) continue;
        const bool late = u(rng) < o.late_share;
        const bool with_id = !late && id;
        v1::Event buy =
            MakeEvent(v1::Event::PURCHASE, s, t + (late ? 30 * 3600 : 600) + k,
                      with_id ? rec : "");
        buy.set_item_id(item.item_id());
        buy.set_quantity(1);
        buy.set_price(item.price());
        buy.set_idempotency_key(absl::StrCat("sim-", o.seed, "-", ++key));
        buy.set_order_id(absl::StrCat("sim-", o.seed, "-order-", key));
        if (!(sent = sender.Add(std::move(buy))).ok()) return sent;
        ++r.purchases;
        ++arm.purchases;
        if (late) {
          ++r.purchases_after_window;
          continue;
        }
        ++(with_id ? r.purchases_with_id : r.purchases_in_window);
        ++arm.credited;
        arm.credited_revenue += item.price();
      }
    }
  }
  absl::Status flushed = sender.Flush();
  if (!flushed.ok()) return flushed;
  return r;
}

}  // namespace boomerang::sim
