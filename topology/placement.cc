// CPU placement over a Topology: idle CPU near the previous one, SMT-aware, within allowed CPUs.
#include "topology/placement.h"

#include "common/cpu_list.h"

namespace lsf {

CpuSet CpuSetFromWords(const __u64 (&words)[LSF_CPU_WORDS]) {
  CpuSet s;
  for (int c = 0; c < LSF_MAX_CPUS; ++c)
    if (words[c / 64] & (1ull << (c % 64))) s.set(static_cast<size_t>(c));
  return s;
}

int PickCpu(const Topology& topo, const CpuSet& allowed, const CpuSet& idle, int prev_cpu, int want_llc) {
  const Topology::Cpu* prev = topo.Find(prev_cpu);
  int llc = want_llc >= 0 ? want_llc : (prev ? prev->llc : -1);
  auto ok = [&](const Topology::Cpu& c) { return c.id >= 0 && c.id < LSF_MAX_CPUS && allowed.test(static_cast<size_t>(c.id)); };
  auto is_idle = [&](int id) { return id >= 0 && id < LSF_MAX_CPUS && idle.test(static_cast<size_t>(id)); };
  auto core_idle = [&](const Topology::Cpu& c) {
    for (int s : topo.SmtSiblings(c.id))
      if (!is_idle(s)) return false;
    return true;
  };
  // prev_cpu first when it qualifies, then ascending ids
  auto scan = [&](auto pred) -> int {
    if (prev && ok(*prev) && pred(*prev)) return prev->id;
    for (const auto& c : topo.cpus)
      if (ok(c) && pred(c)) return c.id;
    return -1;
  };
  int cpu;
  if ((cpu = scan([&](const auto& c) { return c.llc == llc && is_idle(c.id) && core_idle(c); })) >= 0) return cpu;
  if ((cpu = scan([&](const auto& c) { return c.llc == llc && is_idle(c.id); })) >= 0) return cpu;
  if (want_llc >= 0 && (cpu = scan([&](const auto& c) { return c.llc == llc; })) >= 0) return cpu;
  if ((cpu = scan([&](const auto& c) { return is_idle(c.id) && core_idle(c); })) >= 0) return cpu;
  if ((cpu = scan([&](const auto& c) { return is_idle(c.id); })) >= 0) return cpu;
  if (prev && ok(*prev) && want_llc < 0) return prev->id;
  if ((cpu = scan([&](const auto& c) { return c.llc == llc; })) >= 0) return cpu;
  return scan([](const auto&) { return true; });
}

std::vector<int> WorkerCpus(const std::string& online, int dispatcher_cpu) {
  __u64 mask[LSF_CPU_WORDS];
  uint32_t count = 0;
  std::vector<int> cpus;
  if (!ParseCpuList(online, mask, &count)) return cpus;
  for (int c = 0; c < LSF_MAX_CPUS; ++c)
    if ((mask[c / 64] >> (c % 64) & 1) && c != dispatcher_cpu) cpus.push_back(c);
  return cpus;
}

}  // namespace lsf
