#include "tools/demo_shop/demo_shop.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "boomerang/v1/recommender.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace boomerang::demo {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Row {
  std::string order_id;
  std::string customer_id;
  std::string item_id;
  std::string timestamp;
  int64_t unix_seconds;
  int quantity;
  int64_t price_cents;
};

struct Basket {
  std::string customer_id;
  int64_t unix_seconds = 0;
  std::vector<std::string>
      items;  // products with a positive quantity, POSTAGE excluded
  bool is_return = false;
  int lines = 0;
};

// The default shop, generated once for the statistical tests.
class DefaultShopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rows_ = new std::vector<Row>();
    absl::StatusOr<GeneratedShop> shop =
        GenerateShop(ShopOptions(), [](const OrderLine& line) {
          rows_->push_back(
              {std::string(line.order_id), std::string(line.customer_id),
               std::string(line.item_id), std::string(line.timestamp),
               line.unix_seconds, line.quantity, line.price_cents});
          return absl::OkStatus();
        });
    ASSERT_TRUE(shop.ok()) << shop.status();
    shop_ = new GeneratedShop(*std::move(shop));

    baskets_ = new std::vector<Basket>();
    for (const Row& row : *rows_) {
      if (baskets_->empty() || row.order_id != order_ids_.back()) {
        order_ids_.push_back(row.order_id);
        baskets_->push_back({row.customer_id, row.unix_seconds, {}, false, 0});
      }
      Basket& basket = baskets_->back();
      ++basket.lines;
      if (row.quantity < 0) basket.is_return = true;
      if (row.quantity > 0 && row.item_id != kPostageItemId)
        basket.items.push_back(row.item_id);
    }
    for (const CatalogItem& item : shop_->catalog)
      category_of_[item.item_id] = item.category;
  }

  static void TearDownTestSuite() {
    delete rows_;
    delete shop_;
    delete baskets_;
  }

  static std::vector<Row>* rows_;
  static GeneratedShop* shop_;
  static std::vector<Basket>* baskets_;
  static std::vector<std::string> order_ids_;
  static std::unordered_map<std::string, std::string> category_of_;
};

std::vector<Row>* DefaultShopTest::rows_ = nullptr;
GeneratedShop* DefaultShopTest::shop_ = nullptr;
std::vector<Basket>* DefaultShopTest::baskets_ = nullptr;
std::vector<std::string> DefaultShopTest::order_ids_;
std::unordered_map<std::string, std::string> DefaultShopTest::category_of_;

TEST_F(DefaultShopTest, DefaultSizesMatchTheQuickStart) {
  const ShopStats& stats = shop_->stats;
  EXPECT_EQ(shop_->catalog.size(), 300u);
  EXPECT_GE(stats.orders, 15'000);
  EXPECT_LE(stats.orders, 30'000);
  EXPECT_GE(stats.lines, 60'000);
  EXPECT_LE(stats.lines, 150'000);
  EXPECT_EQ(stats.lines, static_cast<int64_t>(rows_->size()));
  EXPECT_EQ(stats.orders, static_cast<int64_t>(baskets_->size()));
  EXPECT_GE(shop_->truth.complements.size(), 20u);
  EXPECT_GE(shop_->truth.substitutes.size(), 10u);
  EXPECT_GE(shop_->truth.cycles.size(), 200u);
  EXPECT_GE(shop_->truth.seasonal.size(), 3u);
  EXPECT_EQ(shop_->truth.seed, 42u);
}

TEST_F(DefaultShopTest, OrdersAreSortedContiguousAndWellFormed) {
  std::set<std::string> seen_orders;
  std::set<std::string> catalog_ids;
  for (const CatalogItem& item : shop_->catalog)
    catalog_ids.insert(item.item_id);
  int64_t previous_seconds = 0;
  const Row* previous = nullptr;
  for (const Row& row : *rows_) {
    ASSERT_GE(row.unix_seconds, previous_seconds) << row.order_id;
    previous_seconds = row.unix_seconds;
    if (previous == nullptr || previous->order_id != row.order_id) {
      // An order's lines are together: an id never comes back later.
      ASSERT_TRUE(seen_orders.insert(row.order_id).second) << row.order_id;
    } else {
      ASSERT_EQ(row.customer_id, previous->customer_id);
      ASSERT_EQ(row.timestamp, previous->timestamp);
    }
    previous = &row;
    ASSERT_TRUE(row.item_id == kPostageItemId || catalog_ids.count(row.item_id))
        << row.item_id;
    ASSERT_NE(row.quantity, 0);
    ASSERT_GT(row.price_cents, 0);
  }
}

TEST_F(DefaultShopTest, AboutOneOrderInSixIsAGuestOrder) {
  int64_t guests = 0;
  for (const Basket& basket : *baskets_) guests += basket.customer_id.empty();
  const double share = static_cast<double>(guests) / baskets_->size();
  EXPECT_GE(share, 0.15);
  EXPECT_LE(share, 0.20);
}

TEST_F(DefaultShopTest, PlantedComplementsAreFoundByAnAssociationScore) {
  std::unordered_map<std::string, int> orders_with;
  for (const Basket& basket : *baskets_) {
    if (basket.items.size() > 30) continue;
    for (const std::string& item : basket.items) ++orders_with[item];
  }
  std::vector<std::pair<int, std::string>> by_popularity;
  for (const auto& [item, count] : orders_with)
    by_popularity.push_back({count, item});
  std::sort(by_popularity.rbegin(), by_popularity.rend());
  std::set<std::string> best_sellers;
  for (int i = 0; i < 5; ++i) best_sellers.insert(by_popularity[i].second);

  const double num_baskets = static_cast<double>(baskets_->size());
  for (const ComplementTruth& pair : shop_->truth.complements) {
    SCOPED_TRACE(absl::StrCat(pair.anchor, " -> ", pair.complement));
    EXPECT_GE(pair.probability, 0.4);
    EXPECT_LE(pair.probability, 0.7);
    EXPECT_EQ(category_of_[pair.anchor], category_of_[pair.complement]);
    EXPECT_FALSE(best_sellers.count(pair.complement))
        << "complement is a global best seller";

    // Co-counts of everything bought with the anchor.
    std::map<std::string, int> together;
    int anchor_orders = 0;
    for (const Basket& basket : *baskets_) {
      if (basket.items.size() > 30) continue;
      if (std::find(basket.items.begin(), basket.items.end(), pair.anchor) ==
          basket.items.end()) {
        continue;
      }
      ++anchor_orders;
      for (const std::string& item : basket.items) {
        if (item != pair.anchor) ++together[item];
      }
    }
    ASSERT_GE(anchor_orders, 40);
    const double share =
        static_cast<double>(together[pair.complement]) / anchor_orders;
    EXPECT_GE(share, pair.probability - 0.15);
    EXPECT_LE(share, pair.probability + 0.15);

    // Lift with a minimum support of 5 co-orders; the complement must be in the
    // top 5.
    std::vector<std::pair<double, std::string>> scored;
    for (const auto& [item, count] : together) {
      if (count < 5) continue;
      const double lift =
          count * num_baskets /
          (static_cast<double>(anchor_orders) * orders_with[item]);
      scored.push_back({-lift, item});
    }
    std::sort(scored.begin(), scored.end());
    std::vector<std::string> top;
    for (size_t i = 0; i < scored.size() && i < 5; ++i)
      top.push_back(scored[i].second);
    EXPECT_THAT(top, ::testing::Contains(pair.complement));
  }
}

TEST_F(DefaultShopTest, SubstitutesAreTieredAndRarelyBoughtTogether) {
  std::unordered_map<std::string, int64_t> price_of;
  for (const CatalogItem& item : shop_->catalog)
    price_of[item.item_id] = item.price_cents;
  std::unordered_map<std::string, int> group_of;
  for (size_t g = 0; g < shop_->truth.substitutes.size(); ++g) {
    const SubstituteTruth& group = shop_->truth.substitutes[g];
    ASSERT_EQ(group.items.size(), 3u);
    const double budget = price_of[group.items[0]];
    EXPECT_NEAR(price_of[group.items[1]] / budget, 1.6, 0.25) << group.items[1];
    EXPECT_NEAR(price_of[group.items[2]] / budget, 2.5, 0.35) << group.items[2];
    for (const std::string& item : group.items) {
      EXPECT_EQ(category_of_[item], group.category);
      group_of[item] = static_cast<int>(g);
    }
  }
  int orders_with_member = 0;
  int orders_with_two = 0;
  // customer -> group -> tier counts, to check that customers stick to a tier.
  std::map<std::string, std::map<int, std::array<int, 3>>> tiers;
  for (const Basket& basket : *baskets_) {
    std::map<int, int> members;
    for (const std::string& item : basket.items) {
      auto it = group_of.find(item);
      if (it == group_of.end()) continue;
      ++members[it->second];
      if (!basket.customer_id.empty()) {
        const auto& items = shop_->truth.substitutes[it->second].items;
        const int tier = static_cast<int>(
            std::find(items.begin(), items.end(), item) - items.begin());
        ++tiers[basket.customer_id][it->second][tier];
      }
    }
    if (members.empty()) continue;
    ++orders_with_member;
    for (const auto& [group, count] : members) orders_with_two += count > 1;
  }
  ASSERT_GT(orders_with_member, 1000);
  EXPECT_LT(orders_with_two, orders_with_member / 50);

  int loyal = 0, repeat = 0;
  for (const auto& [customer, groups] : tiers) {
    std::array<int, 3> sum{};
    for (const auto& [group, counts] : groups) {
      for (int t = 0; t < 3; ++t) sum[t] += counts[t];
    }
    const int total = sum[0] + sum[1] + sum[2];
    if (total < 4) continue;
    ++repeat;
    loyal += *std::max_element(sum.begin(), sum.end()) >= 0.75 * total;
  }
  ASSERT_GT(repeat, 50);
  EXPECT_GT(loyal, 0.8 * repeat);
}

TEST_F(DefaultShopTest, CycleCustomersRebuyAtAboutTheirCycle) {
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> bought;
  for (const Basket& basket : *baskets_) {
    if (basket.customer_id.empty()) continue;
    for (const std::string& item : basket.items) {
      bought[{basket.customer_id, item}].push_back(basket.unix_seconds);
    }
  }
  std::set<std::string> cycle_customers;
  int on_time = 0;
  for (const CycleTruth& cycle : shop_->truth.cycles) {
    SCOPED_TRACE(absl::StrCat(cycle.customer_id, " ", cycle.item_id));
    cycle_customers.insert(cycle.customer_id);
    EXPECT_GE(cycle.days, 14);
    EXPECT_LE(cycle.days, 60);
    const std::vector<int64_t>& times =
        bought[{cycle.customer_id, cycle.item_id}];
    ASSERT_EQ(static_cast<int>(times.size()), cycle.purchases);
    ASSERT_GE(times.size(), 4u);
    std::vector<double> gaps;
    for (size_t i = 1; i < times.size(); ++i)
      gaps.push_back((times[i] - times[i - 1]) / 86400.0);
    std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
    const double median = gaps[gaps.size() / 2];
    on_time += std::abs(median / cycle.days - 1.0) <= 0.2;
  }
  EXPECT_GE(on_time, 0.95 * shop_->truth.cycles.size());
  // ~30% of customers have cycles; some stop or start too late for 4 purchases.
  const double share = static_cast<double>(cycle_customers.size()) / 2000;
  EXPECT_GE(share, 0.15);
  EXPECT_LE(share, 0.35);
}

TEST_F(DefaultShopTest, SeasonalCategoriesFollowTheirMonths) {
  std::map<std::string, std::array<int, 12>> by_month;
  for (const Row& row : *rows_) {
    if (row.quantity <= 0 || row.item_id == kPostageItemId) continue;
    int month = 0;
    ASSERT_TRUE(absl::SimpleAtoi(row.timestamp.substr(5, 2), &month));
    ++by_month[category_of_[row.item_id]][month - 1];
  }
  std::map<std::string, std::array<double, 12>> truth;
  for (const SeasonalTruth& s : shop_->truth.seasonal)
    truth[s.category] = s.month_multipliers;
  ASSERT_TRUE(truth.count("Seasonal/Christmas"));
  ASSERT_TRUE(truth.count("Garden/Tools"));
  const auto& christmas = by_month["Seasonal/Christmas"];
  EXPECT_GT(christmas[11], 10 * christmas[5]);  // December vs June
  const auto& garden = by_month["Garden/Tools"];
  EXPECT_GT(garden[4], 3 * garden[0]);  // May vs January
  // Every reported peak month clearly outsells the category's reported trough
  // month (cycle purchases of the category's consumables do not follow the
  // season, hence only 1.5x).
  for (const auto& [category, multipliers] : truth) {
    const int peak = std::max_element(multipliers.begin(), multipliers.end()) -
                     multipliers.begin();
    const int trough =
        std::min_element(multipliers.begin(), multipliers.end()) -
        multipliers.begin();
    EXPECT_GT(by_month[category][peak], 1.5 * by_month[category][trough])
        << category;
  }
}

TEST_F(DefaultShopTest, PopularityHasBestSellersAndALongTail) {
  std::map<std::string, int> lines_per_item;
  int64_t total = 0;
  for (const Row& row : *rows_) {
    if (row.quantity <= 0 || row.item_id == kPostageItemId) continue;
    ++lines_per_item[row.item_id];
    ++total;
  }
  std::vector<int> counts;
  for (const auto& [item, count] : lines_per_item) counts.push_back(count);
  std::sort(counts.rbegin(), counts.rend());
  int64_t top_tenth = 0, bottom_half = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (i < 30) top_tenth += counts[i];
    if (i >= counts.size() / 2) bottom_half += counts[i];
  }
  EXPECT_GT(top_tenth, 0.35 * total);
  EXPECT_LT(bottom_half, 0.25 * total);
  EXPECT_GT(bottom_half, 0);
}

TEST_F(DefaultShopTest, MessinessIsPresentInSmallAmounts) {
  const ShopStats& stats = shop_->stats;
  EXPECT_GT(stats.postage_lines, stats.orders / 10);
  EXPECT_GT(stats.return_orders, 0);
  EXPECT_LT(stats.return_orders, stats.orders / 20);
  EXPECT_GT(stats.wholesale_orders, 0);
  EXPECT_LT(stats.wholesale_orders, stats.orders / 100);

  int postage_checked = 0;
  for (const Row& row : *rows_) {
    if (row.item_id != kPostageItemId) continue;
    EXPECT_EQ(row.quantity, 1);
    EXPECT_EQ(row.price_cents, 495);
    ++postage_checked;
  }
  EXPECT_EQ(postage_checked, stats.postage_lines);

  // A return is a one-line order by a registered customer for an item they
  // bought earlier.
  std::set<std::pair<std::string, std::string>> bought;
  size_t row_index = 0;
  int returns = 0;
  for (size_t b = 0; b < baskets_->size(); ++b) {
    const Basket& basket = (*baskets_)[b];
    if (basket.is_return) {
      ++returns;
      const Row& row = (*rows_)[row_index];
      EXPECT_EQ(basket.lines, 1);
      EXPECT_FALSE(basket.customer_id.empty());
      EXPECT_TRUE(bought.count({basket.customer_id, row.item_id}))
          << row.order_id;
    }
    for (const std::string& item : basket.items)
      bought.insert({basket.customer_id, item});
    row_index += basket.lines;
  }
  EXPECT_EQ(returns, stats.return_orders);

  // Promotions: some lines are below the catalog price, none above.
  std::unordered_map<std::string, int64_t> price_of;
  for (const CatalogItem& item : shop_->catalog)
    price_of[item.item_id] = item.price_cents;
  int discounted = 0, products = 0;
  for (const Row& row : *rows_) {
    if (row.item_id == kPostageItemId) continue;
    ++products;
    EXPECT_LE(row.price_cents, price_of[row.item_id]);
    discounted += row.price_cents < price_of[row.item_id];
  }
  EXPECT_GT(discounted, products / 100);
  EXPECT_LT(discounted, products / 10);
}

TEST_F(DefaultShopTest, CatalogHasCategoriesTiersAndAFewOutOfStock) {
  std::set<std::string> categories;
  std::set<std::string> titles;
  int out_of_stock = 0;
  for (const CatalogItem& item : shop_->catalog) {
    categories.insert(item.category);
    EXPECT_TRUE(titles.insert(item.title).second)
        << "duplicate title " << item.title;
    EXPECT_THAT(item.category, HasSubstr("/"));
    EXPECT_EQ(item.title.find_first_of(",\""), std::string::npos) << item.title;
    out_of_stock += !item.in_stock;
  }
  EXPECT_GE(categories.size(), 10u);
  EXPECT_LE(categories.size(), 20u);
  EXPECT_EQ(out_of_stock, 9);  // 3% of 300
  EXPECT_EQ(shop_->catalog.front().item_id, "SKU-0001");
  EXPECT_EQ(shop_->catalog.back().item_id, "SKU-0300");

  // Planted items are always in stock: a recommender must be able to return
  // them.
  std::unordered_map<std::string, bool> in_stock;
  for (const CatalogItem& item : shop_->catalog)
    in_stock[item.item_id] = item.in_stock;
  for (const ComplementTruth& pair : shop_->truth.complements) {
    EXPECT_TRUE(in_stock[pair.anchor]);
    EXPECT_TRUE(in_stock[pair.complement]);
  }
}

// -----------------------------------------------------------------------------
// Files.
// -----------------------------------------------------------------------------

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string ReadGzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return "";
  std::string out;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0) out.append(buffer, n);
  gzclose(file);
  return out;
}

std::string TempDir(absl::string_view name) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "/demo_shop_test_", name);
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(WriteShopTest, SameSeedGivesByteIdenticalFiles) {
  const std::string a = TempDir("same_a");
  const std::string b = TempDir("same_b");
  ASSERT_TRUE(WriteShop(ShopOptions(), a).ok());
  ASSERT_TRUE(WriteShop(ShopOptions(), b).ok());
  for (absl::string_view name :
       {kOrdersFileName, kCatalogFileName, kTruthFileName, kEventsFileName,
        kCatalogUpdatesFileName, kTriggersTruthFileName}) {
    const std::string first = ReadFile(absl::StrCat(a, "/", name));
    ASSERT_FALSE(first.empty()) << name;
    EXPECT_TRUE(first == ReadFile(absl::StrCat(b, "/", name)))
        << name << " differs";
  }
}

TEST(WriteShopTest, DifferentSeedGivesADifferentShop) {
  ShopOptions options;
  options.customers = 300;
  options.days = 60;
  const std::string a = TempDir("seed_a");
  const std::string b = TempDir("seed_b");
  ASSERT_TRUE(WriteShop(options, a).ok());
  options.seed = 43;
  ASSERT_TRUE(WriteShop(options, b).ok());
  for (absl::string_view name :
       {kOrdersFileName, kCatalogFileName, kTruthFileName, kEventsFileName,
        kCatalogUpdatesFileName, kTriggersTruthFileName}) {
    EXPECT_NE(ReadFile(absl::StrCat(a, "/", name)),
              ReadFile(absl::StrCat(b, "/", name)))
        << name;
  }
}

TEST(WriteShopTest, FilesParseAsDocumented) {
  const std::string dir = TempDir("parse");
  absl::StatusOr<WrittenShop> written = WriteShop(ShopOptions(), dir);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_THAT(written->files,
              ElementsAre(dir + "/orders.csv.gz", dir + "/catalog.csv",
                          dir + "/truth.json", dir + "/events.jsonl",
                          dir + "/catalog_updates.jsonl",
                          dir + "/triggers_truth.json"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/orders.csv.gz.tmp"));

  // orders.csv.gz
  const std::string orders = ReadGzip(dir + "/orders.csv.gz");
  std::vector<absl::string_view> lines = absl::StrSplit(orders, '\n');
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines.front(),
            "order_id,customer_id,item_id,timestamp,quantity,price");
  EXPECT_EQ(lines.back(), "");  // the file ends with a newline
  lines.pop_back();
  ASSERT_EQ(static_cast<int64_t>(lines.size()) - 1, written->shop.stats.lines);
  std::string previous_timestamp;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<absl::string_view> f = absl::StrSplit(lines[i], ',');
    ASSERT_EQ(f.size(), 6u) << "line " << i + 1 << ": " << lines[i];
    ASSERT_TRUE(absl::StartsWith(f[0], "O") && f[0].size() >= 7) << lines[i];
    ASSERT_TRUE(f[1].empty() ||
                (absl::StartsWith(f[1], "C") && f[1].size() == 6))
        << lines[i];
    ASSERT_TRUE(f[2] == kPostageItemId || absl::StartsWith(f[2], "SKU-"))
        << lines[i];
    // YYYY-MM-DDTHH:MM:SSZ
    const absl::string_view ts = f[3];
    ASSERT_EQ(ts.size(), 20u) << lines[i];
    ASSERT_TRUE(ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' &&
                ts[13] == ':' && ts[16] == ':' && ts[19] == 'Z')
        << lines[i];
    ASSERT_GE(std::string(ts), previous_timestamp) << "line " << i + 1;
    previous_timestamp = std::string(ts);
    int quantity = 0;
    ASSERT_TRUE(absl::SimpleAtoi(f[4], &quantity) && quantity != 0) << lines[i];
    const size_t dot = f[5].find('.');
    ASSERT_TRUE(dot != absl::string_view::npos && dot > 0 &&
                f[5].size() - dot == 3)
        << lines[i];
    double price = 0;
    ASSERT_TRUE(absl::SimpleAtod(f[5], &price) && price > 0) << lines[i];
  }
  EXPECT_EQ(previous_timestamp.substr(0, 4), "2025");

  // catalog.csv
  const std::string catalog = ReadFile(dir + "/catalog.csv");
  std::vector<absl::string_view> rows = absl::StrSplit(catalog, '\n');
  ASSERT_EQ(rows.back(), "");
  rows.pop_back();
  ASSERT_EQ(rows.size(), 301u);
  EXPECT_EQ(rows.front(), "item_id,title,category,price,in_stock");
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::vector<absl::string_view> f = absl::StrSplit(rows[i], ',');
    ASSERT_EQ(f.size(), 5u) << rows[i];
    EXPECT_EQ(f[0],
              absl::StrCat("SKU-", i < 10 ? "000" : (i < 100 ? "00" : "0"), i));
    EXPECT_NE(f[0], kPostageItemId);
    EXPECT_TRUE(f[4] == "0" || f[4] == "1") << rows[i];
  }

  // truth.json: the documented keys, and every id in it exists.
  const std::string truth = ReadFile(dir + "/truth.json");
  EXPECT_EQ(truth, TruthToJson(written->shop.truth));
  for (const char* key :
       {"\"seed\": 42", "\"complements\": [", "\"substitutes\": [",
        "\"cycles\": [", "\"seasonal\": [", "\"anchor\": \"SKU-",
        "\"complement\": \"SKU-", "\"probability\": 0.", "\"items\": [\"SKU-",
        "\"customer_id\": \"C", "\"days\": ", "\"month_multipliers\": ["}) {
    EXPECT_THAT(truth, HasSubstr(key));
  }
  EXPECT_EQ(std::count(truth.begin(), truth.end(), '{'),
            std::count(truth.begin(), truth.end(), '}'));
  EXPECT_EQ(std::count(truth.begin(), truth.end(), '['),
            std::count(truth.begin(), truth.end(), ']'));
  std::set<std::string> ids;
  for (const CatalogItem& item : written->shop.catalog) {
    ids.insert(item.item_id);
  }
  const ShopTruth& planted = written->shop.truth;
  for (const ComplementTruth& pair : planted.complements) {
    EXPECT_TRUE(ids.count(pair.anchor) && ids.count(pair.complement));
  }
  for (const SubstituteTruth& group : planted.substitutes) {
    for (const std::string& item : group.items) EXPECT_TRUE(ids.count(item));
  }
  for (const CycleTruth& cycle : planted.cycles) {
    EXPECT_TRUE(ids.count(cycle.item_id));
    EXPECT_THAT(orders, HasSubstr(absl::StrCat(",", cycle.customer_id, ",",
                                               cycle.item_id, ",")));
  }
}

TEST(WriteShopTest, UnwritableDirectoryIsAnError) {
  const std::string dir = TempDir("blocked");
  std::ofstream(dir) << "a file where the directory should be";
  absl::StatusOr<WrittenShop> written = WriteShop(ShopOptions(), dir + "/sub");
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(std::string(written.status().message()), HasSubstr(dir));
}

// -----------------------------------------------------------------------------
// Options and edge cases.
// -----------------------------------------------------------------------------

TEST(GenerateShopTest, RejectsBadOptions) {
  auto rejected = [](ShopOptions options) {
    return GenerateShop(options,
                        [](const OrderLine&) { return absl::OkStatus(); })
        .status();
  };
  ShopOptions options;
  options.items = 19;
  EXPECT_EQ(rejected(options).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rejected(options).message()), HasSubstr("items"));
  options = ShopOptions();
  options.customers = 0;
  EXPECT_EQ(rejected(options).code(), absl::StatusCode::kInvalidArgument);
  options = ShopOptions();
  options.days = 0;
  EXPECT_EQ(rejected(options).code(), absl::StatusCode::kInvalidArgument);
  options = ShopOptions();
  options.guest_order_share = 1.0;
  EXPECT_EQ(rejected(options).code(), absl::StatusCode::kInvalidArgument);
  options = ShopOptions();
  options.start = absl::CivilDay(9999, 12, 1);
  EXPECT_EQ(rejected(options).code(), absl::StatusCode::kInvalidArgument);
}

TEST(GenerateShopTest, SinkErrorStopsTheRun) {
  int calls = 0;
  absl::StatusOr<GeneratedShop> shop =
      GenerateShop(ShopOptions(), [&](const OrderLine&) {
        return ++calls == 10 ? absl::DataLossError("disk full")
                             : absl::OkStatus();
      });
  EXPECT_EQ(shop.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(calls, 10);
}

TEST(GenerateShopTest, TinyShopWorks) {
  ShopOptions options;
  options.items = 20;
  options.customers = 1;
  options.days = 1;
  int64_t lines = 0;
  absl::StatusOr<GeneratedShop> shop =
      GenerateShop(options, [&](const OrderLine&) {
        ++lines;
        return absl::OkStatus();
      });
  ASSERT_TRUE(shop.ok()) << shop.status();
  EXPECT_EQ(shop->catalog.size(), 20u);
  EXPECT_EQ(shop->stats.lines, lines);
  EXPECT_TRUE(
      shop->truth.cycles.empty());  // one day cannot hold four purchases
}

// Past the curated lists the planted items are synthetic; they must still be
// unique, in the catalog, and planted.
TEST(GenerateShopTest, LargerCatalogPlantsSyntheticTruths) {
  ShopOptions options;
  options.items = 3000;
  options.customers = 3000;
  options.days = 90;
  absl::StatusOr<GeneratedShop> shop =
      GenerateShop(options, [](const OrderLine&) { return absl::OkStatus(); });
  ASSERT_TRUE(shop.ok()) << shop.status();
  EXPECT_EQ(shop->truth.complements.size(), 250u);
  EXPECT_EQ(shop->truth.substitutes.size(), 120u);
  EXPECT_EQ(shop->catalog.back().item_id, "SKU-3000");
  std::set<std::string> titles;
  for (const CatalogItem& item : shop->catalog) {
    EXPECT_TRUE(titles.insert(item.title).second) << item.title;
  }
  std::set<std::string> planted;
  for (const ComplementTruth& pair : shop->truth.complements) {
    EXPECT_TRUE(planted.insert(pair.anchor).second);
    EXPECT_TRUE(planted.insert(pair.complement).second);
  }
}

// -----------------------------------------------------------------------------
// The live period: events.jsonl, catalog_updates.jsonl, triggers_truth.json.
// -----------------------------------------------------------------------------

int64_t Seconds(const google::protobuf::Timestamp& t) { return t.seconds(); }

int64_t ParseRfc3339(const std::string& text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) return -1;
  return absl::ToUnixSeconds(t);
}

// One entry of triggers_truth.json, read back from the file.
struct ReadTruth {
  std::string trigger, customer_id, kind, anchor_item_id;
  bool expected = false;
  std::vector<std::string> items;
  int64_t event_time = 0;
  double price_seen = 0, price_now = 0;
  double days_since_last_order = 0, threshold_days = 0;
};

// The default shop with its live period, written once and read back as a
// consumer would: every line through the protobuf JSON parser.
class LivePeriodTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(TempDir("live"));
    absl::StatusOr<WrittenShop> written = WriteShop(ShopOptions(), *dir_);
    ASSERT_TRUE(written.ok()) << written.status();
    shop_ = new GeneratedShop(written->shop);
    events_ = new std::vector<v1::Event>();
    updates_ = new std::vector<v1::ItemUpdate>();
    truths_ = new std::vector<ReadTruth>();
    ReadLines(*dir_ + "/events.jsonl", events_);
    ReadLines(*dir_ + "/catalog_updates.jsonl", updates_);
    ReadTruths();
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete shop_;
    delete events_;
    delete updates_;
    delete truths_;
  }

  template <typename Message>
  static void ReadLines(const std::string& path, std::vector<Message>* out) {
    const std::string text = ReadFile(path);
    ASSERT_FALSE(text.empty()) << path;
    ASSERT_EQ(text.back(), '\n') << path;
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      ++line_number;
      if (line.empty()) continue;
      Message m;
      const auto status =
          google::protobuf::util::JsonStringToMessage(std::string(line), &m);
      ASSERT_TRUE(status.ok()) << path << ":" << line_number << ": " << status;
      out->push_back(std::move(m));
    }
  }

  static void ReadTruths() {
    google::protobuf::Struct root;
    const std::string text = ReadFile(*dir_ + "/triggers_truth.json");
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &root).ok())
        << text.substr(0, 200);
    const auto& f = root.fields();
    ASSERT_EQ(f.at("seed").number_value(), 42);
    as_of_ = ParseRfc3339(f.at("as_of").string_value());
    start_ = ParseRfc3339(f.at("live_start").string_value());
    ASSERT_EQ(as_of_ - start_, 14 * 86400);
    for (const auto& value : f.at("truths").list_value().values()) {
      const auto& t = value.struct_value().fields();
      ReadTruth truth;
      truth.trigger = t.at("trigger").string_value();
      truth.customer_id = t.at("customer_id").string_value();
      truth.kind = t.at("kind").string_value();
      truth.expected = t.at("expected").bool_value();
      for (const auto& item : t.at("items").list_value().values())
        truth.items.push_back(item.string_value());
      if (t.contains("event_time"))
        truth.event_time = ParseRfc3339(t.at("event_time").string_value());
      if (t.contains("price_seen")) {
        truth.price_seen = t.at("price_seen").number_value();
        truth.price_now = t.at("price_now").number_value();
      }
      if (t.contains("anchor_item_id"))
        truth.anchor_item_id = t.at("anchor_item_id").string_value();
      if (t.contains("threshold_days")) {
        truth.days_since_last_order =
            t.at("days_since_last_order").number_value();
        truth.threshold_days = t.at("threshold_days").number_value();
      }
      EXPECT_FALSE(t.at("why").string_value().empty());
      truths_->push_back(std::move(truth));
    }
  }

  // The catalog price and stock at `t`: catalog.csv, then the updates up to t.
  static double PriceAt(const std::string& item, int64_t t) {
    double price = -1;
    for (const CatalogItem& c : shop_->catalog) {
      if (c.item_id == item) price = static_cast<double>(c.price_cents) / 100;
    }
    for (const v1::ItemUpdate& u : *updates_) {
      if (u.item_id() == item && Seconds(u.timestamp()) <= t && u.has_price())
        price = u.price();
    }
    return price;
  }
  static bool InStockAt(const std::string& item, int64_t t) {
    bool in_stock = false;
    for (const CatalogItem& c : shop_->catalog) {
      if (c.item_id == item) in_stock = c.in_stock;
    }
    for (const v1::ItemUpdate& u : *updates_) {
      if (u.item_id() == item && Seconds(u.timestamp()) <= t &&
          u.has_in_stock())
        in_stock = u.in_stock();
    }
    return in_stock;
  }
  // The customer's events of `type` on `item` ("" for any item) in
  // [from, to).
  static int Count(const std::string& customer, v1::Event::Type type,
                   const std::string& item, int64_t from, int64_t to) {
    int n = 0;
    for (const v1::Event& e : *events_) {
      const int64_t t = Seconds(e.timestamp());
      if (e.customer_id() == customer && e.type() == type &&
          (item.empty() || e.item_id() == item) && t >= from && t < to)
        ++n;
    }
    return n;
  }
  static std::vector<const ReadTruth*> Of(absl::string_view trigger,
                                          bool expected) {
    std::vector<const ReadTruth*> out;
    for (const ReadTruth& t : *truths_) {
      if (t.trigger == trigger && t.expected == expected) out.push_back(&t);
    }
    return out;
  }

  static std::string* dir_;
  static GeneratedShop* shop_;
  static std::vector<v1::Event>* events_;
  static std::vector<v1::ItemUpdate>* updates_;
  static std::vector<ReadTruth>* truths_;
  static int64_t as_of_, start_;
};

std::string* LivePeriodTest::dir_ = nullptr;
GeneratedShop* LivePeriodTest::shop_ = nullptr;
std::vector<v1::Event>* LivePeriodTest::events_ = nullptr;
std::vector<v1::ItemUpdate>* LivePeriodTest::updates_ = nullptr;
std::vector<ReadTruth>* LivePeriodTest::truths_ = nullptr;
int64_t LivePeriodTest::as_of_ = 0;
int64_t LivePeriodTest::start_ = 0;

constexpr int64_t kH = 3600;
constexpr int64_t kD = 86400;

TEST_F(LivePeriodTest, EventsAreWellFormedUniqueAndInTimeOrder) {
  ASSERT_GT(events_->size(), 1000u);
  std::set<std::string> keys;
  std::map<v1::Event::Type, int> by_type;
  int64_t previous = start_;
  for (const v1::Event& e : *events_) {
    const int64_t t = Seconds(e.timestamp());
    EXPECT_GE(t, previous) << e.ShortDebugString();
    EXPECT_LT(t, as_of_) << e.ShortDebugString();
    previous = t;
    EXPECT_TRUE(keys.insert(e.idempotency_key()).second) << e.idempotency_key();
    EXPECT_THAT(e.customer_id(), ::testing::StartsWith("C"));
    EXPECT_FALSE(e.item_id().empty());
    ++by_type[e.type()];
    if (e.type() == v1::Event::VIEW || e.type() == v1::Event::ADD_TO_CART) {
      EXPECT_FALSE(e.session_id().empty());
      // The price shown is the live catalog price at that moment.
      EXPECT_NEAR(e.price(), PriceAt(e.item_id(), t), 1e-9)
          << e.ShortDebugString();
    }
    if (e.type() == v1::Event::PURCHASE) EXPECT_FALSE(e.order_id().empty());
    if (e.type() == v1::Event::MESSAGE_SENT) {
      EXPECT_FALSE(e.message().trigger().empty());
      EXPECT_FALSE(e.message().message_key().empty());
    }
  }
  EXPECT_GT(by_type[v1::Event::VIEW], 1000);
  EXPECT_GT(by_type[v1::Event::ADD_TO_CART], 100);
  EXPECT_GT(by_type[v1::Event::REMOVE_FROM_CART], 5);
  EXPECT_GT(by_type[v1::Event::PURCHASE], 30);
  EXPECT_GT(by_type[v1::Event::MESSAGE_SENT], 5);
  EXPECT_EQ(by_type[v1::Event::ITEM_UPDATE], 0);
}

TEST_F(LivePeriodTest, UpdatesAreWellFormedAndInTimeOrder) {
  std::set<std::string> keys, catalog_ids, new_items;
  for (const CatalogItem& c : shop_->catalog) catalog_ids.insert(c.item_id);
  int64_t previous = start_;
  int prices = 0, outs = 0, restocks = 0;
  for (const v1::ItemUpdate& u : *updates_) {
    const int64_t t = Seconds(u.timestamp());
    EXPECT_GE(t, previous);
    EXPECT_LT(t, as_of_);
    previous = t;
    EXPECT_TRUE(keys.insert(u.idempotency_key()).second);
    if (!catalog_ids.count(u.item_id())) {
      // A new item comes with everything a list needs.
      EXPECT_TRUE(u.has_title() && u.has_category() && u.has_price())
          << u.ShortDebugString();
      new_items.insert(u.item_id());
      continue;
    }
    if (u.has_price()) ++prices;
    if (u.has_in_stock()) ++(u.in_stock() ? restocks : outs);
  }
  EXPECT_GE(prices, 10);
  EXPECT_GE(outs, 5);
  EXPECT_GE(restocks, 10);
  EXPECT_EQ(new_items.size(), 2u);
}

TEST_F(LivePeriodTest, TheLivePeriodStartsAfterTheOrders) {
  const std::string orders = ReadGzip(*dir_ + "/orders.csv.gz");
  const size_t last_line = orders.rfind('\n', orders.size() - 2);
  const std::vector<std::string> f =
      absl::StrSplit(orders.substr(last_line + 1), ',');
  ASSERT_EQ(f.size(), 6u);
  EXPECT_LT(ParseRfc3339(f[3]), start_);
  EXPECT_GE(Seconds(events_->front().timestamp()), start_);
}

TEST_F(LivePeriodTest, EveryTriggerHasPlantedCustomersAndDecoys) {
  std::set<std::string> customers;
  for (const char* trigger :
       {"abandoned_cart", "browse_abandonment", "price_drop", "back_in_stock",
        "missing_complement", "win_back"}) {
    EXPECT_GE(Of(trigger, true).size(), 10u) << trigger;
    EXPECT_LE(Of(trigger, true).size(), 20u) << trigger;
    EXPECT_GE(Of(trigger, false).size(), 1u) << trigger;
  }
  // Each customer is planted once, so no trigger of higher priority takes
  // them.
  for (const ReadTruth& t : *truths_) {
    EXPECT_TRUE(customers.insert(t.customer_id).second) << t.customer_id;
  }
}

TEST_F(LivePeriodTest, AbandonedCartsHaveAnAddAndNoPurchaseOrRemovalAfter) {
  for (const ReadTruth* t : Of("abandoned_cart", true)) {
    ASSERT_FALSE(t->items.empty());
    EXPECT_LE(t->event_time, as_of_ - 4 * kH) << t->customer_id;
    EXPECT_GE(t->event_time, as_of_ - 7 * kD) << t->customer_id;
    for (const std::string& item : t->items) {
      EXPECT_EQ(Count(t->customer_id, v1::Event::ADD_TO_CART, item,
                      t->event_time, t->event_time + kH),
                1)
          << t->customer_id << " " << item;
      EXPECT_EQ(Count(t->customer_id, v1::Event::PURCHASE, item, t->event_time,
                      as_of_) +
                    Count(t->customer_id, v1::Event::REMOVE_FROM_CART, item,
                          t->event_time, as_of_),
                0)
          << t->customer_id;
      EXPECT_TRUE(InStockAt(item, as_of_)) << item;
    }
    EXPECT_EQ(Count(t->customer_id, v1::Event::MESSAGE_SENT, "",
                    as_of_ - 16 * kH, as_of_),
              0);
  }
  for (const ReadTruth* t : Of("abandoned_cart", false)) {
    const std::string& item = t->items.at(0);
    ASSERT_EQ(Count(t->customer_id, v1::Event::ADD_TO_CART, item, t->event_time,
                    t->event_time + 1),
              1);
    if (t->kind == "bought_since") {
      EXPECT_EQ(Count(t->customer_id, v1::Event::PURCHASE, item, t->event_time,
                      as_of_),
                1);
    } else if (t->kind == "removed") {
      EXPECT_EQ(Count(t->customer_id, v1::Event::REMOVE_FROM_CART, item,
                      t->event_time, as_of_),
                1);
    } else if (t->kind == "contacted") {
      EXPECT_EQ(Count(t->customer_id, v1::Event::MESSAGE_SENT, "",
                      as_of_ - 16 * kH, as_of_),
                1);
    } else {
      EXPECT_EQ(t->kind, "out_of_stock");
      EXPECT_TRUE(InStockAt(item, t->event_time));
      EXPECT_FALSE(InStockAt(item, as_of_));
    }
  }
}

TEST_F(LivePeriodTest, BrowseAbandonmentHasASessionAndNothingAfter) {
  for (const ReadTruth* t : Of("browse_abandonment", true)) {
    std::map<std::string, int> views_by_session;
    for (const v1::Event& e : *events_) {
      if (e.customer_id() == t->customer_id && e.type() == v1::Event::VIEW)
        ++views_by_session[e.session_id()];
    }
    ASSERT_EQ(views_by_session.size(), 1u) << t->customer_id;
    EXPECT_GE(views_by_session.begin()->second, 2);
    EXPECT_LE(t->event_time, as_of_ - 24 * kH);
    EXPECT_GE(t->event_time, as_of_ - 3 * kD);
    EXPECT_EQ(
        Count(t->customer_id, v1::Event::ADD_TO_CART, "", start_, as_of_) +
            Count(t->customer_id, v1::Event::PURCHASE, "", start_, as_of_),
        0);
  }
  for (const ReadTruth* t : Of("browse_abandonment", false)) {
    if (t->kind == "one_view") {
      EXPECT_EQ(Count(t->customer_id, v1::Event::VIEW, "", start_, as_of_), 1);
    } else {
      EXPECT_EQ(t->kind, "bought_since");
      EXPECT_EQ(Count(t->customer_id, v1::Event::PURCHASE, "", t->event_time,
                      t->event_time + 24 * kH),
                1);
    }
  }
}

TEST_F(LivePeriodTest, PriceDropsAreMeasuredAgainstThePriceSeen) {
  for (const ReadTruth* t : Of("price_drop", true)) {
    const std::string& item = t->items.at(0);
    EXPECT_EQ(Count(t->customer_id, v1::Event::VIEW, item, t->event_time,
                    t->event_time + 1),
              1);
    EXPECT_NEAR(PriceAt(item, t->event_time), t->price_seen, 1e-9);
    EXPECT_NEAR(PriceAt(item, as_of_), t->price_now, 1e-9);
    EXPECT_GE(1 - t->price_now / t->price_seen, 0.10) << item;
    EXPECT_EQ(
        Count(t->customer_id, v1::Event::PURCHASE, item, t->event_time, as_of_),
        0);
    // Older than a browse session counts, and no cart: nothing ranks above.
    EXPECT_LT(t->event_time, as_of_ - 3 * kD);
    EXPECT_EQ(Count(t->customer_id, v1::Event::ADD_TO_CART, "", start_, as_of_),
              0);
  }
  for (const ReadTruth* t : Of("price_drop", false)) {
    const std::string& item = t->items.at(0);
    const double drop = 1 - PriceAt(item, as_of_) / t->price_seen;
    if (t->kind == "small_drop") {
      EXPECT_GT(drop, 0.0);
      EXPECT_LT(drop, 0.10);
    } else {
      EXPECT_EQ(t->kind, "bought_since");
      EXPECT_GE(drop, 0.10);
      EXPECT_EQ(Count(t->customer_id, v1::Event::PURCHASE, item, t->event_time,
                      as_of_),
                1);
    }
  }
}

TEST_F(LivePeriodTest, BackInStockWasViewedWhileOutAndIsInStockNow) {
  for (const ReadTruth* t : Of("back_in_stock", true)) {
    const std::string& item = t->items.at(0);
    EXPECT_EQ(Count(t->customer_id, v1::Event::VIEW, item, t->event_time,
                    t->event_time + 1),
              1);
    EXPECT_FALSE(InStockAt(item, t->event_time)) << item;
    EXPECT_TRUE(InStockAt(item, as_of_)) << item;
  }
  for (const ReadTruth* t : Of("back_in_stock", false)) {
    EXPECT_FALSE(InStockAt(t->items.at(0), t->event_time));
    EXPECT_FALSE(InStockAt(t->items.at(0), as_of_));
  }
}

TEST_F(LivePeriodTest, MissingComplementsArePlantedPairsNotBoughtSince) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (const ComplementTruth& c : shop_->truth.complements)
    pairs.emplace(c.anchor, c.complement);
  for (const ReadTruth& t : *truths_) {
    if (t.trigger != "missing_complement") continue;
    const std::string& complement = t.items.at(0);
    EXPECT_TRUE(pairs.count({t.anchor_item_id, complement}));
    EXPECT_EQ(Count(t.customer_id, v1::Event::PURCHASE, t.anchor_item_id,
                    t.event_time, t.event_time + 1),
              1);
    const int complements_since = Count(t.customer_id, v1::Event::PURCHASE,
                                        complement, t.event_time, as_of_);
    if (t.expected) {
      EXPECT_LE(t.event_time, as_of_ - 3 * kD);
      EXPECT_EQ(complements_since, 0);
    } else if (t.kind == "bought_complement") {
      EXPECT_EQ(complements_since, 1);
    } else {
      EXPECT_EQ(t.kind, "too_recent");
      EXPECT_GT(t.event_time, as_of_ - 3 * kD);
    }
  }
}

TEST_F(LivePeriodTest, WinBackCustomersLapsedByTheirOwnOrders) {
  // Purchase orders per customer from the orders file itself.
  std::map<std::string, std::set<std::pair<int64_t, std::string>>> orders;
  std::map<std::string, int64_t> last_any;
  const std::string text = ReadGzip(*dir_ + "/orders.csv.gz");
  bool header = true;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (header || line.empty()) {
      header = false;
      continue;
    }
    const std::vector<std::string> f = absl::StrSplit(line, ',');
    if (f[1].empty()) continue;
    const int64_t t = ParseRfc3339(f[3]);
    last_any[f[1]] = std::max(last_any[f[1]], t);
    if (f[4][0] != '-') orders[f[1]].emplace(t, f[0]);
  }
  for (const ReadTruth& t : *truths_) {
    if (t.trigger != "win_back") continue;
    const auto& mine = orders[t.customer_id];
    ASSERT_GE(mine.size(), 2u) << t.customer_id;
    const double interval =
        static_cast<double>(mine.rbegin()->first - mine.begin()->first) / kD /
        static_cast<double>(mine.size() - 1);
    const double threshold = std::max(90.0, 2 * interval);
    const double days =
        static_cast<double>(as_of_ - last_any[t.customer_id]) / kD;
    EXPECT_NEAR(t.threshold_days, threshold, 0.06) << t.customer_id;
    EXPECT_NEAR(t.days_since_last_order, days, 0.06) << t.customer_id;
    const int live_purchases =
        Count(t.customer_id, v1::Event::PURCHASE, "", start_, as_of_);
    if (t.expected) {
      EXPECT_GE(days, threshold) << t.customer_id;
      EXPECT_EQ(Count(t.customer_id, v1::Event::VIEW, "", start_, as_of_), 0);
      EXPECT_EQ(live_purchases, 0);
    } else if (t.kind == "ordered_since") {
      EXPECT_EQ(live_purchases, 1);
    } else {
      EXPECT_EQ(t.kind, "within_own_interval");
      EXPECT_GT(days, 90.0);
      EXPECT_LT(days, threshold);
    }
  }
}

TEST(LivePeriodFilesTest, TheLivePeriodChangesNoOtherFile) {
  ShopOptions options;
  options.customers = 400;
  options.days = 120;
  const std::string with = TempDir("with_live");
  const std::string without = TempDir("without_live");
  ASSERT_TRUE(WriteShop(options, with).ok());
  options.live_days = 0;
  absl::StatusOr<WrittenShop> written = WriteShop(options, without);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written->files.size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(without + "/events.jsonl"));
  for (absl::string_view name :
       {kOrdersFileName, kCatalogFileName, kTruthFileName}) {
    EXPECT_TRUE(ReadFile(absl::StrCat(with, "/", name)) ==
                ReadFile(absl::StrCat(without, "/", name)))
        << name;
  }
}

TEST(LivePeriodFilesTest, ShortLivePeriodsAreRejected) {
  ShopOptions options;
  options.live_days = 6;
  EXPECT_EQ(ValidateShopOptions(options).code(),
            absl::StatusCode::kInvalidArgument);
  options.live_days = 7;
  EXPECT_TRUE(ValidateShopOptions(options).ok());
}

TEST(LivePeriodFilesTest, TinyShopsStillWriteALivePeriod) {
  ShopOptions options;
  options.items = 20;
  options.customers = 5;
  options.days = 30;
  options.live_days = 7;
  absl::StatusOr<WrittenShop> written = WriteShop(options, TempDir("tiny"));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->files.size(), 6u);
}

TEST(FormatPriceTest, AlwaysTwoDecimals) {
  EXPECT_EQ(FormatPrice(0), "0.00");
  EXPECT_EQ(FormatPrice(5), "0.05");
  EXPECT_EQ(FormatPrice(495), "4.95");
  EXPECT_EQ(FormatPrice(1230), "12.30");
  EXPECT_EQ(FormatPrice(24900), "249.00");
}

}  // namespace
}  // namespace boomerang::demo
