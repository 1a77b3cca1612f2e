// `luasched-fast stats`: the counters of a running instance, read from its stats file.
#include "stats/stats_view.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "common/log.h"

namespace lsf {
namespace {

std::atomic<bool> g_quit{false};
void OnInt(int) { g_quit.store(true); }

}  // namespace

Result<StatsSnapshot> ReadStatsFile(const std::string& file, std::string* raw) {
  std::ifstream in(file);
  if (!in)
    return MakeError("no running luasched-fast found: cannot read " + file +
                     " (is it running? it writes this file unless started with --stats-file '')");
  std::stringstream ss;
  ss << in.rdbuf();
  if (raw) *raw = ss.str();
  auto s = ParseStatsJson(ss.str());
  if (!s) return MakeError(file + ": " + s.error());
  return s;
}

std::string FormatStatsView(const StatsSnapshot& cur, const StatsSnapshot* prev, double interval_s) {
  auto rate = [&](Stat k) { return prev && interval_s > 0 ? (cur[k] - (*prev)[k]) / interval_s : -1.0; };
  auto rate_text = [&](Stat k) {
    double r = rate(k);
    return r < 0 ? std::string("-") : std::to_string(static_cast<long long>(r));
  };
  char buf[512];
  std::string out;
  std::snprintf(buf, sizeof buf,
                "luasched-fast  up %.1f s  policy generation %.0f (%.0f reloads)  dispatcher CPU %.1f%%  page faults %.0f\n",
                cur[Stat::UPTIME], cur[Stat::POLICY_GENERATION], cur[Stat::POLICY_RELOADS], cur[Stat::DISPATCHER_CPU],
                cur[Stat::PAGE_FAULTS]);
  out += buf;
  out += "class        inserts   dispatches      ins/s\n";
  struct Row { const char* name; Stat ins, disp; };
  for (const Row& r : {Row{"REALTIME", Stat::INS_REALTIME, Stat::DISP_REALTIME}, Row{"BATCH", Stat::INS_BATCH, Stat::DISP_BATCH},
                       Row{"DEFAULT", Stat::INS_DEFAULT, Stat::DISP_DEFAULT}, Row{"targeted", Stat::INS_CPU, Stat::DISP_CPU}}) {
    std::snprintf(buf, sizeof buf, "%-10s %9.0f %12.0f %10s\n", r.name, cur[r.ins], cur[r.disp], rate_text(r.ins).c_str());
    out += buf;
  }
  // Then every other stat, group by group, as "label value" (a new counter shows up by itself).
  for (size_t g = 0; g < static_cast<size_t>(StatGroup::kNrGroups); ++g) {
    if (g == static_cast<size_t>(StatGroup::ins) || g == static_cast<size_t>(StatGroup::disp)) continue;
    std::string line;
    for (size_t i = 0; i < kNrStats; ++i) {
      const StatField& f = kStatFields[i];
      if (static_cast<size_t>(f.group) != g || !cur.present.test(i)) continue;
      std::string label(f.label);  // "p50<" (an upper bound) reads "p50 <= 12"
      if (label.back() == '<') label = label.substr(0, label.size() - 1) + " <=";
      if (f.unit == StatUnit::kPercent) std::snprintf(buf, sizeof buf, "  %s %.1f%%", label.c_str(), cur.v[i]);
      else if (f.unit == StatUnit::kSeconds) std::snprintf(buf, sizeof buf, "  %s %.1f", label.c_str(), cur.v[i]);
      else std::snprintf(buf, sizeof buf, "  %s %.0f", label.c_str(), cur.v[i]);
      line += buf;
      if (static_cast<Stat>(i) == Stat::MISS) line += "  misses/s " + rate_text(Stat::MISS);
    }
    if (line.empty()) continue;
    std::string_view word = GroupWord(static_cast<StatGroup>(g));
    std::snprintf(buf, sizeof buf, "%-10s", std::string(word.empty() ? (g == 0 ? "cache" : "events") : word).c_str());
    out += buf + line + "\n";
  }
  return out;
}

int RunStatsView(const std::string& file, bool watch, bool json, FILE* out) {
  std::string raw;
  auto first = ReadStatsFile(file, &raw);
  if (!first) {
    LogError("%s", first.error().c_str());
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
    auto cur = ReadStatsFile(file, &raw);
    if (!cur) {
      LogError("%s", cur.error().c_str());
      return 3;
    }
    double dt = (*cur)[Stat::UPTIME] - prev[Stat::UPTIME];
    if (json) std::fputs(raw.c_str(), out);
    else std::fprintf(out, "\033[H\033[2J%s", FormatStatsView(*cur, &prev, dt).c_str());
    std::fflush(out);
    prev = *cur;
  }
  return 0;
}

int ListStats(FILE* out) {
  std::fprintf(out, "%-24s %-8s %-44s %s\n", "key", "kind", "metric", "meaning");
  for (const StatField& f : kStatFields)
    std::fprintf(out, "%-24s %-8s %-44s %s\n", std::string(f.key).c_str(),
                 f.kind == StatKind::kCounter ? "counter" : "gauge", MetricName(f).c_str(),
                 std::string(f.description).c_str());
  return 0;
}

}  // namespace lsf
