#include "server/engine/catalog_updates.h"

#include <cmath>
#include <functional>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "models/timestamp.h"
#include "server/engine/catalog_view.h"

namespace boomerang {
namespace {

constexpr size_t kMaxIdBytes = 256;
constexpr size_t kMaxTextBytes = 1024;

bool HasControlCharacter(absl::string_view s) {
  for (const char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// A key for an update sent without one: the same change (item, fields,
// moment) gives the same key, so a retry is a duplicate. The prefix keeps
// it apart from RecordEvents' keys, which share the store's key space.
std::string DerivedKey(const v1::ItemUpdate& u) {
  v1::ItemUpdate copy = u;
  copy.clear_idempotency_key();
  std::string bytes;
  // Deterministic: the same message gives the same bytes in this build.
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&out);
  }
  const size_t h = std::hash<std::string>()(bytes);
  return absl::StrCat("item-update:", u.item_id(), ":", u.timestamp().seconds(),
                      ".", u.timestamp().nanos(), ":",
                      absl::Hex(h, absl::kZeroPad16));
}

absl::Status ValidateUpdate(int i, int64_t now, v1::ItemUpdate* u) {
  auto bad = [i](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("items[", i, "].", field, " ", why));
  };
  *u->mutable_item_id() = std::string(absl::StripAsciiWhitespace(u->item_id()));
  *u->mutable_idempotency_key() =
      std::string(absl::StripAsciiWhitespace(u->idempotency_key()));
  if (u->item_id().empty()) return bad("item_id", "is empty");
  for (auto [field, value, limit] :
       {std::tuple<absl::string_view, const std::string*, size_t>{
            "item_id", &u->item_id(), kMaxIdBytes},
        {"idempotency_key", &u->idempotency_key(), kMaxIdBytes},
        {"title", &u->title(), kMaxTextBytes},
        {"category", &u->category(), kMaxTextBytes},
        {"brand", &u->brand(), kMaxTextBytes}}) {
    if (value->size() > limit) {
      return bad(field, absl::StrCat("is longer than ", limit, " bytes"));
    }
    // The store keys events by customer id, '\0', time, key: a control
    // character (NUL above all) would let one key read as another, and
    // titles are shown in pages and CSV.
    if (HasControlCharacter(*value)) {
      return bad(field, "contains a control character");
    }
  }
  if (u->has_price() &&
      !(std::isfinite(u->price()) && u->price() >= 0 && u->price() < 1e12)) {
    return bad("price", "must be a number >= 0");
  }
  if (u->has_stock_quantity() && u->stock_quantity() < 0) {
    return bad("stock_quantity", "must be >= 0");
  }
  if (u->has_timestamp()) {
    const auto& t = u->timestamp();
    if (t.seconds() <= 0 || t.seconds() > 253402300799 || t.nanos() < 0 ||
        t.nanos() > 999999999) {
      return bad("timestamp", "is not between 1970 and 9999");
    }
    // As RecordEvents: a change from the future would hold for ever.
    if (t.seconds() > now + 86400) {
      return bad("timestamp",
                 absl::StrCat("is ", FormatTimestamp(t.seconds()),
                              ", more than a day after the server's clock"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

void UpdateItemsAsync(EventLog* log, const ServingClock& clock,
                      const Snapshot* snapshot,
                      const v1::UpdateItemsRequest& request,
                      v1::UpdateItemsResponse* response,
                      std::function<void(absl::Status)> done) {
  if (log == nullptr) {
    done(absl::FailedPreconditionError(
        "this server keeps no live events: start it with --events-dir"));
    return;
  }
  if (request.items_size() == 0) {
    done(absl::InvalidArgumentError("items is empty"));
    return;
  }
  if (request.items_size() > kMaxItemUpdates) {
    done(absl::InvalidArgumentError(absl::StrCat(request.items_size(),
                                                 " items in one call; at most ",
                                                 kMaxItemUpdates)));
    return;
  }
  const int64_t now = clock.SystemNow();
  std::vector<v1::Event> events;
  events.reserve(request.items_size());
  std::vector<std::string> new_ids;
  for (int i = 0; i < request.items_size(); ++i) {
    v1::Event e;
    v1::ItemUpdate* u = e.mutable_item_update();
    *u = request.items(i);
    absl::Status s = ValidateUpdate(i, now, u);
    if (!s.ok()) {
      done(s);
      return;
    }
    if (!u->has_timestamp()) u->mutable_timestamp()->set_seconds(now);
    if (u->idempotency_key().empty()) u->set_idempotency_key(DerivedKey(*u));
    e.set_type(v1::Event::ITEM_UPDATE);
    e.set_item_id(u->item_id());
    *e.mutable_timestamp() = u->timestamp();
    e.set_idempotency_key(u->idempotency_key());
    if (snapshot != nullptr && snapshot->FindItem(u->item_id()) < 0) {
      new_ids.push_back(u->item_id());
    }
    events.push_back(std::move(e));
  }
  log->AppendAsync(
      std::move(events),
      [response, new_ids = std::move(new_ids),
       done = std::move(done)](absl::StatusOr<EventLog::AppendResult> result) {
        if (!result.ok()) {
          done(result.status());
          return;
        }
        response->set_accepted(result->accepted);
        response->set_duplicates(result->duplicates);
        for (const std::string& id : new_ids) {
          response->add_new_item_ids(id);
        }
        done(absl::OkStatus());
      });
}

std::vector<v1::PriceChange> PriceHistoryOf(const View& view, int32_t item) {
  std::vector<v1::PriceChange> out;
  const Snapshot& snapshot = view.snapshot();
  if (item < 0 || item >= view.items().num_items()) return out;
  if (item < snapshot.num_items()) {
    for (const v1::PriceChange& c : snapshot.PriceHistory(item)) {
      out.push_back(c);
    }
    if (out.empty() && snapshot.item(item).price() > 0) {
      // A snapshot without a prices table: its catalog price, from the
      // start of time.
      v1::PriceChange c;
      c.set_to_price(snapshot.item(item).price());
      c.set_source("catalog");
      out.push_back(std::move(c));
    }
  }
  if (view.catalog != nullptr) {
    if (const auto* live = view.catalog->LivePrices(item)) {
      out.insert(out.end(), live->begin(), live->end());
    }
  }
  return out;
}

double PriceAt(const View& view, int32_t item, int64_t time) {
  const std::vector<v1::PriceChange> history = PriceHistoryOf(view, item);
  double price = 0;
  for (const v1::PriceChange& c : history) {
    if (c.time() > time) {
      // Before the first known change: the price it changed from, or,
      // when that is unknown and the change is the catalog file's price
      // (at --catalog-time) or the first month of prices from purchase
      // lines, that price: a purchase before the catalog's time was at it
      // as far as anyone can tell. An item first priced by a live update
      // had no price before it.
      if (price == 0) {
        price = c.from_price() > 0 || c.source() == "update" ? c.from_price()
                                                             : c.to_price();
      }
      break;
    }
    price = c.to_price();
  }
  return price;
}

}  // namespace boomerang
