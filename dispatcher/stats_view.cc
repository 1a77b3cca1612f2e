// `luasched-fast stats`: a top-like view of a running instance, read from its stats file.
#include "dispatcher/stats_view.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

namespace lsf {
namespace {

std::atomic<bool> g_quit{false};
void OnInt(int) { g_quit.store(true); }

Result<StatsSnapshot> ReadSnapshot(const std::string& file, std::string* raw) {
  std::ifstream in(file);
  if (!in)
    return MakeError("no running luasched-fast found: cannot read " + file +
                     " (is it running? it writes this file unless started with --stats-file '')");
  std::stringstream ss;
  ss << in.rdbuf();
  *raw = ss.str();
  return ParseStatsJson(*raw);
}

}  // namespace

std::string FormatStatsView(const StatsSnapshot& cur, const StatsSnapshot* prev, double interval_s) {
  auto g = [&](const char* k) { return cur.Get(k); };
  auto rate = [&](const char* k) {
    return prev && interval_s > 0 ? (cur.Get(k) - prev->Get(k)) / interval_s : -1.0;
  };
  char buf[2048];
  std::string out;
  std::snprintf(buf, sizeof buf,
                "luasched-fast  up %.1f s  policy generation %.0f (%.0f reloads)  dispatcher CPU %.1f%%  page faults %.0f\n",
                g("uptime_s"), g("policy_generation"), g("policy_reloads"), g("dispatcher_cpu_pct"), g("page_faults"));
  out += buf;
  out += "class        inserts   dispatches      ins/s\n";
  const char* rows[][3] = {{"REALTIME", "ins_realtime", "disp_realtime"},
                           {"BATCH", "ins_batch", "disp_batch"},
                           {"DEFAULT", "ins_default", "disp_default"},
                           {"targeted", "ins_cpu", "disp_cpu"}};
  for (auto& r : rows) {
    double rt = rate(r[1]);
    std::snprintf(buf, sizeof buf, "%-10s %9.0f %12.0f %10s\n", r[0], g(r[1]), g(r[2]),
                  rt < 0 ? "-" : std::to_string(static_cast<long long>(rt)).c_str());
    out += buf;
  }
  double mr = rate("misses");
  std::snprintf(buf, sizeof buf,
                "cache      hits %.0f  misses %.0f  hit rate %.1f%%  misses/s %s  direct %.0f  starve boosts %.0f\n"
                "fallbacks  deadline %.0f  ringbuf full %.0f  no dispatcher %.0f  cache full %.0f\n"
                "verdicts   sent %.0f  queue full %.0f  stale %.0f  bad %.0f\n"
                "policy     decisions %.0f  errors %.0f  no verdict %.0f  invalid %.0f\n"
                "latency    miss->verdict p50 <= %.0f us  p99 <= %.0f us  max %.0f us; round trip p50 <= %.0f us  "
                "p99 <= %.0f us\n",
                g("hits"), g("misses"), g("hit_rate_pct"),
                mr < 0 ? "-" : std::to_string(static_cast<long long>(mr)).c_str(), g("direct"), g("starve_boost"),
                g("fallback_deadline"), g("fallback_ringbuf_full"), g("fallback_no_user"), g("fallback_cache_full"),
                g("verdicts_sent"), g("verdicts_queue_full"), g("verdicts_stale"), g("verdicts_bad"),
                g("policy_decisions"), g("policy_errors"), g("policy_no_verdict"), g("policy_invalid"),
                g("miss_to_verdict_p50_us"), g("miss_to_verdict_p99_us"), g("miss_to_verdict_max_us"),
                g("round_trip_p50_us"), g("round_trip_p99_us"));
  out += buf;
  return out;
}

int RunStatsView(const std::string& file, bool watch, bool json, FILE* out) {
  std::string raw;
  auto first = ReadSnapshot(file, &raw);
  if (!first) {
    std::fprintf(stderr, "luasched-fast: %s\n", first.error().c_str());
    return 3;
  }
  if (!watch) {
    std::fputs(json ? raw.c_str() : FormatStatsView(*first, nullptr, 0).c_str(), out);
    return 0;
  }
  signal(SIGINT, OnInt);
  StatsSnapshot prev = *first;
  while (!g_quit.load()) {
    sleep(1);
    auto cur = ReadSnapshot(file, &raw);
    if (!cur) {
      std::fprintf(stderr, "luasched-fast: %s\n", cur.error().c_str());
      return 3;
    }
    double dt = cur->Get("uptime_s") - prev.Get("uptime_s");
    if (json) std::fputs(raw.c_str(), out);
    else std::fprintf(out, "\033[H\033[2J%s", FormatStatsView(*cur, &prev, dt).c_str());
    std::fflush(out);
    prev = *cur;
  }
  return 0;
}

}  // namespace lsf
