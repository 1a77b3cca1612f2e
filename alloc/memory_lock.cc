// Memory locking for the dispatcher: it must not page-fault or be swapped while tasks wait on it.
#include "alloc/memory_lock.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace lsf {
namespace {

// Touches `bytes` of stack below the caller so those pages are resident before the hot loop.
__attribute__((noinline)) void PrefaultStack(size_t bytes) {
  constexpr size_t kChunk = 4096;
  volatile char page[kChunk];
  page[0] = 0;
  page[kChunk - 1] = 0;
  asm volatile("" : : "r"(page) : "memory");
  if (bytes > kChunk) PrefaultStack(bytes - kChunk);
}

}  // namespace

Status LockAllMemory(size_t stack_bytes) {
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    int err = errno;
    if (err == ENOMEM || err == EPERM)
      return MakeError(std::string("mlockall failed: ") + std::strerror(err) +
                       " (run as root or raise RLIMIT_MEMLOCK, e.g. LimitMEMLOCK=infinity; --no-mlock skips it)");
    return MakeError(std::string("mlockall failed: ") + std::strerror(err));
  }
  // Locked pages still move when khugepaged collapses them into a transparent huge page: the
  // dispatcher then faults on its own heap (seen under THP "always", ~10 s after start, one fault at
  // a hot address). Opting the process out keeps locked pages where they are; failure is harmless.
  (void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  PrefaultStack(stack_bytes);
  return {};
}

long PageFaults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt + ru.ru_majflt;
}

}  // namespace lsf
