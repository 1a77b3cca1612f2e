// lsf-probe: a guest workload that measures how long it waited: a CPU-bound loop that records the
// longest gap between two consecutive clock readings (time it was runnable or running elsewhere but
// not on a CPU) and its own CPU time, printed as one JSON line.
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// Times this thread left its CPU (voluntary or not): one switch per wait; more during one gap means
// the kernel put the thread on a CPU and took it off again before it got back to this loop.
uint64_t Switches() {
  rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return static_cast<uint64_t>(ru.ru_nvcsw) + static_cast<uint64_t>(ru.ru_nivcsw);
}

uint64_t Ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

int Usage() {
  std::fprintf(stderr,
               "usage: lsf-probe SECONDS [--name COMM] [--pin CPU] [--nice N] [--fifo PRIO] [--sleep-us US]\n"
               "                 [--procs N [--ready FILE] [--go FILE]]\n"
               "  Spins for SECONDS (with --sleep-us: sleeps US after every 1 ms of work), then prints\n"
               "  {\"name\", \"pid\", \"wall_ms\", \"cpu_ms\", \"max_gap_ms\", \"max_gap_switches\", \"gaps_over_100ms\",\n"
               "   \"gaps_over_500ms\"}.\n"
               "  A gap is time between two readings of CLOCK_MONOTONIC taken in a row while not sleeping;\n"
               "  max_gap_switches is how often the thread left a CPU during the longest one (1: one wait).\n"
               "  --fifo PRIO: run as SCHED_FIFO at PRIO (root; outside sched_ext, above it).\n"
               "  --procs N: N processes (this one and N-1 forks, made before any starts) start together\n"
               "  and each prints its line; the first exits after the others. --ready: created once all N\n"
               "  exist; --go: they start when this file exists (polled every 10 ms).\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  double seconds = std::atof(argv[1]);
  std::string name, ready, go;
  int pin = -1, nice_value = 0, sleep_us = 0, procs = 1, fifo = 0;
  bool set_nice = false;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--name") name = argv[i + 1];
    else if (flag == "--pin") pin = std::atoi(argv[i + 1]);
    else if (flag == "--nice") nice_value = std::atoi(argv[i + 1]), set_nice = true;
    else if (flag == "--sleep-us") sleep_us = std::atoi(argv[i + 1]);
    else if (flag == "--procs") procs = std::atoi(argv[i + 1]);
    else if (flag == "--fifo") fifo = std::atoi(argv[i + 1]);
    else if (flag == "--ready") ready = argv[i + 1];
    else if (flag == "--go") go = argv[i + 1];
    else return Usage();
  }
  if (seconds <= 0 || procs < 1) return Usage();
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
  if (fifo > 0) {
    sched_param param{};
    param.sched_priority = fifo;
    if (sched_setscheduler(0, SCHED_FIFO, &param) != 0) {
      std::perror("lsf-probe: sched_setscheduler");
      return 1;
    }
  }
  if (!name.empty()) prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
  char comm[17] = {};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  // --procs: the forks wait on a pipe until all exist, so a crowd starts at once (a shell starting
  // them one by one is itself starved by the ones already running)
  int children = 0;
  if (procs > 1) {
    int gate[2];
    if (pipe(gate) != 0) {
      std::perror("lsf-probe: pipe");
      return 1;
    }
    for (int i = 1; i < procs; ++i) {
      pid_t child = fork();
      if (child < 0) {
        std::perror("lsf-probe: fork");
        break;
      }
      if (child == 0) {
        char byte;
        close(gate[1]);
        while (read(gate[0], &byte, 1) < 0) {
        }
        close(gate[0]);
        children = -1;  // a fork: waits for nobody
        break;
      }
      ++children;
    }
    if (children >= 0) {
      struct stat st;
      if (!ready.empty()) {
        int fd = creat(ready.c_str(), 0644);
        if (fd >= 0) close(fd);
      }
      while (!go.empty() && stat(go.c_str(), &st) != 0) usleep(10'000);
      close(gate[0]);
      close(gate[1]);  // every fork's read returns: go
    }
  }

  uint64_t start = Ns(CLOCK_MONOTONIC), end = start + static_cast<uint64_t>(seconds * 1e9);
  uint64_t cpu0 = Ns(CLOCK_THREAD_CPUTIME_ID), last = start, max_gap = 0, over100 = 0, over500 = 0;
  uint64_t work_until = start + 1'000'000;
  // switch count sampled every 1 ms of running (a syscall), and right after every gap over 1 ms
  uint64_t sw_at = Switches(), sw_sampled = start, max_gap_switches = 0;
  for (uint64_t now = start; now < end; now = Ns(CLOCK_MONOTONIC)) {
    uint64_t gap = now - last;
    if (gap > 1'000'000 || now - sw_sampled > 1'000'000) {
      uint64_t sw = Switches();
      if (gap > max_gap) max_gap_switches = sw - sw_at;
      sw_at = sw;
      sw_sampled = now;
    }
    if (gap > max_gap) max_gap = gap;
    if (gap > 100'000'000) ++over100;
    if (gap > 500'000'000) ++over500;
    last = now;
    if (sleep_us > 0 && now >= work_until) {
      usleep(static_cast<useconds_t>(sleep_us));
      last = Ns(CLOCK_MONOTONIC);  // the sleep itself is not waiting
      sw_at = Switches();
      sw_sampled = last;
      work_until = last + 1'000'000;
    }
  }
  uint64_t wall = Ns(CLOCK_MONOTONIC) - start, cpu = Ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  std::printf("{\"name\":\"%s\",\"pid\":%d,\"wall_ms\":%.1f,\"cpu_ms\":%.1f,\"max_gap_ms\":%.1f,"
              "\"max_gap_switches\":%llu,\"gaps_over_100ms\":%llu,\"gaps_over_500ms\":%llu}\n",
              comm, getpid(), static_cast<double>(wall) / 1e6, static_cast<double>(cpu) / 1e6,
              static_cast<double>(max_gap) / 1e6, static_cast<unsigned long long>(max_gap_switches),
              static_cast<unsigned long long>(over100),
              static_cast<unsigned long long>(over500));
  std::fflush(stdout);
  while (children > 0 && wait(nullptr) > 0) --children;
  return 0;
}
