// Service: the life of a running luasched-fast (start, reload, shutdown, restart on the kernel's request).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "port/kernel_port.h"
#include "common/result.h"
#include "dispatcher/dispatcher.h"
#include "dispatcher/options.h"
#include "dispatcher/policy_file.h"
#include "policies/policy_engine.h"

namespace lsf {

class DecisionRingWriter;
class WorkerPool;
struct Topology;

// Fault injection for the VM tests, from the environment:
//   LUASCHED_FAULTS=drop-verdicts=N[,drop-comm=NAME][,no-kick][,attach-delay-ms=MS][,bpf-object=PATH]
// drops the first N verdicts (for tasks named NAME only, if given) as if the verdict queue were
// full; does not load the kick program; waits MS ms between loading the BPF scheduler and attaching
// it; loads the BPF object at PATH (another build of the same program) instead of the built-in one.
// Unknown items are warned about and ignored.
struct Faults {
  uint64_t drop_verdicts = 0;
  std::string drop_comm;
  bool no_kick = false;
  int attach_delay_ms = 0;
  std::string bpf_object;
};
Faults ParseFaults(std::string_view spec);

// A scheduler loaded into the kernel, as the service drives it (BPF in main, a fake in the sim tests).
class LoadedScheduler {
 public:
  virtual ~LoadedScheduler() = default;
  virtual KernelPort& port() = 0;
  virtual Status Attach() = 0;
  virtual void Detach() = 0;
  // For the start banner: "arena transport, <topology>, sched_ext enabled (ops luasched)".
  virtual std::string Describe() const = 0;
  // The kernel's debug dump after an error exit ("" if none).
  virtual std::string ExitDump() const { return {}; }
};

class Service {
 public:
  // What the service takes from the machine (the sim tests give fakes).
  struct Env {
    // Loads (does not attach) the scheduler. Called again for each restart.
    std::function<Result<std::unique_ptr<LoadedScheduler>>(const Options&, const Faults&)> load;
    PolicyEngine::Options policy;     // engine options (slice, CPUs, LLCs)
    const Topology* topology = nullptr;
    unsigned uid = 0;                 // besides root, the owner a policy file may have
    FILE* out = stdout;               // data: stats lines, verdicts, exit report
    // Before the first attach: reserve the heap and lock memory (Options::heap_mb, no_mlock).
    std::function<Status(const Options&)> setup_memory;
  };
  static constexpr int kExitOk = 0, kExitEjected = 1, kExitUsage = 2, kExitStart = 3;
  static constexpr int kMaxRestarts = 5;

  Service(Options opt, Env env, Faults faults);
  ~Service();

  // Reads the policy through the trust checks and loads it, starts the workers and the file
  // watcher, creates the decision ring (a warning if it cannot: the scheduler runs without). No
  // kernel yet.
  Status Prepare();
  // Loads the scheduler, builds the dispatcher on it and attaches. REQUIRES: Prepare() succeeded.
  Status Start();
  // Reloads if `requested` was set (SIGHUP) or the policy file changed (clears `requested`).
  void MaybeReload(std::atomic<bool>& requested);
  // Reads and loads the policy file again; only a policy that loads (and whose workers start)
  // replaces the running one, which bumps the generation: every task is decided again. An error
  // leaves the running policy in place.
  Status Reload();
  // Detaches, prints the final stats line and the exit report, removes the stats and metrics
  // files. REQUIRES: Start() succeeded.
  struct Stopped {
    int exit_code = kExitOk;
    bool restart = false;  // the kernel unloaded the scheduler asking to be loaded again
  };
  Stopped Shutdown();
  // The whole life after Prepare(): Start, run until `stop` or the kernel unloads the scheduler,
  // Shutdown; again (at most kMaxRestarts times) when the kernel asks for a restart. Returns the
  // exit status.
  int Run(std::atomic<bool>& stop, std::atomic<bool>& reload);

  // REQUIRES: Start() succeeded (until Shutdown()).
  Dispatcher& dispatcher() { return *dispatcher_; }
  int restarts() const { return restarts_; }

 private:
  Result<std::unique_ptr<PolicyEngine>> LoadPolicy(std::string* source);
  Result<std::unique_ptr<WorkerPool>> StartWorkers(const std::string& source);

  Options opt_;
  Env env_;
  Faults faults_;
  PolicyWatcher watcher_;
  std::unique_ptr<PolicyEngine> active_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<LoadedScheduler> sched_;
  std::unique_ptr<DecisionRingWriter> decisions_;  // opt_.decisions_file's ring (removed with the service)
  std::unique_ptr<Dispatcher> dispatcher_;
  CarriedCounts carried_;  // what earlier scheduler instances counted (kernel restarts)
  bool memory_ready_ = false;
  int restarts_ = 0;
};

}  // namespace lsf
