// The metrics file: a stats snapshot in the Prometheus text format (node_exporter textfile collector).
#include "stats/metrics.h"

#include <cmath>
#include <cstdio>

namespace lsf {
namespace {

// A sample value: integers exactly, the rest with enough digits to round-trip.
std::string Number(double v) {
  if (!std::isfinite(v)) return "NaN";
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void Family(std::string* out, const std::string& name, const StatField& f, bool per_cpu) {
  // HELP text escaping (backslash, newline) is not needed: descriptions are plain one-liners.
  *out += "# HELP " + name + " " + std::string(f.description) + (per_cpu ? " (per CPU)\n" : "\n");
  *out += "# TYPE " + name + (f.kind == StatKind::kCounter ? " counter\n" : " gauge\n");
}

}  // namespace

std::string FormatMetrics(const StatsSnapshot& s) {
  std::string out;
  for (size_t i = 0; i < kNrStats; ++i) {
    if (!s.present.test(i)) continue;
    const StatField& f = kStatFields[i];
    std::string name = MetricName(f);
    Family(&out, name, f, false);
    out += name + " " + Number(s.v[i] * MetricScale(f)) + "\n";
  }
  if (s.per_cpu.empty()) return out;
  for (size_t i = 0; i < kNrKernelStats; ++i) {
    const StatField& f = kStatFields[i];
    std::string name = "luasched_fast_cpu_" + std::string(f.key) + "_total";
    Family(&out, name, f, true);
    for (size_t cpu = 0; cpu < s.per_cpu.size(); ++cpu)
      out += name + "{cpu=\"" + std::to_string(cpu) + "\"} " + std::to_string(s.per_cpu[cpu].v[i]) + "\n";
  }
  return out;
}

}  // namespace lsf
