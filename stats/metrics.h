// The metrics file: a stats snapshot in the Prometheus text format (node_exporter textfile collector).
#pragma once

#include <string>

#include "stats/stats.h"

namespace lsf {

// Every set stat of `s` as one metric family: "# HELP", "# TYPE" and one sample, named by
// MetricName (luasched_fast_<key>_total for counters; gauges in seconds and ratios), then the
// kernel counters per CPU as luasched_fast_cpu_<key>_total{cpu="N"} (if `s` has them).
// Written atomically beside the collector's other *.prom files (WriteFileAtomic).
std::string FormatMetrics(const StatsSnapshot& s);

}  // namespace lsf
