// BpfKernelPort: KernelPort over the luasched BPF scheduler (libbpf skeleton; ringbuf or arena transport).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "port/kernel_port.h"
#include "common/result.h"

struct luasched_bpf;
struct ring_buffer;
struct user_ring_buffer;
struct bpf_link;
struct lsf_arena;

namespace lsf {

class BpfKernelPort final : public KernelPort {
 public:
  // How misses and verdicts cross the boundary. kRingbuf: BPF ringbuf + user ringbuf (wakeups by
  // the kernel). kArena: SPSC rings in BPF arena memory shared with the dispatcher (bpf/arena_ring.h),
  // plus a doorbell ringbuf that wakes a sleeping dispatcher.
  enum class Transport { kRingbuf, kArena };

  struct Options {
    Transport transport = Transport::kRingbuf;
    uint64_t default_slice_ns = LSF_SLICE_DFL_NS;
    bool miss_wait = false;  // a task waits for its verdict (else it runs by a provisional one)
    uint32_t miss_rate = LSF_MISS_RATE_DFL;  // misses per second per uid (bpf/miss_budget.h); 0: no limit
    bool verbose = false;  // libbpf debug output
    bool no_kick = false;  // tests: do not load the kick program (verdicts wait for dispatch or the timer)
    std::string object_path;  // tests: load this build of the BPF program instead of the built-in one
  };

  // Opens and loads the BPF programs (does not attach). Errors say what to do.
  static Result<std::unique_ptr<BpfKernelPort>> Load(const Options& opts);
  ~BpfKernelPort() override;  // detaches if attached

  // Registers the sched_ext scheduler; from here on every task is scheduled by it.
  Status Attach();
  // Unregisters (idempotent). The kernel returns to the default scheduler.
  void Detach();

  int PollMisses(int timeout_ms, const std::function<void(const lsf_miss&)>& on_miss) override;
  bool SendVerdict(const lsf_verdict& v) override;
  void FlushVerdicts() override;
  void Heartbeat(uint64_t now_ns) override;
  void SetPolicyGeneration(uint32_t gen) override;
  KernelStats ReadStats() const override;
  std::vector<KernelStats> ReadStatsPerCpu() const override;
  void ReadHistogram(lsf_hist h, uint64_t (&buckets)[LSF_HIST_BUCKETS]) const override;
  void ReadIdleCpus(__u64 (&mask)[LSF_CPU_WORDS]) const override;
  std::optional<lsf_exit_info> ExitInfo() const override;
  // The kernel's debug dump at exit (the scheduler's own per-CPU and per-task lines included);
  // empty until the scheduler exited, or if the kernel left none.
  std::string ExitDump() const;
  void Stop() override {}  // signals interrupt the poll (EINTR)

  int nr_cpus() const { return nr_cpus_; }
  Transport transport() const { return arena_ ? Transport::kArena : Transport::kRingbuf; }
  bool kick_available() const { return kick_fd_ >= 0; }

 private:
  BpfKernelPort() = default;
  static int OnSample(void* ctx, void* data, size_t size);
  Status SetUpArena();
  int DrainArena();  // one fair, bounded pass over the arena miss rings (lsf_miss_rings_drain) to *on_miss_

  luasched_bpf* skel_ = nullptr;
  ring_buffer* misses_ = nullptr;   // ringbuf transport: the misses; arena transport: the doorbell
  lsf_arena* arena_ = nullptr;      // arena transport: the shared layout, mapped into this process
  user_ring_buffer* verdicts_ = nullptr;
  bpf_link* ops_link_ = nullptr;
  bpf_link* exec_link_ = nullptr;
  bpf_link* rename_link_ = nullptr;
  int kick_fd_ = -1;
  int nr_cpus_ = 0;
  uint32_t pending_verdicts_ = 0;
  const std::function<void(const lsf_miss&)>* on_miss_ = nullptr;  // valid during PollMisses
};

}  // namespace lsf
