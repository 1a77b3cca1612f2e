// SPDX-License-Identifier: GPL-2.0-only
/* luasched-fast sched_ext scheduler: per-task verdicts from a Lua policy, class queues, no starvation. */
#include "state.bpf.h"
#include "classes.bpf.h"
#include "transport.bpf.h"
#include "starve.bpf.h"

char _license[] SEC("license") = "GPL";

/*
 * Design (details in each header):
 *  - Per-task state in task-local storage: the verdict {class, slice, target CPU} and the state
 *    machine around it (bpf/verdict.h, shared with the sim tier), the task's vtime. A hit is one
 *    storage lookup and one DSQ insert.
 *  - A miss goes to the userspace dispatcher (bpf/transport.bpf.h: arena rings or ringbuf); the task
 *    runs at once by a provisional verdict (its parent's, its previous one, or DEFAULT) and the
 *    policy's verdict applies from its next enqueue; with --miss wait it parks until its verdict or
 *    a 20 ms deadline. A verdict overdue is asked for again. kthreads and the dispatcher never wait.
 *    A fork whose parent's verdict read only what a fork shares (comm, uid, cgroup, ..; its
 *    fingerprint must match) starts with that verdict as its own and sends no miss (--fork inherit,
 *    the default; --fork ask sends one per fork).
 *  - Classes (bpf/classes.bpf.h): REALTIME FIFO, BATCH and DEFAULT in weighted virtual time, a
 *    per-CPU queue for targeted verdicts merged into each class by key; REALTIME wakeups preempt
 *    lower classes, BATCH/DEFAULT wakeups preempt a same-class task far ahead in vtime.
 *  - One starvation rule over every queue (bpf/starve.bpf.h): no runnable task waits much past
 *    LSF_STARVE_NS, whatever its class and the depth of its queue (vtime queues are bounded, the
 *    rest waits oldest first). The accounting rules (vtime, slices) are in bpf/fair.h.
 *  - A CPU taken by a higher sched class (RT, deadline) strands nothing: ops.cpu_release queues its
 *    local tasks again and nothing is targeted at it until ops.cpu_acquire.
 *  - Kernel features are probed (bpf/compat.bpf.h): one object for 6.12 LTS and newer kernels.
 *  - CPU hotplug is handled (ops.cpu_online/offline): targets must be online, queues of an offline
 *    CPU are emptied by the timer.
 * Trade-off: a task runs by a provisional verdict (its parent's, or DEFAULT) for one round trip
 *   to userspace after a miss, unless --miss wait parks it until the verdict (bpf/verdict.h).
 */

/* When a task put on a CPU by select_cpu woke up, for its wakeup -> running histogram; 0 for a fork,
 * which is no wakeup (ops.enqueue does not time forks either: no SCX_ENQ_WAKEUP). */
static __always_inline u64 wakeup_stamp(u64 wake_flags)
{
	return wake_flags & SCX_WAKE_FORK ? 0 : bpf_ktime_get_ns();
}

/* From select_cpu: p straight into the local queue of the CPU returned, queued as class cls (for
 * ops.running), its wakeup timed. */
static __always_inline void insert_local(struct task_struct *p, struct task_ctx *tc, u32 cls, u64 slice,
					 u64 wake_flags, u64 enq_flags)
{
	if (tc) {
		tc->ins_cls = cls;
		tc->wake_at = wakeup_stamp(wake_flags);
		class_key(tc, class_norm(cls), 0);  /* its vtime kept within its class's window */
		lsf_fair_queued(&tc->fair, 0);      /* straight onto a CPU: not in key order */
	}
	lsf_dsq_insert(p, SCX_DSQ_LOCAL, slice, enq_flags);
}

/* Before p's verdict is used: drop it if p is no longer who it was for (bpf/verdict.h). */
static __always_inline void check_ident(struct task_struct *p, struct task_ctx *tc)
{
	struct lsf_ident id;
	u32 why;

	read_ident(p, &id);
	why = lsf_vs_check_ident(&tc->v, &id);
	if (why & LSF_MISS_CRED)
		stat_inc(LSF_ST_CRED);
	if (why & LSF_MISS_CGROUP)
		stat_inc(LSF_ST_CGROUP);
}

SEC("struct_ops/lsf_select_cpu")
s32 BPF_PROG(lsf_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	struct task_ctx *tc = tctx_get(p);
	bool hit, is_idle = false;
	s32 cpu;

	if (tc && !never_waits(p))
		check_ident(p, tc);
	hit = tc && lsf_vs_is_hit(&tc->v, policy_gen);

	if (hit && tc->v.cpu != LSF_CPU_ANY && cpu_ok(p, tc->v.cpu) && !cpu_held(tc->v.cpu))
		return tc->v.cpu;  /* enqueue puts it on that CPU's queue and wakes the CPU */

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (!is_idle) {
		/* a REALTIME hit without a target CPU: straight onto that CPU if it runs lower-class work */
		if (tc && hit && tc->v.cpu == LSF_CPU_ANY && tc->v.cls == LSF_CLASS_REALTIME && rt_direct_ok(p, cpu)) {
			insert_local(p, tc, LSF_CLASS_REALTIME, tc->v.slice_ns, wake_flags, SCX_ENQ_PREEMPT);
			stat_inc(LSF_ST_HIT);
			stat_inc(LSF_ST_RT_DIRECT);
			stat_inc(LSF_ST_RT_PREEMPT);
		}
		return cpu;
	}
	/* An idle CPU: straight to its local queue, by the cached verdict, or (--miss run) by the
	 * provisional one, sending the miss from here: an exec'd or new task that is not a hit starts
	 * on the idle CPU found for it like any other wakeup. */
	if (tc && !hit && !never_waits(p)) {
		int action;

		if (miss_wait)
			return cpu;
		action = lsf_vs_on_enqueue(&tc->v, policy_gen, bpf_ktime_get_ns());
		if (action == LSF_VS_ASK || action == LSF_VS_REASK)
			post_miss(p, tc, action);  /* never parks without miss_wait */
		else if (action != LSF_VS_RUN_PROVISIONAL)
			return cpu;
		lsf_vs_provisional(&tc->v, policy_gen, default_slice_ns);
		insert_local(p, tc, tc->v.cls, tc->v.slice_ns, wake_flags, 0);
		stat_inc(LSF_ST_DIRECT);
		return cpu;
	}
	if (!hit && !never_waits(p))
		return cpu;
	if (tc && hit) {
		insert_local(p, tc, tc->v.cls, tc->v.slice_ns, wake_flags, 0);
		stat_inc(LSF_ST_HIT);
	} else {
		insert_local(p, tc, LSF_CLASS_DEFAULT, default_slice_ns, wake_flags, 0);
	}
	stat_inc(LSF_ST_DIRECT);
	return cpu;
}

SEC("struct_ops/lsf_enqueue")
void BPF_PROG(lsf_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tc;
	int action;

	if (never_waits(p)) {
		if (p->flags & PF_KTHREAD) {
			stat_inc(LSF_ST_KTHREAD);
			/* per-CPU kthread: straight to its CPU, unless taken off it (SCX_ENQ_REENQ) because
			 * a higher sched class holds it: then its class queue, so that the next sweep
			 * does not find it there again (7.3 ejects a task re-enqueued 256 times unrun) */
			if (p->nr_cpus_allowed == 1 && !(enq_flags & SCX_ENQ_REENQ)) {
				lsf_dsq_insert(p, SCX_DSQ_LOCAL, default_slice_ns, enq_flags);
				return;
			}
			insert_task(p, tctx_get(p), LSF_CLASS_DEFAULT, default_slice_ns, LSF_CPU_ANY, enq_flags);
			return;
		}
		/* the dispatcher: run next on its (pinned) CPU */
		stat_inc(LSF_ST_SELF);
		lsf_dsq_insert(p, SCX_DSQ_LOCAL, default_slice_ns, enq_flags | SCX_ENQ_PREEMPT);
		return;
	}

	tc = tctx_get(p);
	if (!tc) {
		stat_inc(LSF_ST_CACHE_FULL);
		insert_task(p, NULL, LSF_CLASS_DEFAULT, default_slice_ns, LSF_CPU_ANY, enq_flags);
		return;
	}
	check_ident(p, tc);
	action = lsf_vs_on_enqueue(&tc->v, policy_gen, bpf_ktime_get_ns());
	switch (action) {
	case LSF_VS_HIT:
		stat_inc(LSF_ST_HIT);
		insert_task(p, tc, tc->v.cls, tc->v.slice_ns, tc->v.cpu, enq_flags);
		return;
	case LSF_VS_WAIT:  /* miss already in flight: wait for it */
		park_task(p, tc, enq_flags);
		return;
	case LSF_VS_RUN_PROVISIONAL:  /* miss in flight, not waiting: its provisional verdict */
		lsf_vs_provisional(&tc->v, policy_gen, default_slice_ns);
		insert_task(p, tc, tc->v.cls, tc->v.slice_ns, tc->v.cpu, enq_flags);
		return;
	default:  /* LSF_VS_ASK, LSF_VS_REASK */
		send_miss(p, tc, enq_flags, action);
	}
}

/* ops.dispatch's steps as global functions, each verified once on its own (why: bpf/starve.bpf.h;
 * the verdict steps, lsf_apply_verdicts and lsf_free_parked, are in bpf/transport.bpf.h). */

/* At most LSF_DISPATCH_VERDICTS verdicts under the rq lock; the rest wait for the kick program,
 * the timer or the next dispatch. */
static __always_inline void dispatch_verdicts(void)
{
	int n = lsf_apply_verdicts(LSF_DISPATCH_VERDICTS);

	if (n > 0)
		hist_add(LSF_HIST_DISPATCH_VERDICTS, n);
}

__noinline int lsf_dispatch_refill(void)
{
	refill_all();
	return 0;
}

/* Class order; 1 if it put a task on this CPU. */
__noinline int lsf_serve_classes(s32 cpu)
{
	return serve_classes(cpu);
}

SEC("struct_ops/lsf_dispatch")
void BPF_PROG(lsf_dispatch, s32 cpu, struct task_struct *prev)
{
	struct cpu_ctx *cc = cctx_this();
	struct task_ctx *tc;

	dispatch_verdicts();
	lsf_free_parked();
	if (!cc)
		return;
	lsf_dispatch_refill();
	if (serve_starved(cpu, cc) || lsf_serve_classes(cpu))
		return;
	/* Nothing else to run: the previous task goes on with its own slice (the kernel would refill
	 * it with its 20 ms default). */
	if (prev && (prev->scx.flags & SCX_TASK_QUEUED)) {
		tc = tctx_get(prev);
		prev->scx.slice = tc && lsf_vs_runs_by_state(&tc->v, policy_gen) ? tc->v.slice_ns : default_slice_ns;
		stat_inc(LSF_ST_KEEP_PREV);
	}
}

/* Records what this CPU runs (for preemption decisions elsewhere), sets the contended slice,
 * advances the class's vtime_now and the miss round trip (rules: bpf/fair.h). */
SEC("struct_ops/lsf_running")
void BPF_PROG(lsf_running, struct task_struct *p)
{
	struct task_ctx *tc = tctx_get(p);
	struct cpu_ctx *cc = cctx_this();
	s32 cpu = scx_bpf_task_cpu(p);
	u64 now = bpf_ktime_get_ns(), slice = p->scx.slice;
	u32 cls = tc ? class_norm(tc->ins_cls) : LSF_CLASS_DEFAULT;
	bool prot = never_waits(p) || cls == LSF_CLASS_REALTIME;
	struct lsf_fair *f = tc ? &tc->fair : NULL;

	if (tc) {
		tc->run_at = now;
		tc->forked = 0;
		if (tc->v.enq_ns) {  /* first run after a miss: enqueue -> running */
			hist_add(LSF_HIST_ROUND_TRIP, now - tc->v.enq_ns);
			tc->v.enq_ns = 0;
		}
		if (tc->wake_at) {  /* woke up: wakeup -> running, per class */
			hist_add(cls - LSF_CLASS_REALTIME + LSF_HIST_WAKE_REALTIME, now - tc->wake_at);
			tc->wake_at = 0;
		}
	}
	if (!cc)
		return;
	if (!prot && lsf_fair_take_fresh(f))
		slice = contended_slice(slice, cpu);
	p->scx.slice = lsf_fair_running(f, &cc->fair, &vtime_now[cls], cls != LSF_CLASS_REALTIME, slice);
	cc->run_start = now;
	cc->on_cpu = 1;
	cc->released = 0;  /* a sched_ext task runs: no higher class holds the CPU (ops.cpu_acquire too) */
	cc->run_vtime = tc ? tc->fair.vtime : 0;
	cc->run_cls = cls;
	cc->protected = prot;
}

SEC("struct_ops/lsf_stopping")
void BPF_PROG(lsf_stopping, struct task_struct *p, bool runnable)
{
	struct task_ctx *tc = tctx_get(p);
	struct cpu_ctx *cc = cctx_this();

	if (tc)
		charge(p, tc, bpf_ktime_get_ns());
	if (cc)
		cc->on_cpu = 0;
}

/* Interrupts a long slice when the starvation rule has work for this CPU, or when a DEFAULT task
 * has run LSF_DEFAULT_SLICE_CAP_NS while others wait (bpf/classes.bpf.h). */
SEC("struct_ops/lsf_tick")
void BPF_PROG(lsf_tick, struct task_struct *p)
{
	struct cpu_ctx *cc = cctx_this();
	s32 cpu = scx_bpf_task_cpu(p);
	u64 now = bpf_ktime_get_ns();

	if (!cc)
		return;
	if (starvation_due(cpu, cc, now)) {
		p->scx.slice = 0;
		stat_inc(LSF_ST_STARVE_TICK);
	} else if (default_slice_over(cpu, cc, now)) {
		p->scx.slice = 0;
		cc->last_cut_ns = now;
		stat_inc(LSF_ST_SLICE_CUT);
	}
}

/* A higher sched class (an RT or deadline task) takes this CPU. The kernel leaves what waits on its
 * local queue there (the task it preempted at the head, tasks select_cpu or dispatch put there) and
 * sched_ext serves that queue only from this CPU: they go through ops.enqueue again and wait where
 * other CPUs and the starvation rule see them. Nothing is targeted here until ops.cpu_acquire; what
 * waits in this CPU's own queue is moved to the class queues by the sweep (bpf/starve.bpf.h) if the
 * CPU is still held then. */
SEC("struct_ops/lsf_cpu_release")
void BPF_PROG(lsf_cpu_release, s32 cpu, struct scx_cpu_release_args *args)
{
	struct cpu_ctx *cc = cctx_this();

	if (cc) {
		cc->released = 1;
		cc->on_cpu = 0;
	}
	lsf_reenqueue_local();
	stat_inc(LSF_ST_CPU_RELEASE);
}

SEC("struct_ops/lsf_cpu_acquire")
void BPF_PROG(lsf_cpu_acquire, s32 cpu, struct scx_cpu_acquire_args *args)
{
	struct cpu_ctx *cc = cctx_this();

	if (cc)
		cc->released = 0;
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

/* A new task as lsf_vs_inherit needs it: its fingerprint, and whether it is what the policy saw of
 * its parent (the current task): same comm, and not a user worker the kernel named itself (vhost,
 * io_uring: no rename event follows). */
static __always_inline u32 fork_fingerprint(struct task_struct *p)
{
	u64 mask0 = 0;

	bpf_probe_read_kernel(&mask0, sizeof(mask0), p->cpus_ptr);
	return lsf_vs_fingerprint(BPF_CORE_READ(p, real_cred, uid.val), BPF_CORE_READ(p, real_cred, gid.val),
				  p->static_prio, p->nr_cpus_allowed, mask0);
}

static __always_inline int same_comm(struct task_struct *p, struct task_struct *parent)
{
	u64 a[2] = {}, b[2] = {};

	if (p->flags & (PF_IO_WORKER | PF_USER_WORKER))
		return 0;
	bpf_probe_read_kernel(a, sizeof(a), p->comm);
	bpf_probe_read_kernel(b, sizeof(b), parent->comm);
	return a[0] == b[0] && a[1] == b[1];
}

SEC("struct_ops/lsf_init_task")
s32 BPF_PROG(lsf_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	struct task_ctx *tc = bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	struct task_struct *cur;
	struct task_ctx *parent;

	if (!tc)
		return -ENOMEM;
	/* a fork runs by its parent's verdict: its own if the verdict says so (no miss), else until the
	 * policy has seen it (bpf/verdict.h) */
	if (args->fork) {
		tc->forked = 1;
		cur = bpf_get_current_task_btf();
		parent = tctx_get(cur);
		if (parent && lsf_vs_inherit(&tc->v, &parent->v, policy_gen, fork_fingerprint(p), same_comm(p, cur)))
			stat_inc(LSF_ST_FORK_HIT);
	}
	return 0;
}

SEC("struct_ops/lsf_exit_task")
void BPF_PROG(lsf_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	stat_inc(LSF_ST_EXIT);  /* the task's storage goes with it */
}

static __always_inline void invalidate(struct task_struct *p, u32 why, u32 stat)
{
	struct task_ctx *tc = tctx_get(p);

	if (!tc)
		return;
	stat_inc(stat);
	lsf_vs_invalidate(&tc->v, why);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(lsf_on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	invalidate(p, LSF_MISS_EXEC, LSF_ST_EXEC);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(lsf_on_rename, struct task_struct *p, const char *comm)
{
	struct task_struct *task = p;  /* the macro below declares its own `p` */

	/* exec renames the task too; sched_process_exec follows and invalidates once for both */
	if (BPF_CORE_READ_BITFIELD(task, in_execve))
		return 0;
	invalidate(p, LSF_MISS_RENAME, LSF_ST_RENAME);
	return 0;
}

/* CPU hotplug. online_mask starts as the kernel's cpu_online_mask in ops.init, which both kernels
 * (6.12, 7.x) call under cpus_read_lock() in the same section that turns these callbacks on: no
 * hotplug event falls between the copy and the callbacks. A bit that does not change (the event is
 * already reflected) leaves nr_online alone, so the count cannot drift from the mask. */
static __always_inline void set_online(s32 cpu, bool online)
{
	u32 w = ((u32)cpu / 64) & (LSF_CPU_WORDS - 1);
	u64 bit = 1ULL << ((u32)cpu % 64);
	u64 old;

	if (online) {
		old = __sync_fetch_and_or(&online_mask[w], bit);
		if (!(old & bit))
			__sync_fetch_and_add(&nr_online, 1);
	} else {
		old = __sync_fetch_and_and(&online_mask[w], ~bit);
		if (old & bit)
			__sync_fetch_and_sub(&nr_online, 1);
	}
	stat_inc(LSF_ST_HOTPLUG);
}

SEC("struct_ops/lsf_cpu_online")
void BPF_PROG(lsf_cpu_online, s32 cpu)
{
	if (cpu < 0 || cpu >= LSF_MAX_CPUS)
		return;
	set_online(cpu, true);
}

SEC("struct_ops/lsf_cpu_offline")
void BPF_PROG(lsf_cpu_offline, s32 cpu)
{
	if (cpu < 0 || cpu >= LSF_MAX_CPUS)
		return;
	set_online(cpu, false);
	__sync_lock_test_and_set(&offline_dirty, 1);  /* the timer empties its queue, fast */
	timer_hurry();
}

/* ops.init: online_mask and nr_online from the kernel's online mask (see set_online). */
static __always_inline void init_online(void)
{
	const struct cpumask *online = scx_bpf_get_online_cpumask();
	u32 n = 0;
	int i;

	bpf_for(i, 0, nr_cpus) {
		if (i >= LSF_MAX_CPUS)
			break;
		if (bpf_cpumask_test_cpu(i, online)) {
			online_mask[((u32)i / 64) & (LSF_CPU_WORDS - 1)] |= 1ULL << ((u32)i % 64);
			n++;
		}
	}
	scx_bpf_put_cpumask(online);
	nr_online = n;
}

/* Debug dump (sysrq-D, and the dump an error exit leaves in exit_dump): scheduler-wide state. */
SEC("struct_ops/lsf_dump")
void BPF_PROG(lsf_dump, struct scx_dump_ctx *dctx)
{
	u64 now = bpf_ktime_get_ns();

	lsf_dump_line("luasched-fast: policy_gen=%u miss_seq=%llu online=%u dispatcher_seen=%llums ago\n", policy_gen,
		 miss_seq, nr_online, (now - user_alive_ns) / LSF_NSEC_PER_MSEC);
	lsf_dump_line("queued: realtime=%d batch=%d+%d default=%d+%d pending=%d (+: aged)\n",
		 scx_bpf_dsq_nr_queued(LSF_DSQ_REALTIME), scx_bpf_dsq_nr_queued(LSF_DSQ_BATCH),
		 scx_bpf_dsq_nr_queued(LSF_DSQ_BATCH_AGED), scx_bpf_dsq_nr_queued(LSF_DSQ_DEFAULT),
		 scx_bpf_dsq_nr_queued(LSF_DSQ_DEFAULT_AGED), scx_bpf_dsq_nr_queued(LSF_DSQ_PENDING));
	lsf_dump_line("vtime_now: batch=%llu default=%llu\n", vtime_now[LSF_CLASS_BATCH], vtime_now[LSF_CLASS_DEFAULT]);
}

SEC("struct_ops/lsf_dump_cpu")
void BPF_PROG(lsf_dump_cpu, struct scx_dump_ctx *dctx, s32 cpu, bool idle)
{
	struct cpu_ctx *c = cctx_of(cpu);

	if (!c)
		return;
	lsf_dump_line("lsf cpu %d: online=%d released=%u own_queue=%d class=%u protected=%u running_for=%lluus\n", cpu,
		 cpu_is_online(cpu), c->released, scx_bpf_dsq_nr_queued(pcpu_dsq(cpu)), c->run_cls, c->protected,
		 (bpf_ktime_get_ns() - c->run_start) / 1000);
}

SEC("struct_ops/lsf_dump_task")
void BPF_PROG(lsf_dump_task, struct scx_dump_ctx *dctx, struct task_struct *p)
{
	struct task_ctx *tc = tctx_get(p);

	if (!tc)
		return;
	lsf_dump_line("lsf task: state=%u class=%u cpu=%d gen=%u seq=%llu queued_as=%u vtime=%llu\n", tc->v.state,
		 tc->v.cls, tc->v.cpu, tc->v.policy_gen, tc->v.seq, tc->ins_cls, tc->fair.vtime);
}

SEC("struct_ops.s/lsf_init")
s32 BPF_PROG(lsf_init)
{
	const char *missing = lsf_compat_missing();
	s32 ret;
	int i;

	if (missing) {  /* a scheduler that cannot queue tasks must not attach (bpf/compat.bpf.h) */
		lsf_error("luasched-fast needs a kfunc this kernel lacks: %s", missing);
		return -EOPNOTSUPP;
	}
	if ((ret = scx_bpf_create_dsq(LSF_DSQ_REALTIME, -1)) || (ret = scx_bpf_create_dsq(LSF_DSQ_BATCH, -1)) ||
	    (ret = scx_bpf_create_dsq(LSF_DSQ_DEFAULT, -1)) || (ret = scx_bpf_create_dsq(LSF_DSQ_PENDING, -1)) ||
	    (ret = scx_bpf_create_dsq(LSF_DSQ_BATCH_AGED, -1)) || (ret = scx_bpf_create_dsq(LSF_DSQ_DEFAULT_AGED, -1)))
		return ret;
	bpf_for(i, 0, nr_cpus) {
		if (i >= LSF_MAX_CPUS)
			break;
		if ((ret = scx_bpf_create_dsq(pcpu_dsq(i), -1)))
			return ret;
	}
	init_online();
	calib_ns = bpf_ktime_get_ns();
	calib_jiffies = bpf_jiffies64();
	if ((ret = timer_init()))
		return ret;
	return sweep_timer_init();
}

SEC("struct_ops/lsf_exit")
void BPF_PROG(lsf_exit, struct scx_exit_info *ei)
{
	if (ei->dump)
		bpf_probe_read_kernel_str(exit_dump, sizeof(exit_dump), ei->dump);
	lsf_record_exit(&exit_info, ei);
}

SEC(".struct_ops.link")
struct sched_ext_ops luasched_ops = {
	.select_cpu  = (void *)lsf_select_cpu,
	.enqueue     = (void *)lsf_enqueue,
	.dispatch    = (void *)lsf_dispatch,
	.tick        = (void *)lsf_tick,
	.running     = (void *)lsf_running,
	.stopping    = (void *)lsf_stopping,
	.update_idle = (void *)lsf_update_idle,
	.cpu_acquire = (void *)lsf_cpu_acquire,
	.cpu_release = (void *)lsf_cpu_release,
	.init_task   = (void *)lsf_init_task,
	.exit_task   = (void *)lsf_exit_task,
	.cpu_online  = (void *)lsf_cpu_online,
	.cpu_offline = (void *)lsf_cpu_offline,
	.dump        = (void *)lsf_dump,
	.dump_cpu    = (void *)lsf_dump_cpu,
	.dump_task   = (void *)lsf_dump_task,
	.init        = (void *)lsf_init,
	.exit        = (void *)lsf_exit,
	.flags       = SCX_OPS_KEEP_BUILTIN_IDLE,
	.timeout_ms  = LSF_WATCHDOG_MS,
	.name        = "luasched_fast",
};

/* Run by the dispatcher (BPF_PROG_RUN) after it queued verdicts: apply them to the parked tasks
 * right here, on the dispatcher's CPU (syscall programs hold no rq lock, so DSQ moves are allowed;
 * they are sleepable, hence the explicit RCU section for the DSQ iterator). Optional: if the kernel
 * refuses these kfuncs in syscall programs the program is not loaded, and dispatch plus the timer
 * apply the verdicts. */
SEC("syscall")
int lsf_kick(void *ctx)
{
	lsf_apply_verdicts(LSF_KICK_VERDICTS);
	lsf_free_parked();
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
		return -E2BIG;
	a = bpf_arena_alloc_pages(&arena, NULL, pages, -1, 0);
	if (!a)
		return -ENOMEM;
	a->hdr.nr_cpus = nr_cpus;
	a->hdr.size = lsf_arena_size(nr_cpus);
	lsf_compiler_barrier();
	a->hdr.magic = LSF_ARENA_MAGIC;
	shared = a;
	return 0;
}
