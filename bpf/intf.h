/* SPDX-License-Identifier: GPL-2.0-only */
/* The one contract between the BPF scheduler and the C++ dispatcher: records, constants, units. */
#ifndef LSF_BPF_INTF_H
#define LSF_BPF_INTF_H

/*
 * Included by BPF programs (after vmlinux.h, which defines __u32 & co.) and by C++ (which gets them
 * from <linux/types.h>). Every field is fixed width; every struct is padded by hand to a multiple of
 * 8 bytes so both compilers agree on the layout. The static_asserts at the bottom pin the sizes and
 * offsets on both sides: change a record and both builds tell you.
 */
#ifndef __bpf__
#include <linux/types.h>
#endif

/* ---- limits -------------------------------------------------------------------------------- */
/* Possible CPUs (online or hotplug slots) the scheduler supports. What scales with it: the CPU
 * bitmaps (online, idle, a miss's allowed CPUs: 128 bytes each), so a miss record is 232 bytes. What
 * scales with the machine's possible CPUs instead: one per-CPU DSQ each, and one arena miss ring each
 * (256 records: 58 KiB, so 17 MiB of locked memory at 300 possible CPUs; bpf/arena_ring.h). */
#define LSF_MAX_CPUS       1024
#define LSF_CPU_WORDS      (LSF_MAX_CPUS / 64)
#define LSF_COMM_LEN       16    /* == TASK_COMM_LEN */

/* ---- scheduling classes: the DSQs a verdict can name -------------------------------------- */
enum lsf_class {
	LSF_CLASS_NONE     = 0, /* no verdict (policy said nothing): treated as DEFAULT */
	LSF_CLASS_REALTIME = 1, /* served first; FIFO (by enqueue time) */
	LSF_CLASS_BATCH    = 2, /* served second; weighted virtual time */
	LSF_CLASS_DEFAULT  = 3, /* served last; weighted virtual time */
	LSF_NR_CLASSES     = 4,
};

/* DSQ ids (user DSQs: any u64 without the builtin flag). Per-CPU DSQs hold targeted verdicts of
 * every class, ordered by class, then by the class's own key (see bpf/classes.bpf.h). */
#define LSF_DSQ_REALTIME   1ULL
#define LSF_DSQ_BATCH      2ULL
#define LSF_DSQ_DEFAULT    3ULL
#define LSF_DSQ_PENDING    4ULL    /* tasks waiting for their first verdict; never consumed directly */
#define LSF_DSQ_BATCH_AGED 5ULL    /* BATCH tasks past the depth of its vtime queue or overdue, oldest first */
#define LSF_DSQ_DEFAULT_AGED 6ULL  /* the same for DEFAULT (bpf/starve.bpf.h) */
#define LSF_DSQ_CPU_BASE   1024ULL /* + cpu: per-CPU DSQ for verdicts with a target CPU */

#define LSF_CPU_ANY        (-1)    /* verdict.cpu: no target, any allowed CPU */

/* ---- time ---------------------------------------------------------------------------------- */
#define LSF_NSEC_PER_MSEC      1000000ULL
#define LSF_SLICE_DFL_NS       (5ULL * LSF_NSEC_PER_MSEC)   /* default slice: 5 ms */
#define LSF_SLICE_MIN_NS       (50ULL * 1000ULL)            /* verdict slices are clamped to [50 us, */
#define LSF_SLICE_MAX_NS       (100ULL * LSF_NSEC_PER_MSEC) /*  100 ms] */
#define LSF_MISS_DEADLINE_NS   (20ULL * LSF_NSEC_PER_MSEC)  /* a parked task waits for its verdict at most this long */
#define LSF_STARVE_NS          (100ULL * LSF_NSEC_PER_MSEC) /* starvation bound: see bpf/starve.bpf.h */
#define LSF_WATCHDOG_MS        5000U                        /* sched_ext watchdog timeout */

/* ---- miss budget per user (bpf/miss_budget.h) ---------------------------------------------- */
#define LSF_MISS_RATE_DFL      1000U  /* misses per second one uid may send (--miss-rate) */
#define LSF_MISS_BURST         64U    /* ... and at once; well under a CPU's arena ring (256) */

/* ---- kernel -> user: a cache miss (a per-CPU arena ring, bpf/arena_ring.h; or ringbuf `misses`) */
enum lsf_miss_flags {
	LSF_MISS_KTHREAD = 1u << 0, /* informational: kthreads never wait for a verdict */
	LSF_MISS_EXEC    = 1u << 1, /* the task exec'ed since its last verdict */
	LSF_MISS_RENAME  = 1u << 2, /* the task renamed itself (prctl PR_SET_NAME) */
	LSF_MISS_REGEN   = 1u << 3, /* re-classification after a policy generation bump */
	LSF_MISS_CRED    = 1u << 4, /* the task's real uid or gid changed since its last verdict (no exec) */
	LSF_MISS_CGROUP  = 1u << 5, /* the task is in another cgroup than at its last verdict */
};

struct lsf_miss {
	__u64 seq;            /* enqueue sequence number, global, monotonic; echoed by the verdict */
	__u64 enq_ns;         /* CLOCK_MONOTONIC ns at the enqueue that missed */
	__u64 cgroup_id;      /* kernfs id of the task's default-hierarchy cgroup (0 if unknown) */
	__u64 cpus_allowed[LSF_CPU_WORDS]; /* bitmap of allowed CPUs */
	__s32 pid;            /* thread id (kernel pid) */
	__s32 tgid;           /* process id */
	__s32 ppid;           /* tgid of the real parent */
	__u32 uid;            /* real uid, init namespace */
	__u32 gid;            /* real gid, init namespace */
	__s32 prio;           /* kernel static priority 100..139 (120 == nice 0) */
	__s32 nice;           /* -20..19 */
	__s32 prev_cpu;       /* CPU the task last ran on */
	__u32 policy_gen;     /* policy generation current when the miss was sent */
	__u32 flags;          /* enum lsf_miss_flags */
	__u32 nr_cpus_allowed;
	__u32 _pad;
	char  comm[LSF_COMM_LEN];   /* task comm, NUL terminated */
	char  pcomm[LSF_COMM_LEN];  /* real parent's comm */
};

/* ---- user -> kernel: a verdict (the arena verdict ring; or user ringbuf `verdicts`) ---------- */
enum lsf_verdict_flags {
	/* the task's forks start with this verdict as their own, without a miss: the policy read
	 * nothing a fork does not share with its parent, and named no target CPU (--fork inherit) */
	LSF_VERDICT_FORKS = 1u << 0,
};

struct lsf_verdict {
	__u64 seq;        /* lsf_miss.seq it answers: with pid, the task's identity (bpf/verdict.h) */
	__u64 slice_ns;   /* time slice, ns; 0 = LSF_SLICE_DFL_NS; clamped to [MIN, MAX] in BPF */
	__u64 miss_enq_ns;/* lsf_miss.enq_ns, echoed for round-trip measurements */
	__s32 pid;        /* lsf_miss.pid */
	__s32 cpu;        /* target CPU or LSF_CPU_ANY */
	__u32 dsq;        /* enum lsf_class */
	__u32 policy_gen; /* generation of the policy that decided */
	__u32 flags;      /* enum lsf_verdict_flags */
	__u32 _pad;
};

/* ---- BPF-side per-task state: struct lsf_vstate in bpf/verdict.h (task-local storage) ------- */

/* ---- counters: per-CPU array map `stats`, one struct per CPU, summed by userspace ----------
 * Declared once, here, one line per counter: X(ID, JSON key, group, label, description).
 *   ID          enum lsf_stat gets LSF_ST_<ID> (the BPF side uses the enum only)
 *   JSON key    the stats file and --stats-json (read by tests and scripts: renaming one breaks
 *               them), the metrics file (luasched_fast_<key>_total), `luasched-fast top`
 *   group       section of the human stats line (stats/stats_schema.h: cache, ins, disp,
 *               fallback, verdicts, policy, events, ...)
 *   label       its name in that section (`field LABEL` in the VM tests: keep them unique)
 *   description HELP text of the metric and `luasched-fast stats --list`
 * To add a counter: add its line (anywhere: the enum is renumbered on both sides), count it in BPF.
 * The dispatcher-side counters and gauges are declared the same way in stats/stats_schema.h. */
#define LSF_KERNEL_STATS(X) \
	X(HIT,               "hits",                  cache,    "hits",          "enqueues that found a ready verdict of the current policy generation (cache hits)") \
	X(MISS,              "misses",                cache,    "misses",        "miss records sent to the dispatcher (cache misses)") \
	X(MISS_RB_FULL,      "fallback_ringbuf_full", fallback, "ringbuf_full",  "misses that found the miss queue (ring buffer or arena ring) full: provisional verdict at once, asked again later") \
	X(MISS_BUDGET,       "fallback_budget",       fallback, "budget",        "misses of a user (uid) over its miss budget (--miss-rate): not sent, provisional verdict at once, asked again later") \
	X(FALLBACK_DEADLINE, "fallback_deadline",     fallback, "deadline",      "parked tasks (--miss wait) that waited past their deadline for a verdict: DEFAULT") \
	X(FALLBACK_NOUSER,   "fallback_no_user",      fallback, "no_user",       "misses while no dispatcher was alive: provisional verdict at once") \
	X(VERDICT,           "verdicts_received",     verdicts, "received",      "verdicts received by the BPF scheduler") \
	X(VERDICT_STALE,     "verdicts_stale",        verdicts, "stale",         "verdicts for a task that is gone or was asked again (dropped)") \
	X(VERDICT_BAD,       "verdicts_bad",          verdicts, "bad",           "verdicts with an invalid class or CPU (sanitised)") \
	X(KTHREAD,           "kthread",               events,   "kthread",       "kernel thread enqueues (never wait, never classified)") \
	X(SELF,              "self",                  events,   "self",          "enqueues of the dispatcher's own threads (never wait)") \
	X(DIRECT,            "direct",                cache,    "direct",        "tasks inserted straight into an idle CPU's local queue by select_cpu") \
	X(INS_REALTIME,      "ins_realtime",          ins,      "rt",            "inserts into the REALTIME queue (by an enqueue or a verdict)") \
	X(INS_BATCH,         "ins_batch",             ins,      "batch",         "inserts into the BATCH queue") \
	X(INS_DEFAULT,       "ins_default",           ins,      "default",       "inserts into the DEFAULT queue") \
	X(INS_CPU,           "ins_cpu",               ins,      "cpu",           "inserts into a per-CPU queue (verdicts with a target CPU)") \
	X(DISP_REALTIME,     "disp_realtime",         disp,     "rt",            "dispatches from the REALTIME queue") \
	X(DISP_BATCH,        "disp_batch",            disp,     "batch",         "dispatches from the BATCH queue") \
	X(DISP_DEFAULT,      "disp_default",          disp,     "default",       "dispatches from the DEFAULT queue") \
	X(DISP_CPU,          "disp_cpu",              disp,     "cpu",           "dispatches from a per-CPU queue") \
	X(STARVE_BOOST,      "starve_boost",          disp,     "starve_boost",  "dispatches that served a lower class first to honour the starvation bound") \
	X(EXEC,              "exec",                  events,   "exec",          "verdicts invalidated by an exec") \
	X(RENAME,            "rename",                events,   "rename",        "verdicts invalidated by a rename (PR_SET_NAME)") \
	X(CRED,              "cred",                  events,   "cred",          "verdicts invalidated because the task's real uid or gid changed without exec (setuid, setgid)") \
	X(CGROUP,            "cgroup",                events,   "cgroup",        "verdicts invalidated because the task is in another cgroup than the policy saw (moved, or a fork started in another cgroup)") \
	X(EXIT,              "exit",                  events,   "exit",          "tasks that left the scheduler (exit)") \
	X(CACHE_FULL,        "fallback_cache_full",   fallback, "cache_full",    "tasks without task-local storage: DEFAULT, uncached") \
	X(KICK,              "kicks",                 events,   "kicks",         "verdict batches applied by the kick program, plus BPF timer periods on the fast (1 ms) tick") \
	X(RT_PREEMPT,        "rt_preempt",            events,   "rt_preempt",    "CPUs running non-REALTIME work preempted for a REALTIME task") \
	X(DOORBELL,          "doorbells",             events,   "doorbells",     "arena transport: wake-ups of the sleeping dispatcher for a miss") \
	X(WAKE_PREEMPT,      "wake_preempt",          events,   "wake_preempt",  "BATCH/DEFAULT wakeups that preempted a task of their class far ahead in virtual time") \
	X(RT_DIRECT,         "rt_direct",             events,   "rt_direct",     "REALTIME wakeups put straight on the local queue of a CPU running lower-class work, preempting it") \
	X(REASK,             "reask",                 events,   "reask",         "verdicts overdue past their deadline (lost or dropped) asked for again") \
	X(STARVE_TICK,       "starve_tick",           disp,     "starve_tick",   "running tasks whose slice was cut short because a queued task hit the starvation bound") \
	X(SLICE_CUT,         "slice_cut",             disp,     "slice_cut",     "DEFAULT tasks stopped by the tick after 3 ms in one go because other tasks waited for their CPU") \
	X(HOTPLUG,           "hotplug",               events,   "hotplug",       "CPUs that went online or offline") \
	X(KICK_PUT_OFF,      "kicks_put_off",         events,   "kicks_put_off", "kicks asked for on a CPU going offline, done by the sweep from a CPU that is up (a kick's irq_work queued there may never run)") \
	X(OFFLINE_MOVE,      "offline_moves",         events,   "offline_moves", "tasks moved off the queue of a CPU that went offline") \
	X(FORK_HIT,          "fork_hits",             cache,    "fork_hits",     "new tasks that started with their parent's verdict as their own, without a miss (--fork inherit)") \
	X(FORK_PREEMPT,      "fork_preempt",          events,   "fork_preempt",  "new BATCH/DEFAULT tasks without an idle CPU that preempted a task of their class far ahead in virtual time on another CPU than their parent's") \
	X(KEEP_PREV,         "keep_prev",             disp,     "keep_prev",     "dispatches that found nothing else: the previous task went on with its own slice") \
	X(AGED_FULL,         "aged_full",             ins,      "aged_full",     "BATCH/DEFAULT inserts that found their vtime queue at its depth bound and went to the class's aged queue (oldest first)") \
	X(AGED_OVERDUE,      "aged_overdue",          disp,     "aged_overdue",  "tasks past the starvation bound that the sweep moved from a vtime queue to its class's aged queue") \
	X(CPU_RELEASE,       "cpu_release",           events,   "cpu_release",   "CPUs taken by a higher sched class (RT, deadline): the tasks on their local queue were queued again") \
	X(RELEASE_REENQ,     "release_reenqs",        events,   "release_reenqs", "local queues of CPUs a higher sched class holds, queued again by the sweep (7.3+): no ops.cpu_release came, or 7.x's ext deadline server put a task back there") \
	X(RELEASE_MOVE,      "release_moves",         events,   "release_moves", "tasks moved off the own queue of a CPU a higher sched class kept for more than a sweep period")

enum lsf_stat {
#define LSF_STAT_ENUM_(id, key, group, label, desc) LSF_ST_##id,
	LSF_KERNEL_STATS(LSF_STAT_ENUM_)
#undef LSF_STAT_ENUM_
	LSF_NR_STATS,
};

struct lsf_stats {
	__u64 v[LSF_NR_STATS];
};

/* ---- latency histograms kept by BPF, log2 ns buckets ---------------------------------------- */
#define LSF_HIST_BUCKETS 40  /* bucket i counts latencies in [2^i, 2^(i+1)) ns */

enum lsf_hist {
	LSF_HIST_ROUND_TRIP    = 0, /* a miss: BPF enqueue -> first run (parked: verdict applied and run) */
	LSF_HIST_WAKE_REALTIME = 1, /* wakeup (ops.select_cpu/enqueue) -> ops.running, REALTIME tasks */
	LSF_HIST_WAKE_BATCH    = 2, /* the same, BATCH */
	LSF_HIST_WAKE_DEFAULT  = 3, /* the same, DEFAULT (and tasks without a verdict yet) */
	LSF_HIST_DISPATCH_VERDICTS = 4, /* verdicts one ops.dispatch applied, when it applied any (a count) */
	LSF_NR_HISTS,
};

/* ---- exit info, copied from scx_exit_info in ops.exit ------------------------------------- */
#define LSF_EXIT_REASON_LEN 128
#define LSF_EXIT_MSG_LEN    1024
#define LSF_EXIT_DUMP_LEN   4096

struct lsf_exit_info {
	__s32 kind;       /* enum scx_exit_kind; 0 = still running */
	__s32 exit_cpu;   /* unused by some kernels; -1 if unknown */
	__s64 exit_code;
	char  reason[LSF_EXIT_REASON_LEN];
	char  msg[LSF_EXIT_MSG_LEN];
};

/* ---- layout checks: identical on both sides ------------------------------------------------ */
#ifdef __cplusplus
#define LSF_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define LSF_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
LSF_STATIC_ASSERT(sizeof(struct lsf_miss) == 232, "lsf_miss layout changed");
LSF_STATIC_ASSERT(__builtin_offsetof(struct lsf_miss, pid) == 152, "lsf_miss.pid moved");
LSF_STATIC_ASSERT(__builtin_offsetof(struct lsf_miss, comm) == 200, "lsf_miss.comm moved");
LSF_STATIC_ASSERT(sizeof(struct lsf_verdict) == 48, "lsf_verdict layout changed");
LSF_STATIC_ASSERT(__builtin_offsetof(struct lsf_verdict, pid) == 24, "lsf_verdict.pid moved");
LSF_STATIC_ASSERT(sizeof(struct lsf_stats) == 8 * LSF_NR_STATS, "lsf_stats must be u64 only");
LSF_STATIC_ASSERT(sizeof(struct lsf_exit_info) == 16 + LSF_EXIT_REASON_LEN + LSF_EXIT_MSG_LEN,
		  "lsf_exit_info layout changed");
LSF_STATIC_ASSERT(LSF_MAX_CPUS % 64 == 0, "cpumask words");
LSF_STATIC_ASSERT(LSF_HIST_WAKE_BATCH - LSF_HIST_WAKE_REALTIME == LSF_CLASS_BATCH - LSF_CLASS_REALTIME &&
		  LSF_HIST_WAKE_DEFAULT - LSF_HIST_WAKE_REALTIME == LSF_CLASS_DEFAULT - LSF_CLASS_REALTIME,
		  "wakeup histograms follow the classes");

#endif /* LSF_BPF_INTF_H */
