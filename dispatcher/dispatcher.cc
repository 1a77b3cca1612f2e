// Dispatcher: turns cache misses from the kernel into policy verdicts and sends them back.
#include "dispatcher/dispatcher.h"

#include <time.h>

#include <cinttypes>
#include <cstring>


#include "alloc/memory_lock.h"
#include "dispatcher/worker_pool.h"
#include "topology/placement.h"
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

Dispatcher::Dispatcher(KernelPort& port, PolicyEngine& policy, Options opts)
    : port_(port), policy_(&policy), opts_(opts), start_ns_(MonotonicNs()),
      start_cpu_ns_(ClockNs(CLOCK_PROCESS_CPUTIME_ID)) {
  port_.SetPolicyGeneration(generation_);
  port_.Heartbeat(MonotonicNs());
}

void Dispatcher::HandleMiss(const lsf_miss& m) {
  ++counters_.misses;
  if (pool_ && pool_->Submit(m)) return;
  SendDecision(m, policy_->Decide(m));
}

void Dispatcher::SendDecision(const lsf_miss& m, const Decision& decision) {
  Decision d = decision;
  if (d.llc >= 0 && d.cpu == LSF_CPU_ANY && opts_.topology) {
    // An LLC, not a CPU: pick an idle CPU there now (whole idle core first), within the allowed set.
    // CPUs handed out earlier count as taken (the kernel's idle mask only learns of them when the
    // task runs), so a burst spreads over the LLC; once every allowed CPU is taken, start over.
    __u64 idle_words[LSF_CPU_WORDS];
    port_.ReadIdleCpus(idle_words);
    CpuSet allowed = CpuSetFromWords(m.cpus_allowed), idle = CpuSetFromWords(idle_words);
    int cpu = PickCpu(*opts_.topology, allowed & ~placed_, idle & ~placed_, m.prev_cpu, d.llc);
    if (cpu < 0 || opts_.topology->Find(cpu) == nullptr || (d.llc >= 0 && opts_.topology->Find(cpu)->llc != d.llc)) {
      placed_.reset();
      cpu = PickCpu(*opts_.topology, allowed, idle, m.prev_cpu, d.llc);
    }
    if (cpu >= 0) {
      d.cpu = cpu;
      placed_.set(static_cast<size_t>(cpu));
      ++counters_.placements;
    }
  }
  lsf_verdict v{};
  v.seq = m.seq;
  v.slice_ns = d.slice_ns;
  v.miss_enq_ns = m.enq_ns;
  v.pid = m.pid;
  v.cpu = d.cpu;
  v.dsq = d.dsq;
  v.policy_gen = generation_;
  bool inject_drop = faults_dropped_ < opts_.fault_drop_verdicts &&
                     (opts_.fault_drop_comm.empty() ||
                      opts_.fault_drop_comm.compare(0, LSF_COMM_LEN, m.comm, strnlen(m.comm, LSF_COMM_LEN)) == 0);
  if (inject_drop) ++faults_dropped_;
  if (!inject_drop && port_.SendVerdict(v)) {
    ++counters_.verdicts_sent;
    ++unflushed_;
  } else {
    ++counters_.verdict_queue_full;
  }
  uint64_t now = MonotonicNs();
  miss_latency_.Add(now > m.enq_ns ? now - m.enq_ns : 0);
  if (opts_.log_verdicts) {
    char comm[LSF_COMM_LEN + 1] = {};
    __builtin_memcpy(comm, m.comm, LSF_COMM_LEN);
    std::fprintf(opts_.out, "verdict pid=%d tgid=%d comm=%s -> %s slice_us=%" PRIu64 " cpu=%d%s\n", m.pid,
                 m.tgid, comm, ClassName(d.dsq), d.slice_ns / 1000, d.cpu,
                 (m.flags & LSF_MISS_EXEC) ? " (after exec)" : (m.flags & LSF_MISS_RENAME) ? " (after rename)" : "");
  }
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
  pool_ = pool;
}

void Dispatcher::SwapPolicy(PolicyEngine& policy) {
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
  bool file_error_logged = false;
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
    if (!opts_.stats_file.empty() && now >= next_file) {
      next_file = now + kSec;
      if (auto st = WriteFileAtomic(opts_.stats_file, FormatStatsJson(Snapshot()) + "\n"); !st && !file_error_logged) {
        std::fprintf(stderr, "luasched-fast: %s (stats file disabled)\n", st.error().c_str());
        file_error_logged = true;
        opts_.stats_file.clear();
      }
    }
  }
}

StatsSnapshot Dispatcher::Snapshot() const {
  KernelStats k = port_.ReadStats();
  PolicyCounters p = pool_ ? pool_->Counters() : PolicyCounters{};
  p.AddRelaxed(policy_->counters());
  uint64_t lookups = k[LSF_ST_HIT] + k[LSF_ST_MISS];
  uint64_t wall = MonotonicNs() - start_ns_;
  uint64_t cpu = ClockNs(CLOCK_PROCESS_CPUTIME_ID) - start_cpu_ns_;
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  StatsSnapshot s;
  s.Add("uptime_s", d(wall) / 1e9);
  s.Add("hits", d(k[LSF_ST_HIT]));
  s.Add("misses", d(k[LSF_ST_MISS]));
  s.Add("hit_rate_pct", lookups ? 100.0 * d(k[LSF_ST_HIT]) / d(lookups) : 0.0);
  s.Add("ins_realtime", d(k[LSF_ST_INS_REALTIME]));
  s.Add("ins_batch", d(k[LSF_ST_INS_BATCH]));
  s.Add("ins_default", d(k[LSF_ST_INS_DEFAULT]));
  s.Add("ins_cpu", d(k[LSF_ST_INS_CPU]));
  s.Add("direct", d(k[LSF_ST_DIRECT]));
  s.Add("disp_realtime", d(k[LSF_ST_DISP_REALTIME]));
  s.Add("disp_batch", d(k[LSF_ST_DISP_BATCH]));
  s.Add("disp_default", d(k[LSF_ST_DISP_DEFAULT]));
  s.Add("disp_cpu", d(k[LSF_ST_DISP_CPU]));
  s.Add("starve_boost", d(k[LSF_ST_STARVE_BOOST]));
  s.Add("fallback_deadline", d(k[LSF_ST_FALLBACK_DEADLINE]));
  s.Add("fallback_ringbuf_full", d(k[LSF_ST_MISS_RB_FULL]));
  s.Add("fallback_no_user", d(k[LSF_ST_FALLBACK_NOUSER]));
  s.Add("fallback_cache_full", d(k[LSF_ST_CACHE_FULL]));
  s.Add("verdicts_sent", d(counters_.verdicts_sent));
  s.Add("verdicts_queue_full", d(counters_.verdict_queue_full));
  s.Add("verdicts_received", d(k[LSF_ST_VERDICT]));
  s.Add("verdicts_stale", d(k[LSF_ST_VERDICT_STALE]));
  s.Add("verdicts_bad", d(k[LSF_ST_VERDICT_BAD]));
  s.Add("policy_decisions", d(p.decisions));
  s.Add("policy_errors", d(p.errors));
  s.Add("policy_no_verdict", d(p.no_verdict));
  s.Add("policy_invalid", d(p.invalid));
  s.Add("policy_overruns", d(p.overruns));
  s.Add("policy_fresh_states", d(p.fresh_states));
  s.Add("policy_rate_limited", d(p.rate_limited));
  s.Add("policy_generation", d(generation_));
  s.Add("policy_reloads", d(counters_.reloads));
  s.Add("placements", d(counters_.placements));
  s.Add("exec", d(k[LSF_ST_EXEC]));
  s.Add("rename", d(k[LSF_ST_RENAME]));
  s.Add("exit", d(k[LSF_ST_EXIT]));
  s.Add("kthread", d(k[LSF_ST_KTHREAD]));
  s.Add("self", d(k[LSF_ST_SELF]));
  s.Add("kicks", d(k[LSF_ST_KICK]));
  s.Add("rt_preempt", d(k[LSF_ST_RT_PREEMPT]));
  s.Add("doorbells", d(k[LSF_ST_DOORBELL]));
  s.Add("wake_preempt", d(k[LSF_ST_WAKE_PREEMPT]));
  s.Add("reask", d(k[LSF_ST_REASK]));
  s.Add("starve_tick", d(k[LSF_ST_STARVE_TICK]));
  s.Add("hotplug", d(k[LSF_ST_HOTPLUG]));
  s.Add("offline_moves", d(k[LSF_ST_OFFLINE_MOVE]));
  s.Add("keep_prev", d(k[LSF_ST_KEEP_PREV]));
  s.Add("miss_to_verdict_p50_us", d(miss_latency_.Quantile(0.5)) / 1e3);
  s.Add("miss_to_verdict_p99_us", d(miss_latency_.Quantile(0.99)) / 1e3);
  s.Add("miss_to_verdict_max_us", d(miss_latency_.max()) / 1e3);
  uint64_t rtt_buckets[LSF_RTT_BUCKETS];
  port_.ReadRoundTrips(rtt_buckets);
  LatencyHistogram rtt = LatencyHistogram::FromBuckets(rtt_buckets, LSF_RTT_BUCKETS);
  s.Add("round_trips", d(rtt.count()));
  s.Add("round_trip_p50_us", d(rtt.Quantile(0.5)) / 1e3);
  s.Add("round_trip_p99_us", d(rtt.Quantile(0.99)) / 1e3);
  s.Add("dispatcher_cpu_pct", wall ? 100.0 * d(cpu) / d(wall) : 0.0);
  s.Add("page_faults", static_cast<double>(PageFaults()));
  return s;
}

}  // namespace lsf
