// LlcPlacement: turns a decision's LLC (ctx:llc) into an idle CPU of that LLC, spreading a burst over it.
#pragma once

#include "topology/placement.h"
#include "topology/topology.h"

namespace lsf {

// Remembers the CPUs it handed out: the kernel's idle mask learns of a placed task only when the
// task runs, so without this a burst of requests for one LLC would all get its lowest idle CPU.
// Not thread-safe: owned and used by the dispatcher thread alone (Dispatcher::SendDecision).
class LlcPlacement {
 public:
  // REQUIRES: `topology` outlives this.
  explicit LlcPlacement(const Topology& topology) : topology_(topology) {}

  // A CPU of LLC `llc` (>= 0) for a task allowed on `allowed` that last ran on `prev_cpu`, given the
  // CPUs idle now, in PickCpu's order (a whole idle core first). CPUs handed out earlier count as
  // taken; once the LLC has no allowed CPU left that is not, every CPU is free again. -1 only if
  // `allowed` has no CPU of the topology.
  int Place(const CpuSet& allowed, const CpuSet& idle, int prev_cpu, int llc);

 private:
  const Topology& topology_;
  CpuSet placed_;  // CPUs handed out since the last start over
};

}  // namespace lsf
