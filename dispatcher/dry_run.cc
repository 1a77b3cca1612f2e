// Dry run: classify tasks with the policy and print the verdicts, without BPF or root.
#include "dispatcher/dry_run.h"

#include <cinttypes>
#include <cstring>

#include "dispatcher/dispatcher.h"
#include "policies/policy_engine.h"

namespace lsf {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

size_t DryRun(PolicyEngine& policy, const std::vector<lsf_miss>& tasks, bool json, FILE* out) {
  uint64_t per_class[LSF_NR_CLASSES] = {};
  size_t kthreads = 0, shown = 0;
  for (const lsf_miss& m : tasks) kthreads += (m.flags & LSF_MISS_KTHREAD) ? 1 : 0;
  const size_t total = tasks.size() - kthreads;
  if (json) std::fputs("[\n", out);
  else std::fprintf(out, "%8s %8s %-16s %-8s %9s %4s\n", "PID", "TGID", "COMM", "CLASS", "SLICE_US", "CPU");
  for (size_t i = 0; i < tasks.size(); ++i) {
    const lsf_miss& m = tasks[i];
    if (m.flags & LSF_MISS_KTHREAD) continue;
    ++shown;
    Decision d = policy.Decide(m);
    if (d.dsq < LSF_NR_CLASSES) ++per_class[d.dsq];
    std::string comm(m.comm, strnlen(m.comm, LSF_COMM_LEN));
    if (json) {
      std::fprintf(out,
                   "  {\"pid\": %d, \"tgid\": %d, \"comm\": %s, \"class\": \"%s\", \"slice_ns\": %" PRIu64
                   ", \"cpu\": %d}%s\n",
                   m.pid, m.tgid, JsonString(comm).c_str(), ClassName(d.dsq), d.slice_ns, d.cpu,
                   shown < total ? "," : "");
    } else {
      char cpu[12] = "any";
      if (d.cpu != LSF_CPU_ANY) std::snprintf(cpu, sizeof cpu, "%d", d.cpu);
      std::fprintf(out, "%8d %8d %-16s %-8s %9" PRIu64 " %4s\n", m.pid, m.tgid, comm.c_str(), ClassName(d.dsq),
                   d.slice_ns / 1000, cpu);
    }
  }
  if (json) {
    std::fputs("]\n", out);
  } else {
    const PolicyCounters& c = policy.counters();
    std::fprintf(out,
                 "%zu tasks: REALTIME=%" PRIu64 " BATCH=%" PRIu64 " DEFAULT=%" PRIu64 " (policy errors=%" PRIu64
                 " no_verdict=%" PRIu64 " invalid=%" PRIu64 " overruns=%" PRIu64
                 "); %zu kernel threads not shown: they bypass the policy\n",
                 total, per_class[LSF_CLASS_REALTIME], per_class[LSF_CLASS_BATCH], per_class[LSF_CLASS_DEFAULT],
                 c.errors, c.no_verdict, c.invalid, c.overruns, kthreads);
  }
  return total;
}

}  // namespace lsf
