// luasched-fast: thin main. Parses options and hands over to the command (Service, dry run, stats, top, check, why, record, replay).
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "alloc/heap.h"
#include "alloc/memory_lock.h"
#include "port/scx_host.h"
#include "dispatcher/bpf_scheduler.h"
#include "dispatcher/check.h"
#include "dispatcher/dry_run.h"
#include "common/log.h"
#include "dispatcher/options.h"
#include "dispatcher/proc_scan.h"
#include "dispatcher/process.h"
#include "dispatcher/service.h"
#include "dispatcher/synthetic_tasks.h"
#include "dispatcher/record.h"
#include "dispatcher/replay.h"
#include "dispatcher/why.h"
#include "stats/stats_view.h"
#include "stats/top.h"
#include "topology/topology.h"

#ifndef LSF_VERSION
#define LSF_VERSION "0.0.0"
#endif

namespace {

using lsf::Service;

// The machine's topology (hwloc), once; nullptr if hwloc cannot tell (ctx:llc() then sees one LLC).
const lsf::Topology* MachineTopology() {
  static const std::unique_ptr<lsf::Topology> topo = [] {
    auto t = lsf::TopologyFromHwloc();
    if (!t) {
      lsf::LogWarning("%s; ctx:llc() will be ignored", t.error().c_str());
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

int Fail(int code, const std::string& msg) {
  lsf::LogError("%s", msg.c_str());
  return code;
}

int RunDry(const lsf::Options& opt) {
  auto text = lsf::ReadTrustedPolicy(opt.policy_path, getuid());
  if (!text) return Fail(Service::kExitStart, text.error());
  auto policy = lsf::PolicyEngine::LoadString(*text, opt.policy_path, PolicyOptions(opt));
  if (!policy) return Fail(Service::kExitStart, policy.error());
  lsf::DryRun(**policy, lsf::ScanProc("/proc", opt.threads), opt.json, stdout);
  return Service::kExitOk;
}

// check FILE: the built-in tasks, then (unless --no-proc) the running ones, as the dry run reads them.
int RunCheck(const lsf::Options& opt) {
  auto text = lsf::ReadTrustedPolicy(opt.policy_path, getuid());
  if (!text) return Fail(lsf::kCheckNoLoad, text.error());
  lsf::PolicyEngine::Options popts = PolicyOptions(opt);
  std::vector<lsf::CheckTask> tasks = lsf::SyntheticTasks(popts.nr_cpus);
  if (!opt.no_proc) {
    for (const lsf_miss& m : lsf::ScanProc("/proc", opt.threads))
      if (!(m.flags & LSF_MISS_KTHREAD)) tasks.push_back({m, "proc", "", -1});
  }
  lsf::CheckReport report = lsf::CheckPolicy(*text, opt.policy_path, popts, tasks);
  lsf::PrintCheck(report, opt.json, stdout);
  return lsf::CheckExitCode(report);
}

// What a recording says of this machine: host, kernel, CPUs and their LLCs (for replay's ctx:cpu and ctx:llc).
lsf::RecordingHeader MachineHeader(const lsf::Options& opt) {
  lsf::RecordingHeader h;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  h.host = host;
  utsname u {};
  if (uname(&u) == 0) h.kernel = u.release;
  lsf::PolicyEngine::Options popts = PolicyOptions(opt);
  h.nr_cpus = static_cast<uint32_t>(popts.nr_cpus);
  h.cpu_llc.assign(popts.cpu_llc.begin(), popts.cpu_llc.end());
  return h;
}

// record -o FILE: until Ctrl-C, --duration or --max-mb; says what it wrote and lost.
int RunRecording(const lsf::Options& opt) {
  lsf::RecordOptions ro;
  ro.decisions_file = opt.decisions_file;
  ro.output = opt.output;
  ro.duration_s = opt.duration_s;
  ro.max_bytes = static_cast<uint64_t>(opt.max_mb) << 20;
  ro.header = MachineHeader(opt);
  std::atomic<bool> stop{false}, reload{false};
  lsf::InstallSignalHandlers(&stop, &reload);
  lsf::RecordResult r = lsf::RunRecord(ro, stop);
  if (r.exit_code == lsf::kRecordNoInstance) return r.exit_code;
  std::printf("recorded %llu decisions to %s (%llu bytes), %llu lost (the ring lapped the recorder): %s\n",
              static_cast<unsigned long long>(r.written), opt.output.c_str(), static_cast<unsigned long long>(r.bytes),
              static_cast<unsigned long long>(r.lost), r.why_stopped.c_str());
  return r.exit_code;
}

// replay FILE --policy NEW.lua: the recording and the policy (read as the scheduler would), then the diff.
int RunReplay(const lsf::Options& opt) {
  std::vector<lsf::ReplayExpect> expects;
  for (const std::string& e : opt.expect) {
    auto parsed = lsf::ParseExpect(e);
    if (!parsed) return Fail(Service::kExitUsage, parsed.error());
    expects.push_back(*parsed);
  }
  auto rec = lsf::ReadRecording(opt.recording_path);
  if (!rec) return Fail(lsf::kReplayCannotRead, rec.error());
  auto text = lsf::ReadTrustedPolicy(opt.policy_path, getuid());
  if (!text) return Fail(lsf::kReplayCannotRead, text.error());
  lsf::PolicyEngine::Options popts;
  popts.default_slice_ns = opt.slice_ns;
  auto report = lsf::ReplayRecording(*rec, opt.recording_path, *text, opt.policy_path, popts, std::move(expects));
  if (!report) return Fail(lsf::kReplayCannotRead, report.error());
  lsf::PrintReplay(*report, opt.json, stdout);
  return lsf::ReplayExitCode(*report);
}

int Run(const lsf::Options& opt) {
  if (!lsf::scx::KernelHasSchedExt())
    return Fail(Service::kExitStart,
                "this kernel has no sched_ext (needs CONFIG_SCHED_CLASS_EXT=y, Linux >= 6.12); "
                "to try luasched-fast here, run scripts/demo, which boots a sched_ext kernel in a VM");
  if (geteuid() != 0)
    return Fail(Service::kExitStart, "loading a sched_ext scheduler needs root (CAP_SYS_ADMIN and CAP_BPF)");

  Service::Env env;
  env.load = [](const lsf::Options& o, const lsf::Faults& f) { return lsf::LoadBpfScheduler(o, f, MachineTopology()); };
  env.policy = PolicyOptions(opt);
  env.topology = MachineTopology();
  env.uid = getuid();
  env.setup_memory = [](const lsf::Options& o) -> lsf::Status {
    if (o.heap_mb > 0) {
      if (auto st = lsf::ReserveHeap(static_cast<size_t>(o.heap_mb) << 20); !st) return st;
    }
    if (!o.no_mlock) return lsf::LockAllMemory();  // MCL_FUTURE: a restarted scheduler's mappings too
    return {};
  };
  const char* faults = std::getenv("LUASCHED_FAULTS");
  Service service(opt, std::move(env), lsf::ParseFaults(faults ? faults : ""));
  if (auto st = service.Prepare(); !st) return Fail(Service::kExitStart, st.error());
  if (auto st = lsf::PinToCpu(opt.cpu); !st) return Fail(Service::kExitStart, st.error());
  std::atomic<bool> stop{false}, reload{false};
  lsf::InstallSignalHandlers(&stop, &reload);
  return service.Run(stop, reload);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int nr_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_CONF));
  auto opt = lsf::ParseOptions(args, nr_cpus > 0 ? nr_cpus : 1);
  if (!opt) return Fail(Service::kExitUsage, opt.error());
  if (opt->help) {
    std::fputs(lsf::UsageText(nr_cpus).c_str(), stdout);
    return Service::kExitOk;
  }
  if (opt->version) {
    std::printf("luasched-fast %s\n", LSF_VERSION);
    return Service::kExitOk;
  }
  lsf::SetLogLevel(opt->log_level);
  try {
    switch (opt->command) {
      case lsf::Options::Command::kDryRun: return RunDry(*opt);
      case lsf::Options::Command::kStats:
        if (opt->list) return lsf::ListStats(stdout);
        return lsf::RunStatsView(opt->stats_file, opt->watch, opt->json, stdout);
      case lsf::Options::Command::kTop: return lsf::RunTop(opt->stats_file);
      case lsf::Options::Command::kCheck: return RunCheck(*opt);
      case lsf::Options::Command::kWhy: return lsf::RunWhy(opt->decisions_file, opt->pid, opt->json, stdout);
      case lsf::Options::Command::kRecord: return RunRecording(*opt);
      case lsf::Options::Command::kReplay: return RunReplay(*opt);
      case lsf::Options::Command::kRun: return Run(*opt);
    }
    return Service::kExitUsage;
  } catch (const std::exception& e) {  // only main sees exceptions (e.g. std::bad_alloc)
    return Fail(Service::kExitStart, std::string("fatal: ") + e.what());
  }
}
