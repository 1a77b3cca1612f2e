// The policy engine's counters: declared once (LSF_POLICY_COUNTERS, LSF_POLICY_CLASS_COUNTERS), the struct and the stats rows made from them.
#pragma once

#include <cstdint>

#include "bpf/intf.h"

namespace lsf {

// The counters, once: X(A, field, STAT_ID, label, description), A passed through (the stats schema
// makes its rows policy_<field> / Stat::POLICY_<STAT_ID> from this: stats/stats_schema.h).
#define LSF_POLICY_COUNTERS(X, A) \
  X(A, decisions,      DECISIONS,      "decisions",    "decisions made by the Lua policy") \
  X(A, errors,         ERRORS,         "errors",       "decisions where the policy raised an error, looped or ran out of memory: DEFAULT") \
  X(A, no_verdict,     NO_VERDICT,     "no_verdict",   "decisions where the policy set no class: DEFAULT") \
  X(A, invalid,        INVALID,        "invalid",      "decisions with an invalid class, slice, CPU or LLC (ignored)") \
  X(A, clamped_slices, CLAMPED_SLICES, "clamped",      "slices outside the allowed range, clamped to it") \
  X(A, overruns,       OVERRUNS,       "overruns",     "decisions stopped at the decision deadline (also counted in errors)") \
  X(A, fresh_states,   FRESH_STATES,   "fresh_states", "Lua states rebuilt after an overrun") \
  X(A, rate_limited,   RATE_LIMITED,   "rate_limited", "exec/rename misses not decided (per-task rate limit): no verdict sent, the task asks again later")

// Decisions per resulting class (PolicyCounters::per_class, indexed by enum lsf_class), exported the
// same way: X(A, class, STAT_ID, JSON key, label, description); Stat::POLICY_<STAT_ID>. Deferred
// decisions (rate_limited) have no class; LSF_CLASS_NONE is never a result.
#define LSF_POLICY_CLASS_COUNTERS(X, A) \
  X(A, LSF_CLASS_REALTIME, REALTIME, "policy_realtime", "rt",      "decisions whose verdict is REALTIME") \
  X(A, LSF_CLASS_BATCH,    BATCH,    "policy_batch",    "batch",   "decisions whose verdict is BATCH") \
  X(A, LSF_CLASS_DEFAULT,  DEFAULT,  "policy_default",  "default", "decisions whose verdict is DEFAULT: the policy's own, and every error, invalid class or slice and missing verdict")

// Counters of one engine. Owned and written by the thread that calls Decide (single writer);
// other threads may read them with relaxed loads for stats (values may be slightly stale).
struct PolicyCounters {
#define LSF_PC_FIELD_(A, field, ...) uint64_t field = 0;
  LSF_POLICY_COUNTERS(LSF_PC_FIELD_, _)
#undef LSF_PC_FIELD_
  uint64_t per_class[LSF_NR_CLASSES] = {};  // decisions per resulting class (LSF_POLICY_CLASS_COUNTERS)

  // Adds `o` field by field. Reads `o` with relaxed atomic loads, so `o` may be another thread's
  // counters, still being written (the sum may then lag by a few decisions).
  void AddRelaxed(const PolicyCounters& o) {
    auto add = [](uint64_t& to, const uint64_t& from) { to += __atomic_load_n(&from, __ATOMIC_RELAXED); };
#define LSF_PC_ADD_(A, field, ...) add(field, o.field);
    LSF_POLICY_COUNTERS(LSF_PC_ADD_, _)
#undef LSF_PC_ADD_
    for (int i = 0; i < LSF_NR_CLASSES; ++i) add(per_class[i], o.per_class[i]);
  }
};

}  // namespace lsf
