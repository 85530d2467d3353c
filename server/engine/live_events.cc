#include "server/engine/live_events.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/experiments/tracking.h"
#include "models/purchase_line.h"
#include "models/timestamp.h"

namespace boomerang {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kCartDays = 30;
constexpr int64_t kViewDays = 7;
constexpr size_t kMaxViews = 20;

// Inserts (time, value) keeping `times` ascending, `values` parallel.
template <typename Times, typename Values, typename V>
void InsertSorted(Times* times, Values* values, int64_t t, V v) {
  times->Add(t);
  values->Add(v);
  for (int i = times->size() - 1; i > 0 && times->Get(i - 1) > t; --i) {
    times->SwapElements(i, i - 1);
    values->SwapElements(i, i - 1);
  }
}

}  // namespace

namespace {

bool HasControlCharacter(absl::string_view s) {
  for (const char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// Impressions, clicks and the recommendation id of cart adds and
// purchases (issue 14): INVALID_ARGUMENT naming events[i]'s field.
absl::Status ValidateTracking(v1::Event* e, int i) {
  auto bad = [i](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("events[", i, "].", field, " ", why));
  };
  const bool shown =
      e->type() == v1::Event::IMPRESSION || e->type() == v1::Event::CLICK;
  const bool credited =
      e->type() == v1::Event::ADD_TO_CART || e->type() == v1::Event::PURCHASE;
  e->set_recommendation_id(
      std::string(absl::StripAsciiWhitespace(e->recommendation_id())));
  if (!shown && !credited && !e->recommendation_id().empty()) {
    return bad("recommendation_id",
               "is for IMPRESSION, CLICK, ADD_TO_CART and PURCHASE events");
  }
  if (shown && e->recommendation_id().empty()) {
    return bad("recommendation_id",
               "is empty (send the list's tracking.recommendation_id)");
  }
  experiments::TrackingKey key;
  if (!e->recommendation_id().empty() &&
      !experiments::ParseRecommendationId(e->recommendation_id(), &key)) {
    return bad("recommendation_id",
               absl::StrCat("\"", e->recommendation_id().substr(0, 80),
                            "\" is not a recommendation id of this server "
                            "(copy tracking.recommendation_id as it is)"));
  }
  if (e->type() != v1::Event::IMPRESSION && e->shown_item_ids_size() > 0) {
    return bad("shown_item_ids", "is for IMPRESSION events only");
  }
  if (e->shown_item_ids_size() > 100) {
    return bad("shown_item_ids", "has more than 100 ids");
  }
  for (const std::string& id : e->shown_item_ids()) {
    if (id.empty() || id.size() > 256 || HasControlCharacter(id)) {
      return bad("shown_item_ids",
                 "has an empty id, one over 256 bytes or one with a control "
                 "character");
    }
  }
  if (e->position() < 0 || e->position() > 1000) {
    return bad("position", "must be in [0, 1000] (1 is the first item)");
  }
  // One impression per list, one click per list and item: retries of
  // either are safe without a key of the sender's.
  if (e->idempotency_key().empty() && e->type() == v1::Event::IMPRESSION) {
    e->set_idempotency_key(absl::StrCat("impression:", e->recommendation_id()));
  }
  if (e->idempotency_key().empty() && e->type() == v1::Event::CLICK) {
    e->set_idempotency_key(
        absl::StrCat("click:", e->recommendation_id(), ":", e->item_id()));
  }
  if (shown && e->customer_id().empty() && e->session_id().empty()) {
    return bad("customer_id", "and session_id are both empty (one is needed)");
  }
  return absl::OkStatus();
}

// The request's events, validated and trimmed, or INVALID_ARGUMENT naming
// the event (by position) and the field.
absl::Status ValidateEvents(const v1::RecordEventsRequest& request,
                            int64_t now_seconds, std::vector<v1::Event>* out) {
  constexpr int kMaxEvents = 1000;
  constexpr size_t kMaxIdBytes = 256;
  if (request.events_size() == 0) {
    return absl::InvalidArgumentError("events is empty");
  }
  if (request.events_size() > kMaxEvents) {
    return absl::InvalidArgumentError(absl::StrCat(
        request.events_size(), " events in one call; at most ", kMaxEvents));
  }
  std::vector<v1::Event> events;
  events.reserve(request.events_size());
  for (int i = 0; i < request.events_size(); ++i) {
    v1::Event e = request.events(i);
    auto bad = [i](absl::string_view field, absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("events[", i, "].", field, " ", why));
    };
    if (e.type() == v1::Event::TYPE_UNSPECIFIED ||
        !v1::Event::Type_IsValid(e.type())) {
      return bad("type",
                 "must be VIEW, ADD_TO_CART, REMOVE_FROM_CART, PURCHASE, "
                 "MESSAGE_SENT, IMPRESSION or CLICK");
    }
    if (e.type() == v1::Event::ITEM_UPDATE) {
      return bad("type", "ITEM_UPDATE is sent with UpdateItems");
    }
    const bool message = e.type() == v1::Event::MESSAGE_SENT;
    if (message) {
      // The contact log: the trigger is what the quiet and re-entry
      // windows count; the message key doubles as the idempotency key.
      v1::MessageSent* m = e.mutable_message();
      m->set_trigger(std::string(absl::StripAsciiWhitespace(m->trigger())));
      if (m->trigger().empty()) return bad("message.trigger", "is empty");
      for (const std::string* text :
           {&m->trigger(), &m->channel(), &m->message_key()}) {
        if (text->size() > kMaxIdBytes || HasControlCharacter(*text)) {
          return bad("message",
                     "has a field over 256 bytes or with a "
                     "control character");
        }
      }
      if (m->item_ids_size() > 100) {
        return bad("message.item_ids", "has more than 100 ids");
      }
      if (e.idempotency_key().empty()) {
        e.set_idempotency_key(m->message_key());
      }
      if (e.item_id().empty() && m->item_ids_size() > 0) {
        e.set_item_id(m->item_ids(0));
      }
    } else if (e.has_message()) {
      return bad("message", "is for MESSAGE_SENT events only");
    }
    absl::Status tracked = ValidateTracking(&e, i);
    if (!tracked.ok()) return tracked;
    // A guest's impression or click names a session instead.
    const bool guest =
        (e.type() == v1::Event::IMPRESSION || e.type() == v1::Event::CLICK) &&
        e.customer_id().empty() && !e.session_id().empty();
    for (auto [field, value] :
         {std::pair<absl::string_view, std::string*>{"customer_id",
                                                     e.mutable_customer_id()},
          {"item_id", e.mutable_item_id()},
          {"idempotency_key", e.mutable_idempotency_key()}}) {
      *value = std::string(absl::StripAsciiWhitespace(*value));
      // "14911.0" is customer 14911, as the indexer and every RPC read it.
      if (field == "customer_id") *value = NormalizeId(*value);
      // A message may name no item (a win-back email).
      const bool optional = (field == "item_id" &&
                             (message || e.type() == v1::Event::IMPRESSION)) ||
                            (field == "customer_id" && guest);
      if (value->empty() && !optional) {
        return bad(field, "is empty");
      }
      if (value->size() > kMaxIdBytes) {
        return bad(field,
                   absl::StrCat("is longer than ", kMaxIdBytes, " bytes"));
      }
      // The store keys events by customer id, '\0', time: a control
      // character (NUL above all) would let one id read as another.
      if (HasControlCharacter(*value)) {
        return bad(field, "contains a control character");
      }
    }
    if (e.order_id().size() > kMaxIdBytes) {
      return bad("order_id", "is longer than 256 bytes");
    }
    if (HasControlCharacter(e.order_id())) {
      return bad("order_id", "contains a control character");
    }
    if (e.session_id().size() > kMaxIdBytes ||
        HasControlCharacter(e.session_id())) {
      return bad("session_id",
                 "is longer than 256 bytes or has a control character");
    }
    if (!e.has_timestamp() || e.timestamp().seconds() <= 0 ||
        e.timestamp().seconds() > 253402300799 || e.timestamp().nanos() < 0 ||
        e.timestamp().nanos() > 999999999) {
      return bad("timestamp", "is missing or not between 1970 and 9999");
    }
    // An event from the future is a client bug (milliseconds sent as
    // seconds, a wrong clock): it would count as the newest purchase for
    // ever. A day of slack covers clock skew and time zones done wrong.
    if (e.timestamp().seconds() > now_seconds + 86400) {
      return bad("timestamp",
                 absl::StrCat("is ", FormatTimestamp(e.timestamp().seconds()),
                              ", more than a day after the server's clock (",
                              FormatTimestamp(now_seconds),
                              "); send the event's real time, in UTC (seconds, "
                              "not milliseconds)"));
    }
    if (!(e.quantity() >= 0 && e.quantity() < 1e9)) {
      return bad("quantity", "must be >= 0 (0 means 1)");
    }
    if (!(e.price() >= 0 && e.price() < 1e12)) {
      return bad("price", "must be >= 0");
    }
    events.push_back(std::move(e));
  }
  *out = std::move(events);
  return absl::OkStatus();
}

}  // namespace

void RecordEventsAsync(EventLog* log, const ServingClock& clock,
                       const v1::RecordEventsRequest& request,
                       v1::RecordEventsResponse* response,
                       std::function<void(absl::Status)> done) {
  if (log == nullptr) {
    done(absl::FailedPreconditionError(
        "this server keeps no live events: start it with --events-dir"));
    return;
  }
  std::vector<v1::Event> events;
  absl::Status valid = ValidateEvents(request, clock.SystemNow(), &events);
  if (!valid.ok()) {
    done(valid);
    return;
  }
  log->AppendAsync(std::move(events),
                   [response, done = std::move(done)](
                       absl::StatusOr<EventLog::AppendResult> result) {
                     if (!result.ok()) {
                       done(result.status());
                       return;
                     }
                     response->set_accepted(result->accepted);
                     response->set_duplicates(result->duplicates);
                     done(absl::OkStatus());
                   });
}

absl::Status RecordEvents(EventLog* log, const ServingClock& clock,
                          const v1::RecordEventsRequest& request,
                          v1::RecordEventsResponse* response) {
  absl::Status status;
  absl::Notification done;
  RecordEventsAsync(log, clock, request, response, [&](absl::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

int64_t ExportDataEnd(const Snapshot& snapshot) {
  const v1::SnapshotManifest& m = snapshot.manifest();
  auto t = ParseTimestamp(m.export_data_end().empty() ? m.data_end()
                                                      : m.export_data_end());
  return t.ok() && *t > 0 ? *t : 0;
}

void ApplyLiveEvents(const View& view, absl::string_view customer_id,
                     int64_t now, v1::CustomerRecord* record,
                     LiveActivity* activity) {
  *activity = LiveActivity();
  if (view.live == nullptr || customer_id.empty()) return;
  const std::vector<LiveEvent> events = view.live->ForCustomer(customer_id);
  if (events.empty()) return;
  const Snapshot& snapshot = view.snapshot();
  const int64_t data_end = snapshot.data_end_seconds();
  // Purchases after the snapshot: per item, and grouped into orders.
  struct Order {
    int64_t time = INT64_MAX;
    double value = 0;
  };
  std::map<std::string, Order> orders;  // by order id (or time)
  absl::flat_hash_map<std::string, int> item_index;
  for (int i = 0; i < record->items_size(); ++i) {
    item_index[record->items(i).item_id()] = i;
  }
  std::vector<std::pair<std::string, double>> cart;  // item, units
  auto cart_find = [&cart](const std::string& item) {
    return std::find_if(cart.begin(), cart.end(),
                        [&](const auto& c) { return c.first == item; });
  };
  std::vector<std::string> views;      // oldest first
  for (const LiveEvent& e : events) {  // in time order
    const int64_t t = e.time;
    // The snapshot's spelling of the item: with --merge-item-case,
    // "85123a" is the item kept as "85123A", and its history is one.
    const int32_t known = snapshot.FindItem(e.item_id);
    const std::string& item_id =
        known >= 0 ? snapshot.item_id(known) : e.item_id;
    // A purchase the snapshot has is in the record already, but still
    // empties the cart; views and cart changes are in no export, so they
    // count whenever they happened (the live view keeps them for
    // LiveView::kBehaviourDays).
    if (t <= data_end && e.type == v1::Event::PURCHASE) {
      if (auto c = cart_find(item_id); c != cart.end()) cart.erase(c);
      continue;
    }
    const double q = e.quantity > 0 ? e.quantity : 1;
    switch (e.type) {
      case v1::Event::PURCHASE: {
        auto [it, added] =
            item_index.try_emplace(item_id, record->items_size());
        if (added) {
          v1::CustomerItem* ci = record->add_items();
          ci->set_item_id(item_id);
          ci->set_first_purchase(t);
          ci->set_last_purchase(t);
        }
        v1::CustomerItem* ci = record->mutable_items(it->second);
        InsertSorted(ci->mutable_purchase_times(),
                     ci->mutable_purchase_quantities(), t,
                     static_cast<float>(q));
        ci->set_orders(ci->orders() + 1);
        ci->set_quantity(ci->quantity() + q);
        ci->set_first_purchase(std::min(ci->first_purchase(), t));
        ci->set_last_purchase(std::max(ci->last_purchase(), t));
        Order& o =
            orders[e.order_id.empty() ? absl::StrCat("@", t) : e.order_id];
        o.time = std::min(o.time, t);
        o.value += q * std::max(0.0, e.price);
        if (auto c = cart_find(item_id); c != cart.end()) cart.erase(c);
        ++activity->purchases;
        if (std::find(activity->bought.begin(), activity->bought.end(),
                      item_id) == activity->bought.end()) {
          activity->bought.push_back(item_id);
        }
        break;
      }
      case v1::Event::ADD_TO_CART:
        if (t < now - kCartDays * kDay) break;
        // Added before the snapshot's end and bought after that in the
        // export: the purchase event itself is no longer in the live view.
        if (t <= data_end) {
          auto known_item = item_index.find(item_id);
          if (known_item != item_index.end() &&
              record->items(known_item->second).last_purchase() >= t) {
            break;
          }
        }
        if (auto c = cart_find(item_id); c != cart.end()) {
          c->second += q;
        } else {
          cart.emplace_back(item_id, q);
        }
        break;
      case v1::Event::REMOVE_FROM_CART:
        if (auto c = cart_find(item_id); c != cart.end()) {
          c->second -= q;
          if (c->second <= 1e-9) cart.erase(c);
        }
        break;
      case v1::Event::VIEW:
        if (t >= now - kViewDays * kDay) views.push_back(item_id);
        break;
      default:
        break;
    }
  }
  for (const auto& [id, o] : orders) {
    InsertSorted(record->mutable_order_times(), record->mutable_order_values(),
                 o.time, o.value);
    record->set_orders(record->orders() + 1);
    record->set_revenue(record->revenue() + o.value);
    record->set_first_order(record->first_order() == 0
                                ? o.time
                                : std::min(record->first_order(), o.time));
    record->set_last_order(std::max(record->last_order(), o.time));
  }
  // The newest kMaxCartItems: CrossSell takes the cart as its anchors.
  constexpr size_t kMaxCartItems = 100;
  const size_t skip =
      cart.size() > kMaxCartItems ? cart.size() - kMaxCartItems : 0;
  for (size_t i = skip; i < cart.size(); ++i) {
    activity->cart.push_back(cart[i].first);
  }
  absl::flat_hash_set<std::string> seen;
  for (auto it = views.rbegin();
       it != views.rend() && activity->views.size() < kMaxViews; ++it) {
    if (seen.insert(*it).second) activity->views.push_back(*it);
  }
}

}  // namespace boomerang
