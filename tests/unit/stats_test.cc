// Unit tests for stats snapshots (schema, JSON round trip, the human line, the live view).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "stats/stats.h"
#include "stats/stats_view.h"

namespace lsf {
namespace {

StatsSnapshot Sample(double misses) {
  StatsSnapshot s;
  s.Set(Stat::UPTIME, misses / 10);
  s.Set(Stat::HIT, 900);
  s.Set(Stat::MISS, misses);
  s.Set(Stat::HIT_RATE, 90.5);
  s.Set(Stat::INS_REALTIME, 42);
  return s;
}

// A snapshot with every stat set to a distinct value, and two CPUs.
StatsSnapshot Full() {
  StatsSnapshot s;
  for (size_t i = 0; i < kNrStats; ++i) s.Set(static_cast<Stat>(i), static_cast<double>(i + 1));
  s.Set(Stat::HIT_RATE, 12.345);
  s.per_cpu.resize(2);
  for (size_t i = 0; i < kNrKernelStats; ++i) s.per_cpu[1].v[i] = 1000 + i;
  return s;
}

TEST(StatsSchema, KeysMetricNamesAndLabelsAreWellFormedAndUnique) {
  std::set<std::string_view> keys;
  std::set<std::string> metrics;
  std::set<std::pair<StatGroup, std::string_view>> labels;
  const std::regex metric_re("luasched_fast_[a-z0-9_]+");
  for (const StatField& f : kStatFields) {
    EXPECT_TRUE(keys.insert(f.key).second) << "duplicate JSON key " << f.key;
    EXPECT_TRUE(metrics.insert(MetricName(f)).second) << "duplicate metric " << MetricName(f);
    EXPECT_TRUE(labels.insert({f.group, f.label}).second) << "duplicate label " << f.label;
    EXPECT_TRUE(std::regex_match(MetricName(f), metric_re)) << MetricName(f);
    EXPECT_FALSE(f.description.empty()) << f.key;
    EXPECT_EQ(f.description.find('\n'), std::string_view::npos) << f.key;
    std::string_view suffix = f.unit == StatUnit::kSeconds ? "_s" : f.unit == StatUnit::kMicros ? "_us"
                              : f.unit == StatUnit::kPercent ? "_pct" : "";
    EXPECT_TRUE(f.key.size() > suffix.size() && f.key.substr(f.key.size() - suffix.size()) == suffix)
        << f.key << " must end with its unit's suffix '" << suffix << "'";
  }
  EXPECT_EQ(MetricName(Field(Stat::HIT)), "luasched_fast_hits_total");
  EXPECT_EQ(MetricName(Field(Stat::UPTIME)), "luasched_fast_uptime_seconds");
  EXPECT_EQ(MetricName(Field(Stat::ROUND_TRIP_P99)), "luasched_fast_round_trip_p99_seconds");
  EXPECT_EQ(MetricName(Field(Stat::HIT_RATE)), "luasched_fast_hit_rate_ratio");
  EXPECT_EQ(MetricName(Field(Stat::POLICY_GENERATION)), "luasched_fast_policy_generation");
}

TEST(StatsSchema, KernelStatsFollowTheBpfEnum) {
  EXPECT_EQ(Index(KernelStat(LSF_ST_HIT)), 0u);
  EXPECT_EQ(Field(KernelStat(LSF_ST_MISS_RB_FULL)).key, "fallback_ringbuf_full");
  EXPECT_EQ(Field(KernelStat(LSF_ST_KEEP_PREV)).key, "keep_prev");
  EXPECT_EQ(Field(KernelStat(LSF_ST_DOORBELL)).key, "doorbells");
}

// Every counter of the policy engine is a stat (policy_<field>): the struct and the rows come from one
// list, and no field lives outside it (clamped_slices was counted but not exported before).
TEST(StatsSchema, EveryPolicyCounterIsExported) {
  size_t fields = (sizeof(PolicyCounters) - sizeof(PolicyCounters::per_class)) / sizeof(uint64_t), rows = 0;
#define LSF_T_(A, field, ...) \
  EXPECT_TRUE(FindStat("policy_" #field).ok()) << #field; \
  ++rows;
  LSF_POLICY_COUNTERS(LSF_T_, _)
#undef LSF_T_
  EXPECT_EQ(rows, fields);
  EXPECT_TRUE(FindStat("policy_clamped_slices").ok());
}

// per_class was counted but not exported before: every class a decision can end in is a stat
// (LSF_CLASS_NONE never is one), in the JSON stats and the metrics.
TEST(StatsSchema, DecisionsPerClassAreExported) {
  size_t rows = 0;
#define LSF_T_(A, cls, ID, key, ...)                                       \
  EXPECT_NE(cls, LSF_CLASS_NONE) << key;                                   \
  EXPECT_EQ(FindStat(key).value(), Stat::POLICY_##ID) << key;             \
  EXPECT_EQ(Field(Stat::POLICY_##ID).group, StatGroup::policy) << key;     \
  ++rows;
  LSF_POLICY_CLASS_COUNTERS(LSF_T_, _)
#undef LSF_T_
  EXPECT_EQ(rows, static_cast<size_t>(LSF_NR_CLASSES) - 1);
  std::string json = FormatStatsJson(Full());
  for (const char* key : {"policy_realtime", "policy_batch", "policy_default"}) {
    ASSERT_TRUE(FindStat(key).ok()) << key;
    EXPECT_NE(json.find("\"" + std::string(key) + "\": "), std::string::npos) << key;
  }
  EXPECT_EQ(MetricName(Field(Stat::POLICY_BATCH)), "luasched_fast_policy_batch_total");
}

// spin_passes was counted but not in the schema before.
TEST(StatsSchema, SpinPassesAreExported) {
  ASSERT_TRUE(FindStat("spin_passes").ok());
  EXPECT_EQ(FindStat("spin_passes").value(), Stat::SPIN_PASSES);
  EXPECT_EQ(Field(Stat::SPIN_PASSES).kind, StatKind::kCounter);
  EXPECT_NE(FormatStatsJson(Full()).find("\"spin_passes\": "), std::string::npos);
  EXPECT_NE(FormatStatsLine(Full()).find(" spin_passes="), std::string::npos);
  EXPECT_EQ(MetricName(Field(Stat::SPIN_PASSES)), "luasched_fast_spin_passes_total");
}

TEST(StatsSchema, UnknownKeyIsAnErrorNotZero) {
  ASSERT_TRUE(FindStat("misses").ok());
  EXPECT_EQ(FindStat("misses").value(), Stat::MISS);
  auto bad = FindStat("mises");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("unknown stat 'mises'"), std::string::npos) << bad.error();
  StatsSnapshot s = Sample(100);
  EXPECT_FALSE(s.Get("mises").ok());
  EXPECT_FALSE(s.Get("exec").ok()) << "a known key that was never set is not 0 either";
  EXPECT_DOUBLE_EQ(s.Get("misses").value(), 100);
}

// The keys the VM tests read from the stats file (`lsf_stat KEY`, `json_num KEY`, `jfield KEY`)
// and from the human line (`field LABEL`) must stay valid.
TEST(StatsSchema, KeysAndLabelsUsedByTheVmTestsExist) {
  const std::regex uses(R"((?:lsf_stat|jfield) +([a-z_0-9]+))");
  std::set<std::string> used;
  for (const char* name : {"classify.sh", "reask.sh", "reload.sh", "dispatcher_faults.sh", "hotplug.sh",
                           "pathological_policy.sh", "stress.sh", "bad_policies.sh"}) {
    std::ifstream in(std::string(LSF_SOURCE_DIR) + "/tests/vm/" + name);
    ASSERT_TRUE(in) << name;
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (std::sregex_iterator it(text.begin(), text.end(), uses), end; it != end; ++it) used.insert((*it)[1]);
  }
  EXPECT_GE(used.size(), 5u);
  for (const std::string& k : used) EXPECT_TRUE(FindStat(k).ok()) << k << " (used by a VM test)";
  std::string line = FormatStatsLine(Full());
  for (const char* label : {"hits", "misses", "errors", "doorbells", "deadline", "no_user", "no_verdict", "invalid"}) {
    std::regex once(std::string("[ |]") + label + "=[0-9]");
    EXPECT_EQ(std::distance(std::sregex_iterator(line.begin(), line.end(), once), std::sregex_iterator()), 1)
        << label << " in " << line;
  }
  EXPECT_TRUE(std::regex_search(line, std::regex(" ins rt=[0-9]+ batch=[0-9]+ "))) << line;
  EXPECT_TRUE(std::regex_search(line, std::regex("miss_to_verdict_us p50<=[0-9]+ p99<=[0-9]+ max=[0-9]+"))) << line;
}

TEST(Stats, JsonRoundTrip) {
  StatsSnapshot s = Sample(100);
  std::string json = FormatStatsJson(s);
  EXPECT_EQ(json, "{\"hits\": 900, \"misses\": 100, \"ins_realtime\": 42, \"uptime_s\": 10.0, \"hit_rate_pct\": 90.5}");
  auto back = ParseStatsJson(json);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->present, s.present);
  EXPECT_DOUBLE_EQ((*back)[Stat::HIT_RATE], 90.5);
  EXPECT_TRUE(back->per_cpu.empty());

  StatsSnapshot full = Full();
  auto again = ParseStatsJson(FormatStatsJson(full));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->present.count(), kNrStats);
  EXPECT_DOUBLE_EQ((*again)[Stat::HIT_RATE], 12.345);
  EXPECT_DOUBLE_EQ((*again)[Stat::PAGE_FAULTS], full[Stat::PAGE_FAULTS]);
  ASSERT_EQ(again->per_cpu.size(), 2u);
  EXPECT_EQ(again->per_cpu[1].v[LSF_ST_DOORBELL], 1000u + LSF_ST_DOORBELL);
  EXPECT_EQ(again->per_cpu[0].v[LSF_ST_HIT], 0u);
}

TEST(Stats, ParseRejectsMalformedInputAndSkipsKeysOfNewerVersions) {
  EXPECT_FALSE(ParseStatsJson("").ok());
  EXPECT_FALSE(ParseStatsJson("{\"a\" 1}").ok());
  EXPECT_FALSE(ParseStatsJson("{\"a\": x}").ok());
  EXPECT_FALSE(ParseStatsJson("{\"a\": 1,").ok());
  EXPECT_FALSE(ParseStatsJson("[1, 2]").ok());
  auto not_number = ParseStatsJson("{\"hits\": \"12\"}");
  ASSERT_FALSE(not_number.ok());
  EXPECT_NE(not_number.error().find("\"hits\" is not a number"), std::string::npos) << not_number.error();
  EXPECT_FALSE(ParseStatsJson("{\"per_cpu\": {\"keys\": [\"hits\"], \"cpus\": [[1, 2]]}}").ok());
  auto newer = ParseStatsJson(" {\"hits\": 3, \"from_the_future\": 7, \"per_cpu\": {\"keys\": [\"x\", \"misses\"], "
                              "\"cpus\": [[1, 2]]}} ");
  ASSERT_TRUE(newer.ok()) << newer.error();
  EXPECT_EQ(newer->present.count(), 1u);
  ASSERT_EQ(newer->per_cpu.size(), 1u);
  EXPECT_EQ(newer->per_cpu[0].v[LSF_ST_MISS], 2u);
}

TEST(Stats, HumanLineCarriesEveryStatByGroup) {
  std::string line = FormatStatsLine(Sample(100));
  EXPECT_EQ(line, "stats: hits=900 misses=100 hit_rate=90.5% | ins rt=42 | dispatcher uptime=10.0") << line;
  std::string full = FormatStatsLine(Full());
  for (const StatField& f : kStatFields)
    EXPECT_NE(full.find(" " + std::string(f.label) + "="), std::string::npos) << f.key;
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
