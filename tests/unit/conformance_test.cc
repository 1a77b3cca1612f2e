// luasched conformance: one policy per luasched dialect (policies/luasched/), written for this
// project from luasched's documented API, classifies the same synthetic tasks as workload.lua.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "policies/policy_engine.h"

namespace lsf {
namespace {

lsf_miss Task(const char* comm, int32_t pid) {
  lsf_miss m{};
  m.pid = m.tgid = pid;
  m.ppid = 1;
  m.prio = 120;
  m.prev_cpu = 0;
  m.nr_cpus_allowed = 2;
  m.cpus_allowed[0] = 0b11;
  std::strncpy(m.comm, comm, sizeof m.comm - 1);
  std::strncpy(m.pcomm, "bash", sizeof m.pcomm - 1);
  return m;
}

struct Expect {
  const char* comm;
  uint32_t dsq;
  uint64_t slice_ns;
};
const Expect kTasks[] = {
    {"nginx", LSF_CLASS_REALTIME, 1'000'000},         {"nginx-worker", LSF_CLASS_REALTIME, 1'000'000},
    {"firefox", LSF_CLASS_BATCH, 10'000'000},         {"firefox-bin", LSF_CLASS_BATCH, 10'000'000},
    {"make", LSF_CLASS_DEFAULT, 20'000'000},          {"bash", LSF_CLASS_DEFAULT, 20'000'000},
    {"Web Content", LSF_CLASS_DEFAULT, 20'000'000},   {"nginy", LSF_CLASS_DEFAULT, 20'000'000},
};

PolicyEngine::Options Opts(std::vector<std::string>* logs) {
  PolicyEngine::Options o;
  o.nr_cpus = 2;
  o.log = [logs](const std::string& s) { logs->push_back(s); };
  o.cgroup_path = [](int32_t) { return std::string("/user.slice"); };
  o.task_runtime = [](int32_t) { return 5e6; };  // 5 ms of CPU
  return o;
}

class Dialect : public ::testing::TestWithParam<const char*> {};

TEST_P(Dialect, ClassifiesLikeEveryOtherDialect) {
  std::vector<std::string> logs;
  std::string path = std::string(LSF_POLICIES_DIR) + "/" + GetParam();
  auto r = PolicyEngine::LoadFile(path, Opts(&logs));
  ASSERT_TRUE(r.ok()) << r.error();
  PolicyEngine& p = **r;
  int32_t pid = 1000;
  for (const Expect& t : kTasks) {
    Decision d = p.Decide(Task(t.comm, pid++));
    EXPECT_EQ(d.dsq, t.dsq) << GetParam() << ": " << t.comm;
    EXPECT_EQ(d.slice_ns, t.slice_ns) << GetParam() << ": " << t.comm;
    EXPECT_EQ(d.cpu, LSF_CPU_ANY) << GetParam() << ": " << t.comm;
  }
  EXPECT_EQ(p.counters().errors, 0u) << (logs.empty() ? "" : logs[0]);
  EXPECT_EQ(p.counters().invalid, 0u) << (logs.empty() ? "" : logs[0]);
  EXPECT_EQ(p.counters().no_verdict, 0u) << (logs.empty() ? "" : logs[0]);
}

INSTANTIATE_TEST_SUITE_P(Luasched, Dialect,
                         ::testing::Values("luasched/ctx_slice_ns.lua", "luasched/linux_scx.lua",
                                           "luasched/scx_return.lua", "luasched/sched_return.lua", "workload.lua"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// The contracts one by one, on small policies.
struct Engine {
  std::vector<std::string> logs;
  std::unique_ptr<PolicyEngine> p;
  Decision Run(const std::string& src, const char* comm = "x", uint32_t flags = 0) {
    if (!p) {
      auto r = PolicyEngine::LoadString(src, "t.lua", Opts(&logs));
      EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
      if (!r.ok()) return {};
      p = std::move(*r);
    }
    lsf_miss m = Task(comm, 42);
    m.flags = flags;
    return p->Decide(m);
  }
};

TEST(LuaschedContract, ClassIdsAreLuaschedDsqIds) {
  for (auto [id, cls] : {std::pair{0, LSF_CLASS_REALTIME}, {1, LSF_CLASS_BATCH}, {2, LSF_CLASS_DEFAULT}}) {
    Engine e;
    Decision d = e.Run("require('sched').attach(function(ctx) ctx:dsq(" + std::to_string(id) + ") end)");
    EXPECT_EQ(d.dsq, static_cast<uint32_t>(cls)) << id;
  }
  for (const char* bad : {"3", "-1", "0.5", "'0'", "true"}) {
    Engine e;
    Decision d = e.Run(std::string("require('sched').attach(function(ctx) ctx:dsq(") + bad + ") end)");
    EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT) << bad;
    EXPECT_EQ(e.p->counters().invalid, 1u) << bad;
  }
}

TEST(LuaschedContract, ReturnedDecision) {
  Engine a;  // nil slice: SLICE_DFL
  Decision d = a.Run("require('scx').attach(function() return 1 end)");
  EXPECT_EQ(d.dsq, LSF_CLASS_BATCH);
  EXPECT_EQ(d.slice_ns, 20'000'000u);
  Engine b;  // nil dsq: the global queue, DEFAULT
  d = b.Run("require('scx').attach(function() return nil, 3000000 end)");
  EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(d.slice_ns, 3'000'000u);
  Engine c;  // nothing returned, nothing set: no verdict (DEFAULT, default slice), counted
  d = c.Run("require('sched').attach(function() end)");
  EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(c.p->counters().no_verdict, 1u);
  Engine w;  // both: the returned decision wins, entirely
  d = w.Run("require('sched').attach(function(ctx) ctx:dsq(BATCH) ctx:slice(7000000) return REALTIME end)");
  EXPECT_EQ(d.dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(d.slice_ns, 20'000'000u);
  Engine k;  // returning nothing keeps the ctx calls
  d = k.Run("require('sched').attach(function(ctx) ctx:dsq(BATCH) ctx:slice(7000000) return end)");
  EXPECT_EQ(d.dsq, LSF_CLASS_BATCH);
  EXPECT_EQ(d.slice_ns, 7'000'000u);
  Engine bad;  // a value that is not a number: invalid, DEFAULT
  d = bad.Run("require('scx').attach(function() return 'fast' end)");
  EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(bad.p->counters().invalid, 1u);
}

TEST(LuaschedContract, BuiltInDsqsAndModules) {
  Engine g;
  Decision d = g.Run(
      "local ext = require('linux.scx') assert(ext == require('scx') and ext == scx)\n"
      "assert(ext.DSQ_GLOBAL ~= ext.DSQ_LOCAL and ext.SLICE_DFL == 20000000)\n"
      "require('scx').attach(function(ctx) if ctx:task():comm() == 'bash' then return ext.DSQ_LOCAL, ext.SLICE_DFL end\n"
      "  return ext.DSQ_GLOBAL end)",
      "bash");
  EXPECT_EQ(d.dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(g.Run("", "make").dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(g.p->counters().errors, 0u) << (g.logs.empty() ? "" : g.logs[0]);
}

TEST(LuaschedContract, DetachLeavesTheDecisionToTheScheduler) {
  for (const char* mod : {"sched", "scx"}) {
    Engine e;
    std::string src = std::string("local m = require('") + mod +
                      "') m.attach(function(ctx) if ctx:task():comm() == 'off' then m.detach() end return 0 end)";
    EXPECT_EQ(e.Run(src, "a").dsq, LSF_CLASS_REALTIME) << mod;
    EXPECT_EQ(e.Run(src, "off").dsq, LSF_CLASS_REALTIME) << mod;  // detached after deciding
    Decision d = e.Run(src, "b");
    EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT) << mod;
    EXPECT_EQ(e.p->counters().no_verdict, 1u) << mod;
  }
}

TEST(LuaschedContract, TaskRuntimeAndCpu) {
  Engine e;
  Decision d = e.Run(
      "require('sched').attach(function(ctx) local t = ctx:task()\n"
      "  assert(t:runtime() == 5e6, 'runtime') assert(t:cpu() == 0, 'cpu') assert(t:prev_cpu() == 0)\n"
      "  return 0 end)");
  EXPECT_EQ(d.dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(e.p->counters().errors, 0u) << (e.logs.empty() ? "" : e.logs[0]);
}

TEST(LuaschedContract, Lua54ConstLocalsAreAcceptedCloseIsNot) {
  Engine e;
  EXPECT_EQ(e.Run("local D <const> = 1 require('sched').attach(function(ctx) ctx:dsq(D) end)").dsq, LSF_CLASS_BATCH);
  std::vector<std::string> logs;
  auto r = PolicyEngine::LoadString("local f <close> = nil", "c.lua", Opts(&logs));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("<close>"), std::string::npos) << r.error();
}

// A task that renames itself in a loop: after 16 exec/rename misses in a second, no decision
// (deferred: no verdict is sent, the task asks again later) without running the policy, counted.
// First misses and reload reclassifications never count.
TEST(LuaschedContract, RenameLoopIsRateLimited) {
  Engine e;
  const std::string src = "require('sched').attach(function(ctx) return 0 end)";
  e.Run(src);
  lsf_miss m = Task("nginx", 77);
  for (int i = 0; i < 100; ++i) {
    m.flags = LSF_MISS_RENAME;
    m.enq_ns = 1'000'000'000ull + static_cast<uint64_t>(i) * 1'000'000;  // 100 renames in 0.1 s
    EXPECT_EQ(e.p->Decide(m).deferred, i >= 16) << i;
  }
  EXPECT_EQ(e.p->counters().rate_limited, 100u - 16u);
  m.enq_ns = 2'500'000'000ull;  // a second later: allowed again
  EXPECT_EQ(e.p->Decide(m).dsq, LSF_CLASS_REALTIME);
  for (int i = 0; i < 100; ++i) e.p->Decide(Task("other", 78));  // no flags: never limited
  EXPECT_EQ(e.p->counters().rate_limited, 84u);
}

}  // namespace
}  // namespace lsf
