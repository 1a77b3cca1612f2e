# The __TARGET_ARCH_<name> of libbpf's bpf_tracing.h for a host processor, so BPF objects are built
# for the machine that runs them and arch guards (bpf/arena_ring.h) see the truth.
#
# lsf_bpf_target_arch(<processor> <out-var>): x86_64 -> x86, aarch64 -> arm64, ...; "" if unknown.
# Script mode, for tests: cmake -DLSF_PROCESSOR=aarch64 -P bpf/bpf_arch.cmake prints the name.
function(lsf_bpf_target_arch processor out)
  string(TOLOWER "${processor}" p)
  if(p MATCHES "^(x86_64|amd64|x64|i[3-6]86)$")
    set(arch x86)
  elseif(p MATCHES "^(aarch64|arm64)")
    set(arch arm64)
  elseif(p MATCHES "^arm")
    set(arch arm)
  elseif(p MATCHES "^(ppc64|powerpc64)")
    set(arch powerpc)
  elseif(p MATCHES "^s390")
    set(arch s390)
  elseif(p MATCHES "^riscv")
    set(arch riscv)
  elseif(p MATCHES "^loongarch")
    set(arch loongarch)
  else()
    set(arch "")
  endif()
  set(${out} "${arch}" PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE AND DEFINED LSF_PROCESSOR)
  lsf_bpf_target_arch("${LSF_PROCESSOR}" arch)
  message(NOTICE "${arch}")
endif()
