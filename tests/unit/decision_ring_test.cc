// Unit tests of the decision ring (wrap, torn reads, refused files) and of the trace the engine gives each decision.
#include "dispatcher/decision_ring.h"
#include "dispatcher/why.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace lsf {
namespace {

std::string TempPath(const char* name) {
  return ::testing::TempDir() + "/lsf_" + name + "_" + std::to_string(getpid());
}

// A record whose every field derives from `n`, so a mix of two records is detectable.
DecisionRecord Numbered(uint64_t n) {
  DecisionRecord r;
  auto* w = reinterpret_cast<uint64_t*>(&r);
  for (size_t i = 0; i < sizeof r / 8; ++i) w[i] = n * 1000003 + i;
  return r;
}
bool IsNumbered(const DecisionRecord& r, uint64_t* n) {
  const auto* w = reinterpret_cast<const uint64_t*>(&r);
  *n = w[0] / 1000003;
  for (size_t i = 0; i < sizeof r / 8; ++i)
    if (w[i] != *n * 1000003 + i) return false;
  return true;
}

TEST(DecisionRing, WrapsKeepingTheNewestSlotCountRecords) {
  const std::string path = TempPath("ring_wrap");
  auto w = DecisionRingWriter::Create(path, "/etc/p.lua", 8);
  ASSERT_TRUE(w.ok()) << w.error();
  auto r = DecisionRingReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error();
  DecisionRecord got;
  EXPECT_EQ((*r)->Read(0, &got), DecisionRingReader::ReadStatus::kNotYet);
  for (uint64_t n = 0; n < 20; ++n) (*w)->Write(Numbered(n));
  EXPECT_EQ((*r)->write_seq(), 20u);
  EXPECT_EQ((*r)->oldest(), 12u);
  EXPECT_EQ((*r)->policy_path(), "/etc/p.lua");
  EXPECT_EQ((*r)->Read(11, &got), DecisionRingReader::ReadStatus::kLost);
  for (uint64_t n = 12; n < 20; ++n) {
    ASSERT_EQ((*r)->Read(n, &got), DecisionRingReader::ReadStatus::kOk);
    uint64_t id = 0;
    EXPECT_TRUE(IsNumbered(got, &id));
    EXPECT_EQ(id, n);
  }
  EXPECT_EQ((*r)->Read(20, &got), DecisionRingReader::ReadStatus::kNotYet);
  w->reset();
  EXPECT_NE(access(path.c_str(), F_OK), 0) << "the writer removes its file";
}

TEST(DecisionRing, ConcurrentReaderNeverSeesATornRecord) {
  const std::string path = TempPath("ring_torn");
  auto w = DecisionRingWriter::Create(path, "p.lua", 4);  // small: the writer laps the reader all the time
  ASSERT_TRUE(w.ok()) << w.error();
  auto r = DecisionRingReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error();
  constexpr uint64_t kRecords = 200000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (uint64_t n = 0; n < kRecords; ++n) (*w)->Write(Numbered(n));
    done = true;
  });
  uint64_t ok = 0, torn = 0, wrong = 0;
  DecisionRecord got;
  while (!done.load()) {
    const uint64_t end = (*r)->write_seq();
    if (end == 0) continue;
    const uint64_t n = end - 1;
    if ((*r)->Read(n, &got) != DecisionRingReader::ReadStatus::kOk) continue;
    uint64_t id = 0;
    if (!IsNumbered(got, &id)) ++torn;
    else if (id != n) ++wrong;
    else ++ok;
  }
  writer.join();
  EXPECT_EQ(torn, 0u);
  EXPECT_EQ(wrong, 0u);
  EXPECT_GT(ok, 0u);
}

TEST(DecisionRing, MissingFileMeansNoInstance) {
  DecisionRingReader::OpenError e;
  auto r = DecisionRingReader::Open(TempPath("ring_none"), &e);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(e.missing);
  EXPECT_NE(r.error().find("no running luasched-fast found"), std::string::npos) << r.error();
}

// Rewrites bytes of a ring file at `offset`.
void Patch(const std::string& path, size_t offset, const void* bytes, size_t n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(n));
}

TEST(DecisionRing, RefusesBadMagicAndOtherVersions) {
  const std::string path = TempPath("ring_version");
  auto w = DecisionRingWriter::Create(path, "p.lua", 4);
  ASSERT_TRUE(w.ok()) << w.error();
  const uint32_t v = kDecisionRingVersion + 1;
  Patch(path, offsetof(DecisionRingHeader, version), &v, sizeof v);
  DecisionRingReader::OpenError e;
  auto r = DecisionRingReader::Open(path, &e);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(e.missing);
  EXPECT_NE(r.error().find("version " + std::to_string(v)), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("this luasched-fast reads version " + std::to_string(kDecisionRingVersion)),
            std::string::npos) << r.error();
  Patch(path, 0, "NOTARING", 8);
  r = DecisionRingReader::Open(path, &e);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("not a luasched-fast decision ring (bad magic)"), std::string::npos) << r.error();
}

// The trace of a decision: fields read, their answers, the line that set the class, the source.
Decision DecideOnce(const std::string& body, lsf_miss m, uint32_t max_per_task = 16) {
  PolicyEngine::Options o;
  o.nr_cpus = 4;
  o.log = [](const std::string&) {};
  o.cgroup_path = [](int32_t) { return std::string("/system.slice/web.service"); };
  o.task_runtime = [](int32_t) { return 4.5e9; };
  o.max_misses_per_task_per_s = max_per_task;
  auto e = PolicyEngine::LoadString("local sched = require('sched')\nsched.attach(function(ctx)\n" + body + "\nend)\n",
                                    "t.lua", o);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error());
  return (*e)->Decide(m);
}

lsf_miss Miss(const char* comm) {
  lsf_miss m{};
  m.pid = 42;
  m.tgid = 42;
  m.uid = 1000;
  m.cpus_allowed[0] = 0xf;
  std::strncpy(m.comm, comm, sizeof m.comm - 1);
  return m;
}

TEST(DecisionTrace, NamesTheFieldsReadTheirAnswersAndTheLine) {
  Decision d = DecideOnce(
      "local t = ctx:task()\n"                                // line 3
      "if t:comm() == 'nginx' and t:cgroup() ~= '' then\n"    // line 4
      "  ctx:dsq(REALTIME)\n"                                 // line 5
      "end\n"
      "if t:runtime() < 0 then ctx:dsq(BATCH) end",
      Miss("nginx"));
  EXPECT_EQ(d.dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(d.trace.source, DecisionSource::kPolicy);
  EXPECT_EQ(d.trace.reads, LSF_READ_COMM | LSF_READ_CGROUP | LSF_READ_RUNTIME);
  EXPECT_STREQ(d.trace.cgroup, "/system.slice/web.service");
  EXPECT_EQ(d.trace.runtime_ns, 4.5e9);
  EXPECT_EQ(d.trace.line, 5);
  EXPECT_FALSE(d.trace.returned);
  EXPECT_GT(d.trace.duration_ns, 0u);

  DecisionRecord r = MakeDecisionRecord(Miss("nginx"), d, 1, 2, 3);
  EXPECT_EQ(TaskReadValue(r, 15, false), "/system.slice/web.service");
  EXPECT_EQ(TaskReadValue(r, 0, true), "\"nginx\"");
  EXPECT_STREQ(TaskReadName(10), "runtime");
  EXPECT_EQ(TaskReadValue(r, 10, false), "4500000000");
}

TEST(DecisionTrace, AReturnedClassNamesTheAttachedFunction) {
  Decision d = DecideOnce("if ctx:task():uid() == 1000 then return BATCH end", Miss("make"));
  EXPECT_EQ(d.dsq, LSF_CLASS_BATCH);
  EXPECT_TRUE(d.trace.returned);
  EXPECT_EQ(d.trace.line, 2);  // `sched.attach(function(ctx)`
  EXPECT_EQ(d.trace.reads, static_cast<uint32_t>(LSF_READ_UID));
  EXPECT_EQ(d.trace.cgroup[0], '\0');
}

TEST(DecisionTrace, SourcesOfTheFallbacks) {
  EXPECT_EQ(DecideOnce("error('boom')", Miss("a")).trace.source, DecisionSource::kError);
  EXPECT_EQ(DecideOnce("local x = 1", Miss("a")).trace.source, DecisionSource::kNoVerdict);
  EXPECT_EQ(DecideOnce("ctx:dsq(99)", Miss("a")).trace.source, DecisionSource::kInvalid);
  lsf_miss m = Miss("a");
  m.flags = LSF_MISS_RENAME;
  Decision d = DecideOnce("ctx:dsq(BATCH)", m, /*max_per_task=*/0);
  EXPECT_EQ(d.trace.source, DecisionSource::kPolicy);
  EXPECT_STREQ(DecisionSourceName(static_cast<uint32_t>(DecisionSource::kDeferred)), "deferred");
}

// why: the newest record of a pid (else of a tgid), what the ring held, and the JSON it prints.
TEST(Why, FindsTheNewestDecisionOfATaskAndPrintsIt) {
  const std::string path = TempPath("ring_why");
  auto w = DecisionRingWriter::Create(path, "/etc/p.lua", 16);
  ASSERT_TRUE(w.ok()) << w.error();
  Decision d = DecideOnce("if ctx:task():comm() == 'nginx' then ctx:dsq(REALTIME) else ctx:dsq(BATCH) end", Miss("nginx"));
  lsf_miss m = Miss("nginx");
  (*w)->Write(MakeDecisionRecord(m, d, 100, 1'000'000'000, 1));
  m.pid = 43;  // a thread of process 42
  (*w)->Write(MakeDecisionRecord(m, d, 200, 2'000'000'000, 1));
  d.dsq = LSF_CLASS_BATCH;
  m.pid = 42;
  (*w)->Write(MakeDecisionRecord(m, d, 300, 3'000'000'000, 2));
  auto r = DecisionRingReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error();
  DecisionRecord got;
  RingSpan span;
  ASSERT_TRUE(FindNewest(**r, 42, &got, &span));
  EXPECT_EQ(got.generation, 2u) << "the newest of pid 42";
  EXPECT_EQ(span.records, 3u);
  EXPECT_EQ(span.oldest_real_ns, 1'000'000'000u);
  EXPECT_EQ(span.newest_real_ns, 3'000'000'000u);
  ASSERT_TRUE(FindNewest(**r, 43, &got, &span));
  EXPECT_EQ(got.mono_ns, 200u);
  EXPECT_FALSE(FindNewest(**r, 7, &got, &span));

  ASSERT_TRUE(FindNewest(**r, 42, &got, &span));
  char buf[4096] = {};
  FILE* out = fmemopen(buf, sizeof buf - 1, "w");
  PrintWhy(got, "/etc/p.lua", 300 + 1'500'000'000ull, true, out);
  std::fclose(out);
  const std::string json = buf;
  for (const char* want : {"\"pid\": 42", "\"class\": \"BATCH\"", "\"source\": \"policy\"", "\"line\": 3",
                           "\"line_kind\": \"ctx:dsq\"", "\"age_s\": 1.500", "\"reads\": {\"comm\": \"nginx\"}",
                           "\"policy\": \"/etc/p.lua\"", "\"generation\": 2"})
    EXPECT_NE(json.find(want), std::string::npos) << want << " in " << json;
}

}  // namespace
}  // namespace lsf
