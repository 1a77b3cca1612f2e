// ProcScan: builds miss records (struct lsf_miss) for running tasks from /proc, without BPF.
#include "dispatcher/proc_scan.h"

#include <dirent.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lsf {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

void CopyComm(char (&dst)[LSF_COMM_LEN], std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  std::memset(dst, 0, sizeof dst);
  std::memcpy(dst, s.data(), std::min(s.size(), sizeof dst - 1));
}

// Value of a "Key:\t..." line of /proc/<pid>/status.
std::string StatusField(const std::string& status, const char* key) {
  std::string k = std::string(key) + ":";
  size_t pos = 0;
  while (pos < status.size()) {
    size_t eol = status.find('\n', pos);
    if (eol == std::string::npos) eol = status.size();
    if (status.compare(pos, k.size(), k) == 0) {
      size_t v = status.find_first_not_of(" \t", pos + k.size());
      return v < eol ? status.substr(v, eol - v) : std::string();
    }
    pos = eol + 1;
  }
  return {};
}

std::vector<int32_t> NumericEntries(const std::string& dir) {
  std::vector<int32_t> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    int32_t v = 0;
    const char* s = e->d_name;
    auto [end, ec] = std::from_chars(s, s + std::strlen(s), v);
    if (ec == std::errc() && *end == '\0') out.push_back(v);
  }
  closedir(d);
  return out;
}

}  // namespace

Result<lsf_miss> ReadProcTask(const std::string& proc_root, int32_t tgid, int32_t tid) {
  std::string base = proc_root + "/" + std::to_string(tgid) + "/task/" + std::to_string(tid);
  std::string stat, status, comm;
  if (!ReadFile(base + "/stat", &stat) || !ReadFile(base + "/status", &status) || !ReadFile(base + "/comm", &comm))
    return MakeError("task " + std::to_string(tid) + " is gone or unreadable");
  lsf_miss m{};
  m.pid = tid;
  m.tgid = tgid;
  CopyComm(m.comm, comm);
  // stat: "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split at the last ')'
  size_t rp = stat.rfind(')');
  if (rp == std::string::npos) return MakeError("malformed stat for task " + std::to_string(tid));
  std::istringstream rest(stat.substr(rp + 2));
  std::string tok;
  std::vector<std::string> f;  // f[0] = state (field 3)
  while (rest >> tok) f.push_back(tok);
  if (f.size() < 37) return MakeError("short stat for task " + std::to_string(tid));
  m.ppid = std::atoi(f[1].c_str());
  m.prio = std::atoi(f[15].c_str()) + 100;   // field 18: prio as seen by userspace (nice 0 -> 20)
  m.nice = std::atoi(f[16].c_str());         // field 19
  m.prev_cpu = std::atoi(f[36].c_str());     // field 39: processor
  unsigned long flags = std::strtoul(f[6].c_str(), nullptr, 10);  // field 9
  if (flags & 0x00200000) m.flags |= LSF_MISS_KTHREAD;
  std::istringstream uid(StatusField(status, "Uid")), gid(StatusField(status, "Gid"));
  uid >> m.uid;
  gid >> m.gid;
  if (!ParseCpuList(StatusField(status, "Cpus_allowed_list"), m.cpus_allowed, &m.nr_cpus_allowed))
    return MakeError("malformed Cpus_allowed_list for task " + std::to_string(tid));
  std::string pcomm;
  if (m.ppid > 0 && ReadFile(proc_root + "/" + std::to_string(m.ppid) + "/comm", &pcomm)) CopyComm(m.pcomm, pcomm);
  return m;
}

std::vector<lsf_miss> ScanProc(const std::string& proc_root, bool threads) {
  std::vector<lsf_miss> out;
  for (int32_t tgid : NumericEntries(proc_root)) {
    std::vector<int32_t> tids = threads ? NumericEntries(proc_root + "/" + std::to_string(tgid) + "/task")
                                        : std::vector<int32_t>{tgid};
    for (int32_t tid : tids) {
      auto m = ReadProcTask(proc_root, tgid, tid);
      if (m) out.push_back(*m);
    }
  }
  return out;
}

}  // namespace lsf
