#include "server/engine/request_helpers.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "models/purchase_line.h"
#include "models/rank/customer_history.h"
#include "models/repurchase.h"
#include "server/engine/clock.h"

namespace boomerang {
namespace internal {

absl::StatusOr<Customer> LoadCustomer(const View& view,
                                      absl::string_view customer_id,
                                      bool with_timing, int64_t window_end) {
  const Snapshot& snapshot = view.snapshot();
  Customer c;
  // "14911.0" is customer 14911, as the indexer reads it.
  const std::string id = NormalizeId(customer_id);
  customer_id = id;
  if (customer_id.empty()) return c;
  absl::Status s = snapshot.GetCustomer(customer_id, &c.record);
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  c.known = s.ok();
  // What they did since the snapshot (purchases join the record).
  ApplyLiveEvents(view, customer_id,
                  window_end != 0 ? window_end : view.clock.SystemNow(),
                  &c.record, &c.live);
  c.known = c.known || c.live.purchases > 0;
  if (!c.known) return c;
  if (c.record.vector_size() == snapshot.dim()) {
    double sum = 0;
    for (float x : c.record.vector()) sum += double{x} * x;
    c.norm = static_cast<float>(std::sqrt(sum));
  }
  HistoryFromRecord(snapshot, c.record, &c.history);
  if (with_timing) EstimateTiming(snapshot, &c);
  return c;
}

void EstimateTiming(const Snapshot& snapshot, Customer* customer) {
  if (customer->timed) return;
  customer->timed = true;
  // The one repurchase model (BuyAgain's): PersonalPicks' timing and "due
  // again" agree with what BuyAgain calls due.
  TimeHistory(snapshot, customer->record, &customer->history);
}

float Affinity(const Snapshot& snapshot, const Customer& customer,
               int32_t item) {
  const int dim = snapshot.dim();
  if (customer.norm <= 0 || dim == 0 || snapshot.ItemNorm(item) <= 0) return 0;
  return snapshot.ItemDot(customer.record.vector().data(), item) /
         (customer.norm * snapshot.ItemNorm(item));
}

absl::StatusOr<BoundFilter> BoundFilter::Create(
    const View& view, const v1::Filter& filter,
    const google::protobuf::RepeatedPtrField<std::string>* more_excluded,
    Customer* customer, int64_t as_of) {
  const Snapshot& snapshot = view.snapshot();
  auto rules = ItemFilter::Create(filter);
  if (!rules.ok()) return rules.status();
  BoundFilter f(view.items(), std::move(*rules));
  // BuyAgain's model: due again once 41% of the interval has passed, unless
  // the habit has lapsed; an item without a cycle is never due again.
  auto due_again = [&](const HistoryItem& h) {
    return h.repurchase.has_value() && DueAgain(*h.repurchase, as_of);
  };
  if (filter.exclude_purchased()) {
    if (customer == nullptr) {
      return absl::InvalidArgumentError(
          "filter.exclude_purchased needs the request's customer_id");
    }
    if (as_of == 0) as_of = view.DefaultAsOf();
    EstimateTiming(snapshot, customer);
    for (const HistoryItem& h : customer->history) {
      if (!due_again(h)) f.exclude_.insert(h.item);
    }
  }
  // Bought since the snapshot (live events): out unless due again, as
  // exclude_purchased does for everything bought.
  if (customer != nullptr && !customer->live.bought.empty()) {
    if (as_of == 0) as_of = view.DefaultAsOf();
    EstimateTiming(snapshot, customer);
    absl::flat_hash_set<absl::string_view> bought(customer->live.bought.begin(),
                                                  customer->live.bought.end());
    for (const HistoryItem& h : customer->history) {
      if (bought.contains(snapshot.item_id(h.item)) && !due_again(h)) {
        f.exclude_.insert(h.item);
      }
    }
  }
  for (const auto* ids : {&filter.exclude_item_ids(), more_excluded}) {
    if (ids == nullptr) continue;
    for (const std::string& id : *ids) {
      const int32_t index =
          view.items().FindItem(absl::StripAsciiWhitespace(id));
      if (index >= 0) f.exclude_.insert(index);
    }
  }
  return f;
}

std::string Days(double days) {
  const long long n = std::llround(days);
  return absl::StrCat(n, n == 1 || n == -1 ? " day" : " days");
}

}  // namespace internal
}  // namespace boomerang
