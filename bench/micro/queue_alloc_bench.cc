// Microbenchmarks: SPSC queue hand-off, allocators, latency histogram, worker pool round trip.
#include <benchmark/benchmark.h>
#include <mimalloc.h>

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "bpf/intf.h"
#include "stats/latency_histogram.h"
#include "dispatcher/worker_pool.h"

extern "C" void* __libc_malloc(size_t);
extern "C" void __libc_free(void*);

namespace lsf {
namespace {

// Push + pop of one miss record on the same thread (the queue's own cost, no cache transfer).
void BM_Spsc_PushPop(benchmark::State& state) {
  boost::lockfree::spsc_queue<lsf_miss, boost::lockfree::capacity<1024>> q;
  lsf_miss m{}, out{};
  for (auto _ : state) {
    q.push(m);
    q.pop(out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Spsc_PushPop);

// Records through a queue to a consumer thread on the other core (cache-line transfer included).
void BM_Spsc_CrossThread(benchmark::State& state) {
  boost::lockfree::spsc_queue<lsf_miss, boost::lockfree::capacity<1024>> q;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> consumed{0};
  std::thread consumer([&] {
    lsf_miss m;
    while (!stop.load(std::memory_order_relaxed))
      if (q.pop(m)) consumed.fetch_add(1, std::memory_order_relaxed);
  });
  lsf_miss m{};
  uint64_t pushed = 0;
  for (auto _ : state) {
    while (!q.push(m)) {
    }
    ++pushed;
  }
  while (consumed.load() < pushed) {
  }
  stop = true;
  consumer.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Spsc_CrossThread)->UseRealTime();

template <void* (*Alloc)(size_t), void (*Free)(void*)>
void BM_Alloc(benchmark::State& state) {
  size_t size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* p = Alloc(size);
    benchmark::DoNotOptimize(p);
    Free(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Alloc<mi_malloc, mi_free>)->Name("BM_Alloc_mimalloc")->Arg(64)->Arg(4096);
BENCHMARK(BM_Alloc<__libc_malloc, __libc_free>)->Name("BM_Alloc_glibc")->Arg(64)->Arg(4096);

void BM_LatencyHistogram_Add(benchmark::State& state) {
  LatencyHistogram h;
  uint64_t v = 1;
  for (auto _ : state) {
    h.Add(v >> 40);
    v = v * 2862933555777941757ull + 3037000493ull;
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LatencyHistogram_Add);

// Submit one miss to a worker (own Lua state, workload.lua) and wait for its decision.
void BM_WorkerPool_RoundTrip(benchmark::State& state) {
  auto pool = WorkerPool::Start(
      1,
      [] {
        PolicyEngine::Options o;
        o.log = [](const std::string&) {};
        return PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", o);
      },
      {});
  if (!pool) return state.SkipWithError(pool.error().c_str());
  lsf_miss m{};
  m.pid = 7;
  std::memcpy(m.comm, "nginx", 6);
  for (auto _ : state) {
    (*pool)->Submit(m);
    while ((*pool)->Drain([](const WorkerPool::Done& d) { benchmark::DoNotOptimize(d); }) == 0) {
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WorkerPool_RoundTrip)->UseRealTime();

}  // namespace
}  // namespace lsf
