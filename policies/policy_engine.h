// PolicyEngine: runs one user Lua policy (luasched-compatible API) in a sandboxed LuaJIT state.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bpf/intf.h"
#include "common/result.h"
#include "policies/policy_counters.h"

namespace lsf {

// Where a Decision came from. The values are part of the decision ring and recording formats
// (dispatcher/decision_record.h): append, never renumber.
enum class DecisionSource : uint32_t {
  kPolicy = 0,     // the policy's verdict
  kError = 1,      // the policy raised an error: DEFAULT
  kOverrun = 2,    // the decision ran past its budget: DEFAULT
  kInvalid = 3,    // the policy named no valid class or slice: DEFAULT
  kNoVerdict = 4,  // the policy decided nothing: DEFAULT
  kDeferred = 5,   // not decided (rate limit per task): no verdict sent
};
inline constexpr uint32_t kNrDecisionSources = 6;
// "policy", "error", "overrun", "invalid", "no_verdict", "deferred" ("?" out of range).
const char* DecisionSourceName(uint32_t source);

// How a Decision was reached, for `luasched-fast why` and recordings: what the policy read and the
// line that set the class. Plain data (copied through the worker queues).
struct DecisionTrace {
  static constexpr size_t kCgroupLen = 200;  // task:cgroup() answers are kept up to 199 bytes
  DecisionSource source = DecisionSource::kPolicy;
  uint32_t reads = 0;             // enum lsf_task_read bits (policies/frame.h)
  int32_t line = 0;               // policy line that set the class (ctx:dsq), or for a returned
                                  // class the first line of the attached function; 0: unknown
  bool returned = false;          // the class was returned by the attached function, not ctx:dsq
  uint64_t duration_ns = 0;       // the decision's wall time (CLOCK_MONOTONIC)
  double runtime_ns = -1;         // task:runtime()'s answer, if reads has LSF_READ_RUNTIME
  char cgroup[kCgroupLen] = {};   // task:cgroup()'s answer (NUL terminated), if reads has LSF_READ_CGROUP
};

// What the policy decided for one task. Always valid to send to BPF: the engine sanitises it.
struct Decision {
  uint32_t dsq = LSF_CLASS_DEFAULT;  // enum lsf_class (never NONE)
  uint64_t slice_ns = 0;             // > 0, within [LSF_SLICE_MIN_NS, LSF_SLICE_MAX_NS]
  int32_t cpu = LSF_CPU_ANY;         // LSF_CPU_ANY or a CPU in the task's allowed set
  int32_t llc = -1;                  // -1, or an LLC the policy asked for (ctx:llc): the dispatcher
                                     // turns it into a CPU when `cpu` is LSF_CPU_ANY
  bool fork_shared = false;          // the policy decided, reading only what a fork shares with its
                                     // parent (comm, uid, gid, nice, prio, cgroup, allowed CPUs), and
                                     // named no CPU or LLC: a fork would get the same decision
  bool deferred = false;             // not decided now (the task missed too often, see
                                     // max_misses_per_task_per_s): send no verdict; the task runs by its
                                     // provisional verdict and asks again after its deadline
  DecisionTrace trace;
};

class PolicyEngine {
 public:
  struct Options {
    uint64_t default_slice_ns = LSF_SLICE_DFL_NS;  // slice when the policy sets none
    int nr_cpus = 1;                               // valid ctx:cpu() range is [0, nr_cpus)
    std::vector<int> cpu_llc;                      // LLC of each CPU (index: CPU); empty: one LLC
    // Returns the cgroup v2 path of a task ("/system.slice/nginx.service"), "" if unknown.
    // Default: parses /proc/<pid>/cgroup. Tests inject fakes.
    std::function<std::string(int32_t pid)> cgroup_path;
    // Returns the CPU time a task has run, ns (task:runtime()), -1 if unknown. Default: the first
    // field of /proc/<pid>/schedstat, else utime + stime of /proc/<pid>/stat. Tests inject fakes.
    std::function<double(int32_t pid)> task_runtime;
    // Receives log lines (policy errors, print() output). Default: stderr.
    std::function<void(const std::string&)> log;
    // Loop iterations plus function calls one decision of the policy may make before it is
    // aborted (an error: DEFAULT). Enforced by instrumenting the source (policies/loop_guard.h),
    // which, unlike a count hook, also stops JIT-compiled loops.
    int instruction_limit = 1'000'000;
    // Bytes the policy's Lua state may allocate; beyond it allocations fail (a Lua error).
    size_t memory_limit = 64u << 20;
    // Wall-clock budget of one decision. Past it the decision is stopped (the loop guard, the
    // pattern matcher and large allocations check it), answered DEFAULT, counted as an overrun,
    // and the next decision runs on a fresh Lua state built from the same source (at most one
    // fresh state a second).
    uint64_t decision_budget_ns = 10'000'000;
    // Misses after exec or rename of one task (pid) per second that run the policy; beyond, no
    // decision (Decision::deferred: the task asks again later) without running it (a task that
    // renames itself in a loop costs a bounded amount of policy CPU). 0: no limit.
    uint32_t max_misses_per_task_per_s = 16;
  };

  // Loads a policy file: runs its top level in the sandbox; the file must call sched.attach(fn)
  // (or scx.attach). Errors (missing file, syntax error, runtime error at top level, no attach)
  // are returned, never thrown. The file is read by name: the dispatcher uses ReadTrustedPolicy
  // (dispatcher/policy_file.h) and LoadString instead.
  static Result<std::unique_ptr<PolicyEngine>> LoadFile(const std::string& path, Options opts);
  static Result<std::unique_ptr<PolicyEngine>> LoadString(const std::string& source,
                                                          const std::string& chunk_name,
                                                          Options opts);
  ~PolicyEngine();
  PolicyEngine(const PolicyEngine&) = delete;
  PolicyEngine& operator=(const PolicyEngine&) = delete;

  // Classifies one task. Never throws, never fails: a policy error, overrun or missing verdict
  // yields DEFAULT with the default slice, is counted, and is logged once per engine (per kind).
  // Returns within about opts.decision_budget_ns (plus, after an overrun, the time to build a
  // fresh Lua state). REQUIRES: called from one thread at a time (one lua_State).
  Decision Decide(const lsf_miss& miss);

  const PolicyCounters& counters() const { return counters_; }
  const std::string& name() const { return name_; }

 private:
  struct Impl;
  struct RateSlot {
    int32_t pid = 0;
    uint32_t misses = 0;
    uint64_t window_start_ns = 0;
  };
  static Result<std::unique_ptr<Impl>> Build(const std::string& source, const std::string& chunk_name,
                                             const Options& opts);
  PolicyEngine(std::unique_ptr<Impl> impl, std::string name, std::string source);
  bool OverRate(const lsf_miss& m);
  void Trace(Decision* d, DecisionSource source, uint64_t start_ns) const;
  void ReplaceState();

  std::unique_ptr<Impl> impl_;
  std::string name_;
  std::string source_;  // for a fresh state after an overrun
  PolicyCounters counters_;
  bool needs_fresh_state_ = false;
  uint64_t last_fresh_state_ns_ = 0;
  std::array<RateSlot, 1024> rate_{};  // direct-mapped by pid
};

// The engine's default lookups (PolicyEngine::Options::cgroup_path, task_runtime): /proc.
std::string ProcCgroupPath(int32_t pid);
double ProcTaskRuntime(int32_t pid);

}  // namespace lsf
