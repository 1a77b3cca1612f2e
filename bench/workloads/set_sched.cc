// lsf-setsched: runs a command with the scheduling help a user would give it under EEVDF (nice, SCHED_FIFO, a short slice).
//
// usage: lsf-setsched [--nice N] [--fifo PRIO] [--slice-us US] [--] CMD [ARG...]
//   --nice N      nice value N (-20..19) for the command
//   --fifo PRIO   SCHED_FIFO at priority PRIO (1..99): the real-time class, which bypasses sched_ext
//   --slice-us US a custom EEVDF slice (sched_setattr: SCHED_OTHER with sched_runtime = US µs; kernel >= 6.12
//                 clamps it to 100 µs..100 ms and shows it as se.slice in /proc/PID/sched)
// The policy is set on this process and read back (sched_getattr) before exec, so a kernel that ignores a
// field fails here (exit 126) instead of measuring an unhelped baseline; forks of CMD inherit it. busybox
// has no nice/chrt applet, hence this helper (built statically for the benchmark VM).
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// struct sched_attr of sched_setattr(2) (the kernel's uapi layout, SCHED_ATTR_SIZE_VER0; glibc's <sched.h> has
// no wrapper, and <linux/sched/types.h> clashes with it over struct sched_param)
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

int Usage() {
  std::fprintf(stderr, "usage: lsf-setsched [--nice N] [--fifo PRIO] [--slice-us US] [--] CMD [ARG...]\n");
  return 2;
}

bool IntArg(const char* what, const char* s, long lo, long hi, long* out) {
  char* end = nullptr;
  long v = s ? std::strtol(s, &end, 10) : 0;
  if (!s || end == s || *end || v < lo || v > hi) {
    std::fprintf(stderr, "lsf-setsched: %s takes a number in %ld..%ld (got '%s')\n", what, lo, hi, s ? s : "");
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  long nice = 0, fifo = 0, slice_us = 0;
  bool set_nice = false;
  int i = 1;
  for (; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!std::strcmp(a, "--nice")) {
      if (!IntArg(a, v, -20, 19, &nice)) return 2;
      set_nice = true, ++i;
    } else if (!std::strcmp(a, "--fifo")) {
      if (!IntArg(a, v, 1, 99, &fifo)) return 2;
      ++i;
    } else if (!std::strcmp(a, "--slice-us")) {
      if (!IntArg(a, v, 1, 1000000, &slice_us)) return 2;
      ++i;
    } else if (!std::strcmp(a, "--")) {
      ++i;
      break;
    } else if (a[0] == '-') {
      return Usage();
    } else {
      break;
    }
  }
  if (i >= argc) return Usage();
  if (fifo && (slice_us || set_nice)) {
    std::fprintf(stderr, "lsf-setsched: --fifo takes neither --nice nor --slice-us (they are SCHED_OTHER's)\n");
    return 2;
  }
  SchedAttr want{};
  want.size = sizeof want;
  want.sched_policy = fifo ? SCHED_FIFO : SCHED_OTHER;
  want.sched_priority = static_cast<uint32_t>(fifo);
  want.sched_nice = static_cast<int32_t>(nice);
  want.sched_runtime = static_cast<uint64_t>(slice_us) * 1000;
  if (syscall(SYS_sched_setattr, 0, &want, 0) != 0) {
    std::fprintf(stderr, "lsf-setsched: sched_setattr: %s\n", std::strerror(errno));
    return 126;
  }
  SchedAttr got{};
  if (syscall(SYS_sched_getattr, 0, &got, sizeof got, 0) != 0) {
    std::fprintf(stderr, "lsf-setsched: sched_getattr: %s\n", std::strerror(errno));
    return 126;
  }
  // the kernel clamps a slice to 100 µs..100 ms: compare with the clamped request
  uint64_t slice_ns = want.sched_runtime;
  if (slice_ns && slice_ns < 100000) slice_ns = 100000;
  if (slice_ns > 100000000) slice_ns = 100000000;
  if (got.sched_policy != want.sched_policy || got.sched_priority != want.sched_priority ||
      (!fifo && got.sched_nice != want.sched_nice) || (slice_ns && got.sched_runtime != slice_ns)) {
    std::fprintf(stderr,
                 "lsf-setsched: the kernel did not keep the request (policy %u prio %u nice %d runtime %llu ns; "
                 "asked %u %u %d %llu)\n",
                 got.sched_policy, got.sched_priority, got.sched_nice, static_cast<unsigned long long>(got.sched_runtime),
                 want.sched_policy, want.sched_priority, want.sched_nice, static_cast<unsigned long long>(slice_ns));
    return 126;
  }
  execvp(argv[i], argv + i);
  std::fprintf(stderr, "lsf-setsched: %s: %s\n", argv[i], std::strerror(errno));
  return 127;
}
