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
#define LSF_MAX_CPUS       256   /* CPUs the scheduler supports (per-CPU DSQs, cpumask words) */
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

/* ---- kernel -> user: a cache miss (BPF ringbuf `misses`) ---------------------------------- */
enum lsf_miss_flags {
	LSF_MISS_KTHREAD = 1u << 0, /* informational: kthreads never wait for a verdict */
	LSF_MISS_EXEC    = 1u << 1, /* the task exec'ed since its last verdict */
	LSF_MISS_RENAME  = 1u << 2, /* the task renamed itself (prctl PR_SET_NAME) */
	LSF_MISS_REGEN   = 1u << 3, /* re-classification after a policy generation bump */
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

/* ---- user -> kernel: a verdict (BPF user ringbuf `verdicts`) ------------------------------ */
struct lsf_verdict {
	__u64 seq;        /* lsf_miss.seq it answers: with pid, the task's identity (bpf/verdict.h) */
	__u64 slice_ns;   /* time slice, ns; 0 = LSF_SLICE_DFL_NS; clamped to [MIN, MAX] in BPF */
	__u64 miss_enq_ns;/* lsf_miss.enq_ns, echoed for round-trip measurements */
	__s32 pid;        /* lsf_miss.pid */
	__s32 cpu;        /* target CPU or LSF_CPU_ANY */
	__u32 dsq;        /* enum lsf_class */
	__u32 policy_gen; /* generation of the policy that decided */
};

/* ---- BPF-side per-task state: struct lsf_vstate in bpf/verdict.h (task-local storage) ------- */

/* ---- counters: per-CPU array map `stats`, one struct per CPU, summed by userspace ---------- */
enum lsf_stat {
	LSF_ST_HIT = 0,         /* enqueue found a READY verdict of the current generation */
	LSF_ST_MISS,            /* a miss record was sent */
	LSF_ST_MISS_RB_FULL,    /* miss queue (ringbuf or arena ring) full: DEFAULT at once */
	LSF_ST_FALLBACK_DEADLINE, /* parked task waited past its deadline: DEFAULT */
	LSF_ST_FALLBACK_NOUSER, /* no dispatcher attached: DEFAULT at once */
	LSF_ST_VERDICT,         /* verdicts received */
	LSF_ST_VERDICT_STALE,   /* verdicts for a task that is gone or was re-missed */
	LSF_ST_VERDICT_BAD,     /* verdicts with an invalid class or CPU (sanitised) */
	LSF_ST_KTHREAD,         /* kthread enqueues (never wait, never classified) */
	LSF_ST_SELF,            /* the dispatcher's own threads (never wait) */
	LSF_ST_DIRECT,          /* select_cpu found an idle CPU: inserted straight into its local DSQ */
	LSF_ST_INS_REALTIME,    /* DSQ inserts per class (by enqueue or by a verdict) */
	LSF_ST_INS_BATCH,
	LSF_ST_INS_DEFAULT,
	LSF_ST_INS_CPU,         /* inserts into a per-CPU DSQ (targeted verdict) */
	LSF_ST_DISP_REALTIME,   /* dispatches per DSQ */
	LSF_ST_DISP_BATCH,
	LSF_ST_DISP_DEFAULT,
	LSF_ST_DISP_CPU,
	LSF_ST_STARVE_BOOST,    /* a lower class was served first to honour the starvation bound */
	LSF_ST_EXEC,            /* exec invalidations */
	LSF_ST_RENAME,          /* rename invalidations */
	LSF_ST_EXIT,            /* tasks that left the scheduler (exit) */
	LSF_ST_CACHE_FULL,      /* no task-local storage for the task: DEFAULT uncached */
	LSF_ST_KICK,            /* CPUs kicked for verdicts or pending work */
	LSF_ST_RT_PREEMPT,      /* a CPU running non-REALTIME work preempted for a REALTIME task */
	LSF_ST_DOORBELL,        /* arena transport: the sleeping dispatcher was woken for a miss */
	LSF_ST_WAKE_PREEMPT,    /* a BATCH/DEFAULT wakeup preempted a task of its class far ahead in vtime */
	LSF_ST_REASK,           /* a verdict overdue past its deadline (lost or dropped) was asked for again */
	LSF_ST_STARVE_TICK,     /* a running task's slice was cut short because a queued task hit the bound */
	LSF_ST_HOTPLUG,         /* CPUs that went online or offline */
	LSF_ST_OFFLINE_MOVE,    /* tasks moved off the queue of a CPU that went offline */
	LSF_ST_KEEP_PREV,       /* dispatch found nothing else: the previous task went on with its own slice */
	LSF_NR_STATS,
};

struct lsf_stats {
	__u64 v[LSF_NR_STATS];
};

/* ---- round trip of a miss: BPF enqueue -> verdict applied to the parked task ---------------- */
#define LSF_RTT_BUCKETS 40  /* bucket i counts round trips in [2^i, 2^(i+1)) ns */

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
LSF_STATIC_ASSERT(sizeof(struct lsf_miss) == 136, "lsf_miss layout changed");
LSF_STATIC_ASSERT(__builtin_offsetof(struct lsf_miss, pid) == 56, "lsf_miss.pid moved");
LSF_STATIC_ASSERT(__builtin_offsetof(struct lsf_miss, comm) == 104, "lsf_miss.comm moved");
LSF_STATIC_ASSERT(sizeof(struct lsf_verdict) == 40, "lsf_verdict layout changed");
LSF_STATIC_ASSERT(__builtin_offsetof(struct lsf_verdict, pid) == 24, "lsf_verdict.pid moved");
LSF_STATIC_ASSERT(sizeof(struct lsf_stats) == 8 * LSF_NR_STATS, "lsf_stats must be u64 only");
LSF_STATIC_ASSERT(sizeof(struct lsf_exit_info) == 16 + LSF_EXIT_REASON_LEN + LSF_EXIT_MSG_LEN,
		  "lsf_exit_info layout changed");
LSF_STATIC_ASSERT(LSF_MAX_CPUS % 64 == 0, "cpumask words");

#endif /* LSF_BPF_INTF_H */
