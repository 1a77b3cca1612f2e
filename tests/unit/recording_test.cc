// Unit tests of the recording format: round trip, truncated and corrupt files, other versions refused.
#include "dispatcher/recording.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace lsf {
namespace {

std::string TempPath(const char* name) {
  return ::testing::TempDir() + "/lsf_" + name + "_" + std::to_string(getpid()) + ".rec";
}

DecisionRecord Rec(int32_t pid, const char* comm, const char* cgroup) {
  DecisionRecord r;
  std::memset(&r, 0, sizeof r);
  r.miss.pid = r.miss.tgid = pid;
  std::strncpy(r.miss.comm, comm, sizeof r.miss.comm - 1);
  r.dsq = LSF_CLASS_BATCH;
  r.slice_ns = 2'000'000;
  r.runtime_ns = -1;
  r.reads = LSF_READ_COMM | LSF_READ_CGROUP;
  r.line = 7;
  std::strncpy(r.cgroup, cgroup, sizeof r.cgroup - 1);
  return r;
}

RecordingHeader Header() {
  RecordingHeader h;
  h.host = "box";
  h.kernel = "7.3.0";
  h.policy_path = "/etc/luasched-fast/policy.lua";
  h.policy_size = 1234;
  h.policy_mtime_ns = 1'700'000'000'000'000'000;
  h.start_real_ns = 42;
  h.nr_cpus = 4;
  h.cpu_llc = {0, 0, 1, 1};
  return h;
}

// Writes a recording of `n` records, returns its size.
size_t Write(const std::string& path, int n, uint64_t max_bytes = 1 << 20) {
  auto w = RecordingWriter::Create(path, Header(), max_bytes);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error());
  for (int i = 0; i < n; ++i) {
    auto a = (*w)->Append(Rec(100 + i, "nginx", i % 2 ? "" : "/system.slice/nginx.service"));
    EXPECT_TRUE(a.ok() && *a);
  }
  EXPECT_TRUE((*w)->Flush().ok());
  return (*w)->bytes();
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void Spit(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

TEST(Recording, RoundTrip) {
  const std::string path = TempPath("roundtrip");
  const size_t size = Write(path, 3);
  EXPECT_EQ(Slurp(path).size(), size);
  auto rec = ReadRecording(path);
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->header.host, "box");
  EXPECT_EQ(rec->header.kernel, "7.3.0");
  EXPECT_EQ(rec->header.policy_path, "/etc/luasched-fast/policy.lua");
  EXPECT_EQ(rec->header.policy_size, 1234u);
  EXPECT_EQ(rec->header.policy_mtime_ns, 1'700'000'000'000'000'000);
  EXPECT_EQ(rec->header.nr_cpus, 4u);
  EXPECT_EQ(rec->header.cpu_llc, (std::vector<int32_t>{0, 0, 1, 1}));
  ASSERT_EQ(rec->records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const DecisionRecord want = Rec(100 + i, "nginx", i % 2 ? "" : "/system.slice/nginx.service");
    EXPECT_EQ(std::memcmp(&rec->records[i], &want, sizeof want), 0) << "record " << i;
  }
  // compact: the cgroup's unused bytes are not stored
  EXPECT_LT(size, 3 * sizeof(DecisionRecord));
}

TEST(Recording, MaxBytesStopsAppending) {
  const std::string path = TempPath("max");
  auto w = RecordingWriter::Create(path, Header(), 2000);
  ASSERT_TRUE(w.ok()) << w.error();
  int appended = 0;
  for (; appended < 100; ++appended) {
    auto a = (*w)->Append(Rec(1, "x", ""));
    ASSERT_TRUE(a.ok());
    if (!*a) break;
  }
  EXPECT_GT(appended, 0);
  EXPECT_LT(appended, 100);
  EXPECT_LE((*w)->bytes(), 2000u);
}

TEST(Recording, TruncatedFileNamesTheRecord) {
  const std::string path = TempPath("truncated");
  Write(path, 3);
  std::string data = Slurp(path);
  Spit(path, data.substr(0, data.size() - 10));  // the last record cut short
  auto rec = ReadRecording(path);
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("truncated in record 2"), std::string::npos) << rec.error();
  EXPECT_NE(rec.error().find("the 2 records before it are complete"), std::string::npos) << rec.error();
  Spit(path, data.substr(0, 20));  // inside the header
  rec = ReadRecording(path);
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("header"), std::string::npos) << rec.error();
}

TEST(Recording, CorruptMagicAndLengthAreRefused) {
  const std::string path = TempPath("corrupt");
  Write(path, 2);
  std::string data = Slurp(path);
  std::string bad = data;
  bad[0] = 'X';
  Spit(path, bad);
  auto rec = ReadRecording(path);
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("not a luasched-fast recording (bad magic)"), std::string::npos) << rec.error();
  // the second record's length prefix made too small
  const size_t first_len_at = data.size() - 2 * (4 + kDecisionRecordFixed) - std::strlen("/system.slice/nginx.service");
  bad = data;
  const uint32_t tiny = 3;
  std::memcpy(&bad[first_len_at], &tiny, sizeof tiny);
  Spit(path, bad);
  rec = ReadRecording(path);
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("record 0"), std::string::npos) << rec.error();
  EXPECT_NE(rec.error().find("malformed length 3"), std::string::npos) << rec.error();
}

TEST(Recording, ANewerFormatIsRefusedNamingBothVersions) {
  const std::string path = TempPath("newer");
  Write(path, 1);
  std::string data = Slurp(path);
  const uint32_t newer = kRecordingFormat + 1;
  std::memcpy(&data[8 + 4], &newer, sizeof newer);  // after the magic and the byte-order mark
  Spit(path, data);
  auto rec = ReadRecording(path);
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("format version " + std::to_string(newer)), std::string::npos) << rec.error();
  EXPECT_NE(rec.error().find("reads format version " + std::to_string(kRecordingFormat)), std::string::npos)
      << rec.error();
  EXPECT_NE(rec.error().find("a newer luasched-fast wrote it"), std::string::npos) << rec.error();
}

}  // namespace
}  // namespace lsf
