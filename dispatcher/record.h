// `luasched-fast record -o FILE`: follows the running instance's decision ring into a recording.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "dispatcher/recording.h"

namespace lsf {

// Exit codes of `record` (2 is a usage error, as for every command).
inline constexpr int kRecordOk = 0, kRecordFailed = 1, kRecordNoInstance = 3;

struct RecordOptions {
  std::string decisions_file;
  std::string output;
  int duration_s = 0;       // 0: until `stop`
  uint64_t max_bytes = 64ull << 20;
  int poll_ms = 50;
  RecordingHeader header;   // host, kernel, CPUs; the policy fields are filled in from the ring
};

struct RecordResult {
  int exit_code = kRecordOk;
  uint64_t written = 0, lost = 0, bytes = 0;
  std::string why_stopped;  // "duration reached", "Ctrl-C", "size limit reached", "the instance stopped"
};

// Follows the ring from its newest record on, every poll_ms, appending each new record; counts the
// records the writer overwrote before they were read (lost). Ends at `stop`, after duration_s, at
// max_bytes, or when the instance stops. Errors go to the log; the result says how it ended.
RecordResult RunRecord(const RecordOptions& o, const std::atomic<bool>& stop);

}  // namespace lsf
