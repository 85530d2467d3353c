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
//   boomerang batch-picks --ids customers.txt --out picks.jsonl
//   boomerang batch-picks --segment at_risk --out picks.jsonl
//   boomerang admin status          # which snapshot serves; reload; pin
//   boomerang admin reload
//   boomerang admin pin 3           # serve 000003 (rollback); pin 0 unpins
//   boomerang health
//   boomerang services      # what the server offers (server reflection)
//
// --server (default 127.0.0.1:50051, or $BOOMERANG_SERVER) picks the
// server. Exit status: 0 on success, 1 on a bad request or unreachable
// server (the gRPC status is printed on stderr).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "boomerang/v1/admin.grpc.pb.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "indexer/input_flags.h"
#include "models/item_exclusion.h"
#include "models/purchase_line.h"
#include "models/timestamp.h"
#include "models/list_file.h"
#include "tools/batch_client.h"
#include "tools/client_channel.h"
#include "tools/eval.h"
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

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1:50051";
  if (const char* env = std::getenv("BOOMERANG_SERVER")) server = env;
  int timeout_ms = 5000;

  CLI::App app{"Boomerang command-line client. Prints answers as JSON."};
  app.add_option("--server", server, "host:port of boomerang-server")
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "deadline of each call")
      ->capture_default_str();
  boomerang::ClientChannelOptions channel_options;
  std::string token_file;
  app.add_option("--token-file", token_file,
                 "file holding the bearer token to send (or set "
                 "$BOOMERANG_TOKEN)");
  app.add_option("--tls-ca", channel_options.tls_ca,
                 "CA certificate (PEM) of the server: connect with TLS");
  app.add_option("--tls-cert", channel_options.tls_cert,
                 "client certificate (PEM) for mutual TLS");
  app.add_option("--tls-key", channel_options.tls_key, "client key (PEM)");
  app.add_option("--tls-server-name", channel_options.tls_server_name,
                 "the name the server's certificate is checked against "
                 "(default: the host of --server)");
  app.require_subcommand(1);

  boomerang::v1::FrequentlyBoughtTogetherRequest fbt;
  std::vector<std::string> items;
  std::string item, customer;
  int limit = 0;
  std::string frame_out;
  FilterFlags filter;
  CLI::App* fbt_cmd = app.add_subcommand(
      "fbt", "products frequently bought together with the given item(s)");
  fbt_cmd->add_option("--item", items, "anchor item id (repeat for a cart)")
      ->required();
  fbt_cmd->add_option("--limit", limit,
                      "how many items (default 10, at most 100)");
  filter.AddTo(fbt_cmd);
  fbt_cmd->add_option("--customer", customer,
                      "customer id (for --exclude-purchased)");
  fbt_cmd->add_option("--grpc-frame-out", frame_out,
                      "write the request as a gRPC frame to this file and exit "
                      "(for load tools such as h2load)");

  CLI::App* similar_cmd = app.add_subcommand(
      "similar", "alternatives to an item (bought by the same customers)");
  similar_cmd->add_option("--item", item, "the item")->required();
  similar_cmd->add_option("--limit", limit,
                          "how many items (default 10, at most 100)");
  filter.AddTo(similar_cmd);
  similar_cmd->add_option("--customer", customer,
                          "customer id (for --exclude-purchased)");

  std::string as_of, mode = "mixed";
  CLI::App* picks_cmd = app.add_subcommand(
      "picks", "a customer's personal picks (due repeats and new items)");
  picks_cmd->add_option("--customer", customer, "customer id")->required();
  picks_cmd->add_option("--limit", limit,
                        "how many items (default 10, at most 100)");
  picks_cmd->add_option(
      "--as-of", as_of,
      "recommend for this moment (ISO 8601; default: the server's clock)");
  picks_cmd->add_option("--mode", mode, kModeHelp)
      ->check(ModeValidator())
      ->capture_default_str();
  filter.AddTo(picks_cmd);

  CLI::App* cross_cmd = app.add_subcommand(
      "crosssell", "complements for a cart (never substitutes of its items)");
  cross_cmd->add_option("--item", items, "cart item id (repeatable)")
      ->required();
  cross_cmd->add_option("--customer", customer, "customer id (personalises)");
  cross_cmd->add_option("--limit", limit,
                        "how many items (default 10, at most 100)");
  filter.AddTo(cross_cmd);

  double min_ratio = 0, max_ratio = 0;
  CLI::App* upsell_cmd = app.add_subcommand(
      "upsell", "a better, pricier alternative in the same category");
  upsell_cmd->add_option("--item", item, "the item")->required();
  upsell_cmd->add_option("--customer", customer, "customer id (personalises)");
  upsell_cmd->add_option("--limit", limit,
                         "how many items (default 10, at most 100)");
  upsell_cmd->add_option("--min-ratio", min_ratio,
                         "lowest price multiple (default 1.05)");
  upsell_cmd->add_option("--max-ratio", max_ratio,
                         "highest price multiple (default 2)");
  filter.AddTo(upsell_cmd);

  boomerang::EvalOptions eval;
  boomerang::PurchaseInputFlags eval_input;
  CLI::App* eval_cmd = app.add_subcommand(
      "eval",
      "offline evaluation: build a snapshot from all but the last --test-days "
      "of a purchase file, ask PersonalPicks for every customer who buys in "
      "those days, and compare with popularity, P-TopFreq and GP-TopFreq");
  boomerang::AddPurchaseInputFlags(eval_cmd, &eval_input, &eval.indexer);
  eval_cmd->add_option("--test-days", eval.test_days, "days held out")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  eval_cmd->add_option("--k", eval.k, "cut-off")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  eval_cmd->add_option(
      "--work-dir", eval.work_dir,
      "where to build the past snapshot (default: a temp dir)");
  eval_cmd
      ->add_option("--alpha", eval.indexer.embeddings.als.alpha,
                   "ALS confidence scale")
      ->capture_default_str();
  eval_cmd->add_option("--factors", eval.indexer.embeddings.als.factors)
      ->capture_default_str();
  eval_cmd
      ->add_option("--regularization",
                   eval.indexer.embeddings.als.regularization)
      ->capture_default_str();

  int horizon_days = 0;
  CLI::App* buyagain_cmd = app.add_subcommand(
      "buyagain", "items a customer is due to re-buy, with expected dates");
  buyagain_cmd->add_option("--customer", customer, "customer id")->required();
  buyagain_cmd->add_option(
      "--as-of", as_of,
      "predict for this moment (ISO 8601; default: the server's clock)");
  buyagain_cmd->add_option("--horizon-days", horizon_days,
                           "items expected within this many days (default 30)");
  bool dated_only = false;
  buyagain_cmd->add_flag("--dated-only", dated_only,
                         "only items with a repurchase cycle");
  bool include_lapsed = false;
  buyagain_cmd->add_flag("--include-lapsed", include_lapsed,
                         "also items the customer has most likely stopped "
                         "buying (long overdue)");
  buyagain_cmd->add_option("--limit", limit,
                           "how many items (default 10, at most 100)");
  filter.AddTo(buyagain_cmd);

  CLI::App* profile_cmd = app.add_subcommand(
      "profile", "a customer's orders, RFM segment, churn risk and value");
  profile_cmd->add_option("--customer", customer, "customer id")->required();
  profile_cmd->add_option(
      "--as-of", as_of,
      "profile as of this moment (ISO 8601; default: the server's clock)");

  boomerang::v1::DueReplenishmentsRequest due;
  std::string out_path;
  int lead_days = 0, overdue_days = 0, max_items = 0;
  double min_confidence = 0;
  bool quiet = false;
  CLI::App* due_cmd = app.add_subcommand(
      "due",
      "every customer with an item due soon (JSON lines: one customer each)");
  due_cmd->add_option(
      "--as-of", as_of,
      "the mailing day (ISO 8601; default: the server's clock)");
  due_cmd->add_option("--lead-days", lead_days,
                      "items expected within this many days (default 7)");
  due_cmd->add_option("--overdue-days", overdue_days,
                      "also items overdue by up to this many days");
  due_cmd->add_option("--min-confidence", min_confidence,
                      "leave out items below this confidence (0-1)");
  due_cmd->add_option("--max-items", max_items,
                      "items per customer (default 10)");
  int batch_size = 0;
  due_cmd->add_option("--batch-size", batch_size,
                      "customers per stream message (default 256)");
  due_cmd->add_option("--out", out_path, "JSON lines file (default stdout)");
  due_cmd->add_flag("--quiet", quiet, "no progress on stderr");
  filter.AddTo(due_cmd);

  std::string ids_path, segment;
  CLI::App* batch_cmd = app.add_subcommand(
      "batch-picks",
      "personal picks for many customers (JSON lines: one customer each)");
  auto* ids_opt = batch_cmd->add_option(
      "--ids", ids_path, "file with one customer id per line ('-': stdin)");
  batch_cmd
      ->add_option("--segment", segment,
                   "or every customer of this RFM segment (e.g. at_risk)")
      ->excludes(ids_opt);
  batch_cmd->add_option("--out", out_path, "JSON lines file (default stdout)");
  batch_cmd->add_option("--limit", limit,
                        "items per customer (default 10, at most 100)");
  batch_cmd->add_option(
      "--as-of", as_of,
      "recommend for this moment (ISO 8601; default: the server's clock)");
  batch_cmd->add_option("--mode", mode, kModeHelp)
      ->check(ModeValidator())
      ->capture_default_str();
  batch_cmd->add_flag("--quiet", quiet, "no progress on stderr");
  filter.AddTo(batch_cmd);

  int report_exit = -1;  // set by the report subcommand's callback
  boomerang::RegisterReportCommand(&app, &report_exit);

  std::string admin_action;
  int64_t pin_version = 0;
  CLI::App* admin_cmd = app.add_subcommand(
      "admin", "the server's snapshot: status, reload now, pin a version");
  admin_cmd->add_option("action", admin_action, "status, reload or pin")
      ->required()
      ->check(CLI::IsMember({"status", "reload", "pin"}));
  admin_cmd->add_option("version", pin_version,
                        "for pin: the version to serve (0: follow the newest)");

  CLI::App* health_cmd =
      app.add_subcommand("health", "ask the server's health service");
  CLI::App* services_cmd = app.add_subcommand(
      "services", "list the server's gRPC services (via server reflection)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "boomerang: error: " << e.what() << " (see --help)\n";
    return 1;
  }
  if (report_exit >= 0) return report_exit;  // `report` ran during parse

  if (*eval_cmd) {
    if (absl::Status s =
            boomerang::ApplyPurchaseInputFlags(eval_input, &eval.indexer);
        !s.ok()) {
      std::cerr << "boomerang: error: " << s.message() << "\n";
      return 1;
    }
    return boomerang::RunEval(eval);
  }

  channel_options.target = server;
  if (const char* env = std::getenv("BOOMERANG_TOKEN")) {
    channel_options.token = env;
  }
  if (!token_file.empty()) {
    auto tokens = boomerang::ReadListFile(token_file);
    if (!tokens.ok() || tokens->empty()) {
      std::cerr << "boomerang: error: --token-file " << token_file
                << ": cannot read a token\n";
      return 1;
    }
    channel_options.token = tokens->front();
  }
  auto made = boomerang::MakeClientChannel(channel_options);
  if (!made.ok()) {
    std::cerr << "boomerang: error: " << made.status().message() << "\n";
    return 1;
  }
  auto channel = *made;
  auto deadline = [&] {
    return std::chrono::system_clock::now() +
           std::chrono::milliseconds(timeout_ms);
  };

  if (*fbt_cmd) {
    for (const auto& i : items) fbt.add_item_ids(i);
    filter.Fill(fbt.mutable_filter());
    fbt.set_customer_id(customer);
    fbt.set_limit(limit);
    if (!frame_out.empty()) {
      std::string body = fbt.SerializeAsString();
      std::string frame(5, '\0');
      uint32_t n = static_cast<uint32_t>(body.size());
      frame[1] = static_cast<char>(n >> 24);
      frame[2] = static_cast<char>(n >> 16);
      frame[3] = static_cast<char>(n >> 8);
      frame[4] = static_cast<char>(n);
      std::ofstream(frame_out, std::ios::binary) << frame << body;
      return 0;
    }
    auto stub = boomerang::v1::Recommender::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    boomerang::v1::FrequentlyBoughtTogetherResponse resp;
    grpc::Status s = stub->FrequentlyBoughtTogether(&ctx, fbt, &resp);
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*similar_cmd) {
    boomerang::v1::SimilarItemsRequest req;
    req.set_item_id(item);
    req.set_limit(limit);
    req.set_customer_id(customer);
    filter.Fill(req.mutable_filter());
    auto stub = boomerang::v1::Recommender::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    boomerang::v1::RecommendationsResponse resp;
    grpc::Status s = stub->SimilarItems(&ctx, req, &resp);
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*picks_cmd) {
    boomerang::v1::PersonalPicksRequest req;
    req.set_customer_id(customer);
    req.set_limit(limit);
    req.set_mode(*ParseMode(mode));
    if (!as_of.empty()) {
      auto t = boomerang::ParseTimestamp(as_of);
      if (!t.ok()) {
        std::cerr << "boomerang: error: --as-of: " << t.status().message()
                  << "\n";
        return 1;
      }
      req.mutable_as_of()->set_seconds(*t);
    }
    filter.Fill(req.mutable_filter());
    auto stub = boomerang::v1::Recommender::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    boomerang::v1::RecommendationsResponse resp;
    grpc::Status s = stub->PersonalPicks(&ctx, req, &resp);
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*cross_cmd || *upsell_cmd) {
    auto stub = boomerang::v1::Recommender::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    boomerang::v1::RecommendationsResponse resp;
    grpc::Status s;
    if (*cross_cmd) {
      boomerang::v1::CrossSellRequest req;
      for (const auto& i : items) req.add_item_ids(i);
      req.set_customer_id(customer);
      req.set_limit(limit);
      filter.Fill(req.mutable_filter());
      s = stub->CrossSell(&ctx, req, &resp);
    } else {
      boomerang::v1::UpsellRequest req;
      req.set_item_id(item);
      req.set_customer_id(customer);
      req.set_limit(limit);
      req.set_min_price_ratio(min_ratio);
      req.set_max_price_ratio(max_ratio);
      filter.Fill(req.mutable_filter());
      s = stub->Upsell(&ctx, req, &resp);
    }
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  std::optional<int64_t> as_of_seconds;
  if (!as_of.empty()) {
    auto t = boomerang::ParseTimestamp(as_of);
    if (!t.ok()) {
      std::cerr << "boomerang: error: --as-of: " << t.status().message()
                << "\n";
      return 1;
    }
    as_of_seconds = *t;
  }
  if (*buyagain_cmd) {
    boomerang::v1::BuyAgainRequest req;
    req.set_customer_id(customer);
    req.set_horizon_days(horizon_days);
    req.set_dated_only(dated_only);
    req.set_include_lapsed(include_lapsed);
    req.set_limit(limit);
    if (as_of_seconds) req.mutable_as_of()->set_seconds(*as_of_seconds);
    filter.Fill(req.mutable_filter());
    auto stub = boomerang::v1::Recommender::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    boomerang::v1::BuyAgainResponse resp;
    grpc::Status s = stub->BuyAgain(&ctx, req, &resp);
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*profile_cmd) {
    boomerang::v1::CustomerProfileRequest req;
    req.set_customer_id(customer);
    if (as_of_seconds) req.mutable_as_of()->set_seconds(*as_of_seconds);
    auto stub = boomerang::v1::Recommender::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    boomerang::v1::CustomerProfile resp;
    grpc::Status s = stub->GetCustomerProfile(&ctx, req, &resp);
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*due_cmd) {
    if (as_of_seconds) due.mutable_as_of()->set_seconds(*as_of_seconds);
    due.set_lead_days(lead_days);
    due.set_overdue_days(overdue_days);
    due.set_min_confidence(min_confidence);
    due.set_max_items_per_customer(max_items);
    due.set_batch_size(batch_size);
    filter.Fill(due.mutable_filter());
    return boomerang::RunDueReplenishments(channel, server, due, out_path,
                                           quiet);
  }
  if (*batch_cmd) {
    if (ids_path.empty() && segment.empty()) {
      std::cerr << "boomerang: error: batch-picks needs --ids or --segment\n";
      return 1;
    }
    boomerang::v1::StreamPersonalPicksRequest opts;
    opts.set_limit(limit);
    opts.set_mode(*ParseMode(mode));
    if (as_of_seconds) opts.mutable_as_of()->set_seconds(*as_of_seconds);
    filter.Fill(opts.mutable_filter());
    opts.set_segment(segment);
    return boomerang::RunBatchPicks(channel, server, opts, ids_path, out_path,
                                    quiet);
  }
  if (*admin_cmd) {
    auto stub = boomerang::v1::Admin::NewStub(channel);
    grpc::ClientContext ctx;
    // A reload or pin loads a snapshot: allow for a large one.
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(
                         admin_action == "status" ? timeout_ms : 600 * 1000));
    boomerang::v1::ServerStatus resp;
    grpc::Status s;
    if (admin_action == "status") {
      s = stub->GetStatus(&ctx, boomerang::v1::GetStatusRequest(), &resp);
    } else if (admin_action == "reload") {
      s = stub->Reload(&ctx, boomerang::v1::ReloadRequest(), &resp);
    } else {
      boomerang::v1::PinRequest req;
      req.set_version(pin_version);
      s = stub->Pin(&ctx, req, &resp);
    }
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*health_cmd) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    if (!s.ok()) return Fail(s, server);
    return PrintJson(resp);
  }
  if (*services_cmd) {
    using grpc::reflection::v1alpha::ServerReflection;
    auto stub = ServerReflection::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
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
    if (!s.ok()) return Fail(s, server);
    return 0;
  }
  return 1;
}
