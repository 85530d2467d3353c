#include "tools/events_command.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "indexer/file_line_source.h"
#include "models/csv.h"
#include "models/item_exclusion.h"
#include "models/purchase_line.h"

namespace boomerang {
namespace {

// One line of the file as an event, or INVALID_ARGUMENT naming the line and
// the field. The server checks more (ids' length, the clock); these are the
// checks that make a file's mistake readable before anything is sent.
absl::Status ParseEventLine(const std::string& path, int64_t line_number,
                            const std::string& line, v1::Event* event) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", line_number, ": ", what));
  };
  event->Clear();
  const auto parsed = google::protobuf::util::JsonStringToMessage(line, event);
  if (!parsed.ok()) {
    // protobuf's message names the field ("type: invalid value ...").
    return bad(absl::StrCat("not a boomerang.v1.Event in JSON: ",
                            std::string(parsed.message())));
  }
  if (event->type() == v1::Event::TYPE_UNSPECIFIED)
    return bad("type is missing");
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"customer_id",
                                                   &event->customer_id()},
        {"item_id", &event->item_id()},
        {"idempotency_key", &event->idempotency_key()}}) {
    // A message sent may name no item, and its message key is its
    // idempotency key (as the server reads it).
    const bool message = event->type() == v1::Event::MESSAGE_SENT;
    if (message && absl::string_view(field) == "item_id") continue;
    if (message && absl::string_view(field) == "idempotency_key" &&
        !event->message().message_key().empty()) {
      continue;
    }
    if (absl::StripAsciiWhitespace(*value).empty())
      return bad(absl::StrCat(field, " is empty"));
  }
  if (!event->has_timestamp()) return bad("timestamp is missing");
  return absl::OkStatus();
}

// Reads the file's events, line numbers beside them, or the first bad
// line's error.
absl::Status ReadEvents(const std::string& path, std::vector<v1::Event>* events,
                        std::vector<int64_t>* line_numbers) {
  auto source = FileLineSource::Open(path);
  if (!source.ok()) return source.status();
  std::string line;
  int64_t line_number = 0;
  while ((*source)->NextLine(&line)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    v1::Event event;
    if (absl::Status s = ParseEventLine(path, line_number, line, &event);
        !s.ok()) {
      return s;
    }
    events->push_back(std::move(event));
    line_numbers->push_back(line_number);
  }
  if (!(*source)->error().empty())
    return absl::DataLossError((*source)->error());
  if (events->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no events (expected one JSON object a line)"));
  }
  return absl::OkStatus();
}

bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

// The server names a refused event as "events[N].field ...": point at the
// file's line instead.
std::string NameTheLine(const std::string& message, const std::string& path,
                        const std::vector<int64_t>& line_numbers,
                        size_t batch_start) {
  constexpr absl::string_view kPrefix = "events[";
  const size_t close = message.find(']');
  int64_t index = 0;
  if (!absl::StartsWith(message, kPrefix) || close == std::string::npos ||
      !absl::SimpleAtoi(message.substr(kPrefix.size(), close - kPrefix.size()),
                        &index) ||
      index < 0 || batch_start + index >= line_numbers.size()) {
    return message;
  }
  std::string rest = message.substr(close + 1);
  if (!rest.empty() && rest[0] == '.') rest.erase(0, 1);
  return absl::StrCat(path, ":", line_numbers[batch_start + index], ": ", rest);
}

absl::Status FromGrpc(const grpc::Status& s, std::string message) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), message);
}

}  // namespace

absl::StatusOr<PushEventsResult> PushEvents(
    v1::Recommender::StubInterface* stub, const PushEventsOptions& options,
    const std::function<void(const PushEventsResult&)>& progress) {
  if (options.batch < 1 || options.batch > 1000) {
    return absl::InvalidArgumentError("--batch must be in 1..1000");
  }
  std::vector<v1::Event> events;
  std::vector<int64_t> line_numbers;
  if (absl::Status s = ReadEvents(options.path, &events, &line_numbers);
      !s.ok()) {
    return s;
  }
  PushEventsResult result;
  result.events = static_cast<int64_t>(events.size());
  for (size_t start = 0; start < events.size(); start += options.batch) {
    const size_t end = std::min(events.size(), start + options.batch);
    v1::RecordEventsRequest request;
    for (size_t i = start; i < end; ++i) *request.add_events() = events[i];
    v1::RecordEventsResponse response;
    grpc::Status status;
    for (int attempt = 0; attempt < std::max(1, options.attempts); ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
      }
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::milliseconds(options.timeout_ms));
      status = stub->RecordEvents(&context, request, &response);
      if (status.ok() || !Retryable(status.error_code())) break;
    }
    if (!status.ok()) {
      return FromGrpc(
          status,
          absl::StrCat("RecordEvents refused the batch of lines ",
                       line_numbers[start], "-", line_numbers[end - 1], ": ",
                       NameTheLine(status.error_message(), options.path,
                                   line_numbers, start)));
    }
    ++result.batches;
    result.accepted += response.accepted();
    result.duplicates += response.duplicates();
    if (progress) progress(result);
  }
  return result;
}

namespace {

struct TimedEvent {
  int64_t time;
  int64_t line;
  v1::Event event;
};

// Writes the events, one JSON object a line, through `path`.tmp.
absl::Status WriteEventsFile(const std::string& path,
                             const std::vector<TimedEvent>& events) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError("cannot write " + tmp);
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    std::string json;
    for (const TimedEvent& e : events) {
      json.clear();
      const auto s =
          google::protobuf::util::MessageToJsonString(e.event, &json, print);
      if (!s.ok()) return absl::InternalError(std::string(s.message()));
      out << json << '\n';
    }
    out.close();
    if (!out) return absl::DataLossError("cannot write " + tmp);
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) return absl::PermissionDeniedError("cannot rename to " + path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EventsFromPurchasesResult> EventsFromPurchases(
    const EventsFromPurchasesOptions& options) {
  const IndexerOptions& input = options.input;
  const std::string& path = input.purchases_path;
  auto source = FileLineSource::Open(path);
  if (!source.ok()) return source.status();
  CsvParser parser(source->get(), input.delimiter ? input.delimiter : ',');
  if (input.delimiter == 0) parser.DetectDelimiter();
  CsvRecord record;
  CsvStatus status;
  if (!parser.Next(&record, &status) || status != CsvStatus::kOk) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no readable CSV header line"));
  }
  auto columns = ColumnIndex::Resolve(record.fields, RequiredPurchaseColumns(),
                                      OptionalPurchaseColumns(), input.columns);
  if (!columns.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", columns.status().message()));
  }
  DecodeOptions decode;
  decode.cancel_order_prefix = input.cancel_order_prefix;
  decode.min_timestamp = input.min_timestamp;
  const ItemExclusion exclusion(input.excluded_item_patterns);

  EventsFromPurchasesResult result;
  std::vector<TimedEvent> events;
  PurchaseLine line;
  while (parser.Next(&record, &status)) {
    ++result.rows;
    DecodeResult r;
    if (status == CsvStatus::kOk) {
      r = DecodePurchase(record, *columns, decode, &line);
    } else {
      r.kind = LineKind::kBad;
      r.field = "record";
      r.detail = status == CsvStatus::kTooLong ? "longer than 1 MiB"
                                               : "broken quoting";
    }
    if (r.kind == LineKind::kBad) {
      if (result.bad++ == 0) {
        result.first_bad = absl::StrCat(path, ":", record.line_number, ": ",
                                        r.field, ": ", r.detail);
      }
      continue;
    }
    if (r.kind == LineKind::kZeroQuantity) {
      ++result.zero_quantity;
    } else if (line.timestamp < options.after) {
      ++result.before;
    } else if (r.kind == LineKind::kReturn) {
      ++result.returns;
    } else if (exclusion.Excluded(line.item_id)) {
      ++result.excluded;
    } else if (line.customer_id.empty()) {
      ++result.guests;
    } else {
      TimedEvent e{line.timestamp, record.line_number, {}};
      e.event.set_type(v1::Event::PURCHASE);
      e.event.set_customer_id(line.customer_id);
      e.event.set_item_id(line.item_id);
      e.event.mutable_timestamp()->set_seconds(line.timestamp);
      e.event.set_quantity(line.quantity);
      if (line.has_price) e.event.set_price(line.price);
      e.event.set_order_id(line.order_id);
      e.event.set_idempotency_key(
          absl::StrCat("purchase:", line.order_id, ":", record.line_number));
      events.push_back(std::move(e));
    }
  }
  if (!(*source)->error().empty())
    return absl::DataLossError((*source)->error());
  if (result.rows > 0 &&
      static_cast<double>(result.bad) >
          input.max_bad_share * static_cast<double>(result.rows)) {
    return absl::InvalidArgumentError(
        absl::StrCat(result.bad, " of ", result.rows,
                     " lines are bad (more than --max-bad-share); the first: ",
                     result.first_bad));
  }
  // Exports are mostly in time order; the stream must be.
  std::stable_sort(
      events.begin(), events.end(),
      [](const TimedEvent& a, const TimedEvent& b) { return a.time < b.time; });
  if (absl::Status s = WriteEventsFile(options.out_path, events); !s.ok())
    return s;
  result.events = static_cast<int64_t>(events.size());
  return result;
}

}  // namespace boomerang
