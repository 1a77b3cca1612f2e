// Unit tests for stats snapshots (JSON round trip, the human line, the live view).
#include <gtest/gtest.h>

#include "dispatcher/stats.h"
#include "dispatcher/stats_view.h"

namespace lsf {
namespace {

StatsSnapshot Sample(double misses) {
  StatsSnapshot s;
  s.Add("uptime_s", misses / 10);
  s.Add("hits", 900);
  s.Add("misses", misses);
  s.Add("hit_rate_pct", 90.5);
  s.Add("ins_realtime", 42);
  return s;
}

TEST(Stats, JsonRoundTrip) {
  StatsSnapshot s = Sample(100);
  std::string json = FormatStatsJson(s);
  EXPECT_EQ(json, "{\"uptime_s\": 10, \"hits\": 900, \"misses\": 100, \"hit_rate_pct\": 90.500, \"ins_realtime\": 42}");
  auto back = ParseStatsJson(json);
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->fields.size(), 5u);
  EXPECT_DOUBLE_EQ(back->Get("hit_rate_pct"), 90.5);
  EXPECT_DOUBLE_EQ(back->Get("absent", -7), -7);
}

TEST(Stats, ParseRejectsMalformedInput) {
  EXPECT_FALSE(ParseStatsJson("").ok());
  EXPECT_FALSE(ParseStatsJson("{\"a\" 1}").ok());
  EXPECT_FALSE(ParseStatsJson("{\"a\": x}").ok());
  EXPECT_FALSE(ParseStatsJson("{\"a\": 1,").ok());
  EXPECT_TRUE(ParseStatsJson(" { } ").ok());
}

TEST(Stats, HumanLineCarriesTheCounters) {
  std::string line = FormatStatsLine(Sample(100));
  EXPECT_EQ(line.rfind("stats: hits=900 misses=100 hit_rate=90.5% | ins rt=42 ", 0), 0u) << line;
}

TEST(Stats, ViewShowsRatesOnlyWithAPreviousSnapshot) {
  StatsSnapshot a = Sample(100), b = Sample(150);  // 50 misses over 5 s
  std::string once = FormatStatsView(b, nullptr, 0);
  EXPECT_NE(once.find("misses/s -"), std::string::npos) << once;
  std::string watch = FormatStatsView(b, &a, 5.0);
  EXPECT_NE(watch.find("misses/s 10"), std::string::npos) << watch;
  EXPECT_NE(watch.find("REALTIME          42"), std::string::npos) << watch;
}

TEST(Stats, WriteFileAtomicReplacesContents) {
  std::string path = ::testing::TempDir() + "/lsf_stats_test.json";
  ASSERT_TRUE(WriteFileAtomic(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two").ok());
  std::FILE* f = std::fopen(path.c_str(), "r");
  char buf[8] = {};
  ASSERT_NE(f, nullptr);
  std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  EXPECT_STREQ(buf, "two");
  EXPECT_FALSE(WriteFileAtomic("/nonexistent-dir/x.json", "x").ok());
}

}  // namespace
}  // namespace lsf
