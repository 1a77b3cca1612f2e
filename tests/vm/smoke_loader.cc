// lsf-smoke: loads the smoke-test sched_ext scheduler for a while and reports what the kernel said.
#include <bpf/libbpf.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bpf/intf.h"
#include "port/scx_host.h"
#include "smoke.skel.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true, std::memory_order_relaxed); }

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: lsf-smoke [--seconds N] [--broken] [--verbose]\n"
               "Loads a one-queue FIFO sched_ext scheduler for N seconds (default 5), then unloads it.\n"
               "  --broken   never dispatch: the sched_ext watchdog must eject the scheduler\n"
               "Exit status: 0 clean unload, 1 ejected by the kernel (exit reason printed), 2 usage,\n"
               "             3 load/attach failure.\n");
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 5;
  bool broken = false, verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      char* end = nullptr;
      long v = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || v <= 0 || v > 86400) {
        std::fprintf(stderr, "lsf-smoke: --seconds takes 1..86400, got '%s'\n", argv[i]);
        return 2;
      }
      seconds = static_cast<int>(v);
    } else if (a == "--broken") {
      broken = true;
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "lsf-smoke: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return 2;
    }
  }
  if (!lsf::scx::KernelHasSchedExt()) {
    std::fprintf(stderr, "lsf-smoke: this kernel has no sched_ext (/sys/kernel/sched_ext missing)\n");
    return 3;
  }
  lsf::scx::SetupLibbpfLogging(verbose);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  smoke_bpf* skel = smoke_bpf__open();
  if (!skel) {
    std::perror("lsf-smoke: open");
    return 3;
  }
  skel->rodata->broken = broken;
  if (int err = smoke_bpf__load(skel); err) {
    std::fprintf(stderr, "lsf-smoke: load failed: %s\n", std::strerror(-err));
    smoke_bpf__destroy(skel);
    return 3;
  }
  bpf_link* link = bpf_map__attach_struct_ops(skel->maps.smoke_ops);
  if (!link) {
    std::fprintf(stderr, "lsf-smoke: attach failed: %s\n", std::strerror(errno));
    smoke_bpf__destroy(skel);
    return 3;
  }
  auto state = lsf::scx::State();
  std::printf("lsf-smoke: attached state=%s ops=%s broken=%d\n", state ? state->c_str() : "?",
              lsf::scx::LoadedOps().c_str(), broken);
  std::fflush(stdout);

  volatile int* kind = &skel->bss->exit_info.kind;
  for (int t = 0; t < seconds * 10 && !g_stop.load(std::memory_order_relaxed) && *kind == 0; ++t)
    usleep(100 * 1000);

  bpf_link__destroy(link);  // unregisters; ops.exit fills exit_info if not already set
  const lsf_exit_info& ei = skel->bss->exit_info;
  std::printf("lsf-smoke: enqueued=%llu dispatched=%llu direct=%llu hotplug=%llu\n",
              static_cast<unsigned long long>(skel->bss->nr_enqueued),
              static_cast<unsigned long long>(skel->bss->nr_dispatched),
              static_cast<unsigned long long>(skel->bss->nr_direct),
              static_cast<unsigned long long>(skel->bss->nr_hotplug));
  std::printf("lsf-smoke: exit %s\n", lsf::scx::FormatExit(ei).c_str());
  int rc = lsf::scx::ExitIsError(ei.kind) ? 1 : 0;
  smoke_bpf__destroy(skel);
  return rc;
}
