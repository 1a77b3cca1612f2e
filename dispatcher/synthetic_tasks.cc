// The built-in tasks `check` runs a policy over: common programs, users, nice values and cgroups.
#include "dispatcher/synthetic_tasks.h"

#include <cstring>

namespace lsf {
namespace {

// pids from here up: above the kernel's default pid_max (4194304), so no live task has them.
constexpr int32_t kFirstPid = 5'000'000;

struct Row {
  const char* comm;
  const char* pcomm;
  uint32_t uid;
  int32_t nice;
  const char* cgroup;
  bool pinned;  // allowed on the last CPU only
  bool forked;  // a fork's first miss, else an exec
};

// Servers, desktop, builds, shells and daemons; root, a user, nobody; nice -20..19; pinned or not.
constexpr Row kRows[] = {
    {"nginx", "systemd", 33, 0, "/system.slice/nginx.service", false, false},
    {"nginx-worker", "nginx", 33, 0, "/system.slice/nginx.service", false, true},
    {"postgres", "systemd", 110, 0, "/system.slice/postgresql.service", false, false},
    {"redis-server", "systemd", 111, 0, "/system.slice/redis-server.service", false, false},
    {"sshd", "systemd", 0, 0, "/system.slice/ssh.service", false, false},
    {"systemd-journal", "systemd", 0, -1, "/system.slice/systemd-journald.service", false, false},
    {"cron", "systemd", 0, 0, "/system.slice/cron.service", false, false},
    {"bash", "sshd", 1000, 0, "/user.slice/user-1000.slice/session-1.scope", false, false},
    {"make", "bash", 1000, 0, "/user.slice/user-1000.slice/session-1.scope", false, false},
    {"cc1", "gcc", 1000, 0, "/user.slice/user-1000.slice/session-1.scope", false, false},
    {"ld", "collect2", 1000, 5, "/user.slice/user-1000.slice/session-1.scope", false, false},
    {"cargo", "bash", 1000, 10, "/user.slice/user-1000.slice/session-1.scope", false, false},
    {"firefox", "gnome-shell", 1000, 0, "/user.slice/user-1000.slice/app.slice/firefox.scope", false, false},
    {"Web Content", "firefox", 1000, 0, "/user.slice/user-1000.slice/app.slice/firefox.scope", false, true},
    {"pipewire", "systemd", 1000, -11, "/user.slice/user-1000.slice/user@1000.service", false, false},
    {"ffmpeg", "bash", 1000, 19, "/user.slice/user-1000.slice/session-1.scope", false, false},
    {"backup.sh", "cron", 0, 19, "/system.slice/cron.service", false, false},
    {"irq-helper", "systemd", 0, -20, "/system.slice/irq-helper.service", true, false},
    {"nobody-job", "sh", 65534, 0, "/system.slice/batch.service", false, false},
    {"", "bash", 1000, 0, "/", false, false},  // an empty comm
};

}  // namespace

std::vector<CheckTask> SyntheticTasks(int nr_cpus) {
  if (nr_cpus < 1) nr_cpus = 1;
  if (nr_cpus > LSF_MAX_CPUS) nr_cpus = LSF_MAX_CPUS;
  std::vector<CheckTask> out;
  int32_t pid = kFirstPid;
  for (const Row& r : kRows) {
    CheckTask t;
    t.source = "built-in";
    lsf_miss& m = t.miss;
    std::memset(&m, 0, sizeof m);
    m.pid = m.tgid = pid;
    m.ppid = pid - 1;
    m.uid = m.gid = r.uid;
    m.nice = r.nice;
    m.prio = 120 + r.nice;
    m.flags = r.forked ? 0u : static_cast<uint32_t>(LSF_MISS_EXEC);  // a fork's first miss: no flag
    if (r.pinned) {
      const int c = nr_cpus - 1;
      m.cpus_allowed[c / 64] = 1ULL << (c % 64);
      m.nr_cpus_allowed = 1;
      m.prev_cpu = c;
    } else {
      for (int c = 0; c < nr_cpus; ++c) m.cpus_allowed[c / 64] |= 1ULL << (c % 64);
      m.nr_cpus_allowed = static_cast<uint32_t>(nr_cpus);
      m.prev_cpu = pid % nr_cpus;
    }
    std::strncpy(m.comm, r.comm, LSF_COMM_LEN - 1);
    std::strncpy(m.pcomm, r.pcomm, LSF_COMM_LEN - 1);
    t.cgroup = r.cgroup;
    t.runtime_ns = 1e6 * static_cast<double>(pid - kFirstPid + 1);
    out.push_back(t);
    ++pid;
  }
  return out;
}

}  // namespace lsf
