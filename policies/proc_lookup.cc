// The policy engine's default task lookups: task:cgroup() and task:runtime() from /proc.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "policies/policy_engine.h"

namespace lsf {

std::string ProcCgroupPath(int32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

// CPU time a task has run, ns: schedstat's first field (sum_exec_runtime, what luasched reads),
// else utime + stime from stat (clock ticks); -1 if the task is gone.
double ProcTaskRuntime(int32_t pid) {
  std::string dir = "/proc/" + std::to_string(pid);
  {
    std::ifstream in(dir + "/schedstat");
    double ns;
    if (in >> ns) return ns;
  }
  std::ifstream in(dir + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: utime, stime
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) stime = std::strtod(field.c_str(), nullptr);
  }
  return (utime + stime) * 1e9 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace lsf
