// Simulation tests of the Service (start, reload, shutdown, restart loop) against the FakeKernel port.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "dispatcher/decision_ring.h"
#include "dispatcher/service.h"
#include "tests/sim/fake_kernel.h"

namespace lsf::sim {
namespace {

constexpr const char* kRealtimeNginx =
    "local sched = require('sched')\n"
    "sched.attach(function(ctx)\n"
    "  if ctx:task():comm():find('nginx') then ctx:dsq(REALTIME) else ctx:dsq(DEFAULT) end\n"
    "end)\n";
constexpr const char* kBatchEverything =
    "local sched = require('sched')\nsched.attach(function(ctx) ctx:dsq(BATCH) end)\n";

// A FakeKernel as a loaded scheduler; the test keeps a pointer to each one the service loads.
class FakeScheduler final : public LoadedScheduler {
 public:
  explicit FakeScheduler(std::vector<FakeKernel*>* loaded) { loaded->push_back(&kernel_); }
  KernelPort& port() override { return kernel_; }
  Status Attach() override { return {}; }
  void Detach() override { detached_ = true; }
  std::string Describe() const override { return "fake kernel"; }

 private:
  FakeKernel kernel_;
  bool detached_ = false;
};

class ServiceSim : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/lsf_service_sim_" + std::to_string(getpid());
    mkdir(dir_.c_str(), 0755);
    chmod(dir_.c_str(), 0755);
    out_ = std::fopen("/dev/null", "w");
    Write(kRealtimeNginx);
  }
  void TearDown() override {
    std::fclose(out_);
    for (const char* f : {"/policy.lua", "/stats.json", "/metrics.prom"}) std::remove((dir_ + f).c_str());
    rmdir(dir_.c_str());
  }
  void Write(const std::string& text) {
    std::string tmp = dir_ + "/policy.lua.new";
    std::ofstream(tmp) << text;
    chmod(tmp.c_str(), 0644);
    std::rename(tmp.c_str(), (dir_ + "/policy.lua").c_str());
  }
  Options Opts() {
    Options o;
    o.policy_path = dir_ + "/policy.lua";
    o.stats_interval_s = 0;
    o.no_watch = true;
    o.stats_file = dir_ + "/stats.json";
    o.metrics_file = dir_ + "/metrics.prom";
    o.decisions_file = dir_ + "/decisions";
    return o;
  }
  // A service whose kernels are FakeKernels; `exits[i]` (if given) is what the i-th kernel reports
  // as soon as it is attached (the kernel unloading it at once).
  std::unique_ptr<Service> Make(std::vector<lsf_exit_info> exits = {}, int workers = 0) {
    Service::Env env;
    env.load = [this, exits](const Options&, const Faults&) -> Result<std::unique_ptr<LoadedScheduler>> {
      auto s = std::make_unique<FakeScheduler>(&loaded_);
      if (loaded_.size() <= exits.size()) loaded_.back()->SetExit(exits[loaded_.size() - 1]);
      return std::unique_ptr<LoadedScheduler>(std::move(s));
    };
    env.policy.nr_cpus = 4;
    env.policy.log = [](const std::string&) {};
    env.uid = getuid();
    env.out = out_;
    Options o = Opts();
    o.workers = workers;
    return std::make_unique<Service>(o, std::move(env), Faults{});
  }
  static bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

  std::string dir_;
  FILE* out_ = nullptr;
  std::vector<FakeKernel*> loaded_;
};

lsf_exit_info Exit(int kind, int64_t code) {
  lsf_exit_info e{};
  e.kind = kind;
  e.exit_code = code;
  return e;
}
constexpr int64_t kRestartCode = int64_t{1} << 48;  // SCX_ECODE_ACT_RESTART

TEST_F(ServiceSim, ReloadSwapsThePolicyAndABrokenOneKeepsTheRunningPolicy) {
  auto svc = Make();
  ASSERT_TRUE(svc->Prepare().ok());
  ASSERT_TRUE(svc->Start().ok());
  ASSERT_EQ(loaded_.size(), 1u);
  FakeKernel& k = *loaded_[0];
  k.Enqueue({.pid = 10, .comm = "nginx"});
  k.Enqueue({.pid = 11, .comm = "other"});
  svc->dispatcher().RunOnce(0);
  EXPECT_EQ(k.CachedClass(10), LSF_CLASS_REALTIME);
  EXPECT_EQ(k.CachedClass(11), LSF_CLASS_DEFAULT);

  Write(kBatchEverything);
  std::atomic<bool> requested{true};  // as SIGHUP sets it
  svc->MaybeReload(requested);
  EXPECT_FALSE(requested.load());
  EXPECT_EQ(svc->dispatcher().generation(), 2u);
  EXPECT_EQ(k.policy_gen(), 2u);
  EXPECT_EQ(k.Enqueue({.pid = 10, .comm = "nginx"}), FakeKernel::Placement::kProvisional)
      << "cached verdicts of generation 1 are misses now";
  EXPECT_EQ(k.QueuedClass(10), LSF_CLASS_DEFAULT) << "not by generation 1's verdict";
  svc->dispatcher().RunOnce(0);
  EXPECT_EQ(k.CachedClass(10), LSF_CLASS_BATCH);

  Write("sched.attach(function(ctx) ctx:dsq( end)\n");  // syntax error
  auto st = svc->Reload();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("syntax error"), std::string::npos) << st.error();
  EXPECT_EQ(svc->dispatcher().generation(), 2u) << "a failed reload bumps no generation";
  k.Enqueue({.pid = 12, .comm = "nginx"});
  svc->dispatcher().RunOnce(0);
  EXPECT_EQ(k.CachedClass(12), LSF_CLASS_BATCH) << "the running policy stays";

  std::atomic<bool> none{false};
  svc->MaybeReload(none);  // nothing asked, no watcher: nothing happens
  EXPECT_EQ(svc->dispatcher().generation(), 2u);
}

TEST_F(ServiceSim, ShutdownPublishedFilesAndRemovesThem) {
  auto svc = Make();
  ASSERT_TRUE(svc->Prepare().ok());
  ASSERT_TRUE(svc->Start().ok());
  loaded_[0]->Enqueue({.pid = 10, .comm = "nginx"});
  svc->dispatcher().RunOnce(0);
  svc->dispatcher().PublishFiles();
  std::ifstream metrics(dir_ + "/metrics.prom");
  std::string text((std::istreambuf_iterator<char>(metrics)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("luasched_fast_misses_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("luasched_fast_verdicts_sent_total 1\n"), std::string::npos) << text;
  EXPECT_TRUE(Exists(dir_ + "/stats.json"));
  Service::Stopped s = svc->Shutdown();
  EXPECT_EQ(s.exit_code, Service::kExitOk);
  EXPECT_FALSE(s.restart);
  EXPECT_FALSE(Exists(dir_ + "/stats.json")) << "no stale stats after a stop";
  EXPECT_FALSE(Exists(dir_ + "/metrics.prom")) << "no stale metrics after a stop";
}

// Every decision (with workers too) reaches the decision ring, with its source; the service removes
// the ring when it ends.
TEST_F(ServiceSim, DecisionsReachTheRingWithWorkersToo) {
  for (int workers : {0, 2}) {
    auto svc = Make({}, workers);
    ASSERT_TRUE(svc->Prepare().ok());
    ASSERT_TRUE(svc->Start().ok());
    FakeKernel& k = *loaded_.back();
    k.Enqueue({.pid = 10, .comm = "nginx"});
    k.Enqueue({.pid = 11, .comm = "other"});
    // workers decide on their own threads: wait by time (as ServiceCounters does), not by passes
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (svc->dispatcher().Snapshot()[Stat::VERDICTS_SENT] < 2 && std::chrono::steady_clock::now() < until)
      svc->dispatcher().RunOnce(1);
    auto ring = DecisionRingReader::Open(dir_ + "/decisions");
    ASSERT_TRUE(ring.ok()) << ring.error();
    ASSERT_EQ((*ring)->write_seq(), 2u) << workers << " workers";
    DecisionRecord r;  // nginx's: the first with no workers, either one with two
    ASSERT_EQ((*ring)->Read(0, &r), DecisionRingReader::ReadStatus::kOk);
    if (r.miss.pid != 10) {
      ASSERT_EQ((*ring)->Read(1, &r), DecisionRingReader::ReadStatus::kOk);
    }
    EXPECT_EQ(r.miss.pid, 10);
    EXPECT_EQ(r.dsq, static_cast<uint32_t>(LSF_CLASS_REALTIME));
    EXPECT_EQ(r.source, static_cast<uint32_t>(DecisionSource::kPolicy));
    EXPECT_TRUE(r.reads & LSF_READ_COMM);
    EXPECT_GT(r.line, 0);
    EXPECT_GT(r.real_ns, 0u);
    EXPECT_EQ((*ring)->policy_path(), dir_ + "/policy.lua");
    svc->Shutdown();
    svc.reset();
    EXPECT_FALSE(Exists(dir_ + "/decisions")) << "no stale decisions after the service ends";
  }
}

// Counters are monotonic for the life of the process: a policy reload (new engine, new worker
// pool) and a kernel restart (new BPF scheduler, new dispatcher) keep every count.
class ServiceCounters : public ServiceSim, public ::testing::WithParamInterface<int> {};

TEST_P(ServiceCounters, SurviveReloadsAndKernelRestarts) {
  auto svc = Make({}, GetParam());
  ASSERT_TRUE(svc->Prepare().ok());
  ASSERT_TRUE(svc->Start().ok());
  int32_t pid = 100;
  double asked = 0;
  // n new tasks decided (inline or by the pool's workers), then every counter
  auto decide = [&](int n) {
    FakeKernel& k = *loaded_.back();
    for (int i = 0; i < n; ++i) k.Enqueue({.pid = pid++, .comm = "nginx"});
    asked += n;
    // the pool's workers decide on their own threads: wait for them by time, not by a count of
    // passes (500 passes were not enough on a loaded host)
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (svc->dispatcher().Snapshot()[Stat::VERDICTS_SENT] < asked && std::chrono::steady_clock::now() < until)
      svc->dispatcher().RunOnce(1);
    return svc->dispatcher().Snapshot();
  };
  const Stat kMonotonic[] = {Stat::POLICY_DECISIONS, Stat::VERDICTS_SENT, Stat::POLICY_RELOADS, Stat::BATCHES,
                             KernelStat(LSF_ST_MISS), KernelStat(LSF_ST_VERDICT)};
  StatsSnapshot before = decide(5);
  EXPECT_EQ(before[Stat::POLICY_DECISIONS], 5);
  for (int reload = 1; reload <= 3; ++reload) {
    Write(reload % 2 ? kBatchEverything : kRealtimeNginx);
    ASSERT_TRUE(svc->Reload().ok());
    StatsSnapshot after = decide(2);
    for (Stat s : kMonotonic)
      EXPECT_GE(after[s], before[s]) << Field(s).key << " went back after reload " << reload;
    EXPECT_EQ(after[Stat::POLICY_DECISIONS], 5 + 2 * reload) << "after reload " << reload;
    EXPECT_EQ(after[Stat::POLICY_RELOADS], reload);
    before = after;
  }
  // the kernel unloads the scheduler asking for a restart; the service loads a new one
  loaded_.back()->SetExit(Exit(66, kRestartCode));
  ASSERT_TRUE(svc->Shutdown().restart);
  ASSERT_TRUE(svc->Start().ok());
  ASSERT_EQ(loaded_.size(), 2u);
  StatsSnapshot restarted = decide(1);
  for (Stat s : kMonotonic)
    EXPECT_GE(restarted[s], before[s]) << Field(s).key << " went back after the kernel restart";
  EXPECT_EQ(restarted[Stat::POLICY_DECISIONS], before[Stat::POLICY_DECISIONS] + 1);
  EXPECT_EQ(restarted[KernelStat(LSF_ST_MISS)], before[KernelStat(LSF_ST_MISS)] + 1);
  EXPECT_EQ(restarted[Stat::POLICY_RELOADS], 3) << "the reload count survives the restart";
  EXPECT_EQ(restarted[Stat::POLICY_GENERATION], 4) << "and so does the generation";
  EXPECT_EQ(loaded_.back()->policy_gen(), 4u) << "the new BPF side is told the running generation";
  svc->Shutdown();
}

INSTANTIATE_TEST_SUITE_P(InlineAndWorkers, ServiceCounters, ::testing::Values(0, 2),
                         [](const auto& info) { return info.param ? std::string("Workers") : std::string("Inline"); });

TEST_F(ServiceSim, PrepareRefusesAMissingPolicy) {
  std::remove((dir_ + "/policy.lua").c_str());
  auto svc = Make();
  auto st = svc->Prepare();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("cannot read policy"), std::string::npos) << st.error();
}

TEST_F(ServiceSim, RunLoadsTheSchedulerAgainWhenTheKernelAsksForARestart) {
  auto svc = Make({Exit(66, kRestartCode), Exit(64, 0)});  // restart request, then a clean unregister
  ASSERT_TRUE(svc->Prepare().ok());
  std::atomic<bool> stop{false}, reload{false};
  EXPECT_EQ(svc->Run(stop, reload), Service::kExitOk);
  EXPECT_EQ(loaded_.size(), 2u);
  EXPECT_EQ(svc->restarts(), 1);
}

TEST_F(ServiceSim, RunGivesUpAfterTooManyRestarts) {
  std::vector<lsf_exit_info> exits(Service::kMaxRestarts + 3, Exit(66, kRestartCode));
  auto svc = Make(exits);
  ASSERT_TRUE(svc->Prepare().ok());
  std::atomic<bool> stop{false}, reload{false};
  EXPECT_EQ(svc->Run(stop, reload), Service::kExitEjected);
  EXPECT_EQ(loaded_.size(), static_cast<size_t>(Service::kMaxRestarts + 1));
}

TEST_F(ServiceSim, AnErrorExitIsReportedAsAnEjection) {
  auto svc = Make({Exit(1026, 0)});  // SCX_EXIT_ERROR_STALL
  ASSERT_TRUE(svc->Prepare().ok());
  std::atomic<bool> stop{false}, reload{false};
  EXPECT_EQ(svc->Run(stop, reload), Service::kExitEjected);
  EXPECT_EQ(loaded_.size(), 1u);
}

TEST(Faults, ParsedFromTheEnvironmentSyntax) {
  Faults f = ParseFaults("drop-verdicts=3,drop-comm=nginx-worker,no-kick,bogus,attach-delay-ms=250,"
                         "bpf-object=/opt/x.bpf.o");
  EXPECT_EQ(f.drop_verdicts, 3u);
  EXPECT_EQ(f.drop_comm, "nginx-worker");
  EXPECT_TRUE(f.no_kick);
  EXPECT_EQ(f.attach_delay_ms, 250);
  EXPECT_EQ(f.bpf_object, "/opt/x.bpf.o");
  Faults none = ParseFaults("");
  EXPECT_EQ(none.drop_verdicts, 0u);
  EXPECT_FALSE(none.no_kick);
}

}  // namespace
}  // namespace lsf::sim
