// Simulation tests: the real Dispatcher and PolicyEngine against the FakeKernel port.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "dispatcher/dispatcher.h"
#include "dispatcher/worker_pool.h"
#include "policies/policy_engine.h"
#include "tests/sim/fake_kernel.h"
#include "topology/topology.h"

namespace lsf::sim {
namespace {

using Placement = FakeKernel::Placement;

std::unique_ptr<PolicyEngine> LoadWorkload(int nr_cpus = 4) {
  PolicyEngine::Options o;
  o.nr_cpus = nr_cpus;
  o.log = [](const std::string&) {};
  auto r = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return std::move(r).value();
}

std::unique_ptr<PolicyEngine> LoadSource(const std::string& src) {
  PolicyEngine::Options o;
  o.nr_cpus = 4;
  o.log = [](const std::string&) {};
  auto r = PolicyEngine::LoadString(src, "sim", o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return std::move(r).value();
}

class Sim : public ::testing::Test {
 protected:
  Dispatcher::Options DOpts() {
    Dispatcher::Options o;
    o.stats_interval_s = 0;
    o.out = devnull_;
    return o;
  }
  Dispatcher::Options AskOpts() {
    Dispatcher::Options o = DOpts();
    o.fork_inherit = false;
    return o;
  }
  void SetUp() override { devnull_ = std::fopen("/dev/null", "w"); }
  void TearDown() override { std::fclose(devnull_); }
  FILE* devnull_ = nullptr;
};

TEST_F(Sim, WorkloadClassifiesEachTaskAsThePolicySays) {
  FakeKernel k;
  k.set_miss_wait(true);  // --miss wait: the task parks until its verdict
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 100, .comm = "nginx-worker"});
  k.Enqueue({.pid = 200, .comm = "firefox"});
  k.Enqueue({.pid = 300, .comm = "other"});
  EXPECT_EQ(k.parked(), 3u);
  EXPECT_EQ(d.RunOnce(0), 3);
  EXPECT_EQ(k.parked(), 0u);  // verdicts released the waiting tasks
  EXPECT_EQ(k.CachedClass(100), LSF_CLASS_REALTIME);
  EXPECT_EQ(k.CachedSlice(100), 1'000'000u);
  EXPECT_EQ(k.CachedClass(200), LSF_CLASS_BATCH);
  EXPECT_EQ(k.CachedSlice(200), 10'000'000u);
  EXPECT_EQ(k.CachedClass(300), LSF_CLASS_DEFAULT);
  EXPECT_EQ(k.CachedSlice(300), 20'000'000u);
  // next enqueues are hits into the right DSQs
  EXPECT_EQ(k.Enqueue({.pid = 100, .comm = "nginx-worker"}), Placement::kHit);
  EXPECT_EQ(k.Enqueue({.pid = 200, .comm = "firefox"}), Placement::kHit);
  EXPECT_EQ(k.Enqueue({.pid = 300, .comm = "other"}), Placement::kHit);
  EXPECT_EQ(k.stat(LSF_ST_INS_REALTIME), 1u);
  EXPECT_EQ(k.stat(LSF_ST_INS_BATCH), 1u);
  EXPECT_EQ(k.stat(LSF_ST_INS_DEFAULT), 1u);
  EXPECT_EQ(d.counters().verdicts_sent, 3u);
  EXPECT_EQ(k.flushes(), 1u);  // one batch, one flush
}

TEST_F(Sim, CacheHitsDominateAfterWarmUp) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  const char* names[] = {"nginx-worker", "firefox", "bash", "kworker", "make"};
  for (int round = 0; round < 200; ++round) {
    for (int pid = 1; pid <= 50; ++pid) k.Enqueue({.pid = pid, .comm = names[pid % 5]});
    d.RunOnce(0);
  }
  uint64_t hits = k.stat(LSF_ST_HIT), misses = k.stat(LSF_ST_MISS);
  EXPECT_EQ(misses, 50u);
  EXPECT_EQ(hits, 50u * 199u);
  EXPECT_GT(static_cast<double>(hits) / static_cast<double>(hits + misses), 0.99);
}

TEST_F(Sim, ExecReclassifiesTheTask) {
  FakeKernel k;
  k.set_miss_wait(true);  // --miss wait: the task parks until its verdict
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 42, .comm = "sh"});
  d.RunOnce(0);
  EXPECT_EQ(k.CachedClass(42), LSF_CLASS_DEFAULT);
  k.Exec(42, "nginx");
  EXPECT_EQ(k.CachedClass(42), LSF_CLASS_NONE);
  EXPECT_EQ(k.Enqueue({.pid = 42, .comm = "nginx"}), Placement::kParked);  // a fresh miss
  d.RunOnce(0);
  EXPECT_EQ(k.CachedClass(42), LSF_CLASS_REALTIME);
  EXPECT_EQ(k.stat(LSF_ST_MISS), 2u);
}

TEST_F(Sim, ExecWhileWaitingAppliesTheVerdictOnceThenReclassifies) {
  FakeKernel k;
  k.set_miss_wait(true);  // --miss wait: the task parks until its verdict
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 7, .comm = "sh"});
  k.Exec(7, "firefox");  // verdict for "sh" is in flight
  d.RunOnce(0);
  EXPECT_EQ(k.parked(), 0u);                        // the waiting task was released
  EXPECT_EQ(k.CachedClass(7), LSF_CLASS_NONE);      // but the "sh" verdict is not cached
  EXPECT_EQ(k.Enqueue({.pid = 7, .comm = "firefox"}), Placement::kParked);
  d.RunOnce(0);
  EXPECT_EQ(k.CachedClass(7), LSF_CLASS_BATCH);
}

TEST_F(Sim, PidReuseAfterExitIsClassifiedAfresh) {
  FakeKernel k;
  k.set_miss_wait(true);  // --miss wait: the task parks until its verdict
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 9, .comm = "nginx"});
  d.RunOnce(0);
  EXPECT_EQ(k.CachedClass(9), LSF_CLASS_REALTIME);
  k.Exit(9);
  EXPECT_EQ(k.Enqueue({.pid = 9, .comm = "firefox"}), Placement::kParked);
  d.RunOnce(0);
  EXPECT_EQ(k.CachedClass(9), LSF_CLASS_BATCH);
}

TEST_F(Sim, StaleVerdictForAnExitedTaskIsCountedAndDropped) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 6, .comm = "x"});
  k.Exit(6);  // the task exits while its miss is in flight
  d.RunOnce(0);
  EXPECT_EQ(k.stat(LSF_ST_VERDICT), 1u);
  EXPECT_EQ(k.stat(LSF_ST_VERDICT_STALE), 1u);
  EXPECT_EQ(k.CachedClass(6), LSF_CLASS_NONE);
}

TEST_F(Sim, FullVerdictQueueFallsBackToDefaultAtTheDeadline) {
  FakeKernel k(4, /*verdict_capacity=*/2);
  k.set_miss_wait(true);
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  // Make FlushVerdicts a no-op by not letting the queue drain: send 5 misses in one batch.
  for (int pid = 1; pid <= 5; ++pid) k.Enqueue({.pid = pid, .comm = "nginx"});
  d.RunOnce(0);
  EXPECT_EQ(d.counters().verdicts_sent + d.counters().verdict_queue_full, 5u);
  EXPECT_EQ(d.counters().verdict_queue_full, 3u);
  EXPECT_EQ(k.parked(), 3u);  // still waiting
  k.AdvanceTime(LSF_MISS_DEADLINE_NS);
  k.ApplyVerdicts();
  EXPECT_EQ(k.parked(), 0u);
  EXPECT_EQ(k.stat(LSF_ST_FALLBACK_DEADLINE), 3u);
  // their next enqueue, past the deadline, asks again and runs as DEFAULT without waiting
  EXPECT_EQ(k.Enqueue({.pid = 3, .comm = "nginx"}), Placement::kProvisional);
  EXPECT_EQ(k.QueuedClass(3), LSF_CLASS_DEFAULT);
  EXPECT_EQ(k.stat(LSF_ST_REASK), 1u);
}

// --miss run (the default): a task never waits for the policy.
TEST_F(Sim, NewTaskRunsAtOnceAsDefaultAndItsVerdictAppliesAtTheNextEnqueue) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  EXPECT_EQ(k.Enqueue({.pid = 5, .comm = "nginx"}), Placement::kProvisional);
  EXPECT_EQ(k.QueuedClass(5), LSF_CLASS_DEFAULT);
  EXPECT_EQ(k.parked(), 0u);
  EXPECT_EQ(k.stat(LSF_ST_MISS), 1u);
  EXPECT_EQ(k.Enqueue({.pid = 5, .comm = "nginx"}), Placement::kProvisional)
      << "a second enqueue before the verdict does not ask again";
  EXPECT_EQ(k.stat(LSF_ST_MISS), 1u);
  d.RunOnce(0);
  EXPECT_EQ(k.Enqueue({.pid = 5, .comm = "nginx"}), Placement::kHit);
  EXPECT_EQ(k.QueuedClass(5), LSF_CLASS_REALTIME);
  EXPECT_EQ(k.stat(LSF_ST_FALLBACK_DEADLINE), 0u);
}

TEST_F(Sim, ForkRunsByItsParentsVerdictWhileThePolicyDecides) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, AskOpts());  // --fork ask: every fork misses
  k.Enqueue({.pid = 10, .comm = "nginx"});
  d.RunOnce(0);
  ASSERT_EQ(k.CachedClass(10), LSF_CLASS_REALTIME);
  k.Fork(10, 11);
  EXPECT_EQ(k.Enqueue({.pid = 11, .comm = "nginx"}), Placement::kProvisional);
  EXPECT_EQ(k.QueuedClass(11), LSF_CLASS_REALTIME) << "the parent's verdict, at once";
  EXPECT_EQ(k.CachedSlice(11), k.CachedSlice(10));
  EXPECT_EQ(k.stat(LSF_ST_MISS), 2u) << "the policy still sees the child";
  d.RunOnce(0);
  EXPECT_EQ(k.Enqueue({.pid = 11, .comm = "nginx"}), Placement::kHit);
  // a fork of a task without a verdict, or of an unknown parent, starts as DEFAULT
  k.Fork(999, 12);
  k.Enqueue({.pid = 12, .comm = "nginx"});
  EXPECT_EQ(k.QueuedClass(12), LSF_CLASS_DEFAULT);
}

TEST_F(Sim, ForkAfterAPolicyReloadDoesNotInheritAnOldGenerationsVerdict) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, AskOpts());  // --fork ask: every fork misses
  k.Enqueue({.pid = 20, .comm = "nginx"});
  d.RunOnce(0);
  k.SetPolicyGeneration(2);
  k.Fork(20, 21);
  k.Enqueue({.pid = 21, .comm = "nginx"});
  EXPECT_EQ(k.QueuedClass(21), LSF_CLASS_DEFAULT);
}

TEST_F(Sim, RenameKeepsThePreviousVerdictMeanwhileExecStartsFromDefault) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 30, .comm = "nginx"});
  k.Enqueue({.pid = 31, .comm = "nginx"});
  d.RunOnce(0);
  k.Rename(30, "nginx-2");
  EXPECT_EQ(k.Enqueue({.pid = 30, .comm = "nginx-2"}), Placement::kProvisional);
  EXPECT_EQ(k.QueuedClass(30), LSF_CLASS_REALTIME);
  k.Exec(31, "nginx");
  EXPECT_EQ(k.Enqueue({.pid = 31, .comm = "nginx"}), Placement::kProvisional);
  EXPECT_EQ(k.QueuedClass(31), LSF_CLASS_DEFAULT);
  d.RunOnce(0);
  EXPECT_EQ(k.Enqueue({.pid = 31, .comm = "nginx"}), Placement::kHit);
  EXPECT_EQ(k.QueuedClass(31), LSF_CLASS_REALTIME);
}

TEST_F(Sim, ANewThreadThatNamesItselfKeepsItsParentsVerdictMeanwhile) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, AskOpts());  // --fork ask: every fork misses
  k.Enqueue({.pid = 50, .comm = "nginx"});
  d.RunOnce(0);
  k.Fork(50, 51);
  k.Enqueue({.pid = 51, .comm = "nginx"});  // miss in flight
  k.Rename(51, "nginx-io");                 // pthread_setname_np right after creation
  EXPECT_EQ(k.Enqueue({.pid = 51, .comm = "nginx-io"}), Placement::kProvisional);
  EXPECT_EQ(k.QueuedClass(51), LSF_CLASS_REALTIME);
  k.Fork(999, 52);                          // a fork that starts as DEFAULT stays DEFAULT
  k.Enqueue({.pid = 52, .comm = "other"});
  k.Rename(52, "other-2");
  k.Enqueue({.pid = 52, .comm = "other-2"});
  EXPECT_EQ(k.QueuedClass(52), LSF_CLASS_DEFAULT);
}

TEST_F(Sim, AProvisionalVerdictBecomesDefaultWhenThePolicyIsReplaced) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, AskOpts());  // --fork ask: every fork misses
  k.Enqueue({.pid = 60, .comm = "nginx"});
  d.RunOnce(0);
  k.Fork(60, 61);
  k.Enqueue({.pid = 61, .comm = "nginx"});
  ASSERT_EQ(k.QueuedClass(61), LSF_CLASS_REALTIME);
  k.SetPolicyGeneration(2);  // reload while the child's miss is in flight
  EXPECT_EQ(k.Enqueue({.pid = 61, .comm = "nginx"}), Placement::kProvisional);
  EXPECT_EQ(k.QueuedClass(61), LSF_CLASS_DEFAULT);
}

TEST_F(Sim, AForkDoesNotInheritItsParentsTargetCpu) {
  FakeKernel k(4);
  auto policy = LoadSource("require('sched').attach(function(ctx) ctx:dsq(BATCH); ctx:cpu(2) end)\n");
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 70, .comm = "pinned"});
  d.RunOnce(0);
  ASSERT_EQ(k.CachedCpu(70), 2);
  k.Fork(70, 71);
  EXPECT_EQ(k.Enqueue({.pid = 71, .comm = "pinned"}), Placement::kProvisional) << "asked for, even with --fork inherit";
  EXPECT_EQ(k.QueuedClass(71), LSF_CLASS_BATCH);
  EXPECT_EQ(k.CachedCpu(71), LSF_CPU_ANY);
  EXPECT_EQ(k.stat(LSF_ST_FORK_HIT), 0u);
}

TEST_F(Sim, AForkOfATaskClassifiedByCommStartsWithItsVerdictWithoutAMiss) {
  FakeKernel k;
  auto policy = LoadWorkload();  // reads the comm only
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 80, .comm = "nginx"});
  d.RunOnce(0);
  ASSERT_EQ(k.CachedClass(80), LSF_CLASS_REALTIME);
  k.Fork(80, 81);
  EXPECT_EQ(k.Enqueue({.pid = 81, .comm = "nginx"}), Placement::kHit);
  EXPECT_EQ(k.QueuedClass(81), LSF_CLASS_REALTIME);
  EXPECT_EQ(k.CachedSlice(81), k.CachedSlice(80));
  EXPECT_EQ(k.stat(LSF_ST_MISS), 1u) << "the fork sent no miss";
  EXPECT_EQ(k.stat(LSF_ST_FORK_HIT), 1u);
  k.Fork(81, 82);  // and its own forks in turn
  EXPECT_EQ(k.Enqueue({.pid = 82, .comm = "nginx"}), Placement::kHit);
  // an exec is a new program: the policy is asked
  k.Exec(82, "firefox");
  EXPECT_EQ(k.Enqueue({.pid = 82, .comm = "firefox"}), Placement::kProvisional);
  d.RunOnce(0);
  EXPECT_EQ(k.Enqueue({.pid = 82, .comm = "firefox"}), Placement::kHit);
  EXPECT_EQ(k.QueuedClass(82), LSF_CLASS_BATCH);
  EXPECT_EQ(k.stat(LSF_ST_MISS), 2u);
}

TEST_F(Sim, AForkIsAskedForWhenTheDecisionReadWhatAForkDoesNotShare) {
  // each field a fork does not share with its parent
  const char* reads[] = {"t:pid()", "t:tgid()", "t:ppid()", "t:pcomm()", "t:prev_cpu()", "t:llc()", "t:runtime()"};
  for (const char* r : reads) {
    SCOPED_TRACE(r);
    FakeKernel k;
    auto policy = LoadSource(std::string("require('sched').attach(function(ctx) local t = ctx:task(); local _ = ") + r +
                             "; ctx:dsq(BATCH) end)\n");
    Dispatcher d(k, *policy, DOpts());
    k.Enqueue({.pid = 90, .comm = "worker"});
    d.RunOnce(0);
    ASSERT_EQ(k.CachedClass(90), LSF_CLASS_BATCH);
    k.Fork(90, 91);
    EXPECT_EQ(k.Enqueue({.pid = 91, .comm = "worker"}), Placement::kProvisional);
    EXPECT_EQ(k.QueuedClass(91), LSF_CLASS_BATCH) << "by the parent's verdict meanwhile";
    EXPECT_EQ(k.stat(LSF_ST_MISS), 2u);
    EXPECT_EQ(k.stat(LSF_ST_FORK_HIT), 0u);
  }
  // what a fork shares: uid, gid, nice, prio, cgroup, the allowed CPUs
  FakeKernel k;
  auto policy = LoadSource(
      "require('sched').attach(function(ctx) local t = ctx:task(); local _ = t:uid() + t:gid() + t:nice() + t:prio() "
      "+ t:nr_cpus_allowed(); local _ = t:cgroup(); local _ = t:cpu_allowed(0); ctx:dsq(BATCH) end)\n");
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 92, .comm = "worker"});
  d.RunOnce(0);
  k.Fork(92, 93);
  EXPECT_EQ(k.Enqueue({.pid = 93, .comm = "worker"}), Placement::kHit);
}

TEST_F(Sim, AForkThatIsNotWhatThePolicySawOfItsParentIsAskedFor) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 100, .comm = "nginx", .uid = 33, .gid = 33});
  d.RunOnce(0);
  ASSERT_EQ(k.CachedClass(100), LSF_CLASS_REALTIME);
  // named by the kernel at creation (vhost-PID, io_uring workers): no rename event follows
  k.Fork(100, {.pid = 101, .comm = "vhost-100", .uid = 33, .gid = 33});
  EXPECT_EQ(k.Enqueue({.pid = 101, .comm = "vhost-100", .uid = 33, .gid = 33}), Placement::kProvisional);
  // another uid, or another nice (setuid, setpriority since the parent's miss; SCHED_RESET_ON_FORK)
  k.Fork(100, {.pid = 102, .comm = "nginx", .uid = 0, .gid = 33});
  EXPECT_EQ(k.Enqueue({.pid = 102, .comm = "nginx", .uid = 0, .gid = 33}), Placement::kProvisional);
  k.Fork(100, {.pid = 103, .comm = "nginx", .uid = 33, .gid = 33, .nice = 5});
  EXPECT_EQ(k.Enqueue({.pid = 103, .comm = "nginx", .uid = 33, .gid = 33, .nice = 5}), Placement::kProvisional);
  EXPECT_EQ(k.stat(LSF_ST_FORK_HIT), 0u);
  EXPECT_EQ(k.stat(LSF_ST_MISS), 4u);
  // the same task again: its own verdict
  k.Fork(100, {.pid = 104, .comm = "nginx", .uid = 33, .gid = 33});
  EXPECT_EQ(k.Enqueue({.pid = 104, .comm = "nginx", .uid = 33, .gid = 33}), Placement::kHit);
}

TEST_F(Sim, ForkAskSendsEveryForksMiss) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, AskOpts());
  k.Enqueue({.pid = 96, .comm = "nginx"});
  d.RunOnce(0);
  k.Fork(96, 97);
  EXPECT_EQ(k.Enqueue({.pid = 97, .comm = "nginx"}), Placement::kProvisional);
  EXPECT_EQ(k.stat(LSF_ST_MISS), 2u);
}

TEST_F(Sim, LostVerdictIsAskedForAgainWithoutADeadlineFallback) {
  FakeKernel k(4, /*verdict_capacity=*/0);  // every verdict is lost
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  EXPECT_EQ(k.Enqueue({.pid = 40, .comm = "firefox"}), Placement::kProvisional);
  d.RunOnce(0);
  k.AdvanceTime(LSF_MISS_DEADLINE_NS);
  EXPECT_EQ(k.Enqueue({.pid = 40, .comm = "firefox"}), Placement::kProvisional);
  EXPECT_EQ(k.stat(LSF_ST_REASK), 1u);
  EXPECT_EQ(k.stat(LSF_ST_MISS), 2u);
  EXPECT_EQ(k.stat(LSF_ST_FALLBACK_DEADLINE), 0u) << "nothing waited, so nothing fell back";
}

TEST_F(Sim, PolicyErrorsYieldDefaultAndAreCounted) {
  FakeKernel k;
  auto policy = LoadSource(
      "local sched = require('sched')\n"
      "sched.attach(function(ctx) if ctx:task():comm() == 'boom' then error('bad') end ctx:dsq(REALTIME) end)\n");
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 1, .comm = "boom"});
  k.Enqueue({.pid = 2, .comm = "fine"});
  d.RunOnce(0);
  EXPECT_EQ(k.CachedClass(1), LSF_CLASS_DEFAULT);
  EXPECT_EQ(k.CachedClass(2), LSF_CLASS_REALTIME);
  EXPECT_EQ(policy->counters().errors, 1u);
}

// Decisions per resulting class are in the stats (the error's fallback counts as DEFAULT).
TEST_F(Sim, DecisionsPerClassAreInTheStats) {
  FakeKernel k;
  auto policy = LoadSource(
      "require('sched').attach(function(ctx)\n"
      "  local c = ctx:task():comm()\n"
      "  if c == 'boom' then error('bad') end\n"
      "  ctx:dsq(c == 'rt' and REALTIME or BATCH)\n"
      "end)\n");
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 1, .comm = "rt"});
  k.Enqueue({.pid = 2, .comm = "b"});
  k.Enqueue({.pid = 3, .comm = "b"});
  k.Enqueue({.pid = 4, .comm = "boom"});
  d.RunOnce(0);
  StatsSnapshot s = d.Snapshot();
  EXPECT_EQ(s[Stat::POLICY_REALTIME], 1);
  EXPECT_EQ(s[Stat::POLICY_BATCH], 2);
  EXPECT_EQ(s[Stat::POLICY_DEFAULT], 1);
  EXPECT_NE(FormatStatsJson(s).find("\"policy_batch\": 2"), std::string::npos) << FormatStatsJson(s);
}

// Passes that busy-poll right after a miss are counted apart from the ones that wait.
TEST_F(Sim, SpinPassesAreInTheStats) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher::Options o = DOpts();
  o.spin_ns = 1'000'000'000;  // every pass after the miss spins, until the housekeeping 50 ms later
  o.poll_timeout_ms = 0;
  Dispatcher d(k, *policy, o);
  k.Enqueue({.pid = 1, .comm = "a"});
  std::atomic<bool> stop{false};
  int passes = 0;
  d.Run(stop, [&] { stop = ++passes == 2; });  // the first pass follows no miss: it waits; the rest spin
  StatsSnapshot s = d.Snapshot();
  EXPECT_EQ(s[Stat::SLEEPS], 1);
  EXPECT_GE(s[Stat::SPIN_PASSES], 1);
  EXPECT_EQ(s[Stat::SPIN_PASSES], static_cast<double>(d.counters().spin_passes));
  EXPECT_NE(FormatStatsJson(s).find("\"spin_passes\": "), std::string::npos);
}

TEST_F(Sim, TargetCpuVerdictGoesToThePerCpuQueue) {
  FakeKernel k(4);
  auto policy = LoadSource("require('sched').attach(function(ctx) ctx:dsq(BATCH); ctx:cpu(2) end)\n");
  Dispatcher d(k, *policy, DOpts());
  k.Enqueue({.pid = 11, .comm = "pinned"});
  d.RunOnce(0);
  EXPECT_EQ(k.CachedCpu(11), 2);
  EXPECT_EQ(k.Enqueue({.pid = 11, .comm = "pinned"}), Placement::kHit);
  EXPECT_EQ(k.stat(LSF_ST_INS_CPU), 1u);
}

TEST_F(Sim, LlcRequestBecomesAnIdleCpuOfThatLlc) {
  Topology topo = TopologyFromShape(2, 2, 1);  // CPUs 0,1 -> LLC 0; 2,3 -> LLC 1
  FakeKernel k(4);
  PolicyEngine::Options o;
  o.nr_cpus = 4;
  o.cpu_llc = {0, 0, 1, 1};
  o.log = [](const std::string&) {};
  auto policy = PolicyEngine::LoadString("require('sched').attach(function(ctx) ctx:dsq(BATCH) ctx:llc(1) end)", "p", o);
  ASSERT_TRUE(policy.ok()) << policy.error();
  Dispatcher::Options dopts = DOpts();
  dopts.topology = &topo;
  Dispatcher d(k, **policy, dopts);
  k.SetIdle(0, true);
  k.SetIdle(3, true);  // the only idle CPU of LLC 1
  k.Enqueue({.pid = 1, .comm = "a", .cpu = 0});
  d.RunOnce(0);
  EXPECT_EQ(k.CachedCpu(1), 3);
  k.SetIdle(3, false);  // nothing idle in LLC 1: the first CPU of LLC 1
  k.Enqueue({.pid = 2, .comm = "b", .cpu = 0});
  d.RunOnce(0);
  EXPECT_EQ(k.CachedCpu(2), 2);
  EXPECT_EQ(d.counters().placements, 2u);
  // without a topology the request is ignored
  Dispatcher::Options plain = DOpts();
  Dispatcher d2(k, **policy, plain);
  k.Enqueue({.pid = 3, .comm = "c"});
  d2.RunOnce(0);
  EXPECT_EQ(k.CachedCpu(3), LSF_CPU_ANY);
}

// A burst of misses asking for the same LLC used to land on its lowest idle CPU, all of them,
// cached for the tasks' lifetime: placement now reserves what it hands out.
TEST_F(Sim, LlcBurstSpreadsOverTheLlcCpus) {
  Topology topo = TopologyFromShape(1, 4, 1);  // CPUs 0-3, one LLC
  FakeKernel k(4);
  PolicyEngine::Options o;
  o.nr_cpus = 4;
  o.cpu_llc = {0, 0, 0, 0};
  o.log = [](const std::string&) {};
  auto policy = PolicyEngine::LoadString("require('sched').attach(function(ctx) ctx:dsq(BATCH) ctx:llc(0) end)", "p", o);
  ASSERT_TRUE(policy.ok()) << policy.error();
  Dispatcher::Options dopts = DOpts();
  dopts.topology = &topo;
  Dispatcher d(k, **policy, dopts);
  for (int c = 0; c < 4; ++c) k.SetIdle(c, true);
  for (int pid = 1; pid <= 8; ++pid) k.Enqueue({.pid = pid, .comm = "w", .cpu = 0});
  d.RunOnce(0);
  int per_cpu[4] = {};
  for (int pid = 1; pid <= 8; ++pid) {
    int cpu = k.CachedCpu(pid);
    ASSERT_GE(cpu, 0);
    ASSERT_LT(cpu, 4);
    ++per_cpu[cpu];
  }
  for (int c = 0; c < 4; ++c) EXPECT_EQ(per_cpu[c], 2) << "cpu " << c;
}

TEST_F(Sim, MissToVerdictLatencyIsRecorded) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  for (int pid = 1; pid <= 10; ++pid) k.Enqueue({.pid = pid, .comm = "a"});
  d.RunOnce(0);
  EXPECT_EQ(d.miss_latency().count(), 10u);
  EXPECT_NE(d.StatsLine().find("misses=10"), std::string::npos);
}

TEST_F(Sim, WorkerPoolDecidesLikeTheInlinePath) {
  FakeKernel k;
  auto inline_policy = LoadWorkload();
  auto pool = WorkerPool::Start(
      2,
      [] {
        PolicyEngine::Options o;
        o.nr_cpus = 4;
        o.log = [](const std::string&) {};
        return PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", o);
      },
      {});
  ASSERT_TRUE(pool.ok()) << pool.error();
  Dispatcher d(k, *inline_policy, DOpts());
  d.SetWorkerPool(pool->get());
  const char* names[] = {"nginx-worker", "firefox", "other"};
  const uint32_t want[] = {LSF_CLASS_REALTIME, LSF_CLASS_BATCH, LSF_CLASS_DEFAULT};
  k.set_miss_rate(0);  // 300 misses of one uid at one instant: more than its budget's burst
  for (int pid = 1; pid <= 300; ++pid) k.Enqueue({.pid = pid, .comm = names[pid % 3], .cpu = pid % 4});
  d.RunOnce(0);
  while ((*pool)->in_flight() > 0) d.RunOnce(0);
  for (int pid = 1; pid <= 300; ++pid) ASSERT_EQ(k.CachedClass(pid), want[pid % 3]) << pid;
  EXPECT_EQ(d.counters().verdicts_sent, 300u);
  EXPECT_EQ((*pool)->Counters().decisions, 300u);
  EXPECT_EQ(inline_policy->counters().decisions, 0u);  // all went to the workers
  d.SetWorkerPool(nullptr);
}

// Item: one user's miss flood (threads that rename themselves and run again, 600 of them on CPUs 0
// and 1, each renaming every millisecond) must not keep another user's new task unclassified, and
// once the flood stops every flooding task gets the policy's verdict for its last name.
TEST_F(Sim, MissFloodOfOneUserLeavesOtherUsersClassified) {
  FakeKernel k;
  auto policy = LoadWorkload();
  Dispatcher d(k, *policy, DOpts());
  constexpr int kFlooders = 600, kVictim = 9999;
  constexpr uint64_t kMs = 1'000'000;
  auto flooder = [](int i, const char* comm) {
    return FakeKernel::Task{.pid = 1000 + i, .comm = comm, .uid = 1000, .gid = 1000, .cpu = i % 2};
  };
  const FakeKernel::Task victim{.pid = kVictim, .comm = "nginx-worker", .uid = 2000, .gid = 2000, .cpu = 0};
  int64_t ttv_ms = -1;
  for (int ms = 0; ms < 200; ++ms) {
    for (int i = 0; i < kFlooders; ++i) {
      const char* comm = ms % 2 ? "flood-a" : "flood-b";
      k.Rename(1000 + i, comm);
      k.Enqueue(flooder(i, comm));
    }
    if (ms >= 50) k.Enqueue(victim);  // starts at 50 ms and keeps running
    d.RunOnce(0);
    if (ttv_ms < 0 && k.CachedClass(kVictim) == LSF_CLASS_REALTIME) ttv_ms = ms - 50;
    k.AdvanceTime(kMs);
  }
  EXPECT_GE(ttv_ms, 0) << "the other user's task got no verdict in 150 ms of flood ("
                       << k.stat(LSF_ST_MISS_RB_FULL) << " misses found a full ring)";
  EXPECT_LE(ttv_ms, 1) << "ms from the victim's first enqueue to its verdict";
  // the flood is over: each flooder ends as nginx-worker and runs every 10 ms for 2 s
  for (int i = 0; i < kFlooders; ++i) k.Rename(1000 + i, "nginx-worker");
  for (int ms = 0; ms < 2000; ms += 10) {
    for (int i = 0; i < kFlooders; ++i) k.Enqueue(flooder(i, "nginx-worker"));
    d.RunOnce(0);
    k.AdvanceTime(10 * kMs);
  }
  int classified = 0;
  for (int i = 0; i < kFlooders; ++i) classified += k.CachedClass(1000 + i) == LSF_CLASS_REALTIME;
  EXPECT_EQ(classified, kFlooders) << "every flooding task gets its verdict once the flood is over";
}

// Item: a verdict is for the identity the policy saw (uid, gid, cgroup). A policy that decides by uid
// and by cgroup, the cgroup paths kept by the test.
struct IdentPolicy {
  std::map<int32_t, std::string> cgroups;  // pid -> cgroup path
  std::unique_ptr<PolicyEngine> engine;
  IdentPolicy() {
    PolicyEngine::Options o;
    o.nr_cpus = 4;
    o.log = [](const std::string&) {};
    o.cgroup_path = [this](int32_t pid) { return cgroups.count(pid) ? cgroups[pid] : std::string(); };
    auto r = PolicyEngine::LoadString(
        "require('sched').attach(function(ctx) local t = ctx:task()\n"
        "  if t:uid() == 0 or t:cgroup():find('/rt', 1, true) then ctx:dsq(REALTIME) else ctx:dsq(DEFAULT) end end)",
        "ident", o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    engine = std::move(r).value();
  }
};

TEST_F(Sim, UidChangeWithoutExecAsksAgainAndItsForksDoNotRunByTheOldVerdict) {
  FakeKernel k;
  IdentPolicy p;
  Dispatcher d(k, *p.engine, DOpts());
  const FakeKernel::Task root{.pid = 40, .comm = "daemon", .uid = 0, .gid = 0};
  FakeKernel::Task user = root;
  user.uid = user.gid = 1000;
  k.Enqueue(root);
  d.RunOnce(0);
  ASSERT_EQ(k.CachedClass(40), LSF_CLASS_REALTIME);
  // setresuid(1000) without exec, then a fork before the task was queued again
  FakeKernel::Task child = user;
  child.pid = 41;
  k.Fork(40, child);
  EXPECT_NE(k.Enqueue(child), Placement::kHit);
  EXPECT_EQ(k.QueuedClass(41), LSF_CLASS_DEFAULT) << "the fork of uid 1000 ran by its parent's root verdict";
  EXPECT_NE(k.Enqueue(user), Placement::kHit) << "the task kept its root verdict after setuid";
  EXPECT_EQ(k.QueuedClass(40), LSF_CLASS_DEFAULT) << "meanwhile it runs as DEFAULT, not by its root verdict";
  EXPECT_EQ(k.stat(LSF_ST_CRED), 2u);
  d.RunOnce(0);
  EXPECT_EQ(k.CachedClass(40), LSF_CLASS_DEFAULT);
  EXPECT_EQ(k.CachedClass(41), LSF_CLASS_DEFAULT);
  EXPECT_EQ(k.Enqueue(user), Placement::kHit);
}

TEST_F(Sim, CgroupMoveAsksAgainAndAForkStartedInAnotherCgroupIsAskedFor) {
  FakeKernel k;
  IdentPolicy p;
  Dispatcher d(k, *p.engine, DOpts());
  FakeKernel::Task t{.pid = 50, .comm = "svc", .uid = 1000, .gid = 1000, .cgroup = 7};
  p.cgroups[50] = "/rt";
  k.Enqueue(t);
  d.RunOnce(0);
  ASSERT_EQ(k.CachedClass(50), LSF_CLASS_REALTIME);
  // a fork started straight into another cgroup (clone3 CLONE_INTO_CGROUP), same comm and uid
  FakeKernel::Task child = t;
  child.pid = 51;
  child.cgroup = 8;
  p.cgroups[51] = "/other";
  k.Fork(50, child);
  EXPECT_NE(k.Enqueue(child), Placement::kHit) << "the fork inherited its parent's verdict for another cgroup";
  EXPECT_EQ(k.QueuedClass(51), LSF_CLASS_DEFAULT);
  // the task itself is moved to another cgroup
  t.cgroup = 8;
  p.cgroups[50] = "/other";
  EXPECT_NE(k.Enqueue(t), Placement::kHit) << "the task kept its verdict after a cgroup move";
  EXPECT_EQ(k.stat(LSF_ST_CGROUP), 2u);
  d.RunOnce(0);
  EXPECT_EQ(k.CachedClass(50), LSF_CLASS_DEFAULT);
  EXPECT_EQ(k.CachedClass(51), LSF_CLASS_DEFAULT);
}

}  // namespace
}  // namespace lsf::sim
