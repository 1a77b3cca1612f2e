// `check`: a policy over the built-in tasks, its problems found and attributed, its exit codes.
#include <gtest/gtest.h>

#include <set>

#include "dispatcher/check.h"
#include "dispatcher/synthetic_tasks.h"

namespace lsf {
namespace {

std::vector<CheckTask> Builtin(int nr_cpus = 4) { return SyntheticTasks(nr_cpus); }

PolicyEngine::Options Opts() {
  PolicyEngine::Options o;
  o.nr_cpus = 4;
  return o;
}

CheckReport Check(const std::string& body) {
  return CheckPolicy("local sched = require('sched')\nsched.attach(function(ctx)\n" + body + "\nend)\n", "t.lua",
                     Opts(), Builtin());
}

TEST(SyntheticTasks, DistinctPidsCommsUsersAndCgroups) {
  auto tasks = SyntheticTasks(4);
  ASSERT_GE(tasks.size(), 20u);
  std::set<int32_t> pids;
  std::set<uint32_t> uids;
  std::set<std::string> cgroups;
  std::set<int32_t> nices;
  for (const auto& t : tasks) {
    pids.insert(t.miss.pid);
    uids.insert(t.miss.uid);
    cgroups.insert(t.cgroup);
    nices.insert(t.miss.nice);
    EXPECT_GT(t.miss.nr_cpus_allowed, 0u);
    EXPECT_GT(t.miss.pid, 4194304);  // above the default pid_max: never a live task
  }
  EXPECT_EQ(pids.size(), tasks.size());
  EXPECT_GE(uids.size(), 3u);
  EXPECT_GE(cgroups.size(), 5u);
  EXPECT_TRUE(nices.count(-20) && nices.count(19) && nices.count(0));
}

TEST(Check, CleanPolicyPassesAndEveryDecisionIsInheritable) {
  CheckReport r = Check("if ctx:task():comm():find('nginx') then ctx:dsq(REALTIME) else ctx:dsq(DEFAULT) end");
  ASSERT_TRUE(r.loaded) << r.load_error;
  EXPECT_EQ(CheckExitCode(r), kCheckOk);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.per_class[LSF_CLASS_REALTIME], 2u);  // nginx, nginx-worker
  EXPECT_EQ(r.per_class[LSF_CLASS_REALTIME] + r.per_class[LSF_CLASS_DEFAULT], r.builtin_tasks);
  EXPECT_EQ(r.inheritable, r.builtin_tasks);
  EXPECT_TRUE(r.not_inheritable.empty());
}

TEST(Check, ErrorAndInvalidVerdictAreAttributedToTheirTask) {
  CheckReport r = Check(
      "local c = ctx:task():comm()\n"
      "if c == 'cc1' then error('no compilers') end\n"
      "if c == 'ffmpeg' then ctx:dsq(42) return end\n"
      "if c == 'cron' then return end\n"  // no class set: no_verdict
      "ctx:dsq(BATCH)");
  ASSERT_TRUE(r.loaded);
  EXPECT_EQ(CheckExitCode(r), kCheckProblems);
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& p : r.problems) got.insert({p.kind, p.comm});
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{
                     {"error", "cc1"}, {"invalid", "ffmpeg"}, {"no_verdict", "cron"}}));
  for (const auto& p : r.problems)
    if (p.kind == "error") {
      EXPECT_NE(p.message.find("no compilers"), std::string::npos) << p.message;
    }
}

TEST(Check, ClampedSliceIsReportedButPasses) {
  CheckReport r = Check("ctx:dsq(DEFAULT); ctx:slice(1)");  // 1 ns: below the minimum
  ASSERT_TRUE(r.loaded);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0].kind, "clamped");
  EXPECT_EQ(CheckExitCode(r), kCheckOk);
}

TEST(Check, NotInheritableSaysWhy) {
  CheckReport r = Check("if ctx:task():pid() > 0 then ctx:dsq(DEFAULT) end");
  ASSERT_EQ(r.not_inheritable.size(), 1u);
  EXPECT_EQ(r.not_inheritable[0].count, r.builtin_tasks);
  EXPECT_NE(r.not_inheritable[0].why.find("does not share"), std::string::npos);
  EXPECT_LE(r.not_inheritable[0].examples.size(), kCheckExamples);
  // CPU 0: every task but the one pinned to the last CPU, for which it is an invalid verdict
  r = Check("ctx:dsq(DEFAULT); ctx:cpu(0)");
  ASSERT_EQ(r.not_inheritable.size(), 1u);
  EXPECT_NE(r.not_inheritable[0].why.find("names a CPU"), std::string::npos);
  EXPECT_EQ(r.not_inheritable[0].count, r.builtin_tasks - 1);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "invalid");
  EXPECT_EQ(r.problems[0].comm, "irq-helper");
}

TEST(Check, BuiltinTasksAnswerCgroupAndRuntime) {
  CheckReport r = Check(
      "local t = ctx:task()\n"
      "if t:cgroup():find('^/system.slice/nginx') and t:runtime() > 0 then ctx:dsq(REALTIME) else ctx:dsq(DEFAULT) end");
  ASSERT_TRUE(r.loaded);
  EXPECT_EQ(r.per_class[LSF_CLASS_REALTIME], 2u);
}

TEST(Check, PolicyThatDoesNotLoad) {
  CheckReport r = CheckPolicy("local x = ", "broken.lua", Opts(), Builtin());
  EXPECT_FALSE(r.loaded);
  EXPECT_NE(r.load_error.find("syntax error"), std::string::npos) << r.load_error;
  EXPECT_EQ(CheckExitCode(r), kCheckNoLoad);
  r = CheckPolicy("local x = 1", "noattach.lua", Opts(), Builtin());
  EXPECT_FALSE(r.loaded);
}

// A runaway loop is stopped by the step limit: one problem (an error), named with its task.
TEST(Check, RunawayLoopIsOneProblem) {
  CheckReport r = Check("if ctx:task():comm() == 'make' then while true do end end\nctx:dsq(DEFAULT)");
  ASSERT_TRUE(r.loaded);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "error") << r.problems[0].message;
  EXPECT_FALSE(r.problems[0].message.empty());
  EXPECT_EQ(r.problems[0].comm, "make");
  EXPECT_EQ(CheckExitCode(r), kCheckProblems);
}

}  // namespace
}  // namespace lsf
