// `boomerang events ...`: live events from files.
//
//   push FILE            sends a JSON-lines file of boomerang.v1.Event (the
//                        demo shop's events.jsonl, or from-purchases' output)
//                        through RecordEvents in batches. Idempotency keys
//                        make a re-run safe: what was stored comes back as
//                        duplicates.
//   from-purchases       turns the purchase lines of an order export at or
//                        after a moment into PURCHASE events, read with the
//                        indexer's decoder and --column flags, so that the
//                        last weeks of a real export replay as a live stream.
//
// The work lives here, apart from the CLI's flag plumbing, so that it can be
// tested without a command line and merged without touching other commands.
//
// Thread-safety: the functions keep no state; one call per thread.
#ifndef BOOMERANG_TOOLS_EVENTS_COMMAND_H_
#define BOOMERANG_TOOLS_EVENTS_COMMAND_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "indexer/indexer.h"

namespace boomerang {

struct PushEventsOptions {
  std::string path;  // JSON lines; gzip is read too
  // Events per RecordEvents call; the server takes at most 1000.
  int batch = 1000;
  // Deadline of each call.
  int timeout_ms = 5000;
  // Attempts per batch when the server is unavailable or slow (safe: the
  // keys make a repeated batch a no-op).
  int attempts = 4;
};

struct PushEventsResult {
  int64_t events = 0;  // lines holding an event
  int64_t batches = 0;
  int64_t accepted = 0;
  int64_t duplicates = 0;
};

// Reads the whole file first: a line that is not an Event in protobuf JSON,
// or lacks type, customer_id, item_id, idempotency_key or timestamp, fails
// with INVALID_ARGUMENT "FILE:LINE: FIELD ..." before anything is sent.
// Then sends the batches in file order. A refused batch stops the push with
// the server's status, naming the line when the server names an event.
// `progress` (may be empty) is told after each batch.
absl::StatusOr<PushEventsResult> PushEvents(
    v1::Recommender::StubInterface* stub, const PushEventsOptions& options,
    const std::function<void(const PushEventsResult&)>& progress);

struct EventsFromPurchasesOptions {
  // The export and how to read it (purchases_path, columns, delimiter,
  // cancel_order_prefix, excluded_item_patterns, min_timestamp,
  // max_bad_share), as the indexer reads it.
  IndexerOptions input;
  // Lines at or after this moment (unix seconds) become events.
  int64_t after = 0;
  std::string out_path;
};

struct EventsFromPurchasesResult {
  int64_t rows = 0;      // data rows read
  int64_t events = 0;    // written
  int64_t before = 0;    // purchases before `after`
  int64_t returns = 0;   // negative quantities and cancellations: skipped
  int64_t guests = 0;    // no customer id: RecordEvents needs one
  int64_t excluded = 0;  // non-products (POSTAGE, ...) and --exclude-item
  int64_t zero_quantity = 0;
  int64_t bad = 0;
  std::string first_bad;  // "FILE:LINE: field: why" of the first bad line
};

// Writes `out_path` (through a temporary file and a rename) with one
// PURCHASE event per line, in time order: customer, item, quantity, price
// when the export has one, order_id = the invoice, idempotency_key
// "purchase:INVOICE:LINE" (the file's line number), so converting the same
// export twice gives the same keys. Fails with INVALID_ARGUMENT naming the
// first bad line when bad lines are more than input.max_bad_share of the
// rows; NOT_FOUND and friends for files.
absl::StatusOr<EventsFromPurchasesResult> EventsFromPurchases(
    const EventsFromPurchasesOptions& options);

}  // namespace boomerang

#endif  // BOOMERANG_TOOLS_EVENTS_COMMAND_H_
