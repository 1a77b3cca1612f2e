// `luasched-fast stats`: the counters of a running instance, read from its stats file.
#pragma once

#include <cstdio>
#include <string>

#include "stats/stats.h"

namespace lsf {

// Reads and parses a stats file; the error says no instance runs if the file cannot be read.
Result<StatsSnapshot> ReadStatsFile(const std::string& file, std::string* raw = nullptr);

// The multi-line view of one snapshot; with `prev` (taken `interval_s` earlier) it adds rates.
std::string FormatStatsView(const StatsSnapshot& cur, const StatsSnapshot* prev, double interval_s);

// Reads `file` once (or every second with `watch`, until SIGINT) and prints the view, or the raw
// JSON with `json`. Returns a process exit status (3 if no running instance is found).
int RunStatsView(const std::string& file, bool watch, bool json, FILE* out);

// `stats --list`: every stat with its JSON key, kind, metric name and description. Returns 0.
int ListStats(FILE* out);

}  // namespace lsf
