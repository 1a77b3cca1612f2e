# The kernel tree's example sched_ext schedulers (scx_simple, ..) built from the cached Debian linux-source, cached.
# Sourced by bench/vm/run and bench/vm/compare (bash). peer_build CACHE NAME: builds scx_NAME into
# CACHE/scx-build/build/bin unless a build from the same source, kernel and compiler flags is there;
# prints what it did on stderr; status 0 when CACHE/scx-build/build/bin/scx_NAME is ready, 1 when it did
# not build (the last lines of its log on stderr; the log is CACHE/scx-build-NAME.log).

# peer_clang PEER: the BPF compiler command of a peer. scx_qmap keeps its per-task state in BPF arena memory;
# clang-19 merges its three NULL stores of qmap_fifo_remove() into one llvm.memset on the arena pointer, and
# its BPF backend casts the pointers of loads, stores and atomics to the arena but not memset's (LLVM
# handles memset/memcpy only from its PR 160025, 2025-09): the stores then go through an uncast pointer and
# the verifier rejects qmap_dequeue ("R7 invalid mem access 'scalar'", -EACCES). -fno-builtin-memset keeps
# them stores (seen loading in the 7.3 guest). The flags are part of the cached build's identity.
peer_clang() { case $1 in qmap) echo "clang-19 -fno-builtin-memset" ;; *) echo clang-19 ;; esac; }

peer_build() {
  local cache=$1 s=$2 src=$1/linux-source out=$1/scx-build
  local bin=$out/build/bin/scx_$s stamp=$out/build/bin/scx_$s.clang
  if [ -x "$bin" ] && [ ! "$src/tools/sched_ext/scx_$s.bpf.c" -nt "$bin" ] && [ ! "$cache/kernel/vmlinux" -nt "$bin" ] &&
     [ "$(cat "$stamp" 2>/dev/null)" = "$(peer_clang "$s")" ]; then
    echo "scx_$s: cached build ($(peer_clang "$s"))" >&2
    return 0
  fi
  echo "building scx_$s from $src/tools/sched_ext with $(peer_clang "$s") (about 30 s, log: $cache/scx-build-$s.log)" >&2
  mkdir -p "$out"
  rm -f "$out/build/obj/sched_ext/scx_$s".* "$out/build/include/scx_$s.bpf".* "$bin" "$stamp"
  if ! make -C "$src/tools/sched_ext" CLANG="$(peer_clang "$s")" LLVM_STRIP=llvm-strip-19 \
       VMLINUX_BTF="$cache/kernel/vmlinux" O="$out" "scx_$s" > "$cache/scx-build-$s.log" 2>&1; then
    echo "WARNING: scx_$s did not build (tail below)" >&2
    tail -5 "$cache/scx-build-$s.log" | sed 's/^/  ! /' >&2
    return 1
  fi
  peer_clang "$s" > "$stamp"
}
