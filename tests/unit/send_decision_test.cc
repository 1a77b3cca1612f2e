// Unit tests for the pieces of Dispatcher::SendDecision: EncodeVerdict, LlcPlacement, VerdictDropFault.
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>

#include "dispatcher/encode_verdict.h"
#include "dispatcher/llc_placement.h"
#include "dispatcher/verdict_drop_fault.h"

namespace lsf {
namespace {

CpuSet Cpus(std::initializer_list<int> ids) {
  CpuSet s;
  for (int c : ids) s.set(static_cast<size_t>(c));
  return s;
}

lsf_miss Miss(const char* comm) {
  lsf_miss m{};
  m.seq = 77;
  m.enq_ns = 123'456;
  m.pid = 42;
  std::strncpy(m.comm, comm, LSF_COMM_LEN - 1);
  return m;
}

TEST(EncodeVerdict, EchoesTheMissAndCarriesTheDecision) {
  Decision d;
  d.dsq = LSF_CLASS_BATCH;
  d.slice_ns = 3'000'000;
  d.cpu = 5;
  lsf_verdict v = EncodeVerdict(Miss("a"), d, 9, true);
  EXPECT_EQ(v.seq, 77u);
  EXPECT_EQ(v.miss_enq_ns, 123'456u);
  EXPECT_EQ(v.pid, 42);
  EXPECT_EQ(v.dsq, static_cast<uint32_t>(LSF_CLASS_BATCH));
  EXPECT_EQ(v.slice_ns, 3'000'000u);
  EXPECT_EQ(v.cpu, 5);
  EXPECT_EQ(v.policy_gen, 9u);
  EXPECT_EQ(v.flags, 0u);
  EXPECT_EQ(v._pad, 0u);
}

TEST(EncodeVerdict, ForksShareAVerdictOnlyIfTheDecisionIsForkSharedUnderForkInherit) {
  Decision d;
  d.fork_shared = true;
  EXPECT_EQ(EncodeVerdict(Miss("a"), d, 1, true).flags, static_cast<uint32_t>(LSF_VERDICT_FORKS));
  EXPECT_EQ(EncodeVerdict(Miss("a"), d, 1, false).flags, 0u);  // --fork ask
  d.fork_shared = false;
  EXPECT_EQ(EncodeVerdict(Miss("a"), d, 1, true).flags, 0u);
}

TEST(LlcPlacement, ABurstSpreadsOverTheLlcThenStartsOver) {
  Topology t = TopologyFromShape(2, 2, 1);  // CPUs 0,1 -> LLC 0; 2,3 -> LLC 1
  LlcPlacement p(t);
  CpuSet all = Cpus({0, 1, 2, 3});
  EXPECT_EQ(p.Place(all, all, 0, 1), 2);
  EXPECT_EQ(p.Place(all, all, 0, 1), 3);  // 2 was handed out: taken, though the kernel sees it idle
  EXPECT_EQ(p.Place(all, all, 0, 1), 2);  // both handed out: start over
}

TEST(LlcPlacement, PrefersAnIdleAllowedCpuOfTheLlc) {
  Topology t = TopologyFromShape(2, 2, 1);
  LlcPlacement p(t);
  CpuSet all = Cpus({0, 1, 2, 3});
  EXPECT_EQ(p.Place(all, Cpus({0, 3}), 0, 1), 3);
  EXPECT_EQ(p.Place(all, Cpus({0}), 0, 1), 2);         // nothing idle left in LLC 1: its first CPU
  EXPECT_EQ(p.Place(Cpus({1}), Cpus({1}), 0, 1), 1);   // not allowed in LLC 1 at all: where it may run
  EXPECT_EQ(p.Place(CpuSet(), Cpus({0}), 0, 1), -1);  // allowed nowhere in the topology
}

TEST(VerdictDropFault, DropsTheFirstNVerdictsOfItsCommOnly) {
  VerdictDropFault none(0, "");
  EXPECT_FALSE(none.Drop(Miss("victim")));
  VerdictDropFault two(2, "victim");
  EXPECT_FALSE(two.Drop(Miss("other")));
  EXPECT_FALSE(two.Drop(Miss("victimized")));
  EXPECT_TRUE(two.Drop(Miss("victim")));
  EXPECT_TRUE(two.Drop(Miss("victim")));
  EXPECT_FALSE(two.Drop(Miss("victim")));
  VerdictDropFault any(1, "");
  EXPECT_TRUE(any.Drop(Miss("other")));
  EXPECT_FALSE(any.Drop(Miss("other")));
}

}  // namespace
}  // namespace lsf
