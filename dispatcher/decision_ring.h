// DecisionRing: the recent decisions in a file under /run, mmapped by the dispatcher (the one writer) and by readers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "dispatcher/decision_record.h"
#include "dispatcher/options.h"  // kDefaultDecisionsFile

namespace lsf {

inline constexpr char kDecisionRingMagic[8] = {'L', 'S', 'F', 'D', 'E', 'C', 'R', '\0'};
inline constexpr uint32_t kDecisionRingVersion = 1;  // of the header and slot layout below
inline constexpr uint32_t kDecisionRingSlots = 4096;  // 2 MiB: a few seconds of a miss storm

// The file: a header, then `slot_count` slots of `slot_size` bytes, all in the byte order of the
// host. Contract between the writer (the dispatcher thread) and any number of readers in other
// processes, which never write:
//  - Record n (0, 1, 2, ..) goes to slot n % slot_count. The slot's `seq` is 2n+1 while it is
//    written and 2n+2 once it holds record n (0: never written): a seqlock per slot, which also
//    tells a reader that record n was overwritten (seq > 2n+2).
//  - Writer: seq = 2n+1 (relaxed); release fence; the record's words (relaxed atomic stores);
//    seq = 2n+2 (release); header write_seq = n+1 (release).
//  - Reader of record n: s1 = seq (acquire); s1 must be 2n+2; the words (relaxed atomic loads);
//    acquire fence; s2 = seq (relaxed); the copy is record n only if s2 == s1. If the reader saw
//    any word of a later write, the fences order that write's odd seq before its s2 load, so
//    s2 != s1: a torn copy is always detected. Every access is atomic (std::atomic_ref), so the
//    race is detected, not undefined.
//  - write_seq (acquire) bounds what exists: records [max(0, write_seq - slot_count), write_seq).
struct DecisionRingHeader {
  char magic[8];          // kDecisionRingMagic
  uint32_t version;       // kDecisionRingVersion
  uint32_t header_size;   // bytes before slot 0
  uint32_t slot_size;     // bytes per slot (8 + sizeof(DecisionRecord))
  uint32_t slot_count;
  uint32_t record_layout; // kDecisionRecordLayout
  int32_t writer_pid;
  uint64_t write_seq;     // records written so far (atomic; see above)
  uint64_t start_real_ns; // CLOCK_REALTIME when the ring was created
  char policy_path[256];  // the policy the writer runs (at start), NUL terminated
};
inline constexpr uint32_t kDecisionRingHeaderSize = 512;
static_assert(sizeof(DecisionRingHeader) <= kDecisionRingHeaderSize);

struct DecisionSlot {
  uint64_t seq;  // the seqlock (atomic)
  DecisionRecord record;
};

// The writer: creates the file (a private temporary, mode 0644, renamed over `path`) and removes it
// when destroyed. Thread ownership: Write is called by one thread at a time (the dispatcher's).
class DecisionRingWriter {
 public:
  // REQUIRES: slot_count > 0. Fails if the file cannot be created (the caller goes on without it).
  static Result<std::unique_ptr<DecisionRingWriter>> Create(const std::string& path, const std::string& policy_path,
                                                            uint32_t slot_count = kDecisionRingSlots);
  ~DecisionRingWriter();
  DecisionRingWriter(const DecisionRingWriter&) = delete;
  DecisionRingWriter& operator=(const DecisionRingWriter&) = delete;

  void Write(const DecisionRecord& r);
  uint64_t written() const { return next_; }
  const std::string& path() const { return path_; }

 private:
  DecisionRingWriter(std::string path, void* map, size_t size);
  std::string path_;
  void* map_;
  size_t size_;
  uint64_t next_ = 0;  // writer thread only
};

// A reader: maps the file read-only. Any thread may read; nothing is written.
class DecisionRingReader {
 public:
  // Error kinds: the file is missing (no running instance), or it is not a ring this binary reads.
  struct OpenError {
    bool missing = false;
    std::string message;
  };
  static Result<std::unique_ptr<DecisionRingReader>> Open(const std::string& path, OpenError* error = nullptr);
  ~DecisionRingReader();
  DecisionRingReader(const DecisionRingReader&) = delete;
  DecisionRingReader& operator=(const DecisionRingReader&) = delete;

  enum class ReadStatus { kOk, kNotYet, kLost };
  // Copies record `n`: kOk, kNotYet (not written yet) or kLost (overwritten). Retries while the
  // writer is in the middle of writing it (a few microseconds).
  ReadStatus Read(uint64_t n, DecisionRecord* out) const;
  uint64_t write_seq() const;  // records written so far (acquire)
  uint64_t oldest() const;     // the oldest record still held (may be overwritten at any moment)
  const DecisionRingHeader& header() const { return *static_cast<const DecisionRingHeader*>(map_); }
  std::string policy_path() const;

 private:
  DecisionRingReader(void* map, size_t size) : map_(map), size_(size) {}
  void* map_;
  size_t size_;
};

}  // namespace lsf
