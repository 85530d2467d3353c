#include "tools/report/report_command.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "indexer/indexer.h"
#include "indexer/input_flags.h"
#include "models/item_exclusion.h"
#include "models/list_file.h"
#include "models/purchase_line.h"
#include "models/timestamp.h"
#include "tools/report/report_html.h"
#include "tools/report/retention_report.h"

namespace boomerang {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The flags, kept alive with the App (the callback reads them after parse).
struct ReportFlags {
  IndexerOptions indexer;
  PurchaseInputFlags input;
  bool quiet = false;
  std::string as_of, currency, json_path, html_path, title;
  RetentionReportOptions report;
};

// Fills the indexer options from the flags as boomerang-indexer does.
absl::Status ResolveFlags(ReportFlags* f) {
  if (absl::Status s = ApplyPurchaseInputFlags(f->input, &f->indexer);
      !s.ok()) {
    return s;
  }
  if (!f->as_of.empty()) {
    auto t = ParseTimestamp(f->as_of);
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--as-of '", f->as_of, "': ", t.status().message()));
    }
    f->report.as_of = *t;
  }
  std::string currency = absl::AsciiStrToUpper(f->currency);
  if (!currency.empty() && (currency.size() != 3 ||
                            !absl::c_all_of(currency, absl::ascii_isupper))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--currency '", f->currency,
        "' is not a three-letter ISO 4217 code such as GBP, EUR or USD"));
  }
  f->report.currency = currency;
  if (!(f->report.ltv_horizon_days > 0 && f->report.ltv_horizon_days <= 3650)) {
    return absl::InvalidArgumentError(
        "--ltv-horizon-days must be in (0, 3650]");
  }
  if (!(f->report.annual_discount_rate >= 0 &&
        f->report.annual_discount_rate < 10)) {
    return absl::InvalidArgumentError("--discount-rate must be in [0, 10)");
  }
  return absl::OkStatus();
}

// The indexer refuses files with too many bad lines; so does the report
// (LoadOrderHistory counts them but leaves the decision to its caller).
absl::Status CheckBadLines(const IndexerOptions& options,
                           const IndexReport& report) {
  const InputStats& in = report.purchases;
  if (in.data_rows == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(in.path, ": has a header but no data lines"));
  }
  const double share = static_cast<double>(in.bad_total()) / in.data_rows;
  if (share <= options.max_bad_share) return absl::OkStatus();
  std::string first;
  for (const auto& b : in.bad) {
    if (b.count > 0) {
      first = b.first_detail;
      break;
    }
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: %d of %d lines (%.1f%%) are bad, more than --max-bad-share "
      "%.1f%%. First: %s",
      in.path, in.bad_total(), in.data_rows, 100 * share,
      100 * options.max_bad_share, first));
}

// The input file as the report names it: its name only. A report is mailed
// to a shop owner; the directory it was made in is nobody's business.
std::string ReportFileName(const std::string& path) {
  if (path == "-") return "standard input";
  return std::filesystem::path(path).filename().string();
}

nlohmann::json InputJson(const IndexerOptions& options, const IndexReport& r) {
  const std::string& path = options.purchases_path;
  const std::string name = ReportFileName(path);
  nlohmann::json bad = nlohmann::json::object();
  for (int i = 0; i < kNumBadReasons; ++i) {
    const BadLineStats& b = r.purchases.bad[i];
    if (b.count == 0) continue;
    // "<path>:17: field ..." from the reader: the same file name.
    std::string first = b.first_detail;
    if (absl::StartsWith(first, path)) first = name + first.substr(path.size());
    bad[std::string(BadReasonName(static_cast<BadReason>(i)))] = {
        {"lines", b.count}, {"first_lines", b.first_lines}, {"first", first}};
  }
  nlohmann::json excluded = nlohmann::json::array();
  for (const auto& [id, n] : r.excluded_items) {
    excluded.push_back({{"item_id", id}, {"lines", n}});
  }
  return {{"purchases", name},
          {"data_lines", r.purchases.data_rows},
          {"purchase_lines", r.purchase_lines},
          {"return_lines", r.return_lines},
          {"non_product_lines", r.excluded_lines},
          {"non_product_items", excluded},
          {"zero_quantity_lines", r.zero_quantity_lines},
          {"bad_lines", r.purchases.bad_total()},
          {"bad", bad}};
}

// Writes through a temporary file and a rename: a reader never sees half a
// report, and a failed run leaves the previous one in place.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& text) {
  const std::string tmp = absl::StrCat(path, ".tmp-", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return absl::UnavailableError(
          absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
    }
    out << text;
    out.flush();
    if (!out) {
      const int err = errno;
      std::remove(tmp.c_str());
      return absl::UnavailableError(
          absl::StrCat(path, ": write failed: ", std::strerror(err)));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot rename into place: ", std::strerror(err)));
  }
  return absl::OkStatus();
}

std::string Thousands(int64_t v) {
  std::string s = absl::StrCat(v < 0 ? -v : v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, ",");
  return v < 0 ? "-" + s : s;
}

std::string Money(double v, const std::string& currency) {
  const int64_t cents = std::llround(v * 100);
  std::string s = absl::StrFormat("%s%s.%02d", cents < 0 ? "-" : "",
                                  Thousands(std::abs(cents) / 100),
                                  static_cast<int>(std::abs(cents) % 100));
  return currency.empty() ? s : absl::StrCat(s, " ", currency);
}

std::string Pct(double v) { return absl::StrFormat("%.1f%%", 100 * v); }

std::string Summary(const RetentionReport& r) {
  const std::string& cur = r.options.currency;
  std::string out;
  absl::StrAppendFormat(&out, "as of       %s (orders %s .. %s)\n",
                        FormatUtc(r.as_of), FormatUtc(r.data_start),
                        FormatUtc(r.data_end));
  absl::StrAppendFormat(
      &out,
      "totals      %s customers, %s orders (%s guest), revenue %s, "
      "AOV %s\n",
      Thousands(r.customers), Thousands(r.orders), Thousands(r.guest_orders),
      Money(r.revenue, cur), r.aov ? Money(*r.aov, cur) : "-");
  absl::StrAppendFormat(
      &out, "repeat      %s of customers ordered 2+ times (%s on 2+ days)\n",
      Pct(r.repeat_purchase_rate), Pct(r.repeat_purchase_rate_by_days));
  // The last complete month with a retention rate.
  for (auto it = r.months.rbegin(); it != r.months.rend(); ++it) {
    if (it->partial || !it->retention_rate) continue;
    absl::StrAppendFormat(&out,
                          "retention   %s: %s of the previous month's "
                          "customers ordered again (classic CRR %s)\n",
                          it->month, Pct(*it->retention_rate),
                          Pct(it->classic_crr.value_or(0)));
    break;
  }
  std::vector<std::string> segs;
  for (const SegmentRow& s : r.segments) {
    if (s.customers > 0) {
      segs.push_back(absl::StrCat(s.name, " ", Thousands(s.customers)));
    }
  }
  absl::StrAppend(&out, "segments    ", absl::StrJoin(segs, ", "), "\n");
  for (const auto& [label, m] :
       {std::make_pair("abc customers  ", &r.customer_classes),
        std::make_pair("abc items      ", &r.item_classes)}) {
    if (!m->available) continue;
    std::vector<std::string> parts;
    for (int a = 0; a < 3; ++a) {
      int64_t count = 0;
      double share = 0;
      for (const ClassMatrix::Cell& c : m->cells[a]) {
        count += c.count;
        share += c.revenue_share;
      }
      parts.push_back(absl::StrCat(std::string(1, 'A' + a), " ",
                                   Thousands(count), " (", Pct(share),
                                   " of revenue)"));
    }
    absl::StrAppend(&out, label, absl::StrJoin(parts, ", "), "\n");
  }
  if (r.predicted_available) {
    absl::StrAppendFormat(
        &out, "predicted   %.0f-day value: mean %s, median %s, total %s\n",
        r.options.ltv_horizon_days, Money(r.predicted_ltv.mean, cur),
        Money(r.predicted_ltv.percentiles.at(50), cur),
        Money(r.predicted_ltv.total, cur));
  } else {
    absl::StrAppend(&out, "predicted   not available: ",
                    r.predicted_unavailable_reason, "\n");
  }
  return out;
}

int Run(ReportFlags& f) {
  const auto started = Clock::now();
  auto fail = [](const absl::Status& s, int code) {
    std::cerr << "boomerang report: error: " << s.message() << "\n";
    return code;
  };
  absl::Status s = ResolveFlags(&f);
  if (!s.ok()) return fail(s, 1);
  if (!f.quiet) {
    f.indexer.progress = [](const std::string& line) {
      std::cerr << "boomerang report: " << line << "\n";
    };
  }

  IndexReport input;
  auto history = LoadOrderHistory(f.indexer, &input);
  if (!history.ok()) {
    const absl::Status& e = history.status();
    const bool input_error = absl::IsInvalidArgument(e) ||
                             absl::IsNotFound(e) ||
                             absl::IsPermissionDenied(e) || absl::IsDataLoss(e);
    return fail(e, input_error ? 1 : 2);
  }
  s = CheckBadLines(f.indexer, input);
  if (!s.ok()) return fail(s, 1);
  const double read_s = Seconds(started);

  const auto compute_started = Clock::now();
  ReportOrders orders;
  orders.timestamps = history->order_timestamps;
  orders.customers = history->order_customers;
  orders.revenue = history->order_revenue;
  orders.num_customers = static_cast<int32_t>(history->customer_ids.size());
  orders.item_months = history->item_months;
  auto report = ComputeRetentionReport(orders, f.report);
  if (!report.ok()) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
                    f.indexer.purchases_path, ": ", report.status().message())),
                1);
  }
  nlohmann::json j = ReportToJson(*report);
  j["input"] = InputJson(f.indexer, input);
  const double compute_s = Seconds(compute_started);
  j["timing_seconds"] = {{"read", read_s}, {"compute", compute_s}};

  const auto write_started = Clock::now();
  if (!f.json_path.empty()) {
    s = WriteFileAtomically(
        f.json_path,
        j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (!s.ok()) return fail(s, 2);
  }
  if (!f.html_path.empty()) {
    ReportHtmlOptions html;
    html.title = f.title.empty()
                     ? absl::StrCat("Retention report: ",
                                    ReportFileName(f.indexer.purchases_path))
                     : f.title;
    s = WriteFileAtomically(f.html_path, RenderReportHtml(j, html));
    if (!s.ok()) return fail(s, 2);
  }
  std::cout << Summary(*report);
  std::vector<std::string> wrote;
  if (!f.json_path.empty()) wrote.push_back(f.json_path);
  if (!f.html_path.empty()) wrote.push_back(f.html_path);
  std::cout << absl::StrFormat(
      "wrote       %s (read %.2f s, compute %.2f s, write %.2f s)\n",
      wrote.empty() ? "nothing (no --json or --html)"
                    : absl::StrJoin(wrote, ", "),
      read_s, compute_s, Seconds(write_started));
  return 0;
}

}  // namespace

void RegisterReportCommand(CLI::App* app, int* exit_code) {
  // Owned by the subcommand's callback, which lives as long as the App.
  auto f = std::make_shared<ReportFlags>();
  CLI::App* cmd = app->add_subcommand(
      "report",
      "retention report of a purchase export: repeat purchase rate, monthly "
      "retention and AOV, cohorts, lifetime value (historic and predicted), "
      "RFM segments, ABC / XYZ classes of customers and items; as JSON and as "
      "one self-contained HTML page");
  AddPurchaseInputFlags(cmd, &f->input, &f->indexer,
                        "map a canonical column to your header name, e.g. "
                        "order_id=InvoiceNo (order_id, customer_id, item_id, "
                        "timestamp; quantity and price for revenue). "
                        "Repeatable.");
  cmd->add_option("--as-of", f->as_of,
                  "report as of this moment (ISO 8601; orders at or after it "
                  "are left out). Default: the day after the last order");
  cmd->add_option("--currency", f->currency,
                  "ISO 4217 code to label money with, e.g. GBP (no "
                  "conversion)");
  cmd->add_option("--ltv-horizon-days", f->report.ltv_horizon_days,
                  "predicted lifetime value horizon")
      ->capture_default_str();
  cmd->add_option("--discount-rate", f->report.annual_discount_rate,
                  "annual discount rate for predicted value")
      ->capture_default_str();
  cmd->add_option("--json", f->json_path, "write the report as JSON here");
  cmd->add_option("--html", f->html_path,
                  "write the report as one self-contained HTML page here");
  cmd->add_option("--title", f->title, "the HTML page's title");
  cmd->add_flag("--quiet", f->quiet, "no progress lines on stderr");
  cmd->callback([f, exit_code] { *exit_code = Run(*f); });
}

}  // namespace boomerang
