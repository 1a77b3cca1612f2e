// Command-line options of luasched-fast and their parser (no exceptions, no exit()).
#include "dispatcher/options.h"

#include <charconv>
#include <string_view>

namespace lsf {
namespace {

// Parses a whole decimal integer in [lo, hi].
bool ParseInt(std::string_view s, int64_t lo, int64_t hi, int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

std::string UsageText() {
  return "usage: luasched-fast [--cpu N] --policy FILE [options]\n"
         "       luasched-fast --dry-run --policy FILE [--json] [--threads]\n"
         "       luasched-fast stats [--watch] [--json] [--stats-file FILE]\n"
         "\n"
         "A sched_ext CPU scheduler whose policy is a Lua file. Every task is classified once by the\n"
         "policy (REALTIME, BATCH or DEFAULT, a time slice and optionally a CPU); the verdict is cached\n"
         "in BPF until the task execs, renames itself, exits or the policy changes.\n"
         "\n"
         "  -p, --policy FILE     the Lua policy (see docs/policy-api.md); required\n"
         "  -c, --cpu N           pin the dispatcher to CPU N (default 0)\n"
         "  -s, --slice-us US     slice for verdicts that set none, in microseconds (default 5000)\n"
         "      --stats SEC       print a stats line every SEC seconds; 0: only at exit (default 10)\n"
         "      --stats-json      periodic stats as JSON lines instead of the human-readable line\n"
         "      --stats-file FILE JSON stats rewritten every second, read by `luasched-fast stats`\n"
         "                        (default /run/luasched-fast.stats.json; '' disables)\n"
         "      --log-verdicts    print one line per classification\n"
         "      --no-watch        reload the policy on SIGHUP only (default: also when the file changes)\n"
         "      --no-mlock        do not lock memory (default: mlockall)\n"
         "      --heap-mb MB      heap reserved, committed and locked at start (default 64; 0: none)\n"
         "      --workers N       evaluate the policy on N worker threads, each with its own Lua state,\n"
         "                        fed through lock-free queues (default 0: on the dispatcher thread)\n"
         "      --transport T     arena (default): lock-free rings in BPF arena memory shared with the\n"
         "                        kernel, falling back to ringbuf if the kernel lacks arenas; ringbuf:\n"
         "                        BPF ring buffers (see docs/performance.md for the comparison)\n"
         "      --spin-us US      busy-poll this long after a miss before sleeping (default 200; 0: never;\n"
         "                        -1: always, the lowest latency for a whole CPU)\n"
         "      --dry-run         classify the running processes (from /proc) and print the verdicts;\n"
         "                        no BPF, no root, works on any Linux: test a policy before deploying it\n"
         "      --json            with --dry-run: JSON output\n"
         "      --threads         with --dry-run: every thread, not one line per process\n"
         "  -v, --verbose         libbpf debug output (verifier log on load errors)\n"
         "  -h, --help            this text\n"
         "  -V, --version         version\n"
         "\n"
         "\n"
         "stats: show the counters of the running instance (from its stats file); --watch refreshes\n"
         "every second with rates; --json prints the raw JSON.\n"
         "\n"
         "Exit status: 0 clean stop (SIGINT/SIGTERM), 1 the kernel ejected the scheduler (reason\n"
         "printed), 2 bad usage, 3 cannot start (no sched_ext, policy error, load failure).\n";
}

Result<Options> ParseOptions(const std::vector<std::string>& args, int nr_cpus) {
  Options o;
  bool have_policy = false;
  size_t first = 0;
  if (!args.empty() && args[0] == "stats") {
    o.command = Options::Command::kStats;
    first = 1;
  }
  for (size_t i = first; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    bool inline_value = false;
    if (a.rfind("--", 0) == 0) {
      if (size_t eq = a.find('='); eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        inline_value = true;
      }
    }
    auto need = [&](const char* flag) -> bool {
      if (inline_value) return true;
      if (i + 1 >= args.size()) return false;
      value = args[++i];
      (void)flag;
      return true;
    };
    int64_t n = 0;
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "-V" || a == "--version") {
      o.version = true;
    } else if (a == "-p" || a == "--policy") {
      if (!need("--policy") || value.empty()) return MakeError("--policy needs a file name");
      o.policy_path = value;
      have_policy = true;
    } else if (a == "-c" || a == "--cpu") {
      if (!need("--cpu")) return MakeError("--cpu needs a CPU number");
      if (!ParseInt(value, 0, nr_cpus - 1, &n))
        return MakeError("--cpu " + value + ": not a CPU of this machine (valid: 0.." +
                         std::to_string(nr_cpus - 1) + ")");
      o.cpu = static_cast<int>(n);
    } else if (a == "-s" || a == "--slice-us") {
      if (!need("--slice-us")) return MakeError("--slice-us needs a number of microseconds");
      if (!ParseInt(value, 50, 100'000, &n))
        return MakeError("--slice-us " + value + ": must be 50..100000 microseconds");
      o.slice_ns = static_cast<uint64_t>(n) * 1000;
    } else if (a == "--stats") {
      if (!need("--stats")) return MakeError("--stats needs seconds");
      if (!ParseInt(value, 0, 86400, &n)) return MakeError("--stats " + value + ": must be 0..86400 seconds");
      o.stats_interval_s = static_cast<int>(n);
    } else if (a == "--stats-json") {
      o.stats_json = true;
    } else if (a == "--stats-file") {
      if (!need("--stats-file")) return MakeError("--stats-file needs a path ('' disables it)");
      o.stats_file = value;
    } else if (a == "--watch") {
      o.watch = true;
    } else if (a == "--no-watch") {
      o.no_watch = true;
    } else if (a == "--log-verdicts") {
      o.log_verdicts = true;
    } else if (a == "--dry-run") {
      o.dry_run = true;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--threads") {
      o.threads = true;
    } else if (a == "--heap-mb") {
      if (!need("--heap-mb") || !ParseInt(value, 0, 65536, &n)) return MakeError("--heap-mb takes 0..65536 (MiB)");
      o.heap_mb = static_cast<int>(n);
    } else if (a == "--workers") {
      if (!need("--workers") || !ParseInt(value, 0, 64, &n)) return MakeError("--workers takes 0..64");
      o.workers = static_cast<int>(n);
    } else if (a == "--transport") {
      if (!need("--transport") || (value != "ringbuf" && value != "arena"))
        return MakeError("--transport takes ringbuf or arena");
      o.transport = value;
      o.transport_set = true;
    } else if (a == "--spin-us") {
      if (!need("--spin-us") || !ParseInt(value, -1, 1'000'000, &n)) return MakeError("--spin-us takes -1..1000000");
      o.spin_us = static_cast<int>(n);
    } else if (a == "--no-mlock") {
      o.no_mlock = true;
    } else if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else {
      return MakeError("unknown option '" + args[i] + "' (see --help)");
    }
  }
  if (o.help || o.version) return o;
  if (o.command == Options::Command::kStats) {
    if (have_policy || o.dry_run) return MakeError("stats takes no --policy or --dry-run");
    return o;
  }
  if (o.watch) return MakeError("--watch goes with the stats command");
  if (!have_policy) return MakeError("--policy FILE is required (see --help)");
  if ((o.json || o.threads) && !o.dry_run) return MakeError("--json and --threads go with --dry-run");
  if (o.dry_run) o.command = Options::Command::kDryRun;
  return o;
}

}  // namespace lsf
