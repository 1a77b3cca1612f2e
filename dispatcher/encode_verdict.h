// EncodeVerdict: the record the kernel gets for one decision (a pure function: no state, no I/O).
#pragma once

#include <cstdint>

#include "bpf/intf.h"
#include "policies/policy_engine.h"

namespace lsf {

// The verdict answering miss `m` with decision `d` of policy generation `generation`: the miss's
// seq, pid and enqueue time echoed, the decision's class, slice and CPU as they are, and
// LSF_VERDICT_FORKS only if `fork_inherit` (--fork inherit) and the decision is fork-shared (which
// it never is with a CPU: Decision::fork_shared).
inline lsf_verdict EncodeVerdict(const lsf_miss& m, const Decision& d, uint32_t generation, bool fork_inherit) {
  lsf_verdict v{};
  v.seq = m.seq;
  v.slice_ns = d.slice_ns;
  v.miss_enq_ns = m.enq_ns;
  v.pid = m.pid;
  v.cpu = d.cpu;
  v.dsq = d.dsq;
  v.policy_gen = generation;
  v.flags = fork_inherit && d.fork_shared ? LSF_VERDICT_FORKS : 0;
  return v;
}

}  // namespace lsf
