// Policy file trust: symlinks anywhere on the path, writable ancestors, and a swap between the
// check and the load; the stats file's private temporary and fixed mode.
#include "dispatcher/policy_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "stats/stats.h"

namespace lsf {
namespace {

namespace fs = std::filesystem;

class TrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("lsf_trust_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "a" / "b");
    for (auto d : {root_, root_ / "a", root_ / "a" / "b"}) chmod(d.c_str(), 0755);
    file_ = (root_ / "a" / "b" / "p.lua").string();
    Write(file_, "-- trusted\n");
  }
  void TearDown() override { fs::remove_all(root_); }
  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    chmod(path.c_str(), 0644);
  }
  fs::path root_;
  std::string file_;
};

TEST_F(TrustTest, ReadsTheCheckedFile) {
  auto r = ReadTrustedPolicy(file_, getuid());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, "-- trusted\n");
}

TEST_F(TrustTest, RefusesASymlinkedFile) {
  fs::create_symlink(file_, root_ / "a" / "b" / "link.lua");
  auto st = CheckPolicyFile((root_ / "a" / "b" / "link.lua").string(), getuid());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("symbolic link"), std::string::npos) << st.error();
}

TEST_F(TrustTest, RefusesASymlinkedAncestor) {
  fs::create_directory_symlink(root_ / "a", root_ / "alias");
  auto st = CheckPolicyFile((root_ / "alias" / "b" / "p.lua").string(), getuid());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("symbolic link"), std::string::npos) << st.error();
}

TEST_F(TrustTest, RefusesAWritableAncestorNotJustTheParent) {
  chmod((root_ / "a").c_str(), 0777);  // others could rename b away and put their own b there
  auto st = CheckPolicyFile(file_, getuid());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find((root_ / "a").string()), std::string::npos) << st.error();
  chmod((root_ / "a").c_str(), 0775);
  EXPECT_FALSE(CheckPolicyFile(file_, getuid()).ok());
  chmod((root_ / "a").c_str(), 01777);  // sticky (like /tmp): others cannot replace our entries
  EXPECT_TRUE(CheckPolicyFile(file_, getuid()).ok());
}

TEST_F(TrustTest, RefusesForeignOwnedAncestor) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to chown";
  ASSERT_EQ(chown((root_ / "a").c_str(), 12345, 12345), 0);
  auto st = CheckPolicyFile(file_, 0);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("owned by uid 12345"), std::string::npos) << st.error();
}

// Another file renamed over the policy after the checks: what is loaded is what was checked.
TEST_F(TrustTest, ASwapBetweenCheckAndLoadDoesNotReachTheLoad) {
  std::string evil = (root_ / "a" / "b" / "evil.lua").string();
  Write(evil, "-- swapped in\n");
  auto r = ReadTrustedPolicy(file_, getuid(), [&] { fs::rename(evil, file_); });
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, "-- trusted\n");
  // and the next read (a reload) checks and reads the new file
  auto again = ReadTrustedPolicy(file_, getuid());
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(*again, "-- swapped in\n");
}

TEST_F(TrustTest, RefusesDotDotAndNonRegularFiles) {
  EXPECT_FALSE(ReadTrustedPolicy((root_ / "a" / "b" / ".." / "b" / "p.lua").string(), getuid()).ok());
  EXPECT_FALSE(ReadTrustedPolicy((root_ / "a" / "b").string(), getuid()).ok());
  auto missing = ReadTrustedPolicy((root_ / "a" / "none.lua").string(), getuid());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot read policy"), std::string::npos) << missing.error();
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(TrustTest, StatsFileIsWrittenThroughAPrivateTemporary) {
  fs::path dir = root_ / "run";
  fs::create_directory(dir);
  chmod(dir.c_str(), 0755);
  std::string path = (dir / "stats.json").string();
  // The old predictable temporary name, planted as a symlink to a victim file.
  std::string victim = (root_ / "victim").string();
  Write(victim, "precious");
  fs::create_symlink(victim, path + ".tmp." + std::to_string(getpid()));
  ASSERT_TRUE(WriteFileAtomic(path, "{\"hits\": 1}\n").ok());
  EXPECT_EQ(Slurp(victim), "precious");
  EXPECT_EQ(Slurp(path), "{\"hits\": 1}\n");
  struct stat st {};
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // A symlink at the stats path itself is replaced, not followed.
  fs::remove(path);
  fs::create_symlink(victim, path);
  ASSERT_TRUE(WriteFileAtomic(path, "two\n").ok());
  EXPECT_EQ(Slurp(victim), "precious");
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  // No temporary left behind (only our file and the planted symlink).
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path().filename().string().rfind("stats.json", 0) == 0;
  EXPECT_EQ(entries, 2);
}

TEST_F(TrustTest, StatsFileRefusesAWorldWritableDirectoryWithoutStickyBit) {
  fs::path dir = root_ / "open";
  fs::create_directory(dir);
  chmod(dir.c_str(), 0777);
  auto st = WriteFileAtomic((dir / "stats.json").string(), "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("sticky"), std::string::npos) << st.error();
  chmod(dir.c_str(), 01777);
  EXPECT_TRUE(WriteFileAtomic((dir / "stats.json").string(), "x").ok());
}

}  // namespace
}  // namespace lsf
