// Unit tests of bench/workloads/arrivals.h: fixed and Poisson schedules, seeds, spread over tick phases.
#include "bench/workloads/arrivals.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>

namespace lsf_bench {
namespace {

constexpr uint64_t kTickNs = 4'000'000;  // HZ=250, the guest kernel's tick

// Share of the due times in each eighth of a tick period.
std::array<double, 8> PhaseShares(const std::vector<uint64_t>& due) {
  std::array<double, 8> share{};
  for (uint64_t d : due) share[(d % kTickNs) * 8 / kTickNs] += 1.0 / static_cast<double>(due.size());
  return share;
}

TEST(Arrivals, ParsesNames) {
  EXPECT_EQ(ParseArrivals("fixed"), Arrivals::kFixed);
  EXPECT_EQ(ParseArrivals("poisson"), Arrivals::kPoisson);
  EXPECT_FALSE(ParseArrivals("Poisson").has_value());
  EXPECT_FALSE(ParseArrivals("").has_value());
  EXPECT_FALSE(ParseArrivals(nullptr).has_value());
}

TEST(Arrivals, FixedIsEvenlySpaced) {
  auto due = ArrivalSchedule(Arrivals::kFixed, 50, 1000, 7);
  ASSERT_EQ(due.size(), 1000u);
  for (size_t k = 0; k < due.size(); ++k) EXPECT_EQ(due[k], k * 20'000'000ull);
}

// The defect the Poisson schedule fixes: 50/s is 5 ticks, so every request sees one phase of the tick.
TEST(Arrivals, FixedRateCommensurateWithTickSeesOnePhase) {
  auto share = PhaseShares(ArrivalSchedule(Arrivals::kFixed, 50, 1000, 1));
  EXPECT_DOUBLE_EQ(share[0], 1.0);
}

TEST(Arrivals, PoissonSeesEveryPhaseOfTheTick) {
  for (uint64_t seed : {1, 2, 3}) {
    auto share = PhaseShares(ArrivalSchedule(Arrivals::kPoisson, 50, 1000, seed));
    for (double s : share) {  // 125 expected per bin; sd about 10.5
      EXPECT_GT(s, 0.125 * 0.6) << "seed " << seed;
      EXPECT_LT(s, 0.125 * 1.4) << "seed " << seed;
    }
  }
}

TEST(Arrivals, PoissonHasTheRateAndExponentialGaps) {
  const long n = 100'000;
  auto due = ArrivalSchedule(Arrivals::kPoisson, 50, n, 11);
  ASSERT_EQ(due.size(), static_cast<size_t>(n));
  double sum = 0, sum2 = 0;
  uint64_t prev = 0;
  long above_mean = 0;
  for (uint64_t d : due) {
    ASSERT_GE(d, prev);  // non-decreasing
    double g = static_cast<double>(d - prev) / 1e6;  // ms
    sum += g, sum2 += g * g;
    above_mean += g > 20.0;
    prev = d;
  }
  double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 20.0, 0.2);        // 1/rate; the sample mean's sd is 0.063 ms
  EXPECT_NEAR(sd / mean, 1.0, 0.02);   // CV 1 (exponential)
  EXPECT_NEAR(static_cast<double>(above_mean) / n, std::exp(-1.0), 0.005);  // P(gap > mean) = 1/e
}

TEST(Arrivals, SameSeedSameScheduleOtherSeedOther) {
  auto a = ArrivalSchedule(Arrivals::kPoisson, 100, 500, 42);
  auto b = ArrivalSchedule(Arrivals::kPoisson, 100, 500, 42);
  auto c = ArrivalSchedule(Arrivals::kPoisson, 100, 500, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Pinned values: the schedule of a seed must not change with the platform or the library.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.Next(), 0xe220a8397b1dcdafull);
}

TEST(Arrivals, EmptyForNoRequests) {
  EXPECT_TRUE(ArrivalSchedule(Arrivals::kPoisson, 50, 0, 1).empty());
}

}  // namespace
}  // namespace lsf_bench
