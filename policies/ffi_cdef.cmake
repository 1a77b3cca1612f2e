# Generates the LuaJIT FFI declaration of `struct lsf_miss` from bpf/intf.h (the BPF/C++ contract),
# so binding.lua never retypes it:
#   OUT_LUA: the C declaration for ffi.cdef (intf.h's fixed-width types as <stdint.h> names, array
#            sizes evaluated), spliced into binding.lua by embed.cmake;
#   OUT_HDR: a C++ header with the same text (kIntfCdef) and the field list (name, offsetof,
#            sizeof from the C++ compiler) that ffi_layout_check.cc compares with LuaJIT's layout.
# usage: cmake -DINTF=bpf/intf.h -DOUT_LUA=... -DOUT_HDR=... -P ffi_cdef.cmake
file(READ ${INTF} text)
string(REGEX MATCH "struct lsf_miss {[^}]*};" decl "${text}")
if(decl STREQUAL "")
  message(FATAL_ERROR "${INTF}: no 'struct lsf_miss { ... };' found")
endif()
string(REGEX REPLACE "/\\*[^*]*\\*/" "" decl "${decl}")  # comments (one line, no '*' inside)
if(decl MATCHES "/\\*")
  message(FATAL_ERROR "${INTF}: a comment in struct lsf_miss this generator cannot strip")
endif()

# Evaluates `#define NAME value` of intf.h (integer expressions of other LSF_ constants).
function(lsf_eval name out)
  string(REGEX MATCH "#define[ \t]+${name}[ \t]+([^\n]*)" m "${text}")
  if(m STREQUAL "")
    message(FATAL_ERROR "${INTF}: no #define ${name}")
  endif()
  string(REGEX REPLACE "/\\*.*$" "" expr "${CMAKE_MATCH_1}")
  string(REGEX MATCHALL "LSF_[A-Z0-9_]+" deps "${expr}")
  foreach(dep IN LISTS deps)
    lsf_eval(${dep} v)
    string(REPLACE "${dep}" "${v}" expr "${expr}")
  endforeach()
  string(REGEX REPLACE "([0-9]+)U?L*L*" "\\1" expr "${expr}")
  math(EXPR value "${expr}")
  set(${out} ${value} PARENT_SCOPE)
endfunction()

string(REGEX MATCHALL "\\[[A-Z0-9_]+\\]" dims "${decl}")
list(REMOVE_DUPLICATES dims)
foreach(d IN LISTS dims)
  string(REGEX REPLACE "[][]" "" name "${d}")
  if(name MATCHES "^LSF_")
    lsf_eval(${name} v)
    string(REPLACE "[${name}]" "[${v}]" decl "${decl}")
  endif()
endforeach()
foreach(t 8 16 32 64)
  string(REGEX REPLACE "__u${t}([ \t])" "uint${t}_t\\1" decl "${decl}")
  string(REGEX REPLACE "__s${t}([ \t])" "int${t}_t\\1" decl "${decl}")
endforeach()
if(decl MATCHES "__[us][0-9]")
  message(FATAL_ERROR "struct lsf_miss: a type this generator does not translate")
endif()
string(REGEX REPLACE "[ \t]*\n[ \t\n]*" "\n  " decl "${decl}")
string(REGEX REPLACE "\n  };" "\n};" decl "${decl}")

# The fields, in order, for the layout check.
string(REGEX REPLACE "^struct lsf_miss {|};$" "" body "${decl}")
string(REPLACE ";" "\n" body "${body}")
string(REGEX MATCHALL "[a-z_0-9]+[ \t]+[a-z_0-9]+(\\[[0-9]+\\])?" fields "${body}")
set(field_rows "")
foreach(f IN LISTS fields)
  string(REGEX REPLACE "^[a-z_0-9]+[ \t]+([a-z_0-9]+).*$" "\\1" name "${f}")
  string(APPEND field_rows "    {\"${name}\", offsetof(lsf_miss, ${name}), sizeof(lsf_miss::${name})},\n")
endforeach()

file(WRITE ${OUT_LUA}.tmp "${decl}\n")
file(COPY_FILE ${OUT_LUA}.tmp ${OUT_LUA} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT_LUA}.tmp)
file(WRITE ${OUT_HDR}.tmp "// Generated from bpf/intf.h by policies/ffi_cdef.cmake: do not edit.
#pragma once
#include <cstddef>
#include \"bpf/intf.h\"
inline constexpr const char* kIntfCdef = R\"lsf_cdef(${decl})lsf_cdef\";
struct IntfField { const char* name; size_t offset, size; };
inline constexpr IntfField kLsfMissFields[] = {
${field_rows}};
")
file(COPY_FILE ${OUT_HDR}.tmp ${OUT_HDR} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT_HDR}.tmp)
