/* SPDX-License-Identifier: GPL-2.0-only */
/* luasched-fast BPF: globals, maps, per-task and per-CPU state, counters (one BPF object). */
#ifndef LSF_STATE_BPF_H
#define LSF_STATE_BPF_H

#include "common.bpf.h"
#include "compat.bpf.h"
#include "arena_ring.h"
#include "miss_budget.h"
#include "verdict.h"
#include "fair.h"

#define BPF_FOR_EACH_ITER (&___it)  /* the iterator of the enclosing bpf_for_each */
#define PF_KTHREAD       0x00200000
#define PF_IO_WORKER     0x00000010
#define PF_USER_WORKER   0x00004000
#define CLOCK_MONOTONIC  1

/* ---- set by the loader before load (rodata) ----------------------------------------------- */
const volatile __u32 nr_cpus = 1;   /* possible CPUs (<= LSF_MAX_CPUS) */
const volatile __s32 self_tgid;     /* the dispatcher's process: never waits for itself */
const volatile __u64 default_slice_ns = LSF_SLICE_DFL_NS;
const volatile bool use_arena;      /* misses/verdicts through arena rings (else ringbuf) */
const volatile bool miss_wait;      /* --miss wait: a task waits for its verdict (else it runs at once) */
const volatile __u64 miss_interval_ns = 1000000000ULL / LSF_MISS_RATE_DFL;  /* per uid (--miss-rate); 0: no limit */

/* ---- shared with userspace (bss/data) ------------------------------------------------------ */
__u32 policy_gen = 1;               /* written by userspace on policy (re)load */
volatile __u64 user_alive_ns;       /* written by userspace: CLOCK_MONOTONIC of its last poll */
__u64 miss_seq;                     /* last miss seq handed out (identity of a miss, never reused) */
__u64 hists[LSF_NR_HISTS][LSF_HIST_BUCKETS];  /* latency histograms (enum lsf_hist), log2 ns buckets */
__u64 idle_mask[LSF_CPU_WORDS];     /* CPUs idle right now (ops.update_idle), for userspace placement */
/* CPUs online: copied from the kernel's mask in ops.init, kept by ops.cpu_online/offline
 * (luasched.bpf.c). A verdict's target CPU must be online and allowed; queues of a CPU that went
 * offline are emptied by the timer. */
__u64 online_mask[LSF_CPU_WORDS];
__u32 nr_online = 1;
volatile __u32 offline_dirty;       /* a CPU went offline: the timer runs fast until its queue is empty */
__u64 offline_scan_ns;              /* the timer's last look at offline CPUs' queues */
__u64 kick_later[LSF_CPU_WORDS];    /* CPUs whose kick lsf_kick_cpu put off: the sweep kicks them */
struct lsf_exit_info exit_info;
char exit_dump[LSF_EXIT_DUMP_LEN];  /* the kernel's debug dump (ops.dump* lines included) at exit */

/* Virtual time of the BATCH and DEFAULT classes (index: enum lsf_class): the highest vtime of a
 * task of that class that started running. Only that class's tasks move it. */
__u64 vtime_now[LSF_NR_CLASSES];

/* Walk bounds and queue depths (bpf/starve.bpf.h). Plain globals on purpose: compared with an unknown
 * value the loop counter stays imprecise, so the verifier proves each DSQ loop in a few passes
 * instead of unrolling it. */
volatile __u32 pending_scan_max = 64;  /* parked tasks examined per scan */
volatile __u32 queue_max = 256;        /* tasks a vtime-ordered queue takes from a wakeup */
volatile __u32 queue_fill = 192;       /* ... from any other insert, and refills from its aged queue */
volatile __u32 aged_scan_max = 32;     /* entries of a queue looked at for the first task a CPU may run */

/* Jiffies <-> ns (HZ is not readable without a kernel config): sampled in init, converted once
 * enough time has passed; until then HZ=1000 is assumed, the shortest bound. */
__u64 calib_ns, calib_jiffies, starve_jiffies_cached;

/* ---- per task: task-local storage, created in ops.init_task -------------------------------- */
struct task_ctx {
	struct lsf_vstate v;  /* the verdict state machine (bpf/verdict.h) */
	struct lsf_fair fair; /* vtime (order within BATCH/DEFAULT) and how it was queued (bpf/fair.h) */
	__u64 run_at;         /* when it last started running (0: not running) */
	__u32 ins_cls;        /* class it was last queued as (LSF_CLASS_*) */
	__u32 forked;         /* a new task that has not run yet (its first enqueue may preempt) */
	__u64 wake_at;        /* when it last woke up (0: not waiting to run after a wakeup) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

static __always_inline struct task_ctx *tctx_get(struct task_struct *p)
{
	return bpf_task_storage_get(&task_ctxs, p, 0, 0);
}

/* Counts one latency of ns in histogram h (enum lsf_hist). */
static __always_inline void hist_add(u32 h, u64 ns)
{
	u32 b = 0;

	/* floor(log2(ns)) without a loop: cheap for the verifier in every program that inlines it */
	if (ns >> 32) { ns >>= 32; b += 32; }
	if (ns >> 16) { ns >>= 16; b += 16; }
	if (ns >> 8) { ns >>= 8; b += 8; }
	if (ns >> 4) { ns >>= 4; b += 4; }
	if (ns >> 2) { ns >>= 2; b += 2; }
	if (ns >> 1) b += 1;
	if (b >= LSF_HIST_BUCKETS)
		b = LSF_HIST_BUCKETS - 1;
	if (h < LSF_NR_HISTS)
		__sync_fetch_and_add(&hists[h][b], 1);
}

/* ---- per CPU: written by its own CPU only, read by others (bpf_map_lookup_percpu_elem) ------ */
struct cpu_ctx {
	__u64 run_start;      /* when the running task started */
	__u64 run_vtime;      /* its vtime then */
	__u32 run_cls;        /* its class (LSF_CLASS_*) */
	__u32 protected;      /* 1: REALTIME, a kthread or the dispatcher: not preempted for REALTIME */
	__u64 last_rescue_ns; /* last starvation walk of this CPU's own queue */
	__u64 last_tick_ns;   /* last starvation check from ops.tick */
	struct lsf_fair_cpu fair; /* starvation pick of the running task (bpf/fair.h) */
	__u64 last_cut_ns;    /* last DEFAULT slice cut by ops.tick (default_slice_over) */
	__u32 on_cpu;         /* 1 from ops.running to ops.stopping: run_* describe the current task (0:
			       * idle, or a task of a higher sched class runs and will not be preempted) */
	__u32 released;       /* 1 from ops.cpu_release to ops.cpu_acquire: a higher sched class (RT,
			       * deadline) holds the CPU; nothing is targeted at it meanwhile */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct cpu_ctx);
} cpu_ctxs SEC(".maps");

static __always_inline struct cpu_ctx *cctx_this(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_ctxs, &zero);
}

static __always_inline struct cpu_ctx *cctx_of(s32 cpu)
{
	u32 zero = 0;

	if (cpu < 0 || (u32)cpu >= nr_cpus)
		return NULL;
	return bpf_map_lookup_percpu_elem(&cpu_ctxs, &zero, cpu);
}

/* ---- counters: per-CPU array, summed by userspace ------------------------------------------ */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct lsf_stats);
} stats SEC(".maps");

static __always_inline void stat_inc(u32 idx)
{
	u32 zero = 0;
	struct lsf_stats *s = bpf_map_lookup_elem(&stats, &zero);

	if (s && idx < LSF_NR_STATS)
		s->v[idx]++;
}

/* ---- CPUs ---------------------------------------------------------------------------------- */
static __always_inline bool cpu_is_online(s32 cpu)
{
	u32 w;

	if (cpu < 0 || (u32)cpu >= nr_cpus || (u32)cpu >= LSF_MAX_CPUS)
		return false;
	w = (u32)cpu / 64;
	if (w >= LSF_CPU_WORDS)
		return false;
	return (online_mask[w] >> ((u32)cpu % 64)) & 1;
}

/* scx_bpf_kick_cpu, from a CPU that is up. The kernel queues a kick as irq_work on the calling CPU;
 * queued on a CPU on its way down after its last irq_work flush, that work never runs, and
 * disabling the scheduler later waits for it for ever (free_kick_syncs() -> irq_work_sync(), seen
 * in vm_hotplug_stop: sched_ext stuck in "disabling"). So from a CPU that ops.cpu_offline marked
 * offline the kick is put off: the sweep does it from a CPU that is up, within LSF_RESCUE_EVERY_NS,
 * as an idle kick (a preempting one is a latency matter, not worth more during hotplug).
 * A global function, verified once: inlined, its branches would multiply the paths of every caller
 * (6.12 verifies ops.dispatch's steps close to the 1M-instruction limit). */
__noinline int lsf_kick_cpu(s32 cpu, u64 flags)
{
	u32 w;

	if (cpu_is_online((s32)bpf_get_smp_processor_id())) {
		scx_bpf_kick_cpu(cpu, flags);
		return 0;
	}
	if (cpu < 0 || (u32)cpu >= LSF_MAX_CPUS)
		return 0;
	w = (u32)cpu / 64;
	if (w < LSF_CPU_WORDS)
		__sync_fetch_and_or(&kick_later[w], 1ULL << ((u32)cpu % 64));
	stat_inc(LSF_ST_KICK_PUT_OFF);
	return 0;
}

/* A verdict's target CPU is usable for p: exists, online, and in p's affinity mask. */
static __always_inline bool cpu_ok(struct task_struct *p, s32 cpu)
{
	return cpu_is_online(cpu) && bpf_cpumask_test_cpu(cpu, p->cpus_ptr);
}

/* A higher sched class holds cpu: it serves none of its queues meanwhile. ops.cpu_release says so,
 * but not always: a running task that becomes RT (sched_setscheduler) takes the CPU without one,
 * and a task run by 7.x's ext deadline server on a CPU an RT task holds goes back to that CPU's
 * local queue without a second one. So the task running there now is asked too. A global function
 * (see lsf_kick_cpu); its own RCU section covers scx_bpf_cpu_curr wherever it is verified (ops.init's
 * timer callbacks are verified as sleepable on 6.12). */
__noinline int lsf_cpu_held(s32 cpu)
{
	struct cpu_ctx *c = cctx_of(cpu);
	bool held;

	if (c && c->released)
		return 1;
	bpf_rcu_read_lock();
	held = lsf_cpu_runs_higher_class(cpu);
	bpf_rcu_read_unlock();
	return held;
}

static __always_inline bool cpu_held(s32 cpu)
{
	return lsf_cpu_held(cpu) != 0;
}

/* Who p is to the policy now (bpf/verdict.h): direct loads through p's credentials and css_set (no
 * helper calls: this runs at every enqueue). */
static __always_inline void read_ident(struct task_struct *p, struct lsf_ident *id)
{
	const struct cred *cred = p->real_cred;

	id->uid = cred->uid.val;
	id->gid = cred->gid.val;
	id->cgroup_id = p->cgroups->dfl_cgrp->kn->id;
}

static __always_inline bool never_waits(struct task_struct *p)
{
	return (p->flags & PF_KTHREAD) || (self_tgid && p->tgid == self_tgid);
}

#endif /* LSF_STATE_BPF_H */
