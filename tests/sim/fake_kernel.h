// FakeKernel: a KernelPort that models the BPF scheduler's verdict cache for simulation tests.
#pragma once

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bpf/arena_ring.h"
#include "port/kernel_port.h"
#include "bpf/miss_budget.h"
#include "bpf/verdict.h"

namespace lsf::sim {

// Models bpf/luasched.bpf.c at the level the dispatcher sees, running the BPF side's own verdict
// state machine (bpf/verdict.h): per-task state (a map from pid to the live task, dropped at exit,
// like task-local storage), miss records, verdicts matched by pid and seq, exec/rename
// invalidation, policy generations, deadline fallback and re-ask, and the same counters (enum
// lsf_stat), and each user's miss budget (bpf/miss_budget.h, checked before a ring slot is taken).
// Misses travel through the arena transport's own per-CPU rings (bpf/arena_ring.h, 256
// slots each, a full ring refuses) and are drained the way BpfKernelPort drains them.
// Single-threaded: the test drives both the "kernel" (Enqueue, Exec, Exit, AdvanceTime) and the
// dispatcher (RunOnce).
class FakeKernel final : public KernelPort {
 public:
  struct Task {
    int32_t pid = 0;
    int32_t tgid = 0;
    std::string comm;
    std::string pcomm = "init";
    uint32_t uid = 0, gid = 0;
    int32_t nice = 0;
    int32_t cpu = 0;
    uint64_t cgroup = 0;  // id of its cgroup (what lsf_miss.cgroup_id reports)
  };
  // Where a task went on one enqueue: by its cached verdict, parked waiting for one (--miss wait),
  // or queued by its provisional verdict while its miss is in flight (DEFAULT unless inherited).
  enum class Placement { kHit, kParked, kProvisional };

  explicit FakeKernel(int nr_cpus = 4, size_t verdict_capacity = 1024);

  // Kernel side -----------------------------------------------------------------------------------
  Placement Enqueue(const Task& t);                 // one ops.enqueue of task t
  void Fork(int32_t parent_pid, int32_t child_pid); // ops.init_task of a fork by parent_pid (a copy of it)
  void Fork(int32_t parent_pid, const Task& child); // the same, for a child that differs (comm, uid, nice)
  void Exec(int32_t pid, const std::string& comm);  // sched_process_exec
  void Rename(int32_t pid, const std::string& comm);
  void Exit(int32_t pid);                           // ops.exit_task
  void AdvanceTime(uint64_t ns) { now_ns_ += ns; }
  void ApplyVerdicts();                             // what ops.dispatch does with the verdict queue
  // Class a cached READY verdict gives the task, LSF_CLASS_NONE if none.
  uint32_t CachedClass(int32_t pid) const;
  uint64_t CachedSlice(int32_t pid) const;
  int32_t CachedCpu(int32_t pid) const;
  size_t parked() const;
  uint64_t stat(lsf_stat s) const { return stats_.v[s]; }
  uint64_t now() const { return now_ns_; }
  uint32_t policy_gen() const { return policy_gen_; }

  // KernelPort -------------------------------------------------------------------------------------
  int PollMisses(int timeout_ms, const std::function<void(const lsf_miss&)>& on_miss) override;
  bool SendVerdict(const lsf_verdict& v) override;
  void FlushVerdicts() override { ++flushes_; ApplyVerdicts(); }
  void Heartbeat(uint64_t) override { alive_ = true; }
  void SetPolicyGeneration(uint32_t gen) override { policy_gen_ = gen; }
  KernelStats ReadStats() const override { return stats_; }
  void ReadIdleCpus(__u64 (&mask)[LSF_CPU_WORDS]) const override {
    for (int w = 0; w < LSF_CPU_WORDS; ++w) mask[w] = idle_[w];
  }
  void SetIdle(int cpu, bool idle) {
    if (idle) idle_[cpu / 64] |= 1ull << (cpu % 64);
    else idle_[cpu / 64] &= ~(1ull << (cpu % 64));
  }
  void ReadHistogram(lsf_hist, uint64_t (&buckets)[LSF_HIST_BUCKETS]) const override {
    for (auto& b : buckets) b = 0;
  }
  std::optional<lsf_exit_info> ExitInfo() const override { return exit_; }
  // The kernel unloads the scheduler with `info` (kind, exit_code): ExitInfo() reports it.
  void SetExit(const lsf_exit_info& info) { exit_ = info; }
  void Stop() override {}
  // --miss wait (the BPF side's miss_wait): a task waits for its verdict instead of running by a
  // provisional one. Off by default, like luasched-fast.
  void set_miss_wait(bool on) { miss_wait_ = on; }
  // --miss-rate: misses per second per uid (0: no limit).
  void set_miss_rate(uint32_t rate) { miss_interval_ns_ = lsf_budget_interval(rate); }
  // Class, slice and CPU the task's last enqueue queued it by (hit or provisional).
  uint32_t QueuedClass(int32_t pid) const;

  uint64_t flushes() const { return flushes_; }

 private:
  struct Entry {
    lsf_vstate e{};
    Task task;
    bool parked = false;  // the task waits in the PENDING DSQ
    uint32_t queued_cls = LSF_CLASS_NONE;  // class of its last enqueue
  };
  // Queues the task by its state's class/slice/CPU (a hit or a provisional verdict).
  Placement Queue(Entry& ent);
  // Sends a miss (action LSF_VS_ASK or LSF_VS_REASK); returns where the task went.
  Placement Miss(const Task& t, Entry& ent, int action);
  // A miss not sent (over budget, ring full): provisional verdict now, asked again after a deadline.
  Placement Unsent(const Task& t, Entry& ent, lsf_stat why);
  // What the exec/rename tracepoints do: a pending verdict applies once, a cached one is dropped.
  void Invalidate(int32_t pid, const std::string& comm, uint32_t why, lsf_stat stat);

  int nr_cpus_;
  size_t verdict_capacity_;
  uint64_t now_ns_ = 1'000'000'000;
  uint64_t seq_ = 0;
  uint32_t policy_gen_ = 1;
  uint64_t flushes_ = 0;
  bool alive_ = false;
  bool miss_wait_ = false;
  std::optional<lsf_exit_info> exit_;
  KernelStats stats_;
  __u64 idle_[LSF_CPU_WORDS] = {};
  std::unordered_map<int32_t, Entry> cache_;
  std::unique_ptr<lsf_miss_ring[]> rings_;  // one miss ring per CPU
  uint64_t miss_interval_ns_ = lsf_budget_interval(LSF_MISS_RATE_DFL);
  std::unordered_map<uint32_t, __u64> budget_;  // uid -> its bucket (theoretical arrival time)
  std::deque<lsf_verdict> verdicts_;
};

}  // namespace lsf::sim
