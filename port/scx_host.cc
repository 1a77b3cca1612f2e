// Host-side view of sched_ext: sysfs state, exit-info formatting, libbpf logging.
#include "port/scx_host.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "bpf/intf.h"

namespace lsf::scx {
namespace {

constexpr const char* kStatePath = "/sys/kernel/sched_ext/state";
constexpr const char* kOpsPath = "/sys/kernel/sched_ext/root/ops";

std::string ReadLine(const char* path, bool* ok) {
  std::ifstream in(path);
  std::string line;
  *ok = static_cast<bool>(std::getline(in, line));
  return line;
}

bool g_verbose = false;

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  // Warnings always; libbpf's info lines (e.g. one per sched_ext_ops member an older kernel lacks,
  // "skipping it as it's set to zero") only with --verbose.
  if (level != LIBBPF_WARN && !g_verbose) return 0;
  std::fputs("libbpf: ", stderr);
  return std::vfprintf(stderr, fmt, args);
}

}  // namespace

bool KernelHasSchedExt() { return access(kStatePath, R_OK) == 0; }

Result<std::string> State() {
  bool ok = false;
  std::string s = ReadLine(kStatePath, &ok);
  if (!ok) return MakeError(std::string("cannot read ") + kStatePath);
  return s;
}

std::string LoadedOps() {
  bool ok = false;
  std::string s = ReadLine(kOpsPath, &ok);
  return ok ? s : std::string();
}

const char* ExitKindName(int kind) {
  // Values of enum scx_exit_kind (kernel/sched/ext_internal.h); stable UAPI-like numbers.
  switch (kind) {
    case 0: return "none";
    case 1: return "done";
    case 64: return "unregistered from user space";
    case 65: return "unregistered by the BPF scheduler";
    case 66: return "unregistered by the kernel";
    case 67: return "disabled by sysrq-S";
    case 1024: return "runtime error";
    case 1025: return "scx_bpf_error";
    case 1026: return "runnable task stall";
    default: return kind >= 1024 ? "error" : "unregistered";
  }
}

// kind 66 (the kernel unregistered the scheduler, e.g. on CPU hotplug without handlers) is not a
// clean stop: the machine is back on its default scheduler without anyone having asked for it.
bool ExitIsError(int kind) { return kind >= 1024 || kind == 66; }

bool ExitWantsRestart(const lsf_exit_info& ei) {
  constexpr uint64_t kEcodeActRestart = 1ull << 48;  // SCX_ECODE_ACT_RESTART
  return ei.kind == 66 && (static_cast<uint64_t>(ei.exit_code) & kEcodeActRestart) != 0;
}

std::string MissingKernelFeatures(bool arena) {
  struct Feature {
    const char* name;
    int kind;           // BTF_KIND_FUNC or BTF_KIND_STRUCT
    const char* alt;    // another name that provides the same (renamed kfuncs), or nullptr
    const char* what;
    const char* since;
    bool arena_only;
  };
  static const Feature kFeatures[] = {
      {"sched_ext_ops", BTF_KIND_STRUCT, nullptr, "sched_ext", "Linux 6.12 with CONFIG_SCHED_CLASS_EXT=y", false},
      {"scx_bpf_dsq_insert", BTF_KIND_FUNC, "scx_bpf_dispatch", "DSQ inserts", "Linux 6.12", false},
      {"scx_bpf_dsq_move", BTF_KIND_FUNC, "scx_bpf_dispatch_from_dsq", "moves between DSQs", "Linux 6.12", false},
      {"bpf_iter_scx_dsq_new", BTF_KIND_FUNC, nullptr, "DSQ iterators", "Linux 6.12", false},
      {"bpf_task_from_pid", BTF_KIND_FUNC, nullptr, "bpf_task_from_pid", "Linux 6.2", false},
      {"bpf_arena_alloc_pages", BTF_KIND_FUNC, nullptr, "BPF arenas (--transport arena)", "Linux 6.9", true},
  };
  btf* vmlinux = btf__load_vmlinux_btf();
  if (!vmlinux) return "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): needs CONFIG_DEBUG_INFO_BTF=y";
  std::string missing;
  for (const Feature& f : kFeatures) {
    if (f.arena_only && !arena) continue;
    if (btf__find_by_name_kind(vmlinux, f.name, f.kind) >= 0) continue;
    if (f.alt && btf__find_by_name_kind(vmlinux, f.alt, f.kind) >= 0) continue;
    missing += missing.empty() ? "this kernel lacks " : ", ";
    missing += std::string(f.what) + " (" + f.name + ", " + f.since + ")";
  }
  btf__free(vmlinux);
  return missing;
}

Status CheckPossibleCpus(int possible) {
  if (possible <= 0) return MakeError("cannot count possible CPUs: " + std::string(std::strerror(-possible)));
  if (possible > LSF_MAX_CPUS)
    return MakeError("this machine has " + std::to_string(possible) + " possible CPUs; luasched-fast supports " +
                     std::to_string(LSF_MAX_CPUS));
  return {};
}

std::string FormatExit(const lsf_exit_info& ei) {
  char head[96];
  std::snprintf(head, sizeof head, "kind=%d (%s) code=%lld", ei.kind, ExitKindName(ei.kind),
                static_cast<long long>(ei.exit_code));
  std::string out = head;
  out += " reason='";
  out.append(ei.reason, strnlen(ei.reason, sizeof ei.reason));
  out += "'";
  if (ei.msg[0] != '\0') {
    out += " msg='";
    out.append(ei.msg, strnlen(ei.msg, sizeof ei.msg));
    out += "'";
  }
  return out;
}

void SetupLibbpfLogging(bool verbose) {
  g_verbose = verbose;
  libbpf_set_print(LibbpfPrint);
}

}  // namespace lsf::scx
