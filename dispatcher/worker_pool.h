// WorkerPool: policy evaluation on worker threads, one lua_State each, fed by SPSC queues.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <boost/lockfree/spsc_queue.hpp>

#include "bpf/intf.h"
#include "common/result.h"
#include "policies/policy_engine.h"

namespace lsf {

// Threading contract:
//  - Submit/Drain/in_flight are called by ONE thread, the intake (dispatcher) thread.
//  - Worker i is the only consumer of its `in` queue and the only producer of its `out` queue;
//    the intake thread is the only producer of every `in` and consumer of every `out`
//    (boost::lockfree::spsc_queue: wait-free, no allocation after construction).
//  - A task always goes to the same worker (pid hash), so its misses are decided in order.
//  - Idle workers sleep on an atomic doorbell; the intake rings it only if the worker said it is
//    going to sleep (seq_cst handshake), so a busy pool costs no syscalls.
class WorkerPool {
 public:
  static constexpr size_t kQueueDepth = 1024;
  using EngineFactory = std::function<Result<std::unique_ptr<PolicyEngine>>()>;

  struct Done {
    lsf_miss miss;
    Decision decision;
  };

  // Starts `workers` threads, each with its own engine from `factory`, pinned round-robin to
  // `cpus` (empty: not pinned). Fails if any engine fails to load.
  static Result<std::unique_ptr<WorkerPool>> Start(int workers, const EngineFactory& factory,
                                                   const std::vector<int>& cpus);
  ~WorkerPool();  // stops and joins the workers; undrained results are dropped
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False if the task's worker queue is full: the caller decides inline instead.
  bool Submit(const lsf_miss& m);
  // Hands every finished decision to `on_done`, one pass over all workers. Returns how many.
  size_t Drain(const std::function<void(const Done&)>& on_done);
  size_t in_flight() const { return submitted_ - drained_; }
  int size() const { return static_cast<int>(workers_.size()); }
  // Sum of the workers' policy counters (relaxed, may lag by the items in flight).
  PolicyCounters Counters() const;

 private:
  struct alignas(64) Worker {
    boost::lockfree::spsc_queue<lsf_miss, boost::lockfree::capacity<kQueueDepth>> in;
    boost::lockfree::spsc_queue<Done, boost::lockfree::capacity<kQueueDepth>> out;
    alignas(64) std::atomic<uint32_t> doorbell{0};
    std::atomic<bool> sleeping{false};
    std::unique_ptr<PolicyEngine> engine;
    std::thread thread;
  };
  WorkerPool() = default;
  void Loop(Worker* w, int cpu);

  std::vector<std::unique_ptr<Worker>> workers_;
  alignas(64) std::atomic<bool> stop_{false};
  uint64_t submitted_ = 0;  // intake thread only
  uint64_t drained_ = 0;    // intake thread only
};

}  // namespace lsf
