// `luasched-fast replay FILE --policy NEW.lua`: a policy run over a recording, its verdicts diffed against the recorded ones.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/recording.h"
#include "policies/policy_engine.h"

namespace lsf {

// Exit codes of `replay` (2 is a usage error, as for every command).
inline constexpr int kReplayOk = 0, kReplayFailed = 1, kReplayCannotRead = 3;
inline constexpr size_t kReplayExamples = 5;

// --expect COMM=CLASS: every decision of a task named COMM must be CLASS.
struct ReplayExpect {
  std::string comm;
  uint32_t cls = LSF_CLASS_DEFAULT;  // enum lsf_class
  uint64_t decisions = 0, held = 0;  // decisions of that comm, and how many were CLASS
  bool ok() const { return decisions > 0 && held == decisions; }
};
// "nginx=REALTIME" (classes by name, any case). Errors say what is wrong.
Result<ReplayExpect> ParseExpect(const std::string& text);

// One decision whose verdict changed.
struct ReplayChange {
  uint64_t index = 0;  // in the recording
  int32_t pid = 0;
  std::string comm;
  uint32_t from = 0, to = 0;  // recorded and new class (LSF_CLASS_NONE: deferred, no verdict)
  std::string source;         // the new decision's DecisionSourceName
};

struct ReplayComm {
  uint64_t decisions = 0, changed = 0;
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> moves;  // (from, to) -> count, changes only
};

struct ReplayReport {
  std::string policy, recording;
  RecordingHeader header;
  uint64_t decisions = 0, changed = 0, slice_changed = 0;
  uint64_t transitions[LSF_NR_CLASSES][LSF_NR_CLASSES] = {};  // [recorded][new] class
  std::map<std::string, ReplayComm> comms;                    // by comm
  std::vector<ReplayChange> examples;  // the first change of each comm and move, kReplayExamples at most
  uint64_t unknown_answers = 0;  // cgroup/runtime reads the recording cannot answer ("" / -1)
  std::vector<std::string> policy_messages;  // what the engine logged (first of each kind)
  PolicyCounters counters;
  std::vector<ReplayExpect> expects;
  double seconds = 0;  // wall time of the decisions (the only part of the report that varies)
};

// Runs `source` (named `path`) over every record of `rec`, in order, on one engine built with
// `opts` (nr_cpus and cpu_llc from the recording's header): task:cgroup() and task:runtime() are
// answered from the record. Deterministic but for `seconds` and overruns (a wall-clock budget).
// An error if the policy does not load.
Result<ReplayReport> ReplayRecording(const Recording& rec, const std::string& recording_path,
                                     const std::string& source, const std::string& path, PolicyEngine::Options opts,
                                     std::vector<ReplayExpect> expects);

int ReplayExitCode(const ReplayReport& r);

// The report for people, or as one JSON object.
void PrintReplay(const ReplayReport& r, bool json, FILE* out);

}  // namespace lsf
