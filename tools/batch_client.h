// The CLI's batch jobs over the streaming RPCs: `boomerang due` and
// `boomerang batch-picks`. Both write JSON lines (one customer per line, in
// protobuf's JSON mapping) and show progress on stderr: a redrawn bar on a
// terminal, a line every few seconds otherwise (logs of cron jobs).
#ifndef BOOMERANG_TOOLS_BATCH_CLIENT_H_
#define BOOMERANG_TOOLS_BATCH_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "boomerang/v1/recommender.grpc.pb.h"

namespace boomerang {

// Streams DueReplenishments to `out_path` ("" or "-": stdout). Returns a
// process exit code (0 ok, 1 server or request error, 2 I/O error).
// The Audiences stream into JSON lines (one entry each) at `out_path` ("-":
// stdout); the per-trigger counts on stderr unless `quiet`.
int RunAudiences(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& server, const v1::AudiencesRequest& request,
                 const std::string& out_path, bool quiet);

int RunDueReplenishments(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& server,
                         const v1::DueReplenishmentsRequest& request,
                         const std::string& out_path, bool quiet);

// Sends the ids of `ids_path` (one per line; "-": stdin; blank lines and
// lines starting with '#' skipped), or `options.segment` when no file is
// given, through StreamPersonalPicks and writes one line per customer.
int RunBatchPicks(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& server,
                  const v1::StreamPersonalPicksRequest& options,
                  const std::string& ids_path, const std::string& out_path,
                  bool quiet);

}  // namespace boomerang

#endif  // BOOMERANG_TOOLS_BATCH_CLIENT_H_
