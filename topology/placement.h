// CPU placement over a Topology: idle CPU near the previous one, SMT-aware, within allowed CPUs.
#pragma once

#include <bitset>
#include <string>
#include <vector>

#include "bpf/intf.h"
#include "topology/topology.h"

namespace lsf {

using CpuSet = std::bitset<LSF_MAX_CPUS>;

CpuSet CpuSetFromWords(const __u64 (&words)[LSF_CPU_WORDS]);

// Picks a CPU for a task that last ran on `prev_cpu`. Preference order, all within `allowed`:
//   1. a CPU of a fully idle core in the target LLC,   2. an idle CPU in the target LLC,
//   3. a CPU of a fully idle core anywhere,             4. any idle CPU,
//   5. prev_cpu,                                         6. the first allowed CPU of the target LLC,
//   7. the lowest allowed CPU.
// The target LLC is `want_llc` if >= 0, else prev_cpu's. An explicit `want_llc` is binding: steps 3-5
// are skipped while the LLC has an allowed CPU (step 6 comes first). Ties go to the lowest CPU id
// after prev_cpu itself. Returns -1 only if `allowed` has no CPU of the topology.
int PickCpu(const Topology& topo, const CpuSet& allowed, const CpuSet& idle, int prev_cpu, int want_llc = -1);

// CPUs the policy workers are pinned to: the CPUs of `online` (the kernel's list format, as in
// /sys/devices/system/cpu/online) but the dispatcher's. Empty if the list cannot be parsed: the
// workers then run unpinned.
std::vector<int> WorkerCpus(const std::string& online, int dispatcher_cpu);

}  // namespace lsf
