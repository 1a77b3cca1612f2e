// `luasched-fast check FILE`: a policy run over built-in and /proc tasks, its problems reported, no BPF.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "bpf/intf.h"
#include "policies/policy_engine.h"

namespace lsf {

// One task `check` asked the policy about, where it came from and what it read.
struct CheckTask {
  lsf_miss miss;
  std::string source;   // "built-in" or "proc"
  std::string cgroup;   // built-in tasks: task:cgroup(); "" for /proc tasks (read when asked)
  double runtime_ns = -1;  // built-in tasks: task:runtime(); -1: read from /proc when asked
};

// A decision that went wrong: what kind, for which task, and the policy's message when it logged one.
struct CheckProblem {
  std::string kind;     // "error", "overrun", "no_verdict", "invalid", "clamped"
  std::string source;   // of the task
  int32_t pid = 0;
  std::string comm;
  std::string message;  // the engine logs each kind once: later ones of a kind carry ""
};

// Decisions a fork may not take as its own, grouped by why.
struct CheckNotInheritable {
  std::string why;
  uint64_t count = 0;
  std::vector<std::string> examples;  // comms, the first kCheckExamples distinct ones
};
inline constexpr size_t kCheckExamples = 5;

struct CheckReport {
  std::string policy;
  bool loaded = false;
  std::string load_error;
  size_t builtin_tasks = 0, proc_tasks = 0;
  uint64_t per_class[LSF_NR_CLASSES] = {};
  uint64_t inheritable = 0;              // decisions a fork may take as its own (--fork inherit)
  std::vector<CheckProblem> problems;    // failures and clamped slices
  std::vector<CheckNotInheritable> not_inheritable;
  double decisions_per_s = 0;
  PolicyCounters counters;
};

// Exit codes of `check` (docs/policy-api.md): 0 every decision valid (clamped slices are only
// reported); 1 a decision failed (error, overrun, no verdict, invalid verdict); 3 the policy does not
// load (2 is a usage error, as for every command).
inline constexpr int kCheckOk = 0, kCheckProblems = 1, kCheckNoLoad = 3;

// Loads `source` (named `path`) with `opts` and decides every task once, in order. The engine's
// cgroup and runtime lookups answer built-in tasks from the CheckTask and others as `opts` would.
CheckReport CheckPolicy(const std::string& source, const std::string& path, PolicyEngine::Options opts,
                        const std::vector<CheckTask>& tasks);

int CheckExitCode(const CheckReport& r);

// The report as text for people, or as one JSON object.
void PrintCheck(const CheckReport& r, bool json, FILE* out);

}  // namespace lsf
