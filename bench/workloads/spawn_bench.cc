// lsf-spawn: fork/exec storm and build-like jobs: N short-lived processes, P at a time, fork-to-first-run latency.
//
// usage: lsf-spawn --count N [--parallel P] [--name NAME] [-- CMD ARG...]
// Starts N processes, at most P (default 64) alive at once. Each child stamps the time it first runs
// (into shared memory) and then execs CMD (every "{}" in an argument becomes the child's index), or
// exits at once when there is no CMD. Fork-to-first-run is that stamp minus the parent's time just
// before fork(). Prints VAL NAME_s (total wall time), VAL NAME_procs_per_s, VAL NAME_failed (children
// that did not exit 0) and LAT NAME_run (fork-to-first-run, µs). Exit status 1 if any child failed.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace

int main(int argc, char** argv) {
  long count = -1, parallel = 64;
  std::string name = "spawn";
  std::vector<std::string> cmd;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!std::strcmp(a, "--count")) count = static_cast<long>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--parallel")) parallel = static_cast<long>(lsf_bench::NumberArg(a, v)), ++i;
    else if (!std::strcmp(a, "--name") && v) name = v, ++i;
    else if (!std::strcmp(a, "--")) {
      for (++i; i < argc; ++i) cmd.push_back(argv[i]);
    } else {
      std::fprintf(stderr, "usage: lsf-spawn --count N [--parallel P] [--name NAME] [-- CMD ARG...]\n");
      return 2;
    }
  }
  if (count < 1 || parallel < 1) {
    std::fprintf(stderr, "lsf-spawn: --count and --parallel must be >= 1\n");
    return 2;
  }
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
  return failed ? 1 : 0;
}
