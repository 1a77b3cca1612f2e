// Dispatcher: turns cache misses from the kernel into policy verdicts and sends them back.
#include "dispatcher/dispatcher.h"

#include <time.h>

#include <cinttypes>


#include "alloc/memory_lock.h"
#include "dispatcher/decision_ring.h"
#include "dispatcher/dry_run.h"
#include "dispatcher/encode_verdict.h"
#include "common/log.h"
#include "stats/metrics.h"
#include "dispatcher/worker_pool.h"
#include "policies/policy_engine.h"

namespace lsf {

namespace {

uint64_t ClockNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

uint64_t MonotonicNs() { return ClockNs(CLOCK_MONOTONIC); }

const char* ClassName(uint32_t cls) {
  switch (cls) {
    case LSF_CLASS_REALTIME: return "REALTIME";
    case LSF_CLASS_BATCH: return "BATCH";
    case LSF_CLASS_DEFAULT: return "DEFAULT";
    default: return "NONE";
  }
}

Dispatcher::Dispatcher(KernelPort& port, PolicyEngine& policy, Options opts, const CarriedCounts& carried)
    : port_(port), policy_(&policy), opts_(opts), drop_fault_(opts.fault_drop_verdicts, opts.fault_drop_comm),
      generation_(carried.generation), base_(carried),
      retired_policy_(carried.policy), counters_(carried.counters), miss_latency_(carried.miss_latency),
      start_ns_(MonotonicNs()), start_cpu_ns_(ClockNs(CLOCK_PROCESS_CPUTIME_ID)) {
  if (opts_.topology) placement_.emplace(*opts_.topology);
  port_.SetPolicyGeneration(generation_);
  port_.Heartbeat(MonotonicNs());
}

void Dispatcher::HandleMiss(const lsf_miss& m) {
  ++counters_.misses;
  if (pool_ && pool_->Submit(m)) return;
  SendDecision(m, policy_->Decide(m));
}

void Dispatcher::SendDecision(const lsf_miss& m, const Decision& decision) {
  if (decision.deferred) {  // no verdict: the task runs by its provisional one and asks again
    RecordDecision(m, decision, MonotonicNs());
    return;
  }
  Decision d = PlaceOnLlc(m, decision);
  if (!drop_fault_.Drop(m) && port_.SendVerdict(EncodeVerdict(m, d, generation_, opts_.fork_inherit))) {
    ++counters_.verdicts_sent;
    ++unflushed_;
  } else {
    ++counters_.verdict_queue_full;
  }
  uint64_t now = MonotonicNs();
  miss_latency_.Add(now > m.enq_ns ? now - m.enq_ns : 0);
  if (opts_.log_verdicts) LogVerdict(m, d, now);
  RecordDecision(m, d, now);
}

void Dispatcher::RecordDecision(const lsf_miss& m, const Decision& d, uint64_t now_ns) {
  if (opts_.decisions) opts_.decisions->Write(MakeDecisionRecord(m, d, now_ns, ClockNs(CLOCK_REALTIME), generation_));
}

Decision Dispatcher::PlaceOnLlc(const lsf_miss& m, Decision d) {
  if (d.llc < 0 || d.cpu != LSF_CPU_ANY || !placement_) return d;
  __u64 idle_words[LSF_CPU_WORDS];
  port_.ReadIdleCpus(idle_words);
  int cpu = placement_->Place(CpuSetFromWords(m.cpus_allowed), CpuSetFromWords(idle_words), m.prev_cpu, d.llc);
  if (cpu >= 0) {
    d.cpu = cpu;
    ++counters_.placements;
  }
  return d;
}

// One line per verdict sent: for people, or (--stats-json) a JSON object with the times that
// measure it: the miss's enqueue and the verdict's sending, both CLOCK_MONOTONIC ns.
void Dispatcher::LogVerdict(const lsf_miss& m, const Decision& d, uint64_t sent_ns) {
  char comm[LSF_COMM_LEN + 1] = {};
  __builtin_memcpy(comm, m.comm, LSF_COMM_LEN);
  const char* after = (m.flags & LSF_MISS_EXEC)     ? "exec"
                      : (m.flags & LSF_MISS_RENAME) ? "rename"
                      : (m.flags & LSF_MISS_CRED)   ? "uid change"
                      : (m.flags & LSF_MISS_CGROUP) ? "cgroup move"
                                                    : "";
  if (opts_.stats_json) {
    std::fprintf(opts_.out,
                 "{\"verdict_pid\": %d, \"tgid\": %d, \"uid\": %u, \"comm\": %s, \"class\": \"%s\", "
                 "\"slice_us\": %" PRIu64 ", \"cpu\": %d, \"after\": \"%s\", \"enq_ns\": %llu, \"sent_ns\": %llu}\n",
                 m.pid, m.tgid, m.uid, JsonString(comm).c_str(), ClassName(d.dsq), d.slice_ns / 1000, d.cpu, after,
                 static_cast<unsigned long long>(m.enq_ns), static_cast<unsigned long long>(sent_ns));
    return;
  }
  std::fprintf(opts_.out, "verdict pid=%d tgid=%d comm=%s -> %s slice_us=%" PRIu64 " cpu=%d%s%s%s\n", m.pid, m.tgid,
               comm, ClassName(d.dsq), d.slice_ns / 1000, d.cpu, *after ? " (after " : "", after, *after ? ")" : "");
}

void Dispatcher::DrainPool(uint64_t budget_ns) {
  if (!pool_) return;
  uint64_t deadline = MonotonicNs() + budget_ns;
  auto send = [this](const WorkerPool::Done& d) { SendDecision(d.miss, d.decision); };
  pool_->Drain(send);
  while (pool_->in_flight() > 0 && MonotonicNs() < deadline) {
    __builtin_ia32_pause();
    pool_->Drain(send);
  }
}

int Dispatcher::RunOnce(int timeout_ms) {
  port_.Heartbeat(MonotonicNs());
  DrainPool(0);  // stragglers of the previous pass
  int n = port_.PollMisses(timeout_ms, [this](const lsf_miss& m) { HandleMiss(m); });
  if (n > 0) ++counters_.batches;
  DrainPool(2'000'000);  // the batch's decisions, waiting up to 2 ms for slow workers
  if (unflushed_ > 0) {
    unflushed_ = 0;
    port_.FlushVerdicts();
  }
  return n;
}

void Dispatcher::SetWorkerPool(WorkerPool* pool) {
  while (pool_ && pool_->in_flight() > 0) DrainPool(1'000'000);
  if (pool_ && pool_ != pool) retired_policy_.AddRelaxed(pool_->Counters());  // its counts outlive it
  pool_ = pool;
}

void Dispatcher::SwapPolicy(PolicyEngine& policy) {
  if (policy_ != &policy) retired_policy_.AddRelaxed(policy_->counters());
  policy_ = &policy;
  port_.SetPolicyGeneration(++generation_);
  ++counters_.reloads;
}

void Dispatcher::Run(const std::atomic<bool>& stop, const std::function<void()>& each_pass) {
  constexpr uint64_t kSec = 1'000'000'000ull;
  uint64_t next_stats = MonotonicNs() + static_cast<uint64_t>(opts_.stats_interval_s) * kSec;
  uint64_t next_file = MonotonicNs();
  uint64_t next_housekeeping = 0;
  uint64_t last_activity = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    // Busy-poll right after activity (misses come in bursts), sleep in epoll once idle.
    bool spin = MonotonicNs() - last_activity < opts_.spin_ns;
    int n = RunOnce(spin ? 0 : opts_.poll_timeout_ms);
    ++(spin ? counters_.spin_passes : counters_.sleeps);
    uint64_t now = MonotonicNs();
    if (n > 0) last_activity = now;
    if (spin && now < next_housekeeping) continue;
    next_housekeeping = now + 50'000'000;  // at most every 50 ms while spinning
    if (port_.ExitInfo()) break;
    if (each_pass) each_pass();
    if (opts_.stats_interval_s > 0 && now >= next_stats) {
      StatsSnapshot snap = Snapshot();
      std::fprintf(opts_.out, "%s\n", (opts_.stats_json ? FormatStatsJson(snap) : FormatStatsLine(snap)).c_str());
      std::fflush(opts_.out);
      next_stats += static_cast<uint64_t>(opts_.stats_interval_s) * kSec;
    }
    if ((!opts_.stats_file.empty() || !opts_.metrics_file.empty()) && now >= next_file) {
      next_file = now + kSec;
      PublishFiles();
    }
  }
}

void Dispatcher::PublishFiles() {
  StatsSnapshot snap = Snapshot();
  // A file that cannot be written is reported once and then left alone (the scheduler goes on).
  auto publish = [](std::string& path, const std::string& contents, const char* what) {
    if (path.empty()) return;
    if (auto st = WriteFileAtomic(path, contents); !st) {
      LogWarning("%s (%s disabled)", st.error().c_str(), what);
      path.clear();
    }
  };
  publish(opts_.stats_file, FormatStatsJson(snap) + "\n", "stats file");
  publish(opts_.metrics_file, FormatMetrics(snap), "metrics file");
}

CarriedCounts Dispatcher::Carry() const {
  CarriedCounts c = base_;
  KernelStats k = port_.ReadStats();
  for (int i = 0; i < LSF_NR_STATS; ++i) c.kernel.v[i] += k.v[i];
  std::vector<KernelStats> per_cpu = port_.ReadStatsPerCpu();
  if (c.per_cpu.size() < per_cpu.size()) c.per_cpu.resize(per_cpu.size());
  for (size_t cpu = 0; cpu < per_cpu.size(); ++cpu)
    for (int i = 0; i < LSF_NR_STATS; ++i) c.per_cpu[cpu].v[i] += per_cpu[cpu].v[i];
  for (int h = 0; h < LSF_NR_HISTS; ++h) {
    uint64_t buckets[LSF_HIST_BUCKETS];
    port_.ReadHistogram(static_cast<lsf_hist>(h), buckets);
    for (int b = 0; b < LSF_HIST_BUCKETS; ++b) c.hists[h][b] += buckets[b];
  }
  c.counters = counters_;
  c.policy = retired_policy_;  // the engine and pool in use keep their own counts (and outlive us)
  c.miss_latency = miss_latency_;
  c.generation = generation_;
  return c;
}

StatsSnapshot Dispatcher::Snapshot() const {
  CarriedCounts all = Carry();
  const KernelStats& k = all.kernel;
  PolicyCounters p = all.policy;
  if (pool_) p.AddRelaxed(pool_->Counters());
  p.AddRelaxed(policy_->counters());
  uint64_t lookups = k[LSF_ST_HIT] + k[LSF_ST_MISS];
  uint64_t wall = MonotonicNs() - start_ns_;
  uint64_t cpu = ClockNs(CLOCK_PROCESS_CPUTIME_ID) - start_cpu_ns_;
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  StatsSnapshot s;
  for (int i = 0; i < LSF_NR_STATS; ++i) s.Set(KernelStat(static_cast<lsf_stat>(i)), d(k.v[i]));
  s.per_cpu = std::move(all.per_cpu);
  s.Set(Stat::UPTIME, d(wall) / 1e9);
  s.Set(Stat::HIT_RATE, lookups ? 100.0 * d(k[LSF_ST_HIT]) / d(lookups) : 0.0);
  s.Set(Stat::VERDICTS_SENT, d(counters_.verdicts_sent));
  s.Set(Stat::VERDICTS_QUEUE_FULL, d(counters_.verdict_queue_full));
#define LSF_PC_SET_(A, field, ID, ...) s.Set(Stat::POLICY_##ID, d(p.field));
  LSF_POLICY_COUNTERS(LSF_PC_SET_, _)
#undef LSF_PC_SET_
#define LSF_PC_CLASS_SET_(A, cls, ID, ...) s.Set(Stat::POLICY_##ID, d(p.per_class[cls]));
  LSF_POLICY_CLASS_COUNTERS(LSF_PC_CLASS_SET_, _)
#undef LSF_PC_CLASS_SET_
  s.Set(Stat::POLICY_GENERATION, d(generation_));
  s.Set(Stat::POLICY_RELOADS, d(counters_.reloads));
  s.Set(Stat::PLACEMENTS, d(counters_.placements));
  s.Set(Stat::MISS_TO_VERDICT_P50, d(miss_latency_.Quantile(0.5)) / 1e3);
  s.Set(Stat::MISS_TO_VERDICT_P99, d(miss_latency_.Quantile(0.99)) / 1e3);
  s.Set(Stat::MISS_TO_VERDICT_MAX, d(miss_latency_.max()) / 1e3);
  auto hist = [&all](lsf_hist h) { return LatencyHistogram::FromBuckets(all.hists[h], LSF_HIST_BUCKETS); };
  LatencyHistogram rtt = hist(LSF_HIST_ROUND_TRIP);
  s.Set(Stat::ROUND_TRIP_P50, d(rtt.Quantile(0.5)) / 1e3);
  s.Set(Stat::ROUND_TRIP_P99, d(rtt.Quantile(0.99)) / 1e3);
  s.Set(Stat::ROUND_TRIPS, d(rtt.count()));
  s.Set(Stat::DISPATCH_VERDICTS_MAX, d(hist(LSF_HIST_DISPATCH_VERDICTS).max()));
  const struct {
    lsf_hist h;
    Stat p50, p99;
  } wake[] = {{LSF_HIST_WAKE_REALTIME, Stat::WAKE_REALTIME_P50, Stat::WAKE_REALTIME_P99},
              {LSF_HIST_WAKE_BATCH, Stat::WAKE_BATCH_P50, Stat::WAKE_BATCH_P99},
              {LSF_HIST_WAKE_DEFAULT, Stat::WAKE_DEFAULT_P50, Stat::WAKE_DEFAULT_P99}};
  for (const auto& w : wake) {
    LatencyHistogram l = hist(w.h);
    s.Set(w.p50, d(l.Quantile(0.5)) / 1e3);
    s.Set(w.p99, d(l.Quantile(0.99)) / 1e3);
  }
  s.Set(Stat::BATCHES, d(counters_.batches));
  s.Set(Stat::SLEEPS, d(counters_.sleeps));
  s.Set(Stat::SPIN_PASSES, d(counters_.spin_passes));
  s.Set(Stat::DISPATCHER_CPU, wall ? 100.0 * d(cpu) / d(wall) : 0.0);
  s.Set(Stat::PAGE_FAULTS, static_cast<double>(PageFaults()));
  return s;
}

}  // namespace lsf
