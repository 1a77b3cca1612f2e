#!/usr/bin/env bash
# Harness test of bench/vm/run --resume: a fake VM runner, runs stopped mid-boot (SIGKILL), resumed to the end.
#
# No VM and no kernel: a scratch repository holds bench/vm as it is here, a fake tests/vm/run that prints
# the guest's block lines, stub tools on PATH and a stub kernel cache. Needs git, python3 with matplotlib and
# numpy (the report), and nginx's mime.types (a prerequisite bench/vm/run checks); exits 77 (skipped) without.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
/usr/bin/python3 -c 'import matplotlib, numpy' 2>/dev/null || { echo "SKIP: python3-matplotlib missing"; exit 77; }
[ -f /etc/nginx/mime.types ] || { echo "SKIP: /etc/nginx/mime.types missing"; exit 77; }
t=$(mktemp -d); [ -n "${KEEP:-}" ] || trap 'rm -rf "$t"' EXIT
fails=0 checks=0
check() {  # check WHAT COMMAND...: one assertion, reported
  checks=$((checks + 1))
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}

# ---- a scratch repository: bench/vm from here, a fake VM runner, fake build outputs --------------------------
r=$t/repo; mkdir -p "$r/bench" "$r/tests/vm" "$r/docs" "$r/policies" "$r/build/bench" "$r/build/dispatcher"
cp -r "$src/bench/vm" "$r/bench/"
echo build/ > "$r/.gitignore"
cat > "$r/tests/vm/run" <<'FAKE'
#!/usr/bin/env bash
# Fake VM runner: writes the guest's lines of every block not skipped; FAKE_STOP=smpN-bootK:I kills the
# calling bench/vm/run (SIGKILL, as a host shutdown would) when block I of that boot starts.
name= logdir= orders= skip=,
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift 2 ;; --logdir) logdir=$2; shift 2 ;;
    --clock) echo "$2" >> "${FAKE_CLOCKS:-/dev/null}"; shift 2 ;;
    orders=*) orders=${1#orders=}; shift ;; skip=*) skip=,${1#skip=},; shift ;;
    preflight=*) preflight=${1#preflight=}; shift ;;
    *) shift ;;
  esac
done
res=$logdir/$name.result; : > "$res"; : > "$logdir/$name.console"
key=smp${name##*-smp}
# FAKE_EDIT=FILE: the file (bench/vm/run) is edited during the boot, as a checkout or merge would
if [ -n "${FAKE_EDIT:-}" ]; then
  { head -1 "$FAKE_EDIT"; printf '# an edit made while a run was going on: %0200d\n' 0; tail -n +2 "$FAKE_EDIT"; } > "$FAKE_EDIT.new"
  cat "$FAKE_EDIT.new" > "$FAKE_EDIT"; rm -f "$FAKE_EDIT.new"
fi
# FAKE_PF_FAIL=SCHED: that scheduler fails the pre-flight load check (the guest stops before measuring)
if [ "${preflight:-0}" = 1 ] && [ -n "${FAKE_PF_FAIL:-}" ] && [[ ,${orders//\//,}, == *,$FAKE_PF_FAIL,* ]]; then
  printf 'PREFLIGHT %s fail: verifier says no\nPREFLIGHT-FAILED %s\nRESULT rc=0\n' "$FAKE_PF_FAIL" "$FAKE_PF_FAIL" >> "$res"
  exit 0
fi
rep=0 i=0
for order in ${orders//\// }; do
  rep=$((rep + 1))
  for s in ${order//,/ }; do
    case $skip in *,$rep:$s,*) continue ;; esac
    echo "BLOCK $rep $s start" >> "$res"
    [ "${FAKE_STOP:-}" != "$key:$i" ] || { kill -KILL $PPID; exit 0; }
    printf 'M %s %s hackbench_s %s\nBLOCK %s %s end\n' $rep $s "$rep.$((${#s}))" $rep $s >> "$res"
    i=$((i + 1))
  done
done
printf 'benchmark done\nRESULT rc=0\n' >> "$res"
FAKE
chmod +x "$r/tests/vm/run"
for w in lsf-wakeup lsf-spawn lsf-httpload lsf-setsched; do printf '#!/bin/sh\n' > "$r/build/bench/$w"; chmod +x "$r/build/bench/$w"; done
printf '#!/bin/sh\n' > "$r/build/dispatcher/luasched-fast"; chmod +x "$r/build/dispatcher/luasched-fast"
g() { git -C "$r" -c user.name=test -c user.email=test@example.invalid "$@"; }
g init -q; g add -A; g commit -qm base

# ---- stub tools and kernel cache ----------------------------------------------------------------------------
mkdir -p "$t/bin" "$t/cache/kernel" "$t/cache/linux-source/tools/sched_ext" "$t/cache/bpftool"
for tool in qemu-system-x86_64 clang-19 llvm-strip-19 hackbench cyclictest stress-ng perf nginx wrk tcc; do
  printf '#!/bin/sh\necho "%s stub"\n' "$tool" > "$t/bin/$tool"; chmod +x "$t/bin/$tool"
done
echo stub > "$t/cache/kernel/vmlinux"; echo stub > "$t/cache/kernel/config"
echo 0.0-stub > "$t/cache/kernel/uname"; echo 0.0 > "$t/cache/kernel/version"
touch "$t/cache/linux-source/tools/sched_ext/scx_simple.bpf.c"
printf '#!/bin/sh\n' > "$t/cache/bpftool/bpftool"; chmod +x "$t/cache/bpftool/bpftool"
export PATH=$t/bin:$PATH LUASCHED_CACHE=$t/cache

run() { local rc=0; "$r/bench/vm/run" "$@" > "$t/out.txt" 2>&1 || rc=$?; echo $rc; }
res=$t/results
blocks_ended() { grep -c "^BLOCK .* end$" "$1"; }

# ---- 1: a run killed in its first boot, after 3 of 4 blocks ----------------------------------------------------
export FAKE_CLOCKS=$t/clocks
rc=$(FAKE_STOP=smp2-boot1:3 run --smp 2,4 --reps 2 --reps-large 1 --scheds eevdf,lsf --no-warmup --no-micro \
     --no-docs --no-build --out "$res" --clock virtual --allow-partial --no-preflight)
check "a run killed mid-boot dies by SIGKILL (rc $rc)" [ "$rc" = 137 ]
check "its guest log ends at the boot line" [ "$(tail -1 "$res/smp2.guest.log")" = "BOOT 1" ]
check "no vCPU count is finished" [ ! -e "$res/smp2.meta.json" ]

# ---- 2: what --resume refuses ----------------------------------------------------------------------------------
rc=$(run --resume "$res" --reps 3)
check "--resume with --reps is bad usage (rc $rc)" [ "$rc" = 2 ]
echo "# changed" >> "$r/bench/vm/guest.sh"
rc=$(run --resume "$res" --no-build)
check "--resume refuses a changed guest script (rc $rc)" [ "$rc" = 3 ]
check "... and names it" grep -q 'bench/vm/guest.sh' "$t/out.txt"
g checkout -q bench/vm/guest.sh
echo "a note" > "$r/docs/note.md"; g add -A; g commit -qm docs

# ---- 3: resumed after a docs-only commit, killed again in the second vCPU count's first block -----------------
rc=$(FAKE_STOP=smp4-boot1:0 run --resume "$res" --no-build --no-micro --no-docs)
check "the first resume is killed in smp 4 (rc $rc)" [ "$rc" = 137 ]
check "smp 2 got the stopped boot's 3 blocks and the 4th in boot 2" [ "$(blocks_ended "$res/smp2.guest.log")" = 4 ]
check "smp 2 notes where the host run stopped" grep -q '^LOG 2 .* the host run was stopped during boot 1$' "$res/smp2.guest.log"
check "smp 2 is finished in 2 boots" grep -q '"boots": 2' "$res/smp2.meta.json"

# ---- 4: resumed to the end --------------------------------------------------------------------------------------
rc=$(run --resume "$res" --no-build --no-micro --no-docs)
# rc 1: the report counts the metrics the fake guest never prints as missing; the VM side ended cleanly
check "the second resume runs to the report (rc $rc)" [ "$rc" = 1 ]
check "... with the VM side clean" grep -q '"vm_rc": 0' "$res/smp4.meta.json"
[ "$rc" = 1 ] || tail -5 "$t/out.txt" | sed 's/^/  > /'
check "smp 2 was kept as finished" grep -q 'smp 2: finished by the stopped run' "$t/out.txt"
check "smp 4 ran its 2 blocks once each" [ "$(blocks_ended "$res/smp4.guest.log")" = 2 ]
check "run.json records both resumes" /usr/bin/python3 -c \
  'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))["resumed"]) != 2)' "$res/run.json"
check "every block measured once, values intact" /usr/bin/python3 - "$r/bench/vm" "$res" <<'PY'
import sys; sys.path.insert(0, sys.argv[1]); import results as R
for smp, reps in ((2, 2), (4, 1)):
    p = R.parse(open(f"{sys.argv[2]}/smp{smp}.guest.log").read())
    got = sorted((m["rep"], m["scheduler"], m["value"]) for m in p["measurements"] if m["metric"] == "hackbench_s")
    want = sorted((rep, s, float(f"{rep}.{len(s)}")) for rep in range(1, reps + 1) for s in ("eevdf", "lsf"))
    assert got == want, (smp, got, want)
PY

check "every boot, resumed ones too, ran on the run's virtual clock" [ "$(sort -u "$t/clocks")" = virtual ]
check "run.json records the clock" grep -q '"clock": "virtual"' "$res/run.json"

# ---- 5: reps are rounded up to a whole Williams period unless --allow-partial ----------------------------------
rc=$(run --smp 2 --reps 3 --scheds eevdf,lsf --no-warmup --no-micro --no-docs --no-build --no-preflight --out "$t/r5")
check "--reps 3 of 2 schedulers is rounded up to 4, and said so" grep -q 'reps 3 rounded up to 4' "$t/out.txt"
check "... 4 reps ran" [ "$(blocks_ended "$t/r5/smp2.guest.log")" = 8 ]

# ---- 6: a scheduler that fails the pre-flight leaves the order before anything is measured ------------------------
mkdir -p "$t/cache/scx-build/build/bin"
printf '#!/bin/sh\n' > "$t/cache/scx-build/build/bin/scx_simple"; chmod +x "$t/cache/scx-build/build/bin/scx_simple"
echo clang-19 > "$t/cache/scx-build/build/bin/scx_simple.clang"   # the cached build's compiler (bench/vm/run: peer_clang)
rc=$(FAKE_PF_FAIL=simple run --smp 2 --reps 2 --scheds eevdf,simple,lsf --no-warmup --no-micro --no-docs --no-build --out "$t/r6")
check "the pre-flight failure is named and the order rebuilt" grep -q 'left out after the pre-flight load check: simple' "$t/out.txt"
check "... no block of it ran, the others ran a whole period" \
  [ "$(grep -c '^BLOCK .* simple end$' "$t/r6/smp2.guest.log")" = 0 -a "$(blocks_ended "$t/r6/smp2.guest.log")" = 4 ]
check "... recorded in smp2.meta.json and as a failure in the report" /usr/bin/python3 - "$t/r6" <<'PY'
import json, sys
m = json.load(open(f"{sys.argv[1]}/smp2.meta.json"))
assert m["preflight_dropped"] == ["simple"] and m["schedulers_run"] == ["eevdf", "lsf"], m
d = json.load(open(f"{sys.argv[1]}/smp2.json"))
assert any("pre-flight" in f["what"] and f["scheduler"] == "simple" for f in d["failures"]), d["failures"]
assert not any(x["scheduler"] == "simple" for x in d["missing"]), "a dropped scheduler has no missing measurements"
PY

# ---- 7: editing bench/vm/run while it runs (a checkout during a long run) does not break that run ----------------
rc=$(FAKE_EDIT=$r/bench/vm/run run --smp 2 --reps 2 --scheds eevdf,lsf --no-warmup --no-micro --no-docs --no-build --out "$t/r7")
check "a run whose script was edited meanwhile still reaches its report (rc $rc)" grep -q '^results of ' "$t/out.txt"
g checkout -q bench/vm/run

echo "resume_test: $((checks - fails)) of $checks checks passed"
[ $fails = 0 ]
