#!/usr/bin/env bash
# The BPF objects are built for the host's architecture (bpf/bpf_arch.cmake), so the x86-only guard
# of bpf/arena_ring.h is live: built for arm64 it stops the build; built for x86 it compiles.
# usage: bpf_arch_test.sh SOURCE_DIR CLANG LIBBPF_INCLUDE
set -u
src=$1 clang=$2 inc=$3
fail=0
arch_of() { cmake -DLSF_PROCESSOR="$1" -P "$src/bpf/bpf_arch.cmake" 2>&1; }
expect() {  # expect PROCESSOR ARCH
  got=$(arch_of "$1")
  if [ "$got" = "$2" ]; then echo "ok - $1 -> $2"; else echo "not ok - $1 -> '$got', want '$2'"; fail=1; fi
}
expect x86_64 x86
expect aarch64 arm64
expect AMD64 x86
expect riscv64 riscv
compile() {  # compile ARCH: the arena ring header as a BPF translation unit for ARCH
  echo '#include "vmlinux.h"
#include "arena_ring.h"' | "$clang" -target bpf -D__TARGET_ARCH_"$1" -fsyntax-only -I"$src/bpf" -I"$inc" \
    -fms-extensions -Wno-microsoft-anon-tag -x c - 2>&1
}
if out=$(compile "$(arch_of x86_64)"); then echo "ok - arena_ring.h builds for x86"
else echo "not ok - arena_ring.h fails for x86: $out"; fail=1; fi
if out=$(compile "$(arch_of aarch64)"); then echo "not ok - arena_ring.h built for arm64 (the guard is dead)"; fail=1
elif echo "$out" | grep -q 'x86-64 only'; then echo "ok - arena_ring.h refuses arm64"
else echo "not ok - arena_ring.h fails for arm64, but not at the guard: $out"; fail=1; fi
exit $fail
