// `luasched-fast replay FILE --policy NEW.lua`: a policy run over a recording, its verdicts diffed against the recorded ones.
#include "dispatcher/replay.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <memory>
#include <strings.h>

#include "dispatcher/dispatcher.h"  // ClassName
#include "dispatcher/dry_run.h"     // JsonString

namespace lsf {
namespace {

// The class a record's task ended with: none for a deferred decision (no verdict was sent).
uint32_t RecordedClass(const DecisionRecord& r) {
  return (r.flags & kRecordDeferred) ? static_cast<uint32_t>(LSF_CLASS_NONE) : r.dsq;
}
uint32_t NewClass(const Decision& d) { return d.deferred ? static_cast<uint32_t>(LSF_CLASS_NONE) : d.dsq; }

}  // namespace

Result<ReplayExpect> ParseExpect(const std::string& text) {
  const size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0)
    return MakeError("--expect " + text + ": want COMM=CLASS (e.g. nginx=REALTIME)");
  ReplayExpect e;
  e.comm = text.substr(0, eq);
  const std::string cls = text.substr(eq + 1);
  for (uint32_t c = LSF_CLASS_REALTIME; c < LSF_NR_CLASSES; ++c)
    if (strcasecmp(cls.c_str(), ClassName(c)) == 0) {
      e.cls = c;
      return e;
    }
  return MakeError("--expect " + text + ": the class is REALTIME, BATCH or DEFAULT");
}

Result<ReplayReport> ReplayRecording(const Recording& rec, const std::string& recording_path,
                                     const std::string& source, const std::string& path, PolicyEngine::Options opts,
                                     std::vector<ReplayExpect> expects) {
  ReplayReport r;
  r.policy = path;
  r.recording = recording_path;
  r.header = rec.header;
  r.expects = std::move(expects);
  opts.nr_cpus = static_cast<int>(rec.header.nr_cpus);
  opts.cpu_llc.assign(rec.header.cpu_llc.begin(), rec.header.cpu_llc.end());
  const DecisionRecord* current = nullptr;  // the record being replayed: the lookups answer from it
  opts.cgroup_path = [&](int32_t) -> std::string {
    if (current->reads & LSF_READ_CGROUP) return current->cgroup;
    ++r.unknown_answers;
    return "";
  };
  opts.task_runtime = [&](int32_t) -> double {
    if (current->reads & LSF_READ_RUNTIME) return current->runtime_ns;
    ++r.unknown_answers;
    return -1;
  };
  opts.log = [&r](const std::string& line) { r.policy_messages.push_back(line); };
  auto engine = PolicyEngine::LoadString(source, path, opts);
  if (!engine) return MakeError(engine.error());
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < rec.records.size(); ++i) {
    const DecisionRecord& rd = rec.records[i];
    current = &rd;
    const Decision d = (*engine)->Decide(rd.miss);
    const uint32_t from = RecordedClass(rd), to = NewClass(d);
    const std::string comm = RecordComm(rd);
    ++r.decisions;
    ++r.transitions[from % LSF_NR_CLASSES][to % LSF_NR_CLASSES];
    ReplayComm& pc = r.comms[comm];
    ++pc.decisions;
    if (from != to) {
      ++r.changed;
      ++pc.changed;
      ++pc.moves[{from, to}];
      // one example per comm and change, the first kReplayExamples of them
      const bool seen = std::any_of(r.examples.begin(), r.examples.end(), [&](const ReplayChange& e) {
        return e.comm == comm && e.from == from && e.to == to;
      });
      if (!seen && r.examples.size() < kReplayExamples)
        r.examples.push_back({i, rd.miss.pid, comm, from, to, DecisionSourceName(static_cast<uint32_t>(d.trace.source))});
    } else if (!d.deferred && d.slice_ns != rd.slice_ns) {
      ++r.slice_changed;
    }
    for (ReplayExpect& e : r.expects) {
      if (e.comm != comm) continue;
      ++e.decisions;
      if (to == e.cls) ++e.held;
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.counters = (*engine)->counters();
  return r;
}

int ReplayExitCode(const ReplayReport& r) {
  const PolicyCounters& c = r.counters;
  if (c.errors || c.overruns || c.invalid || c.no_verdict) return kReplayFailed;
  for (const ReplayExpect& e : r.expects)
    if (!e.ok()) return kReplayFailed;
  return kReplayOk;
}

void PrintReplay(const ReplayReport& r, bool json, FILE* out) {
  const PolicyCounters& c = r.counters;
  const double rate = r.seconds > 0 ? static_cast<double>(r.decisions) / r.seconds : 0;
  // Comms with changes, most changed first (then by name: the order is part of the output).
  std::vector<const std::pair<const std::string, ReplayComm>*> comms;
  for (const auto& kv : r.comms)
    if (kv.second.changed) comms.push_back(&kv);
  std::stable_sort(comms.begin(), comms.end(), [](auto* a, auto* b) { return a->second.changed > b->second.changed; });
  if (json) {
    std::fprintf(out, "{\"recording\": %s, \"policy\": %s, \"host\": %s, \"kernel\": %s, \"recorded_policy\": %s,\n",
                 JsonString(r.recording).c_str(), JsonString(r.policy).c_str(), JsonString(r.header.host).c_str(),
                 JsonString(r.header.kernel).c_str(), JsonString(r.header.policy_path).c_str());
    std::fprintf(out,
                 " \"exit_code\": %d, \"decisions\": %" PRIu64 ", \"changed\": %" PRIu64 ", \"slice_changed\": %" PRIu64
                 ", \"unknown_answers\": %" PRIu64 ",\n \"errors\": %" PRIu64 ", \"overruns\": %" PRIu64
                 ", \"invalid\": %" PRIu64 ", \"no_verdict\": %" PRIu64 ", \"deferred\": %" PRIu64 ",\n \"transitions\": [",
                 ReplayExitCode(r), r.decisions, r.changed, r.slice_changed, r.unknown_answers, c.errors, c.overruns,
                 c.invalid, c.no_verdict, c.rate_limited);
    bool first = true;
    for (uint32_t a = 0; a < LSF_NR_CLASSES; ++a)
      for (uint32_t b = 0; b < LSF_NR_CLASSES; ++b)
        if (r.transitions[a][b]) {
          std::fprintf(out, "%s{\"from\": \"%s\", \"to\": \"%s\", \"count\": %" PRIu64 "}", first ? "" : ", ",
                       ClassName(a), ClassName(b), r.transitions[a][b]);
          first = false;
        }
    std::fprintf(out, "],\n \"comms\": [");
    for (size_t i = 0; i < comms.size(); ++i) {
      std::fprintf(out, "%s\n  {\"comm\": %s, \"decisions\": %" PRIu64 ", \"changed\": %" PRIu64 ", \"moves\": [",
                   i ? "," : "", JsonString(comms[i]->first).c_str(), comms[i]->second.decisions, comms[i]->second.changed);
      bool f = true;
      for (const auto& [mv, n] : comms[i]->second.moves) {
        std::fprintf(out, "%s{\"from\": \"%s\", \"to\": \"%s\", \"count\": %" PRIu64 "}", f ? "" : ", ",
                     ClassName(mv.first), ClassName(mv.second), n);
        f = false;
      }
      std::fprintf(out, "]}");
    }
    std::fprintf(out, "%s],\n \"examples\": [", comms.empty() ? "" : "\n ");
    for (size_t i = 0; i < r.examples.size(); ++i) {
      const ReplayChange& e = r.examples[i];
      std::fprintf(out, "%s{\"record\": %" PRIu64 ", \"pid\": %d, \"comm\": %s, \"from\": \"%s\", \"to\": \"%s\", \"source\": \"%s\"}",
                   i ? ", " : "", e.index, e.pid, JsonString(e.comm).c_str(), ClassName(e.from), ClassName(e.to),
                   e.source.c_str());
    }
    std::fprintf(out, "],\n \"expect\": [");
    for (size_t i = 0; i < r.expects.size(); ++i) {
      const ReplayExpect& e = r.expects[i];
      std::fprintf(out, "%s{\"comm\": %s, \"class\": \"%s\", \"decisions\": %" PRIu64 ", \"held\": %" PRIu64 ", \"ok\": %s}",
                   i ? ", " : "", JsonString(e.comm).c_str(), ClassName(e.cls), e.decisions, e.held, e.ok() ? "true" : "false");
    }
    std::fprintf(out, "],\n \"policy_messages\": [");
    for (size_t i = 0; i < r.policy_messages.size(); ++i)
      std::fprintf(out, "%s%s", i ? ", " : "", JsonString(r.policy_messages[i]).c_str());
    std::fprintf(out, "],\n \"timing\": {\"seconds\": %.6f, \"decisions_per_s\": %.0f}}\n", r.seconds, rate);
    return;
  }
  std::fprintf(out, "%s over %s (recorded on %s, kernel %s, %s, policy %s)\n", r.policy.c_str(), r.recording.c_str(),
               r.header.host.c_str(), r.header.kernel.c_str(), WallTime(r.header.start_real_ns).c_str(),
               r.header.policy_path.c_str());
  std::fprintf(out, "  %" PRIu64 " decisions, %" PRIu64 " changed class, %" PRIu64 " changed only their slice\n",
               r.decisions, r.changed, r.slice_changed);
  std::fprintf(out, "  policy errors %" PRIu64 ", overruns %" PRIu64 ", invalid %" PRIu64 ", no verdict %" PRIu64
               ", deferred %" PRIu64 "\n", c.errors, c.overruns, c.invalid, c.no_verdict, c.rate_limited);
  if (r.unknown_answers)
    std::fprintf(out, "  %" PRIu64 " cgroup/runtime reads the recording cannot answer (the recorded policy did not "
                 "read them): answered \"\" and -1\n", r.unknown_answers);
  std::fprintf(out, "  by class (recorded -> new):\n");
  for (uint32_t a = 0; a < LSF_NR_CLASSES; ++a)
    for (uint32_t b = 0; b < LSF_NR_CLASSES; ++b)
      if (r.transitions[a][b])
        std::fprintf(out, "    %-8s -> %-8s %8" PRIu64 "%s\n", ClassName(a), ClassName(b), r.transitions[a][b],
                     a == b ? "" : "  changed");
  if (!comms.empty()) std::fprintf(out, "  by comm (changed of decisions):\n");
  for (const auto* kv : comms) {
    std::string moves;
    for (const auto& [mv, n] : kv->second.moves)
      moves += (moves.empty() ? "" : ", ") + std::string(ClassName(mv.first)) + " -> " + ClassName(mv.second) + " " +
               std::to_string(n);
    std::fprintf(out, "    %-16s %6" PRIu64 " of %-6" PRIu64 " %s\n", kv->first.c_str(), kv->second.changed,
                 kv->second.decisions, moves.c_str());
  }
  for (const ReplayChange& e : r.examples)
    std::fprintf(out, "  e.g. record %" PRIu64 ": pid %d (%s) %s -> %s (%s)\n", e.index, e.pid, e.comm.c_str(),
                 ClassName(e.from), ClassName(e.to), e.source.c_str());
  for (const std::string& m : r.policy_messages) std::fprintf(out, "  policy: %s\n", m.c_str());
  for (const ReplayExpect& e : r.expects)
    std::fprintf(out, "  expect %s=%s: %s (%" PRIu64 " of %" PRIu64 " decisions)\n", e.comm.c_str(), ClassName(e.cls),
                 e.ok() ? "ok" : e.decisions == 0 ? "FAILED, no such task in the recording" : "FAILED", e.held,
                 e.decisions);
  std::fprintf(out, "%s\n", ReplayExitCode(r) == kReplayOk ? "ok" : "FAILED");
  std::fprintf(out, "timing: %.0f decisions/s\n", rate);
}

}  // namespace lsf
