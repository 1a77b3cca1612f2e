// lsf-flood: what an unprivileged user can run to flood the scheduler with misses (guest workload).
//
//   lsf-flood rename THREADS SECONDS [FINAL]  THREADS threads rename themselves (prctl PR_SET_NAME,
//       two names in turn) and yield, in a loop, for SECONDS: every rename invalidates the thread's
//       verdict, every yield enqueues it again (a miss each time). Then each thread takes the name
//       FINAL (default "flood-end") and sleeps and wakes for a while, so that its last verdict can
//       come once the flood is over. Prints one JSON line per thread: {"tid", "renames"}.
//   lsf-flood exec PROCS SECONDS  PROCS processes fork and exec `lsf-flood noop` in a loop for
//       SECONDS: a new pid and an exec each time. Prints {"mode": "exec", "execs"}.
//   lsf-flood noop                exits at once.
// Run it under the uid to test with (setpriv --reuid ... lsf-flood ...): it never changes ids itself.
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

int Usage() {
  std::fprintf(stderr,
               "usage: lsf-flood rename THREADS SECONDS [FINAL_NAME]\n"
               "       lsf-flood exec PROCS SECONDS\n"
               "       lsf-flood noop\n");
  return 2;
}

int Rename(int threads, double seconds, const std::string& final_name) {
  uint64_t end = NowNs() + static_cast<uint64_t>(seconds * 1e9);
  std::vector<std::thread> pool;
  std::vector<long> tids(static_cast<size_t>(threads));
  std::vector<unsigned long long> counts(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      tids[static_cast<size_t>(t)] = syscall(SYS_gettid);
      unsigned long long n = 0;
      while (NowNs() < end) {
        prctl(PR_SET_NAME, (n & 1) ? "flood-a" : "flood-b", 0, 0, 0);
        sched_yield();
        ++n;
      }
      counts[static_cast<size_t>(t)] = n;
      // the flood is over: one last name, then wakeups (each an enqueue that may ask again)
      prctl(PR_SET_NAME, final_name.c_str(), 0, 0, 0);
      for (int i = 0; i < 80; ++i) usleep(25'000);  // 2 s: past the policy engine's per-task 1 s window
    });
  }
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t)
    std::printf("{\"tid\": %ld, \"renames\": %llu}\n", tids[static_cast<size_t>(t)], counts[static_cast<size_t>(t)]);
  return 0;
}

int Exec(int procs, double seconds) {
  char self[4096] = {};
  if (readlink("/proc/self/exe", self, sizeof self - 1) <= 0) {
    std::perror("lsf-flood: readlink /proc/self/exe");
    return 1;
  }
  uint64_t end = NowNs() + static_cast<uint64_t>(seconds * 1e9);
  int pipefd[2];
  if (pipe(pipefd) != 0) return 1;
  for (int i = 0; i < procs; ++i) {
    if (fork() != 0) continue;
    close(pipefd[0]);
    unsigned long long n = 0;
    while (NowNs() < end) {
      pid_t c = vfork();
      if (c == 0) {
        execl(self, "lsf-flood", "noop", static_cast<char*>(nullptr));
        _exit(127);
      }
      if (c > 0) waitpid(c, nullptr, 0);
      ++n;
    }
    if (write(pipefd[1], &n, sizeof n) != sizeof n) _exit(1);
    _exit(0);
  }
  close(pipefd[1]);
  unsigned long long total = 0, n = 0;
  while (read(pipefd[0], &n, sizeof n) == sizeof n) total += n;
  while (wait(nullptr) > 0) {
  }
  std::printf("{\"mode\": \"exec\", \"execs\": %llu}\n", total);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "noop") == 0) return 0;
  if (argc < 4) return Usage();
  int n = std::atoi(argv[2]);
  double seconds = std::atof(argv[3]);
  if (n <= 0 || seconds <= 0) return Usage();
  if (std::strcmp(argv[1], "rename") == 0) return Rename(n, seconds, argc > 4 ? argv[4] : "flood-end");
  if (std::strcmp(argv[1], "exec") == 0) return Exec(n, seconds);
  return Usage();
}
