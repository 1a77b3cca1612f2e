// Build-time check: LuaJIT's layout of the generated `struct lsf_miss` cdef equals the C++ compiler's.
// Prints each field and fails (exit 1) on any difference in size or offset. Run by the build (the
// policy library depends on its success; with a STAMP argument it prints only on failure and
// touches STAMP on success) and as a unit test.
#include <lua.hpp>

#include <cstdio>
#include <string>


#include "policies/intf_ffi.h"  // kIntfCdef, kLsfMissFields: generated from bpf/intf.h

int main(int argc, char** argv) {
  std::string report;
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  // A chunk that declares the struct and returns its size and a function field -> offset (or nil).
  // Equal offsets of every field and an equal total size mean equal sizes too.
  const char* chunk =
      "local ffi = require('ffi'); ffi.cdef(...)\n"
      "return ffi.sizeof('struct lsf_miss'), function(f) return ffi.offsetof('struct lsf_miss', f) end\n";
  int failures = 0;
  if (luaL_loadstring(L, chunk) != 0 || (lua_pushstring(L, kIntfCdef), lua_pcall(L, 1, 2, 0)) != 0) {
    std::fprintf(stderr, "ffi_layout_check: %s\n", lua_tostring(L, -1));
    return 1;
  }
  size_t lua_size = static_cast<size_t>(lua_tointeger(L, -2));
  char line[160];
  std::snprintf(line, sizeof line, "struct lsf_miss: C++ %zu bytes, LuaJIT %zu bytes\n", sizeof(lsf_miss), lua_size);
  report += line;
  if (lua_size != sizeof(lsf_miss)) ++failures;
  for (const IntfField& f : kLsfMissFields) {
    lua_pushvalue(L, -1);
    lua_pushstring(L, f.name);
    size_t off = 0;
    bool found = lua_pcall(L, 1, 1, 0) == 0 && lua_isnumber(L, -1);
    if (found) off = static_cast<size_t>(lua_tointeger(L, -1));
    lua_pop(L, 1);
    bool ok = found && off == f.offset;
    std::snprintf(line, sizeof line, "%s %-16s C++ offset %3zu, LuaJIT %s\n", ok ? "ok    " : "WRONG ", f.name,
                  f.offset, found ? std::to_string(off).c_str() : "(no such field)");
    report += line;
    failures += ok ? 0 : 1;
  }
  lua_close(L);
  if (failures || argc < 2) std::fputs(report.c_str(), stdout);
  if (!failures && argc >= 2) {
    std::FILE* stamp = std::fopen(argv[1], "w");
    if (!stamp) return 1;
    std::fclose(stamp);
  }
  if (failures) std::fprintf(stderr, "ffi_layout_check: %d differences between intf.h and its FFI declaration\n", failures);
  return failures ? 1 : 0;
}
