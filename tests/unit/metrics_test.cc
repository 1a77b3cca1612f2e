// Unit tests for the metrics file: written atomically, parsed back by the Prometheus client's parser.
#include <gtest/gtest.h>
#include <dirent.h>

#include <cstdlib>
#include <string>

#include "stats/metrics.h"
#include "stats/stats.h"

namespace lsf {
namespace {

StatsSnapshot Busy() {
  StatsSnapshot s;
  for (size_t i = 0; i < kNrStats; ++i) s.Set(static_cast<Stat>(i), static_cast<double>(100 * i + 7));
  s.Set(Stat::UPTIME, 3600.25);
  s.Set(Stat::HIT_RATE, 98.765);
  s.Set(Stat::ROUND_TRIP_P50, 16);
  s.Set(Stat::DISPATCHER_CPU, 0.4);
  s.per_cpu.resize(3);
  for (size_t c = 0; c < 3; ++c)
    for (size_t i = 0; i < kNrKernelStats; ++i) s.per_cpu[c].v[i] = c * 1000 + i;
  return s;
}

int CheckWithPrometheusParser(const std::string& metrics, const std::string& json) {
  // Debian's python3, where python3-prometheus-client is installed (not whatever python3 is first in PATH).
  std::string cmd = "/usr/bin/python3 " LSF_SOURCE_DIR "/tests/unit/check_metrics.py '" + metrics + "' '" + json + "'";
  return std::system(cmd.c_str());
}

TEST(Metrics, FileParsesBackToTheStatsWithThePrometheusParser) {
  std::string dir = ::testing::TempDir();
  std::string metrics = dir + "/lsf_metrics_test.prom", json = dir + "/lsf_metrics_test.json";
  StatsSnapshot s = Busy();
  ASSERT_TRUE(WriteFileAtomic(metrics, FormatMetrics(s)).ok());
  ASSERT_TRUE(WriteFileAtomic(json, FormatStatsJson(s)).ok());
  EXPECT_EQ(CheckWithPrometheusParser(metrics, json), 0);
  // Written as the textfile collector wants: renamed into place, no temporary left beside it.
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = readdir(d)) EXPECT_EQ(std::string(e->d_name).rfind("lsf_metrics_test.prom.", 0), std::string::npos) << e->d_name;
  closedir(d);
}

TEST(Metrics, TheCheckerFailsOnAWrongValue) {
  std::string dir = ::testing::TempDir();
  std::string metrics = dir + "/lsf_metrics_bad.prom", json = dir + "/lsf_metrics_bad.json";
  StatsSnapshot s = Busy();
  ASSERT_TRUE(WriteFileAtomic(metrics, FormatMetrics(s)).ok());
  s.Set(Stat::MISS, s[Stat::MISS] + 1);
  ASSERT_TRUE(WriteFileAtomic(json, FormatStatsJson(s)).ok());
  EXPECT_NE(CheckWithPrometheusParser(metrics, json), 0);
}

TEST(Metrics, CountersHaveHelpTypeAndTotal) {
  std::string text = FormatMetrics(Busy());
  EXPECT_NE(text.find("# HELP luasched_fast_hits_total enqueues that found a ready verdict"), std::string::npos);
  EXPECT_NE(text.find("# TYPE luasched_fast_hits_total counter\nluasched_fast_hits_total 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE luasched_fast_uptime_seconds gauge\nluasched_fast_uptime_seconds 3600.25\n"), std::string::npos);
  EXPECT_NE(text.find("luasched_fast_round_trip_p50_seconds 1.6e-05\n"), std::string::npos);
  EXPECT_NE(text.find("luasched_fast_cpu_misses_total{cpu=\"2\"} 2001\n"), std::string::npos);
}

}  // namespace
}  // namespace lsf
