#include "models/experiments/report_html.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/html_escape.h"
#include "models/timestamp.h"

namespace boomerang::experiments {
namespace {

std::string Escape(absl::string_view s) { return HtmlEscape(s); }

std::string Percent(double v) { return absl::StrFormat("%.2f%%", 100 * v); }
std::string Money(double v) { return absl::StrFormat("%.2f", v); }

std::string RateCell(const v1::RateValue& r) {
  return absl::StrCat(Percent(r.value()), "<br><small>", Percent(r.low()),
                      " &ndash; ", Percent(r.high()), " (", r.successes(), "/",
                      r.trials(), ")</small>");
}

// "+12.3% (p = 0.004) significant" against the control.
std::string VersusCell(const v1::ArmComparison& c, bool rate) {
  const std::string diff =
      rate ? absl::StrFormat("%+.2f pts", 100 * c.difference())
           : absl::StrFormat("%+.2f", c.difference());
  return absl::StrCat(
      "<span class=\"",
      c.significant() ? (c.difference() > 0 ? "up" : "down") : "flat", "\">",
      diff,
      c.control() != 0 ? absl::StrFormat(" (%+.1f%%)", 100 * c.relative()) : "",
      "</span><br><small>p = ", absl::StrFormat("%.3g", c.p_value()),
      c.significant() ? ", significant" : ", not significant", "</small>");
}

// Horizontal bars with 95% interval whiskers, one per arm.
std::string IntervalChart(const std::string& title,
                          const std::vector<std::string>& names,
                          const std::vector<double>& value,
                          const std::vector<double>& low,
                          const std::vector<double>& high, bool percent) {
  double top = 0;
  for (double h : high) top = std::max(top, h);
  if (top <= 0) top = 1;
  const int row = 28, label = 120, width = 360;
  std::string svg = absl::StrFormat(
      "<figure><figcaption>%s</figcaption><svg width=\"%d\" height=\"%d\" "
      "role=\"img\">",
      Escape(title), label + width + 90, row * names.size() + 8);
  for (size_t i = 0; i < names.size(); ++i) {
    const double y = 4 + row * static_cast<double>(i);
    auto x = [&](double v) { return label + width * v / top; };
    absl::StrAppendFormat(
        &svg,
        "<text x=\"0\" y=\"%.0f\">%s</text><rect x=\"%d\" y=\"%.0f\" "
        "width=\"%.1f\" height=\"16\" class=\"bar\"/><line x1=\"%.1f\" "
        "x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" class=\"ci\"/><text x=\"%.1f\" "
        "y=\"%.0f\">%s</text>",
        y + 13, Escape(names[i]), label, y, x(value[i]) - label, x(low[i]),
        x(high[i]), y + 8, y + 8, x(high[i]) + 4, y + 13,
        percent ? Percent(value[i]) : Money(value[i]));
  }
  return svg + "</svg></figure>";
}

// Impressions per day and arm.
std::string DailyChart(const v1::PlacementReport& p) {
  std::map<std::string, std::map<std::string, int64_t>> by_arm;  // arm, day
  std::vector<std::string> days;
  int64_t top = 1;
  for (const v1::DailyCount& d : p.days()) {
    by_arm[d.arm()][d.day()] = d.impressions();
    if (std::find(days.begin(), days.end(), d.day()) == days.end()) {
      days.push_back(d.day());
    }
    top = std::max(top, d.impressions());
  }
  if (days.size() < 2) return "";
  std::sort(days.begin(), days.end());
  const int w = 480, h = 140;
  static const char* kColors[] = {"#4363d8", "#e6194b", "#3cb44b",
                                  "#f58231", "#911eb4", "#42d4f4"};
  std::string svg = absl::StrFormat(
      "<figure><figcaption>Impressions per day (%s to %s)</figcaption><svg "
      "width=\"%d\" height=\"%d\" role=\"img\">",
      days.front(), days.back(), w + 130, h + 10);
  int color = 0;
  for (const auto& [arm, counts] : by_arm) {
    std::string points;
    for (size_t i = 0; i < days.size(); ++i) {
      auto it = counts.find(days[i]);
      const double v = it == counts.end() ? 0 : it->second;
      absl::StrAppendFormat(&points, "%.1f,%.1f ",
                            w * static_cast<double>(i) / (days.size() - 1),
                            5 + h - h * v / top);
    }
    const char* c = kColors[color++ % 6];
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" "
                          "stroke=\"%s\" stroke-width=\"2\"/><text x=\"%d\" "
                          "y=\"%d\" fill=\"%s\">%s</text>",
                          points, c, w + 8, 14 * color, c,
                          Escape(arm.empty() ? "(all)" : arm));
  }
  return svg + "</svg></figure>";
}

std::string PlacementSection(const v1::PlacementReport& p) {
  std::string html = absl::StrCat(
      "<section><h2>", Escape(p.placement()), "</h2><p>",
      p.experiment().empty()
          ? "No experiment: every list is counted as one arm."
          : absl::StrCat("Experiment <b>", Escape(p.experiment()), "</b>."),
      " Revenue per customer is capped at the buyers' 95th percentile (",
      Money(p.revenue_cap()), "). ");
  if (!p.experiment().empty()) {
    absl::StrAppend(
        &html, "Sample ratio: ",
        p.sample_ratio_mismatch() ? "<span class=\"down\">MISMATCH</span>"
                                  : "<span class=\"flat\">as configured</span>",
        absl::StrFormat(" (chi-square %.2f, p = %.3g).",
                        p.sample_ratio_chi_square(), p.sample_ratio_p_value()));
  }
  html += "</p>";
  for (const std::string& w : p.warnings()) {
    absl::StrAppend(&html, "<p class=\"warn\">&#9888; ", Escape(w), "</p>");
  }
  html +=
      "<table><tr><th>arm</th><th>share</th><th>customers</th>"
      "<th>impressions</th><th>clicks</th><th>click-through</th>"
      "<th>add-to-cart</th><th>conversion</th><th>revenue</th>"
      "<th>revenue / customer</th><th>CTR vs control</th>"
      "<th>conversion vs control</th><th>revenue / customer vs "
      "control</th></tr>";
  std::vector<std::string> names;
  std::vector<double> ctr, ctr_lo, ctr_hi, conv, conv_lo, conv_hi, rpc, rpc_lo,
      rpc_hi;
  for (const v1::ArmReport& a : p.arms()) {
    const std::string name = a.arm().empty() ? "(all)" : a.arm();
    absl::StrAppend(
        &html, "<tr><td>", Escape(name), a.control() ? " <i>(control)</i>" : "",
        "</td><td>", absl::StrFormat("%g", a.share()), "</td><td>",
        a.customers(), "</td><td>", a.impressions(), "</td><td>", a.clicks(),
        "</td><td>", RateCell(a.click_through_rate()), "</td><td>",
        RateCell(a.add_to_cart_rate()), "</td><td>",
        RateCell(a.conversion_rate()), "</td><td>", Money(a.revenue()),
        "<br><small>", a.purchases(), " purchases: ", a.purchases_by_id(),
        " by id, ", a.purchases_by_last_click(),
        " by last click</small></td><td>", Money(a.revenue_per_customer()),
        "<br><small>", Money(a.revenue_per_customer_low()), " &ndash; ",
        Money(a.revenue_per_customer_high()), "</small></td>");
    if (a.has_click_through_vs_control()) {
      absl::StrAppend(
          &html, "<td>", VersusCell(a.click_through_vs_control(), true),
          "</td><td>", VersusCell(a.conversion_vs_control(), true), "</td><td>",
          VersusCell(a.revenue_per_customer_vs_control(), false), "</td>");
    } else {
      html += "<td></td><td></td><td></td>";
    }
    html += "</tr>";
    names.push_back(name);
    ctr.push_back(a.click_through_rate().value());
    ctr_lo.push_back(a.click_through_rate().low());
    ctr_hi.push_back(a.click_through_rate().high());
    conv.push_back(a.conversion_rate().value());
    conv_lo.push_back(a.conversion_rate().low());
    conv_hi.push_back(a.conversion_rate().high());
    rpc.push_back(a.revenue_per_customer());
    rpc_lo.push_back(a.revenue_per_customer_low());
    rpc_hi.push_back(a.revenue_per_customer_high());
  }
  html += "</table><div class=\"charts\">";
  html += IntervalChart("Click-through rate (95% interval)", names, ctr, ctr_lo,
                        ctr_hi, true);
  html += IntervalChart("Conversion rate (95% interval)", names, conv, conv_lo,
                        conv_hi, true);
  html += IntervalChart("Revenue per customer, capped (95% interval)", names,
                        rpc, rpc_lo, rpc_hi, false);
  html += DailyChart(p);
  return html + "</div></section>";
}

}  // namespace

std::string ExperimentReportHtml(const v1::ExperimentReport& report) {
  std::string html = absl::StrCat(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Boomerang experiments</title><style>"
      "body{font:14px/1.4 sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;"
      "vertical-align:top}th{background:#f4f4f4}td:first-child{text-align:left}"
      ".up{color:#1a7f37;font-weight:bold}.down{color:#c62828;font-weight:"
      "bold}.flat{color:#555}.warn{color:#9a6700}"
      ".charts{display:flex;flex-wrap:wrap;gap:2em}"
      ".bar{fill:#9db4e8}.ci{stroke:#222;stroke-width:2}"
      "figcaption{font-weight:bold;margin-bottom:4px}small{color:#666}"
      "</style></head><body><h1>Experiments</h1><p>Generated ",
      Escape(FormatTimestamp(report.generated_at().seconds())), " from ",
      report.events(),
      " events. Purchases and cart adds without a "
      "recommendation id are credited to the last click on the same item by "
      "the same customer (or session) within ",
      absl::StrFormat("%g", report.click_window_hours()),
      " hours. Rates are shown with 95% Wilson intervals; differences to the "
      "control use a two-proportion z-test (rates) and Welch's t-test "
      "(revenue per customer).</p>");
  if (!report.config_error().empty()) {
    absl::StrAppend(&html, "<p class=\"warn\">The config file ",
                    Escape(report.config_file()),
                    " did not load (the previous experiments keep running): ",
                    Escape(report.config_error()), "</p>");
  }
  if (report.placements().empty()) {
    html +=
        "<p>No impressions yet: send IMPRESSION events with the lists' "
        "tracking.recommendation_id (see the README).</p>";
  }
  for (const v1::PlacementReport& p : report.placements()) {
    html += PlacementSection(p);
  }
  return html + "</body></html>\n";
}

}  // namespace boomerang::experiments
