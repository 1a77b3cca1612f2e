// Dispatcher: turns cache misses from the kernel into policy verdicts and sends them back.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/llc_placement.h"
#include "dispatcher/verdict_drop_fault.h"
#include "port/kernel_port.h"
#include "stats/latency_histogram.h"
#include "stats/stats.h"
#include "policies/policy_engine.h"

namespace lsf {

class DecisionRingWriter;
class WorkerPool;
struct Topology;
struct Decision;

struct DispatcherCounters {
  uint64_t misses = 0;             // miss records received
  uint64_t verdicts_sent = 0;      // verdicts queued to the kernel
  uint64_t verdict_queue_full = 0; // verdict dropped: queue full (task falls back at its deadline)
  uint64_t batches = 0;            // PollMisses passes that delivered at least one miss
  uint64_t spin_passes = 0;        // non-blocking passes while busy-polling
  uint64_t sleeps = 0;             // blocking waits (epoll) once idle
  uint64_t reloads = 0;            // successful policy swaps
  uint64_t placements = 0;         // ctx:llc() requests turned into a target CPU
};

// What earlier scheduler instances of this process counted (the kernel unloaded one and asked for
// a restart: a new BPF object and a new Dispatcher start from zero), and what retired policy
// engines and worker pools counted (reloads). A Dispatcher built with them adds them to every
// snapshot, so each counter is monotonic for the life of the process.
struct CarriedCounts {
  KernelStats kernel;                          // BPF counters, summed over CPUs
  std::vector<KernelStats> per_cpu;            // BPF counters per CPU (empty: none yet)
  uint64_t hists[LSF_NR_HISTS][LSF_HIST_BUCKETS] = {};  // BPF latency histograms (enum lsf_hist)
  DispatcherCounters counters;
  PolicyCounters policy;                       // retired engines and pools only: the ones in use
                                               // carry their own counts into the next Dispatcher
  LatencyHistogram miss_latency;
  uint32_t generation = 1;                     // policy generation: the new BPF side continues from it
};

class Dispatcher {
 public:
  struct Options {
    bool log_verdicts = false;
    int stats_interval_s = 10;     // 0: no periodic stats line
    FILE* out = stdout;            // stats and verdict lines
    int poll_timeout_ms = 100;     // longest sleep between heartbeats
    uint64_t spin_ns = 200'000;    // busy-poll (no syscalls) this long after the last miss, then sleep
    bool fork_inherit = true;      // --fork inherit: mark fork-shared decisions LSF_VERDICT_FORKS
    bool stats_json = false;       // periodic stats (and --log-verdicts lines) as JSON lines
    std::string stats_file;        // if set, rewritten (atomically) every second with JSON stats
    std::string metrics_file;      // if set, rewritten (atomically) every second in the Prometheus text format
    DecisionRingWriter* decisions = nullptr;  // if set, every decision (misses only) is written to it
                                              // by this thread; REQUIRES: it outlives the dispatcher
    const Topology* topology = nullptr;  // for ctx:llc() placement; nullptr: ctx:llc() is ignored
    uint64_t fault_drop_verdicts = 0;    // tests only: drop the first N verdicts as if the queue were full,
    std::string fault_drop_comm;         //   of tasks with this comm only (if not empty)
  };

  // REQUIRES: `port` and `policy` outlive the dispatcher. Publishes the policy generation (1, or the
  // one `carried` ends with) and counts on from `carried`.
  Dispatcher(KernelPort& port, PolicyEngine& policy, Options opts, const CarriedCounts& carried = {});

  // One pass: heartbeat, wait up to `timeout_ms` for misses, decide each, send the verdicts, flush.
  // Returns the number of misses handled, or -1 if a signal interrupted the wait.
  int RunOnce(int timeout_ms);

  // Loops until `stop` is set or the kernel unloads the scheduler; prints periodic stats and calls
  // `each_pass` (if set) between passes, e.g. to check for a policy reload.
  void Run(const std::atomic<bool>& stop, const std::function<void()>& each_pass = {});

  // Routes misses to `pool` (nullptr: decide inline on this thread). Results still in the old pool
  // are drained and sent first. REQUIRES: `pool` outlives its use (until the next call).
  void SetWorkerPool(WorkerPool* pool);

  // Makes `policy` the active policy and bumps the generation: every cached verdict becomes a miss
  // and is re-decided by the new policy. REQUIRES: `policy` outlives its use (until the next swap).
  void SwapPolicy(PolicyEngine& policy);

  // Every counter since the process started (kernel, dispatcher, policy, latency, own CPU and
  // page faults), earlier instances and retired policies included.
  StatsSnapshot Snapshot() const;
  // Everything counted so far, to carry into the next Dispatcher after a kernel restart.
  CarriedCounts Carry() const;
  // Writes the stats and metrics files (those set in the options) from one snapshot now.
  void PublishFiles();
  // One human-readable stats line over everything since start.
  std::string StatsLine() const { return FormatStatsLine(Snapshot()); }

  // Since the process started (carried counts included).
  const DispatcherCounters& counters() const { return counters_; }
  const LatencyHistogram& miss_latency() const { return miss_latency_; }
  uint32_t generation() const { return generation_; }

 private:
  void HandleMiss(const lsf_miss& m);
  // Sends the verdict for `d` (none if deferred), places it on an LLC if it names one, and
  // records its latency (and logs it with --log-verdicts).
  void SendDecision(const lsf_miss& m, const Decision& d);
  // `d` with a CPU of the LLC it names (ctx:llc), if it names no CPU and there is a topology.
  Decision PlaceOnLlc(const lsf_miss& m, Decision d);
  void LogVerdict(const lsf_miss& m, const Decision& d, uint64_t sent_ns);
  // Writes the decision to opts_.decisions (if set), `now_ns` its CLOCK_MONOTONIC time.
  void RecordDecision(const lsf_miss& m, const Decision& d, uint64_t now_ns);
  // Sends the pool's finished decisions; waits (spinning) up to `budget_ns` for the rest.
  void DrainPool(uint64_t budget_ns);

  KernelPort& port_;
  PolicyEngine* policy_;
  WorkerPool* pool_ = nullptr;
  uint32_t unflushed_ = 0;  // verdicts sent since the last FlushVerdicts
  Options opts_;
  std::optional<LlcPlacement> placement_;  // with opts_.topology only
  VerdictDropFault drop_fault_;            // opts_.fault_drop_verdicts, fault_drop_comm
  uint32_t generation_ = 1;
  CarriedCounts base_;             // kernel counters and histograms of earlier instances (counters_,
                                   // miss_latency_ and generation_ start from theirs)
  PolicyCounters retired_policy_;  // engines and pools replaced by reloads, earlier instances' too
  DispatcherCounters counters_;
  LatencyHistogram miss_latency_;  // kernel enqueue -> verdict queued, ns
  uint64_t start_ns_ = 0;          // CLOCK_MONOTONIC at construction
  uint64_t start_cpu_ns_ = 0;      // process CPU time at construction
};

// CLOCK_MONOTONIC in ns (the clock of bpf_ktime_get_ns).
uint64_t MonotonicNs();

// "REALTIME", "BATCH", "DEFAULT", or "NONE".
const char* ClassName(uint32_t cls);

}  // namespace lsf
