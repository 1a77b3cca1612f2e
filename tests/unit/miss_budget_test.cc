// Unit tests of the per-user miss budget (bpf/miss_budget.h), the rule BPF and the fake kernel share.
#include "bpf/miss_budget.h"

#include <gtest/gtest.h>

namespace {

constexpr __u64 kSec = 1'000'000'000ull;

// Misses allowed out of `tries` made `step_ns` apart from `start`, on one bucket.
int Allowed(__u64* tat, __u64 start, __u64 step_ns, int tries, __u64 interval) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += lsf_budget_take(*tat, start + static_cast<__u64>(i) * step_ns, interval, LSF_MISS_BURST, tat);
  return n;
}

TEST(MissBudget, AFreshUserHasAFullBurstThenTheRate) {
  __u64 interval = lsf_budget_interval(1000), tat = 0;
  EXPECT_EQ(interval, 1'000'000u);
  EXPECT_EQ(Allowed(&tat, 5 * kSec, 0, 1000, interval), static_cast<int>(LSF_MISS_BURST)) << "at one instant";
  // then one a millisecond: a flood asking every 10 us for 1 s gets about the rate
  int n = Allowed(&tat, 5 * kSec + 1, 10'000, 100'000, interval);
  EXPECT_GE(n, 990);
  EXPECT_LE(n, 1001);
}

TEST(MissBudget, RefillsWhileTheUserIsQuiet) {
  __u64 interval = lsf_budget_interval(1000), tat = 0;
  Allowed(&tat, kSec, 0, 1000, interval);  // empty
  __u64 next = 0;
  EXPECT_FALSE(lsf_budget_take(tat, kSec, interval, LSF_MISS_BURST, &next));
  // 64 ms later the whole burst is back, not more
  EXPECT_EQ(Allowed(&tat, kSec + 64 * interval, 0, 1000, interval), static_cast<int>(LSF_MISS_BURST));
}

TEST(MissBudget, RefusingLeavesTheBucketAlone) {
  __u64 interval = lsf_budget_interval(100), tat = 0, next = 12345;
  Allowed(&tat, kSec, 0, 1000, interval);
  __u64 before = tat;
  EXPECT_FALSE(lsf_budget_take(tat, kSec, interval, LSF_MISS_BURST, &next));
  EXPECT_EQ(next, 12345u) << "*next untouched on refusal";
  EXPECT_EQ(tat, before);
}

TEST(MissBudget, RateZeroIsNoLimit) {
  __u64 tat = 0;
  EXPECT_EQ(lsf_budget_interval(0), 0u);
  EXPECT_EQ(Allowed(&tat, kSec, 0, 100'000, 0), 100'000);
}

}  // namespace
