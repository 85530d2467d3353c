#include "tools/batch_client.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "models/list_file.h"

namespace boomerang {
namespace {

using Clock = std::chrono::steady_clock;

// Progress on stderr: "[=====>     ] 12,000/50,000 customers  9,800/s".
class ProgressBar {
 public:
  ProgressBar(bool quiet, const char* what)
      : quiet_(quiet), tty_(isatty(2) != 0), what_(what) {}

  void Update(int64_t done, int64_t total, int64_t hits, bool final = false) {
    if (quiet_) return;
    const auto now = Clock::now();
    const double since_draw =
        std::chrono::duration<double>(now - last_draw_).count();
    if (!final && since_draw < (tty_ ? 0.2 : 5.0)) return;
    last_draw_ = now;
    const double elapsed =
        std::max(1e-9, std::chrono::duration<double>(now - start_).count());
    const double rate = done / elapsed;
    std::string line;
    if (total > 0) {
      constexpr int kWidth = 30;
      const double share = std::min(1.0, static_cast<double>(done) / total);
      const int fill = static_cast<int>(share * kWidth);
      line =
          absl::StrFormat("[%s%s%s] %d/%d %s, %d with results, %.0f/s",
                          std::string(fill, '='), fill < kWidth ? ">" : "",
                          std::string(kWidth - std::min(kWidth, fill + 1), ' '),
                          done, total, what_, hits, rate);
      if (!final && rate > 0 && done < total) {
        absl::StrAppendFormat(&line, ", %.0f s left", (total - done) / rate);
      }
    } else {
      line = absl::StrFormat("%d %s, %d with results, %.0f/s", done, what_,
                             hits, rate);
    }
    if (final) absl::StrAppendFormat(&line, " in %.1f s", elapsed);
    if (tty_) {
      std::fprintf(stderr, "\r%s\033[K%s", line.c_str(), final ? "\n" : "");
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

 private:
  const bool quiet_, tty_;
  const char* what_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_ = start_;
};

class JsonLines {
 public:
  bool Open(const std::string& path) {
    if (path.empty() || path == "-") {
      out_ = &std::cout;
      return true;
    }
    // Written next to the target and renamed on success: a failed job
    // never leaves a half list that looks complete to the next step.
    tmp_path_ = path + ".tmp";
    file_.open(tmp_path_, std::ios::binary | std::ios::trunc);
    out_ = &file_;
    path_ = path;
    return file_.is_open();
  }
  // Removes the unfinished file (after an error).
  void Abandon() {
    if (!file_.is_open()) return;
    file_.close();
    std::remove(tmp_path_.c_str());
  }
  bool Write(const google::protobuf::Message& m) {
    std::string json;
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(m, &json, opts).ok()) {
      return false;
    }
    *out_ << json << '\n';
    return static_cast<bool>(*out_);
  }
  bool Close() {
    out_->flush();
    if (!file_.is_open()) return static_cast<bool>(*out_);
    file_.close();
    if (file_.fail()) return false;
    return std::rename(tmp_path_.c_str(), path_.c_str()) == 0;
  }
  const std::string& path() const { return path_; }

 private:
  std::ofstream file_;
  std::ostream* out_ = nullptr;
  std::string path_ = "stdout";
  std::string tmp_path_;
};

int Fail(const grpc::Status& s, const std::string& server) {
  std::cerr << "boomerang: error: "
            << absl::StatusCodeToString(
                   static_cast<absl::StatusCode>(s.error_code()))
            << ": " << s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::cerr << " (is boomerang-server running on " << server << "?)";
  }
  std::cerr << "\n";
  return 1;
}

}  // namespace

int RunDueReplenishments(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& server,
                         const v1::DueReplenishmentsRequest& request,
                         const std::string& out_path, bool quiet) {
  JsonLines out;
  if (!out.Open(out_path)) {
    std::cerr << "boomerang: error: cannot write " << out_path << "\n";
    return 2;
  }
  auto stub = v1::Recommender::NewStub(channel);
  grpc::ClientContext ctx;
  auto reader = stub->DueReplenishments(&ctx, request);
  v1::DueReplenishmentsResponse batch;
  ProgressBar bar(quiet, "customers scanned");
  int64_t customers = 0, scanned = 0, total = 0, items = 0;
  while (reader->Read(&batch)) {
    for (const v1::CustomerDue& c : batch.customers()) {
      if (!out.Write(c)) {
        ctx.TryCancel();
        reader->Finish();
        out.Abandon();
        std::cerr << "boomerang: error: cannot write " << out.path() << "\n";
        return 2;
      }
      ++customers;
      items += c.items_size();
    }
    scanned = batch.customers_scanned();
    total = batch.customers_total();
    bar.Update(scanned, total, customers);
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) {
    out.Abandon();
    return Fail(s, server);
  }
  bar.Update(scanned, total, customers, /*final=*/true);
  if (!out.Close()) {
    std::cerr << "boomerang: error: cannot write " << out.path() << "\n";
    return 2;
  }
  if (!quiet) {
    std::cerr << absl::StrFormat("%d customers with %d due items -> %s\n",
                                 customers, items, out.path());
  }
  return 0;
}

int RunAudiences(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& server, const v1::AudiencesRequest& request,
                 const std::string& out_path, bool quiet) {
  JsonLines out;
  if (!out.Open(out_path)) {
    std::cerr << "boomerang: error: cannot write " << out_path << "\n";
    return 2;
  }
  auto stub = v1::Recommender::NewStub(channel);
  grpc::ClientContext ctx;
  auto reader = stub->Audiences(&ctx, request);
  v1::AudiencesResponse batch;
  ProgressBar bar(quiet, "customers scanned");
  int64_t entries = 0, scanned = 0, total = 0;
  google::protobuf::RepeatedPtrField<v1::TriggerCount> counts;
  while (reader->Read(&batch)) {
    for (const v1::AudienceEntry& e : batch.entries()) {
      if (!out.Write(e)) {
        ctx.TryCancel();
        reader->Finish();
        out.Abandon();
        std::cerr << "boomerang: error: cannot write " << out.path() << "\n";
        return 2;
      }
      ++entries;
    }
    scanned = batch.customers_scanned();
    total = batch.customers_total();
    if (batch.done()) counts = batch.counts();
    bar.Update(scanned, total, entries);
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) {
    out.Abandon();
    return Fail(s, server);
  }
  bar.Update(scanned, total, entries, /*final=*/true);
  if (!out.Close()) {
    std::cerr << "boomerang: error: cannot write " << out.path() << "\n";
    return 2;
  }
  if (!quiet) {
    std::cerr << absl::StrFormat("%d audience entries -> %s\n", entries,
                                 out.path());
    // Why customers were left out, per trigger: a shop checks its windows
    // here before sending.
    for (const v1::TriggerCount& c : counts) {
      std::cerr << absl::StrFormat(
          "  %-19s %7d  (left out: contacted within the quiet window %d, "
          "sent this trigger recently %d, in a higher-priority trigger %d, "
          "bought since %d, sold out %d, outside the segments %d)\n",
          c.trigger(), c.entries(), c.quiet(), c.reentry(), c.lower_priority(),
          c.bought_since(), c.out_of_stock(), c.not_in_segment());
    }
  }
  return 0;
}

int RunBatchPicks(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& server,
                  const v1::StreamPersonalPicksRequest& options,
                  const std::string& ids_path, const std::string& out_path,
                  bool quiet) {
  std::vector<std::string> ids;
  if (!ids_path.empty()) {
    auto read = ReadListFile(ids_path == "-" ? "/dev/stdin" : ids_path);
    if (!read.ok()) {
      std::cerr << "boomerang: error: cannot read " << ids_path << "\n";
      return 2;
    }
    ids = std::move(*read);
    if (ids.empty()) {
      std::cerr << "boomerang: error: " << ids_path
                << " has no customer ids (one per line)\n";
      return 1;
    }
  }
  JsonLines out;
  if (!out.Open(out_path)) {
    std::cerr << "boomerang: error: cannot write " << out_path << "\n";
    return 2;
  }
  auto stub = v1::Recommender::NewStub(channel);
  grpc::ClientContext ctx;
  auto stream = stub->StreamPersonalPicks(&ctx);
  // The writer runs beside the reader: the server answers while ids are
  // still being sent (gRPC allows one writer and one reader at a time).
  std::thread writer([&] {
    constexpr size_t kChunk = 500;
    if (ids.empty()) {
      stream->Write(options);
    } else {
      for (size_t b = 0; b < ids.size(); b += kChunk) {
        v1::StreamPersonalPicksRequest req = options;
        req.clear_segment();
        for (size_t k = b; k < std::min(ids.size(), b + kChunk); ++k) {
          req.add_customer_ids(ids[k]);
        }
        if (!stream->Write(req)) break;
      }
    }
    stream->WritesDone();
  });
  ProgressBar bar(quiet, "customers");
  v1::StreamPersonalPicksResponse resp;
  int64_t done = 0, with_items = 0, errors = 0;
  bool write_failed = false;
  while (stream->Read(&resp)) {
    if (resp.customer_id().empty()) continue;  // a segment scan's progress
    ++done;
    if (resp.items_size() > 0) ++with_items;
    if (!resp.error().empty()) ++errors;
    if (!write_failed && !out.Write(resp)) {
      write_failed = true;
      ctx.TryCancel();
    }
    bar.Update(done, static_cast<int64_t>(ids.size()), with_items);
  }
  writer.join();
  grpc::Status s = stream->Finish();
  if (write_failed) {
    out.Abandon();
    std::cerr << "boomerang: error: cannot write " << out.path() << "\n";
    return 2;
  }
  if (!s.ok()) {
    out.Abandon();
    return Fail(s, server);
  }
  if (!out.Close()) {
    std::cerr << "boomerang: error: cannot write " << out.path() << "\n";
    return 2;
  }
  bar.Update(done, static_cast<int64_t>(ids.size()), with_items, true);
  if (!quiet) {
    std::cerr << absl::StrFormat(
        "%d customers answered (%d with picks, %d errors) -> %s\n", done,
        with_items, errors, out.path());
  }
  return 0;
}

}  // namespace boomerang
