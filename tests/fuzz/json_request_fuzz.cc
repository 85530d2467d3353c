// libFuzzer target: the HTTP side door's JSON request path
// (server/http/http_gateway.cc, POST /v1/{Method}) without sockets. The input
// is a request body; it is given to every JSON method the way the gateway
// handles it: protobuf's JsonStringToMessage (unknown fields are errors),
// then the use cases of server/engine/lists.h and
// server/engine/retention.h (validation included) on a small real snapshot,
// then MessageToJsonString of the response. The DueReplenishments request type
// (gRPC only) goes through its validation too, and an Audiences request
// through validation and a whole scan (server/engine/audiences.h).
// The two write methods, RecordEvents and UpdateItems, append to a live
// event store opened in the temporary directory, so that the methods that
// follow read the fuzzed events and catalog changes back through the live
// view (server/engine/live_view.h). The store lives for
// the whole run (unsynced writes, for speed), so an input's outcome can
// depend on the events of earlier inputs: a crash that does not reproduce
// from its file alone needs the corpus replayed before it.
//
// The snapshot is indexed once per process, at start-up, from a generated
// shop (a catalog, repeat customers, guests) into a temporary directory, by
// a boomerang-indexer binary ($BOOMERANG_INDEXER, by default the one in
// build/bin): the indexer's sources are not built here because clang 14
// rejects indexer/indexer.cc (a lambda capturing a structured binding,
// which C++17 does not allow and gcc accepts), and the snapshot format is
// the same whichever compiler wrote it.
//
// Besides crashes and sanitizer reports it checks that a request that
// parsed gets either an answer that prints as JSON or a client error
// (INVALID_ARGUMENT, NOT_FOUND, ...): never INTERNAL or UNKNOWN, which the
// gateway would turn into a 500.
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boomerang/v1/recommender.pb.h"
#include "google/protobuf/util/json_util.h"
#include "models/events/event_store.h"
#include "models/experiments/report_html.h"
#include "models/snapshot/snapshot.h"
#include "server/engine/audiences.h"
#include "server/engine/engine.h"
#include "server/engine/lists.h"
#include "server/engine/retention.h"

namespace boomerang {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "json_request_fuzz: %s\n", message.c_str());
  std::abort();
}

// A shop of 40 items in a few categories (some out of stock, one without a
// price), 30 customers who re-buy on cycles over a year, and guest orders.
std::string Catalog() {
  const char* categories[] = {"Home/Kitchen/Mugs", "Home/Kitchen/Plates",
                              "Home/Garden", "Food/Coffee", "Food/Tea"};
  std::string csv = "item_id,title,category,brand,price,in_stock\n";
  for (int i = 0; i < 40; ++i) {
    absl::StrAppendFormat(&csv, "I%02d,Item number %d,%s,brand%d,%s,%d\n", i, i,
                          categories[i % 5], i % 3,
                          i == 7 ? "" : absl::StrFormat("%.2f", 1.5 + i * 0.75),
                          i % 9 == 4 ? 0 : 1);
  }
  return csv;
}

std::string Orders() {
  std::mt19937 rng(42);
  std::string csv = "order_id,customer_id,item_id,timestamp,quantity,price\n";
  const int64_t start = 1704067200;  // 2024-01-01T00:00:00Z
  int order = 0;
  for (int c = 0; c < 30; ++c) {
    const int habit = c % 40;
    const int cycle_days = 7 + c % 5 * 7;
    for (int64_t t = start + c * 86400; t < start + 365 * 86400;
         t += cycle_days * 86400) {
      const std::string id = absl::StrCat("o", order++);
      absl::StrAppendFormat(&csv, "%s,C%d,I%02d,%d,%d,%.2f\n", id, c, habit, t,
                            1 + rng() % 3, 1.5 + habit * 0.75);
      // Companions of the habitual item, and something random.
      absl::StrAppendFormat(&csv, "%s,C%d,I%02d,%d,1,\n", id, c,
                            (habit + 1) % 40, t);
      absl::StrAppendFormat(&csv, "%s,C%d,I%02d,%d,1,\n", id, c, rng() % 40, t);
    }
  }
  for (int g = 0; g < 200; ++g) {
    const int a = rng() % 40;
    const std::string id = absl::StrCat("g", g);
    const int64_t t = start + (rng() % 365) * 86400;
    absl::StrAppendFormat(&csv, "%s,,I%02d,%d,1,\n", id, a, t);
    absl::StrAppendFormat(&csv, "%s,,I%02d,%d,1,\n", id, (a + 2) % 40, t);
  }
  return csv;
}

class Fixture {
 public:
  Fixture() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "boomerang-fuzz-XXXXXX")
            .string();
    if (::mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp failed");
    dir_ = tmpl;
    std::ofstream(dir_ + "/orders.csv") << Orders();
    std::ofstream(dir_ + "/catalog.csv") << Catalog();
    const char* env = std::getenv("BOOMERANG_INDEXER");
    const std::string indexer = env != nullptr ? env : BOOMERANG_INDEXER_PATH;
    Index({indexer, "--purchases", dir_ + "/orders.csv", "--catalog",
           dir_ + "/catalog.csv", "--out", dir_ + "/snapshots", "--factors",
           "8", "--iterations", "3", "--seed", "1", "--quiet"});
    auto snapshot =
        Snapshot::OpenNewest(dir_ + "/snapshots", 0, SnapshotOptions(),
                             [](const std::string&, const absl::Status&) {});
    if (!snapshot.ok()) Die(snapshot.status().ToString());
    snapshot_ = *snapshot;
    EventStoreOptions options;
    options.sync_writes = false;
    auto events = EventStore::Open(dir_ + "/events", options);
    if (!events.ok()) Die(events.status().ToString());
    events_ = std::move(*events);
    holder_.Set(snapshot_);
    engine_ = std::make_unique<Engine>(&holder_, events_.get(), ServingClock());
    absl::Status started = engine_->Start();
    if (!started.ok()) Die(started.ToString());
  }
  ~Fixture() {
    engine_.reset();
    events_.reset();
    holder_.Set(nullptr);
    snapshot_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const Snapshot& snapshot() const { return *snapshot_; }
  const Engine& engine() const { return *engine_; }
  // One request's view, as the server takes it.
  View view() const { return *engine_->Acquire(); }

 private:
  void Index(const std::vector<std::string>& argv) {
    const std::string log = dir_ + "/indexer.log";
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> args;
      for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      if (std::freopen(log.c_str(), "w", stdout) == nullptr ||
          ::dup2(::fileno(stdout), 2) < 0) {
        ::_exit(127);
      }
      ::execv(args[0], args.data());
      std::perror(args[0]);
      ::_exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      Die(absl::StrCat("indexing the fuzz shop with ", argv[0],
                       " failed (set BOOMERANG_INDEXER to a built "
                       "boomerang-indexer): ",
                       text));
    }
  }

  std::string dir_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::unique_ptr<EventStore> events_;
  SnapshotHolder holder_;
  std::unique_ptr<Engine> engine_;
};

Fixture* fixture = nullptr;

std::string MessageOf(const google::protobuf::util::Status& s) {
  const auto message = s.message();
  return std::string(message.data(), message.size());
}

bool ParseJson(const std::string& body, google::protobuf::Message* request) {
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = false;
  return google::protobuf::util::JsonStringToMessage(body, request, parse).ok();
}

// Errors the gateway answers with a 500: a request must never cause one.
void CheckStatus(const char* method, const absl::Status& status,
                 const std::string& body) {
  if (status.code() == absl::StatusCode::kInternal ||
      status.code() == absl::StatusCode::kUnknown ||
      status.code() == absl::StatusCode::kDataLoss) {
    Die(absl::StrCat(method, " answered ", status.ToString(),
                     " to the body: ", body));
  }
}

// As HttpGateway's MakeJsonCall: parse, run on one view, print.
template <typename Request, typename Response>
void Call(const char* method,
          absl::Status (*fn)(const View&, const Request&, Response*),
          const std::string& body) {
  Request request;
  if (!ParseJson(body, &request)) return;
  Response response;
  absl::Status s = fn(fixture->view(), request, &response);
  CheckStatus(method, s, body);
  if (!s.ok()) return;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  std::string out;
  auto printed =
      google::protobuf::util::MessageToJsonString(response, &out, print);
  if (!printed.ok()) {
    Die(absl::StrCat(method, ": the response does not print as JSON (",
                     MessageOf(printed), ") for the body: ", body));
  }
}

// As the Audiences stream: validate, then scan every customer (the fuzz
// shop is small), each entry printed as a JSON line.
void RunAudiences(const v1::AudiencesRequest& request,
                  const std::string& body) {
  const View view = fixture->view();
  AudienceSettings settings;
  absl::Status s = ValidateAudiencesRequest(view, request, &settings);
  CheckStatus("Audiences", s, body);
  if (!s.ok()) return;
  AudienceScan scan(view, settings);
  std::vector<v1::AudienceEntry> entries;
  for (bool more = true; more;) {
    auto next = scan.Next(&entries);
    CheckStatus("Audiences", next.status(), body);
    if (!next.ok()) return;
    more = *next;
    for (const v1::AudienceEntry& entry : entries) {
      std::string out;
      auto printed = google::protobuf::util::MessageToJsonString(entry, &out);
      if (!printed.ok()) {
        Die(absl::StrCat("Audiences: an entry does not print as JSON (",
                         MessageOf(printed), ") for the body: ", body));
      }
    }
  }
}

}  // namespace
}  // namespace boomerang

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  boomerang::fixture = new boomerang::Fixture();
  std::atexit([] { delete boomerang::fixture; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace boomerang;
  // The gateway rejects a blank body before parsing; and bodies over 1 MiB.
  const std::string body(reinterpret_cast<const char*>(data), size);
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return 0;
  v1::RecordEventsRequest record;
  if (ParseJson(body, &record)) {
    v1::RecordEventsResponse recorded;
    absl::Status s = fixture->engine().RecordEvents(record, &recorded);
    CheckStatus("RecordEvents", s, body);
    if (s.ok() &&
        recorded.accepted() + recorded.duplicates() != record.events_size()) {
      Die(absl::StrCat("RecordEvents accounted for ",
                       recorded.accepted() + recorded.duplicates(), " of ",
                       record.events_size(), " events: ", body));
    }
  }
  // The experiment report over what was recorded (impressions, clicks and
  // credited purchases), as JSON would serve it and as the HTML page.
  if (record.events_size() > 0) {
    const v1::ExperimentReport report =
        fixture->engine().experiments().Report("");
    if (experiments::ExperimentReportHtml(report).empty()) {
      Die("empty experiment report page");
    }
  }
  v1::UpdateItemsRequest update;
  if (ParseJson(body, &update)) {
    v1::UpdateItemsResponse updated;
    CheckStatus("UpdateItems", fixture->engine().UpdateItems(update, &updated),
                body);
  }
  Call("FrequentlyBoughtTogether", &FrequentlyBoughtTogether, body);
  Call("SimilarItems", &SimilarItems, body);
  Call("PersonalPicks", &PersonalPicks, body);
  Call("CrossSell", &CrossSell, body);
  Call("Upsell", &Upsell, body);
  Call("BuyAgain", &BuyAgain, body);
  Call("GetCustomerProfile", &GetCustomerProfile, body);
  v1::DueReplenishmentsRequest due;
  if (ParseJson(body, &due)) {
    DueOptions options;
    absl::Status s = ValidateDueRequest(fixture->view(), due, &options);
    CheckStatus("DueReplenishments", s, body);
    if (s.ok()) {
      auto filter = DueFilter(fixture->view(), due.filter());
      if (filter.ok()) {
        // One customer's due items, as a stream step computes them.
        v1::CustomerRecord record;
        auto known = LoadRecord(fixture->view(), "C3", &record);
        if (known.ok() && *known) {
          google::protobuf::RepeatedPtrField<v1::DueItem> items;
          DueItemsOf(fixture->view(), record, options, *filter, &items);
        }
      }
    }
  }
  v1::AudiencesRequest audiences;
  if (ParseJson(body, &audiences)) RunAudiences(audiences, body);
  return 0;
}
