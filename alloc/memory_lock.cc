// Memory locking for the dispatcher: it must not page-fault or be swapped while tasks wait on it.
#include "alloc/memory_lock.h"

#include <sys/mman.h>
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
  PrefaultStack(stack_bytes);
  return {};
}

long PageFaults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt + ru.ru_majflt;
}

}  // namespace lsf
