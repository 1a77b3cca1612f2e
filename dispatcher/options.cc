// Command-line options of luasched-fast: declared once in a table (options.cc), parsed without exceptions.
#include "dispatcher/options.h"

#include <charconv>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <variant>
#include <vector>

namespace lsf {
namespace {

// Which commands take an option (a bit per Options::Command).
constexpr unsigned kRun = 1, kDry = 2, kStats = 4, kTop = 8, kCheck = 16, kWhy = 32, kRecord = 64, kReplay = 128,
                   kAny = 255;
constexpr unsigned kRunLike = kRun | kDry;  // a scheduler command line; adding --dry-run tries it out
constexpr unsigned Bit(Options::Command c) { return 1u << static_cast<unsigned>(c); }
constexpr std::string_view kCommandNames[] = {"the scheduler", "--dry-run", "stats", "top",
                                              "check",         "why",       "record", "replay"};
// The commands named by a first argument, in the order of Options::Command from kStats on.
constexpr std::string_view kCommandWords[] = {"stats", "top", "check", "why", "record", "replay"};
constexpr unsigned kNrCommands = sizeof kCommandNames / sizeof kCommandNames[0];

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
constexpr Spec kSpecs[] = {
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

// Parses a whole decimal integer in [lo, hi].
bool ParseInt(std::string_view s, int64_t lo, int64_t hi, int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// "a|b|c" -> {"a", "b", "c"}.
std::vector<std::string_view> Split(std::string_view choices) {
  std::vector<std::string_view> out;
  for (size_t pos = 0;;) {
    size_t bar = choices.find('|', pos);
    out.push_back(choices.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos));
    if (bar == std::string_view::npos) return out;
    pos = bar + 1;
  }
}

// "a|b|c" -> "a, b or c".
std::string ChoiceList(std::string_view choices) {
  auto v = Split(choices);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i == 0 ? "" : i + 1 == v.size() ? " or " : ", ") + std::string(v[i]);
  return out;
}

// The index of `value` among `choices`, or -1.
int ChoiceIndex(std::string_view choices, std::string_view value) {
  auto v = Split(choices);
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] == value) return static_cast<int>(i);
  return -1;
}

std::string Dashed(const Spec& s) { return "--" + std::string(s.name); }

// Stores `value` for `spec` into `o`, or says what is wrong with it.
Status Apply(const Spec& spec, const std::string& value, int nr_cpus, Options* o) {
  const std::string flag = Dashed(spec);
  int64_t n = 0;
  switch (spec.kind) {
    case Kind::kFlag: o->*std::get<bool Options::*>(spec.member) = true; break;
    case Kind::kCpu:
      if (!ParseInt(value, 0, nr_cpus - 1, &n))
        return MakeError(flag + " " + value + ": not a CPU of this machine (valid: 0.." + std::to_string(nr_cpus - 1) + ")");
      o->*std::get<int Options::*>(spec.member) = static_cast<int>(n);
      break;
    case Kind::kInt:
      if (!ParseInt(value, spec.lo, spec.hi, &n))
        return MakeError(flag + " " + value + ": must be " + std::to_string(spec.lo) + ".." + std::to_string(spec.hi) +
                         (spec.unit.empty() ? "" : " " + std::string(spec.unit)));
      if (auto* m = std::get_if<int Options::*>(&spec.member)) o->**m = static_cast<int>(n * spec.scale);
      else o->*std::get<uint64_t Options::*>(spec.member) = static_cast<uint64_t>(n * spec.scale);
      break;
    case Kind::kString:
      if (value.empty() && !spec.allow_empty) return MakeError(flag + " needs a value (" + std::string(spec.metavar) + ")");
      o->*std::get<std::string Options::*>(spec.member) = value;
      break;
    case Kind::kList:
      if (value.empty()) return MakeError(flag + " needs a value (" + std::string(spec.metavar) + ")");
      (o->*std::get<std::vector<std::string> Options::*>(spec.member)).push_back(value);
      break;
    case Kind::kChoice: {
      int i = ChoiceIndex(spec.choices, value);
      if (i < 0) return MakeError(flag + " takes " + ChoiceList(spec.choices));
      std::get<ChoiceRef>(spec.member).set(*o, i);
      break;
    }
  }
  if (spec.given) o->*spec.given = true;
  return {};
}

// The default of `spec` as --help shows it ("" for none).
std::string DefaultText(const Spec& spec) {
  static const Options kDefaults;
  switch (spec.kind) {
    case Kind::kFlag: return "";
    case Kind::kCpu: return std::to_string(kDefaults.*std::get<int Options::*>(spec.member));
    case Kind::kInt:
      if (auto* m = std::get_if<int Options::*>(&spec.member)) return std::to_string(kDefaults.**m / spec.scale);
      return std::to_string(kDefaults.*std::get<uint64_t Options::*>(spec.member) / static_cast<uint64_t>(spec.scale));
    case Kind::kString: {
      const std::string& s = kDefaults.*std::get<std::string Options::*>(spec.member);
      return s.empty() ? (spec.allow_empty ? "none" : "") : s;
    }
    case Kind::kChoice: return std::string(Split(spec.choices)[std::get<ChoiceRef>(spec.member).get(kDefaults)]);
    case Kind::kList: return "";
  }
  return "";
}

}  // namespace

std::string UsageText(int nr_cpus) {
  std::string out =
      "usage: luasched-fast [--cpu N] --policy FILE [options]\n"
      "       luasched-fast --dry-run --policy FILE [--json] [--threads]\n"
      "       luasched-fast stats [--watch] [--json] [--list] [--stats-file FILE]\n"
      "       luasched-fast top [--stats-file FILE]\n"
      "       luasched-fast check FILE [--json] [--threads] [--no-proc]\n"
      "       luasched-fast why PID [--json] [--decisions-file FILE]\n"
      "       luasched-fast record -o FILE [--duration S] [--max-mb MB] [--decisions-file FILE]\n"
      "       luasched-fast replay FILE --policy NEW.lua [--json] [--expect COMM=CLASS ...]\n"
      "\n"
      "A sched_ext CPU scheduler whose policy is a Lua file. Every task is classified once by the\n"
      "policy (REALTIME, BATCH or DEFAULT, a time slice and optionally a CPU); the verdict is cached\n"
      "in BPF until the task execs, renames itself, exits or the policy changes.\n"
      "\n";
  constexpr size_t kHelpColumn = 24;
  for (const Spec& s : kSpecs) {
    std::string head = std::string("  ") + (s.short_name ? std::string("-") + s.short_name + ", " : "    ") + Dashed(s);
    if (!s.metavar.empty()) head += " " + std::string(s.metavar);
    head += head.size() + 1 < kHelpColumn ? std::string(kHelpColumn - head.size(), ' ') : "\n" + std::string(kHelpColumn, ' ');
    std::string help(s.help);
    std::string extra;
    if (s.kind == Kind::kInt) extra = std::to_string(s.lo) + ".." + std::to_string(s.hi);
    if (s.kind == Kind::kCpu) extra = "0.." + (nr_cpus > 0 ? std::to_string(nr_cpus - 1) : std::string("N-1"));
    if (std::string d = DefaultText(s); !d.empty()) extra += (extra.empty() ? "default " : "; default ") + d;
    if (!extra.empty()) help += " (" + extra + ")";
    for (size_t nl = help.find('\n'); nl != std::string::npos; nl = help.find('\n', nl + 1 + kHelpColumn))
      help.replace(nl, 1, "\n" + std::string(kHelpColumn, ' '));
    out += head + help + "\n";
  }
  out +=
      "\n"
      "stats: the counters of the running instance (from its stats file); --watch refreshes every\n"
      "second with rates; --json prints the raw JSON; --list explains every counter.\n"
      "top: a live view of the running instance (rates per class and per CPU, hit rate, fallbacks,\n"
      "round trips, dispatcher CPU), refreshed every second; q or Ctrl-C quits.\n"
      "check: loads FILE in the policy sandbox and runs it over built-in tasks (servers, builds,\n"
      "desktop, users, nice values, cgroups) and the running processes; reports errors, overruns,\n"
      "missing and invalid verdicts, clamped slices, and decisions forks cannot inherit. No BPF,\n"
      "no root. Exit status 0 every decision valid, 1 a decision failed, 3 the file does not load.\n"
      "why: the newest decision of the running instance for task PID (a thread id, else a process's\n"
      "threads), from its ring of recent decisions (a task that exited too): the verdict, where it came\n"
      "from, when, the task fields the policy read with their values, and the policy line that set the\n"
      "class. Exit status 0 found, 1 not in the ring, 3 no running instance.\n"
      "record: follows that ring (every 50 ms) into FILE, a versioned recording of each decision with\n"
      "what the policy read and the verdict it got (docs/recording.md), for replay; Ctrl-C ends it.\n"
      "It prints the decisions written and those lost (the ring lapped it). Exit status 0, 1 a write\n"
      "error, 3 no running instance.\n"
      "replay: runs NEW.lua (same sandbox) over every decision of a recording, cgroup and runtime\n"
      "answered from it; prints the verdicts that change (per class, per comm, examples), policy\n"
      "errors and overruns, decisions/s. No BPF, no root. Exit status 0 no errors and every --expect\n"
      "held, 1 errors or an --expect failed, 3 the recording or the policy cannot be read.\n"
      "\n"
      "Exit status: 0 clean stop (SIGINT/SIGTERM), 1 the kernel ejected the scheduler (reason\n"
      "printed), 2 bad usage, 3 cannot start (no sched_ext, policy error, load failure, no\n"
      "running instance for stats, top, why and record).\n";
  return out;
}

std::string BashCompletion() {
  // `prev` cases: what follows an option that takes a value.
  std::string files, numbers, cpus, choices;
  auto names = [](const Spec& s) {
    return (s.short_name ? std::string("-") + s.short_name + "|" : std::string()) + Dashed(s);
  };
  auto join = [](std::string& list, const std::string& n) { list += (list.empty() ? "" : "|") + n; };
  for (const Spec& s : kSpecs) {
    switch (s.kind) {
      case Kind::kFlag: break;
      case Kind::kString: join(files, names(s)); break;
      case Kind::kInt:
      case Kind::kList: join(numbers, names(s)); break;
      case Kind::kCpu: join(cpus, names(s)); break;
      case Kind::kChoice: {
        std::string words;
        for (std::string_view c : Split(s.choices)) words += (words.empty() ? "" : " ") + std::string(c);
        choices += "    " + names(s) + ") COMPREPLY=($(compgen -W \"" + words + "\" -- \"$cur\")); return ;;\n";
        break;
      }
    }
  }
  // The options each command takes.
  auto words_for = [](unsigned commands) {
    std::string w;
    for (const Spec& s : kSpecs)
      if (s.commands & commands) w += (w.empty() ? "" : " ") + Dashed(s);
    return w;
  };
  std::string out =
      "# bash completion for luasched-fast, generated from its option table by the build: do not edit.\n"
      "_luasched_fast() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} words\n"
      "  case $prev in\n";
  if (!files.empty())
    out += "    " + files + ")\n      COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null; return ;;\n";
  out += choices;
  if (!cpus.empty())
    out += "    " + cpus +
           ")\n      COMPREPLY=($(compgen -W \"$(seq 0 $(( $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) - 1 )))\" "
           "-- \"$cur\")); return ;;\n";
  if (!numbers.empty()) out += "    " + numbers + ") return ;;  # a number or a free value\n";
  out += "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    case ${COMP_WORDS[1]:-} in\n"
         "      stats) words=\"" + words_for(kStats) + "\" ;;\n"
         "      top) words=\"" + words_for(kTop) + "\" ;;\n"
         "      check) words=\"" + words_for(kCheck) + "\" ;;\n"
         "      why) words=\"" + words_for(kWhy) + "\" ;;\n"
         "      record) words=\"" + words_for(kRecord) + "\" ;;\n"
         "      replay) words=\"" + words_for(kReplay) + "\" ;;\n"
         "      *) words=\"" + words_for(kRunLike) + "\" ;;\n"
         "    esac\n"
         "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  elif [ \"$COMP_CWORD\" = 1 ]; then\n"
         "    COMPREPLY=($(compgen -W \"stats top check why record replay\" -- \"$cur\"))\n"
         "  elif [ \"${COMP_WORDS[1]}\" = check ] || [ \"${COMP_WORDS[1]}\" = replay ]; then\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null\n"
         "  fi\n"
         "}\n"
         "complete -F _luasched_fast luasched-fast\n";
  return out;
}

Result<Options> ParseOptions(const std::vector<std::string>& args, int nr_cpus) {
  Options o;
  size_t first = 0;
  for (size_t c = 0; !args.empty() && c < std::size(kCommandWords); ++c) {
    if (args[0] != kCommandWords[c]) continue;
    o.command = static_cast<Options::Command>(static_cast<size_t>(Options::Command::kStats) + c);
    first = 1;
  }
  std::vector<const Spec*> given;
  for (size_t i = first; i < args.size(); ++i) {
    std::string a = args[i], value;
    bool inline_value = false;
    if (a.rfind("--", 0) == 0) {
      if (size_t eq = a.find('='); eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        inline_value = true;
      }
    }
    if (o.command == Options::Command::kCheck && !a.empty() && a[0] != '-') {  // check FILE
      if (!o.policy_path.empty()) return MakeError("check takes one policy FILE, not '" + args[i] + "' as well");
      o.policy_path = a;
      continue;
    }
    if (o.command == Options::Command::kReplay && !a.empty() && a[0] != '-') {  // replay FILE
      if (!o.recording_path.empty()) return MakeError("replay takes one recording FILE, not '" + args[i] + "' as well");
      o.recording_path = a;
      continue;
    }
    if (o.command == Options::Command::kWhy && !a.empty() && a[0] != '-') {  // why PID
      int64_t pid = 0;
      if (o.pid != 0) return MakeError("why takes one PID, not '" + args[i] + "' as well");
      if (!ParseInt(a, 1, INT32_MAX, &pid)) return MakeError("why PID: '" + a + "' is not a process id");
      o.pid = static_cast<int>(pid);
      continue;
    }
    const Spec* spec = nullptr;
    for (const Spec& s : kSpecs)
      if (a == Dashed(s) || (s.short_name && a.size() == 2 && a[0] == '-' && a[1] == s.short_name)) spec = &s;
    if (!spec) return MakeError("unknown option '" + args[i] + "' (see --help)");
    if (spec->kind == Kind::kFlag) {
      if (inline_value) return MakeError(Dashed(*spec) + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= args.size()) return MakeError(Dashed(*spec) + " needs a value (" + std::string(spec->metavar) + ")");
      value = args[++i];
    }
    if (auto st = Apply(*spec, value, nr_cpus, &o); !st) return MakeError(st.error());
    given.push_back(spec);
  }
  if (o.help || o.version) return o;
  if (o.dry_run && o.command == Options::Command::kRun) o.command = Options::Command::kDryRun;
  for (const Spec* s : given) {
    if (s->commands & Bit(o.command)) continue;
    std::string with;
    for (unsigned c = 0; c < kNrCommands; ++c)
      if (s->commands & (1u << c)) with += (with.empty() ? "" : ", ") + std::string(kCommandNames[c]);
    return MakeError(Dashed(*s) + " does not go with " + std::string(kCommandNames[static_cast<unsigned>(o.command)]) +
                     " (it goes with: " + with + "; see --help)");
  }
  if ((o.command == Options::Command::kRun || o.command == Options::Command::kDryRun) && o.policy_path.empty())
    return MakeError("--policy FILE is required (see --help)");
  if (o.command == Options::Command::kCheck && o.policy_path.empty())
    return MakeError("check needs a policy FILE: luasched-fast check FILE (see --help)");
  if (o.command == Options::Command::kWhy && o.pid == 0)
    return MakeError("why needs a PID: luasched-fast why PID (see --help)");
  if (o.command == Options::Command::kRecord && o.output.empty())
    return MakeError("record needs an output file: luasched-fast record -o FILE (see --help)");
  if (o.command == Options::Command::kReplay && (o.recording_path.empty() || o.policy_path.empty()))
    return MakeError("replay needs a recording and a policy: luasched-fast replay FILE --policy NEW.lua (see --help)");
  return o;
}

}  // namespace lsf
