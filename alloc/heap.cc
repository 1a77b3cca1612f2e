// Preallocated heap for the dispatcher: mimalloc serves every malloc/new from memory reserved,
// committed and locked at start, so the hot loop neither maps memory nor page-faults.
#include "alloc/heap.h"

#include <mimalloc.h>

#include <cstdlib>

#include "alloc/memory_lock.h"

namespace lsf {
namespace {

size_t g_reserved = 0;

}  // namespace

bool MimallocIsActive() {
  // mimalloc answers usable-size queries for pointers malloc returned only if it owns them.
  char* p = static_cast<char*>(std::malloc(24));
  if (!p) return false;
  p[0] = 0;
  bool ours = mi_is_in_heap_region(p);
  std::free(p);
  return ours;
}

Status ReserveHeap(size_t bytes) {
  if (!MimallocIsActive()) return MakeError("mimalloc is not this process's allocator (link order)");
  if (mi_reserve_os_memory(bytes, /*commit=*/true, /*allow_large=*/false) != 0)
    return MakeError("cannot reserve " + std::to_string(bytes >> 20) + " MiB for the heap");
  g_reserved += bytes;
  return {};
}

HeapStats ReadHeapStats() {
  HeapStats s;
  size_t elapsed, user, sys, rss, peak_rss, current_commit, peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &current_commit, &peak_commit, &faults);
  s.reserved_bytes = g_reserved;
  s.committed_bytes = current_commit;
  s.peak_rss_bytes = peak_rss;
  s.page_faults = PageFaults();
  return s;
}

void* ReallocHook(void*, void* ptr, size_t, size_t nsize) {
  if (nsize == 0) {
    mi_free(ptr);
    return nullptr;
  }
  return mi_realloc(ptr, nsize);
}

}  // namespace lsf
