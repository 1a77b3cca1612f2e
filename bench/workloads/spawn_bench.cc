// lsf-spawn: fork/exec storm and build-like jobs: N short-lived processes, P at a time, fork-to-first-run latency.
//
// usage: lsf-spawn --count N [--parallel P] [--name NAME] [--exec-sleep-us U | -- CMD ARG...]
// Starts N processes, at most P (default 64) alive at once. Each child stamps the time it first runs
// (into shared memory) and then execs CMD (every "{}" in an argument becomes the child's index), or
// exits at once when there is no CMD. Fork-to-first-run is that stamp minus the parent's time just
// before fork(). Prints VAL NAME_s (total wall time), VAL NAME_procs_per_s, VAL NAME_failed (children
// that did not exit 0) and LAT NAME_run (fork-to-first-run, µs). Exit status 1 if any child failed.
// --exec-sleep-us U: each child execs lsf-spawn itself, which sleeps U µs and stamps its wakeup:
// LAT NAME_exec_wakeup is the first wakeup of a freshly exec'd program past its U µs sleep, the
// first time a scheduler that reclassifies on exec has to place it again.
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/workloads/report.h"

namespace {

std::vector<std::string> Expand(const std::vector<std::string>& cmd, long index) {
  std::vector<std::string> out;
  for (std::string a : cmd) {
    for (size_t p; (p = a.find("{}")) != std::string::npos;) a.replace(p, 2, std::to_string(index));
    out.push_back(a);
  }
  return out;
}

// The exec'd child: lsf-spawn --exec-child FD INDEX SLEEP_US. Stamps late wakeup (ns) into slot INDEX
// of the shared stamps at FD (a memfd: it survives exec, an anonymous mapping does not).
int ExecChild(int fd, long index, long sleep_us) {
  auto* late = static_cast<uint64_t*>(mmap(nullptr, sizeof(uint64_t) * (index + 1), PROT_READ | PROT_WRITE,
                                           MAP_SHARED, fd, 0));
  if (late == MAP_FAILED) return 3;
  const uint64_t before = lsf_bench::NowNs();
  timespec ts{sleep_us / 1'000'000, (sleep_us % 1'000'000) * 1000};
  nanosleep(&ts, nullptr);
  const uint64_t woke = lsf_bench::NowNs();
  const uint64_t asked = static_cast<uint64_t>(sleep_us) * 1000;
  late[index] = woke - before > asked ? woke - before - asked + 1 : 1;  // 0 means "no sample"
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && !std::strcmp(argv[1], "--exec-child"))
    return ExecChild(std::atoi(argv[2]), std::atol(argv[3]), std::atol(argv[4]));
  long count = -1, parallel = 64, exec_sleep_us = -1;
  std::string name = "spawn";
  std::vector<std::string> cmd;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!std::strcmp(a, "--count")) count = static_cast<long>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--parallel")) parallel = static_cast<long>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--name") && v) name = v, ++i;
    else if (!std::strcmp(a, "--exec-sleep-us")) exec_sleep_us = static_cast<long>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--")) {
      for (++i; i < argc; ++i) cmd.push_back(argv[i]);
    } else {
      std::fprintf(stderr, "usage: lsf-spawn --count N [--parallel P] [--name NAME] [--exec-sleep-us U | -- CMD ARG...]\n");
      return 2;
    }
  }
  if (count < 1 || parallel < 1) {
    std::fprintf(stderr, "lsf-spawn: --count and --parallel must be >= 1\n");
    return 2;
  }
  if (exec_sleep_us >= 0 && !cmd.empty()) {
    std::fprintf(stderr, "lsf-spawn: --exec-sleep-us and a CMD exclude each other\n");
    return 2;
  }
  // --exec-sleep-us: late-wakeup stamps of the exec'd children, in a memfd they inherit
  int late_fd = -1;
  uint64_t* late = nullptr;
  std::string late_fd_arg;
  if (exec_sleep_us >= 0) {
    late_fd = memfd_create("lsf-spawn", 0);
    if (late_fd < 0 || ftruncate(late_fd, static_cast<off_t>(sizeof(uint64_t) * count)) != 0) {
      std::perror("lsf-spawn: memfd");
      return 2;
    }
    late = static_cast<uint64_t*>(mmap(nullptr, sizeof(uint64_t) * count, PROT_READ | PROT_WRITE, MAP_SHARED, late_fd, 0));
    if (late == MAP_FAILED) {
      std::perror("lsf-spawn: mmap");
      return 2;
    }
    late_fd_arg = std::to_string(late_fd);
  }
  const std::string sleep_arg = std::to_string(exec_sleep_us);
  // first-run stamps, written by the children
  auto* first_run = static_cast<uint64_t*>(mmap(nullptr, sizeof(uint64_t) * count, PROT_READ | PROT_WRITE,
                                                MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (first_run == MAP_FAILED) {
    std::perror("lsf-spawn: mmap");
    return 2;
  }
  std::vector<uint64_t> forked(count, 0);
  std::unordered_map<pid_t, long> alive;
  long started = 0, failed = 0;
  const uint64_t t0 = lsf_bench::NowNs();
  while (started < count || !alive.empty()) {
    if (started < count && static_cast<long>(alive.size()) < parallel) {
      const long i = started++;
      std::vector<std::string> args = Expand(cmd, i);
      std::vector<char*> argv_c;
      for (auto& s : args) argv_c.push_back(s.data());
      argv_c.push_back(nullptr);
      forked[i] = lsf_bench::NowNs();
      pid_t pid = fork();
      if (pid == 0) {
        first_run[i] = lsf_bench::NowNs();
        if (late) {
          std::string idx = std::to_string(i);
          execl("/proc/self/exe", "lsf-spawn", "--exec-child", late_fd_arg.c_str(), idx.c_str(), sleep_arg.c_str(),
                static_cast<char*>(nullptr));
          _exit(127);
        }
        if (args.empty()) _exit(0);
        execvp(argv_c[0], argv_c.data());
        _exit(127);
      }
      if (pid < 0) {
        ++failed;
        continue;
      }
      alive[pid] = i;
      continue;
    }
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    if (alive.erase(pid) && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) ++failed;
  }
  const double total_s = static_cast<double>(lsf_bench::NowNs() - t0) / 1e9;
  std::vector<double> run_us;
  for (long i = 0; i < count; ++i)
    if (first_run[i] >= forked[i] && forked[i]) run_us.push_back(static_cast<double>(first_run[i] - forked[i]) / 1000.0);
  lsf_bench::PrintValue(name + "_s", total_s);
  lsf_bench::PrintValue(name + "_procs_per_s", static_cast<double>(count) / total_s);
  lsf_bench::PrintValue(name + "_failed", static_cast<double>(failed));
  lsf_bench::PrintLatency(name + "_run", run_us);
  if (late) {
    std::vector<double> late_us;
    for (long i = 0; i < count; ++i)
      if (late[i]) late_us.push_back(static_cast<double>(late[i] - 1) / 1000.0);
    lsf_bench::PrintLatency(name + "_exec_wakeup", late_us);
  }
  return failed ? 1 : 0;
}
