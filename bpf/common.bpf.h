/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared includes and helpers for the project's BPF programs (BPF side only). */
#ifndef LSF_COMMON_BPF_H
#define LSF_COMMON_BPF_H

/* errno values (vmlinux.h has no macros) */
#define ENOENT     2
#define E2BIG      7
#define ENOMEM     12
#define EOPNOTSUPP 95

/* the kernel's MAX_RT_PRIO: a task whose prio is below it runs in the stop, deadline or RT class */
#define LSF_MAX_RT_PRIO 100

#include "vmlinux.h"   /* generated from the test kernel's BTF; carries the sched_ext kfunc prototypes */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "intf.h"

/* Copy the kernel's exit info into a map-visible record for userspace to print. */
static __always_inline void lsf_record_exit(struct lsf_exit_info *dst, struct scx_exit_info *ei)
{
	dst->exit_code = ei->exit_code;
	dst->exit_cpu = -1;
	bpf_probe_read_kernel_str(dst->reason, sizeof(dst->reason), ei->reason);
	bpf_probe_read_kernel_str(dst->msg, sizeof(dst->msg), ei->msg);
	/* kind last: userspace treats kind != 0 as "exit info complete". A compiler barrier is enough:
	 * BPF has no release store before cpu v4 and the supported targets (x86) keep stores in order. */
	asm volatile("" ::: "memory");
	*(volatile __s32 *)&dst->kind = ei->kind;
}

#endif /* LSF_COMMON_BPF_H */
