#include "server/auth.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace boomerang {
namespace {

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const char kRead[] = "read-token-0123456789abcdef";
const char kWrite[] = "write-token-0123456789abcdef";

TEST(AuthTest, NoTokensMeansOpen) {
  auto auth = Authenticator::FromFiles("", "");
  ASSERT_TRUE(auth.ok());
  EXPECT_FALSE((*auth)->enabled());
  EXPECT_TRUE((*auth)->Check("", Scope::kWrite).ok());
}

TEST(AuthTest, ScopesAreEnforced) {
  auto auth = Authenticator::FromFiles(
      WriteFile("read", std::string("# readers\n") + kRead + "\n"),
      WriteFile("write", std::string(kWrite) + "\n"));
  ASSERT_TRUE(auth.ok()) << auth.status();
  const Authenticator& a = **auth;
  EXPECT_EQ(a.read_tokens(), 1);
  EXPECT_EQ(a.write_tokens(), 1);
  EXPECT_TRUE(a.Check(std::string("Bearer ") + kRead, Scope::kRead).ok());
  EXPECT_TRUE(a.Check(std::string("bearer  ") + kWrite, Scope::kWrite).ok());
  EXPECT_TRUE(a.Check(std::string("Bearer ") + kWrite, Scope::kRead).ok());
  absl::Status s = a.Check(std::string("Bearer ") + kRead, Scope::kWrite);
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  s = a.Check("", Scope::kRead);
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  s = a.Check("Bearer wrong-token-0123456789", Scope::kRead);
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  s = a.Check(std::string("Basic ") + kRead, Scope::kRead);
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  // No message ever repeats a token.
  EXPECT_EQ(s.message().find(kRead), std::string::npos);
}

TEST(AuthTest, BadTokenFilesFailNamingTheFileNotTheToken) {
  const std::string short_file = WriteFile("short", "abc\n");
  auto auth = Authenticator::FromFiles(short_file, "");
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.status().message().find(short_file), std::string::npos);
  EXPECT_NE(auth.status().message().find("token 1"), std::string::npos);
  EXPECT_EQ(auth.status().message().find("abc\n"), std::string::npos);
  auth = Authenticator::FromFiles("/nonexistent/tokens", "");
  ASSERT_FALSE(auth.ok());
  auth = Authenticator::FromFiles(WriteFile("empty", "# none\n"), "");
  ASSERT_FALSE(auth.ok());
}

}  // namespace
}  // namespace boomerang
