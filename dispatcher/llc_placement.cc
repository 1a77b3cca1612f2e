// LlcPlacement: turns a decision's LLC (ctx:llc) into an idle CPU of that LLC, spreading a burst over it.
#include "dispatcher/llc_placement.h"

namespace lsf {

int LlcPlacement::Place(const CpuSet& allowed, const CpuSet& idle, int prev_cpu, int llc) {
  int cpu = PickCpu(topology_, allowed & ~placed_, idle & ~placed_, prev_cpu, llc);
  const Topology::Cpu* picked = cpu >= 0 ? topology_.Find(cpu) : nullptr;
  if (!picked || picked->llc != llc) {  // every allowed CPU of the LLC handed out: start over
    placed_.reset();
    cpu = PickCpu(topology_, allowed, idle, prev_cpu, llc);
  }
  if (cpu >= 0) placed_.set(static_cast<size_t>(cpu));
  return cpu;
}

}  // namespace lsf
