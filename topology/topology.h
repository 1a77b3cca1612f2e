// Topology: CPUs with their core, LLC, NUMA node and package, from hwloc, sysfs or a synthetic shape.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace lsf {

// A plain description of the machine; hwloc stays out of this header (see hwloc_topology.cc).
// Ids of cores/LLCs/nodes/packages are dense indices assigned by the builder (0..n-1), not OS ids.
struct Topology {
  struct Cpu {
    int id = 0;       // OS CPU number
    int core = 0;     // SMT siblings share a core
    int llc = 0;      // CPUs sharing the last-level cache
    int node = 0;     // NUMA node
    int package = 0;  // socket
  };
  std::vector<Cpu> cpus;  // sorted by id; only CPUs present in the source

  int nr_cores() const;
  int nr_llcs() const;
  int nr_nodes() const;
  int nr_packages() const;
  // REQUIRES: cpu is in `cpus`. Returns nullptr otherwise.
  const Cpu* Find(int cpu) const;
  std::vector<int> CpusInLlc(int llc) const;
  std::vector<int> SmtSiblings(int cpu) const;  // includes cpu itself
  // "2 packages, 4 cores, 8 CPUs, 2 LLCs, 1 NUMA node"
  std::string Describe() const;
};

// The machine as hwloc sees it (the only entry point that uses hwloc).
Result<Topology> TopologyFromHwloc();

// From a sysfs tree laid out like /sys/devices/system/cpu (cpuN/topology/{core_id,
// physical_package_id}, cpuN/cache/indexK/{level,shared_cpu_list}, cpuN/nodeM). For fixtures.
Result<Topology> TopologyFromSysfs(const std::string& cpu_root);

// A synthetic machine: packages x cores x threads, with `llcs_per_package` LLCs per package and one
// NUMA node per package. CPU ids are numbered thread-major like Linux on x86 (siblings are
// id and id + packages*cores).
Topology TopologyFromShape(int packages, int cores_per_package, int threads_per_core, int llcs_per_package = 1);

}  // namespace lsf
