// Service: the life of a running luasched-fast (start, reload, shutdown, restart on the kernel's request).
#include "dispatcher/service.h"

#include <cstdlib>
#include <fstream>
#include <vector>

#include "alloc/memory_lock.h"
#include "port/scx_host.h"
#include "common/log.h"
#include "dispatcher/decision_ring.h"
#include "dispatcher/worker_pool.h"
#include "topology/placement.h"

#ifndef LSF_VERSION
#define LSF_VERSION "0.0.0"
#endif

namespace lsf {

Faults ParseFaults(std::string_view s) {
  Faults f;
  for (size_t pos = 0; pos < s.size();) {
    size_t end = s.find(',', pos);
    std::string item(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (item.rfind("drop-verdicts=", 0) == 0) f.drop_verdicts = std::strtoull(item.c_str() + 14, nullptr, 10);
    else if (item.rfind("drop-comm=", 0) == 0) f.drop_comm = item.substr(10);
    else if (item == "no-kick") f.no_kick = true;
    else if (item.rfind("attach-delay-ms=", 0) == 0) f.attach_delay_ms = std::atoi(item.c_str() + 16);
    else if (item.rfind("bpf-object=", 0) == 0) f.bpf_object = item.substr(11);
    else if (!item.empty()) LogWarning("LUASCHED_FAULTS: unknown fault '%s' ignored", item.c_str());
    pos = end == std::string_view::npos ? s.size() : end + 1;
  }
  if (f.drop_verdicts || f.no_kick || f.attach_delay_ms > 0 || !f.bpf_object.empty())
    LogWarning("fault injection: %.*s", static_cast<int>(s.size()), s.data());
  return f;
}

Service::Service(Options opt, Env env, Faults faults)
    : opt_(std::move(opt)), env_(std::move(env)), faults_(std::move(faults)) {}

Service::~Service() = default;

Result<std::unique_ptr<PolicyEngine>> Service::LoadPolicy(std::string* source) {
  auto text = ReadTrustedPolicy(opt_.policy_path, env_.uid);
  if (!text) return MakeError(text.error());
  *source = *text;
  return PolicyEngine::LoadString(*text, opt_.policy_path, env_.policy);
}

// Worker threads (opt.workers > 0) on every online CPU but the dispatcher's, each with an engine
// built from the same checked text.
Result<std::unique_ptr<WorkerPool>> Service::StartWorkers(const std::string& source) {
  if (opt_.workers <= 0) return std::unique_ptr<WorkerPool>();
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string online;
  std::getline(in, online);
  std::vector<int> cpus = WorkerCpus(online, opt_.cpu);
  std::string path = opt_.policy_path;
  PolicyEngine::Options popts = env_.policy;
  return WorkerPool::Start(
      opt_.workers, [source, path, popts] { return PolicyEngine::LoadString(source, path, popts); }, cpus);
}

Status Service::Prepare() {
  std::string source;
  auto policy = LoadPolicy(&source);
  if (!policy) return MakeError(policy.error());
  active_ = std::move(*policy);
  auto pool = StartWorkers(source);
  if (!pool) return MakeError(pool.error());
  pool_ = std::move(*pool);
  if (!opt_.no_watch) {
    if (auto st = watcher_.Watch(opt_.policy_path); !st) LogWarning("%s; reload with SIGHUP only", st.error().c_str());
  }
  if (!opt_.decisions_file.empty()) {
    auto ring = DecisionRingWriter::Create(opt_.decisions_file, opt_.policy_path);
    if (ring) decisions_ = std::move(*ring);
    else LogWarning("%s (`why` and `record` will find no decisions)", ring.error().c_str());
  }
  return {};
}

Status Service::Start() {
  auto sched = env_.load(opt_, faults_);
  if (!sched) return MakeError(sched.error());
  sched_ = std::move(*sched);
  if (!memory_ready_ && env_.setup_memory) {  // once: MCL_FUTURE covers the mappings of a restart
    if (auto st = env_.setup_memory(opt_); !st) return st;
  }
  memory_ready_ = true;

  Dispatcher::Options d;
  d.log_verdicts = opt_.log_verdicts;
  d.stats_interval_s = opt_.stats_interval_s;
  d.stats_json = opt_.stats_json;
  d.out = env_.out;
  d.topology = env_.topology;
  d.fork_inherit = opt_.fork == Options::ForkMode::kInherit;
  d.spin_ns = opt_.spin_us < 0 ? UINT64_MAX : static_cast<uint64_t>(opt_.spin_us) * 1000;
  d.stats_file = opt_.stats_file;
  d.metrics_file = opt_.metrics_file;
  d.decisions = decisions_.get();
  d.fault_drop_verdicts = faults_.drop_verdicts;
  d.fault_drop_comm = faults_.drop_comm;
  dispatcher_ = std::make_unique<Dispatcher>(sched_->port(), *active_, d, carried_);
  if (pool_) dispatcher_->SetWorkerPool(pool_.get());
  if (auto st = sched_->Attach(); !st) return st;
  LogInfo("version %s running: policy %s, dispatcher on CPU %d, %s", LSF_VERSION, opt_.policy_path.c_str(), opt_.cpu,
          sched_->Describe().c_str());
  return {};
}

void Service::MaybeReload(std::atomic<bool>& requested) {
  bool changed = !opt_.no_watch && watcher_.Changed();
  if (!requested.exchange(false) && !changed) return;
  if (auto st = Reload(); !st) LogWarning("reload failed, keeping the running policy: %s", st.error().c_str());
}

Status Service::Reload() {
  std::string source;
  auto next = LoadPolicy(&source);
  if (!next) return MakeError(next.error());
  auto next_pool = StartWorkers(source);
  if (!next_pool) return MakeError(next_pool.error());
  if (dispatcher_) {
    if (pool_) dispatcher_->SetWorkerPool(next_pool->get());  // drains the old pool first
    dispatcher_->SwapPolicy(**next);
  }
  if (pool_) pool_ = std::move(*next_pool);
  active_ = std::move(*next);
  LogInfo("reloaded %s: policy generation %u", opt_.policy_path.c_str(), dispatcher_ ? dispatcher_->generation() : 1u);
  return {};
}

Service::Stopped Service::Shutdown() {
  Stopped out;
  KernelPort& port = sched_->port();
  auto exit_info = port.ExitInfo();
  sched_->Detach();
  if (!exit_info) exit_info = port.ExitInfo();
  // the final counters, in the form the periodic ones take (--stats-json: one JSON line)
  StatsSnapshot final_snap = dispatcher_->Snapshot();
  std::fprintf(env_.out, "%s\n",
               (opt_.stats_json ? FormatStatsJson(final_snap) : FormatStatsLine(final_snap)).c_str());
  if (!opt_.stats_file.empty()) std::remove(opt_.stats_file.c_str());
  if (!opt_.metrics_file.empty()) std::remove(opt_.metrics_file.c_str());  // no stale metrics
  std::fprintf(env_.out, "dispatcher: page_faults=%ld\n", PageFaults());
  if (exit_info) {
    std::fprintf(env_.out, "sched_ext exit: %s\n", scx::FormatExit(*exit_info).c_str());
    if (scx::ExitWantsRestart(*exit_info)) {
      out = {kExitEjected, true};
    } else if (scx::ExitIsError(exit_info->kind)) {
      if (std::string dump = sched_->ExitDump(); !dump.empty())
        std::fprintf(env_.out, "--- sched_ext debug dump ---\n%s\n--- end of dump ---\n", dump.c_str());
      std::fflush(env_.out);
      LogError("the kernel ejected the scheduler: %s", scx::FormatExit(*exit_info).c_str());
      out = {kExitEjected, false};
    }
  }
  std::fflush(env_.out);
  carried_ = dispatcher_->Carry();  // a restarted scheduler counts on from here
  dispatcher_.reset();
  sched_.reset();
  return out;
}

int Service::Run(std::atomic<bool>& stop, std::atomic<bool>& reload) {
  // The kernel may unload the scheduler and ask for a restart (SCX_ECODE_ACT_RESTART, e.g. CPU
  // hotplug on a kernel that does not call the hotplug callbacks): load it again, a few times.
  for (restarts_ = 0;; ++restarts_) {
    if (auto st = Start(); !st) {
      LogError("%s", st.error().c_str());
      dispatcher_.reset();
      sched_.reset();
      return kExitStart;
    }
    dispatcher_->Run(stop, [&] { MaybeReload(reload); });
    Stopped s = Shutdown();
    if (!s.restart || stop.load()) return s.exit_code;
    if (restarts_ + 1 > kMaxRestarts) {
      LogError("the kernel asked for too many restarts; giving up");
      return kExitEjected;
    }
    LogWarning("the kernel asked for a restart; loading the scheduler again (%d of %d)", restarts_ + 1, kMaxRestarts);
  }
}

}  // namespace lsf
