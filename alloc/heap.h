// Preallocated heap for the dispatcher: mimalloc serves every malloc/new from memory reserved,
// committed and locked at start, so the hot loop neither maps memory nor page-faults.
#pragma once

#include <cstddef>
#include <string>

#include "common/result.h"

namespace lsf {

struct HeapStats {
  size_t reserved_bytes = 0;  // reserved at start
  size_t committed_bytes = 0; // mimalloc's current commit
  size_t peak_rss_bytes = 0;
  long page_faults = 0;       // minor + major, this process
};

// Reserves `bytes` of OS memory for mimalloc (committed up front). Call once, before the hot loop
// and before LockAllMemory(). Fails if mimalloc is not the process allocator or the reservation
// fails.
Status ReserveHeap(size_t bytes);

// True if malloc in this process is mimalloc (the binary links it first; see alloc/CMakeLists.txt).
bool MimallocIsActive();

HeapStats ReadHeapStats();

// A malloc-compatible allocator for embedding (e.g. lua_newstate): realloc semantics of lua_Alloc.
void* ReallocHook(void* ud, void* ptr, size_t osize, size_t nsize);

}  // namespace lsf
