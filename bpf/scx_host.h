// Host-side view of sched_ext: sysfs state, exit-info formatting, libbpf logging.
#pragma once

#include <string>

#include "common/result.h"

struct lsf_exit_info;

namespace lsf::scx {

// True if this kernel has sched_ext (probed from sysfs, never from the version).
bool KernelHasSchedExt();

// Contents of /sys/kernel/sched_ext/state ("enabled", "disabled", ...), or an error.
Result<std::string> State();

// Name of the loaded sched_ext scheduler (root/ops), or "" if none is loaded.
std::string LoadedOps();

// Human-readable name of an scx_exit_kind value ("unregistered", "runnable task stall", ...).
const char* ExitKindName(int kind);

// True if the exit was an error (the kernel ejected the scheduler), false for a clean unload.
bool ExitIsError(int kind);

// One line: "kind=1026 (runnable task stall) reason='...' msg='...'".
std::string FormatExit(const lsf_exit_info& ei);

// Route libbpf's messages to stderr; `verbose` also shows debug output.
void SetupLibbpfLogging(bool verbose);

}  // namespace lsf::scx
