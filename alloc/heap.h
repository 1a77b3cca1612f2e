// Preallocated heap for the dispatcher: mimalloc serves every malloc/new from memory reserved,
// committed and locked at start, so the hot loop neither maps memory nor page-faults.
#pragma once

#include <cstddef>
#include <string>

#include "common/result.h"

namespace lsf {

// Reserves `bytes` of OS memory for mimalloc (committed up front). Call once, before the hot loop
// and before LockAllMemory(). Fails if mimalloc is not the process allocator or the reservation
// fails.
Status ReserveHeap(size_t bytes);

// True if malloc in this process is mimalloc (the binary links it first; see alloc/CMakeLists.txt).
bool MimallocIsActive();

}  // namespace lsf
