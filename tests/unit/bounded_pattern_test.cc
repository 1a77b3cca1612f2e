// Bounded pattern functions: same results as LuaJIT's string library, and every pathological
// pattern (or huge library call) ends within the decision budget as an error.
#include "policies/bounded_pattern.h"

#include <gtest/gtest.h>
#include <lua.hpp>

#include <ctime>
#include <cstring>
#include <string>
#include <vector>

#include "policies/policy_engine.h"

namespace lsf {
namespace {

int NeverExpired(void*) { return 0; }

// Runs `expr` (a Lua expression over `S`, the string library under test) with LuaJIT's own string
// library and with the bounded one, and returns both results serialised.
std::pair<std::string, std::string> Both(const std::string& expr) {
  static const char* kSerialise =
      "local function ser(...) local t = {} for i = 1, select('#', ...) do t[i] = tostring((select(i, ...))) end\n"
      "  return table.concat(t, ',') end\n"
      "local S = ... local ok, a, b, c, d = pcall(function() return %s end)\n"
      "if not ok then return 'error' end return ser(a, b, c, d)";
  std::string results[2];
  for (int bounded = 0; bounded < 2; ++bounded) {
    lua_State* L = luaL_newstate();
    luaL_openlibs(L);
    int32_t steps = 1 << 30;
    PatternBudget budget{&steps, NeverExpired, nullptr};
    char code[2048];
    std::snprintf(code, sizeof code, kSerialise, expr.c_str());
    EXPECT_EQ(luaL_loadstring(L, code), 0) << lua_tostring(L, -1);
    lua_getglobal(L, "string");
    if (bounded) {
      PushBoundedPatternLib(L, &budget);
      for (const char* f : {"find", "match", "gmatch", "gsub"}) {
        lua_getfield(L, -1, f);
        lua_setfield(L, -3, f);
      }
      lua_pop(L, 1);
    }
    EXPECT_EQ(lua_pcall(L, 1, 1, 0), 0) << lua_tostring(L, -1);
    results[bounded] = lua_tostring(L, -1) ? lua_tostring(L, -1) : "?";
    lua_close(L);
  }
  return {results[0], results[1]};
}

TEST(BoundedPattern, SameResultsAsLuaJit) {
  const char* cases[] = {
      "S.find('nginx-worker', 'nginx')", "S.find('nginx-worker', '^nginx')", "S.find('xnginx', '^nginx')",
      "S.find('a.b', '.', 1, true)", "S.find('a.b', '%.')", "S.find('hello', 'l+')", "S.find('hello', 'l', -2)",
      "S.find('hello', '', 10)", "S.find('hello', 'o$')", "S.find('hello', '(h)(e)')", "S.find('hello', '()ll()')",
      "S.match('nginx: worker', '^[%w%-]+')", "S.match('key = value', '(%w+)%s*=%s*(%w+)')",
      "S.match('f(a(b)c)d', '%b()')", "S.match('THE (quick) fox', '%f[%a]%a+')", "S.match('abcabc', '(abc)%1')",
      "S.match('  x  ', '^%s*(.-)%s*$')", "S.match('a]b', '[]]')", "S.match('a-b', '[a%-]+')", "S.match('x', '[^%d]')",
      "S.match('2024-01-02', '(%d+)-(%d+)-(%d+)')", "S.match('aaa', 'a-b')", "S.match('aaab', 'a-b')",
      "S.match('', '.*')", "S.match('abc', 'b?c')", "S.match('/system.slice/nginx.service', '([^/]+)%.service$')",
      "S.gsub('hello world', 'o', '0')", "S.gsub('hello world', '(%w+)', '<%1>')", "S.gsub('abc', '', '-')",
      "S.gsub('hello', 'l', {l = 'L'})", "S.gsub('hello', '%w', function(c) return c:upper() end, 2)",
      "S.gsub('abc', '^a', 'x')", "S.gsub('a.b', '%.', '%%')",
      "(function() local t = {} for k, v in S.gmatch('a=1, b=2', '(%w+)=(%w+)') do t[#t+1] = k .. v end "
      "return table.concat(t, ';') end)()",
      "(function() local n = 0 for w in S.gmatch('one two  three', '%a+') do n = n + 1 end return n end)()",
      "S.find('abc', '[a')", "S.find('abc', '%')", "S.match('abc', '(()')", "S.match('abc', '%1')",
      "S.gsub('abc', '.', true)",
  };
  for (const char* c : cases) {
    auto [orig, bounded] = Both(c);
    EXPECT_EQ(bounded, orig) << c;
  }
}

struct Policy {
  std::vector<std::string> logs;
  std::unique_ptr<PolicyEngine> p;
  explicit Policy(const std::string& body, uint64_t budget_ns = 10'000'000) {
    PolicyEngine::Options o;
    o.log = [this](const std::string& s) { logs.push_back(s); };
    o.decision_budget_ns = budget_ns;
    auto r = PolicyEngine::LoadString(
        "require('sched').attach(function(ctx) local comm = ctx:task():comm()\n"
        "if comm == 'bad' then " + body + " end return BATCH end)",
        "patho.lua", o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    p = std::move(*r);
  }
  // Decides for `comm`; returns the decision and the CPU time it took on this thread, in ms (not
  // wall time: a loaded test machine stretches that by whatever else runs).
  std::pair<Decision, double> Decide(const char* comm) {
    lsf_miss m{};
    std::strncpy(m.comm, comm, sizeof m.comm - 1);
    double t0 = ThreadCpuMs();
    Decision d = p->Decide(m);
    return {d, ThreadCpuMs() - t0};
  }
  static double ThreadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }
};

// The pattern from the issue: never returns on an unbounded matcher.
TEST(BoundedPattern, PathologicalPatternsEndWithinTheBudget) {
  const char* bodies[] = {
      "string.rep('a', 20000):find(string.rep('a-', 12) .. 'b')",
      "string.match(string.rep('a', 20000), string.rep('a*', 12) .. 'b')",
      "for _ in string.gmatch(string.rep('a', 20000), string.rep('a-', 12) .. 'b') do end",
      "string.gsub(string.rep('a', 20000), string.rep('a?', 30) .. 'b', 'x')",
      "string.rep('(', 5000):find(string.rep('%b()', 10))",
      "local s = string.rep('a', 4000) s:find(s .. 'b', 1, true) s:find((s .. 'b'):rep(100), 1, true)"
      " for i = 1, 1e9 do s:find(s:sub(1, 2000) .. 'b', 1, true) end",
  };
  for (const char* body : bodies) {
    Policy pol(body);
    auto [d, ms] = pol.Decide("bad");
    EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT) << body;
    EXPECT_LT(ms, 200.0) << body;  // budget 10 ms; generous for a loaded test machine
    EXPECT_EQ(pol.p->counters().errors, 1u) << body;
    ASSERT_FALSE(pol.logs.empty()) << body;
    EXPECT_TRUE(pol.logs[0].find("budget") != std::string::npos) << pol.logs[0];
    auto [next, next_ms] = pol.Decide("good");  // the engine keeps answering
    EXPECT_EQ(next.dsq, LSF_CLASS_BATCH) << body;
  }
}

// Huge results hit the memory cap as an error (or the deadline), never a crash; deadline overruns
// are counted and the next decision runs on a fresh Lua state.
TEST(BoundedPattern, HugeLibraryCallsAreErrors) {
  const char* bodies[] = {
      "local s = string.rep('x', 2^30)",
      "local s = string.rep('x', 1e8)",
      "local s = string.rep('ab', 1e7, ',')",
      "local t = {} for i = 1, 1e7 do t[i] = 'xxxxxxxx' end local s = table.concat(t)",
      "local s = string.format('%s%s%s%s', string.rep('x', 2e7), string.rep('x', 2e7), string.rep('x', 2e7), 'y')",
      "local s = string.rep('x', 1e7) for i = 1, 1e9 do local t = s .. i end",
      "local t = {} for i = 1, 4e5 do t[i] = -i end table.sort(t) table.sort(t) table.sort(t)",
  };
  for (const char* body : bodies) {
    Policy pol(body);
    auto [d, ms] = pol.Decide("bad");
    EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT) << body;
    // Not the 10 ms budget: the first touch of tens of MB of fresh pages alone can take a second on
    // a loaded VM (the dispatcher runs on a locked, pre-faulted heap). What matters: it ends.
    EXPECT_LT(ms, 3000.0) << body;
    EXPECT_EQ(pol.p->counters().errors, 1u) << body << (pol.logs.empty() ? "" : pol.logs[0]);
    EXPECT_EQ(pol.Decide("good").first.dsq, LSF_CLASS_BATCH) << body;
  }
}

TEST(BoundedPattern, DeadlineOverrunIsCountedAndTheStateReplaced) {
  // A loop of big copies: each iteration is cheap for the loop guard, expensive in time.
  Policy pol("_G.junk = (_G.junk or 0) + 1 local s = string.rep('x', 4e6) for i = 1, 1e9 do local t = s .. i end",
             2'000'000);
  auto [d, ms] = pol.Decide("bad");
  EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT);
  EXPECT_EQ(pol.p->counters().overruns, 1u) << (pol.logs.empty() ? "" : pol.logs[0]);
  ASSERT_FALSE(pol.logs.empty());
  EXPECT_NE(pol.logs[0].find("budget"), std::string::npos) << pol.logs[0];
  EXPECT_EQ(pol.Decide("good").first.dsq, LSF_CLASS_BATCH);
  EXPECT_EQ(pol.p->counters().fresh_states, 1u);
}

}  // namespace
}  // namespace lsf
