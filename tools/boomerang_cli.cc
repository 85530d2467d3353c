// boomerang: the command-line client.
//
//   boomerang fbt --item 22697 --limit 5          # prints JSON
//   boomerang fbt --item 22697 --item 22698 --exclude 22699
//   boomerang similar --item 22697 --limit 5 --max-price 5
//   boomerang picks --customer 12347 --as-of 2011-12-01 --mode mixed
//   boomerang crosssell --item 22697 --item 22698 --customer 12347
//   boomerang upsell --item SKU-0252 --customer C00012
//   boomerang buyagain --customer 12347 --as-of 2011-11-01 --horizon-days 30
//   boomerang profile --customer 12347
//   boomerang due --as-of 2011-11-01 --lead-days 7 --out due.jsonl
//   boomerang audience --trigger abandoned_cart --out cart.jsonl
//   boomerang batch-picks --ids customers.txt --out picks.jsonl
//   boomerang batch-picks --segment at_risk --out picks.jsonl
//   boomerang admin status          # which snapshot serves; reload; pin
//   boomerang admin reload
//   boomerang admin pin 3           # serve 000003 (rollback); pin 0 unpins
//   boomerang picks --customer C00012 --placement email_picks
//   boomerang experiments report --format html --out report.html
//   boomerang events push events.jsonl --batch 1000   # RecordEvents
//   boomerang events from-purchases --purchases data.csv --after 2011-11-09
//       --column order_id=InvoiceNo ... --out events.jsonl
//   boomerang health
//   boomerang services      # what the server offers (server reflection)
//
// --server (default 127.0.0.1:50051, or $BOOMERANG_SERVER) picks the
// server. Exit status: 0 on success, 1 on a bad request or unreachable
// server (the gRPC status is printed on stderr).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "boomerang/v1/admin.grpc.pb.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "indexer/input_flags.h"
#include "models/experiments/report_html.h"
#include "models/item_exclusion.h"
#include "models/list_file.h"
#include "models/purchase_line.h"
#include "models/timestamp.h"
#include "tools/batch_client.h"
#include "tools/catalog_client.h"
#include "tools/client_channel.h"
#include "tools/eval.h"
#include "tools/events_command.h"
#include "tools/report/report_command.h"

namespace {

// PersonalPicks modes: the CLI's short words or the API's enum names (the
// README and the proto use those), in any case, '-' or '_'.
constexpr char kModeHelp[] =
    "mixed, new or repeat (or the API's names: MIXED, NEW_ONLY, REPEAT_ONLY)";
std::optional<boomerang::v1::PersonalPicksRequest::Mode> ParseMode(
    std::string mode) {
  mode = absl::AsciiStrToLower(mode);
  std::replace(mode.begin(), mode.end(), '-', '_');
  using R = boomerang::v1::PersonalPicksRequest;
  if (mode == "mixed") return R::MIXED;
  if (mode == "new" || mode == "new_only") return R::NEW_ONLY;
  if (mode == "repeat" || mode == "repeat_only") return R::REPEAT_ONLY;
  return std::nullopt;
}
CLI::Validator ModeValidator() {
  return CLI::Validator(
      [](std::string& mode) -> std::string {
        return ParseMode(mode).has_value()
                   ? ""
                   : "'" + mode + "' is not a mode: " + kModeHelp;
      },
      "MODE");
}

// Canonical code names ("INVALID_ARGUMENT"); gRPC and absl share the codes.
std::string StatusName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

int PrintJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;
  auto s = google::protobuf::util::MessageToJsonString(m, &json, opts);
  if (!s.ok()) {
    std::cerr << "boomerang: error: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << json;
  return 0;
}

int Fail(const grpc::Status& s, const std::string& server) {
  std::cerr << "boomerang: error: " << StatusName(s.error_code()) << ": "
            << s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::cerr << " (is boomerang-server running on " << server << "?)";
  }
  std::cerr << "\n";
  return 1;
}

// The common filter's flags, shared by every list subcommand.
struct FilterFlags {
  std::vector<std::string> categories, exclude_categories, excludes;
  double min_price = 0, max_price = 0;
  bool include_out_of_stock = false;
  bool exclude_purchased = false;

  void AddTo(CLI::App* cmd) {
    cmd->add_option("--exclude", excludes,
                    "item id that must not be returned (repeatable)");
    cmd->add_option("--category", categories,
                    "only items in this category path, e.g. Home/Kitchen "
                    "(repeatable)");
    cmd->add_option("--exclude-category", exclude_categories,
                    "never items in this category path (repeatable)");
    cmd->add_option("--min-price", min_price, "lowest price (0: no bound)");
    cmd->add_option("--max-price", max_price, "highest price (0: no bound)");
    cmd->add_flag("--include-out-of-stock", include_out_of_stock,
                  "also return items the catalog marks out of stock");
    cmd->add_flag("--exclude-purchased", exclude_purchased,
                  "leave out what the customer bought (unless due again)");
  }
  void Fill(boomerang::v1::Filter* f) const {
    for (const auto& c : categories) f->add_include_categories(c);
    for (const auto& c : exclude_categories) f->add_exclude_categories(c);
    for (const auto& e : excludes) f->add_exclude_item_ids(e);
    f->set_min_price(min_price);
    f->set_max_price(max_price);
    if (include_out_of_stock) f->set_in_stock_only(false);
    f->set_exclude_purchased(exclude_purchased);
  }
};

// ---- events: live events from files (tools/events_command.h) -------------

struct EventsFlags {
  std::string push_path;  // push
  int batch = 1000;
  boomerang::PurchaseInputFlags input;  // from-purchases
  boomerang::IndexerOptions indexer;
  std::string after, out_path;
};

struct EventsCommands {
  CLI::App* push = nullptr;
  CLI::App* from_purchases = nullptr;
};

EventsCommands AddEventsCommand(CLI::App& app, EventsFlags* f) {
  CLI::App* events = app.add_subcommand(
      "events",
      "live events from files: push a JSON-lines file, or turn an "
      "export's last weeks into one");
  events->require_subcommand(1);
  EventsCommands c;
  c.push = events->add_subcommand(
      "push",
      "send a file of boomerang.v1.Event, one JSON object a line, through "
      "RecordEvents (idempotent: a re-run counts duplicates)");
  c.push->add_option("file", f->push_path, "events.jsonl (or .gz)")->required();
  c.push->add_option("--batch", f->batch, "events per call")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  c.from_purchases = events->add_subcommand(
      "from-purchases",
      "write the purchase lines at or after --after of an order export as "
      "PURCHASE events (order_id the invoice, idempotency key from the "
      "invoice and line number)");
  boomerang::AddPurchaseInputFlags(c.from_purchases, &f->input, &f->indexer);
  c.from_purchases
      ->add_option("--after", f->after,
                   "first moment to convert (ISO 8601; a date is its "
                   "midnight UTC)")
      ->required();
  c.from_purchases->add_option("--out", f->out_path, "events.jsonl to write")
      ->required();
  return c;
}

int RunEventsFromPurchases(EventsFlags* f) {
  boomerang::EventsFromPurchasesOptions options;
  options.input = f->indexer;
  if (absl::Status s =
          boomerang::ApplyPurchaseInputFlags(f->input, &options.input);
      !s.ok()) {
    std::cerr << "boomerang: error: " << s.message() << "\n";
    return 1;
  }
  auto after = boomerang::ParseTimestamp(f->after);
  if (!after.ok()) {
    std::cerr << "boomerang: error: --after: " << after.status().message()
              << "\n";
    return 1;
  }
  options.after = *after;
  options.out_path = f->out_path;
  auto result = boomerang::EventsFromPurchases(options);
  if (!result.ok()) {
    std::cerr << "boomerang: error: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << "{\"events\": " << result->events
            << ", \"rows\": " << result->rows
            << ", \"before_cutoff\": " << result->before
            << ", \"returns\": " << result->returns
            << ", \"guest_lines\": " << result->guests
            << ", \"excluded_lines\": " << result->excluded
            << ", \"zero_quantity_lines\": " << result->zero_quantity
            << ", \"bad_lines\": " << result->bad << "}\n";
  if (!result->first_bad.empty()) {
    std::cerr << "boomerang: first bad line: " << result->first_bad << "\n";
  }
  return 0;
}

// ---- The flags ------------------------------------------------------------

// Every subcommand's flags, in one place: subcommands share the flags they
// have in common (--item, --customer, --limit, the filter, ...), and exactly
// one subcommand runs.
struct Flags {
  // How to reach the server.
  std::string server = "127.0.0.1:50051";
  int timeout_ms = 5000;
  boomerang::ClientChannelOptions channel_options;
  std::string token_file;

  // The recommendation requests.
  std::vector<std::string> items;
  std::string item, customer;
  int limit = 0;
  FilterFlags filter;
  std::string frame_out;                // fbt
  std::string as_of, mode = "mixed";    // picks, buyagain, profile, ...
  double min_ratio = 0, max_ratio = 0;  // upsell
  int horizon_days = 0;                 // buyagain
  bool dated_only = false;
  bool include_lapsed = false;

  // The streams: due and batch-picks.
  std::string out_path;
  int lead_days = 0, overdue_days = 0, max_items = 0;
  double min_confidence = 0;
  double min_probability = 0;
  int batch_size = 0;
  bool quiet = false;
  std::string ids_path, segment;
  // audience.
  std::vector<std::string> triggers, segments;
  int suggestions = 0;
  double quiet_hours = 0;
  boomerang::v1::AudienceOptions audience;

  // eval (runs here, without a server).
  boomerang::EvalOptions eval;
  boomerang::PurchaseInputFlags eval_input;

  // Measurement: where a list is shown, and a guest's session.
  std::string placement, session;
  // experiments report.
  std::string report_format = "json", report_placement;

  // admin.
  std::string admin_action;
  int64_t pin_version = 0;

  EventsFlags events;
  // catalog push / set.
  std::string catalog_path;
  boomerang::CatalogSetFlags catalog;
};

// The subcommands, to tell after parsing which one was given.
struct Commands {
  CLI::App* fbt = nullptr;
  CLI::App* similar = nullptr;
  CLI::App* picks = nullptr;
  CLI::App* crosssell = nullptr;
  CLI::App* upsell = nullptr;
  CLI::App* eval = nullptr;
  CLI::App* buyagain = nullptr;
  CLI::App* profile = nullptr;
  CLI::App* due = nullptr;
  CLI::App* audience = nullptr;
  CLI::App* batch_picks = nullptr;
  CLI::App* admin = nullptr;
  CLI::App* experiments_report = nullptr;
  CLI::App* catalog_push = nullptr;
  CLI::App* catalog_set = nullptr;
  CLI::App* health = nullptr;
  CLI::App* services = nullptr;
  EventsCommands events;
};

void AddConnectionFlags(CLI::App& app, Flags* f) {
  // Read before the option is added, so that --help shows it as the default.
  if (const char* env = std::getenv("BOOMERANG_SERVER")) f->server = env;
  app.add_option("--server", f->server, "host:port of boomerang-server")
      ->capture_default_str();
  app.add_option("--timeout-ms", f->timeout_ms, "deadline of each call")
      ->capture_default_str();
  app.add_option("--token-file", f->token_file,
                 "file holding the bearer token to send (or set "
                 "$BOOMERANG_TOKEN)");
  app.add_option("--tls-ca", f->channel_options.tls_ca,
                 "CA certificate (PEM) of the server: connect with TLS");
  app.add_option("--tls-cert", f->channel_options.tls_cert,
                 "client certificate (PEM) for mutual TLS");
  app.add_option("--tls-key", f->channel_options.tls_key, "client key (PEM)");
  app.add_option("--tls-server-name", f->channel_options.tls_server_name,
                 "the name the server's certificate is checked against "
                 "(default: the host of --server)");
}

// --placement and --session of the list subcommands (issue 14).
void AddTrackingFlags(CLI::App* cmd, Flags* f) {
  cmd->add_option("--placement", f->placement,
                  "where the list is shown, e.g. product_page_fbt (experiments "
                  "and the report count per placement; default: the RPC's "
                  "name)");
  cmd->add_option("--session", f->session,
                  "the shopper's session id (puts a guest in an experiment "
                  "arm)");
}

CLI::App* AddFbtCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "fbt", "products frequently bought together with the given item(s)");
  cmd->add_option("--item", f->items, "anchor item id (repeat for a cart)")
      ->required();
  cmd->add_option("--limit", f->limit,
                  "how many items (default 10, at most 100)");
  f->filter.AddTo(cmd);
  cmd->add_option("--customer", f->customer,
                  "customer id (for --exclude-purchased)");
  cmd->add_option("--grpc-frame-out", f->frame_out,
                  "write the request as a gRPC frame to this file and exit "
                  "(for load tools such as h2load)");
  AddTrackingFlags(cmd, f);
  return cmd;
}

CLI::App* AddSimilarCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "similar", "alternatives to an item (bought by the same customers)");
  cmd->add_option("--item", f->item, "the item")->required();
  cmd->add_option("--limit", f->limit,
                  "how many items (default 10, at most 100)");
  f->filter.AddTo(cmd);
  cmd->add_option("--customer", f->customer,
                  "customer id (for --exclude-purchased)");
  AddTrackingFlags(cmd, f);
  return cmd;
}

CLI::App* AddPicksCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "picks", "a customer's personal picks (due repeats and new items)");
  cmd->add_option("--customer", f->customer, "customer id")->required();
  cmd->add_option("--limit", f->limit,
                  "how many items (default 10, at most 100)");
  cmd->add_option(
      "--as-of", f->as_of,
      "recommend for this moment (ISO 8601; default: the server's clock)");
  cmd->add_option("--mode", f->mode, kModeHelp)
      ->check(ModeValidator())
      ->capture_default_str();
  f->filter.AddTo(cmd);
  AddTrackingFlags(cmd, f);
  return cmd;
}

CLI::App* AddCrossSellCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "crosssell", "complements for a cart (never substitutes of its items)");
  cmd->add_option("--item", f->items, "cart item id (repeatable)")->required();
  cmd->add_option("--customer", f->customer, "customer id (personalises)");
  cmd->add_option("--limit", f->limit,
                  "how many items (default 10, at most 100)");
  f->filter.AddTo(cmd);
  AddTrackingFlags(cmd, f);
  return cmd;
}

CLI::App* AddUpsellCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "upsell", "a better, pricier alternative in the same category");
  cmd->add_option("--item", f->item, "the item")->required();
  cmd->add_option("--customer", f->customer, "customer id (personalises)");
  cmd->add_option("--limit", f->limit,
                  "how many items (default 10, at most 100)");
  cmd->add_option("--min-ratio", f->min_ratio,
                  "lowest price multiple (default 1.05)");
  cmd->add_option("--max-ratio", f->max_ratio,
                  "highest price multiple (default 2)");
  f->filter.AddTo(cmd);
  AddTrackingFlags(cmd, f);
  return cmd;
}

CLI::App* AddEvalCommand(CLI::App& app, Flags* f) {
  boomerang::EvalOptions& eval = f->eval;
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "offline evaluation: build a snapshot from all but the last --test-days "
      "of a purchase file, ask PersonalPicks for every customer who buys in "
      "those days, and compare with popularity, P-TopFreq, GP-TopFreq, "
      "TIFU-KNN and UP-CF@r");
  boomerang::AddPurchaseInputFlags(cmd, &f->eval_input, &eval.indexer);
  cmd->add_option("--protocol", eval.protocol,
                  "time (the last --test-days held out) or next-basket (each "
                  "customer's last order held out, 3 seeded folds of "
                  "customers, as in Li et al. 2023)")
      ->capture_default_str()
      ->check(CLI::IsMember({"time", "next-basket"}));
  cmd->add_option("--test-days", eval.test_days, "days held out")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--k", eval.k, "cut-off")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--work-dir", eval.work_dir,
                  "where to build the past snapshot (default: a temp dir)");
  cmd->add_option("--tifu", eval.tifu,
                  "TIFU-KNN's parameters in the time split, e.g. "
                  "k=300,rb=0.9,rg=0.7,alpha=0.7,groups=7 (default: the "
                  "paper's)");
  cmd->add_option("--upcf", eval.upcf,
                  "UP-CF@r's parameters in the time split, e.g. "
                  "r=10,alpha=0.75,q=10 (default: the paper's)");
  cmd->add_option("--alpha", eval.indexer.embeddings.als.alpha,
                  "ALS confidence scale")
      ->capture_default_str();
  cmd->add_option("--factors", eval.indexer.embeddings.als.factors)
      ->capture_default_str();
  cmd->add_option("--regularization",
                  eval.indexer.embeddings.als.regularization)
      ->capture_default_str();
  return cmd;
}

CLI::App* AddBuyAgainCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "buyagain", "items a customer is due to re-buy, with expected dates");
  cmd->add_option("--customer", f->customer, "customer id")->required();
  cmd->add_option(
      "--as-of", f->as_of,
      "predict for this moment (ISO 8601; default: the server's clock)");
  cmd->add_option("--horizon-days", f->horizon_days,
                  "items expected within this many days (default 30)");
  cmd->add_flag("--dated-only", f->dated_only,
                "only items with a repurchase cycle");
  cmd->add_flag("--include-lapsed", f->include_lapsed,
                "also items the customer has most likely stopped "
                "buying (long overdue)");
  cmd->add_option("--limit", f->limit,
                  "how many items (default 10, at most 100)");
  f->filter.AddTo(cmd);
  AddTrackingFlags(cmd, f);
  return cmd;
}

CLI::App* AddProfileCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "profile",
      "a customer's orders, RFM segment, ABC / XYZ classes, churn risk and "
      "value");
  cmd->add_option("--customer", f->customer, "customer id")->required();
  cmd->add_option(
      "--as-of", f->as_of,
      "profile as of this moment (ISO 8601; default: the server's clock)");
  return cmd;
}

CLI::App* AddAudienceCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "audience",
      "who should get which triggered message now (JSON lines: one customer "
      "each, with the trigger, items, evidence, suggestions and message key)");
  cmd->add_option("--trigger", f->triggers,
                  "abandoned_cart, price_drop, back_in_stock, "
                  "browse_abandonment, replenishment, missing_complement, "
                  "win_back (repeatable; default all)");
  cmd->add_option("--as-of", f->as_of,
                  "the moment of the run (ISO 8601; default: the server's "
                  "clock)");
  cmd->add_option("--segment", f->segments,
                  "only customers of this segment (repeatable)");
  cmd->add_option("--max-items", f->max_items,
                  "trigger items per entry (default 5)");
  cmd->add_option("--suggestions", f->suggestions,
                  "suggested extra items per entry (default 4; -1: none)");
  cmd->add_option("--quiet-hours", f->quiet_hours,
                  "leave out customers sent any message within this many "
                  "hours (default 16; -1: no quiet window)");
  auto* o = &f->audience;
  auto opt = [cmd](const char* name, auto setter, const char* help) {
    cmd->add_option_function<double>(name, setter, help);
  };
  opt(
      "--cart-hours", [o](double v) { o->set_cart_hours(v); },
      "cart untouched for this many hours (default 4)");
  opt(
      "--browse-hours", [o](double v) { o->set_browse_hours(v); },
      "no cart or purchase for this many hours after browsing (default 24)");
  opt(
      "--min-drop", [o](double v) { o->set_min_drop(v); },
      "price drop at least this share of the price seen (default 0.10)");
  opt(
      "--lookback-days", [o](double v) { o->set_lookback_days(v); },
      "views and carts of this many days count (default 30)");
  opt(
      "--winback-days", [o](double v) { o->set_winback_min_days(v); },
      "no order for at least this many days (default 90)");
  cmd->add_option("--batch-size", f->batch_size,
                  "entries per stream message (default 256)");
  cmd->add_option("--out", f->out_path, "output file ('-' for stdout)")
      ->required();
  cmd->add_flag("--quiet", f->quiet, "no progress or counts on stderr");
  f->filter.AddTo(cmd);
  return cmd;
}

CLI::App* AddDueCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "due",
      "every customer with an item due soon (JSON lines: one customer each)");
  cmd->add_option("--as-of", f->as_of,
                  "the mailing day (ISO 8601; default: the server's clock)");
  cmd->add_option("--lead-days", f->lead_days,
                  "items expected within this many days (default 7)");
  cmd->add_option("--overdue-days", f->overdue_days,
                  "also items overdue by up to this many days");
  cmd->add_option("--min-confidence", f->min_confidence,
                  "leave out items below this confidence (0-1)");
  cmd->add_option("--min-probability", f->min_probability,
                  "leave out items less likely than this to be bought within "
                  "--lead-days (default 0.1; negative: keep all)");
  cmd->add_option("--max-items", f->max_items,
                  "items per customer (default 10)");
  cmd->add_option("--batch-size", f->batch_size,
                  "customers per stream message (default 256)");
  cmd->add_option("--out", f->out_path, "JSON lines file (default stdout)");
  cmd->add_flag("--quiet", f->quiet, "no progress on stderr");
  f->filter.AddTo(cmd);
  return cmd;
}

CLI::App* AddBatchPicksCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "batch-picks",
      "personal picks for many customers (JSON lines: one customer each)");
  auto* ids_opt = cmd->add_option(
      "--ids", f->ids_path, "file with one customer id per line ('-': stdin)");
  cmd->add_option(
         "--segment", f->segment,
         "or every customer of this RFM segment (e.g. at_risk) or ABC / "
         "XYZ class (A, B, C, X, Y, Z, or a pair such as AX)")
      ->excludes(ids_opt);
  cmd->add_option("--out", f->out_path, "JSON lines file (default stdout)");
  cmd->add_option("--limit", f->limit,
                  "items per customer (default 10, at most 100)");
  cmd->add_option(
      "--as-of", f->as_of,
      "recommend for this moment (ISO 8601; default: the server's clock)");
  cmd->add_option("--mode", f->mode, kModeHelp)
      ->check(ModeValidator())
      ->capture_default_str();
  cmd->add_flag("--quiet", f->quiet, "no progress on stderr");
  f->filter.AddTo(cmd);
  return cmd;
}

// `experiments report`: the A/B report from the server (issue 14).
CLI::App* AddExperimentsCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand("experiments",
                                     "experiments and attribution: the report");
  cmd->require_subcommand(1);
  CLI::App* report = cmd->add_subcommand(
      "report",
      "per placement and arm: customers, impressions, click-through, "
      "add-to-cart and conversion rates, attributed revenue, each with a 95% "
      "interval and a test against the control; the sample-ratio check");
  report->add_option("--format", f->report_format, "json or html")
      ->check(CLI::IsMember({"json", "html"}))
      ->capture_default_str();
  report->add_option("--placement", f->report_placement, "only this placement");
  report->add_option("--out", f->out_path,
                     "write here instead of stdout (e.g. report.html)");
  return report;
}

CLI::App* AddAdminCommand(CLI::App& app, Flags* f) {
  CLI::App* cmd = app.add_subcommand(
      "admin", "the server's snapshot: status, reload now, pin a version");
  cmd->add_option("action", f->admin_action, "status, reload or pin")
      ->required()
      ->check(CLI::IsMember({"status", "reload", "pin"}));
  cmd->add_option("version", f->pin_version,
                  "for pin: the version to serve (0: follow the newest)");
  return cmd;
}

// `catalog push FILE` and `catalog set --item X ...` (UpdateItems).
void AddCatalogCommands(CLI::App& app, Flags* f, Commands* c) {
  CLI::App* cmd = app.add_subcommand(
      "catalog", "change the live catalog: prices, stock, titles, new items");
  cmd->require_subcommand(1);
  c->catalog_push = cmd->add_subcommand(
      "push",
      "send a catalog CSV (the indexer's --catalog columns, plus "
      "stock_quantity) in calls of 10,000 items");
  c->catalog_push->add_option("file", f->catalog_path, "CSV file ('-': stdin)")
      ->required();
  CLI::App* set = cmd->add_subcommand("set", "change one item");
  c->catalog_set = set;
  boomerang::CatalogSetFlags& s = f->catalog;
  set->add_option("--item", s.item, "the item id (a new id adds an item)")
      ->required();
  // Only the flags given change the item (the others stay unset).
  set->add_option_function<double>(
      "--price", [&s](const double& v) { s.price = v; }, "the price now");
  set->add_option_function<std::string>(
      "--in-stock", [&s](const std::string& v) { s.in_stock = v; },
      "true or false");
  set->add_option_function<int64_t>(
      "--stock", [&s](const int64_t& v) { s.stock = v; },
      "units on hand (0: out of stock)");
  set->add_option_function<std::string>(
      "--title", [&s](const std::string& v) { s.title = v; },
      "the item's name");
  set->add_option_function<std::string>(
      "--category", [&s](const std::string& v) { s.category = v; },
      "the item's category");
  set->add_option_function<std::string>(
      "--brand", [&s](const std::string& v) { s.brand = v; },
      "the item's brand");
  set->add_option_function<std::string>(
      "--recommendable", [&s](const std::string& v) { s.recommendable = v; },
      "false: never in a list");
}

// Every subcommand, in the order --help lists them. `report` runs from its
// callback during parsing and sets *report_exit.
Commands AddCommands(CLI::App& app, Flags* f, int* report_exit) {
  Commands c;
  c.fbt = AddFbtCommand(app, f);
  c.similar = AddSimilarCommand(app, f);
  c.picks = AddPicksCommand(app, f);
  c.crosssell = AddCrossSellCommand(app, f);
  c.upsell = AddUpsellCommand(app, f);
  c.eval = AddEvalCommand(app, f);
  c.buyagain = AddBuyAgainCommand(app, f);
  c.profile = AddProfileCommand(app, f);
  c.due = AddDueCommand(app, f);
  c.audience = AddAudienceCommand(app, f);
  c.batch_picks = AddBatchPicksCommand(app, f);
  boomerang::RegisterReportCommand(&app, report_exit);
  c.admin = AddAdminCommand(app, f);
  c.experiments_report = AddExperimentsCommand(app, f);
  c.events = AddEventsCommand(app, &f->events);
  AddCatalogCommands(app, f, &c);
  c.health = app.add_subcommand("health", "ask the server's health service");
  c.services = app.add_subcommand(
      "services", "list the server's gRPC services (via server reflection)");
  return c;
}

// ---- Running a subcommand -------------------------------------------------

// The server's channel, and what every call on it needs.
struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::string server;  // --server, for error messages
  int timeout_ms = 0;

  std::chrono::system_clock::time_point Deadline() const {
    return std::chrono::system_clock::now() +
           std::chrono::milliseconds(timeout_ms);
  }
};

// The channel the flags describe; nullopt, with the error printed, when the
// token or the TLS files cannot be read.
std::optional<Connection> Connect(const Flags& f) {
  boomerang::ClientChannelOptions channel_options = f.channel_options;
  channel_options.target = f.server;
  if (const char* env = std::getenv("BOOMERANG_TOKEN")) {
    channel_options.token = env;
  }
  if (!f.token_file.empty()) {
    auto tokens = boomerang::ReadListFile(f.token_file);
    if (!tokens.ok() || tokens->empty()) {
      std::cerr << "boomerang: error: --token-file " << f.token_file
                << ": cannot read a token\n";
      return std::nullopt;
    }
    channel_options.token = tokens->front();
  }
  auto made = boomerang::MakeClientChannel(channel_options);
  if (!made.ok()) {
    std::cerr << "boomerang: error: " << made.status().message() << "\n";
    return std::nullopt;
  }
  return Connection{*made, f.server, f.timeout_ms};
}

// A unary call's answer: the response as JSON, or the error.
int Answer(const grpc::Status& s, const google::protobuf::Message& resp,
           const std::string& server) {
  if (!s.ok()) return Fail(s, server);
  return PrintJson(resp);
}

// --as-of in seconds (nullopt when not given). False, with the error
// printed, when it is not a timestamp.
bool ParseAsOf(const std::string& as_of, std::optional<int64_t>* seconds) {
  if (as_of.empty()) return true;
  auto t = boomerang::ParseTimestamp(as_of);
  if (!t.ok()) {
    std::cerr << "boomerang: error: --as-of: " << t.status().message() << "\n";
    return false;
  }
  *seconds = *t;
  return true;
}

// `request` as one gRPC frame (uncompressed, 4-byte big-endian length).
int WriteGrpcFrame(const google::protobuf::Message& request,
                   const std::string& path) {
  std::string body = request.SerializeAsString();
  std::string frame(5, '\0');
  uint32_t n = static_cast<uint32_t>(body.size());
  frame[1] = static_cast<char>(n >> 24);
  frame[2] = static_cast<char>(n >> 16);
  frame[3] = static_cast<char>(n >> 8);
  frame[4] = static_cast<char>(n);
  std::ofstream(path, std::ios::binary) << frame << body;
  return 0;
}

int RunEvalCommand(Flags* f) {
  if (absl::Status s =
          boomerang::ApplyPurchaseInputFlags(f->eval_input, &f->eval.indexer);
      !s.ok()) {
    std::cerr << "boomerang: error: " << s.message() << "\n";
    return 1;
  }
  return boomerang::RunEval(f->eval);
}

int RunFbt(const Flags& f, const Connection& c) {
  boomerang::v1::FrequentlyBoughtTogetherRequest req;
  req.set_placement(f.placement);
  req.set_session_id(f.session);
  for (const auto& i : f.items) req.add_item_ids(i);
  f.filter.Fill(req.mutable_filter());
  req.set_customer_id(f.customer);
  req.set_limit(f.limit);
  if (!f.frame_out.empty()) return WriteGrpcFrame(req, f.frame_out);
  auto stub = boomerang::v1::Recommender::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  boomerang::v1::FrequentlyBoughtTogetherResponse resp;
  return Answer(stub->FrequentlyBoughtTogether(&ctx, req, &resp), resp,
                c.server);
}

int RunSimilar(const Flags& f, const Connection& c) {
  boomerang::v1::SimilarItemsRequest req;
  req.set_placement(f.placement);
  req.set_session_id(f.session);
  req.set_item_id(f.item);
  req.set_limit(f.limit);
  req.set_customer_id(f.customer);
  f.filter.Fill(req.mutable_filter());
  auto stub = boomerang::v1::Recommender::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  boomerang::v1::RecommendationsResponse resp;
  return Answer(stub->SimilarItems(&ctx, req, &resp), resp, c.server);
}

int RunPicks(const Flags& f, const Connection& c) {
  boomerang::v1::PersonalPicksRequest req;
  req.set_placement(f.placement);
  req.set_session_id(f.session);
  req.set_customer_id(f.customer);
  req.set_limit(f.limit);
  req.set_mode(*ParseMode(f.mode));
  std::optional<int64_t> as_of;
  if (!ParseAsOf(f.as_of, &as_of)) return 1;
  if (as_of) req.mutable_as_of()->set_seconds(*as_of);
  f.filter.Fill(req.mutable_filter());
  auto stub = boomerang::v1::Recommender::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  boomerang::v1::RecommendationsResponse resp;
  return Answer(stub->PersonalPicks(&ctx, req, &resp), resp, c.server);
}

int RunCrossSell(const Flags& f, const Connection& c) {
  boomerang::v1::CrossSellRequest req;
  req.set_placement(f.placement);
  req.set_session_id(f.session);
  for (const auto& i : f.items) req.add_item_ids(i);
  req.set_customer_id(f.customer);
  req.set_limit(f.limit);
  f.filter.Fill(req.mutable_filter());
  auto stub = boomerang::v1::Recommender::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  boomerang::v1::RecommendationsResponse resp;
  return Answer(stub->CrossSell(&ctx, req, &resp), resp, c.server);
}

int RunUpsell(const Flags& f, const Connection& c) {
  boomerang::v1::UpsellRequest req;
  req.set_placement(f.placement);
  req.set_session_id(f.session);
  req.set_item_id(f.item);
  req.set_customer_id(f.customer);
  req.set_limit(f.limit);
  req.set_min_price_ratio(f.min_ratio);
  req.set_max_price_ratio(f.max_ratio);
  f.filter.Fill(req.mutable_filter());
  auto stub = boomerang::v1::Recommender::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  boomerang::v1::RecommendationsResponse resp;
  return Answer(stub->Upsell(&ctx, req, &resp), resp, c.server);
}

int RunBuyAgain(const Flags& f, const Connection& c) {
  std::optional<int64_t> as_of;
  if (!ParseAsOf(f.as_of, &as_of)) return 1;
  boomerang::v1::BuyAgainRequest req;
  req.set_placement(f.placement);
  req.set_session_id(f.session);
  req.set_customer_id(f.customer);
  req.set_horizon_days(f.horizon_days);
  req.set_dated_only(f.dated_only);
  req.set_include_lapsed(f.include_lapsed);
  req.set_limit(f.limit);
  if (as_of) req.mutable_as_of()->set_seconds(*as_of);
  f.filter.Fill(req.mutable_filter());
  auto stub = boomerang::v1::Recommender::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  boomerang::v1::BuyAgainResponse resp;
  return Answer(stub->BuyAgain(&ctx, req, &resp), resp, c.server);
}

int RunProfile(const Flags& f, const Connection& c) {
  std::optional<int64_t> as_of;
  if (!ParseAsOf(f.as_of, &as_of)) return 1;
  boomerang::v1::CustomerProfileRequest req;
  req.set_customer_id(f.customer);
  if (as_of) req.mutable_as_of()->set_seconds(*as_of);
  auto stub = boomerang::v1::Recommender::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  boomerang::v1::CustomerProfile resp;
  return Answer(stub->GetCustomerProfile(&ctx, req, &resp), resp, c.server);
}

int RunDue(const Flags& f, const Connection& c) {
  std::optional<int64_t> as_of;
  if (!ParseAsOf(f.as_of, &as_of)) return 1;
  boomerang::v1::DueReplenishmentsRequest due;
  if (as_of) due.mutable_as_of()->set_seconds(*as_of);
  due.set_lead_days(f.lead_days);
  due.set_overdue_days(f.overdue_days);
  due.set_min_confidence(f.min_confidence);
  due.set_min_probability(f.min_probability);
  due.set_max_items_per_customer(f.max_items);
  due.set_batch_size(f.batch_size);
  f.filter.Fill(due.mutable_filter());
  return boomerang::RunDueReplenishments(c.channel, c.server, due, f.out_path,
                                         f.quiet);
}

int RunAudience(const Flags& f, const Connection& c) {
  std::optional<int64_t> as_of;
  if (!ParseAsOf(f.as_of, &as_of)) return 1;
  boomerang::v1::AudiencesRequest req;
  if (as_of) req.mutable_as_of()->set_seconds(*as_of);
  for (const std::string& t : f.triggers) req.add_triggers(t);
  for (const std::string& s : f.segments) req.add_segments(s);
  req.set_max_items(f.max_items);
  req.set_suggestions(f.suggestions);
  req.set_quiet_hours(f.quiet_hours);
  req.set_batch_size(f.batch_size);
  *req.mutable_options() = f.audience;
  f.filter.Fill(req.mutable_filter());
  return boomerang::RunAudiences(c.channel, c.server, req, f.out_path, f.quiet);
}

int RunBatchPicks(const Flags& f, const Connection& c) {
  std::optional<int64_t> as_of;
  if (!ParseAsOf(f.as_of, &as_of)) return 1;
  if (f.ids_path.empty() && f.segment.empty()) {
    std::cerr << "boomerang: error: batch-picks needs --ids or --segment\n";
    return 1;
  }
  boomerang::v1::StreamPersonalPicksRequest opts;
  opts.set_limit(f.limit);
  opts.set_mode(*ParseMode(f.mode));
  if (as_of) opts.mutable_as_of()->set_seconds(*as_of);
  f.filter.Fill(opts.mutable_filter());
  opts.set_segment(f.segment);
  return boomerang::RunBatchPicks(c.channel, c.server, opts, f.ids_path,
                                  f.out_path, f.quiet);
}

int RunExperimentsReport(const Flags& f, const Connection& c) {
  auto stub = boomerang::v1::Admin::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  boomerang::v1::ExperimentReportRequest req;
  req.set_placement(f.report_placement);
  boomerang::v1::ExperimentReport report;
  grpc::Status s = stub->GetExperimentReport(&ctx, req, &report);
  if (!s.ok()) return Fail(s, c.server);
  std::string text;
  if (f.report_format == "html") {
    text = boomerang::experiments::ExperimentReportHtml(report);
  } else {
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    print.always_print_primitive_fields = true;
    print.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(report, &text, print);
  }
  if (f.out_path.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream out(f.out_path);
  out << text;
  if (!out.flush()) {
    std::cerr << "boomerang: error: cannot write " << f.out_path << "\n";
    return 1;
  }
  std::cerr << "wrote " << f.out_path << " (" << report.placements_size()
            << " placements)\n";
  return 0;
}

int RunAdmin(const Flags& f, const Connection& c) {
  auto stub = boomerang::v1::Admin::NewStub(c.channel);
  grpc::ClientContext ctx;
  // A reload or pin loads a snapshot: allow for a large one.
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(
                       f.admin_action == "status" ? c.timeout_ms : 600 * 1000));
  boomerang::v1::ServerStatus resp;
  grpc::Status s;
  if (f.admin_action == "status") {
    s = stub->GetStatus(&ctx, boomerang::v1::GetStatusRequest(), &resp);
  } else if (f.admin_action == "reload") {
    s = stub->Reload(&ctx, boomerang::v1::ReloadRequest(), &resp);
  } else {
    boomerang::v1::PinRequest req;
    req.set_version(f.pin_version);
    s = stub->Pin(&ctx, req, &resp);
  }
  return Answer(s, resp, c.server);
}

int RunEventsPush(const EventsFlags& f, const Connection& c) {
  auto stub = boomerang::v1::Recommender::NewStub(c.channel);
  boomerang::PushEventsOptions options;
  options.path = f.push_path;
  options.batch = f.batch;
  options.timeout_ms = c.timeout_ms;
  auto result = boomerang::PushEvents(stub.get(), options, {});
  if (!result.ok()) {
    std::cerr << "boomerang: error: "
              << absl::StatusCodeToString(result.status().code()) << ": "
              << result.status().message();
    if (result.status().code() == absl::StatusCode::kUnavailable) {
      std::cerr << " (is boomerang-server running on " << c.server << "?)";
    }
    std::cerr << "\n";
    return 1;
  }
  std::cout << "{\"events\": " << result->events
            << ", \"batches\": " << result->batches
            << ", \"accepted\": " << result->accepted
            << ", \"duplicates\": " << result->duplicates << "}\n";
  return 0;
}

int RunHealth(const Connection& c) {
  auto stub = grpc::health::v1::Health::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  return Answer(stub->Check(&ctx, req, &resp), resp, c.server);
}

int RunServices(const Connection& c) {
  using grpc::reflection::v1alpha::ServerReflection;
  auto stub = ServerReflection::NewStub(c.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(c.Deadline());
  auto stream = stub->ServerReflectionInfo(&ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest req;
  req.set_list_services("");
  grpc::reflection::v1alpha::ServerReflectionResponse resp;
  if (stream->Write(req) && stream->WritesDone() && stream->Read(&resp)) {
    for (const auto& s : resp.list_services_response().service()) {
      std::cout << s.name() << "\n";
    }
  }
  grpc::Status s = stream->Finish();
  if (!s.ok()) return Fail(s, c.server);
  return 0;
}

// Runs the subcommand that was given (all but eval and report, which need
// no server).
int RunServerCommand(const Commands& commands, const Flags& f,
                     const Connection& c) {
  if (*commands.fbt) return RunFbt(f, c);
  if (*commands.similar) return RunSimilar(f, c);
  if (*commands.picks) return RunPicks(f, c);
  if (*commands.crosssell) return RunCrossSell(f, c);
  if (*commands.upsell) return RunUpsell(f, c);
  if (*commands.buyagain) return RunBuyAgain(f, c);
  if (*commands.profile) return RunProfile(f, c);
  if (*commands.due) return RunDue(f, c);
  if (*commands.audience) return RunAudience(f, c);
  if (*commands.batch_picks) return RunBatchPicks(f, c);
  if (*commands.admin) return RunAdmin(f, c);
  if (*commands.experiments_report) return RunExperimentsReport(f, c);
  if (*commands.catalog_push) {
    return boomerang::RunCatalogPush(c.channel, c.server, c.timeout_ms,
                                     f.catalog_path);
  }
  if (*commands.catalog_set) {
    return boomerang::RunCatalogSet(c.channel, c.server, c.timeout_ms,
                                    f.catalog);
  }
  if (*commands.health) return RunHealth(c);
  if (*commands.services) return RunServices(c);
  if (*commands.events.push) return RunEventsPush(f.events, c);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Boomerang command-line client. Prints answers as JSON."};
  Flags flags;
  AddConnectionFlags(app, &flags);
  app.require_subcommand(1);
  int report_exit = -1;  // set by the report subcommand's callback
  const Commands commands = AddCommands(app, &flags, &report_exit);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "boomerang: error: " << e.what() << " (see --help)\n";
    return 1;
  }
  if (report_exit >= 0) return report_exit;  // `report` ran during parse
  if (*commands.eval) return RunEvalCommand(&flags);
  if (*commands.events.from_purchases) {
    return RunEventsFromPurchases(&flags.events);
  }

  std::optional<Connection> connection = Connect(flags);
  if (!connection) return 1;
  return RunServerCommand(commands, flags, *connection);
}
