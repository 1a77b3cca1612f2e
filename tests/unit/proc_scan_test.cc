// Unit tests for /proc scanning (dry run input), cpu lists, JSON strings and policy file checks.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "dispatcher/dry_run.h"
#include "dispatcher/policy_file.h"
#include "dispatcher/proc_scan.h"

namespace lsf {
namespace {

TEST(ProcScan, CpuLists) {
  __u64 mask[LSF_CPU_WORDS];
  uint32_t n = 0;
  ASSERT_TRUE(ParseCpuList("0-3,8,10-11\n", mask, &n));
  EXPECT_EQ(n, 7u);
  EXPECT_EQ(mask[0], 0xFull | (1ull << 8) | (3ull << 10));
  ASSERT_TRUE(ParseCpuList("64,255", mask, &n));
  EXPECT_EQ(mask[1], 1ull);
  EXPECT_EQ(mask[3], 1ull << 63);
  EXPECT_FALSE(ParseCpuList("3-1", mask, &n));
  EXPECT_FALSE(ParseCpuList("a", mask, &n));
  EXPECT_FALSE(ParseCpuList("1-", mask, &n));
}

TEST(ProcScan, FindsThisProcessInTheRealProc) {
  auto me = ReadProcTask("/proc", getpid(), getpid());
  ASSERT_TRUE(me.ok()) << me.error();
  EXPECT_EQ(me->pid, getpid());
  EXPECT_EQ(me->ppid, getppid());
  EXPECT_EQ(me->uid, getuid());
  EXPECT_EQ(std::string(me->comm), std::string(program_invocation_short_name).substr(0, LSF_COMM_LEN - 1));
  EXPECT_GE(me->nr_cpus_allowed, 1u);
  EXPECT_EQ(me->prio, 120 + me->nice);
  bool found = false;
  for (const auto& m : ScanProc("/proc", false)) found |= m.pid == getpid();
  EXPECT_TRUE(found);
  EXPECT_FALSE(ReadProcTask("/proc", 0x7ffffff0, 0x7ffffff0).ok());
}

TEST(DryRun, JsonStringEscapes) {
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString(std::string("x\ny\x01", 4)), "\"x\\u000ay\\u0001\"");
}

class PolicyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("lsf_pf_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    chmod(dir_.c_str(), 0755);
    file_ = (dir_ / "p.lua").string();
    std::ofstream(file_) << "-- policy\n";
    chmod(file_.c_str(), 0644);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string file_;
};

TEST_F(PolicyFileTest, AcceptsOwnedNonWritableFile) { EXPECT_TRUE(CheckPolicyFile(file_, getuid()).ok()); }

TEST_F(PolicyFileTest, RefusesGroupOrOtherWritableFile) {
  chmod(file_.c_str(), 0664);
  auto st = CheckPolicyFile(file_, getuid());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("chmod go-w"), std::string::npos) << st.error();
  chmod(file_.c_str(), 0646);
  EXPECT_FALSE(CheckPolicyFile(file_, getuid()).ok());
}

TEST_F(PolicyFileTest, RefusesWritableDirectory) {
  chmod(dir_.c_str(), 0777);
  auto st = CheckPolicyFile(file_, getuid());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("directory"), std::string::npos) << st.error();
}

TEST_F(PolicyFileTest, RefusesForeignOwnerMissingFileAndDirectories) {
  if (getuid() == 0) {
    ASSERT_EQ(chown(file_.c_str(), 12345, 12345), 0);
    auto st = CheckPolicyFile(file_, 0);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().find("owned by uid 12345"), std::string::npos) << st.error();
  }
  EXPECT_FALSE(CheckPolicyFile((dir_ / "missing.lua").string(), getuid()).ok());
  EXPECT_FALSE(CheckPolicyFile(dir_.string(), getuid()).ok());
}

TEST_F(PolicyFileTest, WatcherSeesRewriteAndRename) {
  PolicyWatcher w;
  ASSERT_TRUE(w.Watch(file_).ok());
  EXPECT_FALSE(w.Changed());
  std::ofstream(file_) << "-- v2\n";
  EXPECT_TRUE(w.Changed());
  EXPECT_FALSE(w.Changed());
  std::string tmp = (dir_ / "p.lua.new").string();
  std::ofstream(tmp) << "-- v3\n";
  w.Changed();  // the temp file's own close is not about p.lua
  std::filesystem::rename(tmp, file_);
  EXPECT_TRUE(w.Changed());
  std::ofstream((dir_ / "other.lua").string()) << "x";
  EXPECT_FALSE(w.Changed());
}

}  // namespace
}  // namespace lsf
