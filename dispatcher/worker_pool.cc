// WorkerPool: policy evaluation on worker threads, one lua_State each, fed by SPSC queues.
#include "dispatcher/worker_pool.h"

#include <pthread.h>
#include <sched.h>

namespace lsf {
namespace {

constexpr int kSpinBeforeSleep = 2000;  // empty polls before a worker sleeps

inline void CpuRelax() { __builtin_ia32_pause(); }

}  // namespace

Result<std::unique_ptr<WorkerPool>> WorkerPool::Start(int workers, const EngineFactory& factory,
                                                      const std::vector<int>& cpus) {
  std::unique_ptr<WorkerPool> pool(new WorkerPool());
  for (int i = 0; i < workers; ++i) {
    auto engine = factory();
    if (!engine) return MakeError("worker " + std::to_string(i) + ": " + engine.error());
    auto w = std::make_unique<Worker>();
    w->engine = std::move(*engine);
    pool->workers_.push_back(std::move(w));
  }
  for (int i = 0; i < workers; ++i) {
    int cpu = cpus.empty() ? -1 : cpus[static_cast<size_t>(i) % cpus.size()];
    Worker* w = pool->workers_[static_cast<size_t>(i)].get();
    w->thread = std::thread([p = pool.get(), w, cpu] { p->Loop(w, cpu); });
  }
  return pool;
}

WorkerPool::~WorkerPool() {
  stop_.store(true, std::memory_order_seq_cst);
  for (auto& w : workers_) {
    w->doorbell.fetch_add(1, std::memory_order_seq_cst);
    w->doorbell.notify_one();
  }
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

void WorkerPool::Loop(Worker* w, int cpu) {
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  int idle = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    lsf_miss m;
    if (w->in.pop(m)) {
      idle = 0;
      Done d{m, w->engine->Decide(m)};
      while (!w->out.push(d)) {  // intake is behind: wait for room, never drop a decision
        if (stop_.load(std::memory_order_relaxed)) return;
        CpuRelax();
      }
      continue;
    }
    if (++idle < kSpinBeforeSleep) {
      CpuRelax();
      continue;
    }
    // Sleep handshake: announce, re-check, then wait for the doorbell to change.
    uint32_t bell = w->doorbell.load(std::memory_order_seq_cst);
    w->sleeping.store(true, std::memory_order_seq_cst);
    if (w->in.read_available() == 0 && !stop_.load(std::memory_order_seq_cst)) w->doorbell.wait(bell);
    w->sleeping.store(false, std::memory_order_relaxed);
    idle = 0;
  }
}

bool WorkerPool::Submit(const lsf_miss& m) {
  Worker* w = workers_[static_cast<uint32_t>(m.pid) % workers_.size()].get();
  if (!w->in.push(m)) return false;
  ++submitted_;
  if (w->sleeping.load(std::memory_order_seq_cst)) {
    w->doorbell.fetch_add(1, std::memory_order_seq_cst);
    w->doorbell.notify_one();
  }
  return true;
}

size_t WorkerPool::Drain(const std::function<void(const Done&)>& on_done) {
  size_t n = 0;
  for (auto& w : workers_) n += w->out.consume_all([&](const Done& d) { on_done(d); });
  drained_ += n;
  return n;
}

PolicyCounters WorkerPool::Counters() const {
  PolicyCounters sum;
  for (const auto& w : workers_) sum.AddRelaxed(w->engine->counters());
  return sum;
}

}  // namespace lsf
