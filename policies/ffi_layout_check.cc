// Build-time check: LuaJIT's layout of binding.lua's generated FFI structs equals the C++ compiler's.
// For struct lsf_miss (bpf/intf.h) and struct lsf_frame (policies/frame.h): the total size, and every
// field's offset and size. Prints each field and fails (exit 1) on any difference. Run by the build
// (the policy library depends on its success; with a STAMP argument it prints only on failure and
// touches STAMP on success) and as a unit test.
#include <lua.hpp>

#include <cstdio>
#include <string>

#include "policies/ffi_decls.h"  // kFfiCdef, kFfiStructs: generated from bpf/intf.h and policies/frame.h

namespace {

// LuaJIT's answer, -1 where it has none (no such field, a type it cannot parse).
struct LuaLayout {
  long offset = -1, size = -1;
};

// Calls the chunk's `layout(ct, field, type)` (on the top of the stack): the field's offset in `ct`
// and the size of `type` (or of `ct` itself when `field` is null).
LuaLayout AskLuaJit(lua_State* L, const char* ct, const char* field, const char* type) {
  lua_pushvalue(L, -1);
  lua_pushstring(L, ct);
  if (field) lua_pushstring(L, field); else lua_pushnil(L);
  if (type) lua_pushstring(L, type); else lua_pushnil(L);
  LuaLayout r;
  if (lua_pcall(L, 3, 2, 0) != 0) {
    lua_pop(L, 1);
    return r;
  }
  if (lua_isnumber(L, -2)) r.offset = static_cast<long>(lua_tointeger(L, -2));
  if (lua_isnumber(L, -1)) r.size = static_cast<long>(lua_tointeger(L, -1));
  lua_pop(L, 2);
  return r;
}

std::string Shown(long v) { return v < 0 ? "(none)" : std::to_string(v); }

}  // namespace

int main(int argc, char** argv) {
  std::string report;
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  const char* chunk =
      "local ffi = require('ffi'); ffi.cdef(...)\n"
      "return function(ct, field, type)\n"
      "  if field == nil then return 0, ffi.sizeof(ct) end\n"
      "  return ffi.offsetof(ct, field), ffi.sizeof(type)\n"
      "end\n";
  if (luaL_loadstring(L, chunk) != 0 || (lua_pushstring(L, kFfiCdef), lua_pcall(L, 1, 1, 0)) != 0) {
    std::fprintf(stderr, "ffi_layout_check: %s\n", lua_tostring(L, -1));
    return 1;
  }
  int failures = 0;
  char line[256];
  for (const FfiStruct& s : kFfiStructs) {
    LuaLayout whole = AskLuaJit(L, s.name, nullptr, nullptr);
    bool ok = whole.size == static_cast<long>(s.size);
    std::snprintf(line, sizeof line, "%s %s: C++ %zu bytes, LuaJIT %s\n", ok ? "ok    " : "WRONG ", s.name, s.size,
                  Shown(whole.size).c_str());
    report += line;
    failures += ok ? 0 : 1;
    for (size_t i = 0; i < s.nr_fields; ++i) {
      const FfiField& f = s.fields[i];
      LuaLayout l = AskLuaJit(L, s.name, f.name, f.type);
      ok = l.offset == static_cast<long>(f.offset) && l.size == static_cast<long>(f.size);
      std::snprintf(line, sizeof line, "%s   %-16s C++ offset %3zu size %3zu, LuaJIT offset %s size %s (%s)\n",
                    ok ? "ok    " : "WRONG ", f.name, f.offset, f.size, Shown(l.offset).c_str(),
                    Shown(l.size).c_str(), f.type);
      report += line;
      failures += ok ? 0 : 1;
    }
  }
  lua_close(L);
  if (failures || argc < 2) std::fputs(report.c_str(), stdout);
  if (!failures && argc >= 2) {
    std::FILE* stamp = std::fopen(argv[1], "w");
    if (!stamp) return 1;
    std::fclose(stamp);
  }
  if (failures) std::fprintf(stderr, "ffi_layout_check: %d differences between the C headers and their FFI declarations\n", failures);
  return failures ? 1 : 0;
}
