/* SPDX-License-Identifier: GPL-2.0-only */
/* sched_ext kfunc compatibility across kernels (6.12 LTS .. 7.x): one lsf_* wrapper per operation. */
#ifndef LSF_COMPAT_BPF_H
#define LSF_COMPAT_BPF_H

/*
 * Include after vmlinux.h and <bpf/bpf_helpers.h> (common.bpf.h does both).
 *
 * Why: 6.13 renamed the DSQ kfuncs (scx_bpf_dispatch -> scx_bpf_dsq_insert, scx_bpf_consume ->
 * scx_bpf_dsq_move_to_local, scx_bpf_dispatch[_vtime]_from_dsq[_set_*] -> scx_bpf_dsq_move[_vtime]
 * [_set_*]) and later kernels dropped the old names (7.3 has none of them); 6.19 added scx_bpf_dsq_peek. A program that calls a
 * kfunc the running kernel lacks is rejected at load ("kfunc ... is referenced but wasn't
 * resolved"). Declared __weak, an absent kfunc resolves to 0 instead, bpf_ksym_exists() tells which
 * one is there, and the verifier drops the dead branch, so one object loads on every kernel.
 *
 * Names and signatures checked against the kernel sources: 6.12.117 (kernel/sched/ext.c) has only
 * the old names; 7.3.4 (kernel/sched/ext/ext.c) the 6.13 names and the 6.19+ forms
 * scx_bpf_dsq_insert___v2 (returns whether it inserted), __scx_bpf_dsq_insert_vtime (its arguments in
 * a struct: kfuncs take at most 5) and scx_bpf_dsq_move_to_local___v2 (7.1+, enqueue flags), keeping
 * the 6.13 names for compatibility only ("will be removed"). Every declaration here carries a
 * "___lsf" flavour suffix: libbpf resolves a kfunc by the name before the last "___" (so
 * scx_bpf_dsq_insert___v2___lsf is scx_bpf_dsq_insert___v2, where a bare scx_bpf_dsq_insert___v2
 * would be looked up as scx_bpf_dsq_insert), and the suffix keeps them from clashing with whatever
 * a vmlinux.h declares.
 *
 * Each wrapper prefers the newest form the kernel has. A weak kfunc that resolves to nothing does
 * not fail the load: its wrapper becomes a no-op, and a scheduler whose inserts do nothing would
 * leave every task unqueued until the watchdog ejects it. So ops.init refuses to attach, naming the
 * kfunc, when an operation the scheduler needs has no form at all (lsf_compat_missing).
 */

/* Tests only (vm_no_insert_kfunc): a kernel with no DSQ insert kfunc of any generation, made by
 * renaming the declarations below to names no kernel has. */
#ifdef LSF_TEST_NO_INSERT_KFUNC
#define scx_bpf_dsq_insert___v2___lsf scx_bpf_dsq_insert_lsf_absent___v2___lsf
#define scx_bpf_dsq_insert___lsf      scx_bpf_dsq_insert_lsf_absent___lsf
#define scx_bpf_dispatch___lsf        scx_bpf_dispatch_lsf_absent___lsf
#endif

/* 6.12 names (7.3 no longer has them). */
void scx_bpf_dispatch___lsf(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dispatch_vtime___lsf(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				  u64 enq_flags) __ksym __weak;
bool scx_bpf_consume___lsf(u64 dsq_id) __ksym __weak;
void scx_bpf_dispatch_from_dsq_set_slice___lsf(struct bpf_iter_scx_dsq *it__iter, u64 slice) __ksym __weak;
void scx_bpf_dispatch_from_dsq_set_vtime___lsf(struct bpf_iter_scx_dsq *it__iter, u64 vtime) __ksym __weak;
bool scx_bpf_dispatch_from_dsq___lsf(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p,
				     u64 dsq_id, u64 enq_flags) __ksym __weak;
bool scx_bpf_dispatch_vtime_from_dsq___lsf(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p,
					   u64 dsq_id, u64 enq_flags) __ksym __weak;

/* 6.13+ names (kept by 6.19+ kernels for compatibility only). */
void scx_bpf_dsq_insert___lsf(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dsq_insert_vtime___lsf(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				    u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_to_local___lsf(u64 dsq_id) __ksym __weak;
void scx_bpf_dsq_move_set_slice___lsf(struct bpf_iter_scx_dsq *it__iter, u64 slice) __ksym __weak;
void scx_bpf_dsq_move_set_vtime___lsf(struct bpf_iter_scx_dsq *it__iter, u64 vtime) __ksym __weak;
bool scx_bpf_dsq_move___lsf(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id,
			    u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_vtime___lsf(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id,
				  u64 enq_flags) __ksym __weak;

/* 6.19+ forms (move_to_local___v2: 7.1+). */
bool scx_bpf_dsq_insert___v2___lsf(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
struct lsf_dsq_insert_vtime_args {  /* the kernel's struct scx_bpf_dsq_insert_vtime_args */
	u64 dsq_id;
	u64 slice;
	u64 vtime;
	u64 enq_flags;
};
bool __scx_bpf_dsq_insert_vtime___lsf(struct task_struct *p, struct lsf_dsq_insert_vtime_args *args) __ksym __weak;
bool scx_bpf_dsq_move_to_local___v2___lsf(u64 dsq_id, u64 enq_flags) __ksym __weak;

/* 6.19+; before 7.1 it could return NULL for a non-empty FIFO DSQ, so lsf_dsq_peek checks the version. */
struct task_struct *scx_bpf_dsq_peek(u64 dsq_id) __ksym __weak;
/* ops.cpu_release only; 7.x also has a ___v2 callable anywhere (returns nothing) */
u32 scx_bpf_reenqueue_local(void) __ksym __weak;
void scx_bpf_reenqueue_local___v2(void) __ksym __weak;
/* 7.3 (kernel/sched/ext/ext.c): any local or user DSQ, from anywhere; asynchronous (a remote CPU's
 * local DSQ is re-enqueued on that CPU, through an IPI) */
void scx_bpf_dsq_reenq___lsf(u64 dsq_id, u64 reenq_flags) __ksym __weak;
/* the task running on a CPU: 7.3 has scx_bpf_cpu_curr (RCU-protected), 6.12 only scx_bpf_cpu_rq */
struct task_struct *scx_bpf_cpu_curr___lsf(s32 cpu) __ksym __weak;
struct rq *scx_bpf_cpu_rq___lsf(s32 cpu) __ksym __weak;
/* present in every sched_ext kernel (6.12+) */
int bpf_iter_scx_dsq_new(struct bpf_iter_scx_dsq *it, u64 dsq_id, u64 flags) __ksym __weak;
struct task_struct *bpf_iter_scx_dsq_next(struct bpf_iter_scx_dsq *it) __ksym __weak;
void bpf_iter_scx_dsq_destroy(struct bpf_iter_scx_dsq *it) __ksym __weak;

extern int LINUX_KERNEL_VERSION __kconfig;

#define LSF_KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

/* Queue @p on @dsq_id (FIFO) with @slice ns. Callable where scx_bpf_dsq_insert is. */
static __always_inline void lsf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert___v2___lsf))
		scx_bpf_dsq_insert___v2___lsf(p, dsq_id, slice, enq_flags);
	else if (bpf_ksym_exists(scx_bpf_dsq_insert___lsf))
		scx_bpf_dsq_insert___lsf(p, dsq_id, slice, enq_flags);
	else if (bpf_ksym_exists(scx_bpf_dispatch___lsf))
		scx_bpf_dispatch___lsf(p, dsq_id, slice, enq_flags);
}

/* Queue @p on @dsq_id in @vtime order. */
static __always_inline void lsf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
						 u64 enq_flags)
{
	if (bpf_ksym_exists(__scx_bpf_dsq_insert_vtime___lsf)) {
		struct lsf_dsq_insert_vtime_args args = {
			.dsq_id = dsq_id, .slice = slice, .vtime = vtime, .enq_flags = enq_flags,
		};

		__scx_bpf_dsq_insert_vtime___lsf(p, &args);
	} else if (bpf_ksym_exists(scx_bpf_dsq_insert_vtime___lsf))
		scx_bpf_dsq_insert_vtime___lsf(p, dsq_id, slice, vtime, enq_flags);
	else if (bpf_ksym_exists(scx_bpf_dispatch_vtime___lsf))
		scx_bpf_dispatch_vtime___lsf(p, dsq_id, slice, vtime, enq_flags);
}

/* ops.dispatch only: move the first task of @dsq_id to this CPU's local DSQ; true if one moved. */
static __always_inline bool lsf_dsq_move_to_local(u64 dsq_id)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local___v2___lsf))
		return scx_bpf_dsq_move_to_local___v2___lsf(dsq_id, 0);
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local___lsf))
		return scx_bpf_dsq_move_to_local___lsf(dsq_id);
	if (bpf_ksym_exists(scx_bpf_consume___lsf))
		return scx_bpf_consume___lsf(dsq_id);
	return false;
}

/* Inside bpf_for_each(scx_dsq, ...): move @p (FIFO) to @dsq_id; true if moved. */
static __always_inline bool lsf_dsq_move(struct bpf_iter_scx_dsq *it, struct task_struct *p, u64 dsq_id,
					 u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move___lsf))
		return scx_bpf_dsq_move___lsf(it, p, dsq_id, enq_flags);
	if (bpf_ksym_exists(scx_bpf_dispatch_from_dsq___lsf))
		return scx_bpf_dispatch_from_dsq___lsf(it, p, dsq_id, enq_flags);
	return false;
}

/* Inside bpf_for_each(scx_dsq, ...): move @p to @dsq_id in vtime order; true if moved. */
static __always_inline bool lsf_dsq_move_vtime(struct bpf_iter_scx_dsq *it, struct task_struct *p,
					       u64 dsq_id, u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_vtime___lsf))
		return scx_bpf_dsq_move_vtime___lsf(it, p, dsq_id, enq_flags);
	if (bpf_ksym_exists(scx_bpf_dispatch_vtime_from_dsq___lsf))
		return scx_bpf_dispatch_vtime_from_dsq___lsf(it, p, dsq_id, enq_flags);
	return false;
}

/* Slice the next lsf_dsq_move[_vtime] on @it gives the task. */
static __always_inline void lsf_dsq_move_set_slice(struct bpf_iter_scx_dsq *it, u64 slice)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_set_slice___lsf))
		scx_bpf_dsq_move_set_slice___lsf(it, slice);
	else if (bpf_ksym_exists(scx_bpf_dispatch_from_dsq_set_slice___lsf))
		scx_bpf_dispatch_from_dsq_set_slice___lsf(it, slice);
}

/* Vtime the next lsf_dsq_move_vtime on @it gives the task. */
static __always_inline void lsf_dsq_move_set_vtime(struct bpf_iter_scx_dsq *it, u64 vtime)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_set_vtime___lsf))
		scx_bpf_dsq_move_set_vtime___lsf(it, vtime);
	else if (bpf_ksym_exists(scx_bpf_dispatch_from_dsq_set_vtime___lsf))
		scx_bpf_dispatch_from_dsq_set_vtime___lsf(it, vtime);
}

/* From ops.cpu_release: every task on this CPU's local DSQ goes through ops.enqueue again
 * (SCX_ENQ_REENQ). Returns how many did, when the kernel says (0 otherwise). */
static __always_inline u32 lsf_reenqueue_local(void)
{
	if (bpf_ksym_exists(scx_bpf_reenqueue_local))
		return scx_bpf_reenqueue_local();
	if (bpf_ksym_exists(scx_bpf_reenqueue_local___v2))
		scx_bpf_reenqueue_local___v2();
	return 0;
}

/* Every task on @cpu's local DSQ goes through ops.enqueue again (SCX_ENQ_REENQ), later, on that CPU.
 * Returns false where the kernel has no way to do that from another CPU (6.12). */
static __always_inline bool lsf_reenqueue_local_on(s32 cpu)
{
	if (!bpf_ksym_exists(scx_bpf_dsq_reenq___lsf))
		return false;
	scx_bpf_dsq_reenq___lsf(SCX_DSQ_LOCAL_ON | (u32)cpu, 0);
	return true;
}

/* Whether a task of a sched class above sched_ext (stop, deadline, RT: prio below 100) runs on @cpu
 * now. Needs an RCU read section (any non-sleepable struct_ops program is one). */
static __always_inline bool lsf_cpu_runs_higher_class(s32 cpu)
{
	struct task_struct *curr = NULL;

	if (bpf_ksym_exists(scx_bpf_cpu_curr___lsf)) {
		curr = scx_bpf_cpu_curr___lsf(cpu);
	} else if (bpf_ksym_exists(scx_bpf_cpu_rq___lsf)) {
		struct rq *rq = scx_bpf_cpu_rq___lsf(cpu);

		if (rq)
			curr = rq->curr;
	}
	return curr && curr->prio < LSF_MAX_RT_PRIO;
}

/*
 * The task at the head of @dsq_id (NULL if empty), without removing it. The returned pointer is
 * RCU-protected: read it, do not keep it. Uses scx_bpf_dsq_peek on >= 7.1 and otherwise the first
 * element of a DSQ iteration (O(1), but takes the DSQ lock).
 */
static __always_inline struct task_struct *lsf_dsq_peek(u64 dsq_id)
{
	struct task_struct *p = NULL;
	struct bpf_iter_scx_dsq it;

	if (bpf_ksym_exists(scx_bpf_dsq_peek) && LINUX_KERNEL_VERSION >= LSF_KERNEL_VERSION(7, 1, 0))
		return scx_bpf_dsq_peek(dsq_id);
	if (!bpf_iter_scx_dsq_new(&it, dsq_id, 0))
		p = bpf_iter_scx_dsq_next(&it);
	bpf_iter_scx_dsq_destroy(&it);
	return p;
}

/* bpf_ksym_exists() as a plain 0/1 value: combined with others by ||/&&, clang would otherwise merge
 * the kfunc addresses with a bitwise or, which the verifier refuses (arithmetic on a pointer). */
#define lsf_have(sym)                                                            \
	({                                                                       \
		bool have_ = bpf_ksym_exists(sym);                               \
		asm volatile("" : "+r"(have_));                                  \
		have_;                                                           \
	})

/* The operations the scheduler cannot run without, each with every name a kernel gives it: the names
 * of the first one this kernel has in no form, or NULL. ops.init refuses to attach with it. */
static __always_inline const char *lsf_compat_missing(void)
{
	if (!lsf_have(scx_bpf_dsq_insert___v2___lsf) && !lsf_have(scx_bpf_dsq_insert___lsf) &&
	    !lsf_have(scx_bpf_dispatch___lsf))
		return "scx_bpf_dsq_insert___v2, scx_bpf_dsq_insert or scx_bpf_dispatch";
	if (!lsf_have(__scx_bpf_dsq_insert_vtime___lsf) && !lsf_have(scx_bpf_dsq_insert_vtime___lsf) &&
	    !lsf_have(scx_bpf_dispatch_vtime___lsf))
		return "__scx_bpf_dsq_insert_vtime, scx_bpf_dsq_insert_vtime or scx_bpf_dispatch_vtime";
	if (!lsf_have(scx_bpf_dsq_move_to_local___v2___lsf) && !lsf_have(scx_bpf_dsq_move_to_local___lsf) &&
	    !lsf_have(scx_bpf_consume___lsf))
		return "scx_bpf_dsq_move_to_local___v2, scx_bpf_dsq_move_to_local or scx_bpf_consume";
	if (!lsf_have(scx_bpf_dsq_move_vtime___lsf) && !lsf_have(scx_bpf_dispatch_vtime_from_dsq___lsf))
		return "scx_bpf_dsq_move_vtime or scx_bpf_dispatch_vtime_from_dsq";
	if (!lsf_have(scx_bpf_dsq_move_set_vtime___lsf) && !lsf_have(scx_bpf_dispatch_from_dsq_set_vtime___lsf))
		return "scx_bpf_dsq_move_set_vtime or scx_bpf_dispatch_from_dsq_set_vtime";
	if (!lsf_have(bpf_iter_scx_dsq_new) || !lsf_have(bpf_iter_scx_dsq_next) || !lsf_have(bpf_iter_scx_dsq_destroy))
		return "bpf_iter_scx_dsq_new/next/destroy";
	return NULL;
}

/* lsf_dump_line(fmt, args...): a line of the debug dump (ops.dump*), printf-like. */
#define LSF_BSTR_PREAMBLE(fmt, args...)                                          \
	static char ___fmt[] = fmt;                                              \
	unsigned long long ___param[___bpf_narg(args)];                          \
	_Pragma("GCC diagnostic push")                                           \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                   \
	___bpf_fill(___param, args);                                             \
	_Pragma("GCC diagnostic pop")

#define lsf_dump_line(fmt, args...)                                              \
	({                                                                       \
		LSF_BSTR_PREAMBLE(fmt, args)                                     \
		scx_bpf_dump_bstr(___fmt, ___param, sizeof(___param));           \
	})

/* lsf_error(fmt, args...): fail the scheduler with a message (scx_bpf_error), printf-like. */
#define lsf_error(fmt, args...)                                                  \
	({                                                                       \
		LSF_BSTR_PREAMBLE(fmt, args)                                     \
		scx_bpf_error_bstr(___fmt, ___param, sizeof(___param));          \
	})

#endif /* LSF_COMPAT_BPF_H */
