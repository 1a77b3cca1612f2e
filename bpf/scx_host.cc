// Host-side view of sched_ext: sysfs state, exit-info formatting, libbpf logging.
#include "bpf/scx_host.h"

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
  if (level == LIBBPF_DEBUG && !g_verbose) return 0;
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

bool ExitIsError(int kind) { return kind >= 1024; }

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
