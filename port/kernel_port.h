// KernelPort: the one interface between the dispatcher and the kernel (real BPF or a test fake).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bpf/intf.h"

namespace lsf {

// Sum of the BPF scheduler's per-CPU counters (enum lsf_stat).
struct KernelStats {
  uint64_t v[LSF_NR_STATS] = {};
  uint64_t operator[](lsf_stat s) const { return v[s]; }
};

// Threading: a KernelPort is owned by the dispatcher thread; every method is called from that
// thread only, except Stop(), which may be called from any thread or a signal handler.
class KernelPort {
 public:
  virtual ~KernelPort() = default;

  // Delivers pending miss records to `on_miss` in arrival order, in one pass. Waits up to
  // `timeout_ms` (0: don't wait; -1: forever) when none is pending. Returns the number delivered,
  // or -1 if the wait was interrupted (a signal): not an error.
  virtual int PollMisses(int timeout_ms, const std::function<void(const lsf_miss&)>& on_miss) = 0;

  // Queues a verdict. Returns false if the verdict queue is full: the task then falls back to
  // DEFAULT at its deadline in BPF; the caller counts it. Never blocks.
  virtual bool SendVerdict(const lsf_verdict& v) = 0;

  // Makes queued verdicts visible to the kernel side and nudges it to apply them.
  virtual void FlushVerdicts() = 0;

  // Tells BPF that the dispatcher is alive (CLOCK_MONOTONIC ns). Without a recent heartbeat BPF
  // stops parking tasks for verdicts.
  virtual void Heartbeat(uint64_t now_ns) = 0;

  // Publishes a new policy generation: cached verdicts of older generations become misses.
  virtual void SetPolicyGeneration(uint32_t gen) = 0;

  virtual KernelStats ReadStats() const = 0;

  // The same counters per possible CPU (index = CPU), for `luasched-fast top` and the metrics
  // file; empty if the port cannot tell.
  virtual std::vector<KernelStats> ReadStatsPerCpu() const { return {}; }

  // Latency histogram h (enum lsf_hist in bpf/intf.h: miss round trips, wakeup -> running per
  // class), log2 ns buckets (LSF_HIST_BUCKETS). A port that cannot measure it leaves zeros.
  virtual void ReadHistogram(lsf_hist h, uint64_t (&buckets)[LSF_HIST_BUCKETS]) const = 0;

  // CPUs that are idle right now (bit per CPU). A port that cannot tell reports all as busy.
  virtual void ReadIdleCpus(__u64 (&mask)[LSF_CPU_WORDS]) const = 0;

  // Set once the kernel has unloaded the scheduler (error or unregister).
  virtual std::optional<lsf_exit_info> ExitInfo() const = 0;

  // Wakes a PollMisses() in progress. Async-signal-safe.
  virtual void Stop() = 0;
};

}  // namespace lsf
