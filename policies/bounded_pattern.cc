// BoundedPattern: Lua's string.find/match/gmatch/gsub on a matcher that pays every step into the
// decision budget, so a pathological pattern ends with an error instead of running for hours.
//
// A backtracking matcher with Lua 5.1 pattern semantics (classes, sets, the four quantifiers,
// captures and position captures, back-references, %b, %f, anchors). The only additions are the
// step accounting (Step) and a recursion bound. No C++ object with a destructor lives on the
// stack of these functions: a Lua error unwinds through them.
#include "policies/bounded_pattern.h"

#include <lua.hpp>

#include <cctype>
#include <cstddef>
#include <cstring>

namespace lsf {
namespace {

constexpr int kMaxCaptures = 32;
constexpr int kMaxDepth = 200;  // nested matcher calls (quantifier alternatives, captures)
constexpr ptrdiff_t kCapUnfinished = -1;
constexpr ptrdiff_t kCapPosition = -2;
constexpr char kEsc = '%';
constexpr char kSpecials[] = "^$*+?.([%-";

struct Match {
  const char* src_init;  // subject
  const char* src_end;
  const char* p_end;     // end of the pattern
  lua_State* L;
  PatternBudget* budget;
  int level;  // captures open or closed so far
  int depth;  // current nesting of DoMatch
  struct {
    const char* init;
    ptrdiff_t len;  // or kCapUnfinished / kCapPosition
  } cap[kMaxCaptures];
};

inline int U(char c) { return static_cast<unsigned char>(c); }

[[noreturn]] void Fail(Match* ms, const char* msg) {
  luaL_error(ms->L, "%s", msg);
  __builtin_unreachable();
}

// One unit of matcher work: a tick of the decision budget; the deadline is read every 1024.
inline void Step(Match* ms, int32_t n = 1) {
  int32_t left = *ms->budget->steps - n;
  *ms->budget->steps = left;
  if (left < 0) Fail(ms, "pattern too complex for the decision budget");
  if ((left & 1023) < n && ms->budget->expired(ms->budget->engine))
    Fail(ms, "decision budget exceeded (in a pattern function)");
}

const char* ClassEnd(Match* ms, const char* p) {
  char c = *p++;
  if (c == kEsc) {
    if (p >= ms->p_end) Fail(ms, "malformed pattern (ends with '%')");
    return p + 1;
  }
  if (c == '[') {
    if (p < ms->p_end && *p == '^') ++p;
    do {  // the first character of a set is literal, even ']'
      if (p >= ms->p_end) Fail(ms, "malformed pattern (missing ']')");
      c = *p++;
      if (c == kEsc) {
        if (p >= ms->p_end) Fail(ms, "malformed pattern (missing ']')");
        ++p;
      }
    } while (p >= ms->p_end || *p != ']');
    return p + 1;
  }
  return p;
}

bool MatchClass(int c, int cl) {
  bool res;
  switch (std::tolower(cl)) {
    case 'a': res = std::isalpha(c); break;
    case 'c': res = std::iscntrl(c); break;
    case 'd': res = std::isdigit(c); break;
    case 'g': res = std::isgraph(c); break;
    case 'l': res = std::islower(c); break;
    case 'p': res = std::ispunct(c); break;
    case 's': res = std::isspace(c); break;
    case 'u': res = std::isupper(c); break;
    case 'w': res = std::isalnum(c); break;
    case 'x': res = std::isxdigit(c); break;
    case 'z': res = c == 0; break;
    default: return cl == c;
  }
  return std::isupper(cl) ? !res : res;
}

// p: the '[' of a set, ec: its closing ']'.
bool MatchSet(int c, const char* p, const char* ec) {
  bool sig = true;
  if (p[1] == '^') {
    sig = false;
    ++p;
  }
  while (++p < ec) {
    if (*p == kEsc) {
      ++p;
      if (MatchClass(c, U(*p))) return sig;
    } else if (p[1] == '-' && p + 2 < ec) {
      p += 2;
      if (U(p[-2]) <= c && c <= U(*p)) return sig;
    } else if (U(*p) == c) {
      return sig;
    }
  }
  return !sig;
}

bool SingleMatch(Match* ms, const char* s, const char* p, const char* ep) {
  if (s >= ms->src_end) return false;
  int c = U(*s);
  switch (*p) {
    case '.': return true;
    case kEsc: return MatchClass(c, U(p[1]));
    case '[': return MatchSet(c, p, ep - 1);
    default: return U(*p) == c;
  }
}

const char* DoMatch(Match* ms, const char* s, const char* p);

const char* MatchBalance(Match* ms, const char* s, const char* p) {
  if (p + 1 >= ms->p_end) Fail(ms, "malformed pattern (missing arguments to '%b')");
  if (s >= ms->src_end || *s != *p) return nullptr;
  char b = p[0], e = p[1];
  int open = 1;
  while (++s < ms->src_end) {
    Step(ms);
    if (*s == e) {
      if (--open == 0) return s + 1;
    } else if (*s == b) {
      ++open;
    }
  }
  return nullptr;
}

const char* MaxExpand(Match* ms, const char* s, const char* p, const char* ep) {
  ptrdiff_t i = 0;
  while (SingleMatch(ms, s + i, p, ep)) {
    Step(ms);
    ++i;
  }
  for (; i >= 0; --i) {  // try the longest run first, then shorter ones
    if (const char* r = DoMatch(ms, s + i, ep + 1)) return r;
  }
  return nullptr;
}

const char* MinExpand(Match* ms, const char* s, const char* p, const char* ep) {
  for (;;) {
    if (const char* r = DoMatch(ms, s, ep + 1)) return r;
    if (!SingleMatch(ms, s, p, ep)) return nullptr;
    ++s;
  }
}

const char* StartCapture(Match* ms, const char* s, const char* p, ptrdiff_t what) {
  if (ms->level >= kMaxCaptures) Fail(ms, "too many captures");
  ms->cap[ms->level].init = s;
  ms->cap[ms->level].len = what;
  ++ms->level;
  const char* r = DoMatch(ms, s, p);
  if (!r) --ms->level;
  return r;
}

const char* EndCapture(Match* ms, const char* s, const char* p) {
  int l = -1;
  for (int i = ms->level - 1; i >= 0; --i)
    if (ms->cap[i].len == kCapUnfinished) {
      l = i;
      break;
    }
  if (l < 0) Fail(ms, "invalid pattern capture");
  ms->cap[l].len = s - ms->cap[l].init;
  const char* r = DoMatch(ms, s, p);
  if (!r) ms->cap[l].len = kCapUnfinished;
  return r;
}

int CheckCapture(Match* ms, int c) {
  int l = c - '1';
  if (l < 0 || l >= ms->level || ms->cap[l].len == kCapUnfinished) Fail(ms, "invalid capture index");
  return l;
}

const char* MatchCapture(Match* ms, const char* s, int c) {
  int l = CheckCapture(ms, c);
  size_t len = static_cast<size_t>(ms->cap[l].len);
  Step(ms, static_cast<int32_t>(len / 64));
  if (static_cast<size_t>(ms->src_end - s) >= len && std::memcmp(ms->cap[l].init, s, len) == 0) return s + len;
  return nullptr;
}

const char* DoMatch(Match* ms, const char* s, const char* p) {
  if (++ms->depth > kMaxDepth) Fail(ms, "pattern too complex (nesting)");
  const char* r = nullptr;
  for (;;) {
    Step(ms);
    if (p == ms->p_end) {
      r = s;
      break;
    }
    bool plain = false;
    switch (*p) {
      case '(':
        r = p + 1 < ms->p_end && p[1] == ')' ? StartCapture(ms, s, p + 2, kCapPosition)
                                             : StartCapture(ms, s, p + 1, kCapUnfinished);
        goto done;
      case ')':
        r = EndCapture(ms, s, p + 1);
        goto done;
      case '$':
        if (p + 1 == ms->p_end) {
          r = s == ms->src_end ? s : nullptr;
          goto done;
        }
        plain = true;
        break;
      case kEsc:
        if (p + 1 < ms->p_end && p[1] == 'b') {
          s = MatchBalance(ms, s, p + 2);
          if (!s) goto done;
          p += 4;
          continue;
        }
        if (p + 1 < ms->p_end && p[1] == 'f') {
          p += 2;
          if (p >= ms->p_end || *p != '[') Fail(ms, "missing '[' after '%f' in pattern");
          const char* ep = ClassEnd(ms, p);
          int prev = s == ms->src_init ? 0 : U(s[-1]);
          int cur = s < ms->src_end ? U(*s) : 0;
          if (!MatchSet(prev, p, ep - 1) && MatchSet(cur, p, ep - 1)) {
            p = ep;
            continue;
          }
          goto done;
        }
        if (p + 1 < ms->p_end && std::isdigit(U(p[1]))) {
          s = MatchCapture(ms, s, U(p[1]));
          if (!s) goto done;
          p += 2;
          continue;
        }
        plain = true;
        break;
      default:
        plain = true;
        break;
    }
    if (plain) {
      const char* ep = ClassEnd(ms, p);
      bool m = SingleMatch(ms, s, p, ep);
      char q = ep < ms->p_end ? *ep : '\0';
      switch (q) {
        case '?':
          if (m && (r = DoMatch(ms, s + 1, ep + 1))) goto done;
          p = ep + 1;
          continue;
        case '*': r = MaxExpand(ms, s, p, ep); goto done;
        case '+': r = m ? MaxExpand(ms, s + 1, p, ep) : nullptr; goto done;
        case '-': r = MinExpand(ms, s, p, ep); goto done;
        default:
          if (!m) goto done;
          ++s;
          p = ep;
          continue;
      }
    }
  }
done:
  --ms->depth;
  return r;
}

void PushOneCapture(Match* ms, int i, const char* s, const char* e) {
  if (i >= ms->level) {
    if (i != 0) Fail(ms, "invalid capture index");
    lua_pushlstring(ms->L, s, static_cast<size_t>(e - s));  // no captures: the whole match
    return;
  }
  ptrdiff_t l = ms->cap[i].len;
  if (l == kCapUnfinished) Fail(ms, "unfinished capture");
  if (l == kCapPosition)
    lua_pushinteger(ms->L, ms->cap[i].init - ms->src_init + 1);
  else
    lua_pushlstring(ms->L, ms->cap[i].init, static_cast<size_t>(l));
}

int PushCaptures(Match* ms, const char* s, const char* e) {
  int n = ms->level == 0 && s ? 1 : ms->level;
  luaL_checkstack(ms->L, n, "too many captures");
  for (int i = 0; i < n; ++i) PushOneCapture(ms, i, s, e);
  return n;
}

PatternBudget* BudgetOf(lua_State* L) { return static_cast<PatternBudget*>(lua_touserdata(L, lua_upvalueindex(1))); }

void Init(Match* ms, lua_State* L, const char* s, size_t ls, const char* p, size_t lp) {
  ms->L = L;
  ms->budget = BudgetOf(L);
  ms->src_init = s;
  ms->src_end = s + ls;
  ms->p_end = p + lp;
  ms->level = 0;
  ms->depth = 0;
}

// Lua's position rule: negative counts from the end; the result is clamped to [0, len].
ptrdiff_t StartIndex(lua_State* L, int arg, size_t len) {
  ptrdiff_t pos = static_cast<ptrdiff_t>(luaL_optinteger(L, arg, 1));
  if (pos < 0) pos += static_cast<ptrdiff_t>(len) + 1;
  pos -= 1;
  if (pos < 0) pos = 0;
  if (pos > static_cast<ptrdiff_t>(len)) pos = static_cast<ptrdiff_t>(len);
  return pos;
}

bool HasSpecials(const char* p, size_t lp) {
  for (size_t i = 0; i < lp; ++i)
    if (std::strchr(kSpecials, p[i]) && p[i] != '\0') return true;
  return false;
}

int FindAux(lua_State* L, bool find) {
  size_t ls, lp;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  ptrdiff_t init = StartIndex(L, 3, ls);
  Match ms;
  Init(&ms, L, s, ls, p, lp);
  if (find && (lua_toboolean(L, 4) || !HasSpecials(p, lp))) {
    // Plain search: memmem is linear; pay for the bytes it may scan.
    Step(&ms, static_cast<int32_t>((ls - static_cast<size_t>(init)) / 64 + 1));
    const void* hit = lp == 0 ? s + init : memmem(s + init, ls - static_cast<size_t>(init), p, lp);
    if (hit) {
      ptrdiff_t at = static_cast<const char*>(hit) - s;
      lua_pushinteger(L, at + 1);
      lua_pushinteger(L, at + static_cast<ptrdiff_t>(lp));
      return 2;
    }
    lua_pushnil(L);
    return 1;
  }
  bool anchor = lp > 0 && *p == '^';
  if (anchor) {
    ++p;
    ms.p_end = p + lp - 1;
  }
  const char* s1 = s + init;
  do {
    ms.level = 0;
    ms.depth = 0;
    if (const char* e = DoMatch(&ms, s1, p)) {
      if (find) {
        lua_pushinteger(L, s1 - s + 1);
        lua_pushinteger(L, e - s);
        return PushCaptures(&ms, nullptr, nullptr) + 2;
      }
      return PushCaptures(&ms, s1, e);
    }
  } while (s1++ < ms.src_end && !anchor);
  lua_pushnil(L);
  return 1;
}

int Find(lua_State* L) { return FindAux(L, true); }
int MatchFn(lua_State* L) { return FindAux(L, false); }

// Iterator of gmatch. Upvalues: [1] budget, [2] subject, [3] pattern, [4] next start offset.
int GmatchNext(lua_State* L) {
  size_t ls, lp;
  const char* s = lua_tolstring(L, lua_upvalueindex(2), &ls);
  const char* p = lua_tolstring(L, lua_upvalueindex(3), &lp);
  Match ms;
  Init(&ms, L, s, ls, p, lp);
  for (const char* src = s + lua_tointeger(L, lua_upvalueindex(4)); src <= ms.src_end; ++src) {
    ms.level = 0;
    ms.depth = 0;
    if (const char* e = DoMatch(&ms, src, p)) {
      ptrdiff_t next = e - s;
      if (e == src) ++next;  // empty match: move on
      lua_pushinteger(L, next);
      lua_replace(L, lua_upvalueindex(4));
      return PushCaptures(&ms, src, e);
    }
  }
  return 0;
}

int Gmatch(lua_State* L) {
  luaL_checkstring(L, 1);
  luaL_checkstring(L, 2);
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, GmatchNext, 4);
  return 1;
}

void AddString(Match* ms, luaL_Buffer* b, const char* s, const char* e) {
  size_t l;
  const char* news = lua_tolstring(ms->L, 3, &l);
  Step(ms, static_cast<int32_t>(l / 64));
  for (size_t i = 0; i < l; ++i) {
    if (news[i] != kEsc) {
      luaL_addchar(b, news[i]);
      continue;
    }
    ++i;
    if (i >= l || !std::isdigit(U(news[i]))) {
      if (i < l) luaL_addchar(b, news[i]);
    } else if (news[i] == '0') {
      luaL_addlstring(b, s, static_cast<size_t>(e - s));
    } else {
      PushOneCapture(ms, news[i] - '1', s, e);
      luaL_addvalue(b);
    }
  }
}

void AddValue(Match* ms, luaL_Buffer* b, const char* s, const char* e) {
  lua_State* L = ms->L;
  switch (lua_type(L, 3)) {
    case LUA_TNUMBER:
    case LUA_TSTRING: AddString(ms, b, s, e); return;
    case LUA_TFUNCTION: {
      lua_pushvalue(L, 3);
      int n = PushCaptures(ms, s, e);
      lua_call(L, n, 1);
      break;
    }
    case LUA_TTABLE:
      PushOneCapture(ms, 0, s, e);
      lua_gettable(L, 3);
      break;
    default: break;
  }
  if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
    lua_pop(L, 1);
    lua_pushlstring(L, s, static_cast<size_t>(e - s));
  } else if (!lua_isstring(L, -1)) {
    luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  }
  luaL_addvalue(b);
}

int Gsub(lua_State* L) {
  size_t ls, lp;
  const char* src = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  int tr = lua_type(L, 3);
  lua_Integer max_s = luaL_optinteger(L, 4, static_cast<lua_Integer>(ls) + 1);
  luaL_argcheck(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
                "string/function/table expected");
  Match ms;
  Init(&ms, L, src, ls, p, lp);
  bool anchor = lp > 0 && *p == '^';
  if (anchor) ++p;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  lua_Integer n = 0;
  while (n < max_s) {
    ms.level = 0;
    ms.depth = 0;
    const char* e = DoMatch(&ms, src, p);
    if (e) {
      ++n;
      AddValue(&ms, &b, src, e);
    }
    if (e && e > src) {
      src = e;
    } else if (src < ms.src_end) {
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  luaL_addlstring(&b, src, static_cast<size_t>(ms.src_end - src));
  luaL_pushresult(&b);
  lua_pushinteger(L, n);
  return 2;
}

}  // namespace

void PushBoundedPatternLib(lua_State* L, PatternBudget* budget) {
  lua_createtable(L, 0, 4);
  const struct {
    const char* name;
    lua_CFunction fn;
  } fns[] = {{"find", Find}, {"match", MatchFn}, {"gmatch", Gmatch}, {"gsub", Gsub}};
  for (const auto& f : fns) {
    lua_pushlightuserdata(L, budget);
    lua_pushcclosure(L, f.fn, 1);
    lua_setfield(L, -2, f.name);
  }
}

}  // namespace lsf
