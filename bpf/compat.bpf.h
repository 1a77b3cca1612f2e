/* Kernel-version compatibility for the BPF schedulers: sched_ext kfuncs probed at load, not assumed. */
#ifndef LSF_COMPAT_BPF_H
#define LSF_COMPAT_BPF_H

/*
 * One object loads on Linux 6.12 LTS and on the newest kernels. Every kfunc is declared __weak
 * (vmlinux.h does so for the names the build kernel has; the older names are declared here), so a
 * kfunc the running kernel lacks resolves to 0 instead of failing the load, and bpf_ksym_exists()
 * lets the verifier drop the branch that calls it. The wrappers below pick the kernel's name:
 *
 *   this project calls      6.13 and later              6.12
 *   lsf_dsq_insert          scx_bpf_dsq_insert          scx_bpf_dispatch
 *   lsf_dsq_insert_vtime    scx_bpf_dsq_insert_vtime    scx_bpf_dispatch_vtime
 *   lsf_dsq_move_to_local   scx_bpf_dsq_move_to_local   scx_bpf_consume
 *   lsf_dsq_move[_vtime]    scx_bpf_dsq_move[_vtime]    scx_bpf_dispatch[_vtime]_from_dsq
 *   lsf_dsq_move_set_*      scx_bpf_dsq_move_set_*      scx_bpf_dispatch_from_dsq_set_*
 *   lsf_dsq_peek            scx_bpf_dsq_peek (6.19+)    first element of a DSQ iteration
 *
 * A kernel with neither name cannot run this scheduler; userspace names the missing feature from
 * the load error (bpf/scx_host.cc, KernelFeatureHint).
 */
#include <bpf/bpf_helpers.h>

/* 6.12 names (renamed in 6.13; the old names were removed later) */
extern void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __weak __ksym;
extern void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				   u64 enq_flags) __weak __ksym;
extern bool scx_bpf_consume(u64 dsq_id) __weak __ksym;
extern void scx_bpf_dispatch_from_dsq_set_slice(struct bpf_iter_scx_dsq *it__iter, u64 slice) __weak __ksym;
extern void scx_bpf_dispatch_from_dsq_set_vtime(struct bpf_iter_scx_dsq *it__iter, u64 vtime) __weak __ksym;
extern bool scx_bpf_dispatch_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id,
				      u64 enq_flags) __weak __ksym;
extern bool scx_bpf_dispatch_vtime_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p,
					    u64 dsq_id, u64 enq_flags) __weak __ksym;

static __always_inline void lsf_dsq_insert(struct task_struct *p, u64 dsq, u64 slice, u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert))
		scx_bpf_dsq_insert(p, dsq, slice, enq_flags);
	else
		scx_bpf_dispatch(p, dsq, slice, enq_flags);
}

static __always_inline void lsf_dsq_insert_vtime(struct task_struct *p, u64 dsq, u64 slice, u64 vtime,
						 u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert_vtime))
		scx_bpf_dsq_insert_vtime(p, dsq, slice, vtime, enq_flags);
	else
		scx_bpf_dispatch_vtime(p, dsq, slice, vtime, enq_flags);
}

static __always_inline bool lsf_dsq_move_to_local(u64 dsq)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local))
		return scx_bpf_dsq_move_to_local(dsq);
	return scx_bpf_consume(dsq);
}

static __always_inline void lsf_dsq_move_set_slice(struct bpf_iter_scx_dsq *it, u64 slice)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_set_slice))
		scx_bpf_dsq_move_set_slice(it, slice);
	else
		scx_bpf_dispatch_from_dsq_set_slice(it, slice);
}

static __always_inline void lsf_dsq_move_set_vtime(struct bpf_iter_scx_dsq *it, u64 vtime)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_set_vtime))
		scx_bpf_dsq_move_set_vtime(it, vtime);
	else
		scx_bpf_dispatch_from_dsq_set_vtime(it, vtime);
}

static __always_inline bool lsf_dsq_move(struct bpf_iter_scx_dsq *it, struct task_struct *p, u64 dsq,
					 u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move))
		return scx_bpf_dsq_move(it, p, dsq, enq_flags);
	return scx_bpf_dispatch_from_dsq(it, p, dsq, enq_flags);
}

static __always_inline bool lsf_dsq_move_vtime(struct bpf_iter_scx_dsq *it, struct task_struct *p, u64 dsq,
					       u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_vtime))
		return scx_bpf_dsq_move_vtime(it, p, dsq, enq_flags);
	return scx_bpf_dispatch_vtime_from_dsq(it, p, dsq, enq_flags);
}

/*
 * The first task of a DSQ (its next to run), without removing it; NULL if empty. 6.19+ has a
 * kfunc for it; before, one step of a DSQ iteration. Only fields of the result may be read, and
 * only while the caller holds no reference: the task can leave the DSQ at any moment.
 */
static __always_inline struct task_struct *lsf_dsq_peek(u64 dsq)
{
	struct task_struct *p = NULL, *it_p;

	if (bpf_ksym_exists(scx_bpf_dsq_peek))
		return scx_bpf_dsq_peek(dsq);
	bpf_for_each(scx_dsq, it_p, dsq, 0) {
		p = it_p;
		break;
	}
	return p;
}

/* lsf_dump_line(fmt, args...): a line of the debug dump (ops.dump*), printf-like. */
#define LSF_BSTR_PREAMBLE(fmt, args...)                                          \
	static char ___fmt[] = fmt;                                              \
	unsigned long long ___param[___bpf_narg(args)];                          \
	_Pragma("GCC diagnostic push")                                           \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                   \
	___bpf_fill(___param, args);                                             \
	_Pragma("GCC diagnostic pop")

#define lsf_dump_line(fmt, args...)                                                   \
	({                                                                       \
		LSF_BSTR_PREAMBLE(fmt, args)                                     \
		scx_bpf_dump_bstr(___fmt, ___param, sizeof(___param));           \
	})

#endif /* LSF_COMPAT_BPF_H */
