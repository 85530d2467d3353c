#include "indexer/indexer.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boomerang/v1/snapshot.pb.h"
#include "indexer/customer_histories.h"
#include "indexer/file_line_source.h"
#include "models/csv.h"
#include "models/customer_value.h"
#include "models/events/event_store.h"
#include "models/item_exclusion.h"
#include "models/item_similarity.h"
#include "models/ltv_model.h"
#include "models/repurchase.h"
#include "models/segments.h"
#include "models/snapshot/snapshot_dir.h"
#include "models/snapshot/writer.h"
#include "models/timestamp.h"

namespace boomerang {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

int64_t PeakRssBytes() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;
}

std::string Thousands(int64_t v) {
  std::string s = absl::StrCat(v < 0 ? -v : v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, ",");
  return v < 0 ? "-" + s : s;
}

void RecordBad(InputStats* stats, BadReason reason, int64_t line,
               absl::string_view field, absl::string_view detail) {
  BadLineStats& b = stats->bad[static_cast<int>(reason)];
  if (b.count == 0) {
    b.first_detail =
        absl::StrCat(stats->path, ":", line, field.empty() ? "" : ": field '",
                     field, field.empty() ? "" : "'", ": ", detail);
  }
  ++b.count;
  if (b.first_lines.size() < kMaxExampleLines) b.first_lines.push_back(line);
}

// Reports progress: each phase when it starts and ends (with its lines and
// rate), and the lines read at most every `interval` seconds in between.
class Progress {
 public:
  explicit Progress(const IndexerOptions& o)
      : fn_(o.progress), interval_(o.progress_interval_s) {}
  ~Progress() { EndPhase(); }
  void Phase(const std::string& phase) {
    EndPhase();
    phase_ = phase;
    lines_ = 0;
    phase_start_ = Clock::now();
    if (fn_) fn_(absl::StrCat("[", phase, "]"));
  }
  void Lines(int64_t lines) {
    lines_ = lines;
    if (!fn_ || (lines & 0x3fff) != 0) return;
    if (Seconds(last_) < interval_) return;
    last_ = Clock::now();
    fn_(absl::StrFormat("[%s] %s lines, %.0f lines/s", phase_, Thousands(lines),
                        lines / std::max(1e-9, Seconds(phase_start_))));
  }

 private:
  void EndPhase() {
    if (!fn_ || phase_.empty()) return;
    const double secs = Seconds(phase_start_);
    // The process's peak so far: which phase raises it (BENCHMARKS.md,
    // "Indexer memory").
    const std::string peak =
        absl::StrFormat("peak memory %d MiB", PeakRssBytes() >> 20);
    if (lines_ > 0) {
      fn_(absl::StrFormat(
          "[%s] done: %s lines in %.2f s (%s lines/s), %s", phase_,
          Thousands(lines_), secs,
          Thousands(static_cast<int64_t>(lines_ / std::max(1e-9, secs))),
          peak));
    } else {
      fn_(absl::StrFormat("[%s] done in %.2f s, %s", phase_, secs, peak));
    }
    phase_.clear();
  }

  std::function<void(const std::string&)> fn_;
  double interval_;
  std::string phase_;
  int64_t lines_ = 0;
  Clock::time_point phase_start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
};

// Months since 1970-01 (UTC) of a unix time.
int32_t MonthOf(int64_t t) {
  const absl::CivilSecond c =
      absl::ToCivilSecond(absl::FromUnixSeconds(t), absl::UTCTimeZone());
  return static_cast<int32_t>((c.year() - 1970) * 12 + (c.month() - 1));
}

// Everything the indexer learns about one item.
struct ItemAccumulator {
  std::string id;
  std::string title;
  std::string category;
  std::string brand;
  double catalog_price = -1;
  bool in_stock = true;
  bool in_catalog = false;
  // From live catalog updates (ITEM_UPDATE events after the catalog).
  bool not_recommendable = false;
  int64_t stock_quantity = -1;  // -1: not given
  // Price changes from the catalog and the live updates, oldest first.
  std::vector<v1::PriceChange> price_changes;
  int64_t orders = 0;
  int64_t recent_orders = 0;
  double quantity = 0;
  int64_t customers = 0;
  int64_t lines = 0;  // purchase lines (picks a merged spelling)
  // Units and revenue per calendar month: its ABC / XYZ classes.
  std::vector<ItemMonth> months;
  // Unit prices of purchase lines, as given: a float would turn 2.95 into
  // 2.9500000476837158 in every answer.
  std::vector<double> prices;
  // The month of each of `prices` (months since 1970-01), for the price
  // history of items whose price only the purchases tell.
  std::vector<int32_t> price_months;
};

class Shop {
 public:
  // Unit prices of purchase lines are kept only where the median of them
  // may be the item's price: items without a catalog price, or any item
  // when spellings may be merged (a merged item without a catalog price
  // takes the other spellings' prices). 38M prices are 300 MB.
  explicit Shop(bool merge_item_case) : keep_all_prices_(merge_item_case) {}
  bool KeepsPriceOf(const ItemAccumulator& item) const {
    return keep_all_prices_ || item.catalog_price < 0;
  }
  int32_t ItemIndex(absl::string_view id) {
    auto [it, inserted] =
        item_index_.try_emplace(id, static_cast<int32_t>(items_.size()));
    if (inserted) items_.emplace_back().id = std::string(id);
    return it->second;
  }
  int32_t FindItem(absl::string_view id) const {
    auto it = item_index_.find(id);
    return it == item_index_.end() ? -1 : it->second;
  }
  // The order's number; a new order starts at `timestamp`.
  int32_t OrderIndex(absl::string_view id, int64_t timestamp) {
    auto [it, inserted] = order_index_.try_emplace(
        id, static_cast<int32_t>(orders_.num_orders()));
    if (inserted) orders_.AddOrder(timestamp);
    return it->second;
  }
  int32_t CustomerIndex(absl::string_view id) {
    auto [it, inserted] = customer_index_.try_emplace(
        id, static_cast<int32_t>(customer_index_.size()));
    if (inserted) customer_ids_.emplace_back(id);
    return it->second;
  }
  std::vector<ItemAccumulator>& items() { return items_; }
  const std::vector<ItemAccumulator>& items() const { return items_; }
  OrderTable& orders() { return orders_; }
  const OrderTable& orders() const { return orders_; }
  // Frees the order and customer id lookups (13M order ids are ~1 GB):
  // OrderIndex() and CustomerIndex() must not be called after this.
  void EndReading() {
    absl::flat_hash_map<std::string, int32_t>().swap(order_index_);
    absl::flat_hash_map<std::string, int32_t>().swap(customer_index_);
  }

  // Folds each group's other members into its first one: lines, units and
  // unit prices add up, catalog facts come from a member that is in the
  // catalog when the first is not, and every order and id lookup now names
  // the first member. Indices change. Returns (other spelling, kept id)
  // pairs, sorted.
  std::vector<std::pair<std::string, std::string>> MergeItems(
      const std::vector<std::vector<int32_t>>& groups) {
    std::vector<int32_t> target(items_.size());
    for (size_t i = 0; i < target.size(); ++i) {
      target[i] = static_cast<int32_t>(i);
    }
    std::vector<std::pair<std::string, std::string>> aliases;
    for (const auto& group : groups) {
      ItemAccumulator& kept = items_[group[0]];
      for (size_t g = 1; g < group.size(); ++g) {
        ItemAccumulator& other = items_[group[g]];
        target[group[g]] = group[0];
        aliases.emplace_back(other.id, kept.id);
        kept.lines += other.lines;
        kept.quantity += other.quantity;
        for (const ItemMonth& m : other.months) {
          AddItemMonth(m.month, m.units, m.revenue, &kept.months);
        }
        kept.prices.insert(kept.prices.end(), other.prices.begin(),
                           other.prices.end());
        kept.price_months.insert(kept.price_months.end(),
                                 other.price_months.begin(),
                                 other.price_months.end());
        if (!kept.in_catalog && other.in_catalog) {
          kept.title = other.title;
          kept.category = other.category;
          kept.brand = other.brand;
          kept.catalog_price = other.catalog_price;
          kept.in_stock = other.in_stock;
          kept.in_catalog = true;
        } else if (kept.title.empty()) {
          kept.title = other.title;
        }
      }
    }
    std::vector<int32_t> remap(items_.size(), -1);
    std::vector<ItemAccumulator> merged;
    merged.reserve(items_.size() - aliases.size());
    for (size_t i = 0; i < items_.size(); ++i) {
      if (target[i] != static_cast<int32_t>(i)) continue;
      remap[i] = static_cast<int32_t>(merged.size());
      merged.push_back(std::move(items_[i]));
    }
    for (size_t i = 0; i < items_.size(); ++i) remap[i] = remap[target[i]];
    items_ = std::move(merged);
    for (auto& [id, index] : item_index_) index = remap[index];
    // An order may now hold one item twice; the per-customer counts add
    // its lines up, and pair counting deduplicates orders anyway.
    for (int32_t& item : orders_.line_items) item = remap[item];
    std::sort(aliases.begin(), aliases.end());
    return aliases;
  }
  int64_t customers() const { return customer_ids_.size(); }
  const std::string& customer_id(int32_t c) const { return customer_ids_[c]; }

 private:
  absl::flat_hash_map<std::string, int32_t> item_index_;
  absl::flat_hash_map<std::string, int32_t> order_index_;
  absl::flat_hash_map<std::string, int32_t> customer_index_;
  std::vector<std::string> customer_ids_;
  std::vector<ItemAccumulator> items_;
  OrderTable orders_;
  const bool keep_all_prices_;
};

absl::Status CheckReaderError(const LineSource& src) {
  std::string err = src.error();
  if (!err.empty()) return absl::DataLossError(err);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ReadHeader(CsvParser* parser,
                                                    const LineSource* source,
                                                    const std::string& path) {
  CsvRecord header;
  CsvStatus st;
  if (!parser->Next(&header, &st)) {
    absl::Status read = CheckReaderError(*source);
    if (!read.ok()) return read;
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": file is empty (expected a CSV header line)"));
  }
  for (const std::string& f : header.fields) {
    if (f.find('\r') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          path,
          ": lines end in a bare carriage return (old Mac format); "
          "convert the file to LF or CRLF line endings"));
    }
  }
  if (st != CsvStatus::kOk) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", header.line_number, ": the header line has broken quoting"));
  }
  return header.fields;
}

// An open CSV input with its header read.
struct CsvInput {
  std::unique_ptr<FileLineSource> source;
  std::unique_ptr<CsvParser> parser;
  std::vector<std::string> header;
};

absl::StatusOr<CsvInput> OpenCsv(const std::string& path, char delimiter) {
  CsvInput in;
  auto src = FileLineSource::Open(path);
  if (!src.ok()) return src.status();
  in.source = std::move(*src);
  in.parser =
      std::make_unique<CsvParser>(in.source.get(), delimiter ? delimiter : ',');
  if (delimiter == 0) in.parser->DetectDelimiter();
  auto header = ReadHeader(in.parser.get(), in.source.get(), path);
  if (!header.ok()) return header.status();
  in.header = std::move(*header);
  return in;
}

// The catalog's columns: their positions, the columns a category is joined
// from, and the tables translating a column's ids to names.
struct CatalogColumns {
  ColumnIndex columns;
  std::vector<int> category_parts;
  absl::flat_hash_map<int, absl::flat_hash_map<std::string, std::string>>
      lookups;
};

// The position of `name` in `header` (the last one when repeated), or -1.
int HeaderPosition(const std::vector<std::string>& header,
                   absl::string_view name) {
  int pos = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::StripAsciiWhitespace(header[i]) == name) pos = i;
  }
  return pos;
}

// --catalog-lookup COLUMN=FILE: COLUMN's values are ids to translate with
// FILE (CSV, header, first column the id, second the name), e.g.
// Instacart's aisle_id=aisles.csv.gz.
absl::Status ReadLookups(const IndexerOptions& options,
                         const std::vector<std::string>& header,
                         CatalogColumns* out) {
  for (const auto& [column, path] : options.catalog_lookups) {
    const int pos = HeaderPosition(header, column);
    if (pos < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.catalog_path, ": lookup column '", column,
          "' is not in the header; the header has: ", DescribeHeader(header)));
    }
    auto table = OpenCsv(path, options.delimiter);
    if (!table.ok()) return table.status();
    if (table->header.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": a lookup file needs two columns (id, name)"));
    }
    CsvRecord row;
    CsvStatus row_status;
    auto& map = out->lookups[pos];
    while (table->parser->Next(&row, &row_status)) {
      if (row_status != CsvStatus::kOk || row.fields.size() < 2) continue;
      map[std::string(absl::StripAsciiWhitespace(row.fields[0]))] =
          ToUtf8(absl::StripAsciiWhitespace(row.fields[1]));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CatalogColumns> ResolveCatalogColumns(
    const IndexerOptions& options, const std::vector<std::string>& header) {
  // A category may be assembled from several columns, most general first:
  // --catalog-column category=department+product_category+product_type
  // gives "GROCERY/FRZN ICE/ICE - CRUSHED/CUBED".
  std::map<std::string, std::string> mapping = options.catalog_columns;
  std::vector<int> category_parts;
  if (auto it = mapping.find("category");
      it != mapping.end() && it->second.find('+') != std::string::npos) {
    for (absl::string_view name : absl::StrSplit(it->second, '+')) {
      const int pos = HeaderPosition(header, name);
      if (pos < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            options.catalog_path, ": column '", name,
            "' (part of category) is not in the header; the header has: ",
            DescribeHeader(header)));
      }
      category_parts.push_back(pos);
    }
    mapping.erase(it);
  }
  auto columns = ColumnIndex::Resolve(header, {"item_id"},
                                      CatalogOptionalColumns(), mapping);
  if (!columns.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.catalog_path, ": ",
        absl::StrReplaceAll(columns.status().message(),
                            {{"--column ", "--catalog-column "}})));
  }
  CatalogColumns out{std::move(*columns), std::move(category_parts), {}};
  absl::Status s = ReadLookups(options, header, &out);
  if (!s.ok()) return s;
  return out;
}

// A yes/no value (1/0, true/false, yes/no, y/n, t/f); false when it is none.
bool ParseFlag(absl::string_view v, bool* out) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
  if (s == "1" || s == "true" || s == "yes" || s == "y" || s == "t") {
    *out = true;
  } else if (s == "0" || s == "false" || s == "no" || s == "n" || s == "f") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

// One well-formed catalog record: an item of the shop, a non-product, or a
// bad line.
void AddCatalogRecord(const CsvRecord& rec, const CatalogColumns& cols,
                      int64_t catalog_time, Shop* shop,
                      absl::flat_hash_set<std::string>* not_products,
                      InputStats* stats) {
  const ColumnIndex& columns = cols.columns;
  // A value, translated when its column has a lookup table (ids -> names).
  auto value_at = [&](int pos) -> absl::string_view {
    absl::string_view v = absl::StripAsciiWhitespace(rec.fields[pos]);
    auto lookup = cols.lookups.find(pos);
    if (lookup != cols.lookups.end()) {
      auto name = lookup->second.find(v);
      if (name != lookup->second.end()) return name->second;
    }
    return v;
  };
  auto field = [&](absl::string_view name) -> absl::string_view {
    int pos = columns.Position(name);
    return pos < 0 ? absl::string_view() : value_at(pos);
  };
  absl::string_view id =
      absl::StripAsciiWhitespace(rec.fields[columns.Position("item_id")]);
  if (id.empty()) {
    RecordBad(stats, BadReason::kMissingField, rec.line_number, "item_id",
              "item_id is empty");
    return;
  }
  if (id.size() > kMaxIdBytes) {
    RecordBad(stats, BadReason::kFieldTooLong, rec.line_number, "item_id",
              "item_id is too long");
    return;
  }
  double price = -1;
  absl::string_view p = field("price");
  if (!p.empty() && (!ParseNumber(p, &price) || price < 0)) {
    RecordBad(stats, BadReason::kBadNumber, rec.line_number, "price",
              absl::StrCat("price '", p.substr(0, 40), "' is not a price"));
    return;
  }
  bool in_stock = true, recommendable = true;
  absl::string_view s = field("in_stock");
  if (!s.empty() && !ParseFlag(s, &in_stock)) {
    RecordBad(stats, BadReason::kBadNumber, rec.line_number, "in_stock",
              absl::StrCat("in_stock '", s.substr(0, 40),
                           "' is not a yes/no value (1/0, true/false)"));
    return;
  }
  absl::string_view r = field("recommendable");
  if (!r.empty() && !ParseFlag(r, &recommendable)) {
    RecordBad(stats, BadReason::kBadNumber, rec.line_number, "recommendable",
              absl::StrCat("recommendable '", r.substr(0, 40),
                           "' is not a yes/no value"));
    return;
  }
  ++stats->rows_used;
  if (!recommendable) {
    not_products->insert(ToUtf8(id));
    return;
  }
  ItemAccumulator& item = shop->items()[shop->ItemIndex(ToUtf8(id))];
  item.in_catalog = true;
  item.title = ToUtf8(field("title"));
  item.brand = ToUtf8(field("brand"));
  if (cols.category_parts.empty()) {
    item.category = ToUtf8(field("category"));
  } else {
    std::vector<absl::string_view> parts;
    for (int pos : cols.category_parts) {
      if (pos < static_cast<int>(rec.fields.size())) {
        absl::string_view part = value_at(pos);
        if (!part.empty()) parts.push_back(part);
      }
    }
    item.category = ToUtf8(absl::StrJoin(parts, "/"));
  }
  item.catalog_price = price;
  item.in_stock = in_stock;
  item.price_changes.clear();
  if (price >= 0) {
    v1::PriceChange ch;
    ch.set_time(catalog_time);
    ch.set_to_price(price);
    ch.set_source("catalog");
    item.price_changes.push_back(std::move(ch));
  }
}

absl::Status ReadCatalog(const IndexerOptions& options,
                         int64_t report_catalog_time, Shop* shop,
                         absl::flat_hash_set<std::string>* not_products,
                         InputStats* stats, Progress* progress) {
  stats->path = options.catalog_path;
  auto input = OpenCsv(options.catalog_path, options.delimiter);
  if (!input.ok()) return input.status();
  CsvParser& parser = *input->parser;
  auto cols = ResolveCatalogColumns(options, input->header);
  if (!cols.ok()) return cols.status();
  CsvRecord rec;
  CsvStatus st;
  while (parser.Next(&rec, &st)) {
    ++stats->data_rows;
    progress->Lines(parser.lines_read());
    if (st != CsvStatus::kOk) {
      RecordBad(stats,
                st == CsvStatus::kTooLong ? BadReason::kFieldTooLong
                                          : BadReason::kBrokenQuote,
                rec.line_number, "", "quoting is broken");
      continue;
    }
    if (static_cast<int>(rec.fields.size()) < cols->columns.min_fields()) {
      RecordBad(stats, BadReason::kFieldCount, rec.line_number, "",
                absl::StrCat("has ", rec.fields.size(), " fields, needs ",
                             cols->columns.min_fields()));
      continue;
    }
    AddCatalogRecord(rec, *cols, report_catalog_time, shop, not_products,
                     stats);
  }
  stats->lines_read = parser.lines_read();
  return CheckReaderError(*input->source);
}

// Counts one purchase line into the shop: item, order, customer, data span.
void AddPurchaseLine(const PurchaseLine& line, Shop* shop,
                     IndexReport* report) {
  ++report->purchase_lines;
  const int32_t item_idx = shop->ItemIndex(line.item_id);
  ItemAccumulator& item = shop->items()[item_idx];
  ++item.lines;
  if (item.title.empty() && !line.title.empty()) item.title = line.title;
  item.quantity += line.quantity;
  if (line.has_price && line.price > 0 && shop->KeepsPriceOf(item)) {
    item.prices.push_back(line.price);
    item.price_months.push_back(MonthOf(line.timestamp));
  }
  OrderTable& orders = shop->orders();
  const int32_t o = shop->OrderIndex(line.order_id, line.timestamp);
  orders.timestamps[o] = std::min(orders.timestamps[o], line.timestamp);
  if (!line.customer_id.empty() && orders.customers[o] < 0) {
    orders.customers[o] = shop->CustomerIndex(line.customer_id);
  }
  orders.AddLine(o, item_idx, static_cast<float>(line.quantity));
  const double revenue =
      line.has_price && line.price > 0 ? line.quantity * line.price : 0;
  orders.revenue[o] += revenue;
  AddItemMonth(MonthIndex(line.timestamp), line.quantity, revenue,
               &item.months);
  report->data_start = std::min(report->data_start, line.timestamp);
  report->data_end = std::max(report->data_end, line.timestamp);
}

// A live catalog change (UpdateItems) on top of the catalog file, as the
// server applies it (server/engine/catalog_view.cc): unset fields keep
// their value; an unknown id is a new catalog item.
void ApplyItemUpdate(const v1::ItemUpdate& u, int64_t t, Shop* shop) {
  if (u.item_id().empty()) return;
  ItemAccumulator& item = shop->items()[shop->ItemIndex(u.item_id())];
  item.in_catalog = true;
  if (u.has_price() && u.price() != item.catalog_price) {
    v1::PriceChange ch;
    ch.set_time(t);
    ch.set_from_price(std::max(0.0, item.catalog_price));
    ch.set_to_price(u.price());
    ch.set_source("update");
    item.price_changes.push_back(std::move(ch));
    item.catalog_price = u.price();
  }
  if (u.has_stock_quantity()) {
    item.stock_quantity = u.stock_quantity();
    item.in_stock = u.stock_quantity() > 0;
  }
  if (u.has_in_stock()) item.in_stock = u.in_stock();
  if (u.has_title()) item.title = u.title();
  if (u.has_category()) item.category = u.category();
  if (u.has_brand()) item.brand = u.brand();
  if (u.has_recommendable()) item.not_recommendable = !u.recommendable();
}

// Adds the event store's purchases after the export's last purchase as
// purchase lines (orders "live:<order id>", or per customer and time).
absl::Status ReadLiveEvents(
    const IndexerOptions& options, const ItemExclusion& exclusion,
    const absl::flat_hash_set<std::string>& not_products, Shop* shop,
    IndexReport* report) {
  if (options.events_dir.empty() && options.event_log.servers.empty()) {
    return absl::OkStatus();
  }
  const int64_t export_end = report->data_end;
  std::string scratch = "/tmp/boomerang-events-XXXXXX";
  if (mkdtemp(scratch.data()) == nullptr) {
    return absl::UnavailableError("cannot make a temporary directory");
  }
  absl::Status s;
  {
    auto handle = [&](const v1::Event& e) {
      if (e.type() == v1::Event::ITEM_UPDATE) {
        // Catalog updates sort first (empty customer id), in time order.
        const int64_t t = e.timestamp().seconds();
        if (t > report->catalog_time &&
            (options.until <= 0 || t < options.until)) {
          ApplyItemUpdate(e.item_update(), t, shop);
          ++report->catalog_updates;
          report->catalog_updates_end =
              std::max(report->catalog_updates_end, t);
        }
        return true;
      }
      if (e.type() != v1::Event::PURCHASE) return true;
      const int64_t t = e.timestamp().seconds();
      if (t <= export_end) {
        ++report->live_purchases_in_export;
        return true;
      }
      if (options.until > 0 && t >= options.until) {
        ++report->after_until_lines;
        return true;
      }
      if (exclusion.Excluded(e.item_id()) ||
          not_products.contains(e.item_id())) {
        ++report->excluded_lines;
        return true;
      }
      PurchaseLine line;
      line.order_id = e.order_id().empty()
                          ? absl::StrCat("live:", e.customer_id(), ":", t)
                          : absl::StrCat("live:", e.order_id());
      // Stores written before ids were normalised may hold "14911.0".
      line.customer_id = NormalizeId(e.customer_id());
      line.item_id = e.item_id();
      line.timestamp = t;
      line.quantity = e.quantity() > 0 ? e.quantity() : 1;
      line.price = e.price();
      line.has_price = e.price() > 0;
      AddPurchaseLine(line, shop, report);
      ++report->live_purchase_lines;
      return true;
    };
    if (!options.events_dir.empty()) {
      auto store = EventStore::OpenReader(options.events_dir, scratch);
      s = store.status();
      if (s.ok()) s = (*store)->ForEach(handle);
    } else {
      // The stream holds events in arrival order: catalog updates are
      // applied in time order, first, as the store's order gives them.
      std::vector<v1::Event> updates;
      s = NatsEventLog::ReadStream(options.event_log, [&](const v1::Event& e) {
        if (e.type() == v1::Event::ITEM_UPDATE) {
          updates.push_back(e);
          return true;
        }
        return handle(e);
      });
      std::stable_sort(updates.begin(), updates.end(),
                       [](const v1::Event& a, const v1::Event& b) {
                         return a.timestamp().seconds() <
                                b.timestamp().seconds();
                       });
      for (const v1::Event& e : updates) handle(e);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  if (!s.ok()) return s;
  if (report->data_start > report->data_end) {
    report->data_start = report->data_end = 0;
  }
  return absl::OkStatus();
}

absl::Status ReadPurchases(const IndexerOptions& options,
                           const ItemExclusion& exclusion,
                           const absl::flat_hash_set<std::string>& not_products,
                           Shop* shop, IndexReport* report,
                           Progress* progress) {
  InputStats* stats = &report->purchases;
  stats->path = options.purchases_path;
  auto input = OpenCsv(options.purchases_path, options.delimiter);
  if (!input.ok()) return input.status();
  CsvParser& parser = *input->parser;
  auto columns =
      ColumnIndex::Resolve(input->header, RequiredPurchaseColumns(),
                           OptionalPurchaseColumns(), options.columns);
  if (!columns.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.purchases_path, ": ", columns.status().message()));
  }
  DecodeOptions decode;
  decode.cancel_order_prefix = options.cancel_order_prefix;
  decode.min_timestamp = options.min_timestamp;
  decode.max_timestamp = MaxPlausibleTimestamp(
      options.now != 0 ? options.now : absl::ToUnixSeconds(absl::Now()));

  // Exclusion is decided once per distinct item id; -1 means "a product",
  // otherwise the number of lines excluded so far.
  absl::flat_hash_map<std::string, int64_t> excluded_cache;
  auto exclude_line = [&](const std::string& id) {
    auto [it, inserted] = excluded_cache.try_emplace(id, -1);
    if (inserted && (exclusion.Excluded(id) || not_products.contains(id))) {
      it->second = 0;
    }
    if (it->second < 0) return false;
    ++it->second;
    return true;
  };

  CsvRecord rec;
  CsvStatus st;
  PurchaseLine line;
  report->data_start = INT64_MAX;
  report->data_end = INT64_MIN;
  while (parser.Next(&rec, &st)) {
    ++stats->data_rows;
    progress->Lines(parser.lines_read());
    if (st != CsvStatus::kOk) {
      RecordBad(stats,
                st == CsvStatus::kTooLong ? BadReason::kFieldTooLong
                                          : BadReason::kBrokenQuote,
                rec.line_number, "",
                st == CsvStatus::kTooLong
                    ? "record is longer than 1 MiB"
                    : "a quoted field is not closed properly");
      continue;
    }
    DecodeResult r = DecodePurchase(rec, *columns, decode, &line);
    if (r.kind == LineKind::kBad) {
      RecordBad(stats, r.reason, rec.line_number, r.field, r.detail);
      continue;
    }
    if (r.kind == LineKind::kZeroQuantity) {
      ++report->zero_quantity_lines;
      continue;
    }
    if (options.until > 0 && line.timestamp >= options.until) {
      ++report->after_until_lines;
      continue;
    }
    if (!options.customer_until.empty() && !line.customer_id.empty()) {
      auto held = options.customer_until.find(line.customer_id);
      if (held != options.customer_until.end() &&
          line.timestamp >= held->second) {
        ++report->after_until_lines;
        continue;
      }
    }
    ++stats->rows_used;
    if (exclude_line(line.item_id)) {
      ++report->excluded_lines;
      continue;
    }
    if (r.kind == LineKind::kReturn) {
      // Returns never count as purchases. (Netting them against earlier
      // purchases matters for repurchase timing, a later feature.)
      ++report->return_lines;
      continue;
    }
    AddPurchaseLine(line, shop, report);
  }
  stats->lines_read = parser.lines_read();
  if (report->data_start > report->data_end) {
    report->data_start = report->data_end = 0;
  }
  for (const auto& [id, lines] : excluded_cache) {
    if (lines > 0) report->excluded_items.emplace_back(id, lines);
  }
  std::sort(report->excluded_items.begin(), report->excluded_items.end(),
            [](const auto& a, const auto& b) {
              return a.second != b.second ? a.second > b.second
                                          : a.first < b.first;
            });
  if (report->excluded_items.size() > 10) report->excluded_items.resize(10);
  return CheckReaderError(*input->source);
}

// Fits BG/NBD, Gamma-Gamma, the RFM cutoffs and the learned LTV model
// (models/ltv_model.h, by a back-test inside the history) on every known
// customer as of the day after `data_end`. `orders_of(c)` gives a customer's
// order times and values. A model that cannot be fitted (too few customers,
// no repeat purchases, a short history) is left out with a note; the
// snapshot is still useful.
template <typename Customers, typename OrdersOf>
v1::CustomerModel FitCustomerModel(const Customers& customers,
                                   OrdersOf orders_of, int64_t data_start,
                                   int64_t data_end, const AbcShares& shares,
                                   int threads) {
  v1::CustomerModel model;
  const int64_t as_of = (data_end / 86400 + 1) * 86400;
  model.set_fitted_as_of(as_of);
  model.set_data_start(data_start);
  std::vector<CustomerSummary> summaries;
  summaries.reserve(customers.size());
  // orders_of() may reuse its buffers from one customer to the next: the
  // LTV back-test's copy, flat (16 bytes an order), spans taken at the end.
  std::vector<int64_t> all_times;
  std::vector<double> all_values;
  std::vector<size_t> ends;
  for (const auto& c : customers) {
    auto [times, values] = orders_of(c);
    if (times.empty()) continue;
    summaries.push_back(SummarizeCustomer(times, values, as_of));
    all_times.insert(all_times.end(), times.begin(), times.end());
    all_values.insert(all_values.end(), values.begin(),
                      values.begin() + std::min(values.size(), times.size()));
    all_values.resize(all_times.size());
    ends.push_back(all_times.size());
  }
  std::vector<LtvCustomerOrders> orders;
  orders.reserve(ends.size());
  for (size_t k = 0, begin = 0; k < ends.size(); begin = ends[k++]) {
    orders.push_back(
        {absl::MakeConstSpan(all_times).subspan(begin, ends[k] - begin),
         absl::MakeConstSpan(all_values).subspan(begin, ends[k] - begin)});
  }
  std::vector<std::string> notes;
  LtvBacktestReport backtest;
  auto ltv =
      BacktestLtvModel(orders, data_start, as_of, LtvFitOptions(), &backtest);
  if (ltv.ok()) {
    LtvModelToProto(*ltv, backtest, model.mutable_ltv());
  } else {
    notes.push_back(std::string(ltv.status().message()));
  }
  FitReport fit;
  auto bg = FitBgNbd(summaries, &fit, threads);
  if (bg.ok()) {
    auto* m = model.mutable_bg_nbd();
    m->set_r(bg->r);
    m->set_alpha(bg->alpha);
    m->set_a(bg->a);
    m->set_b(bg->b);
    m->set_log_likelihood(fit.log_likelihood);
    m->set_customers(fit.customers);
    m->set_converged(fit.converged);
  } else {
    notes.push_back(absl::StrCat("BG/NBD not fitted: ", bg.status().message()));
  }
  fit = FitReport();
  auto gg = FitGammaGamma(summaries, &fit, threads);
  if (gg.ok()) {
    auto* m = model.mutable_gamma_gamma();
    m->set_p(gg->p);
    m->set_q(gg->q);
    m->set_gamma(gg->gamma);
    m->set_log_likelihood(fit.log_likelihood);
    m->set_customers(fit.customers);
    m->set_converged(fit.converged);
  } else {
    notes.push_back(
        absl::StrCat("Gamma-Gamma not fitted: ", gg.status().message()));
  }
  if (!summaries.empty()) {
    const RfmCutoffs cut = ComputeRfmCutoffs(summaries);
    for (double v : cut.recency_days) model.add_recency_cutoffs(v);
    for (double v : cut.frequency) model.add_frequency_cutoffs(v);
    for (double v : cut.monetary) model.add_monetary_cutoffs(v);
    std::vector<double> revenues;
    revenues.reserve(summaries.size());
    for (const CustomerSummary& c : summaries) revenues.push_back(c.revenue);
    const ClassCutoffs abc = ComputeAbcCutoffs(revenues, shares);
    // No revenue at all (an export without prices): no classes, as in an
    // older snapshot, rather than everyone in C.
    if (abc.has_abc()) {
      model.set_abc_a_min(abc.abc_a_min);
      model.set_abc_b_min(abc.abc_b_min);
      model.set_xyz_x_max(kCustomerXyz.x_max);
      model.set_xyz_y_max(kCustomerXyz.y_max);
    }
  }
  model.set_note(absl::StrJoin(notes, "; "));
  return model;
}

std::string BadSummaryLine(const InputStats& stats) {
  std::vector<std::string> parts;
  for (int r = 0; r < kNumBadReasons; ++r) {
    const BadLineStats& b = stats.bad[r];
    if (b.count == 0) continue;
    parts.push_back(absl::StrCat(
        BadReasonName(static_cast<BadReason>(r)), " ", b.count, " (lines ",
        absl::StrJoin(b.first_lines, ", "),
        b.count > static_cast<int64_t>(b.first_lines.size()) ? ", ..." : "",
        ")"));
  }
  return absl::StrJoin(parts, "; ");
}

// Groups of item ids that differ only in ASCII case ("85123A", "85123a":
// one product in Online Retail), each most purchase lines first (ties: byte
// order), the groups with the most lines first. Non-ASCII letters are left
// alone: folding them needs Unicode tables, and SKUs are ASCII.
std::vector<std::vector<int32_t>> CaseGroups(
    const std::vector<ItemAccumulator>& items) {
  absl::flat_hash_map<std::string, std::vector<int32_t>> by_folded;
  for (size_t i = 0; i < items.size(); ++i) {
    by_folded[absl::AsciiStrToLower(items[i].id)].push_back(
        static_cast<int32_t>(i));
  }
  std::vector<std::vector<int32_t>> groups;
  std::vector<int64_t> group_lines;
  for (auto& [folded, members] : by_folded) {
    if (members.size() < 2) continue;
    std::sort(members.begin(), members.end(), [&](int32_t a, int32_t b) {
      if (items[a].lines != items[b].lines) {
        return items[a].lines > items[b].lines;
      }
      return items[a].id < items[b].id;
    });
    groups.push_back(std::move(members));
  }
  auto total = [&](const std::vector<int32_t>& g) {
    int64_t n = 0;
    for (int32_t i : g) n += items[i].lines;
    return n;
  };
  std::sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    const int64_t ta = total(a), tb = total(b);
    if (ta != tb) return ta > tb;
    return items[a[0]].id < items[b[0]].id;
  });
  return groups;
}

// The manifest of the newest version under `root` whose manifest reads
// (the server skips the others too); nullopt when there is none.
std::optional<v1::SnapshotManifest> NewestManifest(const std::string& root) {
  auto versions = ListCompleteVersions(root);
  if (!versions.ok()) return std::nullopt;
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    auto manifest = ReadManifest(absl::StrCat(root, "/", VersionName(*it)));
    if (manifest.ok()) return std::move(*manifest);
  }
  return std::nullopt;
}

// The shrink guard (IndexerOptions::max_shrink): refuses a run whose orders,
// customers or covered days fall by more than the allowed share against the
// newest published version, or whose data ends earlier. Run before the
// expensive phases, so that a truncated nightly export fails in seconds.
absl::Status CheckShrink(const IndexerOptions& options,
                         const IndexReport& report, int64_t orders,
                         int64_t customers) {
  if (options.allow_shrink) return absl::OkStatus();
  std::optional<v1::SnapshotManifest> newest = NewestManifest(options.out_root);
  if (!newest) return absl::OkStatus();
  std::vector<std::string> shrank;
  auto share = [](double before, double after) {
    return before > 0 ? (before - after) / before : 0.0;
  };
  auto count = [&](const char* what, int64_t before, int64_t after) {
    const double s = share(before, after);
    if (s > options.max_shrink) {
      shrank.push_back(absl::StrFormat("%s %s -> %s (-%.0f%%)", what,
                                       Thousands(before), Thousands(after),
                                       100 * s));
    }
  };
  count("orders", newest->counts().orders(), orders);
  count("customers", newest->counts().customers(), customers);
  auto old_start = ParseTimestamp(newest->data_start());
  auto old_end = ParseTimestamp(newest->data_end());
  if (old_start.ok() && old_end.ok()) {
    const double before = (*old_end - *old_start) / 86400.0;
    const double after = (report.data_end - report.data_start) / 86400.0;
    const double s = share(before, after);
    if (s > options.max_shrink) {
      shrank.push_back(absl::StrFormat("data span %.0f -> %.0f days (-%.0f%%)",
                                       before, after, 100 * s));
    }
  }
  if (old_end.ok() && report.data_end < *old_end) {
    shrank.push_back(absl::StrCat("data end ", FormatTimestamp(*old_end),
                                  " -> ", FormatTimestamp(report.data_end),
                                  " (earlier)"));
  }
  if (shrank.empty()) return absl::OkStatus();
  // INVALID_ARGUMENT like too many bad lines: the input is what is wrong.
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: the data shrank against snapshot %s, the newest in %s: %s "
      "(--max-shrink %.0f%%); nothing was published; a truncated input (a "
      "failed zcat in a pipe without set -o pipefail) looks like this; pass "
      "--allow-shrink if this is intended",
      options.purchases_path, newest->version(), options.out_root,
      absl::StrJoin(shrank, ", "), 100 * options.max_shrink));
}

absl::Status CheckOptions(const IndexerOptions& options) {
  if (options.purchases_path.empty()) {
    return absl::InvalidArgumentError("--purchases is required");
  }
  if (options.out_root.empty()) {
    return absl::InvalidArgumentError("--out is required");
  }
  if (options.cooccurrence.top_k < 1 || options.cooccurrence.min_support < 1 ||
      options.cooccurrence.max_order_items < 2) {
    return absl::InvalidArgumentError(
        "--top-k and --min-support must be >= 1 and --max-order-items >= 2");
  }
  if (!(options.max_bad_share >= 0 && options.max_bad_share <= 1)) {
    return absl::InvalidArgumentError("--max-bad-share must be in [0, 1]");
  }
  if (!(options.max_shrink >= 0 && options.max_shrink <= 1)) {
    return absl::InvalidArgumentError("--max-shrink must be in [0, 1]");
  }
  if (options.recent_days < 1 || options.cooccurrence.threads < 0) {
    return absl::InvalidArgumentError(
        "--recent-days must be >= 1 and --threads >= 0");
  }
  return absl::OkStatus();
}

// The catalog's moment: --catalog-time, else the catalog file's
// modification time (when it was exported), else 0 (no catalog: every live
// update counts).
int64_t CatalogTime(const IndexerOptions& options) {
  if (options.catalog_time >= 0) return options.catalog_time;
  if (options.catalog_path.empty()) return 0;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(options.catalog_path, ec);
  if (ec) return 0;
  const auto system = std::chrono::time_point_cast<std::chrono::seconds>(
      mtime - std::filesystem::file_time_type::clock::now() +
      std::chrono::system_clock::now());
  return system.time_since_epoch().count();
}

// Reads the catalog (if any), the purchases and the live events (if any)
// into `shop`.
absl::Status ReadInputs(const IndexerOptions& options, Shop* shop,
                        IndexReport* report, Progress* progress) {
  ItemExclusion exclusion(options.excluded_item_patterns);
  absl::flat_hash_set<std::string> not_products;
  report->catalog_time = CatalogTime(options);
  if (!options.catalog_path.empty()) {
    progress->Phase("reading catalog");
    absl::Status s = ReadCatalog(options, report->catalog_time, shop,
                                 &not_products, &report->catalog, progress);
    if (!s.ok()) return s;
  }
  progress->Phase("reading purchases");
  absl::Status s =
      ReadPurchases(options, exclusion, not_products, shop, report, progress);
  if (!s.ok()) return s;
  report->export_data_end = report->data_end;
  if (!options.events_dir.empty() || !options.event_log.servers.empty()) {
    progress->Phase("reading live events");
    s = ReadLiveEvents(options, exclusion, not_products, shop, report);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// Refuses inputs a snapshot must not be built from: too many bad lines
// (the mapping or the file is wrong), no usable lines, or data that shrank
// against the newest published version.
absl::Status CheckInputs(const IndexerOptions& options, const Shop& shop,
                         const IndexReport& report) {
  for (const InputStats* in : {&report.purchases, &report.catalog}) {
    if (in->data_rows == 0) continue;
    double share = static_cast<double>(in->bad_total()) / in->data_rows;
    if (share > options.max_bad_share) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: %d of %d lines (%.1f%%) are bad, more than --max-bad-share "
          "%.1f%%; nothing was published. %s. First: %s",
          in->path, in->bad_total(), in->data_rows, 100 * share,
          100 * options.max_bad_share, BadSummaryLine(*in),
          [&]() -> std::string {
            for (const auto& b : in->bad) {
              if (b.count > 0) return b.first_detail;
            }
            return "";
          }()));
    }
  }
  if (report.purchases.data_rows == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.purchases_path,
        ": has a header but no data lines; nothing was published"));
  }
  if (report.purchase_lines == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.purchases_path,
        ": no usable purchase lines (every line was bad, a return, a "
        "zero quantity or a non-product); nothing was published"));
  }
  return CheckShrink(options, report,
                     static_cast<int64_t>(shop.orders().num_orders()),
                     shop.customers());
}

// Ids that differ only in case: listed always, merged when asked. Returns
// the (other spelling, kept id) pairs of a merge.
std::vector<std::pair<std::string, std::string>> HandleCaseGroups(
    const IndexerOptions& options, Shop* shop, IndexReport* report) {
  std::vector<std::vector<int32_t>> groups = CaseGroups(shop->items());
  report->case_groups_total = static_cast<int64_t>(groups.size());
  for (size_t g = 0; g < groups.size() && g < kMaxCaseGroups; ++g) {
    auto& out = report->case_groups.emplace_back();
    for (int32_t i : groups[g]) {
      out.emplace_back(shop->items()[i].id, shop->items()[i].lines);
    }
  }
  if (!options.merge_item_case || groups.empty()) return {};
  report->case_merged = true;
  return shop->MergeItems(groups);
}

// The orders in compact form, and each known customer's history.
struct CountedOrders {
  OrderItems compact;
  CustomerHistories customers;
  std::vector<int32_t> order_customers;
  std::vector<int64_t> order_timestamps;
  std::vector<double> order_revenue;
};

// Orders -> compact form; per-item order counts, recency and customers;
// the customers' histories. Takes the orders out of the shop.
CountedOrders CountOrders(const IndexerOptions& options, Shop* shop,
                          IndexReport* report) {
  auto& items = shop->items();
  const int64_t recent_from =
      report->data_end - static_cast<int64_t>(options.recent_days) * 86400;
  CountedOrders counted;
  const OrderLines lines = GroupLinesByOrder(&shop->orders());
  counted.order_customers = std::move(shop->orders().customers);
  counted.order_timestamps = std::move(shop->orders().timestamps);
  counted.order_revenue = std::move(shop->orders().revenue);
  const size_t num_orders = counted.order_timestamps.size();
  OrderItems& compact = counted.compact;
  compact.items.reserve(report->purchase_lines);
  compact.offsets.reserve(num_orders + 1);
  for (size_t o = 0; o < num_orders; ++o) {
    const int64_t b = lines.offsets[o], e = lines.offsets[o + 1];
    compact.Add(
        std::vector<int32_t>(lines.items.begin() + b, lines.items.begin() + e));
    const int64_t cb = compact.offsets[o], ce = compact.offsets[o + 1];
    if (ce - cb > options.cooccurrence.max_order_items) {
      report->huge_order_lines += e - b;
    }
    if (counted.order_customers[o] < 0) ++report->guest_orders;
    for (int64_t i = cb; i < ce; ++i) {
      ItemAccumulator& item = items[compact.items[i]];
      ++item.orders;
      if (counted.order_timestamps[o] >= recent_from) ++item.recent_orders;
    }
  }
  counted.customers = BuildCustomerHistories(lines, counted.order_customers,
                                             counted.order_timestamps,
                                             shop->customers(), items.size());
  for (int32_t item : counted.customers.items) ++items[item].customers;
  return counted;
}

// What the models fitted on the counted orders give.
struct FittedModels {
  std::vector<ItemCycle> cycles;  // per item
  v1::CustomerModel customer_model;
  std::vector<Classes> item_classes;  // per item
  CooccurrenceResult co;
  // Dense indices in the item table's key order: what the server uses, and
  // the ids of the item vectors in items.faiss.
  std::vector<int64_t> table_index;
  std::optional<EmbeddingResult> embeddings;
};

// Repurchase cycles: each item's buyers' purchase times.
// Repurchase cycles: each item's buyers' purchase times. The buyers' spans
// are gathered for a block of items at a time (one span per customer-item
// pair at once would be 16 bytes x 30M pairs at 1M customers).
std::vector<ItemCycle> ItemCycles(const CustomerHistories& customers,
                                  size_t num_items) {
  constexpr int64_t kSpansPerBlock = int64_t{1} << 22;
  std::vector<int64_t> buyers_of(num_items, 0);
  for (int32_t item : customers.items) ++buyers_of[item];
  std::vector<ItemCycle> cycles(num_items);
  std::vector<std::vector<absl::Span<const int64_t>>> buyers;
  for (size_t begin = 0; begin < num_items;) {
    size_t end = begin;
    for (int64_t spans = 0;
         end < num_items &&
         (end == begin || spans + buyers_of[end] <= kSpansPerBlock);
         ++end) {
      spans += buyers_of[end];
    }
    buyers.assign(end - begin, {});
    for (size_t i = begin; i < end; ++i)
      buyers[i - begin].reserve(buyers_of[i]);
    for (size_t e = 0; e < customers.items.size(); ++e) {
      const size_t item = static_cast<size_t>(customers.items[e]);
      if (item >= begin && item < end) {
        buyers[item - begin].push_back(
            customers.times_of(static_cast<int64_t>(e)));
      }
    }
    for (size_t i = begin; i < end; ++i) {
      cycles[i] = EstimateItemCycle(absl::MakeConstSpan(buyers[i - begin]));
    }
    begin = end;
  }
  return cycles;
}

std::vector<int64_t> TableIndex(const std::vector<ItemAccumulator>& items) {
  std::vector<int64_t> table_index(items.size());
  std::vector<int32_t> by_id(items.size());
  for (size_t i = 0; i < by_id.size(); ++i) by_id[i] = static_cast<int32_t>(i);
  std::sort(by_id.begin(), by_id.end(),
            [&](int32_t a, int32_t b) { return items[a].id < items[b].id; });
  for (size_t r = 0; r < by_id.size(); ++r) table_index[by_id[r]] = r;
  return table_index;
}

absl::Status TrainEmbeddingsPhase(const IndexerOptions& options,
                                  const Shop& shop,
                                  const CountedOrders& counted,
                                  const IndexReport& report, Progress* progress,
                                  FittedModels* fitted) {
  if (!options.embeddings.enabled || shop.customers() == 0) {
    return absl::OkStatus();
  }
  progress->Phase("training embeddings");
  EmbeddingInputs in;
  in.num_items = static_cast<int32_t>(fitted->table_index.size());
  in.num_customers = static_cast<int32_t>(shop.customers());
  in.orders = &counted.compact;
  in.order_customers = &counted.order_customers;
  in.order_timestamps = &counted.order_timestamps;
  in.data_end = report.data_end;
  in.external_ids = &fitted->table_index;
  auto trained = TrainEmbeddings(in, options.embeddings, options.progress);
  if (!trained.ok()) return trained.status();
  fitted->embeddings = std::move(*trained);
  // Timings vary run to run (the progress lines show them); the tables
  // hold only what the data and the seed determine (same seed, same
  // tables).
  fitted->embeddings->info.clear_train_seconds();
  return absl::OkStatus();
}

// Every item's ABC / XYZ classes (models/segments.h), as of the month of
// the data's end.
std::vector<Classes> ItemClasses(const std::vector<ItemAccumulator>& items,
                                 const AbcShares& shares, int64_t data_end) {
  std::vector<std::vector<ItemMonth>> months(items.size());
  for (size_t i = 0; i < items.size(); ++i) months[i] = items[i].months;
  return ClassifyItems(months, MonthIndex(data_end), shares, kItemXyz);
}

// Repurchase cycles, customer value, co-occurrence and embeddings.
absl::Status FitModels(const IndexerOptions& options, const Shop& shop,
                       const CountedOrders& counted, IndexReport* report,
                       Progress* progress, FittedModels* fitted) {
  const auto& items = shop.items();
  progress->Phase("fitting repurchase cycles");
  fitted->cycles = ItemCycles(counted.customers, items.size());
  // Customer value models, fitted as of the day after the last purchase.
  progress->Phase("fitting customer models");
  std::vector<int32_t> customer_numbers(counted.customers.num_customers());
  std::iota(customer_numbers.begin(), customer_numbers.end(), 0);
  std::vector<int64_t> times;
  std::vector<double> values;
  const CustomerHistories& h = counted.customers;
  fitted->customer_model = FitCustomerModel(
      customer_numbers,
      [&](int32_t c) {
        times.clear();
        values.clear();
        for (int64_t j = h.order_begin[c]; j < h.order_begin[c + 1]; ++j) {
          times.push_back(counted.order_timestamps[h.orders[j]]);
          values.push_back(counted.order_revenue[h.orders[j]]);
        }
        return std::make_pair(absl::MakeConstSpan(times),
                              absl::MakeConstSpan(values));
      },
      report->data_start, report->data_end, options.abc_shares,
      options.cooccurrence.threads);
  fitted->item_classes =
      ItemClasses(shop.items(), options.abc_shares, report->data_end);
  report->orders = static_cast<int64_t>(counted.order_customers.size());
  report->customers = shop.customers();
  report->items = static_cast<int64_t>(items.size());

  progress->Phase("counting pairs");
  fitted->co =
      ComputeCooccurrence(counted.compact, static_cast<int32_t>(items.size()),
                          options.cooccurrence);
  report->pairs_kept = fitted->co.pairs_kept;
  report->huge_orders_skipped = fitted->co.huge_orders_skipped;
  fitted->table_index = TableIndex(items);
  return TrainEmbeddingsPhase(options, shop, counted, *report, progress,
                              fitted);
}

// The item's price history (the "prices" table): the catalog's price and
// the live updates after it; when neither gives a price, the median unit
// price of its purchase lines per month, a change wherever it moves.
v1::PriceHistory PriceHistoryOf(const ItemAccumulator& it) {
  v1::PriceHistory h;
  for (const v1::PriceChange& c : it.price_changes) *h.add_changes() = c;
  if (h.changes_size() > 0 || it.catalog_price >= 0 || it.prices.empty() ||
      it.prices.size() != it.price_months.size()) {
    return h;
  }
  std::map<int32_t, std::vector<double>> by_month;
  for (size_t k = 0; k < it.prices.size(); ++k) {
    by_month[it.price_months[k]].push_back(it.prices[k]);
  }
  double last = 0;
  for (auto& [month, prices] : by_month) {
    auto mid = prices.begin() + prices.size() / 2;
    std::nth_element(prices.begin(), mid, prices.end());
    if (*mid == last) continue;
    const absl::CivilMonth m(1970 + month / 12, 1 + month % 12);
    v1::PriceChange* c = h.add_changes();
    c->set_time(absl::ToUnixSeconds(absl::FromCivil(m, absl::UTCTimeZone())));
    c->set_from_price(last);
    c->set_to_price(*mid);
    c->set_source("purchases");
    last = *mid;
  }
  return h;
}

// One ItemRecord per item and one FbtList per item with co-purchases.
// Frees the items' unit prices.
void AddItems(std::vector<ItemAccumulator>& items, const FittedModels& fitted,
              SnapshotWriter* writer) {
  writer->ReserveItems(items.size());
  for (size_t a = 0; a < items.size(); ++a) {
    ItemAccumulator& it = items[a];
    v1::ItemRecord rec;
    rec.set_title(it.title);
    rec.set_category(it.category);
    rec.set_brand(it.brand);
    rec.set_index(static_cast<int32_t>(fitted.table_index[a]));
    v1::PriceHistory history = PriceHistoryOf(it);
    if (history.changes_size() > 0) writer->AddPriceHistory(it.id, history);
    double price = it.catalog_price;
    if (price < 0 && !it.prices.empty()) {
      // Median unit price: robust to quantity tiers and one-off errors.
      auto mid = it.prices.begin() + it.prices.size() / 2;
      std::nth_element(it.prices.begin(), mid, it.prices.end());
      price = *mid;
    }
    rec.set_price(std::max(0.0, price));
    rec.set_in_stock(it.in_stock);
    rec.set_not_recommendable(it.not_recommendable);
    if (it.stock_quantity >= 0) rec.set_stock_quantity(it.stock_quantity);
    rec.set_orders(it.orders);
    rec.set_recent_orders(it.recent_orders);
    rec.set_quantity(it.quantity);
    rec.set_customers(it.customers);
    rec.set_repurchase_interval_days(fitted.cycles[a].interval_days);
    rec.set_repeat_buyers(fitted.cycles[a].repeat_buyers);
    rec.set_habitual(fitted.cycles[a].habitual);
    if (a < fitted.item_classes.size()) {
      rec.set_abc_class(std::string(fitted.item_classes[a].abc));
      rec.set_xyz_class(std::string(fitted.item_classes[a].xyz));
    }
    writer->AddItem(it.id, rec);
    std::vector<double>().swap(it.prices);
    std::vector<int32_t>().swap(it.price_months);

    if (fitted.co.neighbors[a].empty()) continue;
    v1::FbtList list;
    list.set_anchor_orders(fitted.co.item_orders[a]);
    for (const Neighbor& nb : fitted.co.neighbors[a]) {
      v1::FbtNeighbor* n = list.add_neighbors();
      n->set_item_id(items[nb.item].id);
      n->set_score(nb.score);
      n->set_co_orders(nb.co_orders);
      n->set_lift(nb.lift);
    }
    writer->AddFbtList(it.id, list);
  }
}

// The best sellers, overall and recent, for fallbacks.
v1::PopularItems PopularItems(const std::vector<ItemAccumulator>& items,
                              int popular_items) {
  v1::PopularItems popular;
  std::vector<int32_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  auto top = [&](auto key, auto* out) {
    size_t k = std::min<size_t>(order.size(), popular_items);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int32_t x, int32_t y) {
                        if (key(x) != key(y)) return key(x) > key(y);
                        return items[x].id < items[y].id;
                      });
    for (size_t i = 0; i < k && key(order[i]) > 0; ++i) {
      v1::PopularItem* p = out->Add();
      p->set_item_id(items[order[i]].id);
      p->set_orders(key(order[i]));
    }
  };
  top([&](int32_t i) { return items[i].orders; }, popular.mutable_overall());
  top([&](int32_t i) { return items[i].recent_orders; },
      popular.mutable_recent());
  return popular;
}

v1::ItemAliases ItemAliases(
    const std::vector<std::pair<std::string, std::string>>& item_aliases) {
  v1::ItemAliases aliases;
  for (const auto& [alias, id] : item_aliases) {
    v1::ItemAlias* a = aliases.add_aliases();
    a->set_alias(alias);
    a->set_item_id(id);
  }
  return aliases;
}

// Similar items: names, categories and (with embeddings) behaviour.
void AddSimilarLists(const IndexerOptions& options,
                     const std::vector<ItemAccumulator>& items,
                     const FittedModels& fitted, SnapshotWriter* writer,
                     IndexReport* report) {
  std::vector<std::string> titles, categories;
  std::vector<int64_t> item_orders;
  for (const ItemAccumulator& it : items) {
    titles.push_back(it.title);
    categories.push_back(it.category);
    item_orders.push_back(it.orders);
  }
  ItemSimilarityInputs in;
  in.titles = &titles;
  in.categories = &categories;
  in.orders = &item_orders;
  if (fitted.embeddings) {
    in.unit_vectors = &fitted.embeddings->unit_vectors;
    in.dim = fitted.embeddings->model.factors;
    in.behavior_neighbors = &fitted.embeddings->similar;
  }
  ItemSimilarityOptions sim_opts;
  sim_opts.k = options.embeddings.similar_k;
  sim_opts.threads = options.cooccurrence.threads;
  auto similar = ComputeItemSimilarity(in, sim_opts);
  for (size_t a = 0; a < items.size(); ++a) {
    if (similar[a].empty()) continue;
    v1::SimilarList out;
    for (const SimilarItem& si : similar[a]) {
      v1::SimilarNeighbor* nb = out.add_neighbors();
      nb->set_item_id(items[si.item].id);
      nb->set_similarity(si.score);
      nb->set_title_similarity(si.title);
      nb->set_behavior_similarity(si.behavior);
      nb->set_same_category(si.same_category);
    }
    report->similar_pairs += out.neighbors_size();
    writer->AddSimilarList(items[a].id, out);
  }
}

// The embedding info, the item index and the raw item vectors in table
// order (for the server's scores and anchors).
absl::Status WriteEmbeddings(const FittedModels& fitted, size_t num_items,
                             SnapshotWriter* writer) {
  const EmbeddingResult& embeddings = *fitted.embeddings;
  const int f = embeddings.model.factors;
  std::vector<float> ordered(num_items * f, 0.f);
  for (size_t a = 0; a < num_items; ++a) {
    const float* v = embeddings.model.item(static_cast<int32_t>(a));
    std::copy(v, v + f, ordered.begin() + fitted.table_index[a] * f);
  }
  return writer->WriteEmbeddings(embeddings.info, embeddings.index.get(),
                                 ordered);
}

// One customer's record: vector, items bought (most orders first) with
// their purchase times, orders in time order.
v1::CustomerRecord CustomerRecord(const CountedOrders& counted, int32_t c,
                                  const std::vector<ItemAccumulator>& items,
                                  const std::optional<EmbeddingResult>& emb) {
  const CustomerHistories& h = counted.customers;
  v1::CustomerRecord rec;
  if (emb) {
    const float* v = emb->model.user(c);
    rec.mutable_vector()->Add(v, v + emb->model.factors);
  }
  std::vector<int64_t> bought(h.item_begin[c + 1] - h.item_begin[c]);
  std::iota(bought.begin(), bought.end(), h.item_begin[c]);
  std::sort(bought.begin(), bought.end(), [&](int64_t x, int64_t y) {
    if (h.orders_of(x) != h.orders_of(y))
      return h.orders_of(x) > h.orders_of(y);
    return items[h.items[x]].id < items[h.items[y]].id;
  });
  std::vector<int64_t> by_time;
  for (int64_t e : bought) {
    const absl::Span<const int64_t> times = h.times_of(e);
    v1::CustomerItem* out = rec.add_items();
    out->set_item_id(items[h.items[e]].id);
    out->set_orders(static_cast<int32_t>(times.size()));
    out->set_quantity(h.quantities[e]);
    out->set_first_purchase(*std::min_element(times.begin(), times.end()));
    out->set_last_purchase(*std::max_element(times.begin(), times.end()));
    by_time.resize(times.size());
    std::iota(by_time.begin(), by_time.end(), h.time_begin[e]);
    std::stable_sort(by_time.begin(), by_time.end(), [&](int64_t x, int64_t y) {
      return h.times[x] < h.times[y];
    });
    for (int64_t k : by_time) {
      out->add_purchase_times(h.times[k]);
      out->add_purchase_quantities(h.order_quantities[k]);
    }
  }
  by_time.assign(h.orders.begin() + h.order_begin[c],
                 h.orders.begin() + h.order_begin[c + 1]);
  std::stable_sort(by_time.begin(), by_time.end(), [&](int64_t x, int64_t y) {
    return counted.order_timestamps[x] < counted.order_timestamps[y];
  });
  double revenue = 0;
  for (int64_t o : by_time) {
    rec.add_order_times(counted.order_timestamps[o]);
    rec.add_order_values(counted.order_revenue[o]);
    revenue += counted.order_revenue[o];
  }
  rec.set_revenue(revenue);
  rec.set_orders(static_cast<int64_t>(by_time.size()));
  rec.set_first_order(by_time.empty() ? INT64_MAX
                                      : counted.order_timestamps[by_time[0]]);
  rec.set_last_order(
      by_time.empty() ? INT64_MIN : counted.order_timestamps[by_time.back()]);
  return rec;
}

// Everything the server reads, through the writer. The customers' records
// are built one at a time in id order and streamed to their table (at 1M
// customers they are 1.7 GB serialized). Frees the customer histories once
// written.
absl::Status WriteSnapshot(
    const IndexerOptions& options, Shop* shop, CountedOrders* counted,
    const FittedModels& fitted,
    const std::vector<std::pair<std::string, std::string>>& item_aliases,
    SnapshotWriter* writer, IndexReport* report) {
  auto& items = shop->items();
  AddItems(items, fitted, writer);
  writer->SetPopular(PopularItems(items, options.popular_items));
  writer->SetCustomerModel(fitted.customer_model);
  writer->SetItemAliases(ItemAliases(item_aliases));
  AddSimilarLists(options, items, fitted, writer, report);
  if (fitted.embeddings) {
    absl::Status s = WriteEmbeddings(fitted, items.size(), writer);
    if (!s.ok()) return s;
  }
  std::vector<int32_t> by_id(shop->customers());
  std::iota(by_id.begin(), by_id.end(), 0);
  std::sort(by_id.begin(), by_id.end(), [&](int32_t x, int32_t y) {
    return shop->customer_id(x) < shop->customer_id(y);
  });
  size_t next = 0;
  absl::Status s =
      writer->WriteCustomers([&](std::string* id, v1::CustomerRecord* record) {
        if (next == by_id.size()) return false;
        const int32_t c = by_id[next++];
        *id = shop->customer_id(c);
        *record = CustomerRecord(*counted, c, items, fitted.embeddings);
        return true;
      });
  counted->customers = CustomerHistories();
  return s;
}

// The manifest's inputs: each file with its size and lines.
void AddManifestInputs(const IndexerOptions& options, const IndexReport& report,
                       v1::SnapshotManifest* manifest) {
  auto add_input = [&](const InputStats& in, const std::string& role,
                       int64_t size) {
    v1::InputFile* f = manifest->add_inputs();
    f->set_path(in.path);
    f->set_role(role);
    f->set_size_bytes(size);
    f->set_lines_read(in.lines_read);
    f->set_rows_used(role == "purchases" ? report.purchase_lines
                                         : in.rows_used);
  };
  std::error_code ec;
  add_input(report.purchases, "purchases",
            static_cast<int64_t>(
                std::filesystem::file_size(options.purchases_path, ec)));
  if (!options.catalog_path.empty()) {
    add_input(report.catalog, "catalog",
              static_cast<int64_t>(
                  std::filesystem::file_size(options.catalog_path, ec)));
  }
  if (!options.events_dir.empty() || !options.event_log.servers.empty()) {
    v1::InputFile* f = manifest->add_inputs();
    f->set_path(
        !options.events_dir.empty()
            ? options.events_dir
            : absl::StrCat(absl::StrJoin(options.event_log.servers, ","), "/",
                           options.event_log.stream));
    f->set_role("events");
    f->set_rows_used(report.live_purchase_lines);
  }
}

v1::SnapshotManifest BuildManifest(const IndexerOptions& options,
                                   const IndexReport& report,
                                   const FittedModels& fitted) {
  v1::SnapshotManifest manifest;
  manifest.set_created_at(FormatTimestamp(absl::ToUnixSeconds(absl::Now())));
  manifest.set_boomerang_version(BOOMERANG_VERSION);
  manifest.set_data_start(FormatTimestamp(report.data_start));
  manifest.set_data_end(FormatTimestamp(report.data_end));
  manifest.set_export_data_end(FormatTimestamp(report.export_data_end));
  // The catalog's moment and the live updates taken on top of it: the
  // server applies the updates after catalog_time.
  // An update the indexer took is in the snapshot's catalog: the moment
  // is the later of the file's and the newest update's, so the server does
  // not apply those again.
  const int64_t catalog_time =
      std::max(report.catalog_time, report.catalog_updates_end);
  if (catalog_time > 0) {
    manifest.set_catalog_time(FormatTimestamp(catalog_time));
  }
  manifest.set_catalog_updates(report.catalog_updates);
  AddManifestInputs(options, report, &manifest);
  if (fitted.embeddings) {
    manifest.set_ann_index(fitted.embeddings->info.ann_index());
    manifest.set_ann_index_reason(fitted.embeddings->info.ann_index_reason());
    *manifest.mutable_embeddings() = fitted.embeddings->info;
  }
  v1::IndexParameters* p = manifest.mutable_parameters();
  p->set_top_k(options.cooccurrence.top_k);
  p->set_min_support(options.cooccurrence.min_support);
  p->set_max_order_items(options.cooccurrence.max_order_items);
  p->set_scoring(std::string(ScoringName(options.cooccurrence.scoring)));
  p->set_recent_days(options.recent_days);
  for (const auto& pat : options.excluded_item_patterns)
    p->add_excluded_item_patterns(pat);
  p->set_cancel_order_prefix(options.cancel_order_prefix);
  p->set_max_bad_share(options.max_bad_share);
  p->set_merge_item_case(options.merge_item_case);
  p->set_min_date(FormatDateLimit(options.min_timestamp));
  v1::SnapshotCounts* c = manifest.mutable_counts();
  c->set_orders(report.orders);
  c->set_customers(report.customers);
  c->set_items(report.items);
  c->set_purchase_lines(report.purchase_lines);
  c->set_return_lines(report.return_lines);
  c->set_excluded_lines(report.excluded_lines);
  c->set_bad_lines(report.purchases.bad_total());
  c->set_pairs_kept(report.pairs_kept);
  c->set_huge_orders_skipped_for_pairs(report.huge_orders_skipped);
  c->set_guest_orders(report.guest_orders);
  return manifest;
}

// Trains the picks ranker on the finished, unpublished snapshot and adds
// it. Too little history is not an error: the snapshot is published
// without a ranker and the report says why.
absl::Status AddPicksRanker(const IndexerOptions& options,
                            const v1::SnapshotManifest& manifest,
                            SnapshotWriter* writer, IndexReport* report) {
  auto snapshot = writer->OpenUnpublished(manifest);
  if (!snapshot.ok()) return snapshot.status();
  auto model = TrainRanker(**snapshot, options.ranker, &report->ranker);
  snapshot->reset();  // released before Publish() checks the files
  if (absl::IsFailedPrecondition(model.status())) {
    report->ranker_skipped = std::string(model.status().message());
    report->ranker = v1::PicksRankerInfo();
    return absl::OkStatus();
  }
  if (!model.ok()) return model.status();
  return writer->WritePicksRanker(*model);
}

// Reads, fits and writes everything but the picks ranker; fills
// `manifest`. What it read and fitted is freed when it returns, before the
// ranker's training needs its own memory.
absl::Status BuildSnapshot(const IndexerOptions& options,
                           SnapshotWriter* writer, IndexReport* report,
                           Progress* progress, v1::SnapshotManifest* manifest) {
  Shop shop(options.merge_item_case);
  absl::Status s = ReadInputs(options, &shop, report, progress);
  if (!s.ok()) return s;
  shop.EndReading();
  s = CheckInputs(options, shop, *report);
  if (!s.ok()) return s;
  const std::vector<std::pair<std::string, std::string>> item_aliases =
      HandleCaseGroups(options, &shop, report);

  progress->Phase("counting orders");
  CountedOrders counted = CountOrders(options, &shop, report);
  FittedModels fitted;
  s = FitModels(options, shop, counted, report, progress, &fitted);
  if (!s.ok()) return s;

  progress->Phase("writing snapshot");
  s = WriteSnapshot(options, &shop, &counted, fitted, item_aliases, writer,
                    report);
  if (!s.ok()) return s;
  *manifest = BuildManifest(options, *report, fitted);
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& CatalogOptionalColumns() {
  static const auto* kCols = new std::vector<std::string>{
      "title", "category", "brand", "price", "in_stock", "recommendable"};
  return *kCols;
}

absl::StatusOr<OrderHistory> LoadOrderHistory(const IndexerOptions& options,
                                              IndexReport* report) {
  Progress progress(options);
  Shop shop(/*merge_item_case=*/false);
  ItemExclusion exclusion(options.excluded_item_patterns);
  absl::Status s =
      ReadPurchases(options, exclusion, {}, &shop, report, &progress);
  if (!s.ok()) return s;
  shop.EndReading();
  OrderHistory h;
  for (auto& item : shop.items()) {
    h.item_ids.push_back(std::move(item.id));
    h.item_months.push_back(std::move(item.months));
  }
  for (int32_t c = 0; c < shop.customers(); ++c) {
    h.customer_ids.push_back(shop.customer_id(c));
  }
  const OrderLines lines = GroupLinesByOrder(&shop.orders());
  h.order_timestamps = std::move(shop.orders().timestamps);
  h.order_customers = std::move(shop.orders().customers);
  h.order_revenue = std::move(shop.orders().revenue);
  for (size_t o = 0; o + 1 < lines.offsets.size(); ++o) {
    h.orders.Add(
        std::vector<int32_t>(lines.items.begin() + lines.offsets[o],
                             lines.items.begin() + lines.offsets[o + 1]));
  }
  return h;
}

int64_t InputStats::bad_total() const {
  int64_t total = 0;
  for (const auto& b : bad) total += b.count;
  return total;
}

absl::Status RunIndexer(const IndexerOptions& options, IndexReport* report) {
  const auto started = Clock::now();
  *report = IndexReport();
  absl::Status s = CheckOptions(options);
  if (!s.ok()) return s;
  // Claim the output directory first: a bad --out fails now, not after
  // reading the whole input.
  auto writer = SnapshotWriter::Begin(options.out_root);
  if (!writer.ok()) return writer.status();
  Progress progress(options);
  v1::SnapshotManifest manifest;
  s = BuildSnapshot(options, writer->get(), report, &progress, &manifest);
  if (!s.ok()) return s;
  if (options.ranker.enabled) {
    progress.Phase("training the picks ranker");
    s = AddPicksRanker(options, manifest, writer->get(), report);
    if (!s.ok()) return s;
    if (report->ranker.customers() > 0) {
      *manifest.mutable_picks_ranker() = report->ranker;
    }
  }
  auto published = (*writer)->Publish(std::move(manifest));
  if (!published.ok()) return published.status();
  report->snapshot_dir = *published;
  report->version = std::filesystem::path(*published).filename().string();
  report->wall_seconds = Seconds(started);
  report->peak_rss_bytes = PeakRssBytes();
  return absl::OkStatus();
}

std::string FormatReport(const IndexReport& r) {
  std::string out;
  absl::StrAppendFormat(&out, "purchases   %s: %s data lines\n",
                        r.purchases.path, Thousands(r.purchases.data_rows));
  absl::StrAppendFormat(
      &out,
      "  used      %s purchase lines, %s return lines, %s non-product "
      "lines%s\n",
      Thousands(r.purchase_lines), Thousands(r.return_lines),
      Thousands(r.excluded_lines),
      r.zero_quantity_lines
          ? absl::StrCat(", ", Thousands(r.zero_quantity_lines),
                         " zero-quantity lines")
          : "");
  if (r.live_purchase_lines > 0 || r.live_purchases_in_export > 0) {
    absl::StrAppendFormat(
        &out,
        "  live      %s purchases from the event store after the export, %s "
        "already covered by it\n",
        Thousands(r.live_purchase_lines),
        Thousands(r.live_purchases_in_export));
  }
  if (!r.excluded_items.empty()) {
    std::vector<std::string> parts;
    for (const auto& [id, n] : r.excluded_items) {
      parts.push_back(absl::StrCat(id, " ", Thousands(n)));
    }
    absl::StrAppend(&out,
                    "  excluded  non-product ids: ", absl::StrJoin(parts, ", "),
                    "\n");
  }
  absl::StrAppendFormat(
      &out, "  bad       %s lines%s%s\n", Thousands(r.purchases.bad_total()),
      r.purchases.bad_total() ? ": " : "", BadSummaryLine(r.purchases));
  for (const auto& b : r.purchases.bad) {
    if (b.count > 0)
      absl::StrAppend(&out, "            e.g. ", b.first_detail, "\n");
  }
  if (!r.catalog.path.empty()) {
    absl::StrAppendFormat(
        &out, "catalog     %s: %s rows used, %s bad%s%s\n", r.catalog.path,
        Thousands(r.catalog.rows_used), Thousands(r.catalog.bad_total()),
        r.catalog.bad_total() ? ": " : "", BadSummaryLine(r.catalog));
  }
  absl::StrAppendFormat(
      &out, "orders      %s (%s guest orders), customers %s, items %s\n",
      Thousands(r.orders), Thousands(r.guest_orders), Thousands(r.customers),
      Thousands(r.items));
  absl::StrAppendFormat(
      &out,
      "pairs kept  %s (%s orders of more than --max-order-items items, %s of "
      "purchase lines, left out of pair counting)\n",
      Thousands(r.pairs_kept), Thousands(r.huge_orders_skipped),
      absl::StrFormat("%.0f%%", r.purchase_lines ? 100.0 * r.huge_order_lines /
                                                       r.purchase_lines
                                                 : 0.0));
  if (r.case_groups_total > 0) {
    std::vector<std::string> groups;
    for (const auto& group : r.case_groups) {
      std::vector<std::string> ids;
      for (const auto& [id, lines] : group) {
        ids.push_back(absl::StrCat(id, " ", Thousands(lines)));
      }
      groups.push_back(absl::StrJoin(ids, " / "));
    }
    absl::StrAppendFormat(
        &out, "case        %s item ids differ only in case%s: %s%s\n",
        r.case_groups_total == 1
            ? "1 group of"
            : absl::StrCat(Thousands(r.case_groups_total), " groups of"),
        r.case_merged ? ", merged into their most frequent spelling"
                      : " (--merge-item-case merges each into its most "
                        "frequent spelling)",
        absl::StrJoin(groups, "; "),
        r.case_groups_total > static_cast<int64_t>(r.case_groups.size())
            ? "; ..."
            : "");
  }
  absl::StrAppendFormat(&out, "data        %s .. %s\n",
                        FormatTimestamp(r.data_start),
                        FormatTimestamp(r.data_end));
  if (r.ranker.customers() > 0) {
    absl::StrAppendFormat(
        &out,
        "ranker      picks ranker trained on %s later orders of %s customers "
        "(%s candidate rows, %s re-found items, %s missed by every source), "
        "%.1f s (rows %.1f s)\n",
        Thousands(r.ranker.examples()), Thousands(r.ranker.customers()),
        Thousands(r.ranker.rows()), Thousands(r.ranker.positives()),
        Thousands(r.ranker.missed()), r.ranker.train_seconds(),
        r.ranker.rows_seconds());
  } else if (!r.ranker_skipped.empty()) {
    absl::StrAppend(&out, "ranker      none: ", r.ranker_skipped, "\n");
  }
  absl::StrAppendFormat(&out, "time        %.2f s wall, peak memory %.0f MiB\n",
                        r.wall_seconds, r.peak_rss_bytes / 1048576.0);
  if (!r.snapshot_dir.empty()) {
    absl::StrAppendFormat(&out, "snapshot    %s (version %s)\n", r.snapshot_dir,
                          r.version);
  }
  return out;
}

}  // namespace boomerang
