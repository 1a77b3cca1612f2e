// Recordings: the decisions `luasched-fast record` wrote to a file, in a versioned format (docs/recording.md).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "dispatcher/decision_record.h"

namespace lsf {

inline constexpr char kRecordingMagic[8] = {'L', 'S', 'F', 'R', 'E', 'C', 'D', '\0'};
inline constexpr uint32_t kRecordingByteOrder = 0x01020304;
inline constexpr uint32_t kRecordingFormat = 1;  // of the header and framing (docs/recording.md)

// What a recording says about where and what it recorded.
struct RecordingHeader {
  uint32_t format = kRecordingFormat;
  uint32_t record_layout = kDecisionRecordLayout;
  uint64_t start_real_ns = 0;    // CLOCK_REALTIME at the start of the recording
  uint64_t policy_size = 0;      // of the policy file at the start (0: could not stat it)
  int64_t policy_mtime_ns = 0;   // its modification time, ns since the epoch
  uint32_t nr_cpus = 1;          // CPUs of the recorded machine (ctx:cpu's range)
  std::string host;              // host name
  std::string kernel;            // kernel release (uname -r)
  std::string policy_path;       // the policy the instance ran
  std::vector<int32_t> cpu_llc;  // LLC of each CPU (index: CPU); empty: one LLC
};

// Writes a recording. Thread ownership: one thread. Nothing is written past `max_bytes`.
class RecordingWriter {
 public:
  static Result<std::unique_ptr<RecordingWriter>> Create(const std::string& path, const RecordingHeader& h,
                                                         uint64_t max_bytes);
  ~RecordingWriter();  // closes the file (what was appended stays)
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;

  // Appends `r`; false (nothing written) if it would take the file past max_bytes. An I/O error is
  // an error.
  Result<bool> Append(const DecisionRecord& r);
  // Flushes to the file (what a reader sees).
  Status Flush();
  uint64_t bytes() const { return bytes_; }
  uint64_t records() const { return records_; }

 private:
  RecordingWriter(FILE* f, std::string path, uint64_t bytes, uint64_t max_bytes)
      : f_(f), path_(std::move(path)), bytes_(bytes), max_bytes_(max_bytes) {}
  FILE* f_;
  std::string path_;
  uint64_t bytes_;
  uint64_t max_bytes_;
  uint64_t records_ = 0;
};

struct Recording {
  RecordingHeader header;
  std::vector<DecisionRecord> records;
};

// Reads a whole recording. Errors name the file and what is wrong: not a recording (magic), another
// byte order, a format or record layout this binary does not read (naming both versions), a header
// or record cut short (naming the record: "truncated in record 12 (byte 4711)") or malformed.
Result<Recording> ReadRecording(const std::string& path);

}  // namespace lsf
