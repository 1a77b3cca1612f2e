// BoundedPattern: Lua's string.find/match/gmatch/gsub on a matcher that pays every step into the
// decision budget, so a pathological pattern ends with an error instead of running for hours.
#pragma once

#include <cstdint>

struct lua_State;

namespace lsf {

// The budget a pattern call draws from: shared with the loop guard (one step = one tick).
struct PatternBudget {
  int32_t* steps;                  // ticks left in this decision; a step below 0 is an error
  int (*expired)(void* engine);    // nonzero once the decision is past its deadline
  void* engine;                    // argument of `expired`
};

// Pushes a table {find=, match=, gmatch=, gsub=} of C functions with Lua 5.1 semantics (what
// LuaJIT's string library does, including %f and %b), each bounded by `budget`: every matcher
// step costs one tick, and every 1024 steps the deadline is checked. On exhaustion they raise
// "pattern too complex for the decision budget" (after which *budget->steps is < 0).
// REQUIRES: `budget` outlives the Lua state.
void PushBoundedPatternLib(lua_State* L, PatternBudget* budget);

}  // namespace lsf
