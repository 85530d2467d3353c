#include "tools/catalog_client.h"

#include <chrono>
#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "indexer/file_line_source.h"

namespace boomerang {
namespace {

constexpr int kBatch = 10000;  // UpdateItems' limit per call

// A yes/no value as the indexer reads catalog flags.
bool ParseYesNo(absl::string_view v, bool* out) {
  const std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
  if (s == "1" || s == "true" || s == "yes" || s == "y" || s == "t") {
    *out = true;
  } else if (s == "0" || s == "false" || s == "no" || s == "n" || s == "f") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

// Sets one column's value on `u`; false when the value is not one.
bool SetField(absl::string_view column, absl::string_view v,
              v1::ItemUpdate* u) {
  if (column == "item_id") {
    u->set_item_id(std::string(v));
  } else if (column == "title") {
    u->set_title(std::string(v));
  } else if (column == "category") {
    u->set_category(std::string(v));
  } else if (column == "brand") {
    u->set_brand(std::string(v));
  } else if (column == "price") {
    double p;
    if (!absl::SimpleAtod(v, &p)) return false;
    u->set_price(p);
  } else if (column == "in_stock" || column == "recommendable") {
    bool b;
    if (!ParseYesNo(v, &b)) return false;
    column == "in_stock" ? u->set_in_stock(b) : u->set_recommendable(b);
  } else if (column == "stock_quantity" || column == "stock") {
    int64_t n;
    if (!absl::SimpleAtoi(v, &n)) return false;
    u->set_stock_quantity(n);
  }
  return true;
}

grpc::Status Send(v1::Recommender::Stub* stub, int timeout_ms,
                  const v1::UpdateItemsRequest& req,
                  v1::UpdateItemsResponse* resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(timeout_ms));
  return stub->UpdateItems(&ctx, req, resp);
}

int Fail(const grpc::Status& s, const std::string& server, int64_t sent) {
  std::cerr << "boomerang: error: "
            << absl::StatusCodeToString(
                   static_cast<absl::StatusCode>(s.error_code()))
            << ": " << s.error_message() << " (after " << sent
            << " updates were stored";
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::cerr << "; is boomerang-server running on " << server << "?";
  }
  std::cerr << ")\n";
  return 1;
}

}  // namespace

absl::Status ReadCatalogUpdates(LineSource* source,
                                const std::function<bool(v1::ItemUpdate)>& fn) {
  CsvParser parser(source);
  parser.DetectDelimiter();
  CsvRecord header;
  CsvStatus st;
  if (!parser.Next(&header, &st) || st != CsvStatus::kOk) {
    return absl::InvalidArgumentError("the file has no header line");
  }
  std::vector<std::string> columns;
  bool has_id = false;
  for (const std::string& h : header.fields) {
    columns.push_back(absl::AsciiStrToLower(absl::StripAsciiWhitespace(h)));
    has_id = has_id || columns.back() == "item_id";
  }
  if (!has_id) {
    return absl::InvalidArgumentError("the header has no item_id column");
  }
  CsvRecord rec;
  while (parser.Next(&rec, &st)) {
    if (st != CsvStatus::kOk) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", rec.line_number, ": quoting is broken"));
    }
    v1::ItemUpdate u;
    for (size_t k = 0; k < rec.fields.size() && k < columns.size(); ++k) {
      absl::string_view v = absl::StripAsciiWhitespace(rec.fields[k]);
      if (v.empty()) continue;  // unset: the server keeps the value
      if (!SetField(columns[k], v, &u)) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", rec.line_number, ": ", columns[k], " '",
                         v.substr(0, 40), "' is not a valid value"));
      }
    }
    if (u.item_id().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", rec.line_number, ": item_id is empty"));
    }
    if (!fn(std::move(u))) break;
  }
  if (!source->error().empty()) return absl::DataLossError(source->error());
  return absl::OkStatus();
}

// A recorded stream of changes: one boomerang.v1.ItemUpdate per line in
// protobuf's JSON (with their timestamps and keys, so a re-run is all
// duplicates), as boomerang-demo-shop writes catalog_updates.jsonl.
absl::Status ReadUpdateLines(LineSource* source,
                             const std::function<bool(v1::ItemUpdate)>& fn) {
  std::string line;
  for (int64_t n = 1; source->NextLine(&line); ++n) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    v1::ItemUpdate u;
    auto parsed = google::protobuf::util::JsonStringToMessage(line, &u);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", n, ": not a boomerang.v1.ItemUpdate in JSON: ",
                       std::string(parsed.message())));
    }
    if (!fn(std::move(u))) break;
  }
  return absl::OkStatus();
}

int RunCatalogPush(const std::shared_ptr<grpc::Channel>& channel,
                   const std::string& server, int timeout_ms,
                   const std::string& path) {
  auto source = FileLineSource::Open(path);
  if (!source.ok()) {
    std::cerr << "boomerang: error: " << source.status().message() << "\n";
    return 1;
  }
  auto stub = v1::Recommender::NewStub(channel);
  v1::UpdateItemsRequest req;
  int64_t accepted = 0, duplicates = 0, new_items = 0, sent = 0;
  grpc::Status failed;
  auto flush = [&]() {
    v1::UpdateItemsResponse resp;
    failed = Send(stub.get(), timeout_ms, req, &resp);
    if (!failed.ok()) return false;
    accepted += resp.accepted();
    duplicates += resp.duplicates();
    new_items += resp.new_item_ids_size();
    sent += req.items_size();
    req.clear_items();
    return true;
  };
  auto add = [&](v1::ItemUpdate u) {
    *req.add_items() = std::move(u);
    return req.items_size() < kBatch || flush();
  };
  absl::Status s = absl::EndsWith(path, ".jsonl")
                       ? ReadUpdateLines(source->get(), add)
                       : ReadCatalogUpdates(source->get(), add);
  if (!failed.ok()) return Fail(failed, server, sent);
  if (!s.ok()) {
    std::cerr << "boomerang: error: " << path << ": " << s.message()
              << " (after " << sent << " updates were stored)\n";
    return 1;
  }
  if (req.items_size() > 0 && !flush()) return Fail(failed, server, sent);
  std::cout << "{\"updates\":" << sent << ",\"accepted\":" << accepted
            << ",\"duplicates\":" << duplicates
            << ",\"new_items\":" << new_items << "}\n";
  return 0;
}

int RunCatalogSet(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& server, int timeout_ms,
                  const CatalogSetFlags& f) {
  v1::UpdateItemsRequest req;
  v1::ItemUpdate* u = req.add_items();
  u->set_item_id(f.item);
  if (f.price) u->set_price(*f.price);
  if (f.stock) u->set_stock_quantity(*f.stock);
  if (f.title) u->set_title(*f.title);
  if (f.category) u->set_category(*f.category);
  if (f.brand) u->set_brand(*f.brand);
  for (auto [name, value] :
       {std::pair<const char*, const std::optional<std::string>*>{"--in-stock",
                                                                  &f.in_stock},
        {"--recommendable", &f.recommendable}}) {
    if (!*value) continue;
    bool b;
    if (!ParseYesNo(**value, &b)) {
      std::cerr << "boomerang: error: " << name << " '" << **value
                << "' is not true or false\n";
      return 1;
    }
    std::string(name) == "--in-stock" ? u->set_in_stock(b)
                                      : u->set_recommendable(b);
  }
  auto stub = v1::Recommender::NewStub(channel);
  v1::UpdateItemsResponse resp;
  grpc::Status s = Send(stub.get(), timeout_ms, req, &resp);
  if (!s.ok()) return Fail(s, server, 0);
  std::string json;
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(resp, &json, o);
  std::cout << json << "\n";
  return 0;
}

}  // namespace boomerang
