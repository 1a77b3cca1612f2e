/* SPDX-License-Identifier: GPL-2.0-only */
/* The accounting rules of one BATCH/DEFAULT task: vtime, the class clock, slices, the starvation pick; BPF and C++. */
#ifndef LSF_BPF_FAIR_H
#define LSF_BPF_FAIR_H

/*
 * Pure functions of (state, inputs), compiled by the BPF scheduler (bpf/classes.bpf.h,
 * bpf/luasched.bpf.c) and natively by the unit tier (tests/unit/fair_test.cc), so the tests run the
 * rules the kernel runs.
 *
 *   vtime     a task is charged the time it ran (ops.running to ops.stopping) times 100 / weight
 *             (100 = nice 0); its queue key is that vtime clamped to [vnow - LSF_FAIR_CREDIT_NS,
 *             vnow + LSF_FAIR_DEBT_NS] around its class's clock vnow (the clamp is kept: credit and debt
 *             are forgiven).
 *   vnow      the class's clock (vtime_now): the highest vtime of a task that started running in key
 *             order (taken from the front of a vtime queue). A task that did not (put straight onto
 *             a CPU by select_cpu, served by the starvation rule, taken from an aged queue) does not
 *             move it: a nice-19 task far ahead would drag the clock forward and, through the
 *             credit clamp, erase every other task's lag.
 *   slice     with W tasks waiting for the CPU, a verdict's slice is cut to slice / (W + 1), at least
 *             LSF_FAIR_MIN_SLICE_NS, once per queuing: a task that resumes the rest of its slice (it was
 *             preempted by a higher sched class) keeps it instead of having it cut again each time.
 *   starve    a task picked by the starvation rule (bpf/starve.bpf.h) runs at most LSF_FAIR_STARVE_SLICE_NS
 *             and is not preempted for REALTIME while it does. The mark is on the task, not the CPU:
 *             another task that runs first on that CPU (select_cpu put it on the local queue) does
 *             not take it.
 */
#include "intf.h"

#define LSF_FAIR_FN static inline __attribute__((always_inline))

#define LSF_FAIR_CREDIT_NS       (20ULL * LSF_NSEC_PER_MSEC)  /* most a sleeper can be ahead of the runners */
#define LSF_FAIR_DEBT_NS         (100ULL * LSF_NSEC_PER_MSEC) /* most a task can be behind them (low weight) */
#define LSF_FAIR_MIN_SLICE_NS    (1ULL * LSF_NSEC_PER_MSEC)   /* shortest contended slice */
#define LSF_FAIR_STARVE_SLICE_NS (5ULL * LSF_NSEC_PER_MSEC)   /* slice of a task served by the starvation rule */

/* Per task (in its task_ctx). */
struct lsf_fair {
	__u64 vtime;   /* weighted virtual runtime */
	__u32 fresh;   /* queued with a new slice, not cut for contention yet */
	__u32 ordered; /* queued where it is served in key order */
	__u32 starve;  /* picked by the starvation rule, not run yet */
	__u32 _pad;
};

/* Per CPU (in its cpu_ctx). */
struct lsf_fair_cpu {
	__u32 starved_run; /* the running task was picked by the starvation rule */
	__u32 _pad;
};

/* The key of a task queued in a vtime-ordered queue of a class whose clock is vnow. */
LSF_FAIR_FN __u64 lsf_fair_key(struct lsf_fair *t, __u64 vnow)
{
	__u64 v = t->vtime;

	if (vnow > LSF_FAIR_CREDIT_NS && (__s64)(v - (vnow - LSF_FAIR_CREDIT_NS)) < 0)
		v = vnow - LSF_FAIR_CREDIT_NS;
	if ((__s64)(v - (vnow + LSF_FAIR_DEBT_NS)) > 0)
		v = vnow + LSF_FAIR_DEBT_NS;
	t->vtime = v;
	return v;
}

/* The task was queued with a new slice; ordered: in a queue served in key order (its class queue or a
 * CPU's own queue), not straight onto a CPU or out of order. */
LSF_FAIR_FN void lsf_fair_queued(struct lsf_fair *t, int ordered)
{
	t->fresh = 1;
	t->ordered = ordered;
}

/* The starvation rule moved t to CPU c's local queue. */
LSF_FAIR_FN void lsf_fair_starve_pick(struct lsf_fair *t, struct lsf_fair_cpu *c)
{
	(void)c;
	t->starve = 1;
}

/* The slice of a task about to run with `slice` left while `waiting` tasks wait for its CPU. */
LSF_FAIR_FN __u64 lsf_fair_contended(__u64 slice, __u64 waiting)
{
	__u64 share;

	if (!waiting || slice <= LSF_FAIR_MIN_SLICE_NS)
		return slice;
	share = slice / (waiting + 1);
	return share > LSF_FAIR_MIN_SLICE_NS ? share : LSF_FAIR_MIN_SLICE_NS;
}

/* ops.running, before the slice is set: does t's slice get cut for contention now
 * (lsf_fair_contended)? t: NULL when the task has no state. */
LSF_FAIR_FN int lsf_fair_take_fresh(struct lsf_fair *t)
{
	int fresh;

	if (!t)
		return 1;
	fresh = t->fresh;
	t->fresh = 0;
	return fresh;
}

/* ops.running: t (NULL: no task state) starts on CPU c with `slice` left; fair: of a vtime class,
 * whose clock is *vnow. Sets c->starved_run; returns the slice to run with. */
LSF_FAIR_FN __u64 lsf_fair_running(struct lsf_fair *t, struct lsf_fair_cpu *c, __u64 *vnow, int fair, __u64 slice)
{
	__u32 starved = t ? t->starve : 0;

	if (t) {
		if (fair && t->ordered && !starved && (__s64)(t->vtime - *vnow) > 0)
			*vnow = t->vtime;
		t->ordered = 0;  /* a resumed run is no new pick */
		t->starve = 0;
	}
	c->starved_run = starved;
	if (starved && slice > LSF_FAIR_STARVE_SLICE_NS)
		slice = LSF_FAIR_STARVE_SLICE_NS;
	return slice;
}

/* ops.stopping: t ran `ran` ns at weight `weight` (100 = nice 0). */
LSF_FAIR_FN void lsf_fair_charge(struct lsf_fair *t, __u64 ran, __u32 weight)
{
	t->vtime += ran * 100 / (weight ? weight : 100);
}

#endif /* LSF_BPF_FAIR_H */
