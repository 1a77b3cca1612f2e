// The option table of luasched-fast: every option once, with the commands that take it (used by options.cc and completion.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "dispatcher/options.h"

namespace lsf::option_table {

// Which commands take an option (a bit per Options::Command).
inline constexpr unsigned kRun = 1, kDry = 2, kStats = 4, kTop = 8, kCheck = 16, kWhy = 32, kRecord = 64, kReplay = 128,
                   kAny = 255;
inline constexpr unsigned kRunLike = kRun | kDry;  // a scheduler command line; adding --dry-run tries it out
constexpr unsigned Bit(Options::Command c) { return 1u << static_cast<unsigned>(c); }
inline constexpr std::string_view kCommandNames[] = {"the scheduler", "--dry-run", "stats", "top",
                                              "check",         "why",       "record", "replay"};
// The commands named by a first argument, in the order of Options::Command from kStats on.
inline constexpr std::string_view kCommandWords[] = {"stats", "top", "check", "why", "record", "replay"};
inline constexpr unsigned kNrCommands = sizeof kCommandNames / sizeof kCommandNames[0];

enum class Kind {
  kFlag,    // no value; sets a bool
  kInt,     // integer in [lo, hi], stored times `scale`
  kCpu,     // integer in [0, nr_cpus)
  kString,  // any text (`allow_empty`: '' too)
  kChoice,  // one of `choices` ("a|b|c")
  kList,    // any text, appended each time the option is given
};

// A choice option's member, an enum whose enumerators are in the order of the choices.
struct ChoiceRef {
  int (*get)(const Options&);
  void (*set)(Options&, int);
};
template <auto M>
constexpr ChoiceRef Choice() {
  return {[](const Options& o) { return static_cast<int>(o.*M); },
          [](Options& o, int v) { o.*M = static_cast<std::remove_reference_t<decltype(o.*M)>>(v); }};
}

using Member = std::variant<bool Options::*, int Options::*, uint64_t Options::*, std::string Options::*, ChoiceRef,
                            std::vector<std::string> Options::*>;

struct Spec {
  char short_name;           // 0: none
  std::string_view name;     // long name without "--"
  std::string_view metavar;  // value placeholder in --help ("" for flags)
  unsigned commands;         // bits: kRun, kDry, kStats, kTop, kCheck, kWhy, kRecord, kReplay
  Kind kind;
  Member member;
  std::string_view help;     // '\n' continues on the next help line
  int64_t lo = 0, hi = 0;    // kInt range
  int64_t scale = 1;         // kInt: stored value = given value * scale
  std::string_view unit;     // kInt: unit named in errors ("microseconds")
  std::string_view choices;  // kChoice: "a|b"
  bool allow_empty = false;  // kString: '' accepted
  bool Options::*given = nullptr;  // also set to true when the option is given
};

// Every option, once. The default of each is the initialiser of its member in Options.
inline constexpr Spec kSpecs[] = {
    {'p', "policy", "FILE", kRunLike | kCheck | kReplay, Kind::kString, &Options::policy_path,
     "the Lua policy (see docs/policy-api.md); required"},
    {'c', "cpu", "N", kRunLike, Kind::kCpu, &Options::cpu, "pin the dispatcher to CPU N"},
    {'s', "slice-us", "US", kRunLike, Kind::kInt, &Options::slice_ns,
     "slice for verdicts that set none, in microseconds", 50, 100'000, 1000, "microseconds"},
    {0, "stats", "SEC", kRunLike, Kind::kInt, &Options::stats_interval_s,
     "print a stats line every SEC seconds; 0: only at exit", 0, 86400, 1, "seconds"},
    {0, "stats-json", "", kRunLike, Kind::kFlag, &Options::stats_json,
     "periodic stats as JSON lines instead of the human-readable line; with\n"
     "--log-verdicts, one JSON object per verdict too (times of the miss and the verdict)"},
    {0, "stats-file", "FILE", kRunLike | kStats | kTop, Kind::kString, &Options::stats_file,
     "JSON stats rewritten every second, read by `stats` and `top`;\n'' disables", 0, 0, 1, "", "", true},
    {0, "decisions-file", "FILE", kRunLike | kWhy | kRecord, Kind::kString, &Options::decisions_file,
     "the last 4096 decisions (a shared-memory ring) for `why` and `record`;\n'' disables",
     0, 0, 1, "", "", true},
    {0, "metrics-file", "FILE", kRunLike, Kind::kString, &Options::metrics_file,
     "metrics in the Prometheus text format, rewritten every second (atomically),\n"
     "for node_exporter's textfile collector (DIR/luasched-fast.prom)",
     0, 0, 1, "", "", true},
    {0, "log-verdicts", "", kRunLike, Kind::kFlag, &Options::log_verdicts, "print one line per classification"},
    {0, "log-level", "LEVEL", kAny, Kind::kChoice, Choice<&Options::log_level>(),
     "messages on stderr up to LEVEL: error, warning, info or debug", 0, 0, 1, "", "error|warning|info|debug"},
    {0, "no-watch", "", kRunLike, Kind::kFlag, &Options::no_watch,
     "reload the policy on SIGHUP only (default: also when the file changes)"},
    {0, "no-mlock", "", kRunLike, Kind::kFlag, &Options::no_mlock, "do not lock memory (default: mlockall)"},
    {0, "heap-mb", "MB", kRunLike, Kind::kInt, &Options::heap_mb,
     "heap reserved, committed and locked at start; 0: none", 0, 65536, 1, "MiB"},
    {0, "workers", "N", kRunLike, Kind::kInt, &Options::workers,
     "evaluate the policy on N worker threads, each with its own Lua state,\n"
     "fed through lock-free queues; 0: on the dispatcher thread", 0, 64},
    {0, "transport", "T", kRunLike, Kind::kChoice, Choice<&Options::transport>(),
     "arena: lock-free rings in BPF arena memory shared with the kernel, falling\n"
     "back to ringbuf if the kernel lacks arenas (unless given); ringbuf: BPF ring\n"
     "buffers (see docs/performance.md for the comparison)",
     0, 0, 1, "", "ringbuf|arena", false, &Options::transport_set},
    {0, "miss", "MODE", kRunLike, Kind::kChoice, Choice<&Options::miss>(),
     "what a task without a cached verdict does while the policy decides:\n"
     "run: it runs at once, a forked task by its parent's verdict, a renamed one\n"
     "by its previous one, anything else as DEFAULT; the policy's verdict applies\n"
     "from its next wakeup. wait: it waits for the verdict (at most 20 ms)",
     0, 0, 1, "", "run|wait"},
    {0, "fork", "MODE", kRunLike, Kind::kChoice, Choice<&Options::fork>(),
     "inherit: a fork of a task whose verdict was decided from what a fork\n"
     "shares with its parent (comm, uid, gid, nice, cgroup, allowed CPUs; no\n"
     "target CPU or LLC) starts with that verdict as its own, without asking\n"
     "the policy. ask: every fork is a miss (for a policy that counts tasks or\n"
     "keeps other state of its own)",
     0, 0, 1, "", "inherit|ask"},
    {0, "miss-rate", "N", kRunLike, Kind::kInt, &Options::miss_rate,
     "misses per second each user (uid) may send to the policy, after a burst of 64;\n"
     "a task over its user's budget runs by its provisional verdict and asks again\n"
     "20 ms later (nothing is lost); 0: no limit",
     0, 1'000'000, 1, "misses per second"},
    {0, "spin-us", "US", kRunLike, Kind::kInt, &Options::spin_us,
     "busy-poll this long after a miss before sleeping; 0: never;\n"
     "-1: always, the lowest latency for a whole CPU", -1, 1'000'000, 1, "microseconds"},
    {0, "dry-run", "", kRunLike, Kind::kFlag, &Options::dry_run,
     "classify the running processes (from /proc) and print the verdicts;\n"
     "no BPF, no root, works on any Linux: test a policy before deploying it"},
    {0, "json", "", kDry | kStats | kCheck | kWhy | kReplay, Kind::kFlag, &Options::json,
     "with --dry-run, stats, check, why or replay: JSON output"},
    {0, "threads", "", kDry | kCheck, Kind::kFlag, &Options::threads,
     "with --dry-run or check: every thread, not one per process"},
    {0, "no-proc", "", kCheck, Kind::kFlag, &Options::no_proc,
     "with check: only the built-in tasks, not the running processes"},
    {'o', "output", "FILE", kRecord, Kind::kString, &Options::output, "with record: the recording to write (required)"},
    {0, "duration", "S", kRecord, Kind::kInt, &Options::duration_s,
     "with record: stop after S seconds; 0: at Ctrl-C", 0, 604800, 1, "seconds"},
    {0, "max-mb", "MB", kRecord, Kind::kInt, &Options::max_mb,
     "with record: stop when the recording would grow past MB MiB", 1, 65536, 1, "MiB"},
    {0, "expect", "COMM=CLASS", kReplay, Kind::kList, &Options::expect,
     "with replay: fail (exit 1) unless every decision of tasks named COMM is\nCLASS (REALTIME, BATCH or DEFAULT); may be given several times"},
    {0, "watch", "", kStats, Kind::kFlag, &Options::watch, "with stats: refresh every second, with rates"},
    {0, "list", "", kStats, Kind::kFlag, &Options::list,
     "with stats: every stat with its JSON key, metric name and meaning"},
    {'v', "verbose", "", kRunLike, Kind::kFlag, &Options::verbose, "libbpf debug output (verifier log on load errors)"},
    {'h', "help", "", kAny, Kind::kFlag, &Options::help, "this text"},
    {'V', "version", "", kAny, Kind::kFlag, &Options::version, "version"},
};

static_assert(LSF_MISS_BURST == 64, "the --miss-rate help text names the burst");

// "a|b|c" -> {"a", "b", "c"}.
inline std::vector<std::string_view> Split(std::string_view choices) {
  std::vector<std::string_view> out;
  for (size_t pos = 0;;) {
    size_t bar = choices.find('|', pos);
    out.push_back(choices.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos));
    if (bar == std::string_view::npos) return out;
    pos = bar + 1;
  }
}
inline std::string Dashed(const Spec& s) { return "--" + std::string(s.name); }

}  // namespace lsf::option_table
