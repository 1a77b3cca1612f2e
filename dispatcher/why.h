// `luasched-fast why PID`: the newest decision for a task, read from the running instance's decision ring.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "dispatcher/decision_ring.h"

namespace lsf {

// Exit codes of `why` (2 is a usage error, as for every command).
inline constexpr int kWhyFound = 0, kWhyNotFound = 1, kWhyNoInstance = 3;

// What the ring held when it was searched.
struct RingSpan {
  uint64_t records = 0;                   // records read (not overwritten meanwhile)
  uint64_t oldest_real_ns = 0, newest_real_ns = 0;
};

// The newest record of thread `pid` in `ring`, else the newest of a thread of process `pid`
// (tgid); false if none. `span` gets what the ring held.
bool FindNewest(const DecisionRingReader& ring, int32_t pid, DecisionRecord* out, RingSpan* span);

// The record for people, or as one JSON object. `now_mono_ns`: CLOCK_MONOTONIC now (for the age).
void PrintWhy(const DecisionRecord& r, const std::string& policy_path, uint64_t now_mono_ns, bool json, FILE* out);

// The command: opens `decisions_file`, finds `pid`, prints it (or says why not on stderr).
int RunWhy(const std::string& decisions_file, int32_t pid, bool json, FILE* out);

}  // namespace lsf
