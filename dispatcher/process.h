// Process-level setup of the dispatcher: CPU pinning and signal handling.
#pragma once

#include <atomic>

#include "common/result.h"

namespace lsf {

// Pins the calling thread to `cpu`. Fails if the CPU is offline or outside our affinity mask.
Status PinToCpu(int cpu);

// Installs SIGINT/SIGTERM/SIGHUP handlers (without SA_RESTART, so blocking waits return EINTR).
// SIGINT/SIGTERM set `stop`; SIGHUP sets `reload`.
void InstallSignalHandlers(std::atomic<bool>* stop, std::atomic<bool>* reload);

}  // namespace lsf
