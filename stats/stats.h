// StatsSnapshot: every counter of a running luasched-fast, as a line for people or JSON for machines.
#pragma once

#include <array>
#include <bitset>
#include <string>
#include <string_view>
#include <vector>

#include "port/kernel_port.h"
#include "common/result.h"
#include "stats/stats_schema.h"

namespace lsf {

// One value per stat of the schema (stats/stats_schema.h), plus the kernel counters per CPU.
struct StatsSnapshot {
  std::array<double, kNrStats> v{};
  std::bitset<kNrStats> present;     // false: not set (e.g. absent from a file an older version wrote)
  std::vector<KernelStats> per_cpu;  // kernel counters, index = CPU; empty if the port cannot tell

  void Set(Stat s, double value) {
    v[Index(s)] = value;
    present.set(Index(s));
  }
  double operator[](Stat s) const { return v[Index(s)]; }
  bool Has(Stat s) const { return present.test(Index(s)); }
  // The value under JSON key `key`: an error if no stat has that key, or if it is not set.
  Result<double> Get(std::string_view key) const;
};

// {"hits": 12, "misses": 3, ..., "per_cpu": {"keys": [...], "cpus": [[...], ...]}} on one line.
// Counters are integers, gauges have at most 3 decimals. Set stats only.
std::string FormatStatsJson(const StatsSnapshot& s);

// Parses a stats file. Keys of the schema are read (each must be a number); keys this version
// does not know are skipped (a newer version wrote the file). Errors name what is wrong.
Result<StatsSnapshot> ParseStatsJson(const std::string& json);

// "stats: hits=12 misses=3 hit_rate=80.0% direct=.. | ins rt=... " (the periodic human-readable
// line): every set stat, by group (LSF_STAT_GROUPS), as label=value.
std::string FormatStatsLine(const StatsSnapshot& s);

// Writes `contents` to `path` atomically, so readers never see half a file: a private temporary
// beside it (mkstemp), mode 0644, renamed over `path` (a symlink there is replaced, not followed).
// Refuses a world-writable directory without the sticky bit.
Status WriteFileAtomic(const std::string& path, const std::string& contents);
// The check WriteFileAtomic makes first: `path`'s directory exists and is not world-writable
// without the sticky bit (others could swap the file).
Status CheckSafeDirectory(const std::string& path);
// A new file beside `path` (after CheckSafeDirectory), mode 0644, to be renamed over it: its file
// descriptor; *tmp gets its name.
Result<int> CreateTempBeside(const std::string& path, std::string* tmp);

}  // namespace lsf
