/* luasched-fast BPF: what a CPU runs next: one starvation rule over every queue, then class order. */
#ifndef LSF_STARVE_BPF_H
#define LSF_STARVE_BPF_H

#include "classes.bpf.h"

/*
 * Order on CPU n: REALTIME, then BATCH, then DEFAULT; within a class the head of the shared queue and
 * the head of n's own queue (targeted verdicts, same class band) by key. Above that, one starvation
 * rule over every queue n can serve (REALTIME, BATCH, DEFAULT, its own; PENDING is bounded by its
 * deadline, bpf/transport.bpf.h):
 *
 *   a task runnable for longer than LSF_STARVE_NS (100 ms) is served before anything else, whatever
 *   its class, with a short slice (kStarveSliceNs), oldest first.
 *
 * Heads are checked at every dispatch. A task behind a younger head (vtime order, bands) is found by
 * a walk of each queue, at most starve_scan_max tasks, every kRescueEveryNs per CPU, before the heads. A CPU
 * whose running task holds a long slice is interrupted from ops.tick (every kTickCheckNs) when a head
 * is overdue or a walk is due. So REALTIME hogs, targeted hogs or heavy-weight tasks cannot shut a
 * task out: it waits at most LSF_STARVE_NS + kRescueEveryNs + kTickCheckNs (~160 ms) plus
 * kStarveSliceNs for each task that became overdue before it on the CPUs it may use. This also gives
 * lower classes a guaranteed share under REALTIME saturation: each waiting task gets kStarveSliceNs
 * every ~LSF_STARVE_NS. The sched_ext watchdog (LSF_WATCHDOG_MS) is 30x further away.
 */

#define kRescueEveryNs   (50ULL * LSF_NSEC_PER_MSEC)  /* per CPU: walk the queues for overdue tasks */
#define kTickCheckNs     (10ULL * LSF_NSEC_PER_MSEC)  /* per CPU: starvation check from ops.tick */
#define kStarveSliceNs   (5ULL * LSF_NSEC_PER_MSEC)   /* slice of a task served by the rule */

static __always_inline u64 starve_jiffies(void)
{
	u64 dt, dj, j;

	if (starve_jiffies_cached)
		return starve_jiffies_cached;
	dt = bpf_ktime_get_ns() - calib_ns;
	if (dt < 500 * LSF_NSEC_PER_MSEC)
		return LSF_STARVE_NS / LSF_NSEC_PER_MSEC;  /* HZ=1000 until calibrated */
	dj = bpf_jiffies64() - calib_jiffies;
	j = dj * LSF_STARVE_NS / dt;  /* jiffies per LSF_STARVE_NS */
	starve_jiffies_cached = j ? j : 1;
	return starve_jiffies_cached;
}

/* Jiffies the head of dsq has been runnable, if this CPU may run it (0 otherwise, or if empty). */
static __always_inline u64 head_age(u64 dsq, s32 cpu, u64 now_j)
{
	struct task_struct *p = lsf_dsq_peek(dsq);

	if (!p || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
		return 0;
	return now_j - p->scx.runnable_at;
}

static __always_inline bool consume(u64 dsq, u32 st)
{
	if (!lsf_dsq_move_to_local(dsq))
		return false;
	stat_inc(st);
	return true;
}

static __always_inline u32 disp_stat(u64 dsq)
{
	switch (dsq) {
	case LSF_DSQ_REALTIME: return LSF_ST_DISP_REALTIME;
	case LSF_DSQ_BATCH: return LSF_ST_DISP_BATCH;
	case LSF_DSQ_DEFAULT: return LSF_ST_DISP_DEFAULT;
	default: return LSF_ST_DISP_CPU;
	}
}

/* The queue n may serve whose head has waited longest past the bound; 0 if none. */
static __always_inline u64 overdue_queue(s32 cpu, u64 now_j, u64 starve_j)
{
	u64 best = 0, best_age = starve_j, age;

	age = head_age(LSF_DSQ_REALTIME, cpu, now_j);
	if (age > best_age) { best = LSF_DSQ_REALTIME; best_age = age; }
	age = head_age(LSF_DSQ_BATCH, cpu, now_j);
	if (age > best_age) { best = LSF_DSQ_BATCH; best_age = age; }
	age = head_age(LSF_DSQ_DEFAULT, cpu, now_j);
	if (age > best_age) { best = LSF_DSQ_DEFAULT; best_age = age; }
	age = head_age(pcpu_dsq(cpu), cpu, now_j);
	if (age > best_age)
		best = pcpu_dsq(cpu);
	return best;
}

/* Walks dsq for the first task past the bound that may run here and moves it to this CPU. */
static __always_inline bool rescue_from(u64 dsq, s32 cpu, u64 now_j, u64 starve_j)
{
	struct task_struct *p;
	u32 n = 0;

	bpf_for_each(scx_dsq, p, dsq, 0) {
		if (++n > starve_scan_max)
			break;
		if (now_j - p->scx.runnable_at <= starve_j || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		if (lsf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0))
			return true;
	}
	return false;
}

/* The starvation rule. Returns true if it put a task on this CPU. */
static __always_inline bool serve_starved(s32 cpu, struct cpu_ctx *cc)
{
	u64 now_j = bpf_jiffies64(), starve_j = starve_jiffies(), now, dsq;

	/* The walk first when it is due: under overload some head is always overdue, and a task hidden
	 * behind a younger head would otherwise never be reached. */
	now = bpf_ktime_get_ns();
	if (now - cc->last_rescue_ns >= kRescueEveryNs) {
		cc->last_rescue_ns = now;
		if (rescue_from(LSF_DSQ_DEFAULT, cpu, now_j, starve_j) ||
		    rescue_from(LSF_DSQ_BATCH, cpu, now_j, starve_j) || rescue_from(pcpu_dsq(cpu), cpu, now_j, starve_j))
			goto served;
	}
	dsq = overdue_queue(cpu, now_j, starve_j);
	if (dsq && consume(dsq, disp_stat(dsq)))
		goto served;
	return false;
served:
	cc->starve_next = 1;
	stat_inc(LSF_ST_STARVE_BOOST);
	return true;
}

/* Class order, this CPU's own queue merged into each class by key. */
static __always_inline bool serve_classes(s32 cpu)
{
	u64 own = pcpu_dsq(cpu);
	struct task_struct *lp = lsf_dsq_peek(own);
	u64 lkey = lp ? lp->scx.dsq_vtime : 0;
	u32 lcls = lp ? band_class(lkey) : 0;

#pragma unroll
	for (u32 cls = LSF_CLASS_REALTIME; cls <= LSF_CLASS_DEFAULT; cls++) {
		u64 dsq = class_dsq(cls);

		if (lp && lcls == cls) {
			struct task_struct *sp = lsf_dsq_peek(dsq);

			if ((!sp || (s64)((lkey & kBandMask) - sp->scx.dsq_vtime) <= 0) && consume(own, LSF_ST_DISP_CPU))
				return true;
			if (consume(dsq, disp_stat(dsq)) || consume(own, LSF_ST_DISP_CPU))
				return true;
		} else if (consume(dsq, disp_stat(dsq))) {
			return true;
		}
	}
	return lp && consume(own, LSF_ST_DISP_CPU);
}

/* From ops.tick: should the running task give up the CPU now for the starvation rule? */
static __always_inline bool starvation_due(s32 cpu, struct cpu_ctx *cc, u64 now)
{
	if (now - cc->last_tick_ns < kTickCheckNs)
		return false;
	cc->last_tick_ns = now;
	if (overdue_queue(cpu, bpf_jiffies64(), starve_jiffies()))
		return true;
	/* a walk is due and there is something to walk */
	return now - cc->last_rescue_ns >= kRescueEveryNs &&
	       (scx_bpf_dsq_nr_queued(LSF_DSQ_DEFAULT) > 0 || scx_bpf_dsq_nr_queued(LSF_DSQ_BATCH) > 0 ||
		scx_bpf_dsq_nr_queued(pcpu_dsq(cpu)) > 0);
}

#endif /* LSF_STARVE_BPF_H */
