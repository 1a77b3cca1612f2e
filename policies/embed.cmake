# Writes OUT: a header defining `kBindingLua`, the contents of IN as a C++ raw string literal, with
# the line `/* @LSF_INTF_CDEF@ */` replaced by the contents of CDEF (generated from bpf/intf.h).
file(READ ${IN} content)
file(READ ${CDEF} cdef)
string(FIND "${content}" "/* @LSF_INTF_CDEF@ */" mark)
if(mark EQUAL -1)
  message(FATAL_ERROR "${IN} lacks the line /* @LSF_INTF_CDEF@ */ where the generated declarations go")
endif()
string(REPLACE "/* @LSF_INTF_CDEF@ */\n" "${cdef}" content "${content}")
string(FIND "${content}" ")lsf_lua\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter")
endif()
file(WRITE ${OUT}.tmp "// Generated from policies/binding.lua and bpf/intf.h: do not edit.\n#pragma once\n"
  "inline constexpr const char* kBindingLua = R\"lsf_lua(${content})lsf_lua\";\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
