// DecisionRecord: one decision as the decision ring holds it and recordings store it (fixed layout).
#include "dispatcher/decision_record.h"

#include <time.h>

#include <cstdio>
#include <cstring>

#include "dispatcher/dry_run.h"  // JsonString

namespace lsf {
namespace {

constexpr const char* kReadNames[LSF_NR_TASK_READS] = {
    "comm", "pcomm", "pid",     "tgid",     "ppid",            "uid", "gid",         "prio",
    "nice", "cpu",   "runtime", "prev_cpu", "nr_cpus_allowed", "llc", "cpu_allowed", "cgroup"};
static_assert(LSF_READ_CGROUP == 1u << 15 && LSF_NR_TASK_READS == 16, "kReadNames follows enum lsf_task_read");

std::string Text(const char* s, size_t n) { return std::string(s, strnlen(s, n)); }

// "0-3,8": the allowed CPUs.
std::string CpuListText(const lsf_miss& m) {
  std::string out;
  for (int c = 0; c < LSF_MAX_CPUS;) {
    if (!(m.cpus_allowed[c / 64] >> (c % 64) & 1)) {
      ++c;
      continue;
    }
    int end = c;
    while (end + 1 < LSF_MAX_CPUS && (m.cpus_allowed[(end + 1) / 64] >> ((end + 1) % 64) & 1)) ++end;
    out += (out.empty() ? "" : ",") + std::to_string(c) + (end > c ? "-" + std::to_string(end) : "");
    c = end + 1;
  }
  return out;
}

}  // namespace

DecisionRecord MakeDecisionRecord(const lsf_miss& m, const Decision& d, uint64_t mono_ns, uint64_t real_ns,
                                  uint32_t generation) {
  DecisionRecord r;
  std::memset(&r, 0, sizeof r);  // the padding of lsf_miss and the cgroup's tail: zero, not stack bytes
  r.miss = m;
  r.mono_ns = mono_ns;
  r.real_ns = real_ns;
  r.duration_ns = d.trace.duration_ns;
  r.slice_ns = d.slice_ns;
  r.runtime_ns = (d.trace.reads & LSF_READ_RUNTIME) ? d.trace.runtime_ns : -1;
  r.cpu = d.cpu;
  r.llc = d.llc;
  r.dsq = d.dsq;
  r.source = static_cast<uint32_t>(d.trace.source);
  r.reads = d.trace.reads;
  r.line = d.trace.line;
  r.flags = (d.fork_shared ? uint32_t{kRecordForkShared} : 0u) | (d.deferred ? uint32_t{kRecordDeferred} : 0u) |
            (d.trace.returned ? uint32_t{kRecordReturned} : 0u);
  r.generation = generation;
  if (d.trace.reads & LSF_READ_CGROUP) std::memcpy(r.cgroup, d.trace.cgroup, sizeof r.cgroup - 1);
  return r;
}

const char* TaskReadName(unsigned bit) { return bit < LSF_NR_TASK_READS ? kReadNames[bit] : "?"; }

std::string RecordComm(const DecisionRecord& r) { return Text(r.miss.comm, LSF_COMM_LEN); }

std::string WallTime(uint64_t real_ns) {
  const time_t sec = static_cast<time_t>(real_ns / 1'000'000'000ull);
  tm t {};
  localtime_r(&sec, &t);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &t);
  std::snprintf(buf + n, sizeof buf - n, ".%03u", static_cast<unsigned>(real_ns / 1'000'000ull % 1000));
  return buf;
}

std::string TaskReadValue(const DecisionRecord& r, unsigned bit, bool json) {
  const lsf_miss& m = r.miss;
  auto str = [json](const std::string& s) { return json ? JsonString(s) : s; };
  switch (1u << bit) {
    case LSF_READ_COMM: return str(RecordComm(r));
    case LSF_READ_PCOMM: return str(Text(m.pcomm, LSF_COMM_LEN));
    case LSF_READ_PID: return std::to_string(m.pid);
    case LSF_READ_TGID: return std::to_string(m.tgid);
    case LSF_READ_PPID: return std::to_string(m.ppid);
    case LSF_READ_UID: return std::to_string(m.uid);
    case LSF_READ_GID: return std::to_string(m.gid);
    case LSF_READ_PRIO: return std::to_string(m.prio);
    case LSF_READ_NICE: return std::to_string(m.nice);
    case LSF_READ_CPU: return "0";  // binding.lua: a task being classified is never running
    case LSF_READ_RUNTIME: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f", r.runtime_ns);
      return buf;
    }
    case LSF_READ_PREV_CPU: return std::to_string(m.prev_cpu);
    case LSF_READ_NR_CPUS_ALLOWED: return std::to_string(m.nr_cpus_allowed);
    case LSF_READ_LLC: return str("the LLC of CPU " + std::to_string(m.prev_cpu));
    case LSF_READ_CPU_ALLOWED: return str("allowed CPUs " + CpuListText(m));
    case LSF_READ_CGROUP: return str(Text(r.cgroup, sizeof r.cgroup));
  }
  return str("?");
}

}  // namespace lsf
