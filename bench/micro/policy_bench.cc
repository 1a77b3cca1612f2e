// Microbenchmarks: policy evaluation (workload.lua and a 50-rule policy) in ns per decision.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "policies/policy_engine.h"

namespace lsf {
namespace {

lsf_miss Task(const char* comm, int32_t pid) {
  lsf_miss m{};
  m.pid = m.tgid = pid;
  m.prio = 120;
  m.nr_cpus_allowed = 2;
  m.cpus_allowed[0] = 3;
  std::strncpy(m.comm, comm, sizeof m.comm - 1);
  std::strncpy(m.pcomm, "systemd", sizeof m.pcomm - 1);
  return m;
}

PolicyEngine::Options Quiet() {
  PolicyEngine::Options o;
  o.nr_cpus = 2;
  o.log = [](const std::string&) {};
  o.cgroup_path = [](int32_t) { return std::string("/system.slice/app.service"); };
  return o;
}

void RunDecisions(benchmark::State& state, PolicyEngine& p) {
  const lsf_miss tasks[] = {Task("nginx-worker", 10), Task("firefox", 11), Task("postgres", 12),
                            Task("make", 13), Task("kworker", 14), Task("bash", 15)};
  size_t i = 0;
  for (auto _ : state) {
    Decision d = p.Decide(tasks[i++ % 6]);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  if (p.counters().errors) state.SkipWithError("policy errors");
}

void BM_Decide_Workload(benchmark::State& state) {
  auto p = PolicyEngine::LoadFile(std::string(LSF_POLICIES_DIR) + "/workload.lua", Quiet());
  if (!p) return state.SkipWithError(p.error().c_str());
  RunDecisions(state, **p);
}
BENCHMARK(BM_Decide_Workload);

// 50 rules in the style of a real deployment: exact names, prefixes, parent names, uid and nice.
std::string FiftyRules() {
  std::string src = "local sched = require('sched')\nlocal exact = {\n";
  for (int i = 0; i < 20; ++i) src += "  ['svc" + std::to_string(i) + "'] = {REALTIME, 1000000},\n";
  src += "}\nlocal prefixes = {\n";
  for (int i = 0; i < 20; ++i) src += "  {'job" + std::to_string(i) + "', BATCH, 20000000},\n";
  src +=
      "}\nsched.attach(function(ctx)\n"
      "  local t = ctx:task()\n  local comm = t:comm()\n"
      "  local r = exact[comm]\n  if r then ctx:dsq(r[1]) ctx:slice(r[2]) return end\n"
      "  for i = 1, #prefixes do local p = prefixes[i]\n"
      "    if comm:sub(1, #p[1]) == p[1] then ctx:dsq(p[2]) ctx:slice(p[3]) return end end\n";
  for (int i = 0; i < 10; ++i)
    src += "  if t:uid() == " + std::to_string(2000 + i) + " and t:nice() > 0 then ctx:dsq(BATCH) return end\n";
  src +=
      "  if t:pcomm() == 'nginx' or comm:find('nginx', 1, true) then ctx:dsq(REALTIME) ctx:slice(1000000) return end\n"
      "  ctx:dsq(DEFAULT)\nend)\n";
  return src;
}

void BM_Decide_FiftyRules(benchmark::State& state) {
  auto p = PolicyEngine::LoadString(FiftyRules(), "fifty.lua", Quiet());
  if (!p) return state.SkipWithError(p.error().c_str());
  RunDecisions(state, **p);
}
BENCHMARK(BM_Decide_FiftyRules);

void BM_Decide_Cgroup(benchmark::State& state) {
  auto p = PolicyEngine::LoadString(
      "require('sched').attach(function(ctx) if ctx:task():cgroup():find('app', 1, true) then "
      "ctx:dsq(BATCH) else ctx:dsq(DEFAULT) end end)",
      "cgroup.lua", Quiet());
  if (!p) return state.SkipWithError(p.error().c_str());
  RunDecisions(state, **p);
}
BENCHMARK(BM_Decide_Cgroup);

}  // namespace
}  // namespace lsf
