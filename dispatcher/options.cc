// Command-line options of luasched-fast: parsed (without exceptions) and explained (--help) from the option table (option_table.h).
#include "dispatcher/options.h"

#include "dispatcher/option_table.h"

#include <charconv>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <variant>
#include <vector>

namespace lsf {
namespace {

using namespace option_table;


// Parses a whole decimal integer in [lo, hi].
bool ParseInt(std::string_view s, int64_t lo, int64_t hi, int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
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
