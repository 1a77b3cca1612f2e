// SPDX-License-Identifier: GPL-2.0-only
/* Smoke-test scheduler: one global FIFO; with `broken` set it never dispatches (watchdog test). */
#include "common.bpf.h"
#include "compat.bpf.h"  /* loads on 6.12 LTS (old kfunc names) and 6.13+ alike */

char _license[] SEC("license") = "GPL";

#define SMOKE_DSQ 100

const volatile bool broken;      /* set before load: never move queued tasks to a CPU */
struct lsf_exit_info exit_info;  /* written once in ops.exit */
__u64 nr_enqueued, nr_dispatched, nr_direct, nr_hotplug;

SEC("struct_ops/smoke_select_cpu")
s32 BPF_PROG(smoke_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);

	if (is_idle && !broken) {
		lsf_dsq_insert(p, SCX_DSQ_LOCAL, LSF_SLICE_DFL_NS, 0);
		__sync_fetch_and_add(&nr_direct, 1);
	}
	return cpu;
}

SEC("struct_ops/smoke_enqueue")
void BPF_PROG(smoke_enqueue, struct task_struct *p, u64 enq_flags)
{
	__sync_fetch_and_add(&nr_enqueued, 1);
	lsf_dsq_insert(p, SMOKE_DSQ, LSF_SLICE_DFL_NS, enq_flags);
}

SEC("struct_ops/smoke_dispatch")
void BPF_PROG(smoke_dispatch, s32 cpu, struct task_struct *prev)
{
	if (broken)
		return;
	if (lsf_dsq_move_to_local(SMOKE_DSQ))
		__sync_fetch_and_add(&nr_dispatched, 1);
}

/* CPU hotplug callbacks that do nothing but count: with them the kernel keeps the scheduler loaded
 * across hotplug (without, it unloads it), so the smoke scheduler is a control for hotplug tests. */
SEC("struct_ops/smoke_cpu_online")
void BPF_PROG(smoke_cpu_online, s32 cpu)
{
	__sync_fetch_and_add(&nr_hotplug, 1);
}

SEC("struct_ops/smoke_cpu_offline")
void BPF_PROG(smoke_cpu_offline, s32 cpu)
{
	__sync_fetch_and_add(&nr_hotplug, 1);
}

SEC("struct_ops.s/smoke_init")
s32 BPF_PROG(smoke_init)
{
	return scx_bpf_create_dsq(SMOKE_DSQ, -1);
}

SEC("struct_ops/smoke_exit")
void BPF_PROG(smoke_exit, struct scx_exit_info *ei)
{
	lsf_record_exit(&exit_info, ei);
}

SEC(".struct_ops.link")
struct sched_ext_ops smoke_ops = {
	.select_cpu = (void *)smoke_select_cpu,
	.enqueue    = (void *)smoke_enqueue,
	.dispatch   = (void *)smoke_dispatch,
	.cpu_online = (void *)smoke_cpu_online,
	.cpu_offline = (void *)smoke_cpu_offline,
	.init       = (void *)smoke_init,
	.exit       = (void *)smoke_exit,
	.timeout_ms = LSF_WATCHDOG_MS,
	.name       = "lsf_smoke",
};
