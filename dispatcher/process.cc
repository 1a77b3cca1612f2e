// Process-level setup of the dispatcher: CPU pinning and signal handling.
#include "dispatcher/process.h"

#include <sched.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace lsf {
namespace {

std::atomic<bool>* g_stop = nullptr;
std::atomic<bool>* g_reload = nullptr;

void OnSignal(int sig) {
  if (sig == SIGHUP) {
    if (g_reload) g_reload->store(true, std::memory_order_relaxed);
  } else if (g_stop) {
    g_stop->store(true, std::memory_order_relaxed);
  }
}

}  // namespace

Status PinToCpu(int cpu) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && !CPU_ISSET(cpu, &allowed))
    return MakeError("--cpu " + std::to_string(cpu) + ": not in this process's allowed CPUs (taskset/cgroup cpuset)");
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    return MakeError("cannot pin to CPU " + std::to_string(cpu) + ": " + std::strerror(errno));
  return {};
}

void InstallSignalHandlers(std::atomic<bool>* stop, std::atomic<bool>* reload) {
  g_stop = stop;
  g_reload = reload;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: epoll_wait returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

}  // namespace lsf
