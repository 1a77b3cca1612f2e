// StatsSnapshot: every counter of a running luasched-fast, as a line for people or JSON for machines.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace lsf {

// Named numeric fields in a fixed order (the order of the human line and the JSON object).
struct StatsSnapshot {
  std::vector<std::pair<std::string, double>> fields;

  void Add(std::string name, double value) { fields.emplace_back(std::move(name), value); }
  // Value of `name`, or `fallback` if absent.
  double Get(const std::string& name, double fallback = 0) const;
};

// {"hits": 12, "misses": 3, ...} on one line.
std::string FormatStatsJson(const StatsSnapshot& s);

// Parses what FormatStatsJson wrote (a flat object of numbers). Errors name the offending offset.
Result<StatsSnapshot> ParseStatsJson(const std::string& json);

// "stats: hits=12 misses=3 hit_rate=80.0% | ins rt=... " (the periodic human-readable line).
std::string FormatStatsLine(const StatsSnapshot& s);

// Writes `contents` to `path` atomically, so readers never see half a file: a private temporary
// beside it (mkstemp), mode 0644, renamed over `path` (a symlink there is replaced, not followed).
// Refuses a world-writable directory without the sticky bit.
Status WriteFileAtomic(const std::string& path, const std::string& contents);

}  // namespace lsf
