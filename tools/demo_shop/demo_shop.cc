#include "tools/demo_shop/demo_shop.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/demo_shop/live_period.h"

namespace boomerang::demo {
namespace {

// Broken invariants inside the generator are programmer errors: fail loudly.
// (Debian's Abseil has no absl/log, and this library should not pull in glog
// for two checks.)
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "demo_shop: internal check failed: %s\n", what);
    std::abort();
  }
}

// -----------------------------------------------------------------------------
// Random numbers.
//
// The generator carries its own PRNG (xoshiro256**, seeded through splitmix64)
// and its own distributions. std::mt19937 is specified exactly, but
// std::uniform_int_distribution, std::normal_distribution and friends are not:
// libstdc++ and libc++ turn the same engine output into different numbers, and
// "same flags -> byte-identical files" would hold on one standard library only.
// What remains platform-dependent is libm (log, exp, pow, cos) in the last ulp,
// which in practice does not change any generated value.
// -----------------------------------------------------------------------------

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A well-mixed hash of two words, for seeding independent streams and for
// stateless choices.
uint64_t Hash64(uint64_t a, uint64_t b) {
  uint64_t state = a ^ (b * 0xd6e8feb86659fd93ULL);
  SplitMix64(&state);
  return SplitMix64(&state);
}

// M_PI is POSIX, not C++17.
constexpr double kPi = 3.14159265358979323846;

class Rng {
 public:
  // Independent streams for the catalog, the customers and the simulation,
  // so that changing --customers does not reshuffle the catalog.
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t state = Hash64(seed, stream);
    for (uint64_t& word : s_) word = SplitMix64(&state);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

  // Uniform in [lo, hi], both inclusive. The modulo bias is below 2^-40 for the
  // ranges used here.
  int64_t UniformInt(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(Next() % span);
  }

  bool Bernoulli(double p) { return Uniform() < p; }

  // Standard normal by Box-Muller; the second value is dropped to keep the
  // state simple.
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]: log() stays finite
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

  // Knuth's product method for small means, a rounded normal for large ones
  // (daily order counts of a million-customer shop), where the difference is
  // invisible.
  int64_t Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean < 30) {
      const double limit = std::exp(-mean);
      int64_t k = 0;
      double product = Uniform();
      while (product > limit) {
        ++k;
        product *= Uniform();
      }
      return k;
    }
    return std::max<int64_t>(0,
                             std::llround(mean + std::sqrt(mean) * Normal()));
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Walker/Vose alias table: O(n) to build, O(1) per draw. Every weighted draw in
// the simulation goes through one, which is what keeps a million-customer shop
// linear.
class AliasTable {
 public:
  AliasTable() = default;

  // REQUIRES: weights non-empty, all >= 0, sum > 0.
  explicit AliasTable(const std::vector<double>& weights)
      : prob_(weights.size(), 1.0), alias_(weights.size()) {
    const size_t n = weights.size();
    Check(n > 0, "alias table needs weights");
    const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
    Check(sum > 0, "alias table needs a positive weight");
    std::vector<double> scaled(n);
    std::vector<int32_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * static_cast<double>(n) / sum;
      alias_[i] = static_cast<int32_t>(i);
      (scaled[i] < 1.0 ? small : large).push_back(static_cast<int32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const int32_t s = small.back();
      small.pop_back();
      const int32_t l = large.back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] -= 1.0 - scaled[s];
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Whatever is left is 1 up to rounding.
  }

  bool empty() const { return prob_.empty(); }

  int32_t Sample(Rng& rng) const {
    const double u = rng.Uniform() * static_cast<double>(prob_.size());
    size_t i = static_cast<size_t>(u);
    if (i >= prob_.size()) i = prob_.size() - 1;
    return (u - static_cast<double>(i)) < prob_[i] ? static_cast<int32_t>(i)
                                                   : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<int32_t> alias_;
};

// -----------------------------------------------------------------------------
// The store's assortment. Titles never contain commas or quotes, so the CSV
// never needs quoting (CatalogToCsv still quotes defensively).
// -----------------------------------------------------------------------------

using Season = std::array<double, 12>;
constexpr Season kFlat = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
constexpr Season kGarden = {0.25, 0.35, 0.9, 1.7, 2.3,  2.1,
                            1.7,  1.3,  0.7, 0.4, 0.25, 0.25};
constexpr Season kChristmas = {0.1,  0.05, 0.05, 0.05, 0.05, 0.05,
                               0.05, 0.1,  0.3,  1.2,  4.2,  5.8};
constexpr Season kFitness = {2.4, 1.6, 1.1, 0.9, 0.9, 0.8,
                             0.7, 0.7, 0.9, 0.8, 0.7, 0.5};
constexpr Season kCycling = {0.5, 0.6, 0.9, 1.3, 1.5, 1.6,
                             1.6, 1.4, 1.0, 0.7, 0.5, 0.5};

struct CategorySpec {
  const char* path;
  double relative_size;            // share of filler items
  double min_price, max_price;     // filler price range (log-uniform)
  std::vector<const char*> kinds;  // filler product nouns
  std::vector<const char*> variants;
  std::vector<const char*> consumables;  // for synthetic cycle items
  Season season;
};

// The demo catalog's Kitchen departments.
std::vector<CategorySpec> KitchenCategories() {
  return {
      {"Kitchen/Coffee",
       1.0,
       6,
       60,
       {"Espresso Cups", "Milk Jug", "Coffee Scoop", "Pour Over Dripper",
        "Cold Brew Jar", "Coffee Tamper", "Knock Box", "Coffee Canister",
        "Travel Mug", "Moka Pot"},
       {"Black", "White", "Steel", "Copper", "Small", "Large", "Classic",
        "Matte"},
       {"Ground Coffee 250g", "Paper Filters 100"},
       kFlat},
      {"Kitchen/Cookware",
       1.2,
       12,
       120,
       {"Frying Pan", "Saucepan", "Stock Pot", "Wok", "Casserole Dish",
        "Griddle Pan", "Saute Pan", "Roasting Tin", "Steamer Basket",
        "Milk Pan"},
       {"20cm", "24cm", "28cm", "Non-Stick", "Stainless", "Enamel", "Induction",
        "Copper Base"},
       {"Baking Paper Roll", "Cling Film 30m"},
       kFlat},
      {"Kitchen/Baking",
       0.8,
       4,
       40,
       {"Loaf Tin", "Cake Tin", "Muffin Tray", "Cooling Rack", "Rolling Pin",
        "Piping Set", "Pastry Brush", "Baking Sheet", "Cookie Cutters",
        "Measuring Cups"},
       {"Small", "Large", "Silicone", "Steel", "Non-Stick", "Set of 3", "Deep",
        "Round"},
       {"Cupcake Cases 200", "Baking Powder 500g"},
       kFlat},
  };
}

// The demo catalog's Office/Electronics departments.
std::vector<CategorySpec> OfficeAndElectronicsCategories() {
  return {
      {"Office/Printing",
       0.6,
       5,
       80,
       {"Photo Paper", "Label Sheets", "Envelope Pack", "Laminating Pouches",
        "Card Stock", "Printer Stand", "Paper Tray", "Transparency Film"},
       {"A4", "A5", "A3", "Glossy", "Matte", "White", "Coloured",
        "Heavyweight"},
       {"Copy Paper A4 Ream", "Address Labels 500"},
       kFlat},
      {"Office/Stationery",
       1.0,
       2,
       35,
       {"Notebook", "Gel Pens", "Highlighters", "Sticky Notes",
        "Desk Organiser", "Stapler", "Ring Binder", "Pencil Set", "Planner",
        "Desk Tidy"},
       {"Black", "Blue", "Pastel", "A5", "A4", "Pack of 5", "Recycled",
        "Spiral"},
       {"Printer Ink Multipack", "Correction Tape 10"},
       kFlat},
      {"Electronics/Audio",
       0.7,
       10,
       250,
       {"Headphones", "Earbuds", "Soundbar", "Portable Speaker", "Turntable",
        "DAB Radio", "Microphone", "Audio Cable"},
       {"Black", "White", "Wireless", "Compact", "Studio", "Sport", "Mini",
        "Plus"},
       {"AA Batteries 24", "Ear Tips 6-pack"},
       kFlat},
      {"Electronics/Accessories",
       1.2,
       6,
       90,
       {"USB-C Cable", "Phone Charger", "Laptop Stand", "Webcam",
        "Wireless Mouse", "Keyboard", "HDMI Cable", "Screen Protector",
        "Card Reader", "USB Hub"},
       {"1m", "2m", "Black", "White", "Fast", "Slim", "Travel", "Pro"},
       {"Screen Wipes 100", "AAA Batteries 24"},
       kFlat},
  };
}

// The demo catalog's Garden/Home departments.
std::vector<CategorySpec> GardenAndHomeCategories() {
  return {
      {"Garden/Tools",
       0.9,
       6,
       120,
       {"Trowel", "Secateurs", "Rake", "Spade", "Garden Fork", "Loppers",
        "Pruning Saw", "Kneeler", "Wheelbarrow", "Leaf Grabber"},
       {"Stainless", "Carbon Steel", "Ash Handle", "Compact", "Heavy Duty",
        "Ergonomic", "Telescopic", "Green"},
       {"Lawn Feed 5kg", "Weed Killer 1L"},
       kGarden},
      {"Garden/Plants",
       0.9,
       2,
       30,
       {"Tomato Seeds", "Lavender Plant", "Herb Kit", "Tulip Bulbs",
        "Rose Bush", "Plant Feed", "Grow Bag", "Plant Pot", "Sunflower Seeds",
        "Strawberry Plants"},
       {"Red", "Yellow", "Mixed", "Organic", "Dwarf", "Giant", "Heritage",
        "Pack of 6"},
       {"Bird Seed 5kg", "Multi-Purpose Compost 50L"},
       kGarden},
      {"Home/Lighting",
       0.7,
       8,
       150,
       {"Floor Lamp", "Desk Lamp", "Pendant Shade", "String Lights",
        "Night Light", "Wall Light", "Candle Lantern", "Lamp Shade"},
       {"Brass", "Black", "White", "Oak", "Rattan", "Glass", "Linen", "Smart"},
       {"Tealights 100", "GU10 Bulbs 4-pack"},
       kFlat},
      {"Home/Bedding",
       0.7,
       10,
       120,
       {"Pillow", "Throw", "Fitted Sheet", "Pillowcases", "Mattress Topper",
        "Bedspread", "Blanket", "Mattress Protector"},
       {"Single", "Double", "King", "Cotton", "Linen", "Grey", "White", "Sage"},
       {"Fabric Conditioner 1L", "Laundry Pods 30"},
       kFlat},
      {"Home/Cleaning",
       0.8,
       2,
       40,
       {"Microfibre Cloths", "Mop", "Dustpan Set", "Spray Bottle",
        "Scrubbing Brush", "Rubber Gloves", "Bucket", "Lint Roller"},
       {"Blue", "Grey", "Pack of 3", "Pack of 10", "Eco", "Heavy Duty",
        "Compact", "Large"},
       {"Washing Up Liquid 1L", "Surface Spray 750ml"},
       kFlat},
  };
}

// The demo catalog's Pets/Sports/Beauty/Seasonal departments.
std::vector<CategorySpec> PetsSportsBeautyAndSeasonalCategories() {
  return {
      {"Pets/Dogs",
       0.7,
       3,
       60,
       {"Dog Lead", "Dog Collar", "Chew Toy", "Dog Bowl", "Dog Coat",
        "Ball Launcher", "Dog Harness", "Training Treats"},
       {"Small", "Medium", "Large", "Red", "Navy", "Reflective", "Rope",
        "Rubber"},
       {"Dog Treats 1kg", "Puppy Pads 50"},
       kFlat},
      {"Pets/Cats",
       0.6,
       3,
       60,
       {"Cat Scratcher", "Cat Toy", "Cat Bowl", "Cat Bed", "Cat Carrier",
        "Catnip", "Cat Brush", "Cat Tunnel"},
       {"Grey", "Cream", "Small", "Large", "Sisal", "Plush", "Feather",
        "Ceramic"},
       {"Cat Treats 500g", "Cat Food Tins 24"},
       kFlat},
      {"Sports/Fitness",
       0.7,
       5,
       90,
       {"Dumbbell", "Resistance Bands", "Kettlebell", "Skipping Rope",
        "Foam Roller", "Gym Bag", "Water Bottle", "Exercise Ball"},
       {"2kg", "5kg", "8kg", "Light", "Heavy", "Black", "Pink", "Pro"},
       {"Electrolyte Tablets 20", "Protein Bars 12"},
       kFitness},
      {"Sports/Cycling",
       0.6,
       4,
       80,
       {"Bike Light Set", "Bike Bell", "Cycling Gloves", "Saddle Bag",
        "Bottle Cage", "Mudguards", "Tyre Levers", "Inner Tube"},
       {"700c", "26in", "Black", "Hi-Vis", "Road", "MTB", "Alloy", "Carbon"},
       {"Chain Lube 100ml", "Puncture Patches 10"},
       kCycling},
      {"Beauty/Personal Care",
       0.9,
       3,
       35,
       {"Hand Cream", "Shampoo", "Conditioner", "Body Lotion", "Lip Balm",
        "Face Wash", "Hair Brush", "Nail File"},
       {"Travel Size", "Family Size", "Unscented", "Lavender", "Citrus",
        "Sensitive", "Men", "Argan"},
       {"Cotton Pads 200", "Deodorant 3-pack"},
       kFlat},
      {"Seasonal/Christmas",
       0.6,
       3,
       60,
       {"Bauble Set", "Tree Topper", "Advent Calendar", "Christmas Wreath",
        "Stocking", "Tinsel", "Nativity Set", "Gift Wrap"},
       {"Red", "Gold", "Silver", "Traditional", "Nordic", "Glitter", "Wooden",
        "Velvet"},
       {"Gift Tags 50", "Sellotape 6-pack"},
       kChristmas},
  };
}

// Every category of the demo catalog, in a fixed order (the generator's
// random draws depend on it).
const std::vector<CategorySpec>& Categories() {
  static const auto* const kCategories = [] {
    auto* all = new std::vector<CategorySpec>();
    for (auto part :
         {KitchenCategories(), OfficeAndElectronicsCategories(),
          GardenAndHomeCategories(), PetsSportsBeautyAndSeasonalCategories()}) {
      all->insert(all->end(), part.begin(), part.end());
    }
    return all;
  }();
  return *kCategories;
}

int CategoryIndex(absl::string_view path) {
  const auto& categories = Categories();
  for (size_t i = 0; i < categories.size(); ++i) {
    if (path == categories[i].path) return static_cast<int>(i);
  }
  Check(false, "unknown category in a curated table");
  return -1;
}

struct CuratedPair {
  const char* category;
  const char* anchor;
  double anchor_price;
  const char* complement;
  double complement_price;
  double probability;
};

// Things people buy together, always within one category so that a
// category-level scorer cannot explain them away either.
const std::vector<CuratedPair>& CuratedPairs() {
  static const auto* const kPairs = new std::vector<CuratedPair>{
      {"Kitchen/Coffee", "Espresso Machine", 249.00, "Descaling Solution", 9.99,
       0.60},
      {"Office/Printing", "Inkjet Printer", 89.00, "Black Ink Cartridge", 19.99,
       0.65},
      {"Garden/Tools", "Lawn Mower", 199.00, "Grass Collection Bag", 24.99,
       0.50},
      {"Home/Lighting", "Table Lamp", 39.99, "LED Bulb E27", 4.99, 0.60},
      {"Electronics/Accessories", "Digital Camera", 399.00,
       "SD Memory Card 64GB", 14.99, 0.60},
      {"Sports/Cycling", "Hybrid Bicycle", 449.00, "Bike Lock", 24.99, 0.65},
      {"Kitchen/Cookware", "Chef Knife 20cm", 49.99, "Knife Sharpener", 14.99,
       0.45},
      {"Pets/Cats", "Cat Litter Tray", 14.99, "Litter Scoop", 3.99, 0.70},
      {"Home/Cleaning", "Vacuum Cleaner", 179.00, "Vacuum Bags 5-pack", 9.99,
       0.60},
      {"Office/Printing", "Laser Printer", 179.00, "Toner Cartridge", 54.99,
       0.55},
      {"Kitchen/Baking", "Stand Mixer", 299.00, "Mixing Bowl Set", 19.99, 0.50},
      {"Home/Bedding", "Duvet Double", 59.99, "Duvet Cover Double", 29.99,
       0.50},
      {"Sports/Fitness", "Yoga Mat", 24.99, "Yoga Block", 9.99, 0.50},
      {"Garden/Plants", "Seed Starter Tray", 12.99, "Seed Compost 20L", 7.99,
       0.60},
      {"Electronics/Audio", "Record Player", 149.00, "Record Cleaning Kit",
       12.99, 0.45},
      {"Pets/Dogs", "Dog Bed Large", 49.99, "Dog Blanket", 14.99, 0.45},
      {"Garden/Tools", "Garden Hose 30m", 34.99, "Hose Spray Nozzle", 8.99,
       0.55},
      {"Office/Stationery", "Fountain Pen", 39.99, "Ink Cartridges 10-pack",
       4.99, 0.60},
      {"Beauty/Personal Care", "Electric Toothbrush", 59.99,
       "Toothbrush Travel Case", 7.99, 0.40},
      {"Kitchen/Coffee", "Coffee Grinder", 69.00, "Grinder Cleaning Tablets",
       7.49, 0.45},
      {"Seasonal/Christmas", "Artificial Christmas Tree", 89.00,
       "Christmas Tree Stand", 19.99, 0.55},
      {"Electronics/Accessories", "Tablet 10-inch", 329.00, "Tablet Case",
       24.99, 0.55},
      {"Garden/Tools", "Hedge Trimmer", 89.00, "Safety Goggles", 6.99, 0.45},
      {"Electronics/Audio", "Wireless Headphones", 129.00, "Headphone Case",
       15.99, 0.40},
      {"Sports/Fitness", "Rowing Machine", 349.00, "Equipment Floor Mat", 29.99,
       0.50},
      {"Home/Lighting", "Smart Hub", 79.00, "Smart Bulb Twin Pack", 24.99,
       0.55},
  };
  return *kPairs;
}

struct CuratedGroup {
  const char* category;
  const char* base_title;
  double base_price;  // the budget tier
};

const std::vector<CuratedGroup>& CuratedGroups() {
  static const auto* const kGroups = new std::vector<CuratedGroup>{
      {"Kitchen/Coffee", "French Press", 12},
      {"Kitchen/Cookware", "Frying Pan 28cm", 15},
      {"Electronics/Audio", "Bluetooth Speaker", 25},
      {"Electronics/Accessories", "Power Bank 10000mAh", 15},
      {"Garden/Tools", "Garden Shears", 12},
      {"Home/Bedding", "Pillow Pair", 15},
      {"Home/Lighting", "LED Desk Lamp", 18},
      {"Sports/Fitness", "Dumbbell Set 10kg", 20},
      {"Beauty/Personal Care", "Hair Dryer", 20},
      {"Home/Cleaning", "Steam Mop", 40},
      {"Sports/Cycling", "Bike Helmet", 25},
      {"Kitchen/Baking", "Hand Mixer", 18},
      {"Pets/Dogs", "Dog Crate", 30},
      {"Office/Stationery", "Office Chair", 60},
  };
  return *kGroups;
}

struct CuratedConsumable {
  const char* category;
  const char* title;
  double price;
};

const std::vector<CuratedConsumable>& CuratedConsumables() {
  static const auto* const kConsumables = new std::vector<CuratedConsumable>{
      {"Kitchen/Coffee", "Coffee Pods 50-pack", 12.99},
      {"Pets/Dogs", "Dog Food 12kg", 39.99},
      {"Pets/Cats", "Cat Litter 10L", 8.99},
      {"Office/Printing", "Printer Paper A4 500 Sheets", 5.99},
      {"Home/Cleaning", "Dishwasher Tablets 100", 14.99},
      {"Beauty/Personal Care", "Toothbrush Heads 4-pack", 17.99},
      {"Home/Cleaning", "Laundry Liquid 2L", 9.99},
      {"Beauty/Personal Care", "Razor Blades 8-pack", 16.99},
      {"Kitchen/Coffee", "Water Filter Cartridge 3-pack", 14.99},
      {"Sports/Fitness", "Protein Powder 1kg", 24.99},
      {"Pets/Cats", "Cat Food Pouches 48", 19.99},
      {"Home/Cleaning", "Bin Bags 50", 4.99},
      {"Beauty/Personal Care", "Daily Contact Lenses 30", 19.99},
      {"Kitchen/Coffee", "Espresso Beans 1kg", 18.99},
      {"Home/Cleaning", "Kitchen Roll 6-pack", 6.49},
      {"Garden/Plants", "Wild Bird Suet Balls 50", 11.99},
  };
  return *kConsumables;
}

// Used only for synthetic planted items once the curated lists run out (large
// catalogs).
constexpr const char* kBrands[] = {"Apex",   "Nordic",  "Vista",  "Harbor",
                                   "Summit", "Willow",  "Ember",  "Atlas",
                                   "Cobalt", "Juniper", "Orbit",  "Maple",
                                   "Quartz", "Sable",   "Tandem", "Verde"};
constexpr const char* kComplementSuffixes[] = {"Accessory Kit",
                                               "Spare Parts Set", "Care Kit",
                                               "Carry Case", "Refill Pack"};

// Shop prices end in .99 (or .49 below 10.00).
int64_t ShopPrice(double price) {
  const int64_t whole = static_cast<int64_t>(std::floor(price));
  if (price < 10 && price - static_cast<double>(whole) < 0.5)
    return whole * 100 + 49;
  return std::max<int64_t>(whole, 0) * 100 + 99;
}

int64_t ExactPrice(double price) { return std::llround(price * 100); }

// -----------------------------------------------------------------------------
// Catalog construction.
// -----------------------------------------------------------------------------

enum class Role : uint8_t {
  kFiller,
  kAnchor,
  kComplement,
  kSubstitute,
  kConsumable
};

struct Item {
  std::string id;
  std::string title;
  int32_t category = 0;
  int64_t price_cents = 0;
  bool in_stock = true;
  Role role = Role::kFiller;
  double weight = 0;        // popularity, before seasonality
  int32_t complement = -1;  // for anchors
  double complement_probability = 0;
  int32_t group = -1;  // for substitutes
};

struct Group {
  int32_t category = 0;
  std::array<int32_t, 3> members{};  // budget, standard, premium
};

struct Catalog {
  std::vector<Item> items;
  std::vector<Group> groups;
  std::vector<int32_t> anchors;  // in planting order
  std::vector<int32_t> consumables;
  std::vector<std::vector<int32_t>> items_by_category;
  std::vector<AliasTable> item_alias_by_category;
  std::vector<Season> season_by_category;
  std::array<AliasTable, 12> category_alias_by_month;
  AliasTable consumable_alias;
};

// Keeps titles unique; the rare collision gets " No. 2", " No. 3", ...
class TitleRegistry {
 public:
  std::string Claim(std::string title) {
    if (used_.insert(title).second) return title;
    int& next = next_suffix_[title];
    if (next < 2) next = 2;
    while (true) {
      std::string candidate = absl::StrCat(title, " No. ", next++);
      if (used_.insert(candidate).second) return candidate;
    }
  }

 private:
  std::unordered_set<std::string> used_;
  std::unordered_map<std::string, int> next_suffix_;
};

std::string PaddedId(absl::string_view prefix, int64_t number, int width) {
  std::string digits = absl::StrCat(number);
  std::string out(prefix);
  if (static_cast<int>(digits.size()) < width)
    out.append(width - digits.size(), '0');
  out += digits;
  return out;
}

int Digits(int64_t n) { return static_cast<int>(absl::StrCat(n).size()); }

// A catalog under construction, in planting order (ids and indices are
// assigned by Renumber at the end). Every random draw goes through `rng`, in
// the order the build steps run: the output depends on that order.
struct CatalogDraft {
  explicit CatalogDraft(const ShopOptions& options)
      : categories(Categories()),
        num_categories(static_cast<int>(categories.size())),
        rng(options.seed, /*stream=*/1) {
    items.reserve(options.items);
  }

  // Adds an item; returns its index.
  int32_t Add(int32_t category, std::string title, int64_t price, Role role) {
    Item item;
    item.category = category;
    item.title = titles.Claim(std::move(title));
    item.price_cents = price;
    item.role = role;
    items.push_back(std::move(item));
    return static_cast<int32_t>(items.size() - 1);
  }
  int32_t RandomCategory() {
    return static_cast<int32_t>(rng.UniformInt(0, num_categories - 1));
  }
  const char* RandomKind(int32_t category) {
    const auto& kinds = categories[category].kinds;
    return kinds[rng.UniformInt(0, static_cast<int64_t>(kinds.size()) - 1)];
  }
  static const char* Brand(size_t i) {
    return kBrands[i % (sizeof(kBrands) / sizeof(kBrands[0]))];
  }

  const std::vector<CategorySpec>& categories;
  const int num_categories;
  Rng rng;
  TitleRegistry titles;
  std::vector<Item> items;
  std::vector<Group> groups;
  std::vector<int32_t> anchors;
  std::vector<int32_t> consumables;
  std::vector<int32_t> fillers;
};

// Plants `num_pairs` anchor -> complement pairs: the curated ones, then
// synthetic ones.
void PlantPairs(int num_pairs, CatalogDraft* d) {
  Rng& rng = d->rng;
  for (int p = 0; p < num_pairs; ++p) {
    int32_t anchor, complement;
    double probability;
    if (p < static_cast<int>(CuratedPairs().size())) {
      const CuratedPair& spec = CuratedPairs()[p];
      const int32_t category = CategoryIndex(spec.category);
      anchor = d->Add(category, spec.anchor, ExactPrice(spec.anchor_price),
                      Role::kAnchor);
      complement = d->Add(category, spec.complement,
                          ExactPrice(spec.complement_price), Role::kComplement);
      probability = spec.probability;
    } else {
      const int32_t category = d->RandomCategory();
      const CategorySpec& spec = d->categories[category];
      std::string anchor_title = absl::StrCat(
          CatalogDraft::Brand(p), " ", d->RandomKind(category), " X", 100 + p);
      const double anchor_price = std::exp(
          rng.Uniform(std::log(spec.max_price), std::log(spec.max_price * 4)));
      const char* suffix = kComplementSuffixes[rng.UniformInt(0, 4)];
      std::string complement_title = absl::StrCat(anchor_title, " ", suffix);
      anchor = d->Add(category, std::move(anchor_title),
                      ShopPrice(anchor_price), Role::kAnchor);
      complement = d->Add(category, std::move(complement_title),
                          ShopPrice(anchor_price * rng.Uniform(0.05, 0.2)),
                          Role::kComplement);
      probability = std::round(rng.Uniform(0.4, 0.7) * 100) / 100;
    }
    d->items[anchor].complement = complement;
    d->items[anchor].complement_probability = probability;
    d->anchors.push_back(anchor);
  }
}

// Plants `num_groups` substitute groups (budget, standard, premium): the
// curated ones, then synthetic ones.
void PlantGroups(int num_groups, CatalogDraft* d) {
  static constexpr double kTierFactor[3] = {1.0, 1.6, 2.5};
  for (int g = 0; g < num_groups; ++g) {
    Group group;
    std::string base;
    double base_price;
    if (g < static_cast<int>(CuratedGroups().size())) {
      const CuratedGroup& spec = CuratedGroups()[g];
      group.category = CategoryIndex(spec.category);
      base = spec.base_title;
      base_price = spec.base_price;
    } else {
      group.category = d->RandomCategory();
      const CategorySpec& spec = d->categories[group.category];
      base = absl::StrCat(d->RandomKind(group.category), " G", g);
      base_price = std::exp(
          d->rng.Uniform(std::log(spec.min_price), std::log(spec.max_price)));
    }
    const char* tier_format[3] = {" Essentials", "", " Premium"};
    for (int t = 0; t < 3; ++t) {
      group.members[t] =
          d->Add(group.category, absl::StrCat(base, tier_format[t]),
                 ShopPrice(base_price * kTierFactor[t]), Role::kSubstitute);
      d->items[group.members[t]].group = g;
    }
    d->groups.push_back(group);
  }
}

// Plants `num_consumables` cycle items: the curated ones, then synthetic
// ones.
void PlantConsumables(int num_consumables, CatalogDraft* d) {
  Rng& rng = d->rng;
  for (int c = 0; c < num_consumables; ++c) {
    int32_t item;
    if (c < static_cast<int>(CuratedConsumables().size())) {
      const CuratedConsumable& spec = CuratedConsumables()[c];
      item = d->Add(CategoryIndex(spec.category), spec.title,
                    ExactPrice(spec.price), Role::kConsumable);
    } else {
      const int32_t category = d->RandomCategory();
      const auto& names = d->categories[category].consumables;
      const char* name =
          names[rng.UniformInt(0, static_cast<int64_t>(names.size()) - 1)];
      item = d->Add(category, absl::StrCat(CatalogDraft::Brand(c), " ", name),
                    ShopPrice(rng.Uniform(3, 30)), Role::kConsumable);
    }
    d->consumables.push_back(item);
  }
}

// Filler: the rest of the assortment, up to `num_items`, spread over
// categories by relative size. Each category walks a shuffled list of kind x
// variant titles, then repeats it as "Series 2", "Series 3".
void AddFillers(int num_items, CatalogDraft* d) {
  Rng& rng = d->rng;
  std::vector<double> sizes;
  for (const auto& spec : d->categories) sizes.push_back(spec.relative_size);
  const AliasTable category_by_size(sizes);
  std::vector<std::vector<std::pair<int, int>>> combos(d->num_categories);
  std::vector<int> fillers_in_category(d->num_categories, 0);
  while (static_cast<int>(d->items.size()) < num_items) {
    const int32_t category = category_by_size.Sample(rng);
    const CategorySpec& spec = d->categories[category];
    auto& list = combos[category];
    if (list.empty()) {
      for (int k = 0; k < static_cast<int>(spec.kinds.size()); ++k) {
        for (int v = 0; v < static_cast<int>(spec.variants.size()); ++v)
          list.emplace_back(k, v);
      }
      for (size_t i = list.size() - 1; i > 0; --i) {
        std::swap(list[i], list[rng.UniformInt(0, static_cast<int64_t>(i))]);
      }
    }
    const int n = fillers_in_category[category]++;
    const auto [k, v] = list[n % list.size()];
    const int series = n / static_cast<int>(list.size());
    std::string title = absl::StrCat(spec.kinds[k], " ", spec.variants[v]);
    if (series > 0) absl::StrAppend(&title, " Series ", series + 1);
    const double price = std::exp(
        rng.Uniform(std::log(spec.min_price), std::log(spec.max_price)));
    d->fillers.push_back(
        d->Add(category, std::move(title), ShopPrice(price), Role::kFiller));
  }
}

// Popularity: Zipf-Mandelbrot over a rank order. Anchors are placed in the
// top quarter so each is bought often enough for its complement to be found;
// complements sit lower (never among the very best sellers, so raw co-count
// and association disagree); everything else is random. Sorting by a random
// key per role does this in O(n log n).
void AssignPopularity(CatalogDraft* d) {
  std::vector<Item>& items = d->items;
  const double n = static_cast<double>(items.size());
  std::vector<std::pair<double, int32_t>> keys(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    double key;
    switch (items[i].role) {
      case Role::kAnchor:
        key = d->rng.Uniform(0.03, 0.25) * n;
        break;
      case Role::kComplement:
        key = d->rng.Uniform(0.10, 0.50) * n;
        break;
      default:
        key = d->rng.Uniform() * n;
    }
    keys[i] = {key, static_cast<int32_t>(i)};
  }
  std::sort(keys.begin(), keys.end());
  constexpr double kZipfExponent = 1.0;
  constexpr double kZipfOffset =
      3.0;  // flattens the head: the top seller is not 1/3 of sales
  for (size_t rank = 0; rank < keys.size(); ++rank) {
    items[keys[rank].second].weight =
        std::pow(static_cast<double>(rank) + kZipfOffset, -kZipfExponent);
  }
}

// About 3% out of stock, filler only: a planted item must stay recommendable.
void MarkOutOfStock(CatalogDraft* d) {
  std::vector<int32_t>& fillers = d->fillers;
  const double n = static_cast<double>(d->items.size());
  const int64_t out_of_stock = std::min<int64_t>(
      std::llround(0.03 * n), static_cast<int64_t>(fillers.size()));
  for (int64_t i = 0; i < out_of_stock; ++i) {
    const int64_t j =
        d->rng.UniformInt(i, static_cast<int64_t>(fillers.size()) - 1);
    std::swap(fillers[i], fillers[j]);
    d->items[fillers[i]].in_stock = false;
  }
}

// Shuffles the draft's items into the catalog so that ids say nothing about
// roles (planted pairs are not SKU-0001/SKU-0002), and assigns the ids.
Catalog Renumber(int num_items, CatalogDraft* d) {
  std::vector<Item>& items = d->items;
  std::vector<int32_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = order.size() - 1; i > 0; --i) {
    std::swap(order[i], order[d->rng.UniformInt(0, static_cast<int64_t>(i))]);
  }
  std::vector<int32_t> new_index(items.size());
  for (size_t i = 0; i < order.size(); ++i)
    new_index[order[i]] = static_cast<int32_t>(i);

  Catalog catalog;
  catalog.items.resize(items.size());
  const int width = std::max(4, Digits(num_items));
  for (size_t old = 0; old < items.size(); ++old) {
    Item& item = items[old];
    if (item.complement >= 0) item.complement = new_index[item.complement];
    item.id = PaddedId("SKU-", new_index[old] + 1, width);
    catalog.items[new_index[old]] = std::move(item);
  }
  for (Group& group : d->groups) {
    for (int32_t& member : group.members) member = new_index[member];
  }
  for (int32_t& anchor : d->anchors) anchor = new_index[anchor];
  for (int32_t& consumable : d->consumables) {
    consumable = new_index[consumable];
  }
  catalog.groups = std::move(d->groups);
  catalog.anchors = std::move(d->anchors);
  catalog.consumables = std::move(d->consumables);
  return catalog;
}

// Sampling tables: month -> category (popularity mass times season), category
// -> item.
void BuildSamplingTables(Catalog* catalog) {
  const auto& categories = Categories();
  const int num_categories = static_cast<int>(categories.size());
  catalog->items_by_category.resize(num_categories);
  for (size_t i = 0; i < catalog->items.size(); ++i) {
    catalog->items_by_category[catalog->items[i].category].push_back(
        static_cast<int32_t>(i));
  }
  std::vector<double> mass(num_categories, 0.0);
  catalog->item_alias_by_category.resize(num_categories);
  for (int c = 0; c < num_categories; ++c) {
    catalog->season_by_category.push_back(categories[c].season);
    const auto& members = catalog->items_by_category[c];
    if (members.empty()) continue;
    std::vector<double> weights;
    for (int32_t i : members) weights.push_back(catalog->items[i].weight);
    mass[c] = std::accumulate(weights.begin(), weights.end(), 0.0);
    catalog->item_alias_by_category[c] = AliasTable(weights);
  }
  for (int m = 0; m < 12; ++m) {
    std::vector<double> weights(num_categories);
    for (int c = 0; c < num_categories; ++c)
      weights[c] = mass[c] * categories[c].season[m];
    catalog->category_alias_by_month[m] = AliasTable(weights);
  }
  if (!catalog->consumables.empty()) {
    // Some consumables are far more common on cycles than others (coffee pods
    // vs. lenses).
    std::vector<double> weights;
    for (size_t i = 0; i < catalog->consumables.size(); ++i) {
      weights.push_back(1.0 / (static_cast<double>(i) + 2.0));
    }
    catalog->consumable_alias = AliasTable(weights);
  }
}

Catalog BuildCatalog(const ShopOptions& options) {
  CatalogDraft draft(options);
  // Planted items first; each list uses the curated entries, then synthetic
  // ones. The steps draw from one generator: their order is the output's.
  PlantPairs(options.items / 12, &draft);
  PlantGroups(options.items / 25, &draft);
  PlantConsumables(options.items / 20, &draft);
  AddFillers(options.items, &draft);
  AssignPopularity(&draft);
  MarkOutOfStock(&draft);
  Catalog catalog = Renumber(options.items, &draft);
  BuildSamplingTables(&catalog);
  return catalog;
}

// -----------------------------------------------------------------------------
// Customers and the day-by-day simulation.
// -----------------------------------------------------------------------------

struct Customer {
  uint8_t tier =
      1;  // preferred substitute tier: 0 budget, 1 standard, 2 premium
  uint8_t num_affinities = 0;
  uint8_t num_cycles = 0;
  std::array<int16_t, 2> affinities{};
  int32_t first_cycle = -1;
};

struct Cycle {
  int32_t customer = 0;
  int32_t item = 0;
  int32_t period = 0;  // days
  int32_t quantity = 1;
  int32_t end_day = 0;  // exclusive: the customer stops (moved, switched shops)
  int32_t purchases = 0;
};

struct ReturnEvent {
  int32_t customer;
  int32_t item;
  int32_t quantity;
  int64_t price_cents;
};

// Seconds-of-day weights by hour: a lunchtime bump and an evening peak.
constexpr double kHourWeights[24] = {1.0, 0.5, 0.3, 0.2, 0.2, 0.4, 1.0, 2.0,
                                     3.0, 4.0, 4.5, 5.0, 6.0, 5.5, 5.0, 5.0,
                                     5.0, 5.5, 6.0, 7.0, 7.5, 6.5, 4.0, 2.0};
// Order volume by month (gift season) and weekday (Monday first; Sunday evening
// browsing).
constexpr double kMonthVolume[12] = {0.92, 0.85, 0.95, 0.97, 1.0, 0.97,
                                     0.95, 0.98, 1.0,  1.05, 1.3, 1.45};
constexpr double kWeekdayVolume[7] = {1.05, 1.0, 1.0, 1.0, 0.95, 0.9, 1.1};

constexpr double kAffinityShare =
    0.35;  // lines drawn from the customer's favourite categories
constexpr double kTierLoyalty =
    0.9;  // substitute drawn at the customer's preferred tier
constexpr double kSameGroupKeep =
    0.01;  // second member of a substitute group kept in an order
constexpr int64_t kFreeShippingCents = 5000;
constexpr int64_t kPostageCents = 495;
constexpr double kPostageShare = 0.92;  // the rest had a free-shipping voucher
constexpr int32_t kPostageItem = -1;

class Simulator {
 public:
  Simulator(const ShopOptions& options, const Catalog& catalog,
            const OrderLineSink& sink)
      : options_(options),
        catalog_(catalog),
        sink_(sink),
        rng_(options.seed, /*stream=*/3) {}

  // `activity` may be null: nothing is collected (no live period).
  absl::Status Run(ShopTruth* truth, ShopStats* stats,
                   std::vector<CustomerActivity>* activity);

 private:
  struct Line {
    int32_t item;
    int32_t quantity;
    int64_t price_cents;
  };
  struct Order {
    int32_t seconds;
    int32_t customer;  // -1 for guests
    int32_t first_line;
    int32_t num_lines;
    int64_t sequence;  // tie-break for equal seconds: generation order
    bool is_return;
    bool has_cycle;
    bool wholesale;
  };

  void BuildCustomers();
  int32_t DrawItem(const Customer* customer, int month);
  bool InOrder(int32_t first_line, int32_t item) const;
  bool GroupInOrder(int32_t first_line, int32_t group) const;
  bool IsCycleItem(const Customer* customer, int32_t item) const;
  int64_t PriceOn(int32_t item, int day) const;
  int32_t Quantity();
  // Draws up to `draws` product lines into the current order, then adds
  // complements.
  void FillBasket(int32_t customer, int tier, int draws, bool wholesale,
                  int day, int month, int32_t first_line);
  void FinishOrder(int32_t customer, int32_t first_line, bool wholesale,
                   bool has_cycle, bool allow_returns, int day);
  int32_t SecondsOfDay();
  // One day of orders: the cycle purchases due, the registered customers'
  // and guests' orders, the returns due; then emits them.
  absl::Status SimulateDay(int day, const AliasTable& basket_size,
                           double registered_per_day, double guest_ratio);
  // Cycle purchases due on `day`, one order per customer; returns how many.
  int64_t PlaceCycleOrders(int day, int month);
  // Ordinary orders of registered customers, Poisson with mean `mean`.
  void PlaceRegisteredOrders(int day, int month, double mean,
                             const AliasTable& basket_size);
  // Guest orders, Poisson with mean `mean`.
  void PlaceGuestOrders(int day, int month, double mean,
                        const AliasTable& basket_size);
  // Returns due on `day`, each its own order with a negative quantity.
  void PlaceReturns(int day);
  // The cycles with at least 4 purchases, by customer and item.
  void RecordCycleTruth(ShopTruth* truth) const;
  // Folds an emitted order into activity_ (when collected); draws nothing.
  void RecordActivity(const Order& order, int64_t unix_seconds);
  absl::Status EmitDay(int day);

  const ShopOptions& options_;
  const Catalog& catalog_;
  const OrderLineSink& sink_;
  Rng rng_;

  std::vector<Customer> customers_;
  std::vector<Cycle> cycles_;
  AliasTable customer_alias_;
  AliasTable hour_alias_;
  std::vector<std::vector<int32_t>> cycles_due_;       // by day
  std::vector<std::vector<ReturnEvent>> returns_due_;  // by day
  std::vector<bool> active_;
  std::vector<CustomerActivity>* activity_ = nullptr;
  int customer_id_width_ = 5;

  // The current day's orders; cleared after they are emitted.
  std::vector<Line> lines_;
  std::vector<Order> orders_;
  int64_t sequence_ = 0;
  int64_t next_order_number_ = 1;
  ShopStats stats_;
  std::string day_prefix_;  // "2025-03-14T"
  int64_t day_start_seconds_ = 0;
};

void Simulator::BuildCustomers() {
  Rng rng(options_.seed, /*stream=*/2);
  const auto& categories = Categories();
  const int num_categories = static_cast<int>(categories.size());
  std::vector<double> mass(num_categories, 0.0);
  for (const Item& item : catalog_.items) mass[item.category] += item.weight;
  const AliasTable category_alias(mass);

  customers_.resize(options_.customers);
  std::vector<double> activity(options_.customers);
  const int days = options_.days;
  for (int32_t c = 0; c < options_.customers; ++c) {
    Customer& customer = customers_[c];
    // Log-normal activity, mean 1: most customers buy rarely, a few very often.
    activity[c] = std::exp(1.1 * rng.Normal() - 0.5 * 1.1 * 1.1);
    const double tier = rng.Uniform();
    customer.tier = tier < 0.45 ? 0 : (tier < 0.85 ? 1 : 2);
    customer.num_affinities = static_cast<uint8_t>(rng.UniformInt(1, 2));
    for (int a = 0; a < customer.num_affinities; ++a) {
      customer.affinities[a] = static_cast<int16_t>(category_alias.Sample(rng));
    }
    if (catalog_.consumables.empty() ||
        !rng.Bernoulli(options_.cycle_customer_share))
      continue;
    const double count = rng.Uniform();
    const int wanted = count < 0.7 ? 1 : (count < 0.95 ? 2 : 3);
    customer.first_cycle = static_cast<int32_t>(cycles_.size());
    for (int k = 0; k < wanted; ++k) {
      const int32_t item =
          catalog_.consumables[catalog_.consumable_alias.Sample(rng)];
      bool duplicate = false;
      for (int j = customer.first_cycle; j < static_cast<int>(cycles_.size());
           ++j) {
        duplicate |= cycles_[j].item == item;
      }
      if (duplicate) continue;
      Cycle cycle;
      cycle.customer = c;
      cycle.item = item;
      cycle.period = static_cast<int32_t>(rng.UniformInt(14, 60));
      cycle.quantity = rng.Bernoulli(0.8) ? 1 : 2;
      // Most cycles are already running when the window opens; some start later
      // (new customers), and some stop early (churn), which is why truth keeps
      // only >= 4 purchases.
      const int first =
          rng.Bernoulli(0.7)
              ? static_cast<int>(rng.UniformInt(0, cycle.period - 1))
              : static_cast<int>(rng.UniformInt(0, std::max(0, days * 6 / 10)));
      cycle.end_day = rng.Bernoulli(0.2)
                          ? static_cast<int32_t>(rng.UniformInt(first, days))
                          : days;
      if (first < cycle.end_day && first < days) {
        cycles_due_[first].push_back(static_cast<int32_t>(cycles_.size()));
      }
      cycles_.push_back(cycle);
    }
    customer.num_cycles =
        static_cast<uint8_t>(cycles_.size() - customer.first_cycle);
  }
  customer_alias_ = AliasTable(activity);
}

int32_t Simulator::DrawItem(const Customer* customer, int month) {
  int32_t category = -1;
  if (customer != nullptr && rng_.Bernoulli(kAffinityShare)) {
    const int16_t favourite =
        customer->affinities[rng_.UniformInt(0, customer->num_affinities - 1)];
    // A Christmas lover does not buy baubles in June: off-season favourites
    // fade like the category does (in season they are bought at the usual
    // affinity rate).
    if (!catalog_.items_by_category[favourite].empty() &&
        rng_.Bernoulli(catalog_.season_by_category[favourite][month])) {
      category = favourite;
    }
  }
  if (category < 0)
    category = catalog_.category_alias_by_month[month].Sample(rng_);
  return catalog_.items_by_category
      [category][catalog_.item_alias_by_category[category].Sample(rng_)];
}

bool Simulator::InOrder(int32_t first_line, int32_t item) const {
  for (size_t i = first_line; i < lines_.size(); ++i) {
    if (lines_[i].item == item) return true;
  }
  return false;
}

bool Simulator::GroupInOrder(int32_t first_line, int32_t group) const {
  for (size_t i = first_line; i < lines_.size(); ++i) {
    if (lines_[i].item >= 0 && catalog_.items[lines_[i].item].group == group)
      return true;
  }
  return false;
}

bool Simulator::IsCycleItem(const Customer* customer, int32_t item) const {
  if (customer == nullptr) return false;
  for (int k = 0; k < customer->num_cycles; ++k) {
    if (cycles_[customer->first_cycle + k].item == item) return true;
  }
  return false;
}

// Promotions run per item and week: 4% of item-weeks are 10-25% off, the same
// for everyone.
int64_t Simulator::PriceOn(int32_t item, int day) const {
  const int64_t base = catalog_.items[item].price_cents;
  const uint64_t h = Hash64(options_.seed ^ 0x70726f6d6fULL,
                            static_cast<uint64_t>(item) * 1000003ULL +
                                static_cast<uint64_t>(day / 7));
  if (h % 1000 >= 40) return base;
  const int percent_off = 10 + 5 * static_cast<int>((h >> 20) % 4);
  return std::max<int64_t>(1, (base * (100 - percent_off) + 50) / 100);
}

int32_t Simulator::Quantity() {
  const double u = rng_.Uniform();
  if (u < 0.82) return 1;
  if (u < 0.95) return 2;
  if (u < 0.99) return 3;
  return static_cast<int32_t>(rng_.UniformInt(4, 6));
}

void Simulator::FillBasket(int32_t customer_index, int tier, int draws,
                           bool wholesale, int day, int month,
                           int32_t first_line) {
  const Customer* customer =
      customer_index >= 0 ? &customers_[customer_index] : nullptr;
  int added = 0;
  for (int attempt = 0; added < draws && attempt < 3 * draws + 5; ++attempt) {
    int32_t item = DrawItem(customer, month);
    if (IsCycleItem(customer, item))
      continue;  // bought on its cycle, not at random
    const int32_t group = catalog_.items[item].group;
    if (group >= 0) {
      const int t = rng_.Bernoulli(kTierLoyalty)
                        ? tier
                        : static_cast<int>(rng_.UniformInt(0, 2));
      item = catalog_.groups[group].members[t];
      if (GroupInOrder(first_line, group) && !rng_.Bernoulli(kSameGroupKeep))
        continue;
    }
    if (InOrder(first_line, item)) continue;
    const int32_t quantity =
        wholesale ? static_cast<int32_t>(rng_.UniformInt(6, 48)) : Quantity();
    lines_.push_back({item, quantity, PriceOn(item, day)});
    ++added;
  }
  // Complements join after the basket is drawn, so a drawn complement is not
  // counted twice.
  const size_t end = lines_.size();
  for (size_t i = first_line; i < end; ++i) {
    const Item& item = catalog_.items[lines_[i].item];
    if (item.complement < 0 || !rng_.Bernoulli(item.complement_probability))
      continue;
    if (InOrder(first_line, item.complement)) continue;
    lines_.push_back({item.complement,
                      wholesale ? lines_[i].quantity : Quantity(),
                      PriceOn(item.complement, day)});
  }
}

void Simulator::FinishOrder(int32_t customer, int32_t first_line,
                            bool wholesale, bool has_cycle, bool allow_returns,
                            int day) {
  const int32_t product_end = static_cast<int32_t>(lines_.size());
  if (product_end == first_line) return;  // every draw was rejected: no order
  int64_t subtotal = 0;
  for (int32_t i = first_line; i < product_end; ++i) {
    subtotal += lines_[i].price_cents * lines_[i].quantity;
  }
  if (subtotal < kFreeShippingCents && rng_.Bernoulli(kPostageShare)) {
    lines_.push_back({kPostageItem, 1, kPostageCents});
  }
  if (customer >= 0 && allow_returns && options_.return_rate > 0) {
    for (int32_t i = first_line; i < product_end; ++i) {
      if (!rng_.Bernoulli(options_.return_rate)) continue;
      const int return_day = day + static_cast<int>(rng_.UniformInt(3, 30));
      if (return_day >= options_.days) continue;
      returns_due_[return_day].push_back({customer, lines_[i].item,
                                          lines_[i].quantity,
                                          lines_[i].price_cents});
    }
  }
  Order order;
  order.seconds = SecondsOfDay();
  order.customer = customer;
  order.first_line = first_line;
  order.num_lines = static_cast<int32_t>(lines_.size()) - first_line;
  order.sequence = sequence_++;
  order.is_return = false;
  order.has_cycle = has_cycle;
  order.wholesale = wholesale;
  orders_.push_back(order);
}

int32_t Simulator::SecondsOfDay() {
  return hour_alias_.Sample(rng_) * 3600 +
         static_cast<int32_t>(rng_.UniformInt(0, 3599));
}

absl::Status Simulator::Run(ShopTruth* truth, ShopStats* stats,
                            std::vector<CustomerActivity>* activity) {
  activity_ = activity;
  if (activity_ != nullptr) activity_->assign(options_.customers, {});
  cycles_due_.resize(options_.days);
  returns_due_.resize(options_.days);
  active_.assign(options_.customers, false);
  customer_id_width_ = std::max(5, Digits(options_.customers));
  hour_alias_ = AliasTable(
      std::vector<double>(std::begin(kHourWeights), std::end(kHourWeights)));
  BuildCustomers();

  // Basket sizes 1..15, geometric-ish (mean about 3.2), as in most web shops.
  std::vector<double> size_weights;
  for (int k = 1; k <= 15; ++k) size_weights.push_back(std::pow(0.7, k - 1));
  const AliasTable basket_size(size_weights);

  const double registered_per_day = static_cast<double>(options_.customers) *
                                    options_.orders_per_customer_year / 365.0;
  const double guest_ratio =
      options_.guest_order_share / (1.0 - options_.guest_order_share);

  for (int day = 0; day < options_.days; ++day) {
    absl::Status status =
        SimulateDay(day, basket_size, registered_per_day, guest_ratio);
    if (!status.ok()) return status;
  }

  RecordCycleTruth(truth);
  if (activity_ != nullptr) {
    for (const Cycle& cycle : cycles_) {
      (*activity_)[cycle.customer].has_cycle = true;
    }
  }
  stats_.active_customers = std::count(active_.begin(), active_.end(), true);
  *stats = stats_;
  return absl::OkStatus();
}

absl::Status Simulator::SimulateDay(int day, const AliasTable& basket_size,
                                    double registered_per_day,
                                    double guest_ratio) {
  const absl::CivilDay date = options_.start + day;
  const int month = date.month() - 1;
  day_prefix_ = absl::StrCat(absl::FormatCivilTime(date), "T");
  day_start_seconds_ = absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(date), absl::UTCTimeZone()));
  const int weekday = static_cast<int>(absl::GetWeekday(date));  // Monday is 0
  const double volume = kMonthVolume[month] * kWeekdayVolume[weekday] *
                        (0.95 + 0.1 * static_cast<double>(day) / options_.days);

  const int64_t cycle_orders_today = PlaceCycleOrders(day, month);
  const double registered_mean = registered_per_day * volume;
  PlaceRegisteredOrders(day, month, registered_mean, basket_size);
  // Guests, in proportion to today's registered purchase orders.
  PlaceGuestOrders(
      day, month,
      guest_ratio * (registered_mean + static_cast<double>(cycle_orders_today)),
      basket_size);
  PlaceReturns(day);
  return EmitDay(day);
}

int64_t Simulator::PlaceCycleOrders(int day, int month) {
  std::vector<int32_t> due;
  due.swap(cycles_due_[day]);
  std::sort(due.begin(), due.end(), [&](int32_t a, int32_t b) {
    return std::make_pair(cycles_[a].customer, a) <
           std::make_pair(cycles_[b].customer, b);
  });
  int64_t cycle_orders_today = 0;
  for (size_t i = 0; i < due.size();) {
    const int32_t customer = cycles_[due[i]].customer;
    const int32_t first_line = static_cast<int32_t>(lines_.size());
    for (; i < due.size() && cycles_[due[i]].customer == customer; ++i) {
      Cycle& cycle = cycles_[due[i]];
      lines_.push_back({cycle.item, cycle.quantity, PriceOn(cycle.item, day)});
      ++cycle.purchases;
      // Next purchase: the period +-15%; now and then a skipped delivery
      // doubles the gap.
      double gap = cycle.period * rng_.Uniform(0.85, 1.15);
      if (rng_.Bernoulli(0.03)) gap += cycle.period;
      const int next = day + std::max(1, static_cast<int>(std::lround(gap)));
      if (next < cycle.end_day && next < options_.days)
        cycles_due_[next].push_back(due[i]);
    }
    if (rng_.Bernoulli(0.25)) {
      FillBasket(customer, customers_[customer].tier,
                 static_cast<int>(rng_.UniformInt(1, 2)),
                 /*wholesale=*/false, day, month, first_line);
    }
    FinishOrder(customer, first_line, /*wholesale=*/false, /*has_cycle=*/true,
                /*allow_returns=*/false, day);
    ++cycle_orders_today;
  }
  return cycle_orders_today;
}

void Simulator::PlaceRegisteredOrders(int day, int month, double mean,
                                      const AliasTable& basket_size) {
  const int64_t registered = rng_.Poisson(mean);
  for (int64_t k = 0; k < registered; ++k) {
    const int32_t customer = customer_alias_.Sample(rng_);
    const bool wholesale = rng_.Bernoulli(options_.wholesale_share);
    const int draws = wholesale ? static_cast<int>(rng_.UniformInt(40, 80))
                                : basket_size.Sample(rng_) + 1;
    const int32_t first_line = static_cast<int32_t>(lines_.size());
    FillBasket(customer, customers_[customer].tier, draws, wholesale, day,
               month, first_line);
    FinishOrder(customer, first_line, wholesale, /*has_cycle=*/false,
                /*allow_returns=*/true, day);
  }
}

void Simulator::PlaceGuestOrders(int day, int month, double mean,
                                 const AliasTable& basket_size) {
  const int64_t guests = rng_.Poisson(mean);
  for (int64_t k = 0; k < guests; ++k) {
    const int32_t first_line = static_cast<int32_t>(lines_.size());
    // Keep the two draws in one call: their (compiler-chosen) evaluation
    // order is part of the seeded output.
    FillBasket(-1, static_cast<int>(rng_.UniformInt(0, 2)),
               basket_size.Sample(rng_) + 1,
               /*wholesale=*/false, day, month, first_line);
    FinishOrder(-1, first_line, /*wholesale=*/false, /*has_cycle=*/false,
                /*allow_returns=*/false, day);
  }
}

void Simulator::PlaceReturns(int day) {
  std::vector<ReturnEvent> returns;
  returns.swap(returns_due_[day]);
  for (const ReturnEvent& event : returns) {
    Order order;
    order.seconds = SecondsOfDay();
    order.customer = event.customer;
    order.first_line = static_cast<int32_t>(lines_.size());
    order.num_lines = 1;
    order.sequence = sequence_++;
    order.is_return = true;
    order.has_cycle = false;
    order.wholesale = false;
    lines_.push_back({event.item, -event.quantity, event.price_cents});
    orders_.push_back(order);
  }
}

void Simulator::RecordCycleTruth(ShopTruth* truth) const {
  for (const Cycle& cycle : cycles_) {
    if (cycle.purchases < 4) continue;
    truth->cycles.push_back(
        {PaddedId("C", cycle.customer + 1, customer_id_width_),
         catalog_.items[cycle.item].id, static_cast<double>(cycle.period),
         cycle.purchases});
  }
  // Cycles are created customer by customer; sort by item within a customer
  // for a stable order.
  std::sort(truth->cycles.begin(), truth->cycles.end(),
            [](const CycleTruth& a, const CycleTruth& b) {
              return std::tie(a.customer_id, a.item_id) <
                     std::tie(b.customer_id, b.item_id);
            });
}

void Simulator::RecordActivity(const Order& order, int64_t unix_seconds) {
  if (activity_ == nullptr || order.customer < 0) return;
  CustomerActivity& a = (*activity_)[order.customer];
  a.last_any_order = unix_seconds;
  if (order.is_return) return;
  if (a.orders++ == 0) a.first_order = unix_seconds;
  a.last_order = unix_seconds;
  for (int32_t i = order.first_line; i < order.first_line + order.num_lines;
       ++i) {
    if (lines_[i].item == kPostageItem) continue;
    a.categories |= 1u << catalog_.items[lines_[i].item].category;
  }
}

absl::Status Simulator::EmitDay(int day) {
  std::sort(orders_.begin(), orders_.end(), [](const Order& a, const Order& b) {
    return std::tie(a.seconds, a.sequence) < std::tie(b.seconds, b.sequence);
  });
  std::string order_id;
  std::string customer_id;
  std::string timestamp = day_prefix_ + "00:00:00Z";
  const size_t clock = day_prefix_.size();
  for (const Order& order : orders_) {
    order_id = PaddedId("O", next_order_number_++, 6);
    customer_id.clear();
    if (order.customer >= 0) {
      customer_id = PaddedId("C", order.customer + 1, customer_id_width_);
      active_[order.customer] = true;
    }
    const int hh = order.seconds / 3600, mm = order.seconds / 60 % 60,
              ss = order.seconds % 60;
    timestamp[clock + 0] = static_cast<char>('0' + hh / 10);
    timestamp[clock + 1] = static_cast<char>('0' + hh % 10);
    timestamp[clock + 3] = static_cast<char>('0' + mm / 10);
    timestamp[clock + 4] = static_cast<char>('0' + mm % 10);
    timestamp[clock + 6] = static_cast<char>('0' + ss / 10);
    timestamp[clock + 7] = static_cast<char>('0' + ss % 10);

    ++stats_.orders;
    if (order.customer < 0) ++stats_.guest_orders;
    if (order.is_return) ++stats_.return_orders;
    if (order.has_cycle) ++stats_.cycle_orders;
    if (order.wholesale) ++stats_.wholesale_orders;

    OrderLine row;
    row.order_id = order_id;
    row.customer_id = customer_id;
    row.timestamp = timestamp;
    row.unix_seconds = day_start_seconds_ + order.seconds;
    RecordActivity(order, row.unix_seconds);
    for (int32_t i = order.first_line; i < order.first_line + order.num_lines;
         ++i) {
      const Line& line = lines_[i];
      if (line.item == kPostageItem) {
        row.item_id = kPostageItemId;
        ++stats_.postage_lines;
      } else {
        row.item_id = catalog_.items[line.item].id;
      }
      row.quantity = line.quantity;
      row.price_cents = line.price_cents;
      ++stats_.lines;
      if (absl::Status status = sink_(row); !status.ok()) return status;
    }
  }
  orders_.clear();
  lines_.clear();
  return absl::OkStatus();
}

// -----------------------------------------------------------------------------
// Writers.
// -----------------------------------------------------------------------------

std::string FormatFixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

std::string CsvField(absl::string_view s) {
  if (s.find_first_of(",\"\n\r") == absl::string_view::npos)
    return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += "\"";
  return out;
}

void AppendPrice(std::string* out, int64_t cents) {
  const int64_t fraction = cents % 100;
  absl::StrAppend(out, cents / 100, fraction < 10 ? ".0" : ".", fraction);
}

absl::Status FileError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat("cannot ", what, " ", path));
}

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return FileError("open for writing", path);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return FileError("write", path);
  return absl::OkStatus();
}

// Streams CSV rows into a gzip file in 1 MiB chunks.
class GzipWriter {
 public:
  static absl::StatusOr<std::unique_ptr<GzipWriter>> Open(
      const std::string& path, int level) {
    const std::string mode = absl::StrCat("wb", level);
    gzFile file = gzopen(path.c_str(), mode.c_str());
    if (file == nullptr) return FileError("open for writing", path);
    return std::unique_ptr<GzipWriter>(new GzipWriter(file, path));
  }

  ~GzipWriter() {
    if (file_ != nullptr) gzclose(file_);
  }

  std::string* buffer() { return &buffer_; }

  absl::Status MaybeFlush() {
    return buffer_.size() >= (1 << 20) ? Flush() : absl::OkStatus();
  }

  absl::Status Close() {
    if (absl::Status status = Flush(); !status.ok()) return status;
    const int result = gzclose(file_);
    file_ = nullptr;
    if (result != Z_OK) return FileError("finish", path_);
    return absl::OkStatus();
  }

 private:
  GzipWriter(gzFile file, std::string path)
      : file_(file), path_(std::move(path)) {
    buffer_.reserve((1 << 20) + 4096);
  }

  absl::Status Flush() {
    if (buffer_.empty()) return absl::OkStatus();
    const int written =
        gzwrite(file_, buffer_.data(), static_cast<unsigned>(buffer_.size()));
    if (written != static_cast<int>(buffer_.size()))
      return FileError("write", path_);
    buffer_.clear();
    return absl::OkStatus();
  }

  gzFile file_;
  std::string path_;
  std::string buffer_;
};

absl::Status Rename(const std::string& from, const std::string& to) {
  std::error_code error;
  std::filesystem::rename(from, to, error);
  if (error) return FileError(absl::StrCat("rename ", from, " to"), to);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateShopOptions(const ShopOptions& options) {
  auto bad = [](absl::string_view field, absl::string_view rule) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must be ", rule));
  };
  if (options.items < 20) return bad("items", ">= 20");
  if (options.items > 100'000'000) return bad("items", "<= 100000000");
  if (options.customers < 1) return bad("customers", ">= 1");
  if (options.customers > 500'000'000) return bad("customers", "<= 500000000");
  if (options.days < 1) return bad("days", ">= 1");
  if (options.days > 36'500) return bad("days", "<= 36500");
  if (!(options.orders_per_customer_year >= 0 &&
        options.orders_per_customer_year <= 1000)) {
    return bad("orders_per_customer_year", "in [0, 1000]");
  }
  if (!(options.guest_order_share >= 0 && options.guest_order_share <= 0.9)) {
    return bad("guest_order_share", "in [0, 0.9]");
  }
  if (!(options.cycle_customer_share >= 0 &&
        options.cycle_customer_share <= 1)) {
    return bad("cycle_customer_share", "in [0, 1]");
  }
  if (!(options.return_rate >= 0 && options.return_rate <= 0.5)) {
    return bad("return_rate", "in [0, 0.5]");
  }
  if (!(options.wholesale_share >= 0 && options.wholesale_share <= 0.1)) {
    return bad("wholesale_share", "in [0, 0.1]");
  }
  if (options.gzip_level < 1 || options.gzip_level > 9)
    return bad("gzip_level", "in [1, 9]");
  // The planted triggers reach a week back from the live period's end.
  if (options.live_days != 0 &&
      (options.live_days < 7 || options.live_days > 365)) {
    return bad("live_days", "0 or in [7, 365]");
  }
  // Timestamps are written as four-digit years.
  const absl::CivilDay last =
      options.start + (options.days - 1 + options.live_days);
  if (options.start.year() < 1970 || last.year() > 9999) {
    return bad("the date range", "within 1970-01-01 .. 9999-12-31");
  }
  return absl::OkStatus();
}

absl::StatusOr<GeneratedShop> GenerateShop(const ShopOptions& options,
                                           const OrderLineSink& sink) {
  if (absl::Status status = ValidateShopOptions(options); !status.ok())
    return status;
  const Catalog catalog = BuildCatalog(options);

  GeneratedShop shop;
  shop.catalog.reserve(catalog.items.size());
  for (const Item& item : catalog.items) {
    shop.catalog.push_back({item.id, item.title,
                            Categories()[item.category].path, item.price_cents,
                            item.in_stock});
  }
  ShopTruth& truth = shop.truth;
  truth.seed = options.seed;
  for (int32_t anchor : catalog.anchors) {
    const Item& item = catalog.items[anchor];
    truth.complements.push_back({item.id, catalog.items[item.complement].id,
                                 item.complement_probability});
  }
  for (const Group& group : catalog.groups) {
    SubstituteTruth substitute;
    for (int32_t member : group.members)
      substitute.items.push_back(catalog.items[member].id);
    substitute.category = Categories()[group.category].path;
    truth.substitutes.push_back(std::move(substitute));
  }
  for (const CategorySpec& spec : Categories()) {
    if (spec.season == kFlat) continue;
    truth.seasonal.push_back({spec.path, spec.season});
  }

  // CustomerActivity::categories is a 32-bit mask.
  Check(Categories().size() <= 32, "more categories than activity bits");
  for (const CategorySpec& spec : Categories()) {
    shop.category_paths.push_back(spec.path);
  }
  Simulator simulator(options, catalog, sink);
  if (absl::Status status =
          simulator.Run(&truth, &shop.stats,
                        options.live_days > 0 ? &shop.activity : nullptr);
      !status.ok())
    return status;
  return shop;
}

absl::StatusOr<WrittenShop> WriteShop(const ShopOptions& options,
                                      const std::string& out_dir) {
  if (absl::Status status = ValidateShopOptions(options); !status.ok())
    return status;
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) return FileError("create directory", out_dir);

  const std::filesystem::path dir(out_dir);
  const std::string orders_path = (dir / std::string(kOrdersFileName)).string();
  const std::string catalog_path =
      (dir / std::string(kCatalogFileName)).string();
  const std::string truth_path = (dir / std::string(kTruthFileName)).string();

  absl::StatusOr<std::unique_ptr<GzipWriter>> writer =
      GzipWriter::Open(orders_path + ".tmp", options.gzip_level);
  if (!writer.ok()) return writer.status();
  GzipWriter& gz = **writer;
  absl::StrAppend(gz.buffer(),
                  "order_id,customer_id,item_id,timestamp,quantity,price\n");
  const OrderLineSink sink = [&gz](const OrderLine& line) {
    std::string* out = gz.buffer();
    absl::StrAppend(out, line.order_id, ",", line.customer_id, ",",
                    line.item_id, ",", line.timestamp, ",", line.quantity, ",");
    AppendPrice(out, line.price_cents);
    out->push_back('\n');
    return gz.MaybeFlush();
  };

  WrittenShop written;
  absl::StatusOr<GeneratedShop> shop = GenerateShop(options, sink);
  if (!shop.ok()) return shop.status();
  written.shop = *std::move(shop);
  if (absl::Status status = gz.Close(); !status.ok()) return status;

  if (absl::Status status = WriteTextFile(catalog_path + ".tmp",
                                          CatalogToCsv(written.shop.catalog));
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          WriteTextFile(truth_path + ".tmp", TruthToJson(written.shop.truth));
      !status.ok()) {
    return status;
  }
  std::vector<std::string> paths = {orders_path, catalog_path, truth_path};
  if (options.live_days > 0) {
    absl::StatusOr<LivePeriod> live = GenerateLivePeriod(options, written.shop);
    if (!live.ok()) return live.status();
    written.live_events = static_cast<int64_t>(live->events.size());
    written.live_updates = static_cast<int64_t>(live->updates.size());
    written.live_planted =
        std::count_if(live->truths.begin(), live->truths.end(),
                      [](const TriggerTruth& t) { return t.expected; });
    written.live_as_of = live->as_of;
    const std::pair<absl::string_view, std::string> live_files[] = {
        {kEventsFileName, EventsToJsonl(live->events)},
        {kCatalogUpdatesFileName, UpdatesToJsonl(live->updates)},
        {kTriggersTruthFileName, TriggersTruthToJson(options, *live)}};
    for (const auto& [name, text] : live_files) {
      const std::string path = (dir / std::string(name)).string();
      if (absl::Status status = WriteTextFile(path + ".tmp", text);
          !status.ok()) {
        return status;
      }
      paths.push_back(path);
    }
  }
  for (const std::string& path : paths) {
    if (absl::Status status = Rename(path + ".tmp", path); !status.ok())
      return status;
    written.files.push_back(path);
  }
  return written;
}

std::string FormatPrice(int64_t cents) {
  std::string out;
  AppendPrice(&out, cents);
  return out;
}

std::string CatalogToCsv(const std::vector<CatalogItem>& catalog) {
  std::string out = "item_id,title,category,price,in_stock\n";
  for (const CatalogItem& item : catalog) {
    absl::StrAppend(&out, CsvField(item.item_id), ",", CsvField(item.title),
                    ",", CsvField(item.category), ",");
    AppendPrice(&out, item.price_cents);
    absl::StrAppend(&out, ",", item.in_stock ? "1" : "0", "\n");
  }
  return out;
}

std::string TruthToJson(const ShopTruth& truth) {
  std::string out = absl::StrCat("{\n  \"seed\": ", truth.seed, ",\n");
  absl::StrAppend(&out, "  \"non_product_items\": [",
                  JsonString(kPostageItemId), "],\n");

  absl::StrAppend(&out, "  \"complements\": [");
  for (size_t i = 0; i < truth.complements.size(); ++i) {
    const ComplementTruth& c = truth.complements[i];
    absl::StrAppend(&out, i ? "," : "",
                    "\n    {\"anchor\": ", JsonString(c.anchor),
                    ", \"complement\": ", JsonString(c.complement),
                    ", \"probability\": ", FormatFixed(c.probability, 2), "}");
  }
  absl::StrAppend(&out, truth.complements.empty() ? "" : "\n  ", "],\n");

  absl::StrAppend(&out, "  \"substitutes\": [");
  for (size_t i = 0; i < truth.substitutes.size(); ++i) {
    const SubstituteTruth& s = truth.substitutes[i];
    absl::StrAppend(&out, i ? "," : "", "\n    {\"items\": [");
    for (size_t j = 0; j < s.items.size(); ++j) {
      absl::StrAppend(&out, j ? ", " : "", JsonString(s.items[j]));
    }
    absl::StrAppend(&out, "], \"category\": ", JsonString(s.category), "}");
  }
  absl::StrAppend(&out, truth.substitutes.empty() ? "" : "\n  ", "],\n");

  absl::StrAppend(&out, "  \"cycles\": [");
  for (size_t i = 0; i < truth.cycles.size(); ++i) {
    const CycleTruth& c = truth.cycles[i];
    absl::StrAppend(&out, i ? "," : "",
                    "\n    {\"customer_id\": ", JsonString(c.customer_id),
                    ", \"item_id\": ", JsonString(c.item_id),
                    ", \"days\": ", FormatFixed(c.days, 1),
                    ", \"purchases\": ", c.purchases, "}");
  }
  absl::StrAppend(&out, truth.cycles.empty() ? "" : "\n  ", "],\n");

  absl::StrAppend(&out, "  \"seasonal\": [");
  for (size_t i = 0; i < truth.seasonal.size(); ++i) {
    const SeasonalTruth& s = truth.seasonal[i];
    absl::StrAppend(&out, i ? "," : "",
                    "\n    {\"category\": ", JsonString(s.category),
                    ", \"month_multipliers\": [");
    for (size_t m = 0; m < 12; ++m) {
      absl::StrAppend(&out, m ? ", " : "",
                      FormatFixed(s.month_multipliers[m], 2));
    }
    absl::StrAppend(&out, "]}");
  }
  absl::StrAppend(&out, truth.seasonal.empty() ? "" : "\n  ", "]\n}\n");
  return out;
}

}  // namespace boomerang::demo
