// Command-line options of luasched-fast and their parser (no exceptions, no exit()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace lsf {

struct Options {
  std::string policy_path;              // --policy FILE (required)
  int cpu = 0;                          // --cpu N: CPU the dispatcher is pinned to
  uint64_t slice_ns = 5'000'000;        // --slice-us: slice when the policy sets none
  int stats_interval_s = 10;            // --stats SEC: periodic stats line (0: only at exit)
  bool log_verdicts = false;            // --log-verdicts: one line per classification
  bool verbose = false;                 // --verbose: libbpf debug output
  bool no_mlock = false;                // --no-mlock: skip mlockall (tests, small memlock limits)
  bool dry_run = false;                 // --dry-run: classify /proc tasks and print, no BPF
  bool json = false;                    // --json: dry-run output as JSON
  bool threads = false;                 // --threads: dry-run lists every thread, not one per process
  bool help = false;                    // --help
  bool version = false;                 // --version
};

// Parses argv (argv[0] skipped). `nr_cpus` bounds --cpu. Errors name the flag and the fix.
Result<Options> ParseOptions(const std::vector<std::string>& args, int nr_cpus);

// The --help text.
std::string UsageText();

}  // namespace lsf
