// luasched-fast: thin main. Parses options, loads the policy and the BPF scheduler, runs the loop.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "alloc/heap.h"
#include "alloc/memory_lock.h"
#include "bpf/bpf_kernel_port.h"
#include "bpf/scx_host.h"
#include "dispatcher/dispatcher.h"
#include "dispatcher/dry_run.h"
#include "dispatcher/options.h"
#include "dispatcher/policy_file.h"
#include "dispatcher/proc_scan.h"
#include "dispatcher/process.h"
#include "dispatcher/stats_view.h"
#include "dispatcher/worker_pool.h"
#include "policies/policy_engine.h"
#include "topology/topology.h"

#ifndef LSF_VERSION
#define LSF_VERSION "0.0.0"
#endif

namespace {

constexpr int kExitOk = 0, kExitEjected = 1, kExitUsage = 2, kExitStart = 3;

// Fault injection for the VM tests, from the environment:
//   LUASCHED_FAULTS=drop-verdicts=N[,drop-comm=NAME][,no-kick]
// drops the first N verdicts (for tasks named NAME only, if given) as if the verdict queue were
// full, and/or does not load the kick program.
struct Faults {
  uint64_t drop_verdicts = 0;
  std::string drop_comm;
  bool no_kick = false;
};

Faults FaultsFromEnv() {
  Faults f;
  const char* env = std::getenv("LUASCHED_FAULTS");
  std::string s = env ? env : "";
  for (size_t pos = 0; pos < s.size();) {
    size_t end = s.find(',', pos);
    std::string item = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (item.rfind("drop-verdicts=", 0) == 0) f.drop_verdicts = std::strtoull(item.c_str() + 14, nullptr, 10);
    else if (item.rfind("drop-comm=", 0) == 0) f.drop_comm = item.substr(10);
    else if (item == "no-kick") f.no_kick = true;
    else if (!item.empty()) std::fprintf(stderr, "luasched-fast: LUASCHED_FAULTS: unknown fault '%s' ignored\n", item.c_str());
    pos = end == std::string::npos ? s.size() : end + 1;
  }
  if (f.drop_verdicts || f.no_kick) std::fprintf(stderr, "luasched-fast: fault injection: %s\n", s.c_str());
  return f;
}

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "luasched-fast: %s\n", msg.c_str());
  return code;
}

// The machine's topology (hwloc), once; nullptr if hwloc cannot tell (ctx:llc() then sees one LLC).
const lsf::Topology* MachineTopology() {
  static const std::unique_ptr<lsf::Topology> topo = [] {
    auto t = lsf::TopologyFromHwloc();
    if (!t) {
      std::fprintf(stderr, "luasched-fast: %s; ctx:llc() will be ignored\n", t.error().c_str());
      return std::unique_ptr<lsf::Topology>();
    }
    return std::make_unique<lsf::Topology>(std::move(*t));
  }();
  return topo.get();
}

lsf::PolicyEngine::Options PolicyOptions(const lsf::Options& opt) {
  lsf::PolicyEngine::Options popts;
  popts.default_slice_ns = opt.slice_ns;
  popts.nr_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_CONF));
  if (const lsf::Topology* topo = MachineTopology()) {
    for (const auto& c : topo->cpus) {
      if (c.id >= static_cast<int>(popts.cpu_llc.size())) popts.cpu_llc.resize(static_cast<size_t>(c.id) + 1, 0);
      popts.cpu_llc[static_cast<size_t>(c.id)] = c.llc;
    }
  }
  return popts;
}

// Reads the policy file once, through the trust checks (dispatcher/policy_file.h), and loads it;
// `source` (if set) receives the text, for the workers' engines.
lsf::Result<std::unique_ptr<lsf::PolicyEngine>> LoadPolicy(const lsf::Options& opt, std::string* source = nullptr) {
  auto text = lsf::ReadTrustedPolicy(opt.policy_path, getuid());
  if (!text) return lsf::MakeError(text.error());
  if (source) *source = *text;
  return lsf::PolicyEngine::LoadString(*text, opt.policy_path, PolicyOptions(opt));
}

// Worker threads for the policy (opt.workers > 0), on every online CPU but the dispatcher's, each
// with an engine built from the same checked text.
lsf::Result<std::unique_ptr<lsf::WorkerPool>> StartWorkers(const lsf::Options& opt, const std::string& source) {
  std::vector<int> cpus;
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  for (int c = 0; c < online; ++c)
    if (c != opt.cpu) cpus.push_back(c);
  return lsf::WorkerPool::Start(
      opt.workers, [&opt, source] { return lsf::PolicyEngine::LoadString(source, opt.policy_path, PolicyOptions(opt)); },
      cpus);
}

int RunDry(const lsf::Options& opt) {
  auto policy = LoadPolicy(opt);
  if (!policy) return Fail(kExitStart, policy.error());
  lsf::DryRun(**policy, lsf::ScanProc("/proc", opt.threads), opt.json, stdout);
  return kExitOk;
}

// One load-attach-run cycle of the BPF scheduler with `active` as the policy. Sets *restart if the
// kernel unloaded it asking for a restart. `first`: the first cycle (reserves and locks memory).
int RunScheduler(const lsf::Options& opt, std::atomic<bool>& stop, std::atomic<bool>& reload,
                 lsf::PolicyWatcher& watcher, std::unique_ptr<lsf::PolicyEngine>& active,
                 std::unique_ptr<lsf::WorkerPool>& pool, bool first, bool* restart) {
  const Faults faults = FaultsFromEnv();
  lsf::BpfKernelPort::Options kopts;
  kopts.no_kick = faults.no_kick;
  kopts.default_slice_ns = opt.slice_ns;
  kopts.verbose = opt.verbose;
  kopts.transport = opt.transport == "arena" ? lsf::BpfKernelPort::Transport::kArena
                                             : lsf::BpfKernelPort::Transport::kRingbuf;
  auto port = lsf::BpfKernelPort::Load(kopts);
  if (!port && kopts.transport == lsf::BpfKernelPort::Transport::kArena && !opt.transport_set) {
    std::fprintf(stderr, "luasched-fast: arena transport unavailable (%s); using ringbuf\n", port.error().c_str());
    kopts.transport = lsf::BpfKernelPort::Transport::kRingbuf;
    port = lsf::BpfKernelPort::Load(kopts);
  }
  if (!port) return Fail(kExitStart, port.error());
  if (first && opt.heap_mb > 0) {
    if (auto st = lsf::ReserveHeap(static_cast<size_t>(opt.heap_mb) << 20); !st) return Fail(kExitStart, st.error());
  }
  if (first && !opt.no_mlock) {  // MCL_FUTURE: the mappings of a restarted scheduler are locked too
    if (auto st = lsf::LockAllMemory(); !st) return Fail(kExitStart, st.error());
  }

  lsf::Dispatcher::Options dopts;
  dopts.log_verdicts = opt.log_verdicts;
  dopts.stats_interval_s = opt.stats_interval_s;
  dopts.stats_json = opt.stats_json;
  dopts.topology = MachineTopology();
  dopts.spin_ns = opt.spin_us < 0 ? UINT64_MAX : static_cast<uint64_t>(opt.spin_us) * 1000;
  dopts.stats_file = opt.stats_file;
  dopts.fault_drop_verdicts = faults.drop_verdicts;
  dopts.fault_drop_comm = faults.drop_comm;
  lsf::Dispatcher dispatcher(**port, *active, dopts);
  if (pool) dispatcher.SetWorkerPool(pool.get());

  if (auto st = (*port)->Attach(); !st) return Fail(kExitStart, st.error());
  auto state = lsf::scx::State();
  std::printf("luasched-fast %s: policy %s, dispatcher on CPU %d, %s transport, %s, sched_ext %s (ops %s)%s\n",
              LSF_VERSION, opt.policy_path.c_str(), opt.cpu,
              (*port)->transport() == lsf::BpfKernelPort::Transport::kArena ? "arena" : "ringbuf",
              MachineTopology() ? MachineTopology()->Describe().c_str()
                                : (std::to_string((*port)->nr_cpus()) + " CPUs").c_str(),
              state ? state->c_str() : "?",
              lsf::scx::LoadedOps().c_str(), (*port)->kick_available() ? "" : " [no syscall kick: timer only]");
  std::fflush(stdout);

  // Hot reload (SIGHUP or the file changed): load and check the new policy off to the side; only a
  // policy that loads replaces the running one, which bumps the generation (all tasks re-decided).
  auto maybe_reload = [&] {
    bool changed = watcher.Changed();
    if (!reload.exchange(false) && !changed) return;
    std::string next_source;
    auto next = LoadPolicy(opt, &next_source);
    lsf::Result<std::unique_ptr<lsf::WorkerPool>> next_pool = std::unique_ptr<lsf::WorkerPool>();
    if (next && opt.workers > 0) next_pool = StartWorkers(opt, next_source);
    if (!next || !next_pool) {
      std::printf("reload failed, keeping the running policy: %s\n",
                  (!next ? next.error() : next_pool.error()).c_str());
    } else {
      if (pool) {
        dispatcher.SetWorkerPool(next_pool->get());  // drains the old pool first
        pool = std::move(*next_pool);
      }
      dispatcher.SwapPolicy(**next);
      active = std::move(*next);
      std::printf("reloaded %s: policy generation %u\n", opt.policy_path.c_str(), dispatcher.generation());
    }
    std::fflush(stdout);
  };
  dispatcher.Run(stop, maybe_reload);

  auto exit_info = (*port)->ExitInfo();
  (*port)->Detach();
  if (!exit_info) exit_info = (*port)->ExitInfo();
  std::printf("%s\n", dispatcher.StatsLine().c_str());
  if (!opt.stats_file.empty()) std::remove(opt.stats_file.c_str());
  std::printf("dispatcher: page_faults=%ld\n", lsf::PageFaults());
  if (exit_info) {
    std::printf("sched_ext exit: %s\n", lsf::scx::FormatExit(*exit_info).c_str());
    if (lsf::scx::ExitWantsRestart(*exit_info)) {
      *restart = true;
      return kExitEjected;
    }
    if (lsf::scx::ExitIsError(exit_info->kind)) {
      if (std::string dump = (*port)->ExitDump(); !dump.empty())
        std::printf("--- sched_ext debug dump ---\n%s\n--- end of dump ---\n", dump.c_str());
      std::fflush(stdout);
      return Fail(kExitEjected, "the kernel ejected the scheduler: " + lsf::scx::FormatExit(*exit_info));
    }
  }
  return kExitOk;
}

int Run(const lsf::Options& opt) {
  if (!lsf::scx::KernelHasSchedExt())
    return Fail(kExitStart,
                "this kernel has no sched_ext (needs CONFIG_SCHED_CLASS_EXT=y, Linux >= 6.12); "
                "to try luasched-fast here, run scripts/demo, which boots a sched_ext kernel in a VM");
  if (geteuid() != 0) return Fail(kExitStart, "loading a sched_ext scheduler needs root (CAP_SYS_ADMIN and CAP_BPF)");

  std::string source;
  auto policy = LoadPolicy(opt, &source);
  if (!policy) return Fail(kExitStart, policy.error());
  lsf::PolicyWatcher watcher;
  if (!opt.no_watch) {
    if (auto st = watcher.Watch(opt.policy_path); !st)
      std::fprintf(stderr, "luasched-fast: %s; reload with SIGHUP only\n", st.error().c_str());
  }

  if (auto st = lsf::PinToCpu(opt.cpu); !st) return Fail(kExitStart, st.error());
  std::atomic<bool> stop{false}, reload{false};
  lsf::InstallSignalHandlers(&stop, &reload);
  std::unique_ptr<lsf::PolicyEngine> active = std::move(*policy);
  std::unique_ptr<lsf::WorkerPool> pool;
  if (opt.workers > 0) {
    auto started = StartWorkers(opt, source);
    if (!started) return Fail(kExitStart, started.error());
    pool = std::move(*started);
  }
  // The kernel may unload the scheduler and ask for a restart (SCX_ECODE_ACT_RESTART, e.g. CPU
  // hotplug on a kernel that does not call the hotplug callbacks): load it again, a few times.
  constexpr int kMaxRestarts = 5;
  for (int restarts = 0;; ++restarts) {
    bool restart = false;
    int rc = RunScheduler(opt, stop, reload, watcher, active, pool, restarts == 0, &restart);
    if (!restart || stop.load()) return rc;
    if (restarts + 1 > kMaxRestarts) return Fail(kExitEjected, "the kernel asked for too many restarts; giving up");
    std::printf("luasched-fast: the kernel asked for a restart; loading the scheduler again (%d of %d)\n",
                restarts + 1, kMaxRestarts);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int nr_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_CONF));
  auto opt = lsf::ParseOptions(args, nr_cpus > 0 ? nr_cpus : 1);
  if (!opt) {
    std::fprintf(stderr, "luasched-fast: %s\n", opt.error().c_str());
    return kExitUsage;
  }
  if (opt->help) {
    std::fputs(lsf::UsageText().c_str(), stdout);
    return kExitOk;
  }
  if (opt->version) {
    std::printf("luasched-fast %s\n", LSF_VERSION);
    return kExitOk;
  }
  try {
    switch (opt->command) {
      case lsf::Options::Command::kDryRun: return RunDry(*opt);
      case lsf::Options::Command::kStats: return lsf::RunStatsView(opt->stats_file, opt->watch, opt->json, stdout);
      case lsf::Options::Command::kRun: break;
    }
    return Run(*opt);
  } catch (const std::exception& e) {  // only main sees exceptions (e.g. std::bad_alloc)
    return Fail(kExitStart, std::string("fatal: ") + e.what());
  }
}
