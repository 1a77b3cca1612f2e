// Unit tests for the command-line parser and the latency histogram.
#include <gtest/gtest.h>

#include "stats/latency_histogram.h"
#include "common/log.h"
#include "dispatcher/options.h"

namespace lsf {
namespace {

Result<Options> Parse(std::vector<std::string> args, int nr_cpus = 4) { return ParseOptions(args, nr_cpus); }

TEST(Options, MinimalCommandLine) {
  auto o = Parse({"--cpu", "0", "--policy", "p.lua"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->cpu, 0);
  EXPECT_EQ(o->policy_path, "p.lua");
  EXPECT_EQ(o->slice_ns, 5'000'000u);
  EXPECT_EQ(o->stats_interval_s, 10);
}

TEST(Options, ShortLongAndEqualsForms) {
  auto o = Parse({"-c", "3", "-p", "x.lua", "--slice-us=250", "--stats=0", "--log-verdicts", "-v"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->cpu, 3);
  EXPECT_EQ(o->slice_ns, 250'000u);
  EXPECT_EQ(o->stats_interval_s, 0);
  EXPECT_TRUE(o->log_verdicts);
  EXPECT_TRUE(o->verbose);
}

TEST(Options, RejectsCpuOutOfRange) {
  auto o = Parse({"--cpu", "4", "--policy", "p.lua"}, 4);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().find("valid: 0..3"), std::string::npos) << o.error();
  EXPECT_FALSE(Parse({"--cpu", "-1", "--policy", "p"}).ok());
  EXPECT_FALSE(Parse({"--cpu", "1x", "--policy", "p"}).ok());
  EXPECT_FALSE(Parse({"--cpu"}).ok());
}

TEST(Options, SpinUsAcceptsMinusOneForAlways) {
  EXPECT_EQ(Parse({"--policy", "p", "--spin-us", "-1"})->spin_us, -1);
  EXPECT_FALSE(Parse({"--policy", "p", "--spin-us", "-2"}).ok());
}

TEST(Options, TransportDefaultsToArenaWithFallbackUnlessChosen) {
  auto d = Parse({"--policy", "p"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->transport, Options::Transport::kArena);
  EXPECT_FALSE(d->transport_set);
  auto r = Parse({"--policy", "p", "--transport", "ringbuf"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->transport, Options::Transport::kRingbuf);
  EXPECT_TRUE(r->transport_set);
  auto bad = Parse({"--policy", "p", "--transport", "shm"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("ringbuf or arena"), std::string::npos) << bad.error();
}

TEST(Options, RejectsBadSliceAndStats) {
  EXPECT_FALSE(Parse({"--policy", "p", "--slice-us", "0"}).ok());
  EXPECT_FALSE(Parse({"--policy", "p", "--slice-us", "100001"}).ok());
  EXPECT_FALSE(Parse({"--policy", "p", "--stats", "-1"}).ok());
}

TEST(Options, PolicyRequiredUnlessHelpOrVersion) {
  auto o = Parse({"--cpu", "0"});
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().find("--policy"), std::string::npos);
  EXPECT_TRUE(Parse({"--help"})->help);
  EXPECT_TRUE(Parse({"-V"})->version);
}

TEST(Options, UnknownOptionIsNamed) {
  auto o = Parse({"--policy", "p", "--frobnicate"});
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().find("--frobnicate"), std::string::npos);
}

TEST(Options, HelpIsGeneratedFromTheTableWithDefaultsAndRanges) {
  std::string help = UsageText(8);
  for (const char* line : {"  -c, --cpu N           pin the dispatcher to CPU N (0..7; default 0)\n",
                           "(50..100000; default 5000)", "(-1..1000000; default 200)", "(default arena)",
                           "      --metrics-file FILE", "--log-level LEVEL", "(default info)",
                           "(default /run/luasched-fast.stats.json)", "Exit status: 0 clean stop"})
    EXPECT_NE(help.find(line), std::string::npos) << line << "\n" << help;
  // The defaults shown are the parser's: parse with no options and compare.
  auto o = Parse({"--policy", "p"});
  ASSERT_TRUE(o.ok());
  EXPECT_NE(help.find("default " + std::to_string(o->slice_ns / 1000) + ")"), std::string::npos);
  EXPECT_NE(help.find("default " + std::to_string(o->heap_mb) + ")"), std::string::npos);
}

TEST(Options, MetricsFileLogLevelAndCommands) {
  auto o = Parse({"--policy", "p", "--metrics-file", "/var/lib/prometheus/node-exporter/lsf.prom", "--log-level", "warning"});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->metrics_file, "/var/lib/prometheus/node-exporter/lsf.prom");
  EXPECT_EQ(o->log_level, LogLevel::kWarning);
  EXPECT_FALSE(Parse({"--policy", "p", "--log-level", "loud"}).ok());
  auto top = Parse({"top", "--stats-file", "/tmp/s.json"});
  ASSERT_TRUE(top.ok()) << top.error();
  EXPECT_EQ(top->command, Options::Command::kTop);
  EXPECT_EQ(top->stats_file, "/tmp/s.json");
  auto stats = Parse({"stats", "--list"});
  ASSERT_TRUE(stats.ok()) << stats.error();
  EXPECT_TRUE(stats->list);
  // Options go with their commands only; a scheduler command line with --dry-run is a dry run.
  auto watch = Parse({"--policy", "p", "--watch"});
  ASSERT_FALSE(watch.ok());
  EXPECT_NE(watch.error().find("--watch does not go with the scheduler (it goes with: stats"), std::string::npos)
      << watch.error();
  EXPECT_FALSE(Parse({"top", "--policy", "p"}).ok());
  EXPECT_FALSE(Parse({"stats", "--dry-run"}).ok());
  EXPECT_FALSE(Parse({"--policy", "p", "--json"}).ok());
  auto dry = Parse({"--cpu", "1", "--policy", "p", "--stats", "60", "--dry-run", "--json"});
  ASSERT_TRUE(dry.ok()) << dry.error();
  EXPECT_EQ(dry->command, Options::Command::kDryRun);
  EXPECT_FALSE(Parse({"--policy", "p", "--no-watch=1"}).ok());
  EXPECT_TRUE(Parse({"--policy", "p", "--stats-file", ""}).ok());
  EXPECT_FALSE(Parse({"--policy", ""}).ok());
}

// check FILE: the file is positional (or --policy), exactly one, and check's options go with it only.
TEST(Options, WhyTakesOnePid) {
  auto w = Parse({"why", "1234", "--json", "--decisions-file", "/tmp/d"});
  ASSERT_TRUE(w.ok()) << w.error();
  EXPECT_EQ(w->command, Options::Command::kWhy);
  EXPECT_EQ(w->pid, 1234);
  EXPECT_TRUE(w->json);
  EXPECT_EQ(w->decisions_file, "/tmp/d");
  EXPECT_EQ(Parse({"why", "1"})->decisions_file, kDefaultDecisionsFile);
  EXPECT_NE(Parse({"why"}).error().find("why needs a PID"), std::string::npos);
  EXPECT_NE(Parse({"why", "nginx"}).error().find("is not a process id"), std::string::npos);
  EXPECT_NE(Parse({"why", "1", "2"}).error().find("one PID"), std::string::npos);
  EXPECT_FALSE(Parse({"why", "1", "--policy", "p.lua"}).ok());  // not a why option
}

TEST(Options, CheckTakesOnePolicyFile) {
  auto c = Parse({"check", "my.lua", "--json", "--no-proc"});
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->command, Options::Command::kCheck);
  EXPECT_EQ(c->policy_path, "my.lua");
  EXPECT_TRUE(c->json && c->no_proc);
  auto p = Parse({"check", "--policy", "my.lua", "--threads"});
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->policy_path, "my.lua");
  EXPECT_NE(Parse({"check"}).error().find("check needs a policy FILE"), std::string::npos);
  EXPECT_NE(Parse({"check", "a.lua", "b.lua"}).error().find("one policy FILE"), std::string::npos);
  EXPECT_FALSE(Parse({"check", "a.lua", "--cpu", "0"}).ok());  // a scheduler option
  EXPECT_FALSE(Parse({"--policy", "p", "--no-proc"}).ok());
  EXPECT_FALSE(Parse({"--policy", "p", "stray"}).ok());  // positional only after check
}

// Each choice is parsed into its enumerator (the table lists them in enum order).
TEST(Options, ChoicesParseToTheirEnumerators) {
  auto o = [](std::vector<std::string> extra) {
    std::vector<std::string> a{"--policy", "p"};
    a.insert(a.end(), extra.begin(), extra.end());
    return Parse(a).value();
  };
  EXPECT_EQ(o({"--log-level", "error"}).log_level, LogLevel::kError);
  EXPECT_EQ(o({"--log-level", "warning"}).log_level, LogLevel::kWarning);
  EXPECT_EQ(o({"--log-level", "info"}).log_level, LogLevel::kInfo);
  EXPECT_EQ(o({"--log-level", "debug"}).log_level, LogLevel::kDebug);
  EXPECT_EQ(o({}).log_level, LogLevel::kInfo);
  EXPECT_EQ(o({"--transport", "arena"}).transport, Options::Transport::kArena);
  EXPECT_EQ(o({"--transport", "ringbuf"}).transport, Options::Transport::kRingbuf);
  EXPECT_EQ(o({"--miss", "run"}).miss, Options::MissMode::kRun);
  EXPECT_EQ(o({"--miss", "wait"}).miss, Options::MissMode::kWait);
  EXPECT_EQ(o({}).miss, Options::MissMode::kRun);
  EXPECT_EQ(o({"--fork", "inherit"}).fork, Options::ForkMode::kInherit);
  EXPECT_EQ(o({"--fork", "ask"}).fork, Options::ForkMode::kAsk);
  EXPECT_EQ(o({}).fork, Options::ForkMode::kInherit);
  std::string help = UsageText(4);
  for (const char* d : {"default info)", "default arena)", "default run)", "default inherit)"})
    EXPECT_NE(help.find(d), std::string::npos) << d;
}

TEST(Log, LevelsFilter) {
  LogLevel saved = GetLogLevel();
  SetLogLevel(LogLevel::kError);
  ::testing::internal::CaptureStderr();
  LogWarning("hidden %d", 1);
  LogError("shown %d", 2);
  SetLogLevel(LogLevel::kDebug);
  LogDebug("debug %s", "too");
  std::string err = ::testing::internal::GetCapturedStderr();
  SetLogLevel(saved);
  EXPECT_EQ(err, "luasched-fast: shown 2\nluasched-fast: debug: debug too\n");
}

TEST(LatencyHistogram, QuantilesAreBucketUpperBounds) {
  LatencyHistogram h;
  EXPECT_EQ(h.Quantile(0.5), 0u);
  for (int i = 0; i < 99; ++i) h.Add(1000);  // bucket [512, 1024) -> upper bound 1024
  h.Add(1'000'000);                            // bucket [2^19, 2^20)
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.Quantile(0.5), 1024u);
  EXPECT_EQ(h.Quantile(0.99), 1024u);
  EXPECT_EQ(h.Quantile(1.0), 1'000'000u);  // capped at the maximum
  EXPECT_EQ(h.max(), 1'000'000u);
}

TEST(LatencyHistogram, FromBucketsKeptElsewhere) {
  uint64_t b[LatencyHistogram::kBuckets] = {};
  b[10] = 90;  // [1024, 2048) ns
  b[20] = 10;  // [~1 ms, ~2 ms)
  LatencyHistogram h = LatencyHistogram::FromBuckets(b, LatencyHistogram::kBuckets);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.Quantile(0.5), 2048u);
  EXPECT_EQ(h.Quantile(0.99), uint64_t{2} << 20);
  EXPECT_EQ(h.max(), uint64_t{2} << 20);
}

}  // namespace
}  // namespace lsf
