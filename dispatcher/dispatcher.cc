// Dispatcher: turns cache misses from the kernel into policy verdicts and sends them back.
#include "dispatcher/dispatcher.h"

#include <time.h>

#include <cinttypes>

#include "policies/policy_engine.h"

namespace lsf {

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

const char* ClassName(uint32_t cls) {
  switch (cls) {
    case LSF_CLASS_REALTIME: return "REALTIME";
    case LSF_CLASS_BATCH: return "BATCH";
    case LSF_CLASS_DEFAULT: return "DEFAULT";
    default: return "NONE";
  }
}

Dispatcher::Dispatcher(KernelPort& port, PolicyEngine& policy, Options opts)
    : port_(port), policy_(&policy), opts_(opts) {
  port_.SetPolicyGeneration(generation_);
  port_.Heartbeat(MonotonicNs());
}

void Dispatcher::HandleMiss(const lsf_miss& m) {
  ++counters_.misses;
  Decision d = policy_->Decide(m);
  lsf_verdict v{};
  v.seq = m.seq;
  v.slice_ns = d.slice_ns;
  v.miss_enq_ns = m.enq_ns;
  v.pid = m.pid;
  v.cpu = d.cpu;
  v.dsq = d.dsq;
  v.policy_gen = generation_;
  if (port_.SendVerdict(v)) {
    ++counters_.verdicts_sent;
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

int Dispatcher::RunOnce(int timeout_ms) {
  port_.Heartbeat(MonotonicNs());
  int n = port_.PollMisses(timeout_ms, [this](const lsf_miss& m) { HandleMiss(m); });
  if (n > 0) {
    ++counters_.batches;
    port_.FlushVerdicts();
  }
  return n;
}

void Dispatcher::SwapPolicy(PolicyEngine& policy) {
  policy_ = &policy;
  port_.SetPolicyGeneration(++generation_);
}

void Dispatcher::Run(const std::atomic<bool>& stop, const std::function<void()>& each_pass) {
  uint64_t next_stats = MonotonicNs() + static_cast<uint64_t>(opts_.stats_interval_s) * 1'000'000'000ull;
  while (!stop.load(std::memory_order_relaxed)) {
    RunOnce(opts_.poll_timeout_ms);
    if (port_.ExitInfo()) break;
    if (each_pass) each_pass();
    if (opts_.stats_interval_s > 0 && MonotonicNs() >= next_stats) {
      std::fprintf(opts_.out, "%s\n", StatsLine().c_str());
      std::fflush(opts_.out);
      next_stats += static_cast<uint64_t>(opts_.stats_interval_s) * 1'000'000'000ull;
    }
  }
}

std::string Dispatcher::StatsLine() const {
  KernelStats k = port_.ReadStats();
  const PolicyCounters& p = policy_->counters();
  uint64_t lookups = k[LSF_ST_HIT] + k[LSF_ST_MISS];
  double hit_rate = lookups ? 100.0 * static_cast<double>(k[LSF_ST_HIT]) / static_cast<double>(lookups) : 0.0;
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      "stats: hits=%" PRIu64 " misses=%" PRIu64 " hit_rate=%.1f%% | ins rt=%" PRIu64 " batch=%" PRIu64
      " default=%" PRIu64 " cpu=%" PRIu64 " direct=%" PRIu64 " | disp rt=%" PRIu64 " batch=%" PRIu64
      " default=%" PRIu64 " cpu=%" PRIu64 " starve_boost=%" PRIu64 " | fallback deadline=%" PRIu64
      " ringbuf_full=%" PRIu64 " no_user=%" PRIu64 " cache_full=%" PRIu64 " | verdicts sent=%" PRIu64
      " queue_full=%" PRIu64 " stale=%" PRIu64 " bad=%" PRIu64 " | policy decisions=%" PRIu64 " errors=%" PRIu64
      " no_verdict=%" PRIu64 " invalid=%" PRIu64 " | exec=%" PRIu64 " rename=%" PRIu64 " exit=%" PRIu64
      " kthread=%" PRIu64 " kicks=%" PRIu64 " | miss_to_verdict_us p50<=%.0f p99<=%.0f max=%.0f",
      k[LSF_ST_HIT], k[LSF_ST_MISS], hit_rate, k[LSF_ST_INS_REALTIME], k[LSF_ST_INS_BATCH], k[LSF_ST_INS_DEFAULT],
      k[LSF_ST_INS_CPU], k[LSF_ST_DIRECT], k[LSF_ST_DISP_REALTIME], k[LSF_ST_DISP_BATCH], k[LSF_ST_DISP_DEFAULT],
      k[LSF_ST_DISP_CPU], k[LSF_ST_STARVE_BOOST], k[LSF_ST_FALLBACK_DEADLINE], k[LSF_ST_MISS_RB_FULL],
      k[LSF_ST_FALLBACK_NOUSER], k[LSF_ST_CACHE_FULL], counters_.verdicts_sent, counters_.verdict_queue_full,
      k[LSF_ST_VERDICT_STALE], k[LSF_ST_VERDICT_BAD], p.decisions, p.errors, p.no_verdict, p.invalid,
      k[LSF_ST_EXEC], k[LSF_ST_RENAME], k[LSF_ST_EXIT], k[LSF_ST_KTHREAD], k[LSF_ST_KICK],
      static_cast<double>(miss_latency_.Quantile(0.5)) / 1e3, static_cast<double>(miss_latency_.Quantile(0.99)) / 1e3,
      static_cast<double>(miss_latency_.max()) / 1e3);
  return buf;
}

}  // namespace lsf
