// `luasched-fast record -o FILE`: follows the running instance's decision ring into a recording.
#include "dispatcher/record.h"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <thread>

#include "common/log.h"
#include "dispatcher/decision_ring.h"
#include "dispatcher/dispatcher.h"  // MonotonicNs

namespace lsf {

RecordResult RunRecord(const RecordOptions& o, const std::atomic<bool>& stop) {
  RecordResult res;
  auto ring = DecisionRingReader::Open(o.decisions_file);
  if (!ring) {
    LogError("%s", ring.error().c_str());
    res.exit_code = kRecordNoInstance;
    return res;
  }
  const DecisionRingReader& rd = **ring;
  RecordingHeader h = o.header;
  h.policy_path = rd.policy_path();
  struct stat st {};
  if (stat(h.policy_path.c_str(), &st) == 0) {
    h.policy_size = static_cast<uint64_t>(st.st_size);
    h.policy_mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  h.start_real_ns = static_cast<uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(now.tv_nsec);
  auto out = RecordingWriter::Create(o.output, h, o.max_bytes);
  if (!out) {
    LogError("%s", out.error().c_str());
    res.exit_code = kRecordFailed;
    return res;
  }
  RecordingWriter& w = **out;
  const uint64_t slots = rd.header().slot_count;
  const int32_t writer = rd.header().writer_pid;
  const uint64_t end_ns = o.duration_s > 0 ? MonotonicNs() + static_cast<uint64_t>(o.duration_s) * 1'000'000'000ull : 0;
  uint64_t next = rd.write_seq();  // from now on
  DecisionRecord r;
  while (res.why_stopped.empty()) {
    const uint64_t avail = rd.write_seq();
    if (avail - next > slots) {  // the writer lapped us: those are gone
      res.lost += avail - slots - next;
      next = avail - slots;
    }
    for (; next < avail && res.why_stopped.empty(); ++next) {
      switch (rd.Read(next, &r)) {
        case DecisionRingReader::ReadStatus::kOk: break;
        case DecisionRingReader::ReadStatus::kLost: ++res.lost; continue;
        case DecisionRingReader::ReadStatus::kNotYet: continue;  // cannot happen below write_seq
      }
      auto appended = w.Append(r);
      if (!appended) {
        LogError("%s", appended.error().c_str());
        res.exit_code = kRecordFailed;
        res.why_stopped = "write error";
      } else if (!*appended) {
        res.why_stopped = "size limit reached (--max-mb)";
      }
    }
    if (!res.why_stopped.empty()) break;
    if (auto st = w.Flush(); !st) {
      LogError("%s", st.error().c_str());
      res.exit_code = kRecordFailed;
      res.why_stopped = "write error";
    } else if (stop.load()) {
      res.why_stopped = "interrupted";
    } else if (end_ns && MonotonicNs() >= end_ns) {
      res.why_stopped = "duration reached";
    } else if (kill(writer, 0) != 0 && errno == ESRCH) {
      res.why_stopped = "the instance stopped";
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
    }
  }
  if (auto st = w.Flush(); !st && res.exit_code == kRecordOk) {
    LogError("%s", st.error().c_str());
    res.exit_code = kRecordFailed;
  }
  res.written = w.records();
  res.bytes = w.bytes();
  return res;
}

}  // namespace lsf
