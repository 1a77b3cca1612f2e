// `luasched-fast check FILE`: a policy run over built-in and /proc tasks, its problems reported, no BPF.
#include "dispatcher/check.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstring>
#include <map>
#include <memory>

#include "dispatcher/dispatcher.h"
#include "dispatcher/dry_run.h"

namespace lsf {
namespace {

// What one decision did, from the engine's counters before and after it.
struct Delta {
  const char* kind;
  uint64_t PolicyCounters::*field;
};
// Failures first (an overrun also counts as an error: reported once, as the overrun).
constexpr Delta kDeltas[] = {
    {"overrun", &PolicyCounters::overruns},   {"error", &PolicyCounters::errors},
    {"no_verdict", &PolicyCounters::no_verdict}, {"invalid", &PolicyCounters::invalid},
    {"clamped", &PolicyCounters::clamped_slices},
};

std::string Comm(const char* c) { return std::string(c, strnlen(c, LSF_COMM_LEN)); }

// Why a decision is not a fork's own verdict (Decision::fork_shared is false).
std::string NotInheritableWhy(const Decision& d) {
  if (d.cpu != LSF_CPU_ANY) return "names a CPU (ctx:cpu)";
  if (d.llc >= 0) return "names an LLC (ctx:llc)";
  return "read a field a fork does not share (pid, tgid, ppid, pcomm, runtime, prev_cpu or llc)";
}

}  // namespace

CheckReport CheckPolicy(const std::string& source, const std::string& path, PolicyEngine::Options opts,
                        const std::vector<CheckTask>& tasks) {
  CheckReport r;
  r.policy = path;
  std::map<int32_t, const CheckTask*> builtin;
  for (const CheckTask& t : tasks) {
    if (t.source == "built-in") {
      builtin[t.miss.pid] = &t;
      ++r.builtin_tasks;
    } else {
      ++r.proc_tasks;
    }
  }
  auto cgroup = opts.cgroup_path ? opts.cgroup_path : ProcCgroupPath;
  auto runtime = opts.task_runtime ? opts.task_runtime : ProcTaskRuntime;
  opts.cgroup_path = [&builtin, cgroup](int32_t pid) {
    auto it = builtin.find(pid);
    return it != builtin.end() ? it->second->cgroup : cgroup(pid);
  };
  opts.task_runtime = [&builtin, runtime](int32_t pid) {
    auto it = builtin.find(pid);
    return it != builtin.end() ? it->second->runtime_ns : runtime(pid);
  };
  auto logged = std::make_shared<std::string>();
  opts.log = [logged](const std::string& line) { *logged += (logged->empty() ? "" : "\n") + line; };

  auto engine = PolicyEngine::LoadString(source, path, opts);
  if (!engine) {
    r.load_error = engine.error();
    return r;
  }
  r.loaded = true;
  const auto start = std::chrono::steady_clock::now();
  for (const CheckTask& t : tasks) {
    const PolicyCounters before = (*engine)->counters();
    logged->clear();
    const Decision d = (*engine)->Decide(t.miss);
    const PolicyCounters& after = (*engine)->counters();
    if (d.dsq < LSF_NR_CLASSES) ++r.per_class[d.dsq];
    bool failed = false;
    for (const Delta& k : kDeltas) {
      if (after.*k.field == before.*k.field) continue;
      const bool failure = std::strcmp(k.kind, "clamped") != 0;
      if (failure && failed) continue;  // one failure per decision (an overrun is an error too)
      failed = failed || failure;
      r.problems.push_back({k.kind, t.source, t.miss.pid, Comm(t.miss.comm), *logged});
    }
    if (d.fork_shared) {
      ++r.inheritable;
    } else if (!failed) {
      const std::string why = NotInheritableWhy(d), comm = Comm(t.miss.comm);
      auto it = std::find_if(r.not_inheritable.begin(), r.not_inheritable.end(),
                             [&](const CheckNotInheritable& n) { return n.why == why; });
      if (it == r.not_inheritable.end()) it = r.not_inheritable.insert(it, CheckNotInheritable{why, 0, {}});
      ++it->count;
      if (it->examples.size() < kCheckExamples &&
          std::find(it->examples.begin(), it->examples.end(), comm) == it->examples.end())
        it->examples.push_back(comm);
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.decisions_per_s = s > 0 ? static_cast<double>(tasks.size()) / s : 0;
  r.counters = (*engine)->counters();
  return r;
}

int CheckExitCode(const CheckReport& r) {
  if (!r.loaded) return kCheckNoLoad;
  for (const CheckProblem& p : r.problems)
    if (p.kind != "clamped") return kCheckProblems;
  return kCheckOk;
}

void PrintCheck(const CheckReport& r, bool json, FILE* out) {
  const int code = CheckExitCode(r);
  if (json) {
    std::fprintf(out, "{\"policy\": %s, \"loaded\": %s, \"load_error\": %s, \"exit_code\": %d,\n",
                 JsonString(r.policy).c_str(), r.loaded ? "true" : "false", JsonString(r.load_error).c_str(), code);
    std::fprintf(out, " \"tasks\": {\"built_in\": %zu, \"proc\": %zu},\n", r.builtin_tasks, r.proc_tasks);
    std::fprintf(out, " \"classes\": {");
    for (uint32_t c = LSF_CLASS_REALTIME; c < LSF_NR_CLASSES; ++c)
      std::fprintf(out, "%s\"%s\": %" PRIu64, c > LSF_CLASS_REALTIME ? ", " : "", ClassName(c), r.per_class[c]);
    std::fprintf(out, "},\n \"inheritable\": %" PRIu64 ", \"decisions_per_s\": %.0f,\n \"problems\": [",
                 r.inheritable, r.decisions_per_s);
    for (size_t i = 0; i < r.problems.size(); ++i) {
      const CheckProblem& p = r.problems[i];
      std::fprintf(out, "%s\n  {\"kind\": \"%s\", \"source\": \"%s\", \"pid\": %d, \"comm\": %s, \"message\": %s}",
                   i ? "," : "", p.kind.c_str(), p.source.c_str(), p.pid, JsonString(p.comm).c_str(),
                   JsonString(p.message).c_str());
    }
    std::fprintf(out, "%s],\n \"not_inheritable\": [", r.problems.empty() ? "" : "\n ");
    for (size_t i = 0; i < r.not_inheritable.size(); ++i) {
      const CheckNotInheritable& n = r.not_inheritable[i];
      std::fprintf(out, "%s\n  {\"why\": %s, \"count\": %" PRIu64 ", \"examples\": [", i ? "," : "",
                   JsonString(n.why).c_str(), n.count);
      for (size_t e = 0; e < n.examples.size(); ++e)
        std::fprintf(out, "%s%s", e ? ", " : "", JsonString(n.examples[e]).c_str());
      std::fprintf(out, "]}");
    }
    std::fprintf(out, "%s]}\n", r.not_inheritable.empty() ? "" : "\n ");
    return;
  }
  if (!r.loaded) {
    std::fprintf(out, "%s: does not load: %s\n", r.policy.c_str(), r.load_error.c_str());
    return;
  }
  std::fprintf(out, "%s: loads; %zu built-in and %zu /proc tasks decided (%.0f decisions/s)\n", r.policy.c_str(),
               r.builtin_tasks, r.proc_tasks, r.decisions_per_s);
  std::fprintf(out, "  classes: REALTIME %" PRIu64 ", BATCH %" PRIu64 ", DEFAULT %" PRIu64 "\n",
               r.per_class[LSF_CLASS_REALTIME], r.per_class[LSF_CLASS_BATCH], r.per_class[LSF_CLASS_DEFAULT]);
  for (const CheckProblem& p : r.problems) {
    std::fprintf(out, "  %s: %s task %d (%s)%s%s\n", p.kind.c_str(), p.source.c_str(), p.pid, p.comm.c_str(),
                 p.message.empty() ? "" : ": ", p.message.c_str());
  }
  const uint64_t total = r.builtin_tasks + r.proc_tasks;
  std::fprintf(out, "  inheritable by forks (--fork inherit): %" PRIu64 " of %" PRIu64 " decisions\n", r.inheritable,
               total);
  for (const CheckNotInheritable& n : r.not_inheritable) {
    std::string ex;
    for (const std::string& e : n.examples) ex += (ex.empty() ? "" : ", ") + e;
    std::fprintf(out, "    %" PRIu64 " not: %s (e.g. %s)\n", n.count, n.why.c_str(), ex.c_str());
  }
  std::fprintf(out, "%s\n", code == kCheckOk ? "ok" : "FAILED: a decision failed (see above)");
}

}  // namespace lsf
