// lsf-probe: a guest workload that measures how long it waited: a CPU-bound loop that records the
// longest gap between two consecutive clock readings (time it was runnable or running elsewhere but
// not on a CPU) and its own CPU time, printed as one JSON line.
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

uint64_t Ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

int Usage() {
  std::fprintf(stderr,
               "usage: lsf-probe SECONDS [--name COMM] [--pin CPU] [--nice N] [--sleep-us US]\n"
               "  Spins for SECONDS (with --sleep-us: sleeps US after every 1 ms of work), then prints\n"
               "  {\"name\", \"pid\", \"wall_ms\", \"cpu_ms\", \"max_gap_ms\", \"gaps_over_100ms\", \"gaps_over_500ms\"}.\n"
               "  A gap is time between two readings of CLOCK_MONOTONIC taken in a row while not sleeping.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  double seconds = std::atof(argv[1]);
  std::string name;
  int pin = -1, nice_value = 0, sleep_us = 0;
  bool set_nice = false;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--name") name = argv[i + 1];
    else if (flag == "--pin") pin = std::atoi(argv[i + 1]);
    else if (flag == "--nice") nice_value = std::atoi(argv[i + 1]), set_nice = true;
    else if (flag == "--sleep-us") sleep_us = std::atoi(argv[i + 1]);
    else return Usage();
  }
  if (seconds <= 0) return Usage();
  if (pin >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(pin, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
      std::perror("lsf-probe: sched_setaffinity");
      return 1;
    }
  }
  if (set_nice && setpriority(PRIO_PROCESS, 0, nice_value) != 0) {
    std::perror("lsf-probe: setpriority");
    return 1;
  }
  if (!name.empty()) prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
  char comm[17] = {};
  prctl(PR_GET_NAME, comm, 0, 0, 0);

  uint64_t start = Ns(CLOCK_MONOTONIC), end = start + static_cast<uint64_t>(seconds * 1e9);
  uint64_t cpu0 = Ns(CLOCK_THREAD_CPUTIME_ID), last = start, max_gap = 0, over100 = 0, over500 = 0;
  uint64_t work_until = start + 1'000'000;
  for (uint64_t now = start; now < end; now = Ns(CLOCK_MONOTONIC)) {
    uint64_t gap = now - last;
    if (gap > max_gap) max_gap = gap;
    if (gap > 100'000'000) ++over100;
    if (gap > 500'000'000) ++over500;
    last = now;
    if (sleep_us > 0 && now >= work_until) {
      usleep(static_cast<useconds_t>(sleep_us));
      last = Ns(CLOCK_MONOTONIC);  // the sleep itself is not waiting
      work_until = last + 1'000'000;
    }
  }
  uint64_t wall = Ns(CLOCK_MONOTONIC) - start, cpu = Ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  std::printf("{\"name\":\"%s\",\"pid\":%d,\"wall_ms\":%.1f,\"cpu_ms\":%.1f,\"max_gap_ms\":%.1f,"
              "\"gaps_over_100ms\":%llu,\"gaps_over_500ms\":%llu}\n",
              comm, getpid(), static_cast<double>(wall) / 1e6, static_cast<double>(cpu) / 1e6,
              static_cast<double>(max_gap) / 1e6, static_cast<unsigned long long>(over100),
              static_cast<unsigned long long>(over500));
  return 0;
}
