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

// True if the exit was an error (the kernel ejected or unregistered the scheduler), false for a
// clean unload (from user space or sysrq-S).
bool ExitIsError(int kind);

// True if the kernel asks for the scheduler to be loaded again (SCX_ECODE_ACT_RESTART, e.g. after
// CPU hotplug on a kernel that calls no hotplug callbacks).
bool ExitWantsRestart(const lsf_exit_info& ei);

// After a failed load: the kernel features this scheduler needs that the running kernel lacks,
// with the kernel version that has them, e.g. "this kernel lacks DSQ iterators (...)"; "" if none
// is missing (the cause is elsewhere: the verifier log says).
std::string MissingKernelFeatures(bool arena);

// Whether the scheduler supports a machine with `possible` possible CPUs (online ones and hotplug
// slots): up to LSF_MAX_CPUS. The error says how many it has and the limit.
Status CheckPossibleCpus(int possible);

// One line: "kind=1026 (runnable task stall) reason='...' msg='...'".
std::string FormatExit(const lsf_exit_info& ei);

// Route libbpf's messages to stderr; `verbose` also shows debug output.
void SetupLibbpfLogging(bool verbose);

}  // namespace lsf::scx
