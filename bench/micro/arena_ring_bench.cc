// Microbenchmarks: the arena miss ring (bpf/arena_ring.h) vs a Boost.Lockfree queue, same thread and cross-thread.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <thread>

#include "bpf/arena_ring.h"

namespace {

std::unique_ptr<lsf_miss_ring> NewRing() {
  auto r = std::make_unique<lsf_miss_ring>();
  std::memset(static_cast<void*>(r.get()), 0, sizeof(*r));
  return r;
}

bool Push(lsf_miss_ring* r, const lsf_miss& m) {
  lsf_miss* slot = lsf_miss_ring_slot(r);
  if (!slot) return false;
  *slot = m;
  lsf_miss_ring_commit(r);
  return true;
}

// Push (the BPF side's code, compiled natively) + batch pop of one record on one thread.
void BM_ArenaRing_PushPop(benchmark::State& state) {
  auto r = NewRing();
  lsf_miss m{}, out[1];
  for (auto _ : state) {
    Push(r.get(), m);
    benchmark::DoNotOptimize(lsf_miss_ring_pop(r.get(), out, 1));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArenaRing_PushPop);

// Producer here, consumer thread popping batches of up to 32 (as the dispatcher does).
void BM_ArenaRing_CrossThread(benchmark::State& state) {
  auto r = NewRing();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> consumed{0};
  std::thread consumer([&] {
    lsf_miss out[32];
    while (!stop.load(std::memory_order_relaxed))
      if (__u32 n = lsf_miss_ring_pop(r.get(), out, 32)) consumed.fetch_add(n, std::memory_order_relaxed);
  });
  lsf_miss m{};
  uint64_t pushed = 0;
  for (auto _ : state) {
    while (!Push(r.get(), m)) {
    }
    ++pushed;
  }
  while (consumed.load() < pushed) {
  }
  stop = true;
  consumer.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArenaRing_CrossThread)->UseRealTime();

}  // namespace
