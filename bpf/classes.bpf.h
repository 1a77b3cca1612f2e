/* SPDX-License-Identifier: GPL-2.0-only */
/* luasched-fast BPF: the class queues, virtual time, inserts, preemption and slices. */
#ifndef LSF_CLASSES_BPF_H
#define LSF_CLASSES_BPF_H

#include "state.bpf.h"

/*
 * Queues (DSQs), all ordered by a key the kernel keeps in p->scx.dsq_vtime (the task's own vtime
 * lives in its task_ctx, never in that field):
 *   REALTIME  shared; key = enqueue time (FIFO)
 *   BATCH     shared; key = the task's weighted virtual time, clamped (bpf/fair.h); at most
 *             queue_max tasks (bpf/starve.bpf.h)
 *   DEFAULT   shared; same
 *   BATCH_AGED, DEFAULT_AGED  shared; key = p->scx.runnable_at (oldest first): what does not fit in
 *             its class's vtime queue, and tasks past the starvation bound (bpf/starve.bpf.h)
 *   CPU n     one per CPU, for verdicts with a target CPU; every class in it, key = band | key,
 *             the band (class) in the top bits, so REALTIME goes before BATCH before DEFAULT and
 *             each class keeps its own order; at most queue_max tasks (a full one sends the task to
 *             its class's queue for that insert). Dispatch on CPU n compares its head with the shared
 *             head of the same class, so a targeted task and an untargeted one allowed on n share
 *             n fairly (bpf/starve.bpf.h bounds what either can wait).
 *   PENDING   tasks waiting for their first verdict (FIFO; bpf/transport.bpf.h)
 *
 * Virtual time (bpf/fair.h): a task is charged the time it actually ran (ops.running/stopping
 * timestamps), scaled by its weight (100 = nice 0). A sleeper's credit is capped at LSF_FAIR_CREDIT_NS
 * behind the class's vtime_now, a heavy user's debt at LSF_FAIR_DEBT_NS ahead of it. Trade-off: the key
 * bands make a per-CPU key wrap after 2^58 ns (9 years of uptime or of weighted vtime); at the wrap
 * the order inside one band is briefly wrong, nothing else.
 */

#define LSF_WAKE_LAG_NS          (2ULL * LSF_NSEC_PER_MSEC)   /* vtime lead that lets a wakeup preempt */
#define LSF_WAKE_MIN_RUN_NS      (250ULL * 1000)              /* a victim's time on the CPU before that */
#define LSF_WAKE_FAR_NS          (10ULL * LSF_NSEC_PER_MSEC)  /* a victim this far ahead: no LSF_WAKE_MIN_RUN_NS */
#define LSF_DEFAULT_SLICE_CAP_NS (3ULL * LSF_NSEC_PER_MSEC) /* longest DEFAULT run while others wait */
#define LSF_BAND_SHIFT           58
#define LSF_BAND_MASK            ((1ULL << LSF_BAND_SHIFT) - 1)

static __always_inline u64 class_dsq(u32 cls)
{
	switch (cls) {
	case LSF_CLASS_REALTIME: return LSF_DSQ_REALTIME;
	case LSF_CLASS_BATCH: return LSF_DSQ_BATCH;
	default: return LSF_DSQ_DEFAULT;
	}
}

/* The aged queue of a vtime class (0 for REALTIME, whose FIFO is its own age order). */
static __always_inline u64 aged_dsq(u32 cls)
{
	switch (cls) {
	case LSF_CLASS_BATCH: return LSF_DSQ_BATCH_AGED;
	case LSF_CLASS_DEFAULT: return LSF_DSQ_DEFAULT_AGED;
	default: return 0;
	}
}

static __always_inline bool queue_is_cpu(u64 dsq)
{
	return dsq >= LSF_DSQ_CPU_BASE && dsq < LSF_DSQ_CPU_BASE + LSF_MAX_CPUS;
}

/* A queue that takes one more task: below queue_max for a wakeup (a sleeper keeps its place by
 * vtime under overload), below queue_fill for anything else. */
static __always_inline bool queue_room(u64 dsq, bool wake)
{
	s32 n = scx_bpf_dsq_nr_queued(dsq);

	return n < (s32)(wake ? queue_max : queue_fill);
}

static __always_inline u32 class_ins_stat(u32 cls)
{
	switch (cls) {
	case LSF_CLASS_REALTIME: return LSF_ST_INS_REALTIME;
	case LSF_CLASS_BATCH: return LSF_ST_INS_BATCH;
	default: return LSF_ST_INS_DEFAULT;
	}
}

static __always_inline u32 class_norm(u32 cls)
{
	return cls == LSF_CLASS_REALTIME || cls == LSF_CLASS_BATCH ? cls : LSF_CLASS_DEFAULT;
}

static __always_inline u64 pcpu_dsq(s32 cpu)
{
	return LSF_DSQ_CPU_BASE + (u32)cpu;
}

/* The order key of p in class cls: enqueue time for REALTIME; for BATCH/DEFAULT its vtime, clamped
 * around the class's vtime_now (lsf_fair_key). */
static __always_inline u64 class_key(struct task_ctx *tc, u32 cls, u64 now)
{
	if (cls == LSF_CLASS_REALTIME || !tc)
		return now;
	return lsf_fair_key(&tc->fair, cls == LSF_CLASS_BATCH ? vtime_now[LSF_CLASS_BATCH] : vtime_now[LSF_CLASS_DEFAULT]);
}

static __always_inline u64 band_key(u32 cls, u64 key)
{
	return ((u64)(class_norm(cls) - LSF_CLASS_REALTIME) << LSF_BAND_SHIFT) | (key & LSF_BAND_MASK);
}

/* The class of a task queued on a per-CPU DSQ, from its key. */
static __always_inline u32 band_class(u64 key)
{
	return (u32)(key >> LSF_BAND_SHIFT) + LSF_CLASS_REALTIME;
}

/* Where a task of class cls with target cpu goes, and its key there: the target's own queue if the
 * CPU is usable (online, allowed, not held by a higher sched class) and the queue has room, else the
 * class queue; a full BATCH/DEFAULT queue sends it to
 * the class's aged queue, keyed by when it became runnable (bpf/starve.bpf.h). wake: a wakeup. */
static __always_inline u64 place(struct task_struct *p, struct task_ctx *tc, u32 cls, s32 cpu, u64 now, bool wake,
				 u64 *key)
{
	u64 dsq;

	cls = class_norm(cls);
	*key = class_key(tc, cls, now);
	if (tc)
		tc->ins_cls = cls;
	if (cpu != LSF_CPU_ANY && cpu_ok(p, cpu) && !cpu_held(cpu) && queue_room(pcpu_dsq(cpu), wake)) {
		*key = band_key(cls, *key);
		if (tc)
			lsf_fair_queued(&tc->fair, 1);
		return pcpu_dsq(cpu);
	}
	dsq = class_dsq(cls);
	if (cls != LSF_CLASS_REALTIME && !queue_room(dsq, wake)) {
		*key = p->scx.runnable_at;
		if (tc)
			lsf_fair_queued(&tc->fair, 0);
		stat_inc(LSF_ST_AGED_FULL);
		return aged_dsq(cls);
	}
	if (tc)
		lsf_fair_queued(&tc->fair, 1);
	return dsq;
}

/* cpu runs work that a REALTIME task may preempt: not protected, and not a task the starvation rule
 * picked (it would starve again at once). */
static __always_inline bool rt_may_preempt(struct task_struct *p, s32 cpu)
{
	struct cpu_ctx *c = cctx_of(cpu);

	return c && !c->protected && !c->fair.starved_run && !c->released && cpu_ok(p, cpu);
}

/* A REALTIME task was queued: an idle CPU it may use is woken; else its last CPU, or one other
 * allowed CPU, is preempted unless it runs protected work. O(1): no walk over the CPUs. */
static __always_inline void preempt_for_realtime(struct task_struct *p)
{
	s32 cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);

	if (cpu >= 0) {
		lsf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}
	cpu = scx_bpf_task_cpu(p);
	if (!rt_may_preempt(p, cpu))
		cpu = (s32)bpf_cpumask_any_distribute(p->cpus_ptr);
	if (rt_may_preempt(p, cpu)) {
		lsf_kick_cpu(cpu, SCX_KICK_PREEMPT);
		stat_inc(LSF_ST_RT_PREEMPT);
	}
}

/* cpu runs a task of class cls that a wakee with order key `key` should preempt: not protected, more
 * than LSF_WAKE_LAG_NS ahead of the wakee in vtime (its vtime when it started plus what it ran since, at
 * weight 100), and on the CPU for at least LSF_WAKE_MIN_RUN_NS unless it is more than LSF_WAKE_FAR_NS ahead. The
 * minimum run keeps two tasks near parity from taking turns at every wakeup; a task that far ahead
 * (a CPU hog next to a sleeper) has no such claim, and a periodic waker that found a hog "just
 * started" waited for the tick's cut (LSF_DEFAULT_SLICE_CAP_NS, rounded up to a 4 ms tick). */
static __always_inline bool wake_may_preempt(struct task_struct *p, s32 cpu, u32 cls, u64 key, u64 now)
{
	struct cpu_ctx *c = cctx_of(cpu);
	u64 ran;
	s64 lead;

	if (!c || c->protected || c->fair.starved_run || c->released || c->run_cls != cls ||
	    !cpu_ok(p, cpu))  /* online, allowed */
		return false;
	ran = now - c->run_start;
	lead = (s64)(c->run_vtime + ran - key);
	return lead > (s64)LSF_WAKE_LAG_NS && (ran >= LSF_WAKE_MIN_RUN_NS || lead > (s64)LSF_WAKE_FAR_NS);
}

/* A BATCH/DEFAULT task woke up: preempt its last CPU, or else one other allowed CPU, if that CPU
 * runs a task of the same class far ahead of it in vtime (wake_may_preempt), so the sleeper waits for
 * a context switch rather than for the rest of a hog's slice. A victim is only protected for its
 * first LSF_WAKE_MIN_RUN_NS on the CPU: a short periodic waker (every 1 ms) next to hogs would otherwise
 * find them always "just started" and wait out whole slices. O(1): at most two CPUs looked at. */
static __always_inline void preempt_for_wakeup(struct task_struct *p, u32 cls, u64 key, u64 now)
{
	s32 cpu = scx_bpf_task_cpu(p);
	s32 other;

	if (!wake_may_preempt(p, cpu, cls, key, now)) {
		/* the distribution moves on at each call: a second call gives another allowed CPU */
		other = (s32)bpf_cpumask_any_distribute(p->cpus_ptr);
		if (other == cpu)
			other = (s32)bpf_cpumask_any_distribute(p->cpus_ptr);
		if (other == cpu || !wake_may_preempt(p, other, cls, key, now))
			return;
		cpu = other;
	}
	lsf_kick_cpu(cpu, SCX_KICK_PREEMPT);
	stat_inc(LSF_ST_WAKE_PREEMPT);
}

/* A new BATCH/DEFAULT task found no idle CPU: preempt one allowed CPU other than this one (where
 * its parent, the forking task, runs) if it runs a task of the same class far ahead of it
 * (wake_may_preempt), as a wakeup would. Never the parent: a fork burst would cut its own parent
 * at every fork (tried: hackbench 0.73x, docs/performance.md). */
static __always_inline void preempt_for_fork(struct task_struct *p, u32 cls, u64 key, u64 now)
{
	s32 here = (s32)bpf_get_smp_processor_id();
	s32 cpu = (s32)bpf_cpumask_any_distribute(p->cpus_ptr);

	if (cpu == here)
		cpu = (s32)bpf_cpumask_any_distribute(p->cpus_ptr);
	if (cpu == here || !wake_may_preempt(p, cpu, cls, key, now))
		return;
	lsf_kick_cpu(cpu, SCX_KICK_PREEMPT);
	stat_inc(LSF_ST_FORK_PREEMPT);
}

/* From select_cpu, no idle CPU found: a REALTIME wakee may go straight to the local queue of cpu
 * (its last CPU, as the kernel's choice) with SCX_ENQ_PREEMPT, when that CPU runs preemptible work
 * that the starvation rule did not pick, and nothing waits in the REALTIME queue, that CPU's own
 * queue or its local queue: one reschedule, no kick and no dispatch. Trade-offs: SCX_ENQ_PREEMPT
 * puts the task at the head, so two REALTIME wakees sent to one CPU within the same few instructions
 * may swap (FIFO kept otherwise); the task runs before that CPU's next starvation check, which
 * delays a starving task by at most one REALTIME run (the CPU is protected while it runs). */
static __always_inline bool rt_direct_ok(struct task_struct *p, s32 cpu)
{
	struct cpu_ctx *c = cctx_of(cpu);

	/* on_cpu: a sched_ext task runs there (a task of a higher class is never preempted, and the
	 * wakee would wait in a local queue no other CPU serves) */
	return c && c->on_cpu && rt_may_preempt(p, cpu) && scx_bpf_dsq_nr_queued(LSF_DSQ_REALTIME) == 0 &&
	       scx_bpf_dsq_nr_queued(pcpu_dsq(cpu)) == 0 && scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | (u32)cpu) == 0;
}

/* Inserts p (from ops.enqueue) as class cls with the given slice and target CPU, and wakes or
 * preempts the CPU that should run it. */
static __always_inline void insert_task(struct task_struct *p, struct task_ctx *tc, u32 cls, u64 slice,
					s32 cpu, u64 enq_flags)
{
	u64 now = bpf_ktime_get_ns(), key;
	u64 dsq = place(p, tc, cls, cpu, now, enq_flags & SCX_ENQ_WAKEUP, &key);

	cls = class_norm(cls);
	if (tc && (enq_flags & SCX_ENQ_WAKEUP))
		tc->wake_at = now;  /* wakeup -> running, measured in ops.running */
	lsf_dsq_insert_vtime(p, dsq, slice, key, enq_flags);
	if (dsq == aged_dsq(cls)) {  /* overload: no preemption; an idle CPU it may use takes it */
		cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
		if (cpu >= 0)
			lsf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}
	if (queue_is_cpu(dsq)) {
		stat_inc(LSF_ST_INS_CPU);
		if (cls == LSF_CLASS_REALTIME && rt_may_preempt(p, cpu))
			lsf_kick_cpu(cpu, SCX_KICK_PREEMPT);
		else
			lsf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}
	stat_inc(class_ins_stat(cls));
	if (cls == LSF_CLASS_REALTIME)
		preempt_for_realtime(p);
	else if (enq_flags & SCX_ENQ_WAKEUP)
		preempt_for_wakeup(p, cls, key, now);
	else if (tc && tc->forked)
		preempt_for_fork(p, cls, key, now);
}

/* Tasks waiting that this CPU may have to serve: its own queue, plus its share of the shared ones. */
static __always_inline u64 waiting_here(s32 cpu)
{
	s32 shared = scx_bpf_dsq_nr_queued(LSF_DSQ_REALTIME) + scx_bpf_dsq_nr_queued(LSF_DSQ_BATCH) +
		     scx_bpf_dsq_nr_queued(LSF_DSQ_DEFAULT) + scx_bpf_dsq_nr_queued(LSF_DSQ_BATCH_AGED) +
		     scx_bpf_dsq_nr_queued(LSF_DSQ_DEFAULT_AGED);
	s32 own = scx_bpf_dsq_nr_queued(pcpu_dsq(cpu));
	u32 online = nr_online ? nr_online : 1;
	u64 w = own > 0 ? (u64)own : 0;

	if (shared > 0)
		w += ((u64)shared + online - 1) / online;
	return w;
}

/* Contended slices: the verdict's slice is a maximum. With W tasks waiting for this CPU a
 * BATCH/DEFAULT task gets slice / (W + 1), at least LSF_FAIR_MIN_SLICE_NS (lsf_fair_contended), so a hog's
 * 20 ms slice does not make everyone behind it wait 20 ms. */
static __always_inline u64 contended_slice(u64 slice, s32 cpu)
{
	return lsf_fair_contended(slice, waiting_here(cpu));
}

/* From ops.tick: the DEFAULT task running on cpu has run LSF_DEFAULT_SLICE_CAP_NS in one go while other
 * tasks wait for this CPU: its slice ends now. A wakee that could not preempt it (it had just
 * started, or another CPU ran protected work) then waits about that long (plus up to one tick), as
 * under EEVDF's short base slice, instead of the rest of a 20 ms slice. Uncontended, the task keeps
 * its whole slice: capping every slice instead cost 7% of stress-ng's throughput under TCG (one
 * dispatch per cap; docs/performance.md). BATCH keeps the slice its verdict asked for. */
static __always_inline bool default_slice_over(s32 cpu, struct cpu_ctx *cc, u64 now)
{
	/* once per LSF_DEFAULT_SLICE_CAP_NS at most: a task that dispatch let go on (keep_prev: nothing here
	 * could run instead) keeps its run_start and is not cut again at every tick; a task served by the
	 * starvation rule keeps its LSF_FAIR_STARVE_SLICE_NS */
	return !cc->protected && !cc->fair.starved_run && cc->run_cls == LSF_CLASS_DEFAULT &&
	       now - cc->run_start >= LSF_DEFAULT_SLICE_CAP_NS && now - cc->last_cut_ns >= LSF_DEFAULT_SLICE_CAP_NS &&
	       waiting_here(cpu) > 0;
}

/* Charges the time p ran since ops.running, scaled by its weight. */
static __always_inline void charge(struct task_struct *p, struct task_ctx *tc, u64 now)
{
	if (!tc->run_at)
		return;
	lsf_fair_charge(&tc->fair, now - tc->run_at, p->scx.weight);
	tc->run_at = 0;
}

#endif /* LSF_CLASSES_BPF_H */
