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
  EXPECT_EQ(lsf_fair_key(&sleeper, vnow), vnow - kFairCreditNs);
  EXPECT_EQ(lsf_fair_key(&hog, vnow), vnow + kFairDebtNs);
  EXPECT_EQ(lsf_fair_key(&peer, vnow), vnow + 3 * kMs);
  EXPECT_EQ(hog.vtime, vnow + kFairDebtNs) << "the clamp is kept: debt is forgiven";
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
  EXPECT_EQ(lsf_fair_contended(20 * kMs, 100), kFairMinSliceNs);
  EXPECT_EQ(lsf_fair_contended(kFairMinSliceNs / 2, 5), kFairMinSliceNs / 2) << "never lengthened";
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

}  // namespace
