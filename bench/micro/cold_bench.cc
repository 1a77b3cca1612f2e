// Microbenchmarks that predict the system: cold distinct task records, the real /proc cgroup resolver, and
// sustained misses through the arena rings (bpf/arena_ring.h) into the real Dispatcher and back.
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bpf/arena_ring.h"
#include "port/kernel_port.h"
#include "dispatcher/dispatcher.h"
#include "policies/policy_engine.h"

namespace lsf {
namespace {

constexpr size_t kColdRecords = 1 << 16;  // ~14 MB of records: beyond the caches of a small host

PolicyEngine::Options Quiet(bool real_cgroup) {
  PolicyEngine::Options o;
  o.nr_cpus = 2;
  o.log = [](const std::string&) {};
  if (!real_cgroup) o.cgroup_path = [](int32_t) { return std::string("/system.slice/app.service"); };
  return o;
}

// Distinct tasks: own pid each, names from a pool of 500 (services, workers, kernel threads, nginx and
// firefox among them), in a shuffled order so consecutive decisions touch unrelated memory.
std::vector<lsf_miss> ColdTasks() {
  std::vector<lsf_miss> v(kColdRecords);
  std::mt19937 rng(42);
  const char* stems[] = {"svc-", "worker-", "kworker/", "nginx-w", "firefox-", "java-", "python3-", "cc1-", "sh-", "db-"};
  for (size_t i = 0; i < v.size(); ++i) {
    lsf_miss& m = v[i];
    m = {};
    m.pid = m.tgid = static_cast<int32_t>(1000 + i);
    m.ppid = 1;
    m.prio = 120;
    m.nr_cpus_allowed = 2;
    m.cpus_allowed[0] = 3;
    m.seq = i;
    std::snprintf(m.comm, sizeof m.comm, "%s%u", stems[rng() % 10], static_cast<unsigned>(rng() % 50));
    std::snprintf(m.pcomm, sizeof m.pcomm, "%s", i % 7 ? "systemd" : "bash");
  }
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

void BM_Decide_WorkloadCold(benchmark::State& state) {
  auto p = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", Quiet(false));
  if (!p) return state.SkipWithError(p.error().c_str());
  const std::vector<lsf_miss> tasks = ColdTasks();
  size_t i = 0;
  for (auto _ : state) {
    Decision d = (*p)->Decide(tasks[i]);
    benchmark::DoNotOptimize(d);
    if (++i == tasks.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  if ((*p)->counters().errors) state.SkipWithError("policy errors");
}
BENCHMARK(BM_Decide_WorkloadCold);

// The default resolver: reads /proc/<pid>/cgroup on every call, for live processes of this host.
void BM_Decide_CgroupReal(benchmark::State& state) {
  auto p = PolicyEngine::LoadString(
      "require('sched').attach(function(ctx) if ctx:task():cgroup():find('app', 1, true) then "
      "ctx:dsq(BATCH) else ctx:dsq(DEFAULT) end end)",
      "cgroup.lua", Quiet(true));
  if (!p) return state.SkipWithError(p.error().c_str());
  std::vector<lsf_miss> tasks;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      int pid = std::atoi(e->d_name);
      if (pid <= 0 || tasks.size() >= 64) continue;
      lsf_miss m{};
      m.pid = m.tgid = pid;
      m.prio = 120;
      m.nr_cpus_allowed = 2;
      std::snprintf(m.comm, sizeof m.comm, "proc%d", pid);
      tasks.push_back(m);
    }
    closedir(d);
  }
  if (tasks.empty()) return state.SkipWithError("no /proc");
  size_t i = 0;
  for (auto _ : state) {
    Decision d = (*p)->Decide(tasks[i]);
    benchmark::DoNotOptimize(d);
    if (++i == tasks.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decide_CgroupReal);

// A KernelPort over an lsf_arena in ordinary memory: the dispatcher side of the arena transport (pop
// misses in batches of 32 from every CPU's ring, push verdicts), with no BPF behind it.
class ArenaPort final : public KernelPort {
 public:
  explicit ArenaPort(lsf_arena* a) : a_(a) {}
  int PollMisses(int, const std::function<void(const lsf_miss&)>& on_miss) override {
    lsf_miss batch[32];
    int n = 0;
    for (__u32 c = 0; c < a_->hdr.nr_cpus; ++c)
      for (__u32 k; (k = lsf_miss_ring_pop(&a_->misses[c], batch, 32)) > 0;)
        for (__u32 j = 0; j < k; ++j, ++n) on_miss(batch[j]);
    return n;
  }
  bool SendVerdict(const lsf_verdict& v) override { return lsf_verdict_ring_push(&a_->verdicts, &v); }
  void FlushVerdicts() override {}
  void Heartbeat(uint64_t) override {}
  void SetPolicyGeneration(uint32_t) override {}
  KernelStats ReadStats() const override { return {}; }
  void ReadHistogram(lsf_hist, uint64_t (&b)[LSF_HIST_BUCKETS]) const override { std::fill(std::begin(b), std::end(b), 0); }
  void ReadIdleCpus(__u64 (&mask)[LSF_CPU_WORDS]) const override { std::fill(std::begin(mask), std::end(mask), 0); }
  std::optional<lsf_exit_info> ExitInfo() const override { return std::nullopt; }
  void Stop() override {}

 private:
  lsf_arena* a_;
};

// Sustained misses: each iteration the BPF side's ring code (compiled natively) pushes `range(0)` distinct
// cold task records spread over two CPUs' miss rings, the real Dispatcher (RunOnce, workload.lua) decides
// them and pushes the verdicts, and the verdict ring is drained as BPF would. One thread, so the figure is
// the per-miss cost of the path, not of the host's thread scheduling. Items: verdicts.
void BM_SustainedMisses_Arena(benchmark::State& state) {
  constexpr __u32 kCpus = 2;
  auto p = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", Quiet(false));
  if (!p) return state.SkipWithError(p.error().c_str());
  const std::vector<lsf_miss> tasks = ColdTasks();
  const size_t bytes = (lsf_arena_size(kCpus) + 4095) / 4096 * 4096;
  void* mem = std::aligned_alloc(4096, bytes);
  std::memset(mem, 0, bytes);
  auto* arena = static_cast<lsf_arena*>(mem);
  arena->hdr.nr_cpus = kCpus;
  arena->hdr.magic = LSF_ARENA_MAGIC;
  ArenaPort port(arena);
  FILE* devnull = std::fopen("/dev/null", "w");
  Dispatcher::Options o;
  o.stats_interval_s = 0;
  o.out = devnull;
  Dispatcher d(port, **p, o);
  const int batch = static_cast<int>(state.range(0));
  size_t i = 0;
  uint64_t answered = 0, vt = 0, dropped = 0;
  for (auto _ : state) {
    for (int k = 0; k < batch; ++k, ++i) {
      lsf_miss_ring* r = &arena->misses[i % kCpus];
      lsf_miss* slot = lsf_miss_ring_slot(r);
      if (!slot) {
        ++dropped;
        continue;
      }
      *slot = tasks[i % tasks.size()];
      slot->seq = i;
      lsf_miss_ring_commit(r);
    }
    d.RunOnce(0);
    __u64 head = LSF_LOAD_ACQUIRE(&arena->verdicts.ctl.head);
    answered += head - vt;
    vt = head;
    LSF_STORE_RELEASE(&arena->verdicts.ctl.tail, vt);
  }
  state.SetItemsProcessed(static_cast<int64_t>(answered));
  state.counters["ring_full"] = static_cast<double>(dropped);
  state.counters["queue_full"] = static_cast<double>(d.counters().verdict_queue_full);
  if (answered + dropped + d.counters().verdict_queue_full < i) state.SkipWithError("misses without a verdict");
  std::fclose(devnull);
  std::free(mem);
}
BENCHMARK(BM_SustainedMisses_Arena)->Arg(1)->Arg(64);

}  // namespace
}  // namespace lsf
