// Memory locking for the dispatcher: it must not page-fault or be swapped while tasks wait on it.
#pragma once

#include <cstddef>

#include "common/result.h"

namespace lsf {

// mlockall(MCL_CURRENT | MCL_FUTURE), no transparent huge pages for the process (khugepaged would
// move locked pages), and prefault `stack_bytes` of the calling thread's stack.
// Errors say which limit to raise (RLIMIT_MEMLOCK) or that root is needed.
Status LockAllMemory(size_t stack_bytes = 256 * 1024);

// Minor + major page faults of this process so far (getrusage).
long PageFaults();

}  // namespace lsf
