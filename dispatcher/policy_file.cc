// Policy file safety checks and change watching (the dispatcher runs the policy as root).
#include "dispatcher/policy_file.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace lsf {
namespace {

constexpr size_t kMaxPolicyBytes = 16u << 20;

std::string Octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03o", m & 0777);
  return buf;
}

// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// The checks on one open component. A directory that others may write is fine only with the
// sticky bit (like /tmp): then they cannot rename or remove what we own inside it.
Status CheckStat(const std::string& what, const std::string& path, const struct stat& st, unsigned uid, bool dir) {
  if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
    return MakeError("policy " + what + " " + path + " is not a regular " + (dir ? "directory" : "file"));
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(dir && (st.st_mode & S_ISVTX)))
    return MakeError("policy " + what + " " + path + " is writable by group or others (mode " + Octal(st.st_mode) +
                     "); the policy runs as root: chmod go-w " + path);
  if (st.st_uid != 0 && st.st_uid != uid)
    return MakeError("policy " + what + " " + path + " is owned by uid " + std::to_string(st.st_uid) +
                     ", not root or you; chown it");
  return {};
}

// Why openat(..., O_NOFOLLOW) of `name` in `dir` failed, in words.
std::string OpenError(int dir, const std::string& name, const std::string& shown, int err, const char* what) {
  struct stat st {};
  std::string kind = *what ? std::string(what) + " " : "";
  if ((err == ELOOP || err == ENOTDIR) && fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISLNK(st.st_mode))
    return "policy " + kind + shown + " is a symbolic link; give the real path (realpath " + shown +
           "): every component is checked";
  return "cannot read policy " + kind + shown + ": " + std::strerror(err);
}

// Opens `path` one component at a time from "/", never following a symlink, checks the file and
// every directory above it on the open descriptors, and returns the file's descriptor.
Result<int> OpenTrusted(const std::string& path, unsigned uid) {
  if (path.empty()) return MakeError("cannot read policy: empty path");
  std::string abs = path;
  if (abs[0] != '/') {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) return MakeError(std::string("cannot read policy: getcwd: ") + std::strerror(errno));
    abs = std::string(cwd) + "/" + path;
  }
  std::vector<std::string> parts;
  for (size_t i = 0; i < abs.size();) {
    size_t j = abs.find('/', i);
    if (j == std::string::npos) j = abs.size();
    std::string c = abs.substr(i, j - i);
    if (c == "..") return MakeError("policy path " + path + " contains '..'; give the real path (realpath " + path + ")");
    if (!c.empty() && c != ".") parts.push_back(c);
    i = j + 1;
  }
  if (parts.empty()) return MakeError("policy file " + path + " is not a regular file");
  auto dir = std::make_unique<Fd>(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dir->fd < 0) return MakeError(std::string("cannot open /: ") + std::strerror(errno));
  std::string shown = "/";
  struct stat st {};
  if (fstat(dir->fd, &st) != 0) return MakeError(std::string("cannot stat /: ") + std::strerror(errno));
  if (auto c = CheckStat("directory", shown, st, uid, true); !c) return MakeError(c.error());
  for (size_t k = 0; k + 1 < parts.size(); ++k) {
    std::string next_shown = (shown == "/" ? "" : shown) + "/" + parts[k];
    auto next = std::make_unique<Fd>(openat(dir->fd, parts[k].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next->fd < 0) return MakeError(OpenError(dir->fd, parts[k], next_shown, errno, "directory"));
    if (fstat(next->fd, &st) != 0) return MakeError("cannot stat " + next_shown + ": " + std::strerror(errno));
    if (auto c = CheckStat("directory", next_shown, st, uid, true); !c) return MakeError(c.error());
    dir = std::move(next);
    shown = next_shown;
  }
  std::string file_shown = (shown == "/" ? "" : shown) + "/" + parts.back();
  int fd = openat(dir->fd, parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return MakeError(OpenError(dir->fd, parts.back(), path, errno, ""));
  Fd file(fd);
  if (fstat(fd, &st) != 0) return MakeError("cannot stat " + file_shown + ": " + std::strerror(errno));
  if (auto c = CheckStat("file", path, st, uid, false); !c) return MakeError(c.error());
  if (static_cast<size_t>(st.st_size) > kMaxPolicyBytes)
    return MakeError("policy file " + path + " is larger than 16 MiB");
  file.fd = -1;  // handed to the caller
  return fd;
}

}  // namespace

Status CheckPolicyFile(const std::string& path, unsigned uid) {
  auto fd = OpenTrusted(path, uid);
  if (!fd) return MakeError(fd.error());
  close(*fd);
  return {};
}

Result<std::string> ReadTrustedPolicy(const std::string& path, unsigned uid, const std::function<void()>& between) {
  auto opened = OpenTrusted(path, uid);
  if (!opened) return MakeError(opened.error());
  Fd fd(*opened);
  if (between) between();
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError("cannot read policy " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxPolicyBytes) return MakeError("policy file " + path + " is larger than 16 MiB");
  }
  return text;
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
