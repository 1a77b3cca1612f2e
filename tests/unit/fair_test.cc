// Unit tests of the accounting rules of BATCH/DEFAULT tasks (bpf/fair.h), compiled natively: the rules the BPF scheduler runs.
#include "bpf/fair.h"

#include <gtest/gtest.h>

namespace {

constexpr __u64 kMs = LSF_NSEC_PER_MSEC;

TEST(Fair, KeyClampsCreditAndDebtAroundTheClassClock) {
  __u64 vnow = 1000 * kMs;
  lsf_fair sleeper{}, hog{}, peer{};
  sleeper.vtime = 10 * kMs;  // slept long: far behind
  hog.vtime = 5000 * kMs;    // nice 19: far ahead
  peer.vtime = vnow + 3 * kMs;
  EXPECT_EQ(lsf_fair_key(&sleeper, vnow), vnow - LSF_FAIR_CREDIT_NS);
  EXPECT_EQ(lsf_fair_key(&hog, vnow), vnow + LSF_FAIR_DEBT_NS);
  EXPECT_EQ(lsf_fair_key(&peer, vnow), vnow + 3 * kMs);
  EXPECT_EQ(hog.vtime, vnow + LSF_FAIR_DEBT_NS) << "the clamp is kept: debt is forgiven";
}

TEST(Fair, ChargeScalesByWeight) {
  lsf_fair t{};
  lsf_fair_charge(&t, 3 * kMs, 100);
  EXPECT_EQ(t.vtime, 3 * kMs);
  lsf_fair_charge(&t, 1 * kMs, 1);  // nice 19 weighs ~1.5: 100x
  EXPECT_EQ(t.vtime, 103 * kMs);
  lsf_fair_charge(&t, 1 * kMs, 0);  // no weight: as nice 0
  EXPECT_EQ(t.vtime, 104 * kMs);
}

TEST(Fair, ContendedSliceSharesTheVerdictsSlice) {
  EXPECT_EQ(lsf_fair_contended(20 * kMs, 0), 20 * kMs);
  EXPECT_EQ(lsf_fair_contended(20 * kMs, 3), 5 * kMs);
  EXPECT_EQ(lsf_fair_contended(20 * kMs, 100), LSF_FAIR_MIN_SLICE_NS);
  EXPECT_EQ(lsf_fair_contended(LSF_FAIR_MIN_SLICE_NS / 2, 5), LSF_FAIR_MIN_SLICE_NS / 2) << "never lengthened";
}

TEST(Fair, TaskRunInKeyOrderMovesTheClassClock) {
  __u64 vnow = 1000 * kMs;
  lsf_fair_cpu cpu{};
  lsf_fair t{};
  t.vtime = vnow + 4 * kMs;
  lsf_fair_key(&t, vnow);
  lsf_fair_queued(&t, 1);
  lsf_fair_running(&t, &cpu, &vnow, 1, 5 * kMs);
  EXPECT_EQ(vnow, 1004 * kMs);
}

// What ops.running does with a task (bpf/luasched.bpf.c): the contended cut if its slice is fresh, then
// the clock and the starvation pick.
__u64 StartRunning(lsf_fair* t, lsf_fair_cpu* cpu, __u64* vnow, __u64 slice_left, __u64 waiting) {
  __u64 slice = lsf_fair_take_fresh(t) ? lsf_fair_contended(slice_left, waiting) : slice_left;
  return lsf_fair_running(t, cpu, vnow, 1, slice);
}

TEST(Fair, TaskStraightOntoACpuDoesNotMoveTheClassClock) {
  // A nice-19 task (vtime at the debt bound) woken onto an idle CPU by select_cpu must not drag the
  // clock: that would erase the credit of every task behind it.
  __u64 vnow = 1000 * kMs;
  lsf_fair_cpu cpu{};
  lsf_fair low{}, sleeper{};
  low.vtime = vnow + 5000 * kMs;
  lsf_fair_key(&low, vnow);
  lsf_fair_queued(&low, 0);
  StartRunning(&low, &cpu, &vnow, 5 * kMs, 0);
  EXPECT_EQ(vnow, 1000 * kMs);
  sleeper.vtime = 990 * kMs;
  EXPECT_EQ(lsf_fair_key(&sleeper, vnow), 990 * kMs) << "the sleeper keeps its 10 ms credit";
}

TEST(Fair, TaskServedByTheStarvationRuleDoesNotMoveTheClassClock) {
  __u64 vnow = 1000 * kMs;
  lsf_fair_cpu cpu{};
  lsf_fair low{};
  low.vtime = vnow + 5000 * kMs;
  lsf_fair_key(&low, vnow);  // at vnow + debt, queued behind everyone
  lsf_fair_queued(&low, 1);
  lsf_fair_starve_pick(&low, &cpu);  // served out of key order
  StartRunning(&low, &cpu, &vnow, 5 * kMs, 10);
  EXPECT_EQ(vnow, 1000 * kMs);
}

TEST(Fair, ResumedTaskKeepsTheRestOfItsSlice) {
  // Cut once when it starts (20 ms, one task waiting: 10 ms), then preempted by an RT task 1 ms in,
  // three times: it resumes with what it has left each time, not with that divided again.
  __u64 vnow = 0;
  lsf_fair_cpu cpu{};
  lsf_fair t{};
  lsf_fair_queued(&t, 1);
  __u64 slice = StartRunning(&t, &cpu, &vnow, 20 * kMs, 1);
  EXPECT_EQ(slice, 10 * kMs);
  for (int i = 0; i < 3; ++i) slice = StartRunning(&t, &cpu, &vnow, slice - kMs, 1);
  EXPECT_EQ(slice, 7 * kMs);
  lsf_fair_queued(&t, 1);  // queued again with a new slice: cut again
  EXPECT_EQ(StartRunning(&t, &cpu, &vnow, 20 * kMs, 3), 5 * kMs);
}

TEST(Fair, StarvationPickStaysWithThePickedTask) {
  // The rule moves A to this CPU's local queue, but B (put there by select_cpu) runs first: B gets
  // neither the short slice nor the protection, A gets both when it runs.
  __u64 vnow = 0;
  lsf_fair_cpu cpu{};
  lsf_fair a{}, b{};
  lsf_fair_queued(&a, 1);
  lsf_fair_queued(&b, 0);
  lsf_fair_starve_pick(&a, &cpu);
  EXPECT_EQ(StartRunning(&b, &cpu, &vnow, 20 * kMs, 0), 20 * kMs);
  EXPECT_EQ(cpu.starved_run, 0u);
  EXPECT_EQ(StartRunning(&a, &cpu, &vnow, 20 * kMs, 0), LSF_FAIR_STARVE_SLICE_NS);
  EXPECT_EQ(cpu.starved_run, 1u);
  lsf_fair_queued(&a, 1);
  StartRunning(&a, &cpu, &vnow, 20 * kMs, 0);
  EXPECT_EQ(cpu.starved_run, 0u) << "once";
}

}  // namespace
