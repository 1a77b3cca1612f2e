// Microbenchmark: end to end in the simulated kernel: miss record -> policy -> verdict -> cache.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "dispatcher/dispatcher.h"
#include "policies/policy_engine.h"
#include "tests/sim/fake_kernel.h"

namespace lsf {
namespace {

// Each iteration: a batch of `range(0)` new tasks miss, the dispatcher decides them all and the
// fake kernel applies the verdicts. Items = tasks.
void BM_Sim_MissToVerdict(benchmark::State& state) {
  PolicyEngine::Options o;
  o.log = [](const std::string&) {};
  auto policy = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", o);
  if (!policy) return state.SkipWithError(policy.error().c_str());
  sim::FakeKernel k(4, 1 << 16);
  FILE* devnull = std::fopen("/dev/null", "w");
  Dispatcher::Options dopts;
  dopts.stats_interval_s = 0;
  dopts.out = devnull;
  Dispatcher d(k, **policy, dopts);
  const char* names[] = {"nginx-worker", "firefox", "other"};
  int batch = static_cast<int>(state.range(0));
  int32_t pid = 1;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i, ++pid) k.Enqueue({.pid = pid, .comm = names[pid % 3]});
    d.RunOnce(0);
    state.PauseTiming();
    for (int32_t p = pid - batch; p < pid; ++p) k.Exit(p);  // keep the model's map small
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  std::fclose(devnull);
}
BENCHMARK(BM_Sim_MissToVerdict)->Arg(1)->Arg(32);

}  // namespace
}  // namespace lsf
