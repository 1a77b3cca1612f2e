// LoopGuard: rewrites policy source so that every loop iteration and function call pays into a
// per-decision budget, which stops endless loops even in JIT-compiled code.
#pragma once

#include <string>

#include "common/result.h"

namespace lsf {

// The name of the local the instrumented chunk binds to its first vararg (the tick function).
inline constexpr const char* kTickName = "__lsf_tick";

// Returns `source` with `__lsf_tick();` inserted after every `do` and `repeat` keyword and after
// the parameter list of every `function`, and `local __lsf_tick = ...;` prepended to the first
// line. Line numbers are unchanged (error messages still point at the user's lines). Rejects
// `goto` (a loop the guard cannot see) and identifiers starting with `__lsf` (they could shadow
// the tick). Lua 5.4's `<const>` attribute after a local's name is blanked out (a program that
// compiles means the same without it); `<close>` is rejected. Strings, comments and long brackets
// are skipped correctly. Unterminated strings or
// comments are left for the Lua parser to report.
Result<std::string> InstrumentPolicySource(const std::string& source);

}  // namespace lsf
