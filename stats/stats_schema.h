// The stats schema: every counter and gauge of luasched-fast, declared once (kernel ones in bpf/intf.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bpf/intf.h"
#include "common/result.h"
#include "policies/policy_counters.h"

namespace lsf {

// Sections of the human stats line, in its order: X(group, word printed before its fields).
#define LSF_STAT_GROUPS(X)               \
  X(cache, "")                           \
  X(ins, "ins")                          \
  X(disp, "disp")                        \
  X(fallback, "fallback")                \
  X(verdicts, "verdicts")                \
  X(policy, "policy")                    \
  X(events, "")                          \
  X(miss_to_verdict, "miss_to_verdict_us") \
  X(round_trip, "round_trip_us")         \
  X(wake_to_run, "wake_to_run_us")       \
  X(dispatcher, "dispatcher")

// Counters and gauges kept by the dispatcher, one line each:
// X(ID, JSON key, group, label, kind, unit, description). Same meaning as LSF_KERNEL_STATS in
// bpf/intf.h, plus: kind kCounter (only grows; metric luasched_fast_<key>_total) or kGauge; unit
// (the JSON key ends with it: _s kSeconds, _us kMicros, _pct kPercent; metrics are converted to
// seconds and ratios). A label ending in '<' prints as "p50<=12" in the human line.
// The policy engine's counters are declared with their struct (policies/policy_counters.h).
#define LSF_POLICY_STAT_(X, field, ID, label, desc) X(POLICY_##ID, "policy_" #field, policy, label, kCounter, kCount, desc)
#define LSF_POLICY_CLASS_STAT_(X, cls, ID, key, label, desc) X(POLICY_##ID, key, policy, label, kCounter, kCount, desc)
#define LSF_USER_STATS(X) \
  X(UPTIME,              "uptime_s",               dispatcher,      "uptime",       kGauge,   kSeconds, "seconds since this scheduler instance was loaded") \
  X(HIT_RATE,            "hit_rate_pct",           cache,           "hit_rate",     kGauge,   kPercent, "hits / (hits + misses) since start") \
  X(VERDICTS_SENT,       "verdicts_sent",          verdicts,        "sent",         kCounter, kCount,   "verdicts queued to the kernel by the dispatcher") \
  X(VERDICTS_QUEUE_FULL, "verdicts_queue_full",    verdicts,        "queue_full",   kCounter, kCount,   "verdicts dropped because the verdict queue was full (the task falls back at its deadline)") \
  X(DISPATCH_VERDICTS_MAX, "dispatch_verdicts_max", verdicts,        "per_dispatch<", kGauge,  kCount,   "most verdicts one ops.dispatch applied under the run-queue lock since start (upper bound of its log2 bucket; it applies at most 15)") \
  LSF_POLICY_COUNTERS(LSF_POLICY_STAT_, X) \
  LSF_POLICY_CLASS_COUNTERS(LSF_POLICY_CLASS_STAT_, X) \
  X(POLICY_GENERATION,   "policy_generation",      policy,          "gen",          kGauge,   kCount,   "generation of the running policy (1 at start, +1 per reload)") \
  X(POLICY_RELOADS,      "policy_reloads",         policy,          "reloads",      kCounter, kCount,   "successful policy reloads") \
  X(PLACEMENTS,          "placements",             events,          "placements",   kCounter, kCount,   "ctx:llc() requests turned into a target CPU") \
  X(MISS_TO_VERDICT_P50, "miss_to_verdict_p50_us", miss_to_verdict, "p50<",         kGauge,   kMicros,  "median time from the BPF enqueue that missed to the verdict queued (upper bound of its log2 bucket)") \
  X(MISS_TO_VERDICT_P99, "miss_to_verdict_p99_us", miss_to_verdict, "p99<",         kGauge,   kMicros,  "99th percentile of the miss-to-verdict time (upper bound of its log2 bucket)") \
  X(MISS_TO_VERDICT_MAX, "miss_to_verdict_max_us", miss_to_verdict, "max",          kGauge,   kMicros,  "longest miss-to-verdict time") \
  X(ROUND_TRIP_P50,      "round_trip_p50_us",      round_trip,      "p50<",         kGauge,   kMicros,  "median round trip, BPF enqueue to verdict applied to the parked task (upper bound of its log2 bucket)") \
  X(ROUND_TRIP_P99,      "round_trip_p99_us",      round_trip,      "p99<",         kGauge,   kMicros,  "99th percentile of the round trip (upper bound of its log2 bucket)") \
  X(ROUND_TRIPS,         "round_trips",            round_trip,      "n",            kCounter, kCount,   "round trips measured") \
  X(WAKE_REALTIME_P50,   "wake_realtime_p50_us",   wake_to_run,     "rt_p50<",      kGauge,   kMicros,  "median wakeup -> running of REALTIME tasks since start (upper bound of its log2 bucket)") \
  X(WAKE_REALTIME_P99,   "wake_realtime_p99_us",   wake_to_run,     "rt_p99<",      kGauge,   kMicros,  "99th percentile of wakeup -> running, REALTIME (upper bound of its log2 bucket)") \
  X(WAKE_BATCH_P50,      "wake_batch_p50_us",      wake_to_run,     "batch_p50<",   kGauge,   kMicros,  "median wakeup -> running of BATCH tasks since start (upper bound of its log2 bucket)") \
  X(WAKE_BATCH_P99,      "wake_batch_p99_us",      wake_to_run,     "batch_p99<",   kGauge,   kMicros,  "99th percentile of wakeup -> running, BATCH (upper bound of its log2 bucket)") \
  X(WAKE_DEFAULT_P50,    "wake_default_p50_us",    wake_to_run,     "default_p50<", kGauge,   kMicros,  "median wakeup -> running of DEFAULT tasks (and tasks without a verdict yet) since start (upper bound of its log2 bucket)") \
  X(WAKE_DEFAULT_P99,    "wake_default_p99_us",    wake_to_run,     "default_p99<", kGauge,   kMicros,  "99th percentile of wakeup -> running, DEFAULT (upper bound of its log2 bucket)") \
  X(BATCHES,             "batches",                dispatcher,      "batches",      kCounter, kCount,   "dispatcher passes that handled at least one miss") \
  X(SLEEPS,              "sleeps",                 dispatcher,      "sleeps",       kCounter, kCount,   "dispatcher waits for misses in the kernel (idle)") \
  X(SPIN_PASSES,         "spin_passes",            dispatcher,      "spin_passes",  kCounter, kCount,   "dispatcher passes that polled for misses without waiting (busy-polling within --spin-us of the last miss)") \
  X(DISPATCHER_CPU,      "dispatcher_cpu_pct",     dispatcher,      "cpu",          kGauge,   kPercent, "CPU time of the dispatcher process over wall time since start") \
  X(PAGE_FAULTS,         "page_faults",            dispatcher,      "page_faults",  kCounter, kCount,   "page faults of the dispatcher process (should stay flat after start)")

enum class StatGroup : uint8_t {
#define LSF_X_(group, word) group,
  LSF_STAT_GROUPS(LSF_X_)
#undef LSF_X_
  kNrGroups
};
enum class StatKind : uint8_t { kCounter, kGauge };
enum class StatUnit : uint8_t { kCount, kSeconds, kMicros, kPercent };

// Every stat: the kernel's first (same order and values as enum lsf_stat), then the dispatcher's.
enum class Stat : uint16_t {
#define LSF_X_(id, ...) id,
  LSF_KERNEL_STATS(LSF_X_) LSF_USER_STATS(LSF_X_)
#undef LSF_X_
};
inline constexpr size_t kNrKernelStats = LSF_NR_STATS;
#define LSF_X_(...) +1
inline constexpr size_t kNrStats = kNrKernelStats LSF_USER_STATS(LSF_X_);
#undef LSF_X_
static_assert(static_cast<size_t>(Stat::UPTIME) == kNrKernelStats, "kernel stats come first");

constexpr Stat KernelStat(lsf_stat s) { return static_cast<Stat>(s); }
constexpr size_t Index(Stat s) { return static_cast<size_t>(s); }

struct StatField {
  std::string_view key;          // JSON key
  StatGroup group;
  std::string_view label;        // within its group of the human line
  StatKind kind;
  StatUnit unit;
  std::string_view description;  // one line, no newline
};

// The whole table, indexed by Stat.
extern const StatField kStatFields[kNrStats];

inline const StatField& Field(Stat s) { return kStatFields[Index(s)]; }

// The stat with this JSON key; an error naming it if there is none (a misspelt key never reads 0).
Result<Stat> FindStat(std::string_view key);

// Word printed before a group's fields in the human line ("" for none).
std::string_view GroupWord(StatGroup g);

// Metric name in the metrics file ("luasched_fast_hits_total", "luasched_fast_uptime_seconds")
// and the factor from the JSON value to the metric's unit (seconds, ratio).
std::string MetricName(const StatField& f);
double MetricScale(const StatField& f);

}  // namespace lsf
