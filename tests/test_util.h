// Small helpers shared by tests: temporary directories, files, binaries.
#ifndef BOOMERANG_TESTS_TEST_UTIL_H_
#define BOOMERANG_TESTS_TEST_UTIL_H_

#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace boomerang::testing {

// A fresh directory removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "boomerang-test-XXXXXX")
            .string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::string WriteGzFile(const std::string& path,
                               const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  return path;
}

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Directory of the built binaries (set by CMake for every test).
inline std::string BinDir() {
  const char* d = std::getenv("BOOMERANG_BIN_DIR");
  return d ? d : "";
}

// ../shared/data, or "" when it is absent.
inline std::string SharedDataDir() {
  const char* d = std::getenv("BOOMERANG_SHARED_DATA");
  std::error_code ec;
  if (d != nullptr && std::filesystem::is_directory(d, ec)) return d;
  return "";
}

}  // namespace boomerang::testing

#endif  // BOOMERANG_TESTS_TEST_UTIL_H_
