// Test helper: writes a decision ring of a few made-up decisions (kept until killed), for cli_test.sh.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dispatcher/decision_ring.h"
#include "dispatcher/dispatcher.h"  // MonotonicNs

namespace {

// pid 4242 nginx-test REALTIME (read comm and cgroup, line 5), pid 4243 cc1 DEFAULT after an error,
// pid 4244 make BATCH (returned), in that order.
std::vector<lsf::DecisionRecord> Records() {
  struct Task {
    int32_t pid;
    const char* comm;
    uint32_t cls;
    lsf::DecisionSource source;
    uint32_t reads;
    int32_t line;
    bool returned;
  };
  const Task tasks[] = {
      {4242, "nginx-test", LSF_CLASS_REALTIME, lsf::DecisionSource::kPolicy, LSF_READ_COMM | LSF_READ_CGROUP, 5, false},
      {4243, "cc1", LSF_CLASS_DEFAULT, lsf::DecisionSource::kError, LSF_READ_COMM, 0, false},
      {4244, "make", LSF_CLASS_BATCH, lsf::DecisionSource::kPolicy, LSF_READ_UID, 2, true},
  };
  std::vector<lsf::DecisionRecord> out;
  uint64_t n = 0;
  for (const Task& t : tasks) {
    lsf_miss m{};
    m.pid = m.tgid = t.pid;
    m.uid = 1000;
    m.nice = 0;
    m.prio = 120;
    m.seq = ++n;
    m.enq_ns = n * 1000;
    m.nr_cpus_allowed = 2;
    m.cpus_allowed[0] = 3;
    std::strncpy(m.comm, t.comm, sizeof m.comm - 1);
    lsf::Decision d;
    d.dsq = t.cls;
    d.slice_ns = 1'000'000;
    d.trace.source = t.source;
    d.trace.reads = t.reads;
    d.trace.line = t.line;
    d.trace.returned = t.returned;
    d.trace.duration_ns = 2000;
    std::snprintf(d.trace.cgroup, sizeof d.trace.cgroup, "%s", "/system.slice/nginx.service");
    out.push_back(lsf::MakeDecisionRecord(m, d, lsf::MonotonicNs(), 1'700'000'000'000'000'000ull + n, 1));
  }
  return out;
}

}  // namespace

// ring PATH: the three decisions, then nothing; trickle PATH: the same three again every ms.
int main(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode != "ring" && mode != "trickle") {
    std::fprintf(stderr, "usage: %s ring|trickle PATH\n", argv[0]);
    return 2;
  }
  auto w = lsf::DecisionRingWriter::Create(argv[2], "/etc/luasched-fast/policy.lua");
  if (!w) {
    std::fprintf(stderr, "%s\n", w.error().c_str());
    return 1;
  }
  for (const lsf::DecisionRecord& r : Records()) (*w)->Write(r);
  std::printf("ready\n");
  std::fflush(stdout);
  while (mode == "trickle") {
    usleep(1000);
    for (lsf::DecisionRecord r : Records()) {
      r.mono_ns = lsf::MonotonicNs();
      (*w)->Write(r);
    }
  }
  pause();  // keep the ring until killed (the writer removes its file when it ends)
  return 0;
}
