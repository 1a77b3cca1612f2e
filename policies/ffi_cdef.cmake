# Generates binding.lua's FFI declarations and constants from the C headers that declare them, so
# binding.lua never retypes a struct, a class id or a flag:
#   structs lsf_miss (bpf/intf.h, the BPF/C++ contract) and lsf_frame (policies/frame.h, the engine's
#   call frame); enums lsf_class (bpf/intf.h), lsf_frame_bad and lsf_task_read (policies/frame.h).
# Outputs:
#   OUT_CDEF: the C declarations for ffi.cdef (fixed-width types as <stdint.h> names, array sizes
#             evaluated), spliced into binding.lua by embed.cmake;
#   OUT_LUA:  one `local NAME = value` per enum constant, spliced into binding.lua by embed.cmake;
#   OUT_HDR:  a C++ header with the same declarations (kFfiCdef), each struct's fields (name, type,
#             offsetof and sizeof from the C++ compiler) that ffi_layout_check.cc compares with
#             LuaJIT's layout, and a static_assert per constant (the C++ compiler's value is this
#             script's).
# usage: cmake -DINTF=bpf/intf.h -DFRAME=policies/frame.h -DOUT_CDEF=... -DOUT_LUA=... -DOUT_HDR=...
#              -P ffi_cdef.cmake
set(structs lsf_miss lsf_frame)
set(enums lsf_class lsf_frame_bad lsf_task_read)
file(READ ${INTF} intf_text)
file(READ ${FRAME} frame_text)
set(text "${intf_text}\n${frame_text}")
set(where "${INTF} or ${FRAME}")

# Evaluates `#define NAME value` (integer expressions of other LSF_ constants).
function(lsf_eval name out)
  string(REGEX MATCH "#define[ \t]+${name}[ \t]+([^\n]*)" m "${text}")
  if(m STREQUAL "")
    message(FATAL_ERROR "${where}: no #define ${name}")
  endif()
  string(REGEX REPLACE "/\\*.*$" "" expr "${CMAKE_MATCH_1}")
  lsf_eval_expr("${expr}" value)
  set(${out} ${value} PARENT_SCOPE)
endfunction()

# Evaluates an integer expression whose names are #defines: C suffixes (1u, 8ULL) are dropped.
function(lsf_eval_expr expr out)
  string(REGEX MATCHALL "LSF_[A-Z0-9_]+" deps "${expr}")
  foreach(dep IN LISTS deps)
    lsf_eval(${dep} v)
    string(REPLACE "${dep}" "${v}" expr "${expr}")
  endforeach()
  string(REGEX REPLACE "([0-9]+)[uUlL]+" "\\1" expr "${expr}")
  math(EXPR value "${expr}")
  set(${out} ${value} PARENT_SCOPE)
endfunction()

# `kind name { ... };` of the headers, comments (one line, no '*' inside) stripped.
function(lsf_decl kind name out)
  string(REGEX MATCH "${kind} ${name} {[^}]*};" decl "${text}")
  if(decl STREQUAL "")
    message(FATAL_ERROR "${where}: no '${kind} ${name} { ... };' found")
  endif()
  string(REGEX REPLACE "/\\*[^*]*\\*/" "" decl "${decl}")
  if(decl MATCHES "/\\*")
    message(FATAL_ERROR "${where}: a comment in ${kind} ${name} this generator cannot strip")
  endif()
  set(${out} "${decl}" PARENT_SCOPE)
endfunction()

set(cdef "")
set(layout "")
set(layout_structs "")
foreach(s IN LISTS structs)
  lsf_decl(struct ${s} decl)
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
    message(FATAL_ERROR "struct ${s}: a type this generator does not translate")
  endif()
  string(REGEX REPLACE "[ \t]*\n[ \t\n]*" "\n  " decl "${decl}")
  string(REGEX REPLACE "\n  };" "\n};" decl "${decl}")
  string(APPEND cdef "${decl}\n")

  # The fields, in order, for the layout check: name and type (the declaration without its name:
  # `uint64_t [16]`, `int (*)(void *engine)`).
  string(REGEX REPLACE "^struct ${s} {|};$" "" body "${decl}")
  string(REPLACE ";" "\n" body "${body}")
  string(REGEX MATCHALL "[^\n]*[a-z_0-9][^\n]*" fields "${body}")
  set(rows "")
  foreach(f IN LISTS fields)
    string(STRIP "${f}" f)
    string(REGEX REPLACE "[ \t]+" " " f "${f}")
    if(f MATCHES "\\(\\*([a-z_0-9]+)\\)")  # a function pointer
      set(name ${CMAKE_MATCH_1})
      string(REPLACE "(*${name})" "(*)" type "${f}")
    elseif(f MATCHES "([a-z_0-9]+)(\\[[0-9]+\\])?$")
      set(name ${CMAKE_MATCH_1})
      set(dim "${CMAKE_MATCH_2}")
      string(REGEX REPLACE "${name}(\\[[0-9]+\\])?$" "" type "${f}")
      string(APPEND type "${dim}")
    else()
      message(FATAL_ERROR "struct ${s}: a field this generator cannot read: ${f}")
    endif()
    string(STRIP "${type}" type)
    string(APPEND rows "    {\"${name}\", \"${type}\", offsetof(${s}, ${name}), sizeof(${s}::${name})},\n")
  endforeach()
  string(REPLACE "_" ";" words "${s}")  # lsf_miss -> kLsfMissFields
  set(array k)
  foreach(w IN LISTS words)
    string(SUBSTRING "${w}" 0 1 first)
    string(SUBSTRING "${w}" 1 -1 rest)
    string(TOUPPER "${first}" first)
    string(APPEND array "${first}${rest}")
  endforeach()
  string(APPEND array Fields)
  string(APPEND layout "inline constexpr FfiField ${array}[] = {\n${rows}};\n")
  string(APPEND layout_structs "    {\"struct ${s}\", sizeof(${s}), ${array}, std::size(${array})},\n")
endforeach()

set(lua "")
set(asserts "")
foreach(e IN LISTS enums)
  lsf_decl(enum ${e} decl)
  string(REGEX REPLACE "^enum ${e} {|};$" "" body "${decl}")
  string(REPLACE "," ";" entries "${body}")
  string(APPEND lua "-- enum ${e}\n")
  foreach(entry IN LISTS entries)
    string(STRIP "${entry}" entry)
    if(entry STREQUAL "")
      continue()
    endif()
    if(NOT entry MATCHES "^([A-Z0-9_]+)[ \t\n]*=[ \t\n]*(.+)$")
      message(FATAL_ERROR "enum ${e}: '${entry}' has no explicit value this generator can read")
    endif()
    set(name ${CMAKE_MATCH_1})
    lsf_eval_expr("${CMAKE_MATCH_2}" value)
    string(APPEND lua "local ${name} = ${value}\n")
    string(APPEND asserts "static_assert(${name} == ${value}, \"ffi_cdef.cmake evaluates ${name} as the compiler does\");\n")
  endforeach()
endforeach()

# Writes `path` only if its contents change (no rebuild of what depends on it otherwise).
function(lsf_write path contents)
  file(WRITE ${path}.tmp "${contents}")
  file(COPY_FILE ${path}.tmp ${path} ONLY_IF_DIFFERENT)
  file(REMOVE ${path}.tmp)
endfunction()
lsf_write(${OUT_CDEF} "${cdef}")
lsf_write(${OUT_LUA} "${lua}")
lsf_write(${OUT_HDR} "// Generated from bpf/intf.h and policies/frame.h by policies/ffi_cdef.cmake: do not edit.
#pragma once
#include <cstddef>
#include <iterator>
#include \"bpf/intf.h\"
#include \"policies/frame.h\"
inline constexpr const char* kFfiCdef = R\"lsf_cdef(${cdef})lsf_cdef\";
struct FfiField { const char* name; const char* type; size_t offset, size; };
${layout}struct FfiStruct { const char* name; size_t size; const FfiField* fields; size_t nr_fields; };
inline constexpr FfiStruct kFfiStructs[] = {
${layout_structs}};
${asserts}")
