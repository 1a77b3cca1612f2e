// A small leveled logger: errors, warnings and info on stderr ("luasched-fast: ..."); data goes to stdout.
#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <string>

namespace lsf {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};

void Write(LogLevel level, const char* fmt, va_list ap) {
  if (level > g_level.load(std::memory_order_relaxed)) return;
  static constexpr const char* kPrefix[] = {"luasched-fast: ", "luasched-fast: warning: ", "luasched-fast: ",
                                            "luasched-fast: debug: "};
  char buf[2048];
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0) return;
  std::string line = kPrefix[static_cast<int>(level)];
  line.append(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
  line += '\n';
  std::fflush(stdout);  // data printed before the message stays before it in a shared log
  for (size_t off = 0; off < line.size();) {
    ssize_t w = write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(level); }
LogLevel GetLogLevel() { return g_level.load(); }

#define LSF_LOG_FN_(name, level)     \
  void name(const char* fmt, ...) {  \
    va_list ap;                      \
    va_start(ap, fmt);               \
    Write(level, fmt, ap);           \
    va_end(ap);                      \
  }
LSF_LOG_FN_(LogError, LogLevel::kError)
LSF_LOG_FN_(LogWarning, LogLevel::kWarning)
LSF_LOG_FN_(LogInfo, LogLevel::kInfo)
LSF_LOG_FN_(LogDebug, LogLevel::kDebug)
#undef LSF_LOG_FN_

}  // namespace lsf
