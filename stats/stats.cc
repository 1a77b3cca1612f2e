// StatsSnapshot: every counter of a running luasched-fast, as a line for people or JSON for machines.
#include "stats/stats.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace lsf {

using Json = nlohmann::ordered_json;

Result<double> StatsSnapshot::Get(std::string_view key) const {
  auto s = FindStat(key);
  if (!s) return MakeError(s.error());
  if (!Has(*s)) return MakeError("stat '" + std::string(key) + "' is not set");
  return (*this)[*s];
}

namespace {

// A counter as an exact integer, a gauge rounded to 3 decimals (no 33.333333333333336 noise).
Json JsonValue(const StatField& f, double v) {
  if (!std::isfinite(v)) v = 0;
  if (f.kind == StatKind::kCounter || f.unit == StatUnit::kCount)
    return v <= 0 ? Json(uint64_t{0}) : Json(static_cast<uint64_t>(std::llround(v)));
  return Json(std::round(v * 1000) / 1000);
}

}  // namespace

std::string FormatStatsJson(const StatsSnapshot& s) {
  // The library writes every key and value; the layout is ours: one line, `"key": value` with a
  // space, as the shell readers of the tests (`json_num`) and people with `cat` expect.
  std::string out = "{";
  auto member = [&](std::string_view key, const Json& value) {
    out += out.size() > 1 ? ", " : "";
    out += Json(key).dump() + ": " + value.dump();
  };
  for (size_t i = 0; i < kNrStats; ++i)
    if (s.present.test(i)) member(kStatFields[i].key, JsonValue(kStatFields[i], s.v[i]));
  if (!s.per_cpu.empty()) {
    Json keys = Json::array(), cpus = Json::array();
    for (size_t i = 0; i < kNrKernelStats; ++i) keys.push_back(kStatFields[i].key);
    for (const KernelStats& c : s.per_cpu) cpus.push_back(Json(std::vector<uint64_t>(c.v, c.v + kNrKernelStats)));
    member("per_cpu", Json{{"keys", keys}, {"cpus", cpus}});
  }
  return out + "}";
}

Result<StatsSnapshot> ParseStatsJson(const std::string& text) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {  // the library reports by exception: kept in here
    return MakeError(std::string("stats JSON: ") + e.what());
  }
  if (!j.is_object()) return MakeError("stats JSON: not an object");
  StatsSnapshot s;
  for (size_t i = 0; i < kNrStats; ++i) {
    auto it = j.find(kStatFields[i].key);
    if (it == j.end()) continue;
    if (!it->is_number()) return MakeError("stats JSON: \"" + std::string(kStatFields[i].key) + "\" is not a number");
    s.Set(static_cast<Stat>(i), it->get<double>());
  }
  if (auto pc = j.find("per_cpu"); pc != j.end()) {
    const Json* keys = pc->is_object() && pc->contains("keys") ? &(*pc)["keys"] : nullptr;
    const Json* cpus = pc->is_object() && pc->contains("cpus") ? &(*pc)["cpus"] : nullptr;
    if (!keys || !cpus || !keys->is_array() || !cpus->is_array())
      return MakeError("stats JSON: per_cpu needs arrays \"keys\" and \"cpus\"");
    std::vector<int> column(keys->size(), -1);  // file column -> lsf_stat (-1: unknown to this version)
    for (size_t c = 0; c < keys->size(); ++c) {
      if (!(*keys)[c].is_string()) return MakeError("stats JSON: per_cpu.keys must be strings");
      auto st = FindStat((*keys)[c].get<std::string>());
      if (st && Index(*st) < kNrKernelStats) column[c] = static_cast<int>(Index(*st));
    }
    for (const Json& row : *cpus) {
      if (!row.is_array() || row.size() != keys->size())
        return MakeError("stats JSON: each per_cpu.cpus row needs one number per key");
      KernelStats k;
      for (size_t c = 0; c < row.size(); ++c) {
        if (!row[c].is_number()) return MakeError("stats JSON: per_cpu values must be numbers");
        if (column[c] >= 0) k.v[column[c]] = row[c].get<uint64_t>();
      }
      s.per_cpu.push_back(k);
    }
  }
  return s;
}

std::string FormatStatsLine(const StatsSnapshot& s) {
  std::string out = "stats:";
  char buf[64];
  for (size_t g = 0; g < static_cast<size_t>(StatGroup::kNrGroups); ++g) {
    std::string part;
    for (size_t i = 0; i < kNrStats; ++i) {
      const StatField& f = kStatFields[i];
      if (static_cast<size_t>(f.group) != g || !s.present.test(i)) continue;
      double v = std::isfinite(s.v[i]) ? s.v[i] : 0;
      switch (f.unit) {
        case StatUnit::kCount: std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v < 0 ? 0 : v)); break;
        case StatUnit::kSeconds: std::snprintf(buf, sizeof buf, "%.1f", v); break;
        case StatUnit::kMicros: std::snprintf(buf, sizeof buf, "%.0f", v); break;
        case StatUnit::kPercent: std::snprintf(buf, sizeof buf, "%.1f%%", v); break;
      }
      part += " " + std::string(f.label) + "=" + buf;
    }
    if (part.empty()) continue;
    std::string_view word = GroupWord(static_cast<StatGroup>(g));
    out += (out.size() > 6 ? " |" : "") + (word.empty() ? "" : " " + std::string(word)) + part;
  }
  return out;
}

Status CheckSafeDirectory(const std::string& path) {
  // The directory: others must not be able to swap our file (world-writable only with sticky).
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  struct stat dst {};
  if (stat(dir.c_str(), &dst) != 0) return MakeError("cannot write " + path + ": " + std::strerror(errno));
  if ((dst.st_mode & S_IWOTH) && !(dst.st_mode & S_ISVTX))
    return MakeError("refusing to write " + path + ": " + dir + " is world-writable without the sticky bit");
  return {};
}

Result<int> CreateTempBeside(const std::string& path, std::string* tmp) {
  if (auto st = CheckSafeDirectory(path); !st) return MakeError(st.error());
  // A private temporary beside it (mkstemp: a new file, O_EXCL, never a symlink's target), a fixed
  // mode; the caller renames it, which replaces `path` itself even if it is a symlink.
  *tmp = path + ".XXXXXX";
  int fd = mkostemp(tmp->data(), O_CLOEXEC);
  if (fd < 0) return MakeError("cannot write " + path + ": " + std::strerror(errno));
  if (fchmod(fd, 0644) != 0) {
    int err = errno;
    close(fd);
    unlink(tmp->c_str());
    return MakeError("cannot chmod " + *tmp + ": " + std::strerror(err));
  }
  return fd;
}

Status WriteFileAtomic(const std::string& path, const std::string& contents) {
  std::string tmp;
  auto created = CreateTempBeside(path, &tmp);
  if (!created) return MakeError(created.error());
  const int fd = *created;
  auto fail = [&](const char* what) {
    int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return MakeError(std::string("cannot ") + what + " " + tmp + ": " + std::strerror(err));
  };
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
