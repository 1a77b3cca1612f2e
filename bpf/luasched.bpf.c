/* luasched-fast sched_ext scheduler: per-task verdict cache, misses to userspace, prioritised DSQs. */
#include "common.bpf.h"
#include "arena_ring.h"

char _license[] SEC("license") = "GPL";

/*
 * Contract (see bpf/intf.h and bpf/README.md):
 *  - enqueue: a READY verdict of the current policy generation is a cache hit: one hash lookup and
 *    one DSQ insert. Otherwise a miss record goes to userspace (ringbuf `misses`) and the task parks
 *    in LSF_DSQ_PENDING until its verdict arrives (user ringbuf `verdicts`, drained in dispatch and
 *    applied to the parked tasks) or until its deadline passes (then DEFAULT, counted).
 *  - kthreads and the dispatcher's own threads never wait for userspace.
 *  - dispatch: the CPU's targeted DSQ, then REALTIME, BATCH, DEFAULT; but a BATCH or DEFAULT task that
 *    has been runnable for longer than kStarveMs is served first, so the watchdog never fires.
 */

#define BPF_FOR_EACH_ITER (&___it)
#define kStarveMs        200U  /* starvation bound for BATCH/DEFAULT heads (watchdog: 5000 ms) */
#define kUserAbsentNs    (500ULL * LSF_NSEC_PER_MSEC) /* no heartbeat this long: misses don't wait */
#define kVerdictBatch    256   /* arena verdicts applied per drain */
#define kVtimeCreditNs   (20ULL * LSF_NSEC_PER_MSEC)  /* most a sleeper can be ahead of the runners */
#define kVtimeAheadNs    (100ULL * LSF_NSEC_PER_MSEC) /* most a task can be behind them (low weight) */
#define kWakeLagNs       (2ULL * LSF_NSEC_PER_MSEC)  /* vtime lead that lets a wakeup preempt */
#define kRescueEveryNs   (50ULL * LSF_NSEC_PER_MSEC)  /* per CPU: walk BATCH/DEFAULT for starved tasks */
#define kMinSliceNs      (1ULL * LSF_NSEC_PER_MSEC)  /* shortest contended slice */
#define kTimerNs         (1ULL * LSF_NSEC_PER_MSEC)   /* pending-work timer period */
#define PF_KTHREAD       0x00200000
#define CLOCK_MONOTONIC  1


const volatile __u32 nr_cpus = 1;   /* set by the loader: possible CPUs (<= LSF_MAX_CPUS) */
const volatile __s32 self_tgid;     /* set by the loader: the dispatcher's process */
const volatile __u64 default_slice_ns = LSF_SLICE_DFL_NS;
const volatile bool use_arena;      /* set by the loader: misses/verdicts through arena rings */

__u32 policy_gen = 1;               /* written by userspace on policy (re)load */
volatile __u64 user_alive_ns;       /* written by userspace: CLOCK_MONOTONIC of its last poll */
__u64 miss_seq;
__u64 vtime_now;                    /* highest vtime of a task that started running (BATCH/DEFAULT order) */
__u64 run_slice[LSF_MAX_CPUS];      /* slice of the task each CPU started running: charge = this - left */
__u64 run_vtime[LSF_MAX_CPUS];      /* vtime of the task each CPU started running, and when */
__u64 run_start_ns[LSF_MAX_CPUS];
__u8 run_class[LSF_MAX_CPUS];       /* lsf_class of the task each CPU runs (0: protected/unknown) */
/* Parked tasks examined per scan. A plain global on purpose: compared with an unknown value, the loop
 * counter stays imprecise and the verifier proves the DSQ loop in a few passes instead of unrolling
 * it (each inlined copy of the scan used to add seconds to the load under emulation). */
volatile __u32 pending_scan_max = 64;
volatile __u32 starve_scan_max = 4096;  /* tasks walked per starvation rescue (same reason) */
__u64 last_rescue_ns[LSF_MAX_CPUS];
struct lsf_exit_info exit_info;

/* Jiffies <-> ns calibration (HZ is not readable without a kernel config file): sampled in init,
 * converted once enough time has passed. Until then HZ=1000 is assumed, the shortest bound. */
__u64 calib_ns, calib_jiffies, starve_jiffies_cached;
__u64 rtt_hist[LSF_RTT_BUCKETS];
__u64 idle_mask[LSF_CPU_WORDS];
__u8 running_protected[LSF_MAX_CPUS]; /* 1: the CPU runs REALTIME work, a kthread or the dispatcher */   /* CPUs idle right now (ops.update_idle), read by the dispatcher */  /* miss round trips (enqueue -> verdict applied), log2 ns buckets */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LSF_CACHE_ENTRIES);
	__type(key, s32);
	__type(value, struct lsf_cache_entry);
} cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024);
} misses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 256 * 1024);
} verdicts SEC(".maps");

/* Arena transport (bpf/arena_ring.h): the layout is allocated by lsf_arena_setup before attach. */
struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, LSF_ARENA_MAX_PAGES);
#ifdef __BPF_FEATURE_ADDR_SPACE_CAST
	__ulong(map_extra, 0x1ull << 44);  /* fixed user address: BPF and the dispatcher share pointers */
#endif
} arena SEC(".maps");

struct lsf_arena LSF_ARENA *shared;  /* the arena layout, NULL until lsf_arena_setup ran */
volatile __u64 user_sleeping;        /* arena transport: 1 while the dispatcher waits for a doorbell */
volatile __u64 verdict_lock;         /* arena transport: held by the BPF context draining verdicts */

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

/* Arena transport: a record here wakes the dispatcher when it sleeps (contents unused). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} doorbell SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct lsf_stats);
} stats SEC(".maps");

struct pending_timer {
	struct bpf_timer timer;
	u32 armed;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct pending_timer);
} timers SEC(".maps");

static __always_inline void stat_inc(u32 idx)
{
	u32 zero = 0;
	struct lsf_stats *s = bpf_map_lookup_elem(&stats, &zero);

	if (s && idx < LSF_NR_STATS)
		s->v[idx]++;
}

static __always_inline u64 class_dsq(u32 cls)
{
	switch (cls) {
	case LSF_CLASS_REALTIME: return LSF_DSQ_REALTIME;
	case LSF_CLASS_BATCH: return LSF_DSQ_BATCH;
	default: return LSF_DSQ_DEFAULT;
	}
}

static __always_inline u32 class_ins_stat(u32 cls)
{
	switch (cls) {
	case LSF_CLASS_REALTIME: return LSF_ST_INS_REALTIME;
	case LSF_CLASS_BATCH: return LSF_ST_INS_BATCH;
	default: return LSF_ST_INS_DEFAULT;
	}
}

/*
 * BATCH and DEFAULT are ordered by virtual time, not FIFO: a task is charged the time it ran,
 * scaled by its weight (nice), so a task that mostly sleeps (a server's client, a shell) goes ahead
 * of CPU hogs of its class instead of queueing behind their whole slices. A sleeper's credit is
 * capped at kVtimeCreditNs, a heavy user's debt at kVtimeAheadNs. REALTIME and per-CPU DSQs stay FIFO.
 */
static __always_inline bool vtime_dsq(u64 dsq)
{
	return dsq == LSF_DSQ_BATCH || dsq == LSF_DSQ_DEFAULT;
}

/* p's vtime, clamped to [vtime_now - kVtimeCreditNs, vtime_now + kVtimeAheadNs] (the kernel stores
 * the key in p->scx.dsq_vtime on insert; syscall programs may not write task fields themselves).
 * The upper clamp keeps the starvation bound: a low-weight task (nice 19 is charged 100x its run
 * time) would otherwise sit behind every newcomer for seconds, out of reach of the head-age check
 * in dispatch, until the sched_ext watchdog ejects the scheduler. */
static __always_inline u64 task_vtime(struct task_struct *p)
{
	u64 v = p->scx.dsq_vtime, floor = vtime_now - kVtimeCreditNs, ceil = vtime_now + kVtimeAheadNs;

	if (vtime_now > kVtimeCreditNs && (s64)(v - floor) < 0)
		v = floor;
	if ((s64)(v - ceil) > 0)
		v = ceil;
	return v;
}

/* Inserts p into a class DSQ (FIFO or vtime as that DSQ is kept) with the given slice. */
static __always_inline void insert_dsq(struct task_struct *p, u64 dsq, u64 slice, u64 enq_flags)
{
	if (vtime_dsq(dsq))
		scx_bpf_dsq_insert_vtime(p, dsq, slice, task_vtime(p), enq_flags);
	else
		scx_bpf_dsq_insert(p, dsq, slice, enq_flags);
}

static __always_inline bool cpu_ok(struct task_struct *p, s32 cpu)
{
	return cpu >= 0 && (u32)cpu < nr_cpus && bpf_cpumask_test_cpu(cpu, p->cpus_ptr);
}

/* The DSQ a cached verdict sends a task to, and the stat to count. */
static __always_inline u64 verdict_dsq(struct task_struct *p, const struct lsf_cache_entry *e, u32 *st)
{
	if (e->cpu != LSF_CPU_ANY && cpu_ok(p, e->cpu)) {
		*st = LSF_ST_INS_CPU;
		return LSF_DSQ_CPU_BASE + (u32)e->cpu;
	}
	*st = class_ins_stat(e->dsq);
	return class_dsq(e->dsq);
}

static __always_inline bool is_hit(const struct lsf_cache_entry *e)
{
	return e->state == LSF_ENTRY_READY && !e->stale && e->policy_gen == policy_gen;
}

static __always_inline bool never_waits(struct task_struct *p)
{
	return (p->flags & PF_KTHREAD) || (self_tgid && p->tgid == self_tgid);
}

/* A REALTIME task was queued: unless its CPU already runs protected work, preempt it (else the
 * first CPU that does not), so REALTIME waits for a context switch, not for a 20 ms slice. */
static __always_inline void preempt_for_realtime(struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);

	if (cpu >= 0 && cpu < LSF_MAX_CPUS && !running_protected[cpu] && bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {
		scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
		stat_inc(LSF_ST_RT_PREEMPT);
		return;
	}
	for (u32 i = 0; i < LSF_MAX_CPUS && i < nr_cpus; i++) {
		if (!running_protected[i] && bpf_cpumask_test_cpu(i, p->cpus_ptr)) {
			scx_bpf_kick_cpu(i, SCX_KICK_PREEMPT);
			stat_inc(LSF_ST_RT_PREEMPT);
			return;
		}
	}
}

/* A BATCH or DEFAULT task woke up: if a CPU runs a task of the same class that is more than
 * kWakeLagNs ahead of it in vtime (a hog, next to an interactive task), preempt that one, so the
 * sleeper waits for a context switch rather than for the rest of the hog's slice. */
static __always_inline void preempt_for_wakeup(struct task_struct *p, u32 cls)
{
	u64 v = task_vtime(p), now = bpf_ktime_get_ns();

	for (u32 i = 0; i < LSF_MAX_CPUS && i < nr_cpus; i++) {
		u64 ahead;

		if (running_protected[i] || run_class[i] != cls || !bpf_cpumask_test_cpu(i, p->cpus_ptr))
			continue;
		/* the running task keeps at least kWakeLagNs of CPU: wakeups cannot ping-pong a CPU */
		if (now - run_start_ns[i] < kWakeLagNs)
			continue;
		ahead = run_vtime[i] + (now - run_start_ns[i]) - v;  /* the running part unweighted */
		if ((s64)ahead > (s64)kWakeLagNs) {
			scx_bpf_kick_cpu(i, SCX_KICK_PREEMPT);
			stat_inc(LSF_ST_WAKE_PREEMPT);
			return;
		}
	}
}

static __always_inline void arm_timer(void)
{
	u32 zero = 0;
	struct pending_timer *t = bpf_map_lookup_elem(&timers, &zero);

	if (t && !t->armed) {
		t->armed = 1;
		bpf_timer_start(&t->timer, kTimerNs, 0);
	}
}

static __always_inline void fill_miss(struct lsf_miss *m, struct task_struct *p, u64 now, u64 seq,
				      u32 flags)
{
	struct task_struct *parent = p->real_parent;

	m->seq = seq;
	m->enq_ns = now;
	m->cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
	bpf_probe_read_kernel(m->cpus_allowed, sizeof(m->cpus_allowed), p->cpus_ptr);
	m->pid = p->pid;
	m->tgid = p->tgid;
	m->ppid = BPF_CORE_READ(p, real_parent, tgid);
	m->uid = BPF_CORE_READ(p, real_cred, uid.val);
	m->gid = BPF_CORE_READ(p, real_cred, gid.val);
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

/* Send a miss for p and park it; on any failure p goes to DEFAULT now. */
static __always_inline void miss(struct task_struct *p, u64 enq_flags, struct lsf_cache_entry *e)
{
	s32 pid = p->pid;
	u64 now = bpf_ktime_get_ns();
	bool user_present = now - user_alive_ns < kUserAbsentNs;
	u32 flags = e ? e->flags : 0;
	u32 cpu = bpf_get_smp_processor_id();
	struct lsf_miss_ring LSF_ARENA *ring = 0;
	struct lsf_miss LSF_ARENA *slot = 0;
	struct lsf_miss local, *m;
	struct lsf_cache_entry ne = {};

	if (e && e->state == LSF_ENTRY_READY && e->policy_gen != policy_gen)
		flags |= LSF_MISS_REGEN;

	if (use_arena) {
		struct lsf_arena LSF_ARENA *a = shared;

		USES_ARENA();
		if (a && cpu < nr_cpus) {
			ring = &a->misses[cpu];
			slot = lsf_miss_ring_slot(ring);
		}
		m = &local;
		if (!slot) {
			stat_inc(LSF_ST_MISS_RB_FULL);
			goto fallback;
		}
	} else {
		m = bpf_ringbuf_reserve(&misses, sizeof(*m), 0);
		if (!m) {
			stat_inc(LSF_ST_MISS_RB_FULL);
			goto fallback;
		}
	}
	ne.seq = __sync_fetch_and_add(&miss_seq, 1) + 1;
	ne.enq_ns = now;
	ne.slice_ns = default_slice_ns;
	ne.deadline_ns = user_present ? now + LSF_MISS_DEADLINE_NS : now;
	ne.cpu = LSF_CPU_ANY;
	ne.dsq = LSF_CLASS_DEFAULT;
	ne.state = LSF_ENTRY_PENDING;
	if (bpf_map_update_elem(&cache, &pid, &ne, BPF_ANY)) {
		if (!use_arena)
			bpf_ringbuf_discard(m, 0);
		stat_inc(LSF_ST_CACHE_FULL);
		goto fallback;
	}
	fill_miss(m, p, now, ne.seq, flags);
	if (use_arena) {
		if (!slot || !ring)  /* checked above; repeated for the verifier's benefit */
			goto fallback;
		copy_to_arena(slot, &local, sizeof(local));
		lsf_miss_ring_commit(ring);
		ring_doorbell();
	} else {
		bpf_ringbuf_submit(m, 0);
	}
	stat_inc(LSF_ST_MISS);
	if (!user_present) {
		stat_inc(LSF_ST_FALLBACK_NOUSER);
		goto fallback;
	}
	scx_bpf_dsq_insert(p, LSF_DSQ_PENDING, default_slice_ns, enq_flags);
	arm_timer();
	return;
fallback:
	insert_dsq(p, LSF_DSQ_DEFAULT, default_slice_ns, enq_flags);
	stat_inc(LSF_ST_INS_DEFAULT);
}

SEC("struct_ops/lsf_select_cpu")
s32 BPF_PROG(lsf_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	s32 pid = p->pid;
	struct lsf_cache_entry *e = bpf_map_lookup_elem(&cache, &pid);
	bool hit = e && is_hit(e);
	bool is_idle = false;
	s32 cpu;

	if (hit && e->cpu != LSF_CPU_ANY && cpu_ok(p, e->cpu))
		return e->cpu;  /* enqueue puts it on that CPU's DSQ and kicks it */

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle && (hit || never_waits(p))) {
		u64 slice = hit ? e->slice_ns : default_slice_ns;

		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice, 0);
		stat_inc(LSF_ST_DIRECT);
		if (hit)
			stat_inc(LSF_ST_HIT);
	}
	return cpu;
}

SEC("struct_ops/lsf_enqueue")
void BPF_PROG(lsf_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 pid = p->pid;
	struct lsf_cache_entry *e;

	if (never_waits(p)) {
		if (p->flags & PF_KTHREAD) {
			stat_inc(LSF_ST_KTHREAD);
			if (p->nr_cpus_allowed == 1) {  /* per-CPU kthread: straight to its CPU */
				scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, default_slice_ns, enq_flags);
				return;
			}
			insert_dsq(p, LSF_DSQ_DEFAULT, default_slice_ns, enq_flags);
			stat_inc(LSF_ST_INS_DEFAULT);
			return;
		}
		/* the dispatcher: run next on its (pinned) CPU */
		stat_inc(LSF_ST_SELF);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, default_slice_ns, enq_flags | SCX_ENQ_PREEMPT);
		return;
	}

	e = bpf_map_lookup_elem(&cache, &pid);
	if (e && is_hit(e)) {
		u32 st;
		u64 dsq = verdict_dsq(p, e, &st);

		insert_dsq(p, dsq, e->slice_ns, enq_flags);
		stat_inc(LSF_ST_HIT);
		stat_inc(st);
		if (st == LSF_ST_INS_CPU)
			scx_bpf_kick_cpu(e->cpu, SCX_KICK_IDLE);
		else if (st == LSF_ST_INS_REALTIME)
			preempt_for_realtime(p);
		else if (enq_flags & SCX_ENQ_WAKEUP)
			preempt_for_wakeup(p, e->dsq);
		return;
	}
	if (e && e->state == LSF_ENTRY_PENDING && !e->stale) {
		/* miss already in flight: wait for it until its deadline, then DEFAULT */
		if (bpf_ktime_get_ns() < e->deadline_ns) {
			scx_bpf_dsq_insert(p, LSF_DSQ_PENDING, default_slice_ns, enq_flags);
			arm_timer();
		} else {
			insert_dsq(p, LSF_DSQ_DEFAULT, default_slice_ns, enq_flags);
			stat_inc(LSF_ST_FALLBACK_DEADLINE);
			stat_inc(LSF_ST_INS_DEFAULT);
		}
		return;
	}
	miss(p, enq_flags, e);
}

/* Apply one verdict from userspace to the cache. */
static __always_inline void apply_verdict(struct lsf_verdict *v)
{
	struct lsf_cache_entry *e;

	stat_inc(LSF_ST_VERDICT);
	e = bpf_map_lookup_elem(&cache, &v->pid);
	if (!e || e->state != LSF_ENTRY_PENDING || e->seq != v->seq) {
		stat_inc(LSF_ST_VERDICT_STALE);
		return;
	}
	if (v->dsq < LSF_CLASS_REALTIME || v->dsq > LSF_CLASS_DEFAULT ||
	    (v->cpu != LSF_CPU_ANY && (v->cpu < 0 || (u32)v->cpu >= nr_cpus))) {
		stat_inc(LSF_ST_VERDICT_BAD);
		v->dsq = LSF_CLASS_DEFAULT;
		v->cpu = LSF_CPU_ANY;
	}
	if (!v->slice_ns)
		v->slice_ns = default_slice_ns;
	if (v->slice_ns < LSF_SLICE_MIN_NS)
		v->slice_ns = LSF_SLICE_MIN_NS;
	if (v->slice_ns > LSF_SLICE_MAX_NS)
		v->slice_ns = LSF_SLICE_MAX_NS;
	e->dsq = v->dsq;
	e->slice_ns = v->slice_ns;
	e->cpu = v->cpu;
	e->policy_gen = v->policy_gen;
	e->flags = 0;
	e->state = LSF_ENTRY_READY;
}

static long on_verdict(struct bpf_dynptr *dynptr, void *ctx)
{
	struct lsf_verdict v;

	if (!bpf_dynptr_read(&v, sizeof(v), dynptr, 0, 0))
		apply_verdict(&v);
	return 0;
}

/* Arena transport: apply queued verdicts. One consumer at a time (trylock: a busy ring is being
 * drained by someone else right now); at most kVerdictBatch per call. */
static __always_inline void drain_arena_verdicts(void)
{
	struct lsf_arena LSF_ARENA *a = shared;
	struct lsf_verdict_ring LSF_ARENA *r;
	u64 tail, head;
	int i;

	USES_ARENA();
	if (!a)
		return;
	r = &a->verdicts;
	if (LSF_LOAD_ACQUIRE(&r->ctl.head) == r->ctl.tail)
		return;
	if (__sync_val_compare_and_swap(&verdict_lock, 0, 1) != 0)
		return;
	tail = r->ctl.tail;
	head = LSF_LOAD_ACQUIRE(&r->ctl.head);
	bpf_for(i, 0, kVerdictBatch) {
		struct lsf_verdict v;

		if (tail == head)
			break;
		copy_from_arena(&v, &r->slot[tail & (LSF_ARENA_VERDICT_SLOTS - 1)], sizeof(v));
		tail++;
		apply_verdict(&v);
	}
	LSF_STORE_RELEASE(&r->ctl.tail, tail);
	lsf_compiler_barrier();
	verdict_lock = 0;
}

/* Verdicts from whichever transport is in use. */
static __always_inline void drain_verdicts(void)
{
	if (use_arena)
		drain_arena_verdicts();
	else
		bpf_user_ringbuf_drain(&verdicts, on_verdict, NULL, 0);
}

static __always_inline void rtt_add(u64 ns)
{
	u32 b = 0;

	/* floor(log2(ns)) without a loop: cheap for the verifier in every program that inlines it */
	if (ns >> 32) { ns >>= 32; b += 32; }
	if (ns >> 16) { ns >>= 16; b += 16; }
	if (ns >> 8) { ns >>= 8; b += 8; }
	if (ns >> 4) { ns >>= 4; b += 4; }
	if (ns >> 2) { ns >>= 2; b += 2; }
	if (ns >> 1) b += 1;
	if (b >= LSF_RTT_BUCKETS)
		b = LSF_RTT_BUCKETS - 1;
	__sync_fetch_and_add(&rtt_hist[b], 1);
}

/* Move parked tasks whose verdict arrived (or whose deadline passed) to their DSQ. */
static __always_inline void scan_pending(void)
{
	struct task_struct *p;
	u64 now = bpf_ktime_get_ns();
	u32 n = 0;

	bpf_for_each(scx_dsq, p, LSF_DSQ_PENDING, 0) {
		s32 pid = p->pid;
		struct lsf_cache_entry *e = bpf_map_lookup_elem(&cache, &pid);
		u32 st = LSF_ST_INS_DEFAULT;
		u64 dsq = LSF_DSQ_DEFAULT, slice = default_slice_ns;

		if (++n > pending_scan_max)
			break;
		if (e && e->state == LSF_ENTRY_READY) {
			dsq = verdict_dsq(p, e, &st);
			slice = e->slice_ns;
			if (e->enq_ns) {  /* first release after the verdict: record the round trip */
				rtt_add(now - e->enq_ns);
				e->enq_ns = 0;
			}
			if (e->stale) {  /* exec/rename while waiting: this verdict once, then re-miss */
				e->state = 0;
				e->stale = 0;
			}
		} else if (e && e->state == LSF_ENTRY_PENDING && now < e->deadline_ns) {
			continue;
		} else {
			stat_inc(LSF_ST_FALLBACK_DEADLINE);
		}
		scx_bpf_dsq_move_set_slice(BPF_FOR_EACH_ITER, slice);
		if (vtime_dsq(dsq))
			scx_bpf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, task_vtime(p));
		if (vtime_dsq(dsq) ? scx_bpf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, dsq, 0)
				   : scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, dsq, 0)) {
			stat_inc(st);
			if (st == LSF_ST_INS_CPU && e)
				scx_bpf_kick_cpu(e->cpu, SCX_KICK_IDLE);
			else if (st == LSF_ST_INS_REALTIME)
				preempt_for_realtime(p);
		}
	}
}

/* Apply queued verdicts to the parked tasks. Called from dispatch, from the timer and from the
 * kick program; concurrent callers are safe (the user ringbuf drains one at a time, a task moves once). */
static __always_inline void apply_verdicts(void)
{
	drain_verdicts();
	if (scx_bpf_dsq_nr_queued(LSF_DSQ_PENDING) > 0)
		scan_pending();
}

/* Wakes one idle CPU (its dispatch then serves the class DSQs). Returns false if none is idle. */
static __always_inline bool kick_idle_cpu(void)
{
	const struct cpumask *idle = scx_bpf_get_idle_cpumask();
	s32 cpu = bpf_cpumask_any_distribute(idle);

	scx_bpf_put_idle_cpumask(idle);
	if (cpu < 0 || (u32)cpu >= nr_cpus)
		return false;
	scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	return true;
}

/* Every kTimerNs while tasks are parked: apply arrived verdicts here (timers hold no rq lock, so DSQ
 * moves are allowed), then kick an idle CPU so that its dispatch serves what was moved; if none is
 * idle, preempt this CPU. Stops once nothing is parked. */
static int pending_timer_fn(void *map, int *key, struct pending_timer *t)
{
	apply_verdicts();
	if (scx_bpf_dsq_nr_queued(LSF_DSQ_PENDING) <= 0) {
		t->armed = 0;
		return 0;
	}
	if (!kick_idle_cpu())
		scx_bpf_kick_cpu(bpf_get_smp_processor_id(), SCX_KICK_PREEMPT);
	stat_inc(LSF_ST_KICK);
	bpf_timer_start(&t->timer, kTimerNs, 0);
	return 0;
}

static __always_inline u64 starve_jiffies(void)
{
	u64 dt, dj, j;

	if (starve_jiffies_cached)
		return starve_jiffies_cached;
	dt = bpf_ktime_get_ns() - calib_ns;
	if (dt < 500 * LSF_NSEC_PER_MSEC)
		return kStarveMs;  /* HZ=1000 until calibrated */
	dj = bpf_jiffies64() - calib_jiffies;
	j = dj * kStarveMs * LSF_NSEC_PER_MSEC / dt;  /* jiffies per kStarveMs */
	starve_jiffies_cached = j ? j : 1;
	return starve_jiffies_cached;
}

/* Age in jiffies of the head of a DSQ (0 if empty). */
static __always_inline u64 head_age(u64 dsq, u64 now_j)
{
	struct task_struct *p = scx_bpf_dsq_peek(dsq);

	if (!p)
		return 0;
	return now_j - p->scx.runnable_at;
}

static __always_inline bool consume(u64 dsq, u32 st)
{
	if (!scx_bpf_dsq_move_to_local(dsq))
		return false;
	stat_inc(st);
	return true;
}

/* vtime order can keep an old task behind younger ones, out of reach of the head-age check: walk
 * the DSQ and move the first task runnable for longer than the bound (and allowed on this CPU)
 * here. Each CPU does it at most every kRescueEveryNs, so tasks pinned elsewhere are found by
 * their own CPU. */
static __always_inline bool rescue_starved(u64 dsq, s32 cpu, u64 now_j, u64 starve_j)
{
	struct task_struct *p;
	u32 n = 0;

	bpf_for_each(scx_dsq, p, dsq, 0) {
		if (++n > starve_scan_max)
			break;
		if (now_j - p->scx.runnable_at <= starve_j || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		if (scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0))
			return true;
	}
	return false;
}

SEC("struct_ops/lsf_dispatch")
void BPF_PROG(lsf_dispatch, s32 cpu, struct task_struct *prev)
{
	u64 now_j, starve_j, age_b, age_d;

	apply_verdicts();

	if (consume(LSF_DSQ_CPU_BASE + (u32)cpu, LSF_ST_DISP_CPU))
		return;

	/* starvation bound: the older of the BATCH/DEFAULT heads goes first once it is too old */
	now_j = bpf_jiffies64();
	starve_j = starve_jiffies();
	age_b = head_age(LSF_DSQ_BATCH, now_j);
	age_d = head_age(LSF_DSQ_DEFAULT, now_j);
	if (age_d > starve_j && age_d >= age_b && consume(LSF_DSQ_DEFAULT, LSF_ST_DISP_DEFAULT)) {
		stat_inc(LSF_ST_STARVE_BOOST);
		return;
	}
	if (age_b > starve_j && consume(LSF_DSQ_BATCH, LSF_ST_DISP_BATCH)) {
		stat_inc(LSF_ST_STARVE_BOOST);
		return;
	}
	u32 c = (u32)cpu;

	asm volatile("" : "+r"(c));  /* bound-check the very register used as the index below */
	if (c < LSF_MAX_CPUS) {
		u64 now = bpf_ktime_get_ns();

		if (now - last_rescue_ns[c] > kRescueEveryNs) {
			last_rescue_ns[c] = now;
			if (rescue_starved(LSF_DSQ_DEFAULT, cpu, now_j, starve_j) ||
			    rescue_starved(LSF_DSQ_BATCH, cpu, now_j, starve_j)) {
				stat_inc(LSF_ST_STARVE_BOOST);
				return;
			}
		}
	}

	if (consume(LSF_DSQ_REALTIME, LSF_ST_DISP_REALTIME))
		return;
	if (consume(LSF_DSQ_BATCH, LSF_ST_DISP_BATCH))
		return;
	consume(LSF_DSQ_DEFAULT, LSF_ST_DISP_DEFAULT);
}

static __always_inline void invalidate(s32 pid, u32 why, u32 stat)
{
	struct lsf_cache_entry *e = bpf_map_lookup_elem(&cache, &pid);

	if (!e)
		return;
	stat_inc(stat);
	e->flags |= why;
	if (e->state == LSF_ENTRY_PENDING)
		e->stale = 1;  /* the verdict in flight still releases the parked task, once */
	else
		e->state = 0;  /* next enqueue misses */
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(lsf_on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	invalidate(p->pid, LSF_MISS_EXEC, LSF_ST_EXEC);
	if (old_pid != p->pid)
		invalidate(old_pid, LSF_MISS_EXEC, LSF_ST_EXEC);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(lsf_on_rename, struct task_struct *p, const char *comm)
{
	struct task_struct *task = p;  /* the macro below declares its own `p` */

	/* exec renames the task too; sched_process_exec follows and invalidates once for both */
	if (BPF_CORE_READ_BITFIELD(task, in_execve))
		return 0;
	invalidate(p->pid, LSF_MISS_RENAME, LSF_ST_RENAME);
	return 0;
}

SEC("struct_ops/lsf_exit_task")
void BPF_PROG(lsf_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	s32 pid = p->pid;

	if (!bpf_map_delete_elem(&cache, &pid))
		stat_inc(LSF_ST_EXIT);
}

/* Remembers whether each CPU runs work a REALTIME wakeup must not preempt, and the slice the task
 * starts with (for its vtime charge in ops.stopping). */
SEC("struct_ops/lsf_running")
void BPF_PROG(lsf_running, struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p), pid = p->pid;
	struct lsf_cache_entry *e = NULL;
	u8 prot = never_waits(p);

	if (!prot) {
		e = bpf_map_lookup_elem(&cache, &pid);
		prot = e && e->state == LSF_ENTRY_READY && e->dsq == LSF_CLASS_REALTIME;
	}
	if (!prot) {
		/* Contended: the verdict's slice is a maximum. With W tasks waiting in the class DSQs a
		 * BATCH/DEFAULT task gets slice / (W + 1), at least kMinSliceNs, so a hog's 20 ms slice
		 * does not make everyone behind it wait 20 ms. */
		s32 waiting = scx_bpf_dsq_nr_queued(LSF_DSQ_REALTIME) + scx_bpf_dsq_nr_queued(LSF_DSQ_BATCH) +
			      scx_bpf_dsq_nr_queued(LSF_DSQ_DEFAULT);

		if (waiting > 0 && p->scx.slice > kMinSliceNs) {
			u64 share = p->scx.slice / ((u64)waiting + 1);

			p->scx.slice = share > kMinSliceNs ? share : kMinSliceNs;
		}
	}
	if (cpu >= 0 && cpu < LSF_MAX_CPUS) {
		running_protected[cpu] = prot;
		run_slice[cpu] = p->scx.slice;
		run_vtime[cpu] = p->scx.dsq_vtime;
		run_start_ns[cpu] = bpf_ktime_get_ns();
		run_class[cpu] = prot ? 0 : (e && e->state == LSF_ENTRY_READY ? e->dsq : LSF_CLASS_DEFAULT);
	}
	if ((s64)(p->scx.dsq_vtime - vtime_now) > 0)
		vtime_now = p->scx.dsq_vtime;
}

/* Charges the time p ran to its vtime, scaled by its weight (100 = nice 0). */
SEC("struct_ops/lsf_stopping")
void BPF_PROG(lsf_stopping, struct task_struct *p, bool runnable)
{
	s32 cpu = scx_bpf_task_cpu(p);
	u64 start, left = p->scx.slice, used;

	if (cpu < 0 || cpu >= LSF_MAX_CPUS)
		return;
	start = run_slice[cpu];
	used = start > left ? start - left : 0;
	p->scx.dsq_vtime += used * 100 / (p->scx.weight ? p->scx.weight : 100);
}

/* Publishes idle CPUs for userspace placement; the built-in idle tracking stays on (KEEP_BUILTIN_IDLE). */
SEC("struct_ops/lsf_update_idle")
void BPF_PROG(lsf_update_idle, s32 cpu, bool idle)
{
	u32 w, b;

	if (cpu < 0 || cpu >= LSF_MAX_CPUS)
		return;
	w = (u32)cpu / 64;
	b = (u32)cpu % 64;
	if (w >= LSF_CPU_WORDS)
		return;
	if (idle)
		__sync_fetch_and_or(&idle_mask[w], 1ULL << b);
	else
		__sync_fetch_and_and(&idle_mask[w], ~(1ULL << b));
}

SEC("struct_ops.s/lsf_init")
s32 BPF_PROG(lsf_init)
{
	u32 zero = 0;
	struct pending_timer *t;
	s32 ret;

	if ((ret = scx_bpf_create_dsq(LSF_DSQ_REALTIME, -1)) ||
	    (ret = scx_bpf_create_dsq(LSF_DSQ_BATCH, -1)) ||
	    (ret = scx_bpf_create_dsq(LSF_DSQ_DEFAULT, -1)) ||
	    (ret = scx_bpf_create_dsq(LSF_DSQ_PENDING, -1)))
		return ret;
	for (u32 i = 0; i < LSF_MAX_CPUS && i < nr_cpus; i++)
		if ((ret = scx_bpf_create_dsq(LSF_DSQ_CPU_BASE + i, -1)))
			return ret;

	calib_ns = bpf_ktime_get_ns();
	calib_jiffies = bpf_jiffies64();
	t = bpf_map_lookup_elem(&timers, &zero);
	if (!t)
		return -2;
	bpf_timer_init(&t->timer, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&t->timer, pending_timer_fn);
	return 0;
}

SEC("struct_ops/lsf_exit")
void BPF_PROG(lsf_exit, struct scx_exit_info *ei)
{
	lsf_record_exit(&exit_info, ei);
}

SEC(".struct_ops.link")
struct sched_ext_ops luasched_ops = {
	.select_cpu = (void *)lsf_select_cpu,
	.enqueue    = (void *)lsf_enqueue,
	.dispatch   = (void *)lsf_dispatch,
	.exit_task  = (void *)lsf_exit_task,
	.update_idle = (void *)lsf_update_idle,
	.running    = (void *)lsf_running,
	.stopping   = (void *)lsf_stopping,
	.init       = (void *)lsf_init,
	.exit       = (void *)lsf_exit,
	.flags      = SCX_OPS_KEEP_BUILTIN_IDLE,
	.timeout_ms = LSF_WATCHDOG_MS,
	.name       = "luasched_fast",
};

/* Run by the dispatcher (BPF_PROG_RUN) after it queued verdicts: apply them to the parked tasks
 * right here, on the dispatcher's CPU (syscall programs hold no rq lock, so DSQ moves are allowed;
 * they are sleepable, hence the explicit RCU section for the DSQ iterator), then wake an idle CPU to
 * run what was moved. Optional: if the kernel refuses these kfuncs in syscall programs the program is
 * not loaded, and dispatch plus the timer apply the verdicts. */
SEC("syscall")
int lsf_kick(void *ctx)
{
	drain_verdicts();
	if (scx_bpf_dsq_nr_queued(LSF_DSQ_PENDING) > 0) {
		bpf_rcu_read_lock();
		scan_pending();
		bpf_rcu_read_unlock();
	}
	if (kick_idle_cpu())
		stat_inc(LSF_ST_KICK);
	return 0;
}

/* Arena transport: allocates and lays out the shared rings; run once by the loader before attach.
 * Pages come zeroed, so every head and tail starts at 0. */
SEC("syscall")
int lsf_arena_setup(void *ctx)
{
	u32 pages = lsf_arena_pages(nr_cpus);
	struct lsf_arena LSF_ARENA *a;

	if (shared)
		return 0;
	if (pages > LSF_ARENA_MAX_PAGES)
		return -7;  /* E2BIG */
	a = bpf_arena_alloc_pages(&arena, NULL, pages, -1, 0);
	if (!a)
		return -12; /* ENOMEM */
	a->hdr.nr_cpus = nr_cpus;
	a->hdr.size = lsf_arena_size(nr_cpus);
	lsf_compiler_barrier();
	a->hdr.magic = LSF_ARENA_MAGIC;
	shared = a;
	return 0;
}
