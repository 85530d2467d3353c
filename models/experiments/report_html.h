// The experiment report as one self-contained HTML page (no scripts, no
// external files: inline CSS and SVG charts), for `boomerang experiments
// report --format html` and GET /experiments on the server's HTTP port.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_EXPERIMENTS_REPORT_HTML_H_
#define BOOMERANG_MODELS_EXPERIMENTS_REPORT_HTML_H_

#include <string>

#include "boomerang/v1/admin.pb.h"

namespace boomerang::experiments {

std::string ExperimentReportHtml(const v1::ExperimentReport& report);

}  // namespace boomerang::experiments

#endif  // BOOMERANG_MODELS_EXPERIMENTS_REPORT_HTML_H_
