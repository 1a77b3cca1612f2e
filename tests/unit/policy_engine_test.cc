// Unit tests for the LuaJIT policy engine: luasched API, extras, validation, errors, sandbox.
#include "policies/policy_engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace lsf {
namespace {

lsf_miss Task(const char* comm, int32_t pid = 100) {
  lsf_miss m{};
  m.pid = pid;
  m.tgid = pid - 1;
  m.ppid = 1;
  m.uid = 1000;
  m.gid = 100;
  m.prio = 125;
  m.nice = 5;
  m.prev_cpu = 2;
  m.nr_cpus_allowed = 3;
  m.cpus_allowed[0] = 0b0111;  // CPUs 0-2
  std::strncpy(m.comm, comm, sizeof m.comm - 1);
  std::strncpy(m.pcomm, "systemd", sizeof m.pcomm - 1);
  return m;
}

struct Engine {
  int nr_cpus = 4;
  std::vector<std::string> logs;
  std::vector<int32_t> cgroup_calls;
  std::unique_ptr<PolicyEngine> engine;

  PolicyEngine::Options Opts() {
    PolicyEngine::Options o;
    o.nr_cpus = nr_cpus;
    o.default_slice_ns = 5'000'000;
    o.log = [this](const std::string& s) { logs.push_back(s); };
    o.cgroup_path = [this](int32_t pid) {
      cgroup_calls.push_back(pid);
      return std::string("/system.slice/web.service");
    };
    return o;
  }
  Result<std::unique_ptr<PolicyEngine>> TryLoad(const std::string& src) { return PolicyEngine::LoadString(src, "test.lua", Opts()); }
  PolicyEngine& Load(const std::string& src) {
    auto r = TryLoad(src);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    engine = std::move(r).value();
    return *engine;
  }
  // Loads a policy whose classifier runs `body` (with locals ctx and task).
  PolicyEngine& Body(const std::string& body) {
    return Load("local sched = require('sched')\nsched.attach(function(ctx) local task = ctx:task()\n" + body +
                "\nend)\n");
  }
};

TEST(PolicyEngine, WorkloadExampleClassifiesAsLuasched) {
  Engine e;
  auto r = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", e.Opts());
  ASSERT_TRUE(r.ok()) << r.error();
  PolicyEngine& p = **r;
  Decision d = p.Decide(Task("nginx-worker"));
  EXPECT_EQ(d.dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(d.slice_ns, 1'000'000u);
  EXPECT_EQ(d.cpu, LSF_CPU_ANY);
  d = p.Decide(Task("firefox"));
  EXPECT_EQ(d.dsq, LSF_CLASS_BATCH);
  EXPECT_EQ(d.slice_ns, 10'000'000u);
  d = p.Decide(Task("bash"));
  EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(d.slice_ns, 20'000'000u);  // scx.SLICE_DFL
  EXPECT_EQ(p.counters().decisions, 3u);
  EXPECT_EQ(p.counters().per_class[LSF_CLASS_REALTIME], 1u);
  EXPECT_TRUE(e.logs.empty());
}

TEST(PolicyEngine, ExamplePoliciesLoad) {
  for (const char* f : {"web_server.lua", "desktop.lua", "build_box.lua"}) {
    Engine e;
    auto r = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/" + f, e.Opts());
    ASSERT_TRUE(r.ok()) << f << ": " << r.error();
    (*r)->Decide(Task("nginx"));
    (*r)->Decide(Task("cc1plus"));
    EXPECT_EQ((*r)->counters().errors, 0u) << f;
    EXPECT_EQ((*r)->counters().no_verdict, 0u) << f;
  }
  Engine e;
  auto web = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/web_server.lua", e.Opts());
  ASSERT_TRUE(web.ok());
  lsf_miss www = Task("nginx");
  www.uid = 33;  // www-data
  EXPECT_EQ((*web)->Decide(www).dsq, LSF_CLASS_REALTIME);
  // a login user's process named (or renamed) nginx is not promoted
  EXPECT_NE((*web)->Decide(Task("nginx")).dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ((*web)->Decide(Task("rsync")).dsq, LSF_CLASS_BATCH);
}

TEST(PolicyEngine, TaskGetters) {
  Engine e;
  PolicyEngine& p = e.Body(
      "assert(task:comm() == 'worker', 'comm') assert(task:pid() == 100, 'pid') assert(task:tgid() == 99, 'tgid')\n"
      "assert(task:prio() == 125, 'prio') assert(task:pcomm() == 'systemd', 'pcomm') assert(task:ppid() == 1)\n"
      "assert(task:uid() == 1000, 'uid') assert(task:gid() == 100, 'gid') assert(task:nice() == 5, 'nice')\n"
      "assert(task:cpu() == 0, 'cpu') assert(task:prev_cpu() == 2, 'prev_cpu') assert(task:nr_cpus_allowed() == 3)\n"
      "assert(task:cpu_allowed(1) and not task:cpu_allowed(3) and not task:cpu_allowed(-1))\n"
      "assert(task:cgroup() == '/system.slice/web.service', 'cgroup')\n"
      "ctx:dsq(BATCH)");
  Decision d = p.Decide(Task("worker"));
  EXPECT_EQ(p.counters().errors, 0u) << (e.logs.empty() ? "" : e.logs[0]);
  EXPECT_EQ(d.dsq, LSF_CLASS_BATCH);
  EXPECT_EQ(d.slice_ns, 5'000'000u);  // default slice: none set
  EXPECT_EQ(e.cgroup_calls, std::vector<int32_t>{100});
}

TEST(PolicyEngine, ADecisionIsForkSharedWhenItReadOnlyWhatAForkShares) {
  struct Case {
    const char* body;
    bool fork_shared;
  } cases[] = {
      {"ctx:dsq(BATCH)", true},
      {"if task:comm() == 'worker' then ctx:dsq(BATCH) end", true},
      {"local _ = task:uid() + task:gid() + task:nice() + task:prio() + task:nr_cpus_allowed() + task:cpu()\n"
       "local _ = task:cgroup() local _ = task:cpu_allowed(1) ctx:dsq(BATCH)", true},
      {"local _ = task:pid() ctx:dsq(BATCH)", false},
      {"local _ = task:tgid() ctx:dsq(BATCH)", false},
      {"local _ = task:ppid() ctx:dsq(BATCH)", false},
      {"local _ = task:pcomm() ctx:dsq(BATCH)", false},
      {"local _ = task:prev_cpu() ctx:dsq(BATCH)", false},
      {"local _ = task:llc() ctx:dsq(BATCH)", false},
      {"ctx:dsq(BATCH) ctx:cpu(1)", false},  // a target CPU is never inherited
      {"ctx:dsq(BATCH) ctx:llc(0)", false},
      {"error('boom')", false},              // DEFAULT by fallback: asked again for each fork
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    Engine e;
    PolicyEngine& p = e.Body(c.body);
    EXPECT_EQ(p.Decide(Task("worker")).fork_shared, c.fork_shared);
  }
  // the mark is per decision: a pid read in one decision does not stick to the next
  Engine e;
  PolicyEngine& p = e.Body("if task:comm() == 'a' then local _ = task:pid() end ctx:dsq(BATCH)");
  EXPECT_FALSE(p.Decide(Task("a")).fork_shared);
  EXPECT_TRUE(p.Decide(Task("b")).fork_shared);
}

TEST(PolicyEngine, CgroupIsOnlyComputedWhenAsked) {
  Engine e;
  PolicyEngine& p = e.Body("ctx:dsq(DEFAULT)");
  for (int i = 0; i < 10; ++i) p.Decide(Task("x"));
  EXPECT_TRUE(e.cgroup_calls.empty());
}

TEST(PolicyEngine, SliceAliasGettersAndCpu) {
  Engine e;
  PolicyEngine& p = e.Body(
      "ctx:dsq(REALTIME) ctx:slice_ns(2000000) assert(ctx:slice() == 2000000) assert(ctx:dsq() == REALTIME)\n"
      "assert(ctx:cpu() == -1) ctx:cpu(1) assert(ctx:cpu() == 1)");
  Decision d = p.Decide(Task("x"));
  EXPECT_EQ(p.counters().errors, 0u) << (e.logs.empty() ? "" : e.logs[0]);
  EXPECT_EQ(d.dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(d.slice_ns, 2'000'000u);
  EXPECT_EQ(d.cpu, 1);
}

TEST(PolicyEngine, SlicesOutsideTheLimitsAreClamped) {
  Engine e;
  PolicyEngine& p = e.Body("ctx:dsq(BATCH) ctx:slice(task:pid() == 1 and 1 or 1e12)");
  EXPECT_EQ(p.Decide(Task("x", 1)).slice_ns, LSF_SLICE_MIN_NS);
  EXPECT_EQ(p.Decide(Task("x", 2)).slice_ns, LSF_SLICE_MAX_NS);
  EXPECT_EQ(p.counters().clamped_slices, 2u);
  EXPECT_EQ(p.counters().invalid, 0u);
}

TEST(PolicyEngine, InvalidValuesYieldDefaultAndAreCountedAndLoggedOnce) {
  for (const char* bad : {"ctx:dsq(7)", "ctx:dsq('REALTIME')", "ctx:dsq(REALTIME) ctx:slice(-5)",
                          "ctx:dsq(REALTIME) ctx:slice(0/0)", "ctx:dsq(REALTIME) ctx:slice('1ms')",
                          "ctx:dsq(REALTIME) ctx:slice(1/0)"}) {
    Engine e;
    PolicyEngine& p = e.Body(bad);
    Decision d1 = p.Decide(Task("x"));
    Decision d2 = p.Decide(Task("x"));
    EXPECT_EQ(d1.dsq, LSF_CLASS_DEFAULT) << bad;
    EXPECT_EQ(d2.slice_ns, 5'000'000u) << bad;
    EXPECT_EQ(p.counters().invalid, 2u) << bad;
    EXPECT_EQ(e.logs.size(), 1u) << bad;
  }
}

TEST(PolicyEngine, InvalidCpuIsIgnoredNotFatal) {
  for (const char* cpu : {"3", "4", "-1", "1.5", "'0'"}) {  // 3: exists but not allowed
    Engine e;
    PolicyEngine& p = e.Body(std::string("ctx:dsq(BATCH) ctx:cpu(") + cpu + ")");
    Decision d = p.Decide(Task("x"));
    EXPECT_EQ(d.dsq, LSF_CLASS_BATCH) << cpu;
    EXPECT_EQ(d.cpu, LSF_CPU_ANY) << cpu;
    EXPECT_EQ(p.counters().invalid, 1u) << cpu;
  }
}

// Machines with more than 256 possible CPUs: a target CPU is checked against the task's whole mask.
TEST(PolicyEngine, TargetCpuAbove256) {
  Engine e;
  e.nr_cpus = 300;
  PolicyEngine& p = e.Body("assert(task:cpu_allowed(290)) ctx:dsq(BATCH) ctx:cpu(290)");
  lsf_miss m = Task("x");
  m.cpus_allowed[290 / 64] |= 1ull << (290 % 64);
  Decision d = p.Decide(m);
  EXPECT_EQ(d.cpu, 290);
  EXPECT_EQ(p.counters().invalid, 0u);
  EXPECT_EQ(p.counters().errors, 0u);
}

TEST(PolicyEngine, ErrorsYieldDefaultCountedAndLoggedOnceWithTraceback) {
  Engine e;
  PolicyEngine& p = e.Body("if task:comm() == 'boom' then error('kaput') end ctx:dsq(REALTIME)");
  EXPECT_EQ(p.Decide(Task("boom")).dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(p.Decide(Task("boom")).dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(p.Decide(Task("fine")).dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(p.counters().errors, 2u);
  ASSERT_EQ(e.logs.size(), 1u);
  EXPECT_NE(e.logs[0].find("kaput"), std::string::npos) << e.logs[0];
  EXPECT_NE(e.logs[0].find("stack traceback"), std::string::npos) << e.logs[0];
}

TEST(PolicyEngine, NoVerdictIsDefaultCountedAndLoggedOnce) {
  Engine e;
  PolicyEngine& p = e.Body("local x = 1");
  Decision d = p.Decide(Task("a"));
  p.Decide(Task("b"));
  EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(d.slice_ns, 5'000'000u);
  EXPECT_EQ(p.counters().no_verdict, 2u);
  EXPECT_EQ(e.logs.size(), 1u);
}

TEST(PolicyEngine, LoadErrorsNameTheProblem) {
  Engine e;
  auto missing = PolicyEngine::LoadFile("/nonexistent/policy.lua", e.Opts());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("/nonexistent/policy.lua"), std::string::npos);
  auto syntax = e.TryLoad("sched.attach(function(ctx) ctx:dsq( end)");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.error().find("syntax error"), std::string::npos);
  EXPECT_NE(syntax.error().find("test.lua:1"), std::string::npos) << syntax.error();
  auto no_attach = e.TryLoad("local sched = require('sched')");
  ASSERT_FALSE(no_attach.ok());
  EXPECT_NE(no_attach.error().find("never calls sched.attach"), std::string::npos);
  EXPECT_NE(no_attach.error().find("test.lua"), std::string::npos) << no_attach.error();
  auto top_error = e.TryLoad("error('at load')");
  ASSERT_FALSE(top_error.ok());
  EXPECT_NE(top_error.error().find("at load"), std::string::npos);
  EXPECT_NE(top_error.error().find("test.lua"), std::string::npos) << top_error.error();
  auto table_error = e.TryLoad("error({})");  // no position in the message: the name is added
  ASSERT_FALSE(table_error.ok());
  EXPECT_NE(table_error.error().find("test.lua"), std::string::npos) << table_error.error();
  auto bad_attach = e.TryLoad("require('sched').attach(42)");
  ASSERT_FALSE(bad_attach.ok());
  EXPECT_NE(bad_attach.error().find("expects a function"), std::string::npos);
}

TEST(PolicyEngine, SandboxHasNoDangerousGlobals) {
  for (const char* name : {"io", "os", "ffi", "debug", "jit", "dofile", "loadfile", "load", "loadstring", "setfenv",
                           "getfenv", "module", "package", "collectgarbage", "newproxy", "gcinfo"}) {
    Engine e;
    auto r = e.TryLoad(std::string("assert(") + name + " == nil, '" + name +
                       " is reachable') require('sched').attach(function(ctx) ctx:dsq(DEFAULT) end)");
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error());
  }
}

TEST(PolicyEngine, RequireOnlyReturnsBuiltInModules) {
  Engine e;
  EXPECT_TRUE(e.TryLoad("local s, x, l = require('sched'), require('scx'), require('linux')\n"
                        "assert(x.SLICE_DFL == 20000000 and type(l.time()) == 'number' and s.REALTIME == 0)\n"
                        "s.attach(function(ctx) ctx:dsq(DEFAULT) end)")
                  .ok());
  for (const char* mod : {"io", "ffi", "os", "jit", "string", "posix", "./evil"}) {
    auto r = e.TryLoad(std::string("require('") + mod + "')");
    ASSERT_FALSE(r.ok()) << mod;
    EXPECT_NE(r.error().find("not available in the policy sandbox"), std::string::npos) << r.error();
  }
}

TEST(PolicyEngine, NoEscapeThroughMetatables) {
  Engine e;
  auto r = e.TryLoad(
      "assert(getmetatable('').__index.dump == nil, 'string.dump via metatable')\n"
      "for k, v in pairs(getmetatable('')) do assert(type(v) ~= 'table' or (v.io == nil and v.os == nil and\n"
      "  v.require == nil and v.dump == nil), 'string metatable reaches ' .. k) end\n"
      "assert(string.dump == nil and ('x').dump == nil)\n"
      "local sched = require('sched')\n"
      "sched.attach(function(ctx) assert(getmetatable(ctx) == false or getmetatable(ctx) == nil or\n"
      "  type(getmetatable(ctx)) ~= 'table', 'ctx metatable exposed') ctx:dsq(DEFAULT) end)");
  ASSERT_TRUE(r.ok()) << r.error();
  (*r)->Decide(Task("x"));
  EXPECT_EQ((*r)->counters().errors, 0u) << (e.logs.empty() ? "" : e.logs[0]);
}

// ctx and task are opaque handles: raw FFI cdata would allow pointer arithmetic and field writes,
// i.e. invalid verdicts or arbitrary memory access in the (root) dispatcher.
TEST(PolicyEngine, CtxAndTaskAreOpaqueHandles) {
  Engine e;
  PolicyEngine& p = e.Body(
      "assert(type(ctx) == 'userdata' and type(task) == 'userdata', 'not userdata')\n"
      "assert(getmetatable(ctx) == false and getmetatable(task) == false, 'metatable exposed')\n"
      "assert(tostring(ctx) == 'ctx' and tostring(task) == 'task', 'tostring')\n"
      "for _, k in ipairs({'_dsq', 'dsq_', 'miss', '_miss', 'slice_ns_', 'engine', 'cgroup_fn', 'budget', '__index'}) do\n"
      "  assert(ctx[k] == nil, 'ctx.' .. k) end\n"
      "for _, k in ipairs({'_pid', 'pid_', 'comm_', '_comm', 'cpus_allowed', '__index'}) do\n"
      "  assert(task[k] == nil, 'task.' .. k) end\n"
      "assert(not pcall(function() return ctx + 1 end), 'ctx arithmetic')\n"
      "assert(not pcall(function() return task + 1e9 end), 'task arithmetic')\n"
      "assert(not pcall(function() ctx.dsq = 7 end), 'ctx write')\n"
      "assert(not pcall(function() task.pid = function() return 1 end end), 'task write')\n"
      "assert(not pcall(rawset, ctx, 'dsq', 1), 'rawset')\n"
      "assert(not pcall(setmetatable, ctx, {}), 'setmetatable')\n"
      "for _, k in ipairs({'pid', 'tgid', 'ppid', 'uid', 'gid', 'prio', 'nice', 'cpu', 'nr_cpus_allowed'}) do\n"
      "  assert(type(task[k](task)) == 'number', 'task:' .. k .. '() is not a number') end\n"
      "ctx:dsq(BATCH) ctx:slice(1000000)\n"
      "assert(type(ctx:dsq()) == 'number' and type(ctx:slice()) == 'number' and type(ctx:cpu()) == 'number')");
  Decision d = p.Decide(Task("x"));
  EXPECT_EQ(p.counters().errors, 0u) << (e.logs.empty() ? "" : e.logs[0]);
  EXPECT_EQ(d.dsq, LSF_CLASS_BATCH);
  EXPECT_EQ(d.slice_ns, 1'000'000u);
}

TEST(PolicyEngine, AttachAgainReplacesTheClassifier) {
  Engine e;
  PolicyEngine& p = e.Load(
      "local sched = require('sched')\n"
      "sched.attach(function(ctx) ctx:dsq(BATCH) end)\n"
      "sched.attach(function(ctx) ctx:dsq(REALTIME) if ctx:task():comm() == 'swap' then\n"
      "  sched.attach(function(c) c:dsq(DEFAULT) end) end end)");
  EXPECT_EQ(p.Decide(Task("a")).dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(p.Decide(Task("swap")).dsq, LSF_CLASS_REALTIME);
  EXPECT_EQ(p.Decide(Task("a")).dsq, LSF_CLASS_DEFAULT);
}

TEST(PolicyEngine, ConstantsAndModules) {
  Engine e;
  PolicyEngine& p = e.Body(
      "local sched, scx, linux = require('sched'), require('scx'), require('linux')\n"
      "assert(REALTIME == 0 and BATCH == 1 and DEFAULT == 2, 'globals')\n"
      "assert(sched.REALTIME == 0 and sched.BATCH == 1 and sched.DEFAULT == 2, 'sched.*')\n"
      "assert(scx.SLICE_DFL == 20000000, 'SLICE_DFL')\n"
      "assert(scx.SLICE_MIN == " + std::to_string(LSF_SLICE_MIN_NS) + ", 'SLICE_MIN')\n"
      "assert(scx.SLICE_MAX == " + std::to_string(LSF_SLICE_MAX_NS) + ", 'SLICE_MAX')\n"
      "local t1 = linux.time() local t2 = linux.time()\n"
      "assert(t1 > 0 and t2 >= t1, 'linux.time monotonic')\n"
      "ctx:dsq(DEFAULT)");
  p.Decide(Task("x"));
  EXPECT_EQ(p.counters().errors, 0u) << (e.logs.empty() ? "" : e.logs[0]);
  EXPECT_EQ(p.counters().per_class[LSF_CLASS_DEFAULT], 1u);
}

TEST(PolicyEngine, CommIsAlwaysTerminated) {
  Engine e;
  PolicyEngine& p = e.Body("assert(#task:comm() == 15 and #task:pcomm() == 15, task:comm()) ctx:dsq(BATCH)");
  lsf_miss m = Task("x");
  std::memset(m.comm, 'a', sizeof m.comm);  // no NUL: must not read into pcomm
  std::memset(m.pcomm, 'b', sizeof m.pcomm);
  EXPECT_EQ(p.Decide(m).dsq, LSF_CLASS_BATCH) << (e.logs.empty() ? "" : e.logs[0]);
}

TEST(PolicyEngine, DefaultSliceOptionIsKeptWithinTheLimits) {
  Engine e;
  PolicyEngine::Options o = e.Opts();
  o.default_slice_ns = 1;
  auto r = PolicyEngine::LoadString("require('sched').attach(function(ctx) end)", "t.lua", o);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ((*r)->Decide(Task("x")).slice_ns, LSF_SLICE_MIN_NS);
}

TEST(PolicyEngine, PrintGoesToTheLog) {
  Engine e;
  PolicyEngine& p = e.Body("print('hello', task:comm(), 3) ctx:dsq(DEFAULT)");
  p.Decide(Task("w"));
  ASSERT_EQ(e.logs.size(), 1u);
  EXPECT_EQ(e.logs[0], "test.lua: hello\tw\t3");
}

TEST(PolicyEngine, UnboundedAllocationIsAnErrorNotACrash) {
  Engine e;
  PolicyEngine& p = e.Body("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1024) .. i end ctx:dsq(REALTIME)");
  Decision d = p.Decide(Task("hog"));
  EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(p.counters().errors, 1u);
  ASSERT_FALSE(e.logs.empty());
  // the memory cap, or (on a slow machine) the decision's deadline, whichever comes first
  EXPECT_TRUE(e.logs[0].find("memory") != std::string::npos || e.logs[0].find("budget") != std::string::npos)
      << e.logs[0];
  // the engine still works afterwards
  EXPECT_EQ(p.counters().decisions, 1u);
}

TEST(PolicyEngine, EndlessLoopsAreAbortedAndTheEngineKeepsWorking) {
  Engine e;
  PolicyEngine& p = e.Body("if task:comm() == 'spin' then while true do end end ctx:dsq(BATCH)");
  Decision d = p.Decide(Task("spin"));
  EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(p.counters().errors, 1u);
  ASSERT_EQ(e.logs.size(), 1u);
  EXPECT_TRUE(e.logs[0].find("instruction limit") != std::string::npos ||
              e.logs[0].find("budget exceeded") != std::string::npos)
      << e.logs[0];
  // the count restarts for every decision: many normal calls never hit the limit
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(p.Decide(Task("fine")).dsq, LSF_CLASS_BATCH);
  EXPECT_EQ(p.counters().errors, 1u);
  // a loop at load time is a load error
  auto r = e.TryLoad("local i = 0 repeat i = i + 1 until false");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("instruction limit"), std::string::npos) << r.error();
}

TEST(PolicyEngine, LlcRequestsAndTopologyQueries) {
  Engine e;
  PolicyEngine::Options o = e.Opts();
  o.cpu_llc = {0, 0, 1, 1};  // CPUs 0,1 share LLC 0; CPUs 2,3 share LLC 1
  auto r = PolicyEngine::LoadString(
      "local linux = require('linux')\n"
      "assert(linux.nr_cpus() == 4 and linux.nr_llcs() == 2 and linux.llc_of(3) == 1)\n"
      "require('sched').attach(function(ctx)\n"
      "  assert(ctx:task():llc() == 1)  -- prev_cpu 2\n"
      "  ctx:dsq(BATCH) ctx:llc(1) assert(ctx:llc() == 1)\n"
      "  if ctx:task():pid() == 7 then ctx:llc(2) end\n"  // no LLC 2: ignored and counted
      "end)",
      "llc.lua", o);
  ASSERT_TRUE(r.ok()) << r.error();
  Decision d = (*r)->Decide(Task("x"));
  EXPECT_EQ((*r)->counters().errors, 0u) << (e.logs.empty() ? "" : e.logs[0]);
  EXPECT_EQ(d.llc, 1);
  EXPECT_EQ(d.cpu, LSF_CPU_ANY);
  Decision bad = (*r)->Decide(Task("x", 7));
  EXPECT_EQ(bad.dsq, LSF_CLASS_BATCH);
  EXPECT_EQ(bad.llc, 1);  // the invalid request left the earlier one
  EXPECT_EQ((*r)->counters().invalid, 1u);
}

TEST(PolicyEngine, ManyDecisionsAreConsistent) {
  Engine e;
  auto r = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", e.Opts());
  ASSERT_TRUE(r.ok());
  PolicyEngine& p = **r;
  lsf_miss tasks[3] = {Task("nginx-worker"), Task("firefox"), Task("make")};
  constexpr int kN = 300'000;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kN; ++i) p.Decide(tasks[i % 3]);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(p.counters().decisions, static_cast<uint64_t>(kN));
  EXPECT_EQ(p.counters().per_class[LSF_CLASS_REALTIME], static_cast<uint64_t>(kN / 3));
  EXPECT_EQ(p.counters().per_class[LSF_CLASS_BATCH], static_cast<uint64_t>(kN / 3));
  EXPECT_EQ(p.counters().per_class[LSF_CLASS_DEFAULT], static_cast<uint64_t>(kN / 3));
  std::printf("[ figure ] workload.lua: %.2f M decisions/s (not asserted; see bench/)\n", kN / s / 1e6);
}

}  // namespace
}  // namespace lsf
