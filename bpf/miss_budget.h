/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-user miss budget (a token bucket in one u64), compiled by the BPF scheduler and by the sim tier. */
#ifndef LSF_BPF_MISS_BUDGET_H
#define LSF_BPF_MISS_BUDGET_H

/*
 * Every miss takes a slot of a shared queue (a CPU's arena ring, or the one BPF ring buffer) and a
 * policy decision of the one dispatcher thread. Without a limit one user fills both: an exec loop
 * (a new pid each time) or threads that rename themselves and yield send misses as fast as they can
 * run, every other user's new task finds the queue full (fallback_ringbuf_full) and stays
 * unclassified, and the dispatcher, which preempts to run, turns the flood into CPU time of the
 * highest priority. So each principal gets a budget of misses, checked in BPF before a slot is
 * taken: LSF_MISS_BURST at once, then `rate` per second (--miss-rate). A task over its user's budget
 * does not lose its miss: it runs by its provisional verdict, as when the queue is full, and asks
 * again at its first enqueue after LSF_MISS_DEADLINE_NS (bpf/verdict.h: PENDING, then REASK), so it
 * gets the policy's verdict once its user's misses fall back under the rate.
 *
 * Principal: the real uid (init namespace), the identity an unprivileged user cannot multiply. A
 * cgroup is not: with systemd a login user owns a delegated cgroup subtree and can create as many
 * cgroups as it likes, each with a fresh budget. Trade-offs: every task of one uid shares its
 * budget (all of root's services share one; a build as root is held to it like anyone else's); a
 * user given a range of subordinate uids (/etc/subuid, rootless containers) has one budget per uid
 * in that range, like any other set of accounts the administrator created.
 *
 * The bucket is GCRA ("generic cell rate algorithm"): one u64, the theoretical arrival time `tat`
 * of the next miss at the rate. A miss is allowed if it would not push tat more than `burst`
 * intervals past now; then tat moves one interval on. A bucket never used (tat 0) is full. One u64
 * means the BPF side updates it with a single compare-and-swap, no lock.
 *
 * Pure functions: no kernel calls, so the same code runs natively in tests.
 */
#include "intf.h"

#define LSF_BUDGET_FN static inline __attribute__((always_inline))

/* ns between misses at `rate` misses per second; 0 (no limit) for rate 0. */
LSF_BUDGET_FN __u64 lsf_budget_interval(__u32 rate)
{
	return rate ? 1000000000ULL / rate : 0;
}

/* May a miss be sent at `now` by a principal whose bucket holds `tat`? If so, returns 1 and the new
 * tat in *next; else 0 (*next untouched). interval_ns 0: no limit. */
LSF_BUDGET_FN int lsf_budget_take(__u64 tat, __u64 now, __u64 interval_ns, __u32 burst, __u64 *next)
{
	__u64 t = tat > now ? tat : now;

	if (!interval_ns) {
		*next = tat;
		return 1;
	}
	if (t + interval_ns > now + (__u64)burst * interval_ns)
		return 0;
	*next = t + interval_ns;
	return 1;
}

#endif /* LSF_BPF_MISS_BUDGET_H */
