// The real scheduler for the Service: the BPF scheduler loaded through BpfKernelPort.
#pragma once

#include <memory>

#include "dispatcher/service.h"

namespace lsf {

struct Topology;

// Loads the BPF scheduler with `opt` (transport, slice, verbose) and `faults` (no-kick). Without
// an explicit --transport, a kernel without BPF arenas gets the ringbuf transport (warned).
// `topology` (may be null) is only described in the start banner.
Result<std::unique_ptr<LoadedScheduler>> LoadBpfScheduler(const Options& opt, const Faults& faults,
                                                          const Topology* topology);

}  // namespace lsf
