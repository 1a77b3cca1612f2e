// Policy file safety checks and change watching (the dispatcher runs the policy as root).
#include "dispatcher/policy_file.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace lsf {
namespace {

std::string Octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03o", m & 0777);
  return buf;
}

Status CheckOne(const std::string& what, const std::string& path, unsigned uid, bool want_dir) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    return MakeError("cannot read policy " + what + " " + path + ": " + std::strerror(errno));
  if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
    return MakeError("policy " + what + " " + path + " is not a regular " + (want_dir ? "directory" : "file"));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return MakeError("policy " + what + " " + path + " is writable by group or others (mode " + Octal(st.st_mode) +
                     "); the policy runs as root: chmod go-w " + path);
  if (st.st_uid != 0 && st.st_uid != uid)
    return MakeError("policy " + what + " " + path + " is owned by uid " + std::to_string(st.st_uid) +
                     ", not root or you; chown it");
  return {};
}

}  // namespace

Status CheckPolicyFile(const std::string& path, unsigned uid) {
  if (auto st = CheckOne("file", path, uid, false); !st) return st;
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(path, ec).parent_path();
  if (ec) return MakeError("cannot resolve " + path + ": " + ec.message());
  // A sticky directory (like /tmp) does not let others replace our file.
  struct stat dst {};
  if (stat(dir.c_str(), &dst) == 0 && (dst.st_mode & S_ISVTX)) return {};
  return CheckOne("directory", dir.string(), uid, true);
}

PolicyWatcher::~PolicyWatcher() {
  if (fd_ >= 0) close(fd_);
}

Status PolicyWatcher::Watch(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return MakeError("cannot resolve " + path);
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return MakeError(std::string("inotify: ") + std::strerror(errno));
  name_ = abs.filename().string();
  if (inotify_add_watch(fd_, abs.parent_path().c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
    return MakeError("cannot watch " + abs.parent_path().string() + ": " + std::strerror(errno));
  return {};
}

bool PolicyWatcher::Changed() {
  if (fd_ < 0) return false;
  alignas(inotify_event) char buf[4096];
  bool changed = false;
  for (;;) {
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      if (ev->len > 0 && name_ == ev->name && (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))) changed = true;
      p += sizeof(inotify_event) + ev->len;
    }
  }
  return changed;
}

}  // namespace lsf
