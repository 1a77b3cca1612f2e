/* SPDX-License-Identifier: GPL-2.0-only */
/* luasched-fast BPF: misses to userspace, verdicts back, parked tasks and the timer that frees them. */
#ifndef LSF_TRANSPORT_BPF_H
#define LSF_TRANSPORT_BPF_H

#include "classes.bpf.h"

/*
 * A miss: ops.enqueue finds no usable verdict (bpf/verdict.h), sends a record to the dispatcher and
 * queues the task by its provisional verdict (or, with --miss wait, parks it in PENDING). Each user
 * (uid) has a budget of misses (bpf/miss_budget.h), checked before a queue slot is taken. Two
 * transports:
 *   arena   one SPSC miss ring per CPU and one verdict ring in BPF arena memory shared with the
 *           dispatcher (bpf/arena_ring.h); a doorbell ringbuf wakes a sleeping dispatcher.
 *   ringbuf a BPF ringbuf for misses, a user ringbuf for verdicts (kernels without arenas).
 * Verdicts are applied where they arrive: ops.dispatch, the timer and the dispatcher's kick
 * program all drain them and release the parked tasks they answer.
 *
 * Wake-up sources of a parked task (it must never wait for an unrelated event): the kick program
 * right after its verdict was queued; any CPU's ops.dispatch; and the timer, which never stops:
 * every LSF_TIMER_NS while tasks are parked, every LSF_TIMER_IDLE_NS otherwise. A park switches it to the
 * fast period; if that races with the timer deciding to slow down, the task waits at most one
 * slow period more. Bound on a parked task's wait: LSF_MISS_DEADLINE_NS + LSF_TIMER_IDLE_NS.
 */

#define LSF_USER_ABSENT_NS    (500ULL * LSF_NSEC_PER_MSEC) /* no heartbeat this long: misses don't wait */
#define LSF_ABSENT_RETRY_NS   (100ULL * LSF_NSEC_PER_MSEC) /* ask again this often while it is absent */
/* Verdicts applied per call, by where they are applied. ops.dispatch runs under the rq lock, so it
 * takes only a few (each is a pid lookup); the rest wait for the kick program, the timer (which
 * stays on its fast period while it finds full batches) or the next dispatch. */
#define LSF_DISPATCH_VERDICTS 15
#define LSF_VERDICT_BATCH     256                     /* per timer run */
#define LSF_KICK_VERDICTS     LSF_ARENA_VERDICT_SLOTS /* per kick program run (no rq lock): a full ring */
#define LSF_TIMER_NS          (1ULL * LSF_NSEC_PER_MSEC)   /* timer period while tasks are parked */
#define LSF_TIMER_IDLE_NS     (50ULL * LSF_NSEC_PER_MSEC)  /* timer period otherwise */
#define LSF_OFFLINE_MOVE_MAX  64    /* tasks moved off an offline CPU's queue per timer run */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024);
} misses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 256 * 1024);
} verdicts SEC(".maps");

/* Miss budget per user (bpf/miss_budget.h): real uid -> GCRA bucket (theoretical arrival time of
 * the next miss). LRU: a uid evicted after a long silence comes back with a full bucket, as it would. */
#define LSF_BUDGET_USERS 4096
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LSF_BUDGET_USERS);
	__type(key, u32);
	__type(value, u64);
} miss_budget SEC(".maps");

/* Takes one miss from uid's budget. False: over budget, send nothing. Lock-free: one
 * compare-and-swap on the bucket, retried a few times against concurrent misses of the same uid. */
static __always_inline bool budget_take(u32 uid, u64 now)
{
	u64 *tat, next = 0, zero = 0;
	int i;

	if (!miss_interval_ns)
		return true;
	tat = bpf_map_lookup_elem(&miss_budget, &uid);
	if (!tat) {
		bpf_map_update_elem(&miss_budget, &uid, &zero, BPF_NOEXIST);
		tat = bpf_map_lookup_elem(&miss_budget, &uid);
		if (!tat)
			return true;  /* cannot account for it: never hold a miss back for want of memory */
	}
	bpf_for(i, 0, 4) {
		u64 old = *(volatile u64 *)tat;

		if (!lsf_budget_take(old, now, miss_interval_ns, LSF_MISS_BURST, &next))
			return false;
		if (__sync_val_compare_and_swap(tat, old, next) == old)
			return true;
	}
	return false;
}

/* Arena transport: the layout is allocated by lsf_arena_setup before attach. */
struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, LSF_ARENA_MAX_PAGES);
#ifdef __BPF_FEATURE_ADDR_SPACE_CAST
	__ulong(map_extra, 0x1ull << 44);  /* fixed user address: BPF and the dispatcher share pointers */
#endif
} arena SEC(".maps");

/* Arena transport: a record here wakes the dispatcher when it sleeps (contents unused). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} doorbell SEC(".maps");

struct lsf_arena LSF_ARENA *shared;  /* the arena layout, NULL until lsf_arena_setup ran */
volatile __u64 user_sleeping;        /* arena transport: 1 while the dispatcher waits for a doorbell */
volatile __u64 verdict_lock;         /* arena transport: held by the BPF context draining verdicts */

struct lsf_timer {
	struct bpf_timer timer;
	u32 fast;  /* 1: the LSF_TIMER_NS period is in force (tasks are parked) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct lsf_timer);
} timers SEC(".maps");

/* The verifier accepts arena pointer casts only in programs that reference the arena map: every
 * function that touches `shared` starts with this. */
#define USES_ARENA() asm volatile("" : : "r"(&arena))

/* Record copies between the stack and the arena, one u64 at a time: clang lowers a struct
 * assignment to a memcpy that loses the arena address-space casts the verifier needs. */
static __always_inline void copy_to_arena(void LSF_ARENA *dst, const void *src, u32 size)
{
	__u64 LSF_ARENA *d = dst;
	const __u64 *s = src;

#pragma unroll
	for (u32 i = 0; i < size / 8; i++)
		d[i] = s[i];
}

static __always_inline void copy_from_arena(void *dst, const void LSF_ARENA *src, u32 size)
{
	__u64 *d = dst;
	const __u64 LSF_ARENA *s = src;

#pragma unroll
	for (u32 i = 0; i < size / 8; i++)
		d[i] = s[i];
}

/* The timer to its fast period, unless it is there already. */
static __always_inline void timer_hurry(void)
{
	u32 zero = 0;
	struct lsf_timer *t = bpf_map_lookup_elem(&timers, &zero);

	if (t && __sync_val_compare_and_swap(&t->fast, 0, 1) == 0)
		bpf_timer_start(&t->timer, LSF_TIMER_NS, 0);
}

static __always_inline void fill_miss(struct lsf_miss *m, struct task_struct *p, u64 now, u64 seq,
				      u32 flags, const struct lsf_ident *id)
{
	struct task_struct *parent = p->real_parent;

	m->seq = seq;
	m->enq_ns = now;
	m->cgroup_id = id->cgroup_id;
	bpf_probe_read_kernel(m->cpus_allowed, sizeof(m->cpus_allowed), p->cpus_ptr);
	m->pid = p->pid;
	m->tgid = p->tgid;
	m->ppid = BPF_CORE_READ(p, real_parent, tgid);
	m->uid = id->uid;
	m->gid = id->gid;
	m->prio = p->static_prio;
	m->nice = p->static_prio - 120;
	m->prev_cpu = scx_bpf_task_cpu(p);
	m->policy_gen = policy_gen;
	m->flags = flags;
	m->nr_cpus_allowed = p->nr_cpus_allowed;
	m->_pad = 0;
	bpf_probe_read_kernel_str(m->comm, sizeof(m->comm), p->comm);
	if (parent)
		bpf_probe_read_kernel_str(m->pcomm, sizeof(m->pcomm), parent->comm);
	else
		m->pcomm[0] = 0;
}

/* Arena transport: wake the dispatcher if it sleeps. The compare-and-swap is a full barrier (x86
 * lock cmpxchg), so the ring head stored before it is visible to a dispatcher that sees 0 here. */
static __always_inline void ring_doorbell(void)
{
	u64 one = 1;

	if (__sync_val_compare_and_swap(&user_sleeping, 1, 0) != 1)
		return;
	bpf_ringbuf_output(&doorbell, &one, sizeof(one), 0);
	stat_inc(LSF_ST_DOORBELL);
}

/* Parks p in PENDING until its verdict or its deadline, with the timer on its fast period. */
static __always_inline void park_task(struct task_struct *p, struct task_ctx *tc, u64 enq_flags)
{
	tc->ins_cls = LSF_CLASS_DEFAULT;
	lsf_dsq_insert(p, LSF_DSQ_PENDING, default_slice_ns, enq_flags);
	timer_hurry();
}

/* Sends a miss for p (action LSF_VS_ASK or LSF_VS_REASK) and sets up its provisional verdict
 * (bpf/verdict.h). Returns true when p must be parked: only with --miss wait, and not for a re-ask,
 * without a dispatcher, over its user's miss budget, or when the miss queue is full. From ops.enqueue or ops.select_cpu (both
 * run with interrupts off, so this CPU's miss ring has one producer at a time). */
static __always_inline bool post_miss(struct task_struct *p, struct task_ctx *tc, int action)
{
	u64 now = bpf_ktime_get_ns();
	bool present = now - user_alive_ns < LSF_USER_ABSENT_NS;
	bool park = miss_wait && present && action == LSF_VS_ASK;
	u32 cpu = bpf_get_smp_processor_id(), flags;
	struct lsf_miss_ring LSF_ARENA *ring = 0;
	struct lsf_miss LSF_ARENA *slot = 0;
	struct lsf_miss local, *m = &local;
	struct lsf_ident id;
	u64 seq;

	read_ident(p, &id);
	/* the user's budget first: a miss over it takes no queue slot (bpf/miss_budget.h) */
	if (!budget_take(id.uid, now)) {
		seq = __sync_fetch_and_add(&miss_seq, 1) + 1;
		lsf_vs_begin_miss(&tc->v, seq, now, LSF_MISS_DEADLINE_NS, 1, policy_gen, default_slice_ns);
		tc->v.ident = id;
		stat_inc(LSF_ST_MISS_BUDGET);
		return false;
	}
	if (use_arena) {
		struct lsf_arena LSF_ARENA *a = shared;

		USES_ARENA();
		if (a && cpu < nr_cpus) {
			ring = &a->misses[cpu];
			slot = lsf_miss_ring_slot(ring);
		}
		if (!slot)
			m = NULL;
	} else {
		m = bpf_ringbuf_reserve(&misses, sizeof(*m), 0);
	}
	seq = __sync_fetch_and_add(&miss_seq, 1) + 1;
	if (!m) {
		/* no room: run by the provisional verdict, ask again after a deadline rather than at
		 * every enqueue */
		lsf_vs_begin_miss(&tc->v, seq, now, LSF_MISS_DEADLINE_NS, 1, policy_gen, default_slice_ns);
		tc->v.ident = id;
		stat_inc(LSF_ST_MISS_RB_FULL);
		return false;
	}
	flags = lsf_vs_begin_miss(&tc->v, seq, now, present ? LSF_MISS_DEADLINE_NS : LSF_ABSENT_RETRY_NS, !park,
				  policy_gen, default_slice_ns);
	tc->v.ident = id;
	fill_miss(m, p, now, seq, flags, &id);
	tc->v.fp = lsf_vs_fingerprint(m->uid, m->gid, m->prio, m->nr_cpus_allowed, m->cpus_allowed[0]);
	if (use_arena) {
		if (!slot || !ring)  /* checked above; repeated for the verifier's benefit */
			return false;
		copy_to_arena(slot, &local, sizeof(local));
		lsf_miss_ring_commit(ring);
		ring_doorbell();
	} else {
		bpf_ringbuf_submit(m, 0);
	}
	stat_inc(LSF_ST_MISS);
	if (action == LSF_VS_REASK)
		stat_inc(LSF_ST_REASK);
	if (!present)
		stat_inc(LSF_ST_FALLBACK_NOUSER);
	return park;
}

/* ops.enqueue's miss: sends it, then queues p by its provisional verdict or parks it. */
static __always_inline void send_miss(struct task_struct *p, struct task_ctx *tc, u64 enq_flags, int action)
{
	if (post_miss(p, tc, action))
		park_task(p, tc, enq_flags);
	else
		insert_task(p, tc, tc->v.cls, tc->v.slice_ns, tc->v.cpu, enq_flags);
}

/* Applies one verdict: the task is found by pid, the verdict taken only if it answers that task's
 * miss in flight (same seq), so a recycled pid never gets its predecessor's verdict. */
static __always_inline void apply_verdict(struct lsf_verdict *v)
{
	struct task_struct *p;
	struct task_ctx *tc;
	int r = LSF_VS_STALE;

	stat_inc(LSF_ST_VERDICT);
	p = bpf_task_from_pid(v->pid);
	if (p) {
		tc = tctx_get(p);
		if (tc)
			r = lsf_vs_apply(&tc->v, v, nr_cpus, default_slice_ns);
		bpf_task_release(p);
	}
	if (r == LSF_VS_STALE)
		stat_inc(LSF_ST_VERDICT_STALE);
	else if (r == LSF_VS_BAD)
		stat_inc(LSF_ST_VERDICT_BAD);
}

/* How many more verdicts this CPU's bpf_user_ringbuf_drain may apply. A map value, not a counter on
 * the stack: the verifier would follow a constant through every call of the callback (E2BIG). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} drain_left SEC(".maps");

/* bpf_user_ringbuf_drain's callback: applies one verdict; stops the drain when drain_left is 0. */
static long on_verdict(struct bpf_dynptr *dynptr, void *ctx)
{
	struct lsf_verdict v;
	u32 zero = 0, *left;

	if (!bpf_dynptr_read(&v, sizeof(v), dynptr, 0, 0))
		apply_verdict(&v);
	left = bpf_map_lookup_elem(&drain_left, &zero);
	if (!left || *left <= 1)
		return 1;
	*left -= 1;
	return 0;
}

/* Arena transport: apply queued verdicts. One consumer at a time (trylock: a busy ring is being
 * drained by someone else right now); at most max (<= LSF_KICK_VERDICTS) per call. Returns how many. */
static __always_inline u32 drain_arena_verdicts(u32 max)
{
	struct lsf_arena LSF_ARENA *a = shared;
	struct lsf_verdict_ring LSF_ARENA *r;
	u64 tail, head, first;
	int i;

	USES_ARENA();
	if (!a)
		return 0;
	r = &a->verdicts;
	if (LSF_LOAD_ACQUIRE(&r->ctl.head) == r->ctl.tail)
		return 0;
	if (__sync_val_compare_and_swap(&verdict_lock, 0, 1) != 0)
		return 0;
	first = tail = r->ctl.tail;
	head = LSF_LOAD_ACQUIRE(&r->ctl.head);
	/* nothing counted across iterations but tail: a counter starting at a constant would keep the
	 * verifier from ever finding two iterations alike (E2BIG on 7.3) */
	bpf_for(i, 0, LSF_KICK_VERDICTS) {
		struct lsf_verdict v;

		if (tail == head || (u32)i >= max)
			break;
		copy_from_arena(&v, &r->slot[tail & (LSF_ARENA_VERDICT_SLOTS - 1)], sizeof(v));
		tail++;
		apply_verdict(&v);
	}
	LSF_STORE_RELEASE(&r->ctl.tail, tail);
	lsf_compiler_barrier();
	verdict_lock = 0;
	return (u32)(tail - first);
}

/* Applies at most max (>= 1) queued verdicts; returns how many it applied. */
static __always_inline u32 drain_verdicts(u32 max)
{
	u32 zero = 0, *left;
	long n;

	if (use_arena)
		return drain_arena_verdicts(max);
	left = bpf_map_lookup_elem(&drain_left, &zero);
	if (!left)
		return 0;
	*left = max;
	n = bpf_user_ringbuf_drain(&verdicts, on_verdict, NULL, 0);
	return n > 0 ? (u32)n : 0;
}

/* Wakes an idle CPU that p may run on (it then dispatches p). Returns false if none is idle. */
static __always_inline bool kick_idle_for(struct task_struct *p)
{
	s32 cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);

	if (cpu < 0)
		return false;
	lsf_kick_cpu(cpu, SCX_KICK_IDLE);
	return true;
}

/* Moves parked tasks whose verdict arrived (or whose deadline passed) to their queues. */
static __always_inline void scan_pending(void)
{
	struct task_struct *p;
	u64 now = bpf_ktime_get_ns();
	u32 n = 0;

	bpf_for_each(scx_dsq, p, LSF_DSQ_PENDING, 0) {
		struct task_ctx *tc = tctx_get(p);
		u32 cls = LSF_CLASS_DEFAULT;
		u64 slice = default_slice_ns, key, dsq;
		s32 cpu = LSF_CPU_ANY;
		int r = LSF_VS_TIMEOUT;

		if (++n > pending_scan_max)
			break;
		if (tc)
			r = lsf_vs_release(&tc->v, now);
		if (r == LSF_VS_KEEP)
			continue;
		if (r == LSF_VS_RELEASE && tc) {
			cls = tc->v.cls;
			slice = tc->v.slice_ns;
			cpu = tc->v.cpu;
		} else {
			stat_inc(LSF_ST_FALLBACK_DEADLINE);
		}
		dsq = place(p, tc, cls, cpu, now, false, &key);
		lsf_dsq_move_set_slice(BPF_FOR_EACH_ITER, slice);
		lsf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, key);
		if (!lsf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, dsq, 0))
			continue;
		if (!queue_is_cpu(dsq)) {  /* its class queue, or that class's aged queue */
			stat_inc(class_ins_stat(class_norm(cls)));
			if (class_norm(cls) == LSF_CLASS_REALTIME)
				preempt_for_realtime(p);
			else
				kick_idle_for(p);
		} else {
			stat_inc(LSF_ST_INS_CPU);
			lsf_kick_cpu(cpu, SCX_KICK_IDLE);
		}
	}
}

/*
 * The two steps every verdict consumer (ops.dispatch, the timer, the kick program) takes, as global
 * functions: each is verified once on its own, so neither multiplies the other's paths nor its
 * caller's (6.12 verifies ops.dispatch and ops.init's timers close to the 1M-instruction limit).
 * Each holds its own RCU section: the kick program and, on 6.12, ops.init's timer callbacks are
 * verified as sleepable, where DSQ iterators need one; nesting it is harmless elsewhere.
 * Concurrent callers are safe: verdicts drain one consumer at a time, and a task moves once.
 */

/* Applies at most max (>= 1) queued verdicts; returns how many. */
__noinline int lsf_apply_verdicts(u32 max)
{
	u32 n;

	bpf_rcu_read_lock();
	n = drain_verdicts(max);
	bpf_rcu_read_unlock();
	return n;
}

/* Parked tasks whose verdict arrived or whose deadline passed go to their queues. */
__noinline int lsf_free_parked(void)
{
	bpf_rcu_read_lock();
	if (scx_bpf_dsq_nr_queued(LSF_DSQ_PENDING) > 0)
		scan_pending();
	bpf_rcu_read_unlock();
	return 0;
}

/* Tasks on the queue of an offline CPU (no CPU serves it) go to their class queues, at most
 * LSF_OFFLINE_MOVE_MAX per call. The queues are looked at after an offline event and at least every
 * LSF_TIMER_IDLE_NS otherwise: a task inserted after its target CPU's offline event (the enqueue saw it
 * online, the insert landed later) waits one idle period at most. offline_dirty keeps the timer fast
 * while tasks are left; it is cleared with an atomic exchange (a full barrier) before the scan, so
 * an offline event during the scan sets it again and is not lost. Cost: one queue length per offline
 * possible CPU per scan. */
__noinline int lsf_rescue_offline(u64 now)
{
	struct task_struct *p;
	s32 victim = -1;
	u32 n = 0;
	int i;

	if (!offline_dirty && now - offline_scan_ns < LSF_TIMER_IDLE_NS)
		return 0;
	offline_scan_ns = now;
	__sync_lock_test_and_set(&offline_dirty, 0);
	bpf_rcu_read_lock();  /* see lsf_apply_verdicts */
	bpf_for(i, 0, nr_cpus) {
		if (i >= LSF_MAX_CPUS)
			break;
		if (!cpu_is_online(i) && scx_bpf_dsq_nr_queued(pcpu_dsq(i)) > 0) {
			victim = i;
			break;
		}
	}
	if (victim < 0) {
		bpf_rcu_read_unlock();
		return 0;
	}
	bpf_for_each(scx_dsq, p, pcpu_dsq(victim), 0) {
		u64 key = p->scx.dsq_vtime;
		u32 cls = band_class(key);

		if (++n > LSF_OFFLINE_MOVE_MAX)
			break;
		lsf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, key & LSF_BAND_MASK);
		if (lsf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, class_dsq(cls), 0)) {
			stat_inc(LSF_ST_OFFLINE_MOVE);
			kick_idle_for(p);
		}
	}
	__sync_lock_test_and_set(&offline_dirty, 1);  /* look again soon: this or another queue may hold more */
	bpf_rcu_read_unlock();
	return 0;
}

/* The timer: frees parked tasks (verdicts, deadlines), empties offline CPUs' queues. Never stops. */
static int timer_fn(void *map, int *key, struct lsf_timer *t)
{
	bool busy;

	/* a full batch: more may be queued (dispatch takes only a few), so stay fast */
	busy = lsf_apply_verdicts(LSF_VERDICT_BATCH) == LSF_VERDICT_BATCH;
	lsf_free_parked();
	lsf_rescue_offline(bpf_ktime_get_ns());
	busy = busy || scx_bpf_dsq_nr_queued(LSF_DSQ_PENDING) > 0 || offline_dirty;
	if (busy) {
		t->fast = 1;
		bpf_timer_start(&t->timer, LSF_TIMER_NS, 0);
		stat_inc(LSF_ST_KICK);
	} else {
		__sync_lock_test_and_set(&t->fast, 0);
		bpf_timer_start(&t->timer, LSF_TIMER_IDLE_NS, 0);
	}
	return 0;
}

static __always_inline s32 timer_init(void)
{
	u32 zero = 0;
	struct lsf_timer *t = bpf_map_lookup_elem(&timers, &zero);

	if (!t)
		return -ENOENT;
	bpf_timer_init(&t->timer, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&t->timer, timer_fn);
	bpf_timer_start(&t->timer, LSF_TIMER_IDLE_NS, 0);
	return 0;
}

#endif /* LSF_TRANSPORT_BPF_H */
