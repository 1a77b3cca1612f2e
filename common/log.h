// A small leveled logger: errors, warnings and info on stderr ("luasched-fast: ..."); data goes to stdout.
#pragma once

#include <string_view>

#include "common/result.h"

namespace lsf {

// In the order of --log-level's choices (dispatcher/options.cc), which parses the names.
enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// Messages above `level` are dropped. Default: kInfo. Not thread-safe to change while logging.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();

// One line on stderr: "luasched-fast: MESSAGE" (errors, info), "luasched-fast: warning: MESSAGE",
// "luasched-fast: debug: MESSAGE". Safe from any thread (one write per line).
void LogError(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void LogWarning(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void LogInfo(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void LogDebug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace lsf
