// HTML escaping for the pages the project writes (the retention report,
// the experiment report).
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_HTML_ESCAPE_H_
#define BOOMERANG_MODELS_HTML_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace boomerang {

// Escapes &, <, >, " and ' for HTML text and attribute values.
inline std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_HTML_ESCAPE_H_
