/* SPDX-License-Identifier: GPL-2.0-only */
/* luasched-fast BPF: what a CPU runs next: one starvation rule over every queue, then class order. */
#ifndef LSF_STARVE_BPF_H
#define LSF_STARVE_BPF_H

#include "classes.bpf.h"

/*
 * Order on CPU n: REALTIME, then BATCH, then DEFAULT; within a class the head of the shared queue and
 * the head of n's own queue (targeted verdicts, same class band) by key, then the class's aged queue.
 * Above that, one starvation rule over every queue n can serve (REALTIME, BATCH, DEFAULT, their aged
 * queues, its own; PENDING is bounded by its deadline, bpf/transport.bpf.h):
 *
 *   a task runnable for longer than LSF_STARVE_NS (100 ms, by p->scx.runnable_at, the watchdog's
 *   clock) is served before anything else, whatever its class, with a short slice
 *   (LSF_FAIR_STARVE_SLICE_NS), oldest first.
 *
 * Finding such a task costs bounded work whatever the depth of a queue an unprivileged user creates
 * (any number of spinners, any mix of weights, targeted queues). Design: every vtime-ordered queue
 * is bounded, and what does not fit waits in a queue whose head is always its oldest:
 *   - BATCH, DEFAULT and each CPU's own queue hold at most queue_max tasks (queue_fill for anything
 *     but a wakeup, so a sleeper still finds room by vtime under overload). Beyond that a BATCH/
 *     DEFAULT task goes to its class's aged queue, keyed by p->scx.runnable_at; a targeted task goes
 *     to its class's queues for that insert. REALTIME is FIFO: its head is its oldest already.
 *   - ops.dispatch refills a vtime queue from the front of its aged queue (oldest first, LSF_REFILL_MAX
 *     per dispatch) while the vtime queue holds fewer than queue_fill; overdue tasks are left there
 *     for the rule.
 *   - Heads are checked at every dispatch: a queue's first task this CPU may run (aged_scan_max
 *     entries looked at, in case the head is pinned elsewhere).
 *   - A task hidden behind younger heads of a vtime queue (vtime order, bands) is found by a sweep
 *     that covers the whole queue: for BATCH and DEFAULT a BPF timer every LSF_RESCUE_EVERY_NS (no rq
 *     lock) moves every overdue task (and any beyond queue_max) to the aged queue, where the oldest
 *     is a head; CPU n's own queue, which only n serves, is swept by n's dispatch every
 *     LSF_RESCUE_EVERY_NS: its overdue BATCH/DEFAULT tasks go to their class's aged queue (then any CPU
 *     they may use serves them, oldest first), its first overdue REALTIME task in queue order (FIFO:
 *     the one queued first) runs here, and the sweep goes on at the next dispatch.
 *   - A CPU whose running task holds a long slice is interrupted from ops.tick (every LSF_TICK_CHECK_NS)
 *     when a head is overdue or its own queue's sweep is due.
 * Work per dispatch under the rq lock: O(1) heads (aged_scan_max entries when a head is pinned
 * elsewhere), LSF_REFILL_MAX moves, and, every LSF_RESCUE_EVERY_NS, one walk of n's own queue
 * (queue_max + nr_cpus + LSF_WALK_SLACK entries: inserts that race past the depth check) and at most
 * LSF_OWN_MOVE_MAX moves.
 * Alternatives weighed: walking from both ends (SCX_DSQ_ITER_REV) finds a low-weight task at the tail
 * but not one between two deep groups (nice 0 spinners ahead, nice 19 behind, a nice 5 probe between);
 * an age index beside the DSQs needs every departure reported (ops.dequeue) and a second structure
 * kept in step with the kernel's. Trade-off: past queue_fill tasks, a class is served in vtime order
 * only within the queue_max tasks that fit; the rest wait their turn oldest first.
 *
 * Bound: a task waits at most LSF_STARVE_NS + LSF_RESCUE_EVERY_NS + LSF_TICK_CHECK_NS (~160 ms) plus
 * LSF_FAIR_STARVE_SLICE_NS for each task that became overdue before it, shared among the CPUs serving them
 * (under overload, when every task is overdue, that is the round of N tasks at 5 ms on C CPUs:
 * 5 ms * N / C). This also gives lower classes a guaranteed share under REALTIME saturation: each
 * waiting task gets LSF_FAIR_STARVE_SLICE_NS every ~LSF_STARVE_NS. The sched_ext watchdog
 * (LSF_WATCHDOG_MS) is 30x further away.
 */

#define LSF_RESCUE_EVERY_NS (50ULL * LSF_NSEC_PER_MSEC)  /* sweep period of a vtime queue */
#define LSF_SWEEP_AGAIN_NS  (2ULL * LSF_NSEC_PER_MSEC)   /* the shared sweep stopped at LSF_SWEEP_MOVE_MAX */
#define LSF_TICK_CHECK_NS   (10ULL * LSF_NSEC_PER_MSEC)  /* per CPU: starvation check from ops.tick */
#define LSF_REFILL_MAX      4     /* tasks moved from an aged queue into its vtime queue per dispatch */
#define LSF_SWEEP_MOVE_MAX  128   /* tasks one shared sweep moves to an aged queue, per queue */
#define LSF_WALK_SLACK      32    /* entries walked past queue_max + nr_cpus */
#define LSF_OWN_MOVE_MAX    32    /* overdue tasks one sweep of a CPU's own queue moves to an aged queue */

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

static __always_inline bool overdue(struct task_struct *p, u64 now_j, u64 starve_j)
{
	return now_j - p->scx.runnable_at > starve_j;
}

/* Entries a sweep walks: everything a vtime queue can hold. */
static __always_inline u32 walk_max(void)
{
	return queue_max + nr_cpus + LSF_WALK_SLACK;
}

/* Jiffies the first task of dsq that this CPU may run has been runnable (0: none, or empty): the head,
 * or if it is pinned elsewhere the first allowed one among aged_scan_max entries. */
static __always_inline u64 head_age(u64 dsq, s32 cpu, u64 now_j)
{
	struct task_struct *p = lsf_dsq_peek(dsq);
	u64 age = 0;
	u32 n = 0;

	if (!p)
		return 0;
	if (bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
		return now_j - p->scx.runnable_at;
	bpf_for_each(scx_dsq, p, dsq, 0) {
		if (++n > aged_scan_max)
			break;
		if (bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {
			age = now_j - p->scx.runnable_at;
			break;
		}
	}
	return age;
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
	case LSF_DSQ_BATCH:
	case LSF_DSQ_BATCH_AGED: return LSF_ST_DISP_BATCH;
	case LSF_DSQ_DEFAULT:
	case LSF_DSQ_DEFAULT_AGED: return LSF_ST_DISP_DEFAULT;
	default: return LSF_ST_DISP_CPU;
	}
}

/* Marks p as picked by the starvation rule on this CPU (bpf/fair.h: short slice, not preempted). */
static __always_inline void starve_mark(struct task_struct *p, struct cpu_ctx *cc)
{
	struct task_ctx *tc = tctx_get(p);

	if (tc)
		lsf_fair_starve_pick(&tc->fair, &cc->fair);
}

/* The queues the rule looks at on CPU n, besides n's own (index LSF_STARVE_SHARED). */
#define LSF_STARVE_SHARED    5
static const u64 starve_shared[LSF_STARVE_SHARED] = {
	LSF_DSQ_REALTIME, LSF_DSQ_BATCH_AGED, LSF_DSQ_BATCH, LSF_DSQ_DEFAULT_AGED, LSF_DSQ_DEFAULT,
};

/* The queue n may serve whose first task n may run has waited longest past the bound; 0 if none.
 * One loop over the queues (not one inlined copy each): the verifier then checks head_age once
 * instead of once per combination of earlier outcomes. */
static __always_inline u64 overdue_queue(s32 cpu, u64 now_j, u64 starve_j)
{
	u64 best = 0, best_age = starve_j, age, dsq;
	int i;

	bpf_for(i, 0, LSF_STARVE_SHARED + 1) {
		dsq = i < LSF_STARVE_SHARED ? starve_shared[i] : pcpu_dsq(cpu);
		age = head_age(dsq, cpu, now_j);
		if (age > best_age) {
			best = dsq;
			best_age = age;
		}
	}
	return best;
}

/* Moves the first task of dsq this CPU may run (the one head_age measured) here, if it is overdue. */
static __always_inline bool serve_first(u64 dsq, s32 cpu, struct cpu_ctx *cc, u64 now_j, u64 starve_j)
{
	struct task_struct *p;
	u32 n = 0;

	bpf_for_each(scx_dsq, p, dsq, 0) {
		if (++n > aged_scan_max)
			break;
		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		if (!overdue(p, now_j, starve_j))
			break;
		if (lsf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0)) {
			starve_mark(p, cc);
			stat_inc(disp_stat(dsq));
			return true;
		}
		break;
	}
	return false;
}

/* CPU n's own queue, which only n serves: its overdue BATCH/DEFAULT tasks go to their class's aged
 * queue (at most LSF_OWN_MOVE_MAX per sweep), where every CPU they may use serves them oldest first; the
 * first overdue REALTIME task this CPU may run (queue order: FIFO) is served here, and the walk stops.
 * One pass that carries nothing from one entry to the next but its count: the verifier's loop check
 * then converges (a two-pass version that carried the oldest age did not, on 7.3). Returns
 * LSF_SWEEP_MORE if it stopped early (run it again at the next dispatch), LSF_SWEEP_SERVED if it put a
 * task on this CPU. */
#define LSF_SWEEP_MORE   1
#define LSF_SWEEP_SERVED 2

static __always_inline int sweep_own(s32 cpu, struct cpu_ctx *cc, u64 now_j, u64 starve_j)
{
	u64 own = pcpu_dsq(cpu);
	struct task_struct *p;
	u32 n = 0, moved = 0;

	bpf_for_each(scx_dsq, p, own, 0) {
		u32 cls = band_class(p->scx.dsq_vtime);
		struct task_ctx *tc;

		if (++n > walk_max())  /* only inserts racing past the depth check get here */
			break;
		if (!overdue(p, now_j, starve_j))
			continue;
		if (cls == LSF_CLASS_REALTIME) {
			if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
				continue;
			if (!lsf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0))
				return LSF_SWEEP_MORE;
			starve_mark(p, cc);
			stat_inc(LSF_ST_DISP_CPU);
			return LSF_SWEEP_MORE | LSF_SWEEP_SERVED;
		}
		if (moved >= LSF_OWN_MOVE_MAX)
			return LSF_SWEEP_MORE;
		lsf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, p->scx.runnable_at);
		if (!lsf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, aged_dsq(cls), 0))
			continue;
		moved++;
		tc = tctx_get(p);
		if (tc)
			lsf_fair_queued(&tc->fair, 0);
		stat_inc(LSF_ST_AGED_OVERDUE);
	}
	return 0;
}

/*
 * The dispatch path's loops run in global functions: the verifier checks a global function once, on
 * its own, where an inlined loop is checked again for every state its caller reaches it in (and a
 * count the caller compares becomes precise, so the loop's states stop merging). Inlined, ops.dispatch
 * passed the verifier's limit on 7.3 ("sequence of 8193 jumps is too complex"). The price is a call.
 */
__noinline int lsf_sweep_own(s32 cpu)
{
	struct cpu_ctx *cc = cctx_this();

	if (!cc)
		return 0;
	return sweep_own(cpu, cc, bpf_jiffies64(), starve_jiffies());
}

/* Serves the queue whose head waited longest past the bound; 1 if it put a task on this CPU. */
__noinline int lsf_serve_overdue(s32 cpu)
{
	struct cpu_ctx *cc = cctx_this();
	u64 now_j = bpf_jiffies64(), starve_j = starve_jiffies(), dsq;

	if (!cc)
		return 0;
	dsq = overdue_queue(cpu, now_j, starve_j);
	return dsq && serve_first(dsq, cpu, cc, now_j, starve_j);
}

/* The starvation rule. Returns true if it put a task on this CPU. */
static __always_inline bool serve_starved(s32 cpu, struct cpu_ctx *cc)
{
	u64 now = bpf_ktime_get_ns();
	int r;

	/* this CPU's own queue first when its sweep is due: under overload some head is always overdue,
	 * and a task hidden behind a younger head would otherwise never be reached */
	if (now - cc->last_rescue_ns >= LSF_RESCUE_EVERY_NS) {
		r = scx_bpf_dsq_nr_queued(pcpu_dsq(cpu)) > 0 ? lsf_sweep_own(cpu) : 0;
		if (!(r & LSF_SWEEP_MORE))
			cc->last_rescue_ns = now;  /* else more may be overdue: again at the next dispatch */
		if (r & LSF_SWEEP_SERVED)
			goto served;
	}
	if (lsf_serve_overdue(cpu))
		goto served;
	return false;
served:
	stat_inc(LSF_ST_STARVE_BOOST);
	return true;
}

/* Moves up to LSF_REFILL_MAX tasks that are not overdue from the front of class cls's aged queue (its
 * oldest) into its vtime queue while that holds fewer than queue_fill. Overdue ones stay for the
 * starvation rule. */
static __always_inline void refill(u32 cls, u64 now_j, u64 starve_j)
{
	u64 q = class_dsq(cls), aged = aged_dsq(cls), now;
	struct task_struct *p;
	u32 n = 0, moved = 0;

	if (scx_bpf_dsq_nr_queued(aged) <= 0 || !queue_room(q, false))
		return;
	now = bpf_ktime_get_ns();
	bpf_for_each(scx_dsq, p, aged, 0) {
		struct task_ctx *tc;

		if (++n > aged_scan_max)
			break;
		if (overdue(p, now_j, starve_j))
			continue;
		tc = tctx_get(p);
		lsf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, class_key(tc, cls, now));
		if (lsf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, q, 0)) {
			if (tc)
				lsf_fair_queued(&tc->fair, 1);
			if (++moved >= LSF_REFILL_MAX)
				break;
		}
	}
}

static __always_inline void refill_all(void)
{
	u64 now_j = bpf_jiffies64(), starve_j = starve_jiffies();

	refill(LSF_CLASS_BATCH, now_j, starve_j);
	refill(LSF_CLASS_DEFAULT, now_j, starve_j);
}

/* Class order, this CPU's own queue merged into each class by key, then the class's aged queue. */
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

			if ((!sp || (s64)((lkey & LSF_BAND_MASK) - sp->scx.dsq_vtime) <= 0) && consume(own, LSF_ST_DISP_CPU))
				return true;
			if (consume(dsq, disp_stat(dsq)) || consume(own, LSF_ST_DISP_CPU))
				return true;
		} else if (consume(dsq, disp_stat(dsq))) {
			return true;
		}
		if (cls != LSF_CLASS_REALTIME && consume(aged_dsq(cls), disp_stat(aged_dsq(cls))))
			return true;
	}
	return lp && consume(own, LSF_ST_DISP_CPU);
}

/* From ops.tick: should the running task give up the CPU now for the starvation rule? */
static __always_inline bool starvation_due(s32 cpu, struct cpu_ctx *cc, u64 now)
{
	if (now - cc->last_tick_ns < LSF_TICK_CHECK_NS)
		return false;
	cc->last_tick_ns = now;
	if (overdue_queue(cpu, bpf_jiffies64(), starve_jiffies()))
		return true;
	/* the sweep of its own queue is due and there is something to sweep */
	return now - cc->last_rescue_ns >= LSF_RESCUE_EVERY_NS && scx_bpf_dsq_nr_queued(pcpu_dsq(cpu)) > 0;
}

/* ---- the sweep of the shared vtime queues: a BPF timer, no rq lock held --------------------- */

struct lsf_sweep_timer {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct lsf_sweep_timer);
} sweep_timers SEC(".maps");

/* Moves every overdue task of vtime queue dsq, and every task past queue_max, to its aged queue (keyed
 * by when it became runnable), at most LSF_SWEEP_MOVE_MAX. Returns true if it stopped at that cap. */
static __always_inline bool sweep_shared(u32 cls, u64 now_j, u64 starve_j)
{
	u64 dsq = class_dsq(cls), aged = aged_dsq(cls);
	struct task_struct *p;
	u32 n = 0, moved = 0;

	if (scx_bpf_dsq_nr_queued(dsq) <= 0)
		return false;
	bpf_for_each(scx_dsq, p, dsq, 0) {
		struct task_ctx *tc;

		if (++n > walk_max())
			break;
		if (n <= queue_max && !overdue(p, now_j, starve_j))
			continue;
		lsf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, p->scx.runnable_at);
		if (!lsf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, aged, 0))
			continue;
		tc = tctx_get(p);
		if (tc)
			lsf_fair_queued(&tc->fair, 0);
		stat_inc(LSF_ST_AGED_OVERDUE);
		if (++moved >= LSF_SWEEP_MOVE_MAX)
			return true;
	}
	return false;
}

/* A CPU a higher sched class holds (cpu_held) serves neither its local queue nor its own queue.
 * Its local queue goes through ops.enqueue again, on that CPU, where the kernel can do that from
 * here (7.3; ops.cpu_release does it when it is called, and cpu_held says why that is not enough);
 * the tasks of the first such own queue found move to their class queues (the aged one when
 * full), at most LSF_SWEEP_MOVE_MAX. Returns true if it moved any (there may be more). */
static __always_inline bool sweep_released(void)
{
	struct task_struct *p;
	s32 victim = -1;
	u32 n = 0;
	int i;

	bpf_for(i, 0, nr_cpus) {
		if (i >= LSF_MAX_CPUS)
			break;
		if (!cpu_held(i))
			continue;
		if (scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | (u32)i) > 0 && lsf_reenqueue_local_on(i))
			stat_inc(LSF_ST_RELEASE_REENQ);
		if (victim < 0 && scx_bpf_dsq_nr_queued(pcpu_dsq(i)) > 0)
			victim = i;
	}
	if (victim < 0)
		return false;
	bpf_for_each(scx_dsq, p, pcpu_dsq(victim), 0) {
		u64 key = p->scx.dsq_vtime, dsq;
		u32 cls = band_class(key);

		if (++n > LSF_SWEEP_MOVE_MAX)
			break;
		dsq = class_dsq(cls);
		key &= LSF_BAND_MASK;
		if (cls != LSF_CLASS_REALTIME && !queue_room(dsq, false)) {
			dsq = aged_dsq(cls);
			key = p->scx.runnable_at;
		}
		lsf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, key);
		if (lsf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, dsq, 0))
			stat_inc(LSF_ST_RELEASE_MOVE);
	}
	return true;
}

/* The kicks lsf_kick_cpu put off, done from this CPU (put off again if it is going down too). */
static __always_inline void kick_put_off(void)
{
	u64 bits;
	u32 w;
	int b;

	for (w = 0; w < LSF_CPU_WORDS; w++) {
		if (!kick_later[w])
			continue;
		bits = __sync_fetch_and_and(&kick_later[w], 0);
		bpf_for(b, 0, 64) {
			if (bits & (1ULL << b))
				lsf_kick_cpu((s32)(w * 64 + b), SCX_KICK_IDLE);
		}
	}
}

/* The sweep's steps as global functions, each verified once on its own (6.12 verifies ops.init, whose
 * timer callbacks these are, close to the 1M-instruction limit). Each holds its own RCU section: 6.12
 * verifies ops.init's timer callbacks as sleepable, where DSQ iterators need one; nesting it is
 * harmless elsewhere. */
__noinline int lsf_sweep_shared(u32 cls, u64 now_j, u64 starve_j)
{
	bool more;

	if (cls != LSF_CLASS_BATCH && cls != LSF_CLASS_DEFAULT)
		return 0;
	bpf_rcu_read_lock();
	more = sweep_shared(cls, now_j, starve_j);
	bpf_rcu_read_unlock();
	return more;
}

__noinline int lsf_sweep_released(void)
{
	bool more;

	bpf_rcu_read_lock();
	more = sweep_released();
	bpf_rcu_read_unlock();
	return more;
}

static int sweep_fn(void *map, int *key, struct lsf_sweep_timer *t)
{
	u64 now_j = bpf_jiffies64(), starve_j = starve_jiffies();
	bool more;

	more = lsf_sweep_shared(LSF_CLASS_BATCH, now_j, starve_j);
	more = lsf_sweep_shared(LSF_CLASS_DEFAULT, now_j, starve_j) || more;
	more = lsf_sweep_released() || more;
	kick_put_off();
	bpf_timer_start(&t->timer, more ? LSF_SWEEP_AGAIN_NS : LSF_RESCUE_EVERY_NS, 0);
	return 0;
}

static __always_inline s32 sweep_timer_init(void)
{
	u32 zero = 0;
	struct lsf_sweep_timer *t = bpf_map_lookup_elem(&sweep_timers, &zero);

	if (!t)
		return -ENOENT;
	bpf_timer_init(&t->timer, &sweep_timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&t->timer, sweep_fn);
	bpf_timer_start(&t->timer, LSF_RESCUE_EVERY_NS, 0);
	return 0;
}

#endif /* LSF_STARVE_BPF_H */
