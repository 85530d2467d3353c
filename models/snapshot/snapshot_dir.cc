#include "models/snapshot/snapshot_dir.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace boomerang {
namespace fs = std::filesystem;
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status FsyncPath(const std::string& path, bool is_dir) {
  int fd = ::open(path.c_str(), is_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return ErrnoError("cannot open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot fsync", path);
  return absl::OkStatus();
}

bool IsVersionName(const std::string& name, int64_t* version) {
  if (name.size() != 6) return false;
  for (char c : name) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::SimpleAtoi(name, version);
}

absl::Status WriteFileSynced(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return ErrnoError("cannot create", path);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return ErrnoError("cannot write", path);
    }
    done += n;
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return ErrnoError("cannot fsync", path);
  }
  ::close(fd);
  return absl::OkStatus();
}

}  // namespace

std::string VersionName(int64_t version) {
  return absl::StrFormat("%06d", version);
}

absl::StatusOr<std::vector<int64_t>> ListCompleteVersions(
    const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return absl::NotFoundError(
        absl::StrCat("snapshot directory ", root, " does not exist"));
  }
  std::vector<int64_t> versions;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    int64_t v = 0;
    if (!entry.is_directory() ||
        !IsVersionName(entry.path().filename().string(), &v)) {
      continue;
    }
    if (fs::exists(entry.path() / kManifestFile, ec)) versions.push_back(v);
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot list ", root, ": ", ec.message()));
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

absl::StatusOr<v1::SnapshotManifest> ReadManifest(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kManifestFile);
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("no manifest at ", path));
  std::stringstream buf;
  buf << in.rdbuf();
  v1::SnapshotManifest manifest;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // newer writers may add fields
  auto s =
      google::protobuf::util::JsonStringToMessage(buf.str(), &manifest, opts);
  if (!s.ok()) {
    return absl::DataLossError(
        absl::StrCat("manifest ", path, " is unreadable: ", s.ToString()));
  }
  if (manifest.format_version() != kSnapshotFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot ", dir, " has format version ", manifest.format_version(),
        "; this build reads version ", kSnapshotFormatVersion,
        ": rebuild the snapshot with this build's boomerang-indexer"));
  }
  return manifest;
}

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoError("cannot open", path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    EVP_DigestUpdate(ctx, buf.data(), n);
  }
  bool failed = std::ferror(f);
  std::fclose(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  if (failed) return ErrnoError("cannot read", path);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) absl::StrAppendFormat(&hex, "%02x", md[i]);
  return hex;
}

absl::Status VerifyChecksums(const std::string& dir,
                             const v1::SnapshotManifest& manifest) {
  if (manifest.files().empty()) {
    return absl::DataLossError(
        absl::StrCat("manifest of ", dir, " lists no files"));
  }
  for (const auto& file : manifest.files()) {
    const std::string path = absl::StrCat(dir, "/", file.path());
    absl::StatusOr<std::string> sum = Sha256File(path);
    if (!sum.ok()) {
      return absl::DataLossError(
          absl::StrCat("snapshot file ", path, " is missing or unreadable"));
    }
    if (*sum != file.sha256()) {
      return absl::DataLossError(
          absl::StrCat("snapshot file ", path, " is corrupt: checksum ", *sum,
                       " does not match the manifest's ", file.sha256()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SnapshotBuilder>> SnapshotBuilder::Begin(
    const std::string& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create snapshot directory ", root, ": ", ec.message()));
  }
  std::unique_ptr<SnapshotBuilder> b(new SnapshotBuilder());
  b->root_ = root;
  while (b->root_.size() > 1 && b->root_.back() == '/') b->root_.pop_back();

  // Remove what runs that died left behind: their lock is free. That is a
  // .tmp-<id> directory with its .tmp-<id>.lock, or a lone lock file (a run
  // killed just before creating its directory, or just after publishing).
  std::vector<fs::path> leftovers;
  for (const auto& entry : fs::directory_iterator(b->root_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, ".tmp-")) continue;
    if (entry.is_directory()) {
      leftovers.push_back(entry.path());
    } else if (absl::EndsWith(name, ".lock") &&
               !fs::exists(entry.path().string().substr(
                   0, entry.path().string().size() - 5))) {
      leftovers.push_back(
          entry.path().string().substr(0, entry.path().string().size() - 5));
    }
  }
  for (const fs::path& dir : leftovers) {
    const std::string lock = dir.string() + ".lock";
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      std::error_code rm;
      fs::remove_all(dir, rm);
      fs::remove(lock, rm);
    }
    ::close(fd);  // also releases the lock
  }

  std::random_device rd;
  const std::string id = absl::StrCat(::getpid(), "-", rd() % 1000000000u);
  b->tmp_dir_ = absl::StrCat(b->root_, "/.tmp-", id);
  b->lock_path_ = b->tmp_dir_ + ".lock";
  // Lock first, then create the directory: a cleaner never sees our
  // directory without our lock held.
  b->lock_fd_ =
      ::open(b->lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (b->lock_fd_ < 0 || ::flock(b->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return ErrnoError("cannot create or lock", b->lock_path_);
  }
  if (!fs::create_directory(b->tmp_dir_, ec)) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create ", b->tmp_dir_, ": ", ec ? ec.message() : "exists"));
  }
  return b;
}

SnapshotBuilder::~SnapshotBuilder() {
  std::error_code ec;
  if (!published_) fs::remove_all(tmp_dir_, ec);
  if (lock_fd_ >= 0) {
    fs::remove(lock_path_, ec);
    ::close(lock_fd_);
  }
}

absl::StatusOr<std::string> SnapshotBuilder::Publish(
    v1::SnapshotManifest manifest,
    const std::function<absl::Status(const std::string&)>& check) {
  manifest.set_format_version(kSnapshotFormatVersion);
  manifest.clear_files();
  std::error_code ec;
  std::vector<std::string> files;
  std::vector<std::string> dirs{tmp_dir_};
  for (const auto& entry : fs::recursive_directory_iterator(tmp_dir_, ec)) {
    if (entry.is_directory()) {
      dirs.push_back(entry.path().string());
    } else if (entry.is_regular_file()) {
      files.push_back(fs::relative(entry.path(), tmp_dir_).string());
    }
  }
  if (ec) return absl::UnavailableError(ec.message());
  std::sort(files.begin(), files.end());
  for (const std::string& rel : files) {
    if (rel == kManifestFile) continue;
    const std::string path = absl::StrCat(tmp_dir_, "/", rel);
    absl::Status s = FsyncPath(path, /*is_dir=*/false);
    if (!s.ok()) return s;
    absl::StatusOr<std::string> sum = Sha256File(path);
    if (!sum.ok()) return sum.status();
    v1::FileChecksum* f = manifest.add_files();
    f->set_path(rel);
    f->set_size_bytes(static_cast<int64_t>(fs::file_size(path, ec)));
    f->set_sha256(*sum);
  }
  for (const std::string& d : dirs) {
    absl::Status s = FsyncPath(d, /*is_dir=*/true);
    if (!s.ok()) return s;
  }

  // Pick the next version; a rename that loses a race tries the next one.
  for (int attempt = 0; attempt < 100; ++attempt) {
    int64_t next = 1;
    for (const auto& entry : fs::directory_iterator(root_, ec)) {
      int64_t v = 0;
      if (IsVersionName(entry.path().filename().string(), &v)) {
        next = std::max(next, v + 1);
      }
    }
    manifest.set_version(VersionName(next));
    std::string json;
    google::protobuf::util::JsonPrintOptions jopts;
    jopts.add_whitespace = true;
    jopts.preserve_proto_field_names = true;
    auto js =
        google::protobuf::util::MessageToJsonString(manifest, &json, jopts);
    if (!js.ok()) return absl::InternalError(js.ToString());
    absl::Status s =
        WriteFileSynced(absl::StrCat(tmp_dir_, "/", kManifestFile), json);
    if (!s.ok()) return s;
    s = FsyncPath(tmp_dir_, /*is_dir=*/true);
    if (!s.ok()) return s;
    // Once: a retry changes only the manifest's version.
    if (attempt == 0 && check) {
      s = check(tmp_dir_);
      if (!s.ok()) return s;
    }
    const std::string final_dir = absl::StrCat(root_, "/", VersionName(next));
    // RENAME_NOREPLACE semantics: rename() onto an existing non-empty
    // directory fails with ENOTEMPTY/EEXIST, which is what we want.
    if (::rename(tmp_dir_.c_str(), final_dir.c_str()) == 0) {
      published_ = true;
      // The rename is visible now; a failed fsync of the root only risks
      // losing the new name in a power cut, so it does not undo success.
      FsyncPath(root_, /*is_dir=*/true).IgnoreError();
      return final_dir;
    }
    if (errno != ENOTEMPTY && errno != EEXIST) {
      return ErrnoError("cannot publish snapshot to", final_dir);
    }
  }
  return absl::AbortedError("could not find a free snapshot version");
}

}  // namespace boomerang
