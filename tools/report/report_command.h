// `boomerang report`: reads a purchase export exactly as the indexer does
// and writes the retention report as JSON and as one self-contained HTML
// page (no network fetches), with a short text summary on stdout.
//
//   boomerang report --purchases orders.csv.gz --column order_id=InvoiceNo ...
//       --json report.json --html report.html [--as-of 2011-12-10]
//       [--currency GBP]
//
// Exit status (through *exit_code, set when the subcommand runs): 0 ok;
// 1 bad flags or bad input (one error line naming the file, line and field
// where there is one); 2 an output could not be written.
#ifndef BOOMERANG_TOOLS_REPORT_REPORT_COMMAND_H_
#define BOOMERANG_TOOLS_REPORT_REPORT_COMMAND_H_

namespace CLI {
class App;
}  // namespace CLI

namespace boomerang {

// Adds the `report` subcommand to `app`. Its callback runs during
// app->parse() and stores the exit status in *exit_code, which must outlive
// the parse; *exit_code is untouched when the subcommand is not given, so a
// caller can start it at -1 to tell.
void RegisterReportCommand(CLI::App* app, int* exit_code);

}  // namespace boomerang

#endif  // BOOMERANG_TOOLS_REPORT_REPORT_COMMAND_H_
