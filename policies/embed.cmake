# Writes OUT: a header defining `kBindingLua`, the contents of IN as a C++ raw string literal.
file(READ ${IN} content)
string(FIND "${content}" ")lsf_lua\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter")
endif()
file(WRITE ${OUT}.tmp "// Generated from policies/binding.lua: do not edit.\n#pragma once\n"
  "inline constexpr const char* kBindingLua = R\"lsf_lua(${content})lsf_lua\";\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
