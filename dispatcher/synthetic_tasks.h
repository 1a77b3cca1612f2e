// The built-in tasks `check` runs a policy over: common programs, users, nice values and cgroups.
#pragma once

#include <vector>

#include "dispatcher/check.h"

namespace lsf {

// The set, the same on every machine (nr_cpus: the allowed-CPU masks cover CPUs 0..nr_cpus-1, and
// one task is pinned to the last CPU).
std::vector<CheckTask> SyntheticTasks(int nr_cpus);  // source "built-in", pids no live task has

}  // namespace lsf
