// ProcScan: builds miss records (struct lsf_miss) for running tasks from /proc, without BPF.
#pragma once

#include <string>
#include <vector>

#include "bpf/intf.h"
#include "common/cpu_list.h"
#include "common/result.h"

namespace lsf {

// Reads one thread's record from `proc_root` (normally "/proc"): comm, parent's comm, uid/gid,
// nice/prio, last CPU, allowed CPUs. Fails if the task vanished or is unreadable.
Result<lsf_miss> ReadProcTask(const std::string& proc_root, int32_t tgid, int32_t tid);

// Every thread of every process (threads = false: one record per process, its main thread).
// Tasks that vanish while scanning are skipped. Kernel threads are included and flagged
// LSF_MISS_KTHREAD.
std::vector<lsf_miss> ScanProc(const std::string& proc_root, bool threads);

}  // namespace lsf
