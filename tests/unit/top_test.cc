// Unit tests for the screen of `luasched-fast top` (the terminal itself: tests/unit/top_test.sh).
#include <gtest/gtest.h>

#include "stats/top.h"

namespace lsf {
namespace {

StatsSnapshot At(double uptime, double scale, size_t cpus) {
  StatsSnapshot s;
  for (size_t i = 0; i < kNrStats; ++i) s.Set(static_cast<Stat>(i), 0);
  s.Set(Stat::UPTIME, uptime);
  s.Set(Stat::INS_REALTIME, 250 * scale);
  s.Set(Stat::DISP_BATCH, 40 * scale);
  s.Set(Stat::HIT, 990 * scale);
  s.Set(Stat::MISS, 10 * scale);
  s.Set(Stat::HIT_RATE, 99);
  s.Set(Stat::FALLBACK_DEADLINE, 3 * scale);
  s.Set(Stat::ROUND_TRIP_P99, 64);
  s.Set(Stat::DISPATCHER_CPU, 1.5);
  s.per_cpu.resize(cpus);
  for (size_t c = 0; c < cpus; ++c) s.per_cpu[c].v[LSF_ST_DISP_DEFAULT] = static_cast<uint64_t>(c * 100 * scale);
  return s;
}

TEST(Top, RatesComeFromTwoSnapshots) {
  StatsSnapshot a = At(10, 1, 2), b = At(12, 3, 2);  // 2 s apart, counters tripled
  std::string first = FormatTop(a, nullptr, "/run/x.json", "", 120, 60);
  EXPECT_NE(first.find("REALTIME             -"), std::string::npos) << first;
  std::string s = FormatTop(b, &a, "/run/x.json", "", 120, 60);
  EXPECT_NE(s.find("REALTIME           250             0          750"), std::string::npos) << s;
  EXPECT_NE(s.find("BATCH                0            40            0          120"), std::string::npos) << s;
  EXPECT_NE(s.find("hits/s 990   misses/s 10"), std::string::npos) << s;
  EXPECT_NE(s.find("hit rate 99.0% (last interval 99.0%)"), std::string::npos) << s;
  EXPECT_NE(s.find("fallbacks/s  3 = "), std::string::npos) << s;
  EXPECT_NE(s.find("deadline 3"), std::string::npos) << s;
  EXPECT_NE(s.find("p99 <= 64 us"), std::string::npos) << s;
  EXPECT_NE(s.find("dispatcher CPU 1.5%"), std::string::npos) << s;
  EXPECT_NE(s.find("  1            0           100"), std::string::npos) << s;  // CPU 1: 100 dispatches/s
}

TEST(Top, FitsTheTerminal) {
  StatsSnapshot a = At(10, 1, 64), b = At(11, 2, 64);
  std::string s = FormatTop(b, &a, "/run/x.json", "the stats file has not changed", 50, 24);
  size_t lines = 0;
  for (size_t pos = 0; (pos = s.find('\n', pos)) != std::string::npos; ++pos) ++lines;
  EXPECT_EQ(lines, 24u);
  for (size_t pos = 0, nl; (nl = s.find('\n', pos)) != std::string::npos; pos = nl + 1) EXPECT_LE(nl - pos, 50u);
  EXPECT_NE(s.find("more lines: enlarge the terminal"), std::string::npos) << s;
  EXPECT_NE(s.find("the stats file has not changed"), std::string::npos) << s;
}

TEST(Top, SaysWhenThereAreNoPerCpuCounters) {
  StatsSnapshot a = At(10, 1, 0);
  EXPECT_NE(FormatTop(a, nullptr, "f", "", 100, 40).find("per-CPU counters: not in the stats file"), std::string::npos);
}

}  // namespace
}  // namespace lsf
