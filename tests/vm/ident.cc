// lsf-ident: a guest workload that changes what identifies it (uid, cgroup) without exec.
//
//   lsf-ident run SECONDS              wakes every 10 ms for SECONDS (each wakeup is an enqueue).
//   lsf-ident setuid UID SECONDS       as root: runs SECONDS, then setresgid/setresuid(UID) (no exec),
//       runs SECONDS more, forks a child that runs SECONDS, waits for it. Prints
//       {"pid", "child", "setuid_ns", "fork_ns"} (CLOCK_MONOTONIC of the uid change and of the fork).
//   lsf-ident clone-into DIR SECONDS   runs SECONDS, then starts a child straight into the cgroup
//       DIR (clone3 CLONE_INTO_CGROUP) that runs SECONDS; waits for it. Prints {"pid", "child"}.
//   lsf-ident as UID PROG [ARG...]      drops to uid and gid UID (no supplementary groups) and
//       execs PROG: how the tests start an unprivileged user's program. Prints {"exec_pid",
//       "exec_ns"} (CLOCK_MONOTONIC just before the exec) on stderr.
// "Runs" means wakes every 10 ms, so the scheduler sees the task often.
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void Run(double seconds) {
  uint64_t end = NowNs() + static_cast<uint64_t>(seconds * 1e9);
  while (NowNs() < end) usleep(10'000);
}

int Usage() {
  std::fprintf(stderr,
               "usage: lsf-ident run SECONDS\n"
               "       lsf-ident setuid UID SECONDS\n"
               "       lsf-ident clone-into CGROUP_DIR SECONDS\n"
               "       lsf-ident as UID PROG [ARG...]\n");
  return 2;
}

int SetUid(uid_t uid, double seconds) {
  Run(seconds);
  uint64_t at = NowNs();
  if (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) {
    std::perror("lsf-ident: setresuid");
    return 1;
  }
  Run(seconds);
  uint64_t fork_at = NowNs();
  pid_t child = fork();
  if (child == 0) {
    Run(seconds);
    _exit(0);
  }
  waitpid(child, nullptr, 0);
  std::printf("{\"pid\": %d, \"child\": %d, \"setuid_ns\": %llu, \"fork_ns\": %llu}\n", getpid(), child,
              static_cast<unsigned long long>(at), static_cast<unsigned long long>(fork_at));
  return 0;
}

int CloneInto(const char* dir, double seconds) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    std::perror("lsf-ident: open cgroup");
    return 1;
  }
  Run(seconds);
  clone_args args;
  std::memset(&args, 0, sizeof args);
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(fd);
  long child = syscall(SYS_clone3, &args, sizeof args);
  if (child < 0) {
    std::perror("lsf-ident: clone3");
    return 1;
  }
  if (child == 0) {
    Run(seconds);
    _exit(0);
  }
  waitpid(static_cast<pid_t>(child), nullptr, 0);
  std::printf("{\"pid\": %d, \"child\": %ld}\n", getpid(), child);
  return 0;
}

}  // namespace

int As(uid_t uid, char** argv) {
  if (setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) {
    std::perror("lsf-ident as: dropping privileges");
    return 1;
  }
  // when the program starts, for time-to-verdict measurements: the exec is what the scheduler sees
  std::fprintf(stderr, "{\"exec_pid\": %d, \"exec_ns\": %llu}\n", getpid(), static_cast<unsigned long long>(NowNs()));
  execv(argv[0], argv);
  std::perror("lsf-ident as: exec");
  return 127;
}

int main(int argc, char** argv) {
  if (argc >= 4 && std::strcmp(argv[1], "as") == 0) return As(static_cast<uid_t>(std::atoi(argv[2])), argv + 3);
  if (argc == 3 && std::strcmp(argv[1], "run") == 0) {
    Run(std::atof(argv[2]));
    return 0;
  }
  if (argc == 4 && std::strcmp(argv[1], "setuid") == 0)
    return SetUid(static_cast<uid_t>(std::atoi(argv[2])), std::atof(argv[3]));
  if (argc == 4 && std::strcmp(argv[1], "clone-into") == 0) return CloneInto(argv[2], std::atof(argv[3]));
  return Usage();
}
