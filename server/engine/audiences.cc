#include "server/engine/audiences.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "models/customer_value.h"
#include "models/experiments/config.h"
#include "models/parallel_for.h"
#include "models/purchase_line.h"
#include "server/engine/catalog_updates.h"
#include "server/engine/experiments.h"
#include "server/engine/lists.h"
#include "server/engine/live_events.h"
#include "server/engine/request_limits.h"
#include "server/engine/retention.h"

namespace boomerang {
namespace {

constexpr double kDay = 86400;
constexpr double kHour = 3600;

// The live catalog (server/engine/catalog_view.h) as the triggers read it.
class ViewCatalog final : public TriggerCatalog {
 public:
  explicit ViewCatalog(const View& view) : view_(view) {}
  const std::string& ItemId(int32_t item) const override {
    return view_.items().item_id(item);
  }
  bool Available(int32_t item) const override {
    const v1::ItemRecord& rec = view_.items().item(item);
    return rec.in_stock() && !rec.not_recommendable();
  }
  bool InStockAt(int32_t item, int64_t time) const override {
    return view_.catalog != nullptr ? view_.catalog->InStockAt(item, time)
                                    : view_.items().item(item).in_stock();
  }
  double PriceNow(int32_t item) const override {
    return view_.items().item(item).price();
  }
  double PriceAt(int32_t item, int64_t time) const override {
    return boomerang::PriceAt(view_, item, time);
  }

 private:
  const View& view_;
};

std::vector<ShopperEvent> ShopperEvents(const ItemGraph& items,
                                        const std::vector<LiveEvent>& live) {
  std::vector<ShopperEvent> out;
  out.reserve(live.size());
  for (const LiveEvent& e : live) {
    ShopperEvent s;
    s.type = e.type;
    s.time = e.time;
    s.item = e.item_id.empty() ? -1 : items.FindItem(e.item_id);
    s.price = e.price;
    s.quantity = e.quantity;
    s.session = e.session_id;
    if (e.message != nullptr) {
      s.trigger = e.message->trigger();
      s.message_key = e.message->message_key();
      for (const std::string& id : e.message->item_ids()) {
        const int32_t i = items.FindItem(id);
        if (i >= 0) s.message_items.push_back(i);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool InSegments(const Snapshot& snapshot, const v1::CustomerRecord& record,
                int64_t as_of, const std::vector<std::string>& segments) {
  if (segments.empty()) return true;
  for (const std::string& segment : segments) {
    if (InSegment(snapshot, record, as_of, segment)) return true;
  }
  return false;
}

void SetTime(int64_t seconds, google::protobuf::Timestamp* out) {
  out->set_seconds(seconds);
  out->set_nanos(0);
}

std::string Money(double amount) { return absl::StrFormat("%.2f", amount); }

// The trigger items with their evidence and a sentence each.
void FillItems(const View& view, const TriggerHit& hit, int64_t as_of,
               v1::AudienceEntry* entry) {
  const ItemGraph& items = view.items();
  for (const HitItem& h : hit.items) {
    v1::TriggerItem* out = entry->add_items();
    const v1::ItemRecord& rec = items.item(h.item);
    out->set_item_id(items.item_id(h.item));
    out->set_title(rec.title());
    out->set_category(rec.category());
    out->set_price(h.price_now > 0 ? h.price_now : rec.price());
    SetTime(h.event_time, out->mutable_event_time());
    const double hours = std::max(0.0, (as_of - h.event_time) / kHour);
    out->set_hours_since_event(hours);
    out->set_price_before(h.price_before);
    std::string why;
    switch (hit.trigger) {
      case Trigger::kAbandonedCart:
        why = absl::StrCat("in your cart for ", internal::Days(hours / 24));
        if (hours < 48)
          why = absl::StrFormat("in your cart for %.0f hours", hours);
        break;
      case Trigger::kPriceDrop: {
        const double drop = 1 - h.price_now / h.price_before;
        out->set_drop(drop);
        why = h.paid
                  ? absl::StrFormat(
                        "now %s, was %s when you bought it %s ago (-%.0f%%)",
                        Money(h.price_now), Money(h.price_before),
                        internal::Days(hours / 24), drop * 100)
                  : absl::StrFormat(
                        "now %s, was %s when you looked at it (-%.0f%%)",
                        Money(h.price_now), Money(h.price_before), drop * 100);
        break;
      }
      case Trigger::kBackInStock:
        why = absl::StrCat(
            "back in stock: it was sold out when you looked at "
            "it ",
            internal::Days(hours / 24), " ago");
        break;
      case Trigger::kBrowseAbandonment:
        why = h.views > 1
                  ? absl::StrCat("you looked at it ", h.views, " times ",
                                 internal::Days(hours / 24), " ago")
                  : absl::StrCat("you looked at it ",
                                 internal::Days(hours / 24), " ago");
        break;
      case Trigger::kMissingComplement: {
        const std::string& anchor = items.item_id(h.anchor);
        out->set_anchor_item_id(anchor);
        out->set_lift(h.lift);
        out->set_anchor_share(h.anchor_share);
        out->set_days_since_purchase(h.days_since_purchase);
        const std::string& title = items.item(h.anchor).title();
        why = absl::StrFormat(
            "bought with %s in %.0f%% of its orders (lift %.1f); you bought it "
            "%s ago and none of its usual companions since",
            title.empty() ? anchor : absl::StrCat(anchor, " (", title, ")"),
            h.anchor_share * 100, h.lift,
            internal::Days(h.days_since_purchase));
        break;
      }
      default:
        break;
    }
    out->set_explanation(why);
  }
}

// The customer's items due again (the due stream's, most urgent first):
// replenishment's items, and price drop watches their prices.
google::protobuf::RepeatedPtrField<v1::DueItem> DueOf(
    const View& view, const v1::CustomerRecord& record,
    const AudienceSettings& s) {
  google::protobuf::RepeatedPtrField<v1::DueItem> due;
  if (record.items_size() == 0) return due;
  auto filter = DueFilter(view, s.filter);
  if (!filter.ok()) return due;
  DueOptions options;
  options.as_of = s.as_of;
  options.lead_days = s.options.replenishment_lead_days;
  options.min_probability = s.options.replenishment_min_probability;
  options.max_items = s.max_items;
  DueItemsOf(view, record, options, *filter, &due);
  return due;
}

// The due items as price drop takes them, with the unit price of the last
// purchase when a live purchase event carries it (the history's orders
// are priced by the catalog's price history then).
std::vector<DueBought> DueBoughtOf(
    const View& view,
    const google::protobuf::RepeatedPtrField<v1::DueItem>& due,
    absl::Span<const ShopperEvent> events) {
  std::vector<DueBought> out;
  for (const v1::DueItem& d : due) {
    DueBought b;
    b.item = view.items().FindItem(d.item_id());
    b.bought = d.last_purchase().seconds();
    for (const ShopperEvent& e : events) {
      if (e.type == v1::Event::PURCHASE && e.item == b.item &&
          e.time == b.bought && e.price > 0) {
        b.price_paid = e.price;
      }
    }
    out.push_back(b);
  }
  return out;
}

// Replenishment: the due stream's items for this customer.
TriggerResult Replenishment(
    const View& view,
    const google::protobuf::RepeatedPtrField<v1::DueItem>& due,
    v1::AudienceEntry* due_items) {
  TriggerResult r;
  if (due.empty()) return r;
  TriggerHit hit;
  hit.trigger = Trigger::kReplenishment;
  for (const v1::DueItem& d : due) {
    v1::TriggerItem* out = due_items->add_items();
    out->set_item_id(d.item_id());
    out->set_title(d.title());
    out->set_category(d.category());
    out->set_price(d.price());
    *out->mutable_event_time() = d.last_purchase();
    out->set_hours_since_event(d.days_since_last() * 24);
    out->set_probability(d.probability());
    out->set_days_until_due(d.days_until_due());
    out->set_days_since_purchase(d.days_since_last());
    out->set_explanation(d.explanation());
    HitItem h;
    h.item = view.items().FindItem(d.item_id());
    hit.items.push_back(h);
  }
  // Once per item and expected day.
  const v1::DueItem& first = due.Get(0);
  hit.key_part = absl::StrCat(
      first.item_id(), "@",
      static_cast<int64_t>(first.expected_date().seconds() / kDay));
  r.hit = std::move(hit);
  return r;
}

// `index_of`: the dense index of each of the record's items (-1 unknown).
std::vector<PurchaseOf> PurchasesOf(const v1::CustomerRecord& record,
                                    absl::Span<const int32_t> index_of) {
  std::vector<PurchaseOf> out;
  for (int k = 0; k < record.items_size(); ++k) {
    const v1::CustomerItem& ci = record.items(k);
    const int32_t item = index_of[k];
    if (item < 0) continue;
    if (ci.purchase_times_size() == 0) {
      out.push_back({item, ci.last_purchase()});
    }
    for (int64_t t : ci.purchase_times()) out.push_back({item, t});
  }
  return out;
}

// The predicted 12-month value (GetCustomerProfile's), 0 without a model.
double PredictedValue(const Snapshot& snapshot,
                      const v1::CustomerRecord& record, int64_t as_of) {
  const auto times = absl::MakeConstSpan(record.order_times().data(),
                                         record.order_times_size());
  const auto values = absl::MakeConstSpan(record.order_values().data(),
                                          record.order_values_size());
  const CustomerSummary c = SummarizeCustomer(times, values, as_of);
  if (c.orders == 0) return 0;
  auto learned = LearnedLtv(snapshot, times, values, c, as_of, 365);
  if (learned.ok()) return *learned;
  BgNbdParams bg;
  GammaGammaParams gg;
  return ModelsOf(snapshot, &bg, &gg) ? PredictedLtv(bg, gg, c, 365) : 0;
}

// Extra items for the message: picks for a lapsed customer, otherwise
// complements of the trigger items; errors leave the entry without.
void Suggest(const View& view, const AudienceSettings& s,
             v1::AudienceEntry* entry) {
  if (s.suggestions <= 0) {
    // The entry is still a list to measure (its trigger items).
    auto arm =
        ChooseArm(view, "audiences", s.placement, entry->customer_id(), "");
    if (arm.ok()) *entry->mutable_tracking() = std::move(arm->tracking);
    return;
  }
  v1::RecommendationsResponse response;
  absl::Status status;
  if (entry->items_size() == 0) {
    v1::PersonalPicksRequest request;
    request.set_placement(s.placement);
    request.set_customer_id(entry->customer_id());
    request.set_limit(s.suggestions);
    SetTime(s.as_of, request.mutable_as_of());
    *request.mutable_filter() = s.filter;
    status = PersonalPicks(view, request, &response);
  } else {
    v1::CrossSellRequest request;
    request.set_placement(s.placement);
    request.set_customer_id(entry->customer_id());
    request.set_limit(s.suggestions);
    for (const v1::TriggerItem& item : entry->items()) {
      request.add_item_ids(item.item_id());
    }
    *request.mutable_filter() = s.filter;
    status = CrossSell(view, request, &response);
  }
  if (!status.ok()) return;
  for (v1::RecommendedItem& item : *response.mutable_items()) {
    *entry->add_suggestions() = std::move(item);
  }
  *entry->mutable_tracking() = std::move(*response.mutable_tracking());
}

}  // namespace

absl::Status ValidateAudiencesRequest(const View& view,
                                      const v1::AudiencesRequest& request,
                                      AudienceSettings* s) {
  *s = AudienceSettings();
  s->placement =
      request.placement().empty() ? "audiences" : request.placement();
  if (!experiments::ValidName(s->placement)) {
    return absl::InvalidArgumentError(
        "placement must be 1-64 letters, digits, '_' or '-'");
  }
  if (request.triggers().empty()) s->enabled.fill(true);
  for (const std::string& name : request.triggers()) {
    std::optional<Trigger> t = ParseTrigger(name);
    if (!t) {
      return absl::InvalidArgumentError(absl::StrCat(
          "triggers: unknown trigger '", name, "'; known: ", TriggerNames()));
    }
    s->enabled[static_cast<int>(*t)] = true;
  }
  if (request.has_as_of() && (request.as_of().seconds() <= 0 ||
                              request.as_of().seconds() > 253402300799)) {
    return absl::InvalidArgumentError("as_of is not between 1970 and 9999");
  }
  s->as_of = view.AsOfOr(request.has_as_of(), request.as_of());
  for (const std::string& segment : request.segments()) {
    absl::Status valid = ValidateSegment(view.snapshot(), segment);
    if (!valid.ok()) {
      return absl::Status(valid.code(),
                          absl::StrCat("segments: ", valid.message()));
    }
    s->segments.push_back(segment);
  }
  auto in_range = [](int value, int hi, absl::string_view field) {
    return value < 0 && field != "suggestions"
               ? absl::InvalidArgumentError(
                     absl::StrCat(field, " must be >= 0"))
           : value > hi ? absl::InvalidArgumentError(
                              absl::StrCat(field, " is over ", hi))
                        : absl::OkStatus();
  };
  absl::Status st = in_range(request.max_items(), 50, "max_items");
  if (st.ok()) st = in_range(request.suggestions(), 50, "suggestions");
  if (st.ok()) st = in_range(request.batch_size(), 10000, "batch_size");
  if (!st.ok()) return st;
  if (request.filter().exclude_item_ids_size() > kMaxExcludedItems) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter.exclude_item_ids has more than ", kMaxExcludedItems, " ids"));
  }
  auto options = TriggerOptionsFrom(request.options(), request.quiet_hours());
  if (!options.ok()) return options.status();
  s->options = *options;
  s->max_items = request.max_items() == 0 ? 5 : request.max_items();
  s->suggestions = request.suggestions() == 0  ? 4
                   : request.suggestions() < 0 ? 0
                                               : request.suggestions();
  s->filter = request.filter();
  // A bad filter is the request's error, not a trigger that never fires.
  auto filter = DueFilter(view, s->filter);
  if (!filter.ok()) {
    return absl::Status(filter.status().code(),
                        absl::StrCat("filter: ", filter.status().message()));
  }
  s->batch_size = request.batch_size() == 0 ? 256 : request.batch_size();
  if (s->enabled[static_cast<int>(Trigger::kMissingComplement)]) {
    s->complements =
        std::make_shared<const StrongComplements>(view.items(), s->options);
  }
  return absl::OkStatus();
}

bool AudienceOf(const View& view, const AudienceSettings& s,
                absl::string_view customer_id, v1::CustomerRecord record,
                v1::AudienceEntry* entry, AudienceTallies* tallies) {
  const Snapshot& snapshot = view.snapshot();
  const int64_t as_of = s.as_of;
  LiveActivity activity;
  ApplyLiveEvents(view, customer_id, as_of, &record, &activity);
  const std::vector<ShopperEvent> events =
      view.live != nullptr
          ? ShopperEvents(view.items(), view.live->ForCustomer(customer_id))
          : std::vector<ShopperEvent>();
  const ViewCatalog catalog(view);
  const ContactState contact(events, as_of);
  const bool in_segment = InSegments(snapshot, record, as_of, s.segments);
  const bool quiet = contact.Quiet(s.options, as_of);
  // Purchases up to as_of only: a replay for an earlier moment must not
  // see later orders as "bought since".
  absl::flat_hash_map<int32_t, int64_t> last_bought;
  std::vector<int32_t> index_of(record.items_size());
  for (int k = 0; k < record.items_size(); ++k) {
    const v1::CustomerItem& ci = record.items(k);
    const int32_t i = index_of[k] = view.items().FindItem(ci.item_id());
    if (i < 0) continue;
    int64_t last = ci.purchase_times_size() == 0 && ci.last_purchase() <= as_of
                       ? ci.last_purchase()
                       : 0;
    for (int64_t t : ci.purchase_times()) {
      if (t <= as_of) last = std::max(last, t);
    }
    if (last > 0) last_bought[i] = last;
  }
  int64_t last_order = 0;
  for (int64_t t : record.order_times()) {
    if (t <= as_of) last_order = std::max(last_order, t);
  }
  const LastPurchase bought_at = [&last_bought](int32_t item) -> int64_t {
    auto it = last_bought.find(item);
    return it == last_bought.end() ? 0 : it->second;
  };
  // Items due again, for price drop and replenishment.
  const google::protobuf::RepeatedPtrField<v1::DueItem> due_now =
      s.enabled[static_cast<int>(Trigger::kPriceDrop)] ||
              s.enabled[static_cast<int>(Trigger::kReplenishment)]
          ? DueOf(view, record, s)
          : google::protobuf::RepeatedPtrField<v1::DueItem>();
  v1::AudienceEntry due;  // replenishment's items, filled when it fires
  std::optional<TriggerHit> chosen;
  for (int k = 0; k < kTriggers; ++k) {
    if (!s.enabled[k]) continue;
    const Trigger t = static_cast<Trigger>(k);
    TriggerResult r;
    switch (t) {
      case Trigger::kAbandonedCart:
        r = AbandonedCart(events, catalog, bought_at, s.options, as_of,
                          s.max_items);
        break;
      case Trigger::kPriceDrop:
        r = PriceDrop(events, DueBoughtOf(view, due_now, events), catalog,
                      bought_at, contact, s.options, as_of, s.max_items);
        break;
      case Trigger::kBackInStock:
        r = BackInStock(events, catalog, bought_at, contact, s.options, as_of,
                        s.max_items);
        break;
      case Trigger::kBrowseAbandonment:
        r = BrowseAbandonment(events, catalog, last_order, s.options, as_of,
                              s.max_items);
        break;
      case Trigger::kReplenishment:
        r = Replenishment(view, due_now, &due);
        break;
      case Trigger::kMissingComplement:
        if (record.items_size() == 0) break;
        r = MissingComplement(view.items(), PurchasesOf(record, index_of),
                              catalog, s.options, as_of, s.max_items,
                              s.complements.get());
        break;
      case Trigger::kWinBack:
        r = WinBack(absl::MakeConstSpan(record.order_times().data(),
                                        record.order_times_size()),
                    s.options, as_of);
        break;
    }
    TriggerTally& tally = (*tallies)[k];
    if (!r.hit) {
      if (r.skip == Skip::kBoughtSince) ++tally.bought_since;
      if (r.skip == Skip::kOutOfStock) ++tally.out_of_stock;
      continue;
    }
    if (chosen) {
      ++tally.lower_priority;
    } else if (!in_segment) {
      ++tally.not_in_segment;
    } else if (quiet) {
      ++tally.quiet;
    } else if (contact.Reentry(t, MessageKey(t, customer_id, r.hit->key_part),
                               s.options, as_of)) {
      ++tally.reentry;
    } else {
      ++tally.entries;
      chosen = std::move(r.hit);
    }
  }
  if (!chosen) return false;
  entry->set_customer_id(std::string(customer_id));
  entry->set_trigger(std::string(TriggerName(chosen->trigger)));
  entry->set_message_key(
      MessageKey(chosen->trigger, customer_id, chosen->key_part));
  if (chosen->trigger == Trigger::kReplenishment) {
    *entry->mutable_items() = std::move(*due.mutable_items());
  } else {
    FillItems(view, *chosen, as_of, entry);
  }
  entry->set_segment(std::string(SegmentOf(snapshot, record, as_of)));
  const CustomerClasses classes = ClassesOf(snapshot, record, as_of);
  entry->set_abc_class(std::string(classes.abc));
  entry->set_xyz_class(std::string(classes.xyz));
  entry->set_predicted_ltv_12_months(
      std::round(PredictedValue(snapshot, record, as_of) * 100) / 100);
  entry->set_days_since_last_order(chosen->days_since_last_order);
  entry->set_threshold_days(chosen->threshold_days);
  Suggest(view, s, entry);
  return true;
}

AudienceScan::AudienceScan(View view, AudienceSettings settings)
    : view_(std::move(view)), settings_(std::move(settings)) {}

int64_t AudienceScan::total() const {
  return view_.snapshot().num_customers() +
         static_cast<int64_t>(live_only_.size());
}

void AudienceScan::RunBlock(std::vector<std::string> ids,
                            std::vector<v1::CustomerRecord> records) {
  const int64_t n = static_cast<int64_t>(ids.size());
  std::vector<v1::AudienceEntry> entries(n);
  std::vector<char> hit(n, 0);
  std::vector<AudienceTallies> tallies(n);
  ParallelFor(n, 16, ResolveThreads(0), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      hit[i] = AudienceOf(view_, settings_, ids[i], std::move(records[i]),
                          &entries[i], &tallies[i]);
    }
  });
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < kTriggers; ++k) {
      TriggerTally& into = tallies_[k];
      const TriggerTally& from = tallies[i][k];
      into.entries += from.entries;
      into.quiet += from.quiet;
      into.reentry += from.reentry;
      into.lower_priority += from.lower_priority;
      into.bought_since += from.bought_since;
      into.out_of_stock += from.out_of_stock;
      into.not_in_segment += from.not_in_segment;
    }
    if (!hit[i]) continue;
    if (entries[i].trigger() == TriggerName(Trigger::kWinBack)) {
      win_back_.push_back(std::move(entries[i]));
    } else {
      ready_.push_back(std::move(entries[i]));
    }
  }
  scanned_ += n;
}

absl::Status AudienceScan::ScanSnapshotBlock() {
  constexpr int kBlock = 1024;
  std::vector<std::string> ids;
  std::vector<v1::CustomerRecord> records;
  absl::Status parse;
  absl::Status s = view_.snapshot().ScanCustomers(
      last_key_, [&](absl::string_view key, absl::string_view value) {
        ids.emplace_back(key);
        records.emplace_back();
        if (!records.back().ParseFromString(std::string(value))) {
          parse = absl::DataLossError(
              absl::StrCat("customer record '", key, "' is unreadable"));
          return false;
        }
        return static_cast<int>(ids.size()) < kBlock;
      });
  if (!s.ok()) return s;
  if (!parse.ok()) return parse;
  if (static_cast<int>(ids.size()) < kBlock) {
    phase_ = Phase::kLive;
    // Customers the snapshot does not know (new since the rebuild).
    if (view_.live != nullptr) {
      for (std::string& id : view_.live->Customers()) {
        v1::CustomerRecord unused;
        const absl::Status known = view_.snapshot().GetCustomer(id, &unused);
        if (absl::IsNotFound(known)) live_only_.push_back(std::move(id));
      }
    }
  }
  if (!ids.empty()) last_key_ = ids.back();
  RunBlock(std::move(ids), std::move(records));
  return absl::OkStatus();
}

absl::Status AudienceScan::ScanLiveBlock() {
  constexpr size_t kBlock = 1024;
  std::vector<std::string> ids;
  while (live_next_ < live_only_.size() && ids.size() < kBlock) {
    ids.push_back(live_only_[live_next_++]);
  }
  if (live_next_ >= live_only_.size()) {
    phase_ = Phase::kWinBack;
    // The most valuable lapsed customers first.
    std::stable_sort(
        win_back_.begin(), win_back_.end(),
        [](const v1::AudienceEntry& a, const v1::AudienceEntry& b) {
          return a.predicted_ltv_12_months() > b.predicted_ltv_12_months();
        });
  }
  std::vector<v1::CustomerRecord> records(ids.size());
  RunBlock(std::move(ids), std::move(records));
  return absl::OkStatus();
}

absl::StatusOr<bool> AudienceScan::Next(std::vector<v1::AudienceEntry>* out) {
  out->clear();
  // Bounded work per call (~16k customers) whatever batch_size asks for.
  constexpr int64_t kMaxScan = 16384;
  const int64_t start = scanned_;
  const size_t want = static_cast<size_t>(settings_.batch_size);
  while (ready_.size() < want && scanned_ - start < kMaxScan &&
         (phase_ == Phase::kSnapshot || phase_ == Phase::kLive)) {
    absl::Status s =
        phase_ == Phase::kSnapshot ? ScanSnapshotBlock() : ScanLiveBlock();
    if (!s.ok()) return s;
  }
  if (phase_ == Phase::kWinBack && ready_.size() < want) {
    for (v1::AudienceEntry& e : win_back_) ready_.push_back(std::move(e));
    win_back_.clear();
    phase_ = Phase::kDone;
  }
  while (!ready_.empty() && out->size() < want) {
    out->push_back(std::move(ready_.front()));
    ready_.pop_front();
  }
  return phase_ != Phase::kDone || !ready_.empty();
}

std::vector<v1::TriggerCount> AudienceScan::Counts() const {
  std::vector<v1::TriggerCount> out;
  for (int k = 0; k < kTriggers; ++k) {
    if (!settings_.enabled[k]) continue;
    const TriggerTally& t = tallies_[k];
    v1::TriggerCount c;
    c.set_trigger(std::string(TriggerName(static_cast<Trigger>(k))));
    c.set_entries(t.entries);
    c.set_quiet(t.quiet);
    c.set_reentry(t.reentry);
    c.set_lower_priority(t.lower_priority);
    c.set_bought_since(t.bought_since);
    c.set_out_of_stock(t.out_of_stock);
    c.set_not_in_segment(t.not_in_segment);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace boomerang
