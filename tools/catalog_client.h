// The CLI's live catalog commands over UpdateItems:
//   boomerang catalog push catalog.csv   -- a whole (or partial) catalog file,
//       the columns of the indexer's --catalog (item_id, title, category,
//       brand, price, in_stock, recommendable; and stock_quantity), sent in
//       calls of 10,000 updates;
//   boomerang catalog set --item X --price 9.99 --in-stock false ...
#ifndef BOOMERANG_TOOLS_CATALOG_CLIENT_H_
#define BOOMERANG_TOOLS_CATALOG_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "models/csv.h"

namespace boomerang {

// Reads a catalog CSV (header first; columns by name, unknown ones
// ignored; empty cells leave the field unset) and calls `fn` with each
// row's update; stops when fn returns false. INVALID_ARGUMENT naming the
// line and the column for a bad value or a missing item_id column.
absl::Status ReadCatalogUpdates(LineSource* source,
                                const std::function<bool(v1::ItemUpdate)>& fn);

// `boomerang catalog push`: returns a process exit code (0 ok, 1 a server
// or input error). Prints the totals as JSON.
int RunCatalogPush(const std::shared_ptr<grpc::Channel>& channel,
                   const std::string& server, int timeout_ms,
                   const std::string& path);

// `boomerang catalog set`'s flags: unset ones leave the field alone.
struct CatalogSetFlags {
  std::string item;
  std::optional<double> price;
  std::optional<std::string> in_stock, recommendable;  // yes/no values
  std::optional<int64_t> stock;
  std::optional<std::string> title, category, brand;
};
int RunCatalogSet(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& server, int timeout_ms,
                  const CatalogSetFlags& flags);

}  // namespace boomerang

#endif  // BOOMERANG_TOOLS_CATALOG_CLIENT_H_
