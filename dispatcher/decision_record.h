// DecisionRecord: one decision as the decision ring holds it and recordings store it (fixed layout).
#pragma once

#include <cstdint>
#include <string>

#include "bpf/intf.h"
#include "policies/frame.h"
#include "policies/policy_engine.h"

namespace lsf {

// Layout version of DecisionRecord: bump on any change of its fields. The ring's header and a
// recording's header carry it; readers refuse another.
inline constexpr uint32_t kDecisionRecordLayout = 1;

// DecisionRecord::flags.
enum DecisionRecordFlags : uint32_t {
  kRecordForkShared = 1u << 0,  // Decision::fork_shared
  kRecordDeferred = 1u << 1,    // Decision::deferred: no verdict was sent
  kRecordReturned = 1u << 2,    // DecisionTrace::returned: the class was returned, not set by ctx:dsq
};

// Every field fixed width and naturally aligned, no implicit padding (static_asserts below): the
// bytes are the same in memory, in the ring and (up to the cgroup's NUL) in a recording.
struct DecisionRecord {
  lsf_miss miss;          // the miss as the policy saw it
  uint64_t mono_ns;       // CLOCK_MONOTONIC when the dispatcher recorded the decision (just after it)
  uint64_t real_ns;       // CLOCK_REALTIME, the same moment
  uint64_t duration_ns;   // the decision's own time (DecisionTrace::duration_ns)
  uint64_t slice_ns;      // the verdict's slice
  double runtime_ns;      // task:runtime()'s answer if reads has LSF_READ_RUNTIME, else -1
  int32_t cpu;            // the verdict's CPU (after ctx:llc placement) or LSF_CPU_ANY
  int32_t llc;            // the LLC the policy asked for (ctx:llc) or -1
  uint32_t dsq;           // enum lsf_class
  uint32_t source;        // enum DecisionSource
  uint32_t reads;         // enum lsf_task_read bits
  int32_t line;           // DecisionTrace::line (0: unknown)
  uint32_t flags;         // DecisionRecordFlags
  uint32_t generation;    // the policy generation that decided
  char cgroup[DecisionTrace::kCgroupLen];  // task:cgroup()'s answer if read, NUL terminated
};
inline constexpr size_t kDecisionRecordFixed = offsetof(DecisionRecord, cgroup);  // before the cgroup
static_assert(sizeof(DecisionRecord) == kDecisionRecordFixed + DecisionTrace::kCgroupLen, "no tail padding");
static_assert(kDecisionRecordFixed == sizeof(lsf_miss) + 5 * 8 + 8 * 4, "no padding between the fields");
static_assert(sizeof(DecisionRecord) % 8 == 0, "copied as 64-bit words by the ring");

// The record of `d`, decided for `m` by policy generation `generation`, at (`mono_ns`, `real_ns`).
DecisionRecord MakeDecisionRecord(const lsf_miss& m, const Decision& d, uint64_t mono_ns, uint64_t real_ns,
                                  uint32_t generation);

// The name of task field bit `bit` (0..LSF_NR_TASK_READS-1) as the policy calls it: "comm", "uid", ..
const char* TaskReadName(unsigned bit);
// The value the policy read for that field: from the miss, or the recorded cgroup and runtime
// answers. Text for people ("nginx", "1000", "/system.slice/x.service"), or JSON (quoted strings).
std::string TaskReadValue(const DecisionRecord& r, unsigned bit, bool json);

// "nginx" from a record's NUL-padded comm.
std::string RecordComm(const DecisionRecord& r);

// "2026-05-01 12:00:03.123" (local time) of a CLOCK_REALTIME time.
std::string WallTime(uint64_t real_ns);

}  // namespace lsf
