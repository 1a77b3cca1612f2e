// Preallocated heap for the dispatcher: mimalloc serves every malloc/new from memory reserved,
// committed and locked at start, so the hot loop neither maps memory nor page-faults.
#include "alloc/heap.h"

#include <mimalloc.h>

#include <cstdlib>

namespace lsf {

bool MimallocIsActive() {
  // Only memory that mimalloc handed out lies in its heap regions.
  char* p = static_cast<char*>(std::malloc(24));
  if (!p) return false;
  p[0] = 0;
  bool ours = mi_is_in_heap_region(p);
  std::free(p);
  return ours;
}

Status ReserveHeap(size_t bytes) {
  if (!MimallocIsActive()) return MakeError("mimalloc is not this process's allocator (link order)");
  // Never hand memory back: a page mimalloc decommits or resets while idle is faulted in again at
  // its next use (seen as a stray minor fault every few seconds from the stats writer's peaks).
  mi_option_disable(mi_option_allow_decommit);
  mi_option_disable(mi_option_page_reset);
  mi_option_disable(mi_option_abandoned_page_decommit);
  if (mi_reserve_os_memory(bytes, /*commit=*/true, /*allow_large=*/false) != 0)
    return MakeError("cannot reserve " + std::to_string(bytes >> 20) + " MiB for the heap");
  return {};
}

}  // namespace lsf
