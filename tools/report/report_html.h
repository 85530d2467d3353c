// The retention report as one self-contained HTML page: the report's JSON is
// embedded in the page and a small inline script draws the charts as inline
// SVG (line charts for monthly retention, AOV and activity, heatmap tables
// for the cohort matrices, bar charts for the LTV histograms and the RFM
// segments). Nothing is fetched: no external scripts, styles, fonts or
// images, so the file works offline and can be mailed around.
//
// After drawing, the script sets `data-charts-rendered` (charts drawn) and
// `data-charts-expected` on <body>, `data-marks` (data marks drawn) on every
// chart's <figure>, and `data-js-error` on <html> if any script error
// happened; tests and headless screenshots read them.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_TOOLS_REPORT_REPORT_HTML_H_
#define BOOMERANG_TOOLS_REPORT_REPORT_HTML_H_

#include <nlohmann/json.hpp>
#include <string>

#include "models/html_escape.h"  // HtmlEscape

namespace boomerang {

struct ReportHtmlOptions {
  std::string title = "Retention report";  // plain text; escaped here
};

// `report` is ReportToJson()'s output (optionally with "input" and
// "timing_seconds" added by the command).
std::string RenderReportHtml(const nlohmann::json& report,
                             const ReportHtmlOptions& options);

// JSON text safe inside <script>: '<', '>' and '&' become \u escapes, so
// no "</script>" or "<!--" can end or confuse the element. Invalid UTF-8 is
// replaced.
std::string JsonForScript(const nlohmann::json& value);

}  // namespace boomerang

#endif  // BOOMERANG_TOOLS_REPORT_REPORT_HTML_H_
