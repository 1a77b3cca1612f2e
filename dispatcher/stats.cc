// StatsSnapshot: every counter of a running luasched-fast, as a line for people or JSON for machines.
#include "dispatcher/stats.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace lsf {

double StatsSnapshot::Get(const std::string& name, double fallback) const {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return fallback;
}

std::string FormatStatsJson(const StatsSnapshot& s) {
  std::string out = "{";
  char num[64];
  for (size_t i = 0; i < s.fields.size(); ++i) {
    double v = s.fields[i].second;
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e18)
      std::snprintf(num, sizeof num, "%lld", static_cast<long long>(v));
    else
      std::snprintf(num, sizeof num, "%.3f", std::isfinite(v) ? v : 0.0);
    out += (i ? ", \"" : "\"") + s.fields[i].first + "\": " + num;
  }
  return out + "}";
}

Result<StatsSnapshot> ParseStatsJson(const std::string& json) {
  StatsSnapshot s;
  size_t i = 0;
  auto ws = [&] { while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) ++i; };
  auto fail = [&](const char* what) { return MakeError(std::string("stats JSON: ") + what + " at offset " + std::to_string(i)); };
  ws();
  if (i >= json.size() || json[i] != '{') return fail("expected '{'");
  ++i;
  ws();
  if (i < json.size() && json[i] == '}') return s;
  for (;;) {
    ws();
    if (i >= json.size() || json[i] != '"') return fail("expected a key");
    size_t end = json.find('"', i + 1);
    if (end == std::string::npos) return fail("unterminated key");
    std::string key = json.substr(i + 1, end - i - 1);
    i = end + 1;
    ws();
    if (i >= json.size() || json[i] != ':') return fail("expected ':'");
    ++i;
    ws();
    char* stop = nullptr;
    double v = std::strtod(json.c_str() + i, &stop);
    if (stop == json.c_str() + i) return fail("expected a number");
    i = static_cast<size_t>(stop - json.c_str());
    s.Add(std::move(key), v);
    ws();
    if (i < json.size() && json[i] == ',') { ++i; continue; }
    if (i < json.size() && json[i] == '}') return s;
    return fail("expected ',' or '}'");
  }
}

std::string FormatStatsLine(const StatsSnapshot& s) {
  auto u = [&](const char* k) { return static_cast<unsigned long long>(s.Get(k)); };
  char buf[1400];
  std::snprintf(
      buf, sizeof buf,
      "stats: hits=%llu misses=%llu hit_rate=%.1f%% | ins rt=%llu batch=%llu default=%llu cpu=%llu direct=%llu | "
      "disp rt=%llu batch=%llu default=%llu cpu=%llu starve_boost=%llu | fallback deadline=%llu ringbuf_full=%llu "
      "no_user=%llu cache_full=%llu | verdicts sent=%llu queue_full=%llu stale=%llu bad=%llu | policy "
      "decisions=%llu errors=%llu no_verdict=%llu invalid=%llu gen=%llu reloads=%llu | exec=%llu rename=%llu "
      "exit=%llu kthread=%llu kicks=%llu rt_preempt=%llu wake_preempt=%llu doorbells=%llu | miss_to_verdict_us p50<=%.0f p99<=%.0f max=%.0f | round_trip_us "
      "p50<=%.0f p99<=%.0f n=%llu | dispatcher cpu=%.1f%% page_faults=%llu",
      u("hits"), u("misses"), s.Get("hit_rate_pct"), u("ins_realtime"), u("ins_batch"), u("ins_default"), u("ins_cpu"),
      u("direct"), u("disp_realtime"), u("disp_batch"), u("disp_default"), u("disp_cpu"), u("starve_boost"),
      u("fallback_deadline"), u("fallback_ringbuf_full"), u("fallback_no_user"), u("fallback_cache_full"),
      u("verdicts_sent"), u("verdicts_queue_full"), u("verdicts_stale"), u("verdicts_bad"), u("policy_decisions"),
      u("policy_errors"), u("policy_no_verdict"), u("policy_invalid"), u("policy_generation"), u("policy_reloads"),
      u("exec"), u("rename"), u("exit"), u("kthread"), u("kicks"), u("rt_preempt"), u("wake_preempt"), u("doorbells"), s.Get("miss_to_verdict_p50_us"),
      s.Get("miss_to_verdict_p99_us"), s.Get("miss_to_verdict_max_us"), s.Get("round_trip_p50_us"),
      s.Get("round_trip_p99_us"), u("round_trips"), s.Get("dispatcher_cpu_pct"), u("page_faults"));
  return buf;
}

Status WriteFileAtomic(const std::string& path, const std::string& contents) {
  // The directory: others must not be able to swap our file (world-writable only with sticky).
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  struct stat dst {};
  if (stat(dir.c_str(), &dst) != 0) return MakeError("cannot write " + path + ": " + std::strerror(errno));
  if ((dst.st_mode & S_IWOTH) && !(dst.st_mode & S_ISVTX))
    return MakeError("refusing to write " + path + ": " + dir + " is world-writable without the sticky bit");
  // A private temporary beside it (mkstemp: a new file, O_EXCL, never a symlink's target), a fixed
  // mode, then rename, which replaces `path` itself even if it is a symlink.
  std::string tmp = path + ".XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return MakeError("cannot write " + path + ": " + std::strerror(errno));
  auto fail = [&](const char* what) {
    int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return MakeError(std::string("cannot ") + what + " " + tmp + ": " + std::strerror(err));
  };
  if (fchmod(fd, 0644) != 0) return fail("chmod");
  for (size_t off = 0; off < contents.size();) {
    ssize_t n = write(fd, contents.data() + off, contents.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    off += static_cast<size_t>(n);
  }
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return MakeError("cannot write " + tmp + ": " + std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return MakeError("cannot rename to " + path + ": " + std::strerror(err));
  }
  return {};
}

}  // namespace lsf
