/* SPDX-License-Identifier: GPL-2.0-only */
/* The verdict state machine of one task, compiled by the BPF scheduler and by the sim tier's fake kernel. */
#ifndef LSF_BPF_VERDICT_H
#define LSF_BPF_VERDICT_H

/*
 * Every task has one struct lsf_vstate (BPF task-local storage; a map keyed by task in the fake
 * kernel). Its life:
 *
 *        enqueue: no verdict / new generation / exec / rename      verdict with this seq
 *   NONE ------------------------------------------------> PENDING ----------------------> READY
 *     ^    (miss record sent; the task runs at once by its       |                         |
 *     |     provisional verdict, or, with --miss wait, is         | deadline passed:        |
 *     |     parked until the verdict or the deadline)             | DEFAULT now, miss sent  |
 *     |                                                           v again, no more waiting  |
 *     +------------------- exec / rename / new generation -------------------------------------+
 *
 * Provisional verdict (what a task runs by while its miss is in flight): a forked task, its
 * parent's verdict (same program, same comm: the policy almost always agrees); a renamed task, its
 * own previous verdict (same program); anything else, and after a policy reload, DEFAULT. The
 * policy's verdict applies from the task's next enqueue. A provisional verdict never targets a CPU
 * (a fork burst of a task pinned to one CPU spreads), and becomes DEFAULT when the policy that made
 * it is replaced. Trade-off: a fork of a REALTIME task runs as REALTIME for one round trip even if
 * the policy then says otherwise; an exec'd program is queued as DEFAULT until its verdict (it
 * finishes the slice it was running when it exec'd under the old class).
 *
 * Forks without a miss (--fork inherit): a verdict whose decision read only what a fork shares with
 * its parent (comm, uid, gid, nice, cgroup, allowed CPUs) and named no target CPU is marked `forks`;
 * the forks of such a task start READY with it, as the policy would have decided for them, and
 * send no miss, if they have the parent's comm and fingerprint (lsf_vs_inherit). Trade-off: a
 * policy that keeps state of its own (counting tasks, say) does not see those forks; --fork ask
 * sends every fork's miss.
 *
 * Who the verdict is for: the policy decided from what the miss record said, among it the task's
 * real uid and gid and its cgroup (struct lsf_ident, kept with the verdict). A task whose uid or gid
 * changed without exec (setuid) or that is in another cgroup now (moved, or a fork started straight
 * into another cgroup, clone3 CLONE_INTO_CGROUP) is not what the policy saw: lsf_vs_check_ident,
 * run before each use of the verdict (ops.select_cpu, ops.enqueue), invalidates it as an exec does
 * (DEFAULT meanwhile, the policy asked again). Checked where the verdict is used rather than where
 * the identity changes: ops.cgroup_move only sees moves of the cpu controller's cgroup, and a new
 * task's cgroup is only final after ops.init_task, before its first enqueue. Cost on a hit: three
 * loads of task fields (real_cred, cgroups) and three more through them, no helper call.
 *
 * Identity: a verdict names the task by pid AND by the seq of the miss it answers. seq is unique
 * for the life of the scheduler (a global counter), and the state lives with the task itself, so
 * a verdict can never apply to a later task that reuses the pid, nor to an older miss of the same
 * task: both have another seq.
 *
 * Pure functions of (state, inputs): no kernel calls, so the same code runs natively in tests.
 */
#include "intf.h"

/* Always inlined: BPF calls take at most 5 arguments, and lsf_vs_begin_miss has 7. */
#define LSF_VS_FN static inline __attribute__((always_inline))
/* READY is published across CPUs: lsf_vs_apply runs where the verdict is applied while
 * lsf_vs_inherit reads the parent's state on the CPU where it forks. The verdict's fields are stored
 * before READY and read after it, so READY is stored with release and loaded with acquire order. BPF:
 * atomic exchange and fetch-and-add are fully ordered on every JIT (a compiler barrier alone is
 * enough on x86 only); native (the sim tier, tests/unit/verdict_order_test.cc under TSan): C11
 * atomics. Everything else in a task's state is read and written by one CPU at a time (its rq lock). */
#ifdef __bpf__
#define LSF_VS_STORE_RELEASE(p, v) ((void)__sync_lock_test_and_set((p), (v)))
#define LSF_VS_LOAD_ACQUIRE(p) __sync_fetch_and_add((__u32 *)(p), 0)
#else
#define LSF_VS_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define LSF_VS_LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#endif

enum lsf_vstate_state {
	LSF_VS_NONE    = 0, /* never asked, or invalidated */
	LSF_VS_PENDING = 1, /* miss sent, no verdict yet */
	LSF_VS_READY   = 2, /* verdict cached */
};

/* What identifies a task to the policy, besides its comm: taken at the miss, checked at each use. */
struct lsf_ident {
	__u32 uid;        /* real uid, init namespace */
	__u32 gid;        /* real gid */
	__u64 cgroup_id;  /* default-hierarchy cgroup (lsf_miss.cgroup_id) */
};

struct lsf_vstate {
	__u64 seq;         /* seq of the miss in flight / answered */
	__u64 enq_ns;      /* enqueue that missed; round trip recorded at first run, then 0 */
	__u64 deadline_ns; /* PENDING: when waiting stops (DEFAULT, asked again) */
	__u64 slice_ns;    /* READY: clamped slice */
	__s32 cpu;         /* READY: target CPU or LSF_CPU_ANY */
	__u32 cls;         /* READY: enum lsf_class (REALTIME..DEFAULT) */
	__u32 policy_gen;  /* READY: generation of the policy that decided */
	__u32 state;       /* enum lsf_vstate_state */
	__u32 flags;       /* lsf_miss_flags to report with the next miss (EXEC/RENAME) */
	__u32 stale;       /* exec/rename while PENDING: apply the verdict once, then ask again */
	__u32 nowait;      /* PENDING without parking: the task runs by cls/slice_ns/cpu meanwhile */
	__u32 inherited;   /* NONE: cls/slice_ns/cpu/policy_gen hold a provisional verdict (fork, rename) */
	__u32 forks;       /* READY: a fork starts READY with this verdict, no miss (LSF_VERDICT_FORKS) */
	__u32 fp;          /* PENDING/READY: lsf_vs_fingerprint of the task when its miss was sent */
	struct lsf_ident ident; /* PENDING/READY, or NONE with a provisional verdict: who it was for */
};

/* What ops.enqueue does with a task, from its state. */
enum lsf_vs_action {
	LSF_VS_HIT = 0,     /* insert by the cached verdict */
	LSF_VS_WAIT,        /* --miss wait: park until the verdict or the deadline */
	LSF_VS_ASK,         /* send a miss, then run by the provisional verdict (--miss wait: park) */
	LSF_VS_REASK,       /* the verdict is overdue (lost or dropped): DEFAULT now, send a miss again */
	LSF_VS_RUN_PROVISIONAL, /* a miss is in flight, the task does not wait: run by cls/slice/cpu */
};

/* What applying a verdict did. */
enum lsf_vs_applied {
	LSF_VS_APPLIED = 0, /* cached as sent */
	LSF_VS_STALE,       /* not for this task's miss in flight: dropped */
	LSF_VS_BAD,         /* invalid class or CPU: cached as DEFAULT on any CPU */
};

/* What a parked task does when its queue is scanned. */
enum lsf_vs_release {
	LSF_VS_KEEP = 0,    /* still waiting */
	LSF_VS_RELEASE,     /* verdict arrived: insert by it */
	LSF_VS_TIMEOUT,     /* deadline passed (or the state was reset): DEFAULT */
};

LSF_VS_FN int lsf_vs_is_hit(const struct lsf_vstate *s, __u32 gen)
{
	return s->state == LSF_VS_READY && !s->stale && s->policy_gen == gen;
}

LSF_VS_FN int lsf_vs_on_enqueue(const struct lsf_vstate *s, __u32 gen, __u64 now)
{
	if (lsf_vs_is_hit(s, gen))
		return LSF_VS_HIT;
	if (s->state != LSF_VS_PENDING || s->stale)
		return LSF_VS_ASK;
	if (now < s->deadline_ns)
		return s->nowait ? LSF_VS_RUN_PROVISIONAL : LSF_VS_WAIT;
	return LSF_VS_REASK;
}

/* What a fork shares with its parent and the policy may have read, besides the comm: uid, gid,
 * static priority (nice), the allowed CPUs (their count and first 64). Taken when a miss is sent
 * and for a new task, so a fork whose own differ (setuid, nice or affinity changed since the
 * parent's miss, SCHED_RESET_ON_FORK) is asked for. The cgroup is not in it (a new task joins its
 * cgroup after ops.init_task): lsf_vs_check_ident compares it at the fork's first enqueue. */
LSF_VS_FN __u32 lsf_vs_fingerprint(__u32 uid, __u32 gid, __s32 prio, __u32 nr_cpus_allowed, __u64 mask0)
{
	__u64 h = 0x9E3779B97F4A7C15ULL;

	h = (h ^ uid) * 0x100000001B3ULL;
	h = (h ^ gid) * 0x100000001B3ULL;
	h = (h ^ (__u32)prio) * 0x100000001B3ULL;
	h = (h ^ nr_cpus_allowed) * 0x100000001B3ULL;
	h = (h ^ mask0) * 0x100000001B3ULL;
	return (__u32)(h ^ (h >> 32));
}

/* A forked task's state starts from its parent's, if the parent's verdict is current. A verdict
 * marked `forks` (the policy's decision could not tell a fork from its parent) becomes the child's
 * own, READY, a hit from its first enqueue with no miss, when the child is what the policy saw:
 * same comm (same_comm: a kernel-named user worker, e.g. vhost-PID, is not) and the same
 * fingerprint (child_fp). Any other becomes the child's provisional verdict, and the child misses
 * at its first enqueue. Returns 1 for a READY child. The parent is the current task, so only a
 * verdict applied on another CPU can change its state meanwhile: READY is read first, and
 * lsf_vs_apply stores it last. */
LSF_VS_FN int lsf_vs_inherit(struct lsf_vstate *child, const struct lsf_vstate *parent, __u32 gen, __u32 child_fp,
			     int same_comm)
{
	__u32 state = LSF_VS_LOAD_ACQUIRE(&parent->state);

	if (state != LSF_VS_READY || parent->stale || parent->policy_gen != gen)
		return 0;
	child->cls = parent->cls;
	child->slice_ns = parent->slice_ns;
	child->ident = parent->ident;  /* checked at the child's first enqueue, in its final cgroup */
	child->cpu = LSF_CPU_ANY;  /* a fork burst must not pile up on the parent's target CPU */
	child->policy_gen = parent->policy_gen;
	if (parent->forks && parent->cpu == LSF_CPU_ANY && same_comm && child_fp == parent->fp) {
		child->fp = child_fp;
		child->forks = 1;
		child->state = LSF_VS_READY;  /* not visible to any other CPU yet */
		return 1;
	}
	child->inherited = 1;
	return 0;
}

/* A miss with `seq` is being sent: the task waits for it until now + wait_ns, parked unless
 * nowait; meanwhile it runs by its provisional verdict (see the top), which this sets up.
 * Returns the lsf_miss_flags for the record. */
LSF_VS_FN __u32 lsf_vs_begin_miss(struct lsf_vstate *s, __u64 seq, __u64 now, __u64 wait_ns,
				      __u32 nowait, __u32 gen, __u64 default_slice_ns)
{
	__u32 flags = s->flags;

	if (s->state == LSF_VS_READY && s->policy_gen != gen)
		flags |= LSF_MISS_REGEN;
	s->seq = seq;
	s->enq_ns = now;
	s->deadline_ns = now + wait_ns;
	if (!s->inherited || s->policy_gen != gen) {
		s->slice_ns = default_slice_ns;
		s->cpu = LSF_CPU_ANY;
		s->cls = LSF_CLASS_DEFAULT;
		s->policy_gen = gen;  /* PENDING: the generation the provisional verdict is good for */
	}
	s->cpu = LSF_CPU_ANY;
	s->inherited = 0;
	s->forks = 0;
	s->state = LSF_VS_PENDING;
	s->stale = 0;
	s->nowait = nowait;
	return flags;
}

LSF_VS_FN __u64 lsf_vs_clamp_slice(__u64 slice_ns, __u64 default_slice_ns)
{
	if (!slice_ns)
		slice_ns = default_slice_ns;
	if (slice_ns < LSF_SLICE_MIN_NS)
		slice_ns = LSF_SLICE_MIN_NS;
	if (slice_ns > LSF_SLICE_MAX_NS)
		slice_ns = LSF_SLICE_MAX_NS;
	return slice_ns;
}

/* Applies verdict v (already matched to this task by pid) if it answers the miss in flight. The
 * target CPU is checked against the possible CPUs here; online and allowed at each insert. */
LSF_VS_FN int lsf_vs_apply(struct lsf_vstate *s, const struct lsf_verdict *v, __u32 nr_cpus,
			       __u64 default_slice_ns)
{
	int ret = LSF_VS_APPLIED;
	__u32 cls = v->dsq;
	__s32 cpu = v->cpu;

	if (s->state != LSF_VS_PENDING || s->seq != v->seq)
		return LSF_VS_STALE;
	if (cls < LSF_CLASS_REALTIME || cls > LSF_CLASS_DEFAULT ||
	    (cpu != LSF_CPU_ANY && (cpu < 0 || (__u32)cpu >= nr_cpus))) {
		ret = LSF_VS_BAD;
		cls = LSF_CLASS_DEFAULT;
		cpu = LSF_CPU_ANY;
	}
	s->cls = cls;
	s->cpu = cpu;
	s->forks = (v->flags & LSF_VERDICT_FORKS) && cpu == LSF_CPU_ANY;
	s->slice_ns = lsf_vs_clamp_slice(v->slice_ns, default_slice_ns);
	s->policy_gen = v->policy_gen;
	s->flags = 0;
	s->nowait = 0;
	LSF_VS_STORE_RELEASE(&s->state, LSF_VS_READY);  /* last: lsf_vs_inherit reads it first, elsewhere */
	return ret;
}

/* A parked task is looked at: leave it, release it by its verdict, or release it as DEFAULT. */
LSF_VS_FN int lsf_vs_release(struct lsf_vstate *s, __u64 now)
{
	if (s->state == LSF_VS_READY) {
		if (s->stale) {  /* exec/rename while waiting: this verdict once, then ask again */
			s->state = LSF_VS_NONE;
			s->stale = 0;
		}
		return LSF_VS_RELEASE;
	}
	if (s->state == LSF_VS_PENDING && now < s->deadline_ns)
		return LSF_VS_KEEP;
	return LSF_VS_TIMEOUT;
}

/* RUN_PROVISIONAL: the provisional verdict in s, made DEFAULT if the policy was replaced since. */
LSF_VS_FN void lsf_vs_provisional(struct lsf_vstate *s, __u32 gen, __u64 default_slice_ns)
{
	if (s->policy_gen == gen)
		return;
	s->cls = LSF_CLASS_DEFAULT;
	s->slice_ns = default_slice_ns;
	s->cpu = LSF_CPU_ANY;
	s->policy_gen = gen;
}

/* The task is queued by cls/slice_ns/cpu of its state: a hit, or a provisional verdict. */
LSF_VS_FN int lsf_vs_runs_by_state(const struct lsf_vstate *s, __u32 gen)
{
	return lsf_vs_is_hit(s, gen) ||
	       (s->state == LSF_VS_PENDING && s->nowait && s->policy_gen == gen);
}

/* exec, rename, or another identity (why: LSF_MISS_EXEC / RENAME / CRED / CGROUP): the cached
 * verdict no longer applies. A renamed task keeps what it runs by (its verdict, or its provisional
 * one while a miss is in flight) as its provisional verdict; any other starts from DEFAULT. */
LSF_VS_FN void lsf_vs_invalidate(struct lsf_vstate *s, __u32 why)
{
	s->flags |= why;
	s->forks = 0;
	if (why & (LSF_MISS_EXEC | LSF_MISS_CRED | LSF_MISS_CGROUP))
		s->inherited = 0;
	else if (s->state != LSF_VS_NONE)
		s->inherited = 1;
	if (s->state == LSF_VS_PENDING)
		s->stale = 1;  /* the verdict in flight still releases the parked task, once */
	else
		s->state = LSF_VS_NONE;
}

/* Before a verdict (cached, in flight, or provisional from a parent) is used: if the task is no
 * longer who it was for (cur), invalidate it. Returns the LSF_MISS_CRED / LSF_MISS_CGROUP bits
 * found (0: unchanged, or nothing to check). */
LSF_VS_FN __u32 lsf_vs_check_ident(struct lsf_vstate *s, const struct lsf_ident *cur)
{
	__u32 why = 0;

	if (s->state == LSF_VS_NONE && !s->inherited)
		return 0;
	if (s->ident.uid != cur->uid || s->ident.gid != cur->gid)
		why |= LSF_MISS_CRED;
	if (s->ident.cgroup_id != cur->cgroup_id)
		why |= LSF_MISS_CGROUP;
	if (why) {
		lsf_vs_invalidate(s, why);
		s->ident = *cur;  /* the next miss is for this identity; don't count it again meanwhile */
	}
	return why;
}

LSF_STATIC_ASSERT(sizeof(struct lsf_vstate) == 88, "lsf_vstate layout changed");

#endif /* LSF_BPF_VERDICT_H */
