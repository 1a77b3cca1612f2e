// Command-line options of luasched-fast: declared once in a table (option_table.h), parsed without exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bpf/intf.h"
#include "common/result.h"
#include "common/log.h"

namespace lsf {

inline constexpr const char* kDefaultStatsFile = "/run/luasched-fast.stats.json";
inline constexpr const char* kDefaultDecisionsFile = "/run/luasched-fast.decisions";

// Defaults are the initialisers below; ranges, help text and which command takes each option are
// in the table in option_table.h, which --help and the bash completion are generated from.
struct Options {
  enum class Command { kRun, kDryRun, kStats, kTop, kCheck, kWhy, kRecord, kReplay };
  // Choice options, parsed once: the enumerators are in the order of the choices in the table.
  enum class Transport { kRingbuf, kArena };
  enum class MissMode { kRun, kWait };
  enum class ForkMode { kInherit, kAsk };
  Command command = Command::kRun;      // first argument "stats", "top", "check", "why", "record" or
                                        // "replay", or --dry-run
  std::string policy_path;              // --policy FILE (required to run and to replay), or check's FILE
  int cpu = 0;                          // --cpu N: CPU the dispatcher is pinned to
  uint64_t slice_ns = 5'000'000;        // --slice-us: slice when the policy sets none
  int stats_interval_s = 10;            // --stats SEC: periodic stats line (0: only at exit)
  bool log_verdicts = false;            // --log-verdicts: one line per classification
  bool no_watch = false;                // --no-watch: reload only on SIGHUP, not on file changes
  bool verbose = false;                 // --verbose: libbpf debug output
  bool no_mlock = false;                // --no-mlock: skip mlockall (tests, small memlock limits)
  int heap_mb = 64;                     // --heap-mb: mimalloc heap reserved and locked at start (0: none)
  int workers = 0;                      // --workers: policy worker threads (0: decide on the dispatcher)
  Transport transport = Transport::kArena;  // --transport ringbuf|arena: how misses and verdicts cross to BPF
  MissMode miss = MissMode::kRun;       // --miss run|wait: what a task does while the policy decides
  ForkMode fork = ForkMode::kInherit;   // --fork inherit|ask: a fork starts with its parent's verdict, no miss
  int miss_rate = LSF_MISS_RATE_DFL;    // --miss-rate: misses per second per uid (0: no limit)
  bool transport_set = false;           // --transport given: no fallback to the other one
  int spin_us = 200;                    // --spin-us: busy-poll this long after a miss (0: always sleep, -1: never)
  std::string stats_file = kDefaultStatsFile;  // --stats-file: JSON stats, rewritten every second
  std::string metrics_file;             // --metrics-file: Prometheus text format, rewritten every second
  std::string decisions_file = kDefaultDecisionsFile;  // --decisions-file: the ring of recent decisions
  LogLevel log_level = LogLevel::kInfo;  // --log-level error|warning|info|debug
  bool stats_json = false;              // --stats-json: periodic stats (and verdict lines) as JSON lines
  bool watch = false;                   // stats --watch: refresh every second
  bool list = false;                    // stats --list: every stat with its key, metric and meaning
  bool dry_run = false;                 // --dry-run: classify /proc tasks and print, no BPF
  bool json = false;                    // --json: dry-run or stats output as JSON
  bool threads = false;                 // --threads: dry-run lists every thread, not one per process
  bool no_proc = false;                 // check --no-proc: only the built-in tasks
  int pid = 0;                          // why PID
  std::string output;                   // record -o FILE
  int duration_s = 0;                   // record --duration: seconds (0: until Ctrl-C)
  int max_mb = 64;                      // record --max-mb: size bound of the recording
  std::string recording_path;           // replay FILE
  std::vector<std::string> expect;      // replay --expect COMM=CLASS, each time it is given
  bool help = false;                    // --help
  bool version = false;                 // --version
};

// Parses argv (argv[0] skipped). `nr_cpus` bounds --cpu. Errors name the flag and the fix.
Result<Options> ParseOptions(const std::vector<std::string>& args, int nr_cpus);

// The --help text, generated from the option table (`nr_cpus` for the range of --cpu).
std::string UsageText(int nr_cpus = 0);

// The bash completion script, generated from the option table: the options each command takes and
// the values of each (choices, files, CPUs). The build writes it for packaging/.
std::string BashCompletion();

}  // namespace lsf
