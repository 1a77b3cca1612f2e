// Unit tests of replay: the diff against the recorded verdicts, answers from the recording, --expect, determinism.
#include "dispatcher/replay.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace lsf {
namespace {

DecisionRecord Rec(int32_t pid, const char* comm, uint32_t cls, uint32_t reads = LSF_READ_COMM, const char* cgroup = "") {
  DecisionRecord r;
  std::memset(&r, 0, sizeof r);
  r.miss.pid = r.miss.tgid = pid;
  r.miss.uid = 1000;
  r.miss.enq_ns = static_cast<uint64_t>(pid) * 1000;
  r.miss.cpus_allowed[0] = 0xf;
  r.miss.nr_cpus_allowed = 4;
  std::strncpy(r.miss.comm, comm, sizeof r.miss.comm - 1);
  r.dsq = cls;
  r.slice_ns = 5'000'000;
  r.runtime_ns = -1;
  r.reads = reads;
  std::strncpy(r.cgroup, cgroup, sizeof r.cgroup - 1);
  return r;
}

Recording Sample() {
  Recording rec;
  rec.header.host = "box";
  rec.header.kernel = "7.3.0";
  rec.header.nr_cpus = 4;
  rec.records = {Rec(1, "nginx", LSF_CLASS_REALTIME, LSF_READ_COMM | LSF_READ_CGROUP, "/system.slice/nginx.service"),
                 Rec(2, "make", LSF_CLASS_BATCH), Rec(3, "make", LSF_CLASS_BATCH), Rec(4, "bash", LSF_CLASS_DEFAULT)};
  rec.records[2].flags = kRecordDeferred;  // no verdict was sent for it
  return rec;
}

// A policy with state of its own (a count of decisions): replay runs it in order on one engine.
constexpr const char* kPolicy = R"(local sched = require("sched")
local n = 0
sched.attach(function(ctx)
  n = n + 1
  local t = ctx:task()
  if t:cgroup():find("nginx", 1, true) then return REALTIME end
  if t:comm() == "make" then return n % 2 == 0 and BATCH or DEFAULT end
  return DEFAULT
end)
)";

ReplayReport ReplayOf(const std::string& policy, std::vector<ReplayExpect> expects = {}) {
  PolicyEngine::Options o;
  auto r = ReplayRecording(Sample(), "s.rec", policy, "new.lua", o, std::move(expects));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? *r : ReplayReport{};
}

std::string Print(const ReplayReport& r, bool json) {
  char buf[16384] = {};
  FILE* out = fmemopen(buf, sizeof buf - 1, "w");
  PrintReplay(r, json, out);
  std::fclose(out);
  std::string s = buf;
  return s.substr(0, s.find(json ? "\"timing\"" : "timing:"));  // the only part that varies
}

TEST(Replay, DiffsTheVerdictsAgainstTheRecordedOnes) {
  ReplayReport r = ReplayOf(kPolicy);
  EXPECT_EQ(r.decisions, 4u);
  EXPECT_EQ(r.transitions[LSF_CLASS_REALTIME][LSF_CLASS_REALTIME], 1u) << "the cgroup answered from the recording";
  EXPECT_EQ(r.transitions[LSF_CLASS_BATCH][LSF_CLASS_BATCH], 1u);     // 2nd decision: n = 2
  EXPECT_EQ(r.transitions[LSF_CLASS_NONE][LSF_CLASS_DEFAULT], 1u);    // deferred, now decided
  EXPECT_EQ(r.changed, 1u);
  EXPECT_EQ(r.comms["make"].changed, 1u);
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(r.examples[0].pid, 3);
  // bash's and make's records hold no cgroup: the policy's reads are answered "" and counted
  EXPECT_EQ(r.unknown_answers, 3u);
  EXPECT_EQ(ReplayExitCode(r), kReplayOk);
}

TEST(Replay, IsDeterministic) {
  const ReplayReport a = ReplayOf(kPolicy), b = ReplayOf(kPolicy);
  EXPECT_EQ(Print(a, false), Print(b, false));
  EXPECT_EQ(Print(a, true), Print(b, true));
  EXPECT_NE(Print(a, false).find("make"), std::string::npos);
}

TEST(Replay, ExpectHoldsOrFails) {
  ASSERT_FALSE(ParseExpect("nginx").ok());
  ASSERT_FALSE(ParseExpect("nginx=FAST").ok());
  auto rt = ParseExpect("nginx=realtime");
  ASSERT_TRUE(rt.ok()) << rt.error();
  EXPECT_EQ(rt->cls, static_cast<uint32_t>(LSF_CLASS_REALTIME));
  EXPECT_EQ(ReplayOf(kPolicy, {*rt}).expects[0].held, 1u);
  EXPECT_EQ(ReplayExitCode(ReplayOf(kPolicy, {*rt})), kReplayOk);
  ReplayReport make = ReplayOf(kPolicy, {ParseExpect("make=BATCH").value()});
  EXPECT_FALSE(make.expects[0].ok());
  EXPECT_EQ(ReplayExitCode(make), kReplayFailed);
  EXPECT_NE(Print(make, false).find("expect make=BATCH: FAILED (1 of 2 decisions)"), std::string::npos);
  ReplayReport none = ReplayOf(kPolicy, {ParseExpect("sshd=DEFAULT").value()});
  EXPECT_EQ(ReplayExitCode(none), kReplayFailed) << "an --expect for a task the recording lacks fails";
}

TEST(Replay, PolicyErrorsFailAndAPolicyThatDoesNotLoadIsAnError) {
  ReplayReport r = ReplayOf("local sched = require('sched')\nsched.attach(function(ctx) if ctx:task():comm() == 'bash' then error('no') end return DEFAULT end)");
  EXPECT_EQ(r.counters.errors, 1u);
  EXPECT_EQ(ReplayExitCode(r), kReplayFailed);
  EXPECT_NE(Print(r, false).find("policy errors 1"), std::string::npos);
  auto bad = ReplayRecording(Sample(), "s.rec", "local sched = require('sched')\nsched.attach(", "bad.lua", {}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("syntax error"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace lsf
