// `luasched-fast why PID`: the newest decision for a task, read from the running instance's decision ring.
#include "dispatcher/why.h"

#include <cinttypes>

#include "common/log.h"
#include "dispatcher/dispatcher.h"  // ClassName, MonotonicNs
#include "dispatcher/dry_run.h"     // JsonString

namespace lsf {
namespace {

// What made the task miss: "exec", "rename", .. ("" for a first miss).
const char* MissCause(const lsf_miss& m) {
  return (m.flags & LSF_MISS_EXEC)     ? "exec"
         : (m.flags & LSF_MISS_RENAME) ? "rename"
         : (m.flags & LSF_MISS_CRED)   ? "uid change"
         : (m.flags & LSF_MISS_CGROUP) ? "cgroup move"
         : (m.flags & LSF_MISS_REGEN)  ? "policy reload"
                                       : "";
}

std::string SourceText(const DecisionRecord& r) {
  switch (static_cast<DecisionSource>(r.source)) {
    case DecisionSource::kPolicy: return "the policy's decision";
    case DecisionSource::kError: return "fallback: the policy raised an error (DEFAULT)";
    case DecisionSource::kOverrun: return "fallback: the decision ran past its budget (DEFAULT)";
    case DecisionSource::kInvalid: return "fallback: the policy's verdict was invalid (DEFAULT)";
    case DecisionSource::kNoVerdict: return "fallback: the policy decided nothing (DEFAULT)";
    case DecisionSource::kDeferred:
      return "deferred: the task missed too often (rate limit); it ran by its provisional verdict and asked again";
  }
  return "unknown";
}

std::string LineText(const DecisionRecord& r) {
  if (r.line <= 0) return "no line (the policy did not set the class)";
  if (r.flags & kRecordReturned) return "returned by the function at line " + std::to_string(r.line);
  return "line " + std::to_string(r.line) + " (ctx:dsq)";
}

}  // namespace

bool FindNewest(const DecisionRingReader& ring, int32_t pid, DecisionRecord* out, RingSpan* span) {
  *span = {};
  bool by_pid = false, by_tgid = false;
  DecisionRecord r;
  const uint64_t end = ring.write_seq(), begin = ring.oldest();
  for (uint64_t n = end; n-- > begin;) {
    if (ring.Read(n, &r) != DecisionRingReader::ReadStatus::kOk) continue;
    if (span->records++ == 0) span->newest_real_ns = r.real_ns;
    span->oldest_real_ns = r.real_ns;
    if (!by_pid && r.miss.pid == pid) {
      *out = r;
      by_pid = true;
    } else if (!by_pid && !by_tgid && r.miss.tgid == pid) {
      *out = r;
      by_tgid = true;
    }
  }
  return by_pid || by_tgid;
}

void PrintWhy(const DecisionRecord& r, const std::string& policy_path, uint64_t now_mono_ns, bool json, FILE* out) {
  const double age_s = now_mono_ns > r.mono_ns ? static_cast<double>(now_mono_ns - r.mono_ns) / 1e9 : 0.0;
  const char* cls = (r.flags & kRecordDeferred) ? "NONE" : ClassName(r.dsq);
  if (json) {
    std::string reads;
    for (unsigned b = 0; b < LSF_NR_TASK_READS; ++b)
      if (r.reads & (1u << b)) reads += (reads.empty() ? "" : ", ") + JsonString(TaskReadName(b)) + ": " + TaskReadValue(r, b, true);
    std::fprintf(out,
                 "{\"pid\": %d, \"tgid\": %d, \"comm\": %s, \"uid\": %u, \"class\": \"%s\", \"slice_ns\": %" PRIu64
                 ", \"cpu\": %d, \"llc\": %d, \"fork_shared\": %s, \"deferred\": %s,\n"
                 " \"source\": \"%s\", \"after\": \"%s\", \"line\": %d, \"line_kind\": \"%s\",\n"
                 " \"age_s\": %.3f, \"wall_time\": %s, \"real_ns\": %" PRIu64 ", \"duration_ns\": %" PRIu64
                 ", \"generation\": %u, \"policy\": %s,\n \"reads\": {%s}}\n",
                 r.miss.pid, r.miss.tgid, JsonString(RecordComm(r)).c_str(), r.miss.uid, cls, r.slice_ns, r.cpu, r.llc,
                 (r.flags & kRecordForkShared) ? "true" : "false", (r.flags & kRecordDeferred) ? "true" : "false",
                 DecisionSourceName(r.source), MissCause(r.miss), r.line,
                 r.line <= 0 ? "none" : (r.flags & kRecordReturned) ? "return" : "ctx:dsq", age_s,
                 JsonString(WallTime(r.real_ns)).c_str(), r.real_ns, r.duration_ns, r.generation,
                 JsonString(policy_path).c_str(), reads.c_str());
    return;
  }
  std::fprintf(out, "pid %d (%s, tgid %d, uid %u): %s, slice %" PRIu64 " us, cpu %s%s\n", r.miss.pid,
               RecordComm(r).c_str(), r.miss.tgid, r.miss.uid, cls, r.slice_ns / 1000,
               r.cpu == LSF_CPU_ANY ? "any" : std::to_string(r.cpu).c_str(),
               r.llc >= 0 ? (", llc " + std::to_string(r.llc)).c_str() : "");
  std::fprintf(out, "  source: %s\n", SourceText(r).c_str());
  std::fprintf(out, "  policy: %s, %s\n", policy_path.c_str(), LineText(r).c_str());
  std::fprintf(out, "  when:   %.1f s ago (%s), decided in %" PRIu64 " us, policy generation %u%s%s%s\n", age_s,
               WallTime(r.real_ns).c_str(), r.duration_ns / 1000, r.generation, *MissCause(r.miss) ? ", after " : "",
               MissCause(r.miss), (r.miss.flags & ~LSF_MISS_KTHREAD) == 0 ? ", its first decision" : "");
  std::string reads;
  for (unsigned b = 0; b < LSF_NR_TASK_READS; ++b)
    if (r.reads & (1u << b)) reads += std::string(reads.empty() ? "" : ", ") + TaskReadName(b) + "=" + TaskReadValue(r, b, false);
  std::fprintf(out, "  read:   %s\n", reads.empty() ? "nothing" : reads.c_str());
  std::fprintf(out, "  forks:  %s\n", (r.flags & kRecordForkShared)
                                          ? "inherit this verdict (it read only what a fork shares)"
                                          : "are asked again (it read what a fork does not share, or named a CPU/LLC)");
}

int RunWhy(const std::string& decisions_file, int32_t pid, bool json, FILE* out) {
  auto ring = DecisionRingReader::Open(decisions_file);
  if (!ring) {
    LogError("%s", ring.error().c_str());
    return kWhyNoInstance;
  }
  DecisionRecord r;
  RingSpan span;
  if (!FindNewest(**ring, pid, &r, &span)) {
    if (span.records == 0) {
      LogError("pid %d: no decision for it; the ring holds no decisions yet", pid);
    } else {
      LogError("pid %d: no decision for it among the %" PRIu64 " decisions the ring holds (%s to %s, %.1f s); "
               "tasks decided earlier, and tasks whose verdict is cached or inherited from their parent, are not there",
               pid, span.records, WallTime(span.oldest_real_ns).c_str(), WallTime(span.newest_real_ns).c_str(),
               static_cast<double>(span.newest_real_ns - span.oldest_real_ns) / 1e9);
    }
    return kWhyNotFound;
  }
  PrintWhy(r, (*ring)->policy_path(), MonotonicNs(), json, out);
  return kWhyFound;
}

}  // namespace lsf
