// The built-in tasks `check` runs a policy over: common programs, users, nice values and cgroups.
#pragma once

#include <string>
#include <vector>

#include "bpf/intf.h"

namespace lsf {

struct SyntheticTask {
  lsf_miss miss;           // the record the policy sees (pid in a range no live task has)
  std::string cgroup;      // task:cgroup()
  double runtime_ns = 0;   // task:runtime()
};

// The set, the same on every machine (nr_cpus: the allowed-CPU masks cover CPUs 0..nr_cpus-1, and
// one task is pinned to the last CPU).
std::vector<SyntheticTask> SyntheticTasks(int nr_cpus);

}  // namespace lsf
