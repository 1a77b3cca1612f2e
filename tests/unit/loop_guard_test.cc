// Unit tests for the loop guard's source rewriting and for the budget it enforces.
#include "policies/loop_guard.h"

#include <gtest/gtest.h>

#include "policies/policy_engine.h"

namespace lsf {
namespace {

std::string Guard(const std::string& src) {
  auto r = InstrumentPolicySource(src);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? *r : "";
}

TEST(LoopGuard, InstrumentsLoopsAndFunctions) {
  EXPECT_EQ(Guard("while x do y() end"), "local __lsf_tick = ...; while x do __lsf_tick(); y() end");
  EXPECT_EQ(Guard("repeat x() until y"), "local __lsf_tick = ...; repeat __lsf_tick(); x() until y");
  EXPECT_EQ(Guard("local f = function(a, b) return a end"),
            "local __lsf_tick = ...; local f = function(a, b) __lsf_tick(); return a end");
  EXPECT_EQ(Guard("function t.m:n(...) end"), "local __lsf_tick = ...; function t.m:n(...) __lsf_tick(); end");
}

TEST(LoopGuard, LeavesStringsCommentsAndNumbersAlone) {
  const char* src =
      "local s = 'do repeat function()' .. \"while do\" .. [[ do ]] .. [==[ ]] do ]==]\n"
      "-- do repeat\n--[[ function() do ]] x = 1e+5 + 0x1f\nlocal dox, redo, functional = 1, 2, 3";
  EXPECT_EQ(Guard(src), std::string("local __lsf_tick = ...; ") + src);
}

TEST(LoopGuard, KeepsLineNumbers) {
  std::string out = Guard("a = 1\nwhile true do\n  b = 2\nend\n");
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4);
}

TEST(LoopGuard, RejectsGotoAndReservedNames) {
  auto g = InstrumentPolicySource("x = 1\n::top:: goto top");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().find("line 2: goto is not allowed"), std::string::npos) << g.error();
  EXPECT_FALSE(InstrumentPolicySource("local __lsf_tick = function() end").ok());
  EXPECT_TRUE(InstrumentPolicySource("local s = 'goto __lsf'").ok());
}

// Every shape of endless computation ends in an error, not a hang.
TEST(LoopGuard, StopsEveryKindOfEndlessLoop) {
  const char* bodies[] = {
      "while true do end",
      "for i = 1, math.huge do end",
      "repeat until false",
      "local function f() return f() end f()",                   // tail recursion: no stack growth
      "for _ in function() return 1 end do end",                  // generic for with an endless iterator
      "local co = coroutine.wrap(function() while true do end end) co()",
      "string.gsub(string.rep('a', 100), '.', function() while true do end end)",
      "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) local _ = t.x",
  };
  for (const char* body : bodies) {
    std::vector<std::string> logs;
    PolicyEngine::Options o;
    o.log = [&](const std::string& s) { logs.push_back(s); };
    auto r = PolicyEngine::LoadString(
        std::string("require('sched').attach(function(ctx) ") + body + " ctx:dsq(BATCH) end)", "loop.lua", o);
    ASSERT_TRUE(r.ok()) << body << ": " << r.error();
    lsf_miss m{};
    Decision d = (*r)->Decide(m);
    EXPECT_EQ(d.dsq, LSF_CLASS_DEFAULT) << body;
    EXPECT_EQ((*r)->counters().errors, 1u) << body;
    ASSERT_FALSE(logs.empty()) << body;
    EXPECT_TRUE(logs[0].find("instruction limit") != std::string::npos ||
                logs[0].find("decision budget exceeded") != std::string::npos ||
                logs[0].find("stack overflow") != std::string::npos ||
                logs[0].find("error in error handling") != std::string::npos)  // C stack exhausted
        << body << ": " << logs[0];
  }
}

}  // namespace
}  // namespace lsf
